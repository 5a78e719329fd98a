"""Maps and their axes: stages (columns) and lanes (rows)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, delete, func, insert, select

from journeymap import rules
from journeymap.errors import NotFoundError, ValidationError
from journeymap.model import DatasetKind, JourneyMap, Lane, LaneKind, MapBoard, Stage
from journeymap.store.base import StoreBase
from journeymap.store.rows import (
    clean_author,
    journey_row,
    lane_row,
    no_extra,
    note_row,
    slot,
    stage_row,
    unique_names,
)
from journeymap.store.schema import T
from journeymap.store.workshop import require_unlocked
from journeymap.templates import DEFAULT_TEMPLATE, TEMPLATES


class MapStore(StoreBase):
    """Maps and their axes: stages (columns) and lanes (rows)."""

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
            self._guard(conn, "workspaces", workspace_id)
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
            "created_by": clean_author(created_by),
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "revision": 1,
        }
        conn.execute(insert(T["maps"]).values(**values))
        unique_names([rules.name(s, "A stage name") for s in stages], "stage")
        unique_names([rules.name(n, "A lane name") for n, _ in lanes], "lane")
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
        return journey_row(values)

    def list_maps(self, workspace_id: str) -> list[JourneyMap]:
        m = T["maps"]
        with self._tx(write=False) as conn:
            stmt = (
                select(m).where(m.c.workspace_id == workspace_id).order_by(m.c.created_at, m.c.id)
            )
            return [journey_row(r) for r in conn.execute(stmt).mappings()]

    def get_map(self, map_id: str) -> JourneyMap:
        with self._tx(write=False) as conn:
            return journey_row(self._require(conn, T["maps"], map_id, "map"))

    def map_revision(self, map_id: str) -> int:
        """The map's change counter: cheap to poll for 'did anything change?'."""
        m = T["maps"]
        with self._tx(write=False) as conn:
            value = conn.execute(select(m.c.revision).where(m.c.id == map_id)).scalar()
        if value is None:
            raise NotFoundError("This map does not exist any more; it may have been deleted.")
        return value

    def update_map(
        self, map_id: str, expected_version: int, *, by: str = "", **changes
    ) -> JourneyMap:
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
        if "dataset_id" in changes:
            values["dataset_id"] = changes.pop("dataset_id") or None
        if "window_days" in changes:
            values["window_days"] = rules.window_days(changes.pop("window_days"))
        if "owner" in changes:
            values["owner"] = rules.text(changes.pop("owner"), "The owner", max_len=rules.NAME_MAX,
                                         required=False) or None  # fmt: skip
        if "status" in changes:
            values["status"] = rules.map_status(changes.pop("status")).value
        if "review_on" in changes:
            values["review_on"] = rules.day(changes.pop("review_on"), "The next review date")
        no_extra(changes, "map")
        with self._tx(write=True) as conn:
            self._guard(conn, "maps", map_id)
            current = self._require(conn, T["maps"], map_id, "map")
            require_unlocked(conn, map_id, by)
            if values.get("persona_id") is not None:
                persona = self._require(conn, T["personas"], values["persona_id"], "persona")
                if persona["workspace_id"] != current["workspace_id"]:
                    raise ValidationError("That persona belongs to another workspace.")
            if values.get("dataset_id") is not None:
                dataset = self._require(conn, T["datasets"], values["dataset_id"], "dataset")
                if dataset["workspace_id"] != current["workspace_id"]:
                    raise ValidationError("That dataset belongs to another workspace.")
                if dataset["kind"] != DatasetKind.EVENTS.value:
                    raise ValidationError(
                        "A map is measured on an event log; that dataset is a "
                        f"{dataset['kind']} table."
                    )
            m = T["maps"]
            values["revision"] = m.c.revision + 1
            return self._cas(
                conn,
                m,
                map_id,
                expected_version,
                values,
                "map",
                journey_row,
            )

    def delete_map(self, map_id: str, expected_version: int) -> None:
        """Delete a map; the foreign keys' cascade removes everything on it."""
        with self._tx(write=True) as conn:
            self._guard(conn, "maps", map_id)
            self._cas_delete(conn, T["maps"], map_id, expected_version, "map", journey_row)

    def load_map(self, map_id: str) -> MapBoard:
        """The map with its ordered stages, lanes and notes, from one snapshot."""
        with self._tx(write=False) as conn:
            journey = journey_row(self._require(conn, T["maps"], map_id, "map"))
            s, ln, n = T["stages"], T["lanes"], T["notes"]
            stages = conn.execute(
                select(s).where(s.c.map_id == map_id).order_by(s.c.position, s.c.id)
            ).mappings()
            lanes = conn.execute(
                select(ln).where(ln.c.map_id == map_id).order_by(ln.c.position, ln.c.id)
            ).mappings()
            notes = conn.execute(
                select(n)
                .where(n.c.map_id == map_id, n.c.deleted_at.is_(None))
                .order_by(n.c.position, n.c.id)
            ).mappings()
            return MapBoard(
                map=journey,
                stages=tuple(stage_row(r) for r in stages),
                lanes=tuple(lane_row(r) for r in lanes),
                notes=tuple(note_row(r) for r in notes),
            )

    # -- stages and lanes (one code path: both are ordered, named axes of a map) ---

    # `by` names who does it: on a locked map only the facilitator may.

    def add_stage(self, map_id: str, name: str, *, index: int | None = None, by: str = "") -> Stage:
        return self._add_axis("stages", map_id, {"name": name}, index, by)

    def add_lane(
        self,
        map_id: str,
        name: str,
        *,
        kind: LaneKind | str = LaneKind.CUSTOM,
        index: int | None = None,
        by: str = "",
    ) -> Lane:
        return self._add_axis("lanes", map_id, {"name": name, "kind": kind}, index, by)

    def update_stage(
        self, stage_id: str, expected_version: int, *, name: str, by: str = ""
    ) -> Stage:
        return self._update_axis("stages", stage_id, expected_version, {"name": name}, by=by)

    def update_lane(self, lane_id: str, expected_version: int, *, by: str = "", **changes) -> Lane:
        return self._update_axis("lanes", lane_id, expected_version, changes, by=by)

    def move_stage(
        self, stage_id: str, expected_version: int, index: int, *, by: str = ""
    ) -> Stage:
        """Put a stage at `index` (0-based) among the map's stages."""
        return self._update_axis("stages", stage_id, expected_version, {}, index=index, by=by)

    def move_lane(self, lane_id: str, expected_version: int, index: int, *, by: str = "") -> Lane:
        return self._update_axis("lanes", lane_id, expected_version, {}, index=index, by=by)

    def delete_stage(self, stage_id: str, expected_version: int, *, by: str = "") -> int:
        """Delete a stage and the notes in it; return how many notes went with it."""
        return self._delete_axis("stages", stage_id, expected_version, by)

    def delete_lane(self, lane_id: str, expected_version: int, *, by: str = "") -> int:
        return self._delete_axis("lanes", lane_id, expected_version, by)

    def _axis_values(self, table_name: str, changes: dict[str, Any]) -> dict[str, Any]:
        what = "stage" if table_name == "stages" else "lane"
        values: dict[str, Any] = {}
        if "name" in changes:
            values["name"] = rules.name(changes.pop("name"), f"A {what} name")
        if what == "lane" and "kind" in changes:
            values["kind"] = rules.lane_kind(changes.pop("kind")).value
        no_extra(changes, what)
        return values

    def _check_unique_name(self, conn, table: Table, map_id, name, what, except_id=None):
        """Names are unique per map, ignoring case (in Python: SQLite's lower() is ASCII-only)."""
        stmt = select(table.c.name).where(table.c.map_id == map_id)
        if except_id is not None:
            stmt = stmt.where(table.c.id != except_id)
        unique_names([*conn.execute(stmt).scalars(), name], what, taken=True)

    def _add_axis(self, table_name: str, map_id: str, changes: dict, index: int | None, by: str):
        what = "stage" if table_name == "stages" else "lane"
        values = self._axis_values(table_name, dict(changes))
        table = T[table_name]
        with self._tx(write=True) as conn:
            self._guard(conn, "maps", map_id)
            self._require(conn, T["maps"], map_id, "map")
            require_unlocked(conn, map_id, by)
            self._check_unique_name(conn, table, map_id, values["name"], what)
            row = {
                "id": self._new_id(),
                "map_id": map_id,
                **values,
                "position": slot(conn, table, [table.c.map_id == map_id], index),
                "version": 1,
            }
            conn.execute(insert(table).values(**row))
            self._touch_map(conn, map_id)
            return stage_row(row) if what == "stage" else lane_row(row)

    def _update_axis(self, table_name, row_id, expected_version, changes, index=None, by=""):
        what = "stage" if table_name == "stages" else "lane"
        to_obj = stage_row if what == "stage" else lane_row
        values = self._axis_values(table_name, dict(changes))
        table = T[table_name]
        with self._tx(write=True) as conn:
            self._guard(conn, table_name, row_id)
            current = self._get(conn, table, row_id)
            if current is None:
                raise NotFoundError(f"This {what} was deleted by someone else; nothing was saved.")
            map_id = current["map_id"]
            require_unlocked(conn, map_id, by)
            if "name" in values:
                self._check_unique_name(conn, table, map_id, values["name"], what, row_id)
            if index is not None:
                siblings = [table.c.map_id == map_id, table.c.id != row_id]
                values["position"] = slot(conn, table, siblings, index)
            updated = self._cas(conn, table, row_id, expected_version, values, what, to_obj)
            self._touch_map(conn, map_id)
            return updated

    def _delete_axis(self, table_name: str, row_id: str, expected_version: int, by: str) -> int:
        what = "stage" if table_name == "stages" else "lane"
        to_obj = stage_row if what == "stage" else lane_row
        table, notes = T[table_name], T["notes"]
        column = notes.c.stage_id if what == "stage" else notes.c.lane_id
        with self._tx(write=True) as conn:
            self._guard(conn, table_name, row_id)
            current = self._get(conn, table, row_id)
            if current is None:
                raise NotFoundError(f"This {what} was deleted by someone else.")
            map_id = current["map_id"]
            require_unlocked(conn, map_id, by)
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
