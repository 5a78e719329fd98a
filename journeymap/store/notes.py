"""Sticky notes: add, edit, move, delete to the trash and restore, each with a version
check and a line in the note's history (which is also the map's activity feed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, func, insert, select

from journeymap import rules
from journeymap.errors import ConflictError, NotFoundError
from journeymap.model import Comment, Note, NoteEvent, NoteEventKind
from journeymap.store.base import StoreBase
from journeymap.store.rows import clean_author, no_extra, note_row, row_to, slot
from journeymap.store.schema import T
from journeymap.store.workshop import require_unlocked

_FIELDS = ("text", "emotion", "channel", "resource_status")


def _event(row: Mapping[str, Any]) -> NoteEvent:
    return row_to(NoteEvent, {**row, "kind": NoteEventKind(row["kind"])})


class NoteStore(StoreBase):
    """Sticky notes: add, edit, move, delete, restore, and their history."""

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

    def _cell(self, conn: Connection, stage_id: str, lane_id: str) -> dict[str, str]:
        """Stage and lane names for the history, as they were at the time."""
        s, ln = T["stages"], T["lanes"]
        stage = conn.execute(select(s.c.name).where(s.c.id == stage_id)).scalar()
        lane = conn.execute(select(ln.c.name).where(ln.c.id == lane_id)).scalar()
        return {"stage": stage or "", "lane": lane or ""}

    def _log(self, conn: Connection, note: Note, kind: NoteEventKind, actor: str, **details):
        conn.execute(
            insert(T["note_events"]).values(
                id=self._new_id(),
                map_id=note.map_id,
                note_id=note.id,
                kind=kind.value,
                actor=clean_author(actor),
                at=self._clock(),
                text=note.text,
                details=details,
            )
        )
        self._touch_map(conn, note.map_id)

    def _live(self, conn: Connection, note_id: str, doing: str) -> Mapping[str, Any]:
        """The note's row, if it is on the wall (not gone, not in the trash)."""
        row = self._get(conn, T["notes"], note_id)
        if row is None or row["deleted_at"] is not None:
            raise NotFoundError(f"This note was deleted by someone else; nothing was {doing}.")
        return row

    def _note_cas(self, conn, note_id, expected_version, values) -> Note:
        try:
            return self._cas(conn, T["notes"], note_id, expected_version, values, "note", note_row)
        except ConflictError as err:
            if err.current is not None and err.current.deleted_at is not None:
                raise NotFoundError("This note was deleted by someone else meanwhile.") from err
            raise

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
            self._guard(conn, "maps", map_id)
            self._require(conn, T["maps"], map_id, "map")
            require_unlocked(conn, map_id, author)
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
                "position": slot(conn, n, _cell_of(n, stage_id, lane_id), index),
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            conn.execute(insert(n).values(**row))
            note = note_row(row)
            self._log(conn, note, NoteEventKind.ADD, author, **self._cell(conn, stage_id, lane_id))
            return note

    def get_note(self, note_id: str) -> Note:
        """A note, also when it is in the trash (then `deleted_at` is set)."""
        with self._tx(write=False) as conn:
            return note_row(self._require(conn, T["notes"], note_id, "note"))

    def update_note(self, note_id: str, expected_version: int, *, by: str = "", **changes) -> Note:
        """Change a note's text or lane-specific fields if nobody changed it meanwhile."""
        values = self._note_values(dict(changes))
        with self._tx(write=True) as conn:
            self._guard(conn, "notes", note_id)
            before = note_row(self._live(conn, note_id, "saved"))
            require_unlocked(conn, before.map_id, by)
            updated = self._note_cas(conn, note_id, expected_version, values)
            changed = [f for f in _FIELDS if getattr(before, f) != getattr(updated, f)]
            self._log(
                conn,
                updated,
                NoteEventKind.EDIT,
                by,
                before={f: _plain(getattr(before, f)) for f in changed},
                after={f: _plain(getattr(updated, f)) for f in changed},
            )
            return updated

    def move_note(
        self,
        note_id: str,
        expected_version: int,
        *,
        stage_id: str,
        lane_id: str,
        index: int | None = None,
        by: str = "",
    ) -> Note:
        """Move a note to another cell (or another place in its cell)."""
        with self._tx(write=True) as conn:
            self._guard(conn, "notes", note_id)
            current = self._live(conn, note_id, "moved")
            require_unlocked(conn, current["map_id"], by)
            self._check_cell(conn, current["map_id"], stage_id, lane_id)
            n = T["notes"]
            cell = [*_cell_of(n, stage_id, lane_id), n.c.id != note_id]
            values = {
                "stage_id": stage_id,
                "lane_id": lane_id,
                "position": slot(conn, n, cell, index),
            }
            updated = self._note_cas(conn, note_id, expected_version, values)
            self._log(
                conn,
                updated,
                NoteEventKind.MOVE,
                by,
                **{"from": self._cell(conn, current["stage_id"], current["lane_id"])},
                to=self._cell(conn, stage_id, lane_id),
            )
            return updated

    def delete_note(self, note_id: str, expected_version: int, *, by: str = "") -> None:
        """Put a note in the map's trash (restore_note brings it back)."""
        with self._tx(write=True) as conn:
            self._guard(conn, "notes", note_id)
            current = self._live(conn, note_id, "deleted")
            require_unlocked(conn, current["map_id"], by)
            values = {"deleted_at": self._clock(), "deleted_by": clean_author(by)}
            note = self._note_cas(conn, note_id, expected_version, values)
            self._log(
                conn,
                note,
                NoteEventKind.DELETE,
                by,
                **self._cell(conn, note.stage_id, note.lane_id),
            )

    def restore_note(self, note_id: str, expected_version: int, *, by: str = "") -> Note:
        """Bring a note back from the trash to the cell it was deleted from."""
        with self._tx(write=True) as conn:
            self._guard(conn, "notes", note_id)
            row = self._require(conn, T["notes"], note_id, "note")
            require_unlocked(conn, row["map_id"], by)
            if row["deleted_at"] is None:
                raise ConflictError("This note is already back on the wall.", note_row(row))
            values = {"deleted_at": None, "deleted_by": None}
            n = T["notes"]
            taken = conn.execute(
                select(n.c.id).where(
                    *_cell_of(n, row["stage_id"], row["lane_id"]), n.c.position == row["position"]
                )
            ).first()
            if taken is not None:  # its old place was given away meanwhile: back at the end
                values["position"] = slot(
                    conn, n, _cell_of(n, row["stage_id"], row["lane_id"]), None
                )
            note = self._cas(conn, n, note_id, expected_version, values, "note", note_row)
            self._log(
                conn,
                note,
                NoteEventKind.RESTORE,
                by,
                **self._cell(conn, note.stage_id, note.lane_id),
            )
            return note

    def list_trash(self, map_id: str) -> list[Note]:
        """The map's deleted notes, most recently deleted first."""
        n = T["notes"]
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(n)
                .where(n.c.map_id == map_id, n.c.deleted_at.is_not(None))
                .order_by(n.c.deleted_at.desc(), n.c.id)
            ).mappings()
            return [note_row(r) for r in rows]

    def note_history(self, note_id: str) -> list[NoteEvent]:
        """Everything that happened to a note, oldest first."""
        e = T["note_events"]
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(e).where(e.c.note_id == note_id).order_by(e.c.at, e.c.id)
            ).mappings()
            return [_event(r) for r in rows]

    def activity(self, map_id: str, *, limit: int = 50) -> list[NoteEvent]:
        """The latest changes on a map, newest first."""
        e = T["note_events"]
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(e)
                .where(e.c.map_id == map_id)
                .order_by(e.c.at.desc(), e.c.id.desc())
                .limit(limit)
            ).mappings()
            return [_event(r) for r in rows]

    # -- comments: a short discussion thread on a note -------------------------------

    def add_comment(self, note_id: str, text: str, *, author: str) -> Comment:
        """Comment on a note; allowed on a locked map too (that is what review is for)."""
        text = rules.text(text, "A comment", max_len=rules.COMMENT_MAX, required=True)
        with self._tx(write=True) as conn:
            self._guard(conn, "notes", note_id)
            note = self._live(conn, note_id, "commented on")
            row = {
                "id": self._new_id(),
                "map_id": note["map_id"],
                "note_id": note_id,
                "author": clean_author(author),
                "text": text,
                "created_at": self._clock(),
            }
            conn.execute(insert(T["note_comments"]).values(**row))
            self._touch_map(conn, note["map_id"])
            return row_to(Comment, row)

    def list_comments(self, note_id: str) -> list[Comment]:
        """A note's comments, oldest first."""
        c = T["note_comments"]
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(c).where(c.c.note_id == note_id).order_by(c.c.created_at, c.c.id)
            ).mappings()
            return [row_to(Comment, r) for r in rows]

    def comment_counts(self, map_id: str) -> dict[str, int]:
        """How many comments each note of the map has (notes without any are left out)."""
        c = T["note_comments"]
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(c.c.note_id, func.count()).where(c.c.map_id == map_id).group_by(c.c.note_id)
            ).all()
            return {note_id: count for note_id, count in rows}


def _cell_of(n, stage_id: str, lane_id: str) -> list:
    """The live notes of one cell: the ones a position or an index counts among."""
    return [n.c.stage_id == stage_id, n.c.lane_id == lane_id, n.c.deleted_at.is_(None)]


def _plain(value: Any) -> Any:
    """A JSON-friendly value for the history (enums become their text)."""
    return getattr(value, "value", value)
