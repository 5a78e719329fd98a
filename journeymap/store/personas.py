"""Personas: the workspace persona library."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from journeymap import rules
from journeymap.model import JourneyMap, Persona
from journeymap.store.base import StoreBase
from journeymap.store.rows import (
    PERSONA_LISTS,
    PERSONA_TEXTS,
    clean_author,
    journey_row,
    no_extra,
    persona_row,
)
from journeymap.store.schema import T


class PersonaStore(StoreBase):
    """Personas: the workspace persona library."""

    def _persona_values(self, changes: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if "name" in changes:
            values["name"] = rules.name(changes.pop("name"), "A persona name")
        for key, max_len in PERSONA_TEXTS.items():
            if key in changes:
                label = f"The persona's {key}"
                values[key] = rules.text(changes.pop(key), label, max_len=max_len, required=False)
        for key in PERSONA_LISTS:
            if key in changes:
                values[key] = list(rules.items(changes.pop(key), f"The persona's {key}"))
        if "is_primary" in changes:
            values["is_primary"] = bool(changes.pop("is_primary"))
        if "segment" in changes:
            segment = changes.pop("segment")
            values["segment"] = rules.match(segment, "A persona's segment") if segment else None
        if "photo" in changes:
            photo = changes.pop("photo")
            values["photo_type"] = rules.photo(photo)
            values["photo"] = photo
        no_extra(changes, "persona")
        return values

    def add_persona(
        self, workspace_id: str, name: str, *, created_by: str = "", **fields_
    ) -> Persona:
        """Add a persona; other fields (role, quote, goals...) as keywords."""
        values = self._persona_values({"name": name, **fields_})
        with self._tx(write=True) as conn:
            self._guard(conn, "workspaces", workspace_id)
            return self._insert_persona(conn, workspace_id, values, created_by)

    def _insert_persona(self, conn, workspace_id, values, created_by) -> Persona:
        self._require(conn, T["workspaces"], workspace_id, "workspace")
        now = self._clock()
        row = {
            "id": self._new_id(),
            "workspace_id": workspace_id,
            "role": "",
            "quote": "",
            "background": "",
            **{key: [] for key in PERSONA_LISTS},
            "is_primary": False,
            "photo": None,
            "photo_type": None,
            **values,
            "created_by": clean_author(created_by),
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        if row["is_primary"]:
            self._clear_primary(conn, workspace_id, keep=row["id"])
        conn.execute(insert(T["personas"]).values(**row))
        return persona_row(row)

    def _clear_primary(self, conn: Connection, workspace_id: str, keep: str) -> None:
        """At most one primary persona per workspace: the newest mark wins."""
        p = T["personas"]
        conn.execute(
            update(p)
            .where(p.c.workspace_id == workspace_id, p.c.is_primary, p.c.id != keep)
            .values(is_primary=False, version=p.c.version + 1, updated_at=self._clock())
        )

    def list_personas(self, workspace_id: str) -> list[Persona]:
        p = T["personas"]
        with self._tx(write=False) as conn:
            rows = conn.execute(select(p).where(p.c.workspace_id == workspace_id)).mappings()
            personas = [persona_row(r) for r in rows]
        # Sorted in Python: SQLite and PostgreSQL order accented names differently.
        return sorted(personas, key=lambda x: (not x.is_primary, x.name.casefold(), x.id))

    def get_persona(self, persona_id: str) -> Persona:
        with self._tx(write=False) as conn:
            return persona_row(self._require(conn, T["personas"], persona_id, "persona"))

    def update_persona(self, persona_id: str, expected_version: int, **changes) -> Persona:
        values = self._persona_values(dict(changes))
        with self._tx(write=True) as conn:
            self._guard(conn, "personas", persona_id)
            updated = self._cas(
                conn, T["personas"], persona_id, expected_version, values, "persona", persona_row
            )
            if values.get("is_primary"):
                self._clear_primary(conn, updated.workspace_id, keep=persona_id)
            return updated

    def duplicate_persona(self, persona_id: str, *, created_by: str = "") -> Persona:
        """Copy a persona (not primary, named '... (copy)') into the same workspace."""
        with self._tx(write=True) as conn:
            self._guard(conn, "personas", persona_id)
            source = persona_row(self._require(conn, T["personas"], persona_id, "persona"))
            name = source.name + " (copy)"
            if len(name) > rules.NAME_MAX:
                name = source.name
            values = {
                "name": name,
                **{key: getattr(source, key) for key in PERSONA_TEXTS},
                **{key: list(getattr(source, key)) for key in PERSONA_LISTS},
                "photo": source.photo,
                "photo_type": source.photo_type,
                "segment": source.segment,
            }
            return self._insert_persona(conn, source.workspace_id, values, created_by)

    def maps_using_persona(self, persona_id: str) -> list[JourneyMap]:
        m = T["maps"]
        with self._tx(write=False) as conn:
            rows = conn.execute(select(m).where(m.c.persona_id == persona_id)).mappings()
            maps = [journey_row(r) for r in rows]
        return sorted(maps, key=lambda x: (x.title.casefold(), x.id))

    def delete_persona(self, persona_id: str, expected_version: int) -> None:
        """Delete a persona; maps that followed it keep their notes and lose the link."""
        with self._tx(write=True) as conn:
            self._guard(conn, "personas", persona_id)
            m = T["maps"]
            using = [r.id for r in conn.execute(select(m.c.id).where(m.c.persona_id == persona_id))]
            self._cas_delete(
                conn, T["personas"], persona_id, expected_version, "persona", persona_row
            )
            if using:
                conn.execute(
                    update(m)
                    .where(m.c.id.in_(using))
                    .values(
                        persona_id=None,
                        version=m.c.version + 1,
                        revision=m.c.revision + 1,
                        updated_at=self._clock(),
                    )
                )
