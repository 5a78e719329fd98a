"""Whole workspaces from one document (the sample workshop format), all or nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select, update

from journeymap import rules
from journeymap.errors import ValidationError
from journeymap.model import BindingKind, LaneKind, Workspace
from journeymap.store.base import StoreBase
from journeymap.store.rows import clean_author
from journeymap.store.schema import T
from journeymap.templates import DEFAULT_TEMPLATE, TEMPLATES


class DocumentStore(StoreBase):
    """Whole workspaces from one document (the sample workshop format), all or nothing."""

    def import_workspace(self, doc: Mapping[str, Any], *, created_by: str = "") -> Workspace:
        """Create a workspace with its personas, maps and notes from one document.

        The document is the sample-workshop format (see `sample_data/README.md`):
        names, not ids, link notes to stages and lanes. It is all-or-nothing: one
        bad note and nothing is created.
        """
        try:
            return self._import(doc, created_by)
        except (TypeError, AttributeError, KeyError) as err:
            raise ValidationError(
                f"The workspace document is not in the expected shape ({err}); nothing was created."
            ) from err

    def _import(self, doc: Mapping[str, Any], created_by: str) -> Workspace:
        with self._tx(write=True) as conn:
            info = doc.get("workspace", {})
            workspace = self._insert_workspace(
                conn, info.get("name", ""), info.get("description", ""), created_by
            )
            persona_ids: dict[str, str] = {}
            for entry in doc.get("personas", []):
                entry = dict(entry)
                key = entry.pop("key", entry.get("name"))
                values = self._persona_values(entry)
                persona = self._insert_persona(conn, workspace.id, values, created_by)
                persona_ids[key] = persona.id
            for entry in doc.get("maps", []):
                self._import_map(conn, workspace.id, entry, persona_ids, created_by)
            return workspace

    def _import_map(self, conn, workspace_id, entry, persona_ids, created_by) -> None:
        layout = TEMPLATES.get(entry.get("template", DEFAULT_TEMPLATE))
        if layout is None:
            raise ValidationError(f"There is no template called {entry['template']!r}.")
        stages = entry.get("stages", layout.stages)
        lanes = [
            (lane["name"], lane.get("kind", "custom")) if isinstance(lane, Mapping) else lane
            for lane in entry.get("lanes", layout.lanes)
        ]
        persona_key = entry.get("persona")
        if persona_key is not None and persona_key not in persona_ids:
            raise ValidationError(f"The map {entry.get('title')!r} names an unknown persona.")
        journey = self._insert_map(
            conn,
            workspace_id,
            entry.get("title", ""),
            entry.get("scenario", ""),
            persona_ids.get(persona_key),
            created_by,
            stages,
            lanes,
        )
        s, ln = T["stages"], T["lanes"]
        stage_ids = {r.name: r.id for r in conn.execute(select(s).where(s.c.map_id == journey.id))}
        lane_rows = conn.execute(select(ln).where(ln.c.map_id == journey.id)).all()
        lane_ids = {r.name: r.id for r in lane_rows}
        touch_lanes = {r.name for r in lane_rows if r.kind == LaneKind.TOUCHPOINT.value}
        now = self._clock()
        rows = []
        bindings = []  # (target id, kind, rule)
        for stage, rule in entry.get("bindings", {}).items():
            if stage not in stage_ids:
                raise ValidationError(f"{journey.title!r} binds an unknown stage {stage!r}.")
            bindings.append((stage_ids[stage], BindingKind.STAGE, rule))
        for i, note in enumerate(entry.get("notes", [])):
            note = dict(note)
            stage, lane = note.pop("stage", None), note.pop("lane", None)
            rule = note.pop("binding", None)
            if stage not in stage_ids or lane not in lane_ids:
                raise ValidationError(
                    f"Note {i + 1} of {journey.title!r} is in an unknown stage or lane "
                    f"({stage!r}, {lane!r})."
                )
            author = note.pop("author", created_by)
            rows.append(
                {
                    "id": self._new_id(),
                    "map_id": journey.id,
                    "stage_id": stage_ids[stage],
                    "lane_id": lane_ids[lane],
                    "emotion": None,
                    "channel": None,
                    "resource_status": None,
                    **self._note_values(note),
                    "author": author,
                    "position": float(i + 1),
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
            if rule is not None:
                if lane not in touch_lanes:
                    raise ValidationError(
                        f"Note {i + 1} of {journey.title!r} is bound to data but is not in a "
                        "touchpoint lane; only touchpoint notes can be bound."
                    )
                bindings.append((rows[-1]["id"], BindingKind.TOUCHPOINT, rule))
        if rows:
            conn.execute(insert(T["notes"]), rows)
        if bindings:
            conn.execute(
                insert(T["bindings"]),
                [
                    {"id": self._new_id(), "map_id": journey.id, "target_id": target,
                     "kind": kind.value, "rule": rules.match(rule, "A binding"),
                     "updated_by": clean_author(created_by), "updated_at": now, "version": 1}
                    for target, kind, rule in bindings
                ],
            )  # fmt: skip
        if entry.get("window_days") is not None:
            m = T["maps"]
            days = rules.window_days(entry["window_days"])
            conn.execute(update(m).where(m.c.id == journey.id).values(window_days=days))
