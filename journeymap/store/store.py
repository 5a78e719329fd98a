"""The store: a narrow, domain-level API over SQLAlchemy Core.

Every write runs in its own transaction (SQLite: `BEGIN IMMEDIATE`, so two
writers queue instead of failing) and every update or delete of an editable
row is a compare-and-set on its `version`: a stale write raises
`ConflictError` and changes nothing. Reads of a whole map happen in one
transaction, so the wall never shows half of someone else's change.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, update
from sqlalchemy import exc as sa_exc

from journeymap import rules
from journeymap.errors import (
    ConflictError,
    JourneyMapError,
    NotFoundError,
    StoreError,
    ValidationError,
)
from journeymap.model import (
    JourneyMap,
    Lane,
    LaneKind,
    MapBoard,
    Note,
    Persona,
    Stage,
    Workspace,
)
from journeymap.store.schema import T, migrate
from journeymap.templates import DEFAULT_TEMPLATE, TEMPLATES

Clock = Callable[[], datetime]
IdFactory = Callable[[], str]

_PERSONA_LISTS = ("goals", "motivations", "frustrations", "channels", "tags")
_PERSONA_TEXTS = {"role": 200, "quote": 1000, "background": rules.LONG_TEXT_MAX}


def utc_now() -> datetime:
    return datetime.now(UTC)


def random_id() -> str:
    return secrets.token_hex(8)


def _row_to(cls: type, row: Mapping[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in row.items() if k in names})


def _persona(row: Mapping[str, Any]) -> Persona:
    values = dict(row)
    for key in _PERSONA_LISTS:
        values[key] = tuple(values[key] or ())
    values["is_primary"] = bool(values["is_primary"])
    return _row_to(Persona, values)


def _workspace(row: Mapping[str, Any]) -> Workspace:
    return _row_to(Workspace, row)


def _journey(row: Mapping[str, Any]) -> JourneyMap:
    return _row_to(JourneyMap, row)


def _stage(row: Mapping[str, Any]) -> Stage:
    return _row_to(Stage, row)


def _lane(row: Mapping[str, Any]) -> Lane:
    return _row_to(Lane, {**row, "kind": LaneKind(row["kind"])})


def _note(row: Mapping[str, Any]) -> Note:
    status = row["resource_status"]
    return _row_to(Note, {**row, "resource_status": rules.resource_status(status)})


def _between(before: float | None, after: float | None) -> float:
    """A position strictly between two neighbours (None means an open end)."""
    if before is None and after is None:
        return 1.0
    if before is None:
        return after - 1.0
    if after is None:
        return before + 1.0
    return (before + after) / 2.0


def _position_at(positions: Sequence[float], index: int | None) -> float:
    """The position that puts a row at `index` (0-based, clamped) among these positions."""
    ordered = sorted(positions)
    index = len(ordered) if index is None else min(max(index, 0), len(ordered))
    before = ordered[index - 1] if index > 0 else None
    after = ordered[index] if index < len(ordered) else None
    return _between(before, after)


# Midpoints halve the gap each time; below this the neighbours get renumbered.
_MIN_GAP = 1e-6


def _slot(conn: Connection, table: Table, siblings: Sequence[Any], index: int | None) -> float:
    """A position for a row placed at `index` among the rows matching `siblings`.

    Renumbering only rewrites positions (order is unchanged), so it does not bump
    versions: someone editing a neighbour's text must not get a false conflict.
    """
    rows = conn.execute(
        select(table.c.id, table.c.position).where(*siblings).order_by(table.c.position, table.c.id)
    ).all()
    positions = [row.position for row in rows]
    position = _position_at(positions, index)
    if any(abs(position - p) < _MIN_GAP for p in positions):
        for i, row in enumerate(rows):
            conn.execute(update(table).where(table.c.id == row.id).values(position=float(i + 1)))
        position = _position_at([float(i + 1) for i in range(len(rows))], index)
    return position


class Store:
    """Personas, maps, stages, lanes and notes, persisted with version checks."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now, new_id: IdFactory = random_id):
        self._engine = engine
        self._clock = clock
        self._new_id = new_id

    # -- plumbing ---------------------------------------------------------------

    @property
    def url(self) -> str:
        return self._engine.url.render_as_string(hide_password=True)

    @contextmanager
    def _tx(self, *, write: bool) -> Iterator[Connection]:
        try:
            with self._engine.connect() as conn:
                if write:
                    conn.execution_options(journeymap_write=True)
                with conn.begin():
                    yield conn
        except JourneyMapError:
            raise
        except sa_exc.OperationalError as err:
            raise StoreError(
                "The database did not answer in time or could not be reached; "
                "try again in a moment."
            ) from err
        except sa_exc.IntegrityError as err:
            raise ConflictError(
                "Someone changed or removed what this refers to at the same moment; "
                "reload and try again."
            ) from err

    def migrate(self) -> list[str]:
        """Bring the schema up to date; return the names of the migrations run."""
        with self._tx(write=True) as conn:
            return migrate(conn, self._clock())

    def close(self) -> None:
        self._engine.dispose()

    def _get(self, conn: Connection, table: Table, row_id: str) -> Mapping[str, Any] | None:
        return conn.execute(select(table).where(table.c.id == row_id)).mappings().first()

    def _require(self, conn: Connection, table: Table, row_id: str, what: str) -> Mapping:
        row = self._get(conn, table, row_id)
        if row is None:
            raise NotFoundError(f"This {what} does not exist any more; it may have been deleted.")
        return row

    def _cas(
        self,
        conn: Connection,
        table: Table,
        row_id: str,
        expected_version: int,
        values: dict[str, Any],
        what: str,
        to_obj: Callable[[Mapping[str, Any]], Any],
    ) -> Any:
        """Compare-and-set: write only if the row still has `expected_version`."""
        if "updated_at" in table.c:
            values = {**values, "updated_at": self._clock()}
        stmt = (
            update(table)
            .where(table.c.id == row_id, table.c.version == expected_version)
            .values(**values, version=table.c.version + 1)
        )
        if conn.execute(stmt).rowcount != 1:
            self._raise_stale(conn, table, row_id, expected_version, what, to_obj)
        return to_obj(self._get(conn, table, row_id))

    def _cas_delete(
        self,
        conn: Connection,
        table: Table,
        row_id: str,
        expected_version: int,
        what: str,
        to_obj: Callable[[Mapping[str, Any]], Any],
    ) -> None:
        stmt = delete(table).where(table.c.id == row_id, table.c.version == expected_version)
        if conn.execute(stmt).rowcount != 1:
            self._raise_stale(conn, table, row_id, expected_version, what, to_obj)

    def _raise_stale(self, conn, table, row_id, expected_version, what, to_obj) -> None:
        row = self._get(conn, table, row_id)
        if row is None:
            raise NotFoundError(f"This {what} was deleted by someone else; nothing was saved.")
        raise ConflictError(
            f"Someone else changed this {what} after you opened it (you saw version "
            f"{expected_version}, it is now at version {row['version']}); "
            "nothing was saved. Compare and choose what to keep.",
            current=to_obj(row),
        )

    def _touch_map(self, conn: Connection, map_id: str) -> None:
        maps = T["maps"]
        conn.execute(
            update(maps)
            .where(maps.c.id == map_id)
            .values(revision=maps.c.revision + 1, updated_at=self._clock())
        )

    # -- workspaces -----------------------------------------------------------------

    def create_workspace(self, name: str, description: str = "", created_by: str = "") -> Workspace:
        with self._tx(write=True) as conn:
            return self._insert_workspace(conn, name, description, created_by)

    def _insert_workspace(self, conn, name, description, created_by) -> Workspace:
        now = self._clock()
        values = {
            "id": self._new_id(),
            "name": rules.name(name, "A workspace name"),
            "description": rules.text(
                description, "The description", max_len=rules.LONG_TEXT_MAX, required=False
            ),
            "created_by": _author(created_by),
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        conn.execute(insert(T["workspaces"]).values(**values))
        return _workspace(values)

    def list_workspaces(self) -> list[Workspace]:
        ws = T["workspaces"]
        with self._tx(write=False) as conn:
            rows = conn.execute(select(ws).order_by(ws.c.created_at, ws.c.id)).mappings()
            return [_workspace(r) for r in rows]

    def get_workspace(self, workspace_id: str) -> Workspace:
        with self._tx(write=False) as conn:
            return _workspace(self._require(conn, T["workspaces"], workspace_id, "workspace"))

    def update_workspace(self, workspace_id: str, expected_version: int, **changes) -> Workspace:
        values = {}
        if "name" in changes:
            values["name"] = rules.name(changes.pop("name"), "A workspace name")
        if "description" in changes:
            values["description"] = rules.text(
                changes.pop("description"),
                "The description",
                max_len=rules.LONG_TEXT_MAX,
                required=False,
            )
        _no_extra(changes, "workspace")
        with self._tx(write=True) as conn:
            return self._cas(
                conn,
                T["workspaces"],
                workspace_id,
                expected_version,
                values,
                "workspace",
                _workspace,
            )

    def delete_workspace(self, workspace_id: str, expected_version: int) -> None:
        """Delete a workspace with all its personas, maps and notes."""
        with self._tx(write=True) as conn:
            map_ids = select(T["maps"].c.id).where(T["maps"].c.workspace_id == workspace_id)
            for child in ("notes", "stages", "lanes"):
                conn.execute(delete(T[child]).where(T[child].c.map_id.in_(map_ids)))
            conn.execute(delete(T["maps"]).where(T["maps"].c.workspace_id == workspace_id))
            conn.execute(delete(T["personas"]).where(T["personas"].c.workspace_id == workspace_id))
            self._cas_delete(
                conn,
                T["workspaces"],
                workspace_id,
                expected_version,
                "workspace",
                _workspace,
            )

    # -- personas -------------------------------------------------------------------

    def _persona_values(self, changes: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if "name" in changes:
            values["name"] = rules.name(changes.pop("name"), "A persona name")
        for key, max_len in _PERSONA_TEXTS.items():
            if key in changes:
                label = f"The persona's {key}"
                values[key] = rules.text(changes.pop(key), label, max_len=max_len, required=False)
        for key in _PERSONA_LISTS:
            if key in changes:
                values[key] = list(rules.items(changes.pop(key), f"The persona's {key}"))
        if "is_primary" in changes:
            values["is_primary"] = bool(changes.pop("is_primary"))
        if "photo" in changes:
            photo = changes.pop("photo")
            values["photo_type"] = rules.photo(photo)
            values["photo"] = photo
        _no_extra(changes, "persona")
        return values

    def add_persona(
        self, workspace_id: str, name: str, *, created_by: str = "", **fields_
    ) -> Persona:
        """Add a persona; other fields (role, quote, goals...) as keywords."""
        values = self._persona_values({"name": name, **fields_})
        with self._tx(write=True) as conn:
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
            **{key: [] for key in _PERSONA_LISTS},
            "is_primary": False,
            "photo": None,
            "photo_type": None,
            **values,
            "created_by": _author(created_by),
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        if row["is_primary"]:
            self._clear_primary(conn, workspace_id, keep=row["id"])
        conn.execute(insert(T["personas"]).values(**row))
        return _persona(row)

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
            stmt = (
                select(p)
                .where(p.c.workspace_id == workspace_id)
                .order_by(p.c.is_primary.desc(), func.lower(p.c.name), p.c.id)
            )
            return [_persona(r) for r in conn.execute(stmt).mappings()]

    def get_persona(self, persona_id: str) -> Persona:
        with self._tx(write=False) as conn:
            return _persona(self._require(conn, T["personas"], persona_id, "persona"))

    def update_persona(self, persona_id: str, expected_version: int, **changes) -> Persona:
        values = self._persona_values(dict(changes))
        with self._tx(write=True) as conn:
            updated = self._cas(
                conn, T["personas"], persona_id, expected_version, values, "persona", _persona
            )
            if values.get("is_primary"):
                self._clear_primary(conn, updated.workspace_id, keep=persona_id)
            return updated

    def duplicate_persona(self, persona_id: str, *, created_by: str = "") -> Persona:
        """Copy a persona (not primary, named '... (copy)') into the same workspace."""
        with self._tx(write=True) as conn:
            source = _persona(self._require(conn, T["personas"], persona_id, "persona"))
            name = source.name + " (copy)"
            if len(name) > rules.NAME_MAX:
                name = source.name
            values = {
                "name": name,
                **{key: getattr(source, key) for key in _PERSONA_TEXTS},
                **{key: list(getattr(source, key)) for key in _PERSONA_LISTS},
                "photo": source.photo,
                "photo_type": source.photo_type,
            }
            return self._insert_persona(conn, source.workspace_id, values, created_by)

    def maps_using_persona(self, persona_id: str) -> list[JourneyMap]:
        m = T["maps"]
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(m).where(m.c.persona_id == persona_id).order_by(m.c.title)
            ).mappings()
            return [_journey(r) for r in rows]

    def delete_persona(self, persona_id: str, expected_version: int) -> None:
        """Delete a persona; maps that followed it keep their notes and lose the link."""
        with self._tx(write=True) as conn:
            m = T["maps"]
            using = [r.id for r in conn.execute(select(m.c.id).where(m.c.persona_id == persona_id))]
            self._cas_delete(conn, T["personas"], persona_id, expected_version, "persona", _persona)
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

    # -- maps -----------------------------------------------------------------------

    def create_map(
        self,
        workspace_id: str,
        title: str,
        *,
        persona_id: str | None = None,
        scenario: str = "",
        template: str = DEFAULT_TEMPLATE,
        created_by: str = "",
    ) -> JourneyMap:
        """Create a map laid out from a template (see `journeymap.templates`)."""
        if template not in TEMPLATES:
            raise ValidationError(f"There is no template called {template!r}.")
        layout = TEMPLATES[template]
        with self._tx(write=True) as conn:
            return self._insert_map(
                conn,
                workspace_id,
                title,
                scenario,
                persona_id,
                created_by,
                layout.stages,
                layout.lanes,
            )

    def _insert_map(
        self, conn, workspace_id, title, scenario, persona_id, created_by, stages, lanes
    ) -> JourneyMap:
        self._require(conn, T["workspaces"], workspace_id, "workspace")
        if persona_id is not None:
            persona = self._require(conn, T["personas"], persona_id, "persona")
            if persona["workspace_id"] != workspace_id:
                raise ValidationError("That persona belongs to another workspace.")
        now = self._clock()
        values = {
            "id": self._new_id(),
            "workspace_id": workspace_id,
            "title": rules.name(title, "A map title"),
            "scenario": rules.text(
                scenario, "The scenario", max_len=rules.LONG_TEXT_MAX, required=False
            ),
            "persona_id": persona_id,
            "created_by": _author(created_by),
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "revision": 1,
        }
        conn.execute(insert(T["maps"]).values(**values))
        _unique_names([rules.name(s, "A stage name") for s in stages], "stage")
        _unique_names([rules.name(n, "A lane name") for n, _ in lanes], "lane")
        for i, stage_name in enumerate(stages):
            conn.execute(
                insert(T["stages"]).values(
                    id=self._new_id(),
                    map_id=values["id"],
                    name=stage_name.strip(),
                    position=float(i + 1),
                    version=1,
                )
            )
        for i, (lane_name, kind) in enumerate(lanes):
            conn.execute(
                insert(T["lanes"]).values(
                    id=self._new_id(),
                    map_id=values["id"],
                    name=lane_name.strip(),
                    kind=rules.lane_kind(kind).value,
                    position=float(i + 1),
                    version=1,
                )
            )
        return _journey(values)

    def list_maps(self, workspace_id: str) -> list[JourneyMap]:
        m = T["maps"]
        with self._tx(write=False) as conn:
            stmt = (
                select(m).where(m.c.workspace_id == workspace_id).order_by(m.c.created_at, m.c.id)
            )
            return [_journey(r) for r in conn.execute(stmt).mappings()]

    def get_map(self, map_id: str) -> JourneyMap:
        with self._tx(write=False) as conn:
            return _journey(self._require(conn, T["maps"], map_id, "map"))

    def map_revision(self, map_id: str) -> int:
        """The map's change counter: cheap to poll for 'did anything change?'."""
        m = T["maps"]
        with self._tx(write=False) as conn:
            value = conn.execute(select(m.c.revision).where(m.c.id == map_id)).scalar()
        if value is None:
            raise NotFoundError("This map does not exist any more; it may have been deleted.")
        return value

    def update_map(self, map_id: str, expected_version: int, **changes) -> JourneyMap:
        values: dict[str, Any] = {}
        if "title" in changes:
            values["title"] = rules.name(changes.pop("title"), "A map title")
        if "scenario" in changes:
            values["scenario"] = rules.text(
                changes.pop("scenario"),
                "The scenario",
                max_len=rules.LONG_TEXT_MAX,
                required=False,
            )
        if "persona_id" in changes:
            values["persona_id"] = changes.pop("persona_id")
        _no_extra(changes, "map")
        with self._tx(write=True) as conn:
            current = self._require(conn, T["maps"], map_id, "map")
            if values.get("persona_id") is not None:
                persona = self._require(conn, T["personas"], values["persona_id"], "persona")
                if persona["workspace_id"] != current["workspace_id"]:
                    raise ValidationError("That persona belongs to another workspace.")
            m = T["maps"]
            values["revision"] = m.c.revision + 1
            return self._cas(
                conn,
                m,
                map_id,
                expected_version,
                values,
                "map",
                _journey,
            )

    def delete_map(self, map_id: str, expected_version: int) -> None:
        with self._tx(write=True) as conn:
            for child in ("notes", "stages", "lanes"):
                conn.execute(delete(T[child]).where(T[child].c.map_id == map_id))
            self._cas_delete(conn, T["maps"], map_id, expected_version, "map", _journey)

    def load_map(self, map_id: str) -> MapBoard:
        """The map with its ordered stages, lanes and notes, from one snapshot."""
        with self._tx(write=False) as conn:
            journey = _journey(self._require(conn, T["maps"], map_id, "map"))
            s, ln, n = T["stages"], T["lanes"], T["notes"]
            stages = conn.execute(
                select(s).where(s.c.map_id == map_id).order_by(s.c.position, s.c.id)
            ).mappings()
            lanes = conn.execute(
                select(ln).where(ln.c.map_id == map_id).order_by(ln.c.position, ln.c.id)
            ).mappings()
            notes = conn.execute(
                select(n).where(n.c.map_id == map_id).order_by(n.c.position, n.c.id)
            ).mappings()
            return MapBoard(
                map=journey,
                stages=tuple(_stage(r) for r in stages),
                lanes=tuple(_lane(r) for r in lanes),
                notes=tuple(_note(r) for r in notes),
            )

    # -- stages and lanes (one code path: both are ordered, named axes of a map) ---

    def add_stage(self, map_id: str, name: str, *, index: int | None = None) -> Stage:
        return self._add_axis("stages", map_id, {"name": name}, index)

    def add_lane(
        self, map_id: str, name: str, *, kind: LaneKind | str = LaneKind.CUSTOM, index=None
    ) -> Lane:
        return self._add_axis("lanes", map_id, {"name": name, "kind": kind}, index)

    def update_stage(self, stage_id: str, expected_version: int, *, name: str) -> Stage:
        return self._update_axis("stages", stage_id, expected_version, {"name": name})

    def update_lane(self, lane_id: str, expected_version: int, **changes) -> Lane:
        return self._update_axis("lanes", lane_id, expected_version, changes)

    def move_stage(self, stage_id: str, expected_version: int, index: int) -> Stage:
        """Put a stage at `index` (0-based) among the map's stages."""
        return self._update_axis("stages", stage_id, expected_version, {}, index=index)

    def move_lane(self, lane_id: str, expected_version: int, index: int) -> Lane:
        return self._update_axis("lanes", lane_id, expected_version, {}, index=index)

    def delete_stage(self, stage_id: str, expected_version: int) -> int:
        """Delete a stage and the notes in it; return how many notes went with it."""
        return self._delete_axis("stages", stage_id, expected_version)

    def delete_lane(self, lane_id: str, expected_version: int) -> int:
        return self._delete_axis("lanes", lane_id, expected_version)

    def _axis_values(self, table_name: str, changes: dict[str, Any]) -> dict[str, Any]:
        what = "stage" if table_name == "stages" else "lane"
        values: dict[str, Any] = {}
        if "name" in changes:
            values["name"] = rules.name(changes.pop("name"), f"A {what} name")
        if what == "lane" and "kind" in changes:
            values["kind"] = rules.lane_kind(changes.pop("kind")).value
        _no_extra(changes, what)
        return values

    def _check_unique_name(self, conn, table: Table, map_id, name, what, except_id=None):
        """Names are unique per map, ignoring case (in Python: SQLite's lower() is ASCII-only)."""
        stmt = select(table.c.name).where(table.c.map_id == map_id)
        if except_id is not None:
            stmt = stmt.where(table.c.id != except_id)
        _unique_names([*conn.execute(stmt).scalars(), name], what, taken=True)

    def _add_axis(self, table_name: str, map_id: str, changes: dict, index: int | None):
        what = "stage" if table_name == "stages" else "lane"
        values = self._axis_values(table_name, dict(changes))
        table = T[table_name]
        with self._tx(write=True) as conn:
            self._require(conn, T["maps"], map_id, "map")
            self._check_unique_name(conn, table, map_id, values["name"], what)
            row = {
                "id": self._new_id(),
                "map_id": map_id,
                **values,
                "position": _slot(conn, table, [table.c.map_id == map_id], index),
                "version": 1,
            }
            conn.execute(insert(table).values(**row))
            self._touch_map(conn, map_id)
            return _stage(row) if what == "stage" else _lane(row)

    def _update_axis(self, table_name, row_id, expected_version, changes, index=None):
        what = "stage" if table_name == "stages" else "lane"
        to_obj = _stage if what == "stage" else _lane
        values = self._axis_values(table_name, dict(changes))
        table = T[table_name]
        with self._tx(write=True) as conn:
            current = self._get(conn, table, row_id)
            if current is None:
                raise NotFoundError(f"This {what} was deleted by someone else; nothing was saved.")
            map_id = current["map_id"]
            if "name" in values:
                self._check_unique_name(conn, table, map_id, values["name"], what, row_id)
            if index is not None:
                siblings = [table.c.map_id == map_id, table.c.id != row_id]
                values["position"] = _slot(conn, table, siblings, index)
            updated = self._cas(conn, table, row_id, expected_version, values, what, to_obj)
            self._touch_map(conn, map_id)
            return updated

    def _delete_axis(self, table_name: str, row_id: str, expected_version: int) -> int:
        what = "stage" if table_name == "stages" else "lane"
        to_obj = _stage if what == "stage" else _lane
        table, notes = T[table_name], T["notes"]
        column = notes.c.stage_id if what == "stage" else notes.c.lane_id
        with self._tx(write=True) as conn:
            current = self._get(conn, table, row_id)
            if current is None:
                raise NotFoundError(f"This {what} was deleted by someone else.")
            map_id = current["map_id"]
            count = conn.execute(
                select(func.count()).select_from(table).where(table.c.map_id == map_id)
            ).scalar()
            if count <= 1:
                raise ValidationError(
                    f"A map needs at least one {what}; add another before deleting this one."
                )
            # Notes first: with foreign keys on, the cascade would remove them uncounted.
            removed = conn.execute(delete(notes).where(column == row_id)).rowcount
            self._cas_delete(conn, table, row_id, expected_version, what, to_obj)
            self._touch_map(conn, map_id)
            return removed

    # -- notes ----------------------------------------------------------------------

    def _note_values(self, changes: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if "text" in changes:
            values["text"] = rules.text(
                changes.pop("text"), "A note", max_len=rules.NOTE_MAX, required=True
            )
        if "emotion" in changes:
            values["emotion"] = rules.emotion(changes.pop("emotion"))
        if "channel" in changes:
            channel = rules.text(
                changes.pop("channel"), "A channel", max_len=rules.CHANNEL_MAX, required=False
            )
            values["channel"] = channel or None
        if "resource_status" in changes:
            status = rules.resource_status(changes.pop("resource_status"))
            values["resource_status"] = status.value if status else None
        _no_extra(changes, "note")
        return values

    def _check_cell(self, conn, map_id: str, stage_id: str, lane_id: str) -> None:
        for table_name, row_id, what in (("stages", stage_id, "stage"), ("lanes", lane_id, "lane")):
            row = self._get(conn, T[table_name], row_id)
            if row is None or row["map_id"] != map_id:
                raise NotFoundError(
                    f"That {what} is not on this map any more; someone may have deleted it."
                )

    def add_note(
        self,
        map_id: str,
        *,
        stage_id: str,
        lane_id: str,
        text: str,
        author: str = "",
        index: int | None = None,
        **extra,
    ) -> Note:
        """Put a sticky note in a cell; `extra` holds emotion, channel, resource_status."""
        values = self._note_values({"text": text, **extra})
        author = _author(author)
        with self._tx(write=True) as conn:
            self._require(conn, T["maps"], map_id, "map")
            n = T["notes"]
            self._check_cell(conn, map_id, stage_id, lane_id)
            now = self._clock()
            row = {
                "id": self._new_id(),
                "map_id": map_id,
                "stage_id": stage_id,
                "lane_id": lane_id,
                "emotion": None,
                "channel": None,
                "resource_status": None,
                **values,
                "author": author,
                "position": _slot(
                    conn, n, [n.c.stage_id == stage_id, n.c.lane_id == lane_id], index
                ),
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            conn.execute(insert(T["notes"]).values(**row))
            self._touch_map(conn, map_id)
            return _note(row)

    def get_note(self, note_id: str) -> Note:
        with self._tx(write=False) as conn:
            return _note(self._require(conn, T["notes"], note_id, "note"))

    def update_note(self, note_id: str, expected_version: int, **changes) -> Note:
        """Change a note's text or lane-specific fields if nobody changed it meanwhile."""
        values = self._note_values(dict(changes))
        with self._tx(write=True) as conn:
            updated = self._cas(conn, T["notes"], note_id, expected_version, values, "note", _note)
            self._touch_map(conn, updated.map_id)
            return updated

    def move_note(
        self,
        note_id: str,
        expected_version: int,
        *,
        stage_id: str,
        lane_id: str,
        index: int | None = None,
    ) -> Note:
        """Move a note to another cell (or another place in its cell)."""
        with self._tx(write=True) as conn:
            current = self._get(conn, T["notes"], note_id)
            if current is None:
                raise NotFoundError("This note was deleted by someone else; nothing was moved.")
            self._check_cell(conn, current["map_id"], stage_id, lane_id)
            n = T["notes"]
            cell = [n.c.stage_id == stage_id, n.c.lane_id == lane_id, n.c.id != note_id]
            position = _slot(conn, n, cell, index)
            values = {"stage_id": stage_id, "lane_id": lane_id, "position": position}
            updated = self._cas(conn, T["notes"], note_id, expected_version, values, "note", _note)
            self._touch_map(conn, updated.map_id)
            return updated

    def delete_note(self, note_id: str, expected_version: int) -> None:
        with self._tx(write=True) as conn:
            current = self._get(conn, T["notes"], note_id)
            if current is None:
                raise NotFoundError("This note was already deleted by someone else.")
            self._cas_delete(conn, T["notes"], note_id, expected_version, "note", _note)
            self._touch_map(conn, current["map_id"])

    # -- whole workspaces -----------------------------------------------------------

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
        lane_ids = {r.name: r.id for r in conn.execute(select(ln).where(ln.c.map_id == journey.id))}
        now = self._clock()
        rows = []
        for i, note in enumerate(entry.get("notes", [])):
            note = dict(note)
            stage, lane = note.pop("stage", None), note.pop("lane", None)
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
        if rows:
            conn.execute(insert(T["notes"]), rows)


def _author(value: str | None) -> str:
    return rules.text(value, "The author's name", max_len=rules.NAME_MAX, required=False)


def _no_extra(changes: Mapping[str, Any], what: str) -> None:
    if changes:
        raise TypeError(f"Unknown {what} field(s): {', '.join(sorted(changes))}")


def _unique_names(names: Sequence[str], what: str, *, taken: bool = False) -> None:
    """Raise if two names are equal ignoring case; `taken`: the last one is the new one."""
    seen: set[str] = set()
    for value in names:
        if value.casefold() in seen:
            if taken:
                raise ValidationError(
                    f"This map already has a {what} called {value!r}; choose another name."
                )
            raise ValidationError(f"Two {what}s are called {value!r}; rename one.")
        seen.add(value.casefold())
