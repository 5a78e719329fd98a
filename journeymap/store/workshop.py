"""The facilitator's tools: lock for review, private brainstorm, shared timer, dot voting.

Only the map's creator and the workspace's facilitators may use them; every call
checks that inside its own transaction. Each change moves the map's revision, so
every open wall shows it within the live interval.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from journeymap.errors import AccessError, NotFoundError, ValidationError
from journeymap.model import JourneyMap, VoteRound
from journeymap.store.base import StoreBase
from journeymap.store.rows import clean_author, journey_row, row_to, workspace_row
from journeymap.store.schema import T

MAX_TIMER = timedelta(hours=4)
MAX_VOTES = 20


def require_facilitator(conn: Connection, map_id: str, by: str, doing: str) -> JourneyMap:
    """The map, if `by` runs this workshop; AccessError otherwise."""
    m = conn.execute(select(T["maps"]).where(T["maps"].c.id == map_id)).mappings().first()
    if m is None:
        raise NotFoundError("This map does not exist any more; it may have been deleted.")
    journey = journey_row(m)
    ws = (
        conn.execute(select(T["workspaces"]).where(T["workspaces"].c.id == journey.workspace_id))
        .mappings()
        .first()
    )
    if not journey.is_facilitator(by, workspace_row(ws)):
        raise AccessError(
            f"Only the facilitator can {doing} (the map's creator, {journey.created_by or 'unknown'}, "
            "or a facilitator named in the workspace settings)."
        )
    return journey


def require_unlocked(conn: Connection, map_id: str, by: str) -> None:
    """Writes to a locked map are refused, except the facilitator's."""
    locked = conn.execute(select(T["maps"].c.locked).where(T["maps"].c.id == map_id)).scalar()
    if locked:
        try:
            require_facilitator(conn, map_id, by, "edit a locked map")
        except AccessError:
            raise AccessError(
                "The facilitator has locked this map for review: it is read-only until "
                "they unlock it. Nothing was saved."
            ) from None


def _round(row: Any) -> VoteRound:
    return row_to(VoteRound, row)


