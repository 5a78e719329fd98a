"""Sticky notes: add, edit, move and delete with version checks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from journeymap import rules
from journeymap.errors import NotFoundError
from journeymap.model import Note
from journeymap.store.base import StoreBase
from journeymap.store.rows import (
    clean_author,
    no_extra,
    note_row,
    slot,
)
from journeymap.store.schema import T


class NoteStore(StoreBase):
    """Sticky notes: add, edit, move and delete with version checks."""

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
        no_extra(changes, "note")
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
        author = clean_author(author)
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
                "position": slot(
                    conn, n, [n.c.stage_id == stage_id, n.c.lane_id == lane_id], index
                ),
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            conn.execute(insert(T["notes"]).values(**row))
            self._touch_map(conn, map_id)
            return note_row(row)

    def get_note(self, note_id: str) -> Note:
        with self._tx(write=False) as conn:
            return note_row(self._require(conn, T["notes"], note_id, "note"))

    def update_note(self, note_id: str, expected_version: int, **changes) -> Note:
        """Change a note's text or lane-specific fields if nobody changed it meanwhile."""
        values = self._note_values(dict(changes))
        with self._tx(write=True) as conn:
            updated = self._cas(
                conn, T["notes"], note_id, expected_version, values, "note", note_row
            )
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
            position = slot(conn, n, cell, index)
            values = {"stage_id": stage_id, "lane_id": lane_id, "position": position}
            updated = self._cas(
                conn, T["notes"], note_id, expected_version, values, "note", note_row
            )
            self._touch_map(conn, updated.map_id)
            return updated

    def delete_note(self, note_id: str, expected_version: int) -> None:
        with self._tx(write=True) as conn:
            current = self._get(conn, T["notes"], note_id)
            if current is None:
                raise NotFoundError("This note was already deleted by someone else.")
            self._cas_delete(conn, T["notes"], note_id, expected_version, "note", note_row)
            self._touch_map(conn, current["map_id"])