class WorkshopStore(StoreBase):
    """Lock, private brainstorm, timer and dot voting on a map."""

    def _set_map(self, map_id: str, by: str, doing: str, values_of) -> JourneyMap:
        m = T["maps"]
        with self._tx(write=True) as conn:
            self._guard(conn, "maps", map_id)
            journey = require_facilitator(conn, map_id, by, doing)
            values = values_of(journey)
            conn.execute(
                update(m)
                .where(m.c.id == map_id)
                .values(**values, revision=m.c.revision + 1, updated_at=self._clock())
            )
            return journey_row(self._get(conn, m, map_id))

    def lock_map(self, map_id: str, locked: bool, *, by: str) -> JourneyMap:
        """Make the map read-only for everyone but the facilitator (or open it again)."""
        verb = "lock" if locked else "unlock"
        return self._set_map(map_id, by, f"{verb} the map", lambda _: {"locked": locked})

    def set_private(self, map_id: str, private: bool, *, by: str) -> JourneyMap:
        """Private brainstorm: from now on each person sees only their own new notes.

        Turning it off is the reveal: every note shows again.
        """
        since = self._clock() if private else None
        doing = "start a private brainstorm" if private else "reveal the notes"
        return self._set_map(map_id, by, doing, lambda _: {"private_since": since})

    def start_timer(self, map_id: str, seconds: float, *, by: str) -> JourneyMap:
        if not 0 < seconds <= MAX_TIMER.total_seconds():
            raise ValidationError("A timer runs from 1 second to 4 hours.")
        ends = self._clock() + timedelta(seconds=seconds)
        return self._set_map(
            map_id, by, "start the timer", lambda _: {"timer_ends_at": ends, "timer_left": None}
        )

    def pause_timer(self, map_id: str, *, by: str) -> JourneyMap:
        def values(journey: JourneyMap) -> dict:
            if journey.timer_ends_at is None:
                return {}
            left = max((journey.timer_ends_at - self._clock()).total_seconds(), 0.0)
            return {"timer_ends_at": None, "timer_left": left}

        return self._set_map(map_id, by, "pause the timer", values)

    def resume_timer(self, map_id: str, *, by: str) -> JourneyMap:
        def values(journey: JourneyMap) -> dict:
            if journey.timer_left is None:
                return {}
            ends = self._clock() + timedelta(seconds=journey.timer_left)
            return {"timer_ends_at": ends, "timer_left": None}

        return self._set_map(map_id, by, "resume the timer", values)

    def add_time(self, map_id: str, seconds: float, *, by: str) -> JourneyMap:
        """Add time to a running or paused timer (a minute more for the brainstorm)."""

        def values(journey: JourneyMap) -> dict:
            if journey.timer_ends_at is not None:
                return {
                    "timer_ends_at": max(journey.timer_ends_at, self._clock())
                    + timedelta(seconds=seconds)
                }
            if journey.timer_left is not None:
                return {"timer_left": journey.timer_left + seconds}
            raise ValidationError("There is no timer to add time to: start one first.")

        return self._set_map(map_id, by, "change the timer", values)

    def stop_timer(self, map_id: str, *, by: str) -> JourneyMap:
        return self._set_map(
            map_id, by, "stop the timer", lambda _: {"timer_ends_at": None, "timer_left": None}
        )

    # -- dot voting ---------------------------------------------------------------

    def open_vote(self, map_id: str, votes_per_person: int = 3, *, by: str) -> VoteRound:
        """Start a dot-voting round; only one round is open on a map at a time."""
        if isinstance(votes_per_person, bool) or not 1 <= votes_per_person <= MAX_VOTES:
            raise ValidationError(f"Each person gets from 1 to {MAX_VOTES} votes.")
        r = T["vote_rounds"]
        with self._tx(write=True) as conn:
            self._guard(conn, "maps", map_id)
            require_facilitator(conn, map_id, by, "start a vote")
            if self._open_round(conn, map_id) is not None:
                raise ValidationError("A vote is already open on this map: close it first.")
            row = {
                "id": self._new_id(),
                "map_id": map_id,
                "votes_per_person": votes_per_person,
                "opened_by": clean_author(by),
                "opened_at": self._clock(),
                "closed_at": None,
            }
            conn.execute(insert(r).values(**row))
            self._touch_map(conn, map_id)
            return _round(row)

    def close_vote(self, round_id: str, *, by: str) -> VoteRound:
        r = T["vote_rounds"]
        with self._tx(write=True) as conn:
            self._guard(conn, "vote_rounds", round_id)
            current = self._require(conn, r, round_id, "vote")
            require_facilitator(conn, current["map_id"], by, "close the vote")
            if current["closed_at"] is None:
                conn.execute(update(r).where(r.c.id == round_id).values(closed_at=self._clock()))
                self._touch_map(conn, current["map_id"])
            return _round(self._get(conn, r, round_id))

    def _open_round(self, conn: Connection, map_id: str):
        r = T["vote_rounds"]
        return (
            conn.execute(select(r).where(r.c.map_id == map_id, r.c.closed_at.is_(None)))
            .mappings()
            .first()
        )

    def latest_vote(self, map_id: str) -> VoteRound | None:
        """The open round, or else the most recently opened one (its results stay up)."""
        r = T["vote_rounds"]
        with self._tx(write=False) as conn:
            row = (
                conn.execute(
                    select(r)
                    .where(r.c.map_id == map_id)
                    .order_by(r.c.closed_at.is_not(None), r.c.opened_at.desc(), r.c.id.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
            return _round(row) if row else None

    def toggle_vote(self, round_id: str, note_id: str, *, voter: str) -> bool:
        """Put a dot on a note, or take it back; True when the note now has this dot."""
        voter = clean_author(voter)
        if not voter:
            raise ValidationError("Say who you are before voting.")
        r, v, n = T["vote_rounds"], T["votes"], T["notes"]
        with self._tx(write=True) as conn:
            self._guard(conn, "vote_rounds", round_id)
            current = self._require(conn, r, round_id, "vote")
            if current["closed_at"] is not None:
                raise ValidationError("This vote is closed; the facilitator can open a new one.")
            note = self._get(conn, n, note_id)
            if note is None or note["map_id"] != current["map_id"] or note["deleted_at"]:
                raise NotFoundError("That note is not on this map any more.")
            mine = v.c.round_id == round_id, v.c.voter == voter
            if conn.execute(delete(v).where(*mine, v.c.note_id == note_id)).rowcount:
                self._touch_map(conn, current["map_id"])
                return False
            used = conn.execute(select(func.count()).select_from(v).where(*mine)).scalar()
            if used >= current["votes_per_person"]:
                raise ValidationError(
                    f"You have used your {current['votes_per_person']} votes; "
                    "take one back to vote for this note."
                )
            conn.execute(
                insert(v).values(round_id=round_id, note_id=note_id, voter=voter, at=self._clock())
            )
            self._touch_map(conn, current["map_id"])
            return True

    def my_votes(self, round_id: str, voter: str) -> set[str]:
        v = T["votes"]
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(v.c.note_id).where(v.c.round_id == round_id, v.c.voter == voter)
            ).scalars()
            return set(rows)

    def vote_results(self, round_id: str) -> list[tuple[str, int]]:
        """(note id, dots) for every note with a dot, most dots first; voters stay private."""
        v = T["votes"]
        with self._tx(write=False) as conn:
            dots = func.count().label("dots")
            rows = conn.execute(
                select(v.c.note_id, dots)
                .where(v.c.round_id == round_id)
                .group_by(v.c.note_id)
                .order_by(dots.desc(), v.c.note_id)
            ).all()
            return [(row.note_id, row.dots) for row in rows]
