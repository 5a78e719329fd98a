"""Who is on a map right now: each open page says so every few seconds."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, insert, select, update

from journeymap.store.base import StoreBase
from journeymap.store.rows import clean_author
from journeymap.store.schema import T

PRESENT_FOR = timedelta(seconds=30)


class PresenceStore(StoreBase):
    """Presence: a heartbeat per browser session and map."""

    def touch_presence(self, map_id: str, session_id: str, name: str) -> None:
        """Record that this session (shown as `name`) is looking at the map now."""
        p = T["presence"]
        values = {"name": clean_author(name), "seen_at": self._clock()}
        with self._tx(write=True) as conn:
            self._guard(conn, "maps", map_id)
            updated = conn.execute(
                update(p).where(p.c.map_id == map_id, p.c.session_id == session_id).values(**values)
            ).rowcount
            if not updated:
                self._require(conn, T["maps"], map_id, "map")
                conn.execute(insert(p).values(map_id=map_id, session_id=session_id, **values))
                # Old heartbeats are of no use to anyone: drop them as new ones arrive.
                conn.execute(delete(p).where(p.c.seen_at < self._clock() - 10 * PRESENT_FOR))

    def leave_map(self, map_id: str, session_id: str) -> None:
        p = T["presence"]
        with self._tx(write=True) as conn:
            self._guard(conn, "maps", map_id)
            conn.execute(delete(p).where(p.c.map_id == map_id, p.c.session_id == session_id))

    def present(self, map_id: str, *, within: timedelta = PRESENT_FOR) -> list[str]:
        """Names of the people seen on the map within `within`, sorted, each once."""
        p = T["presence"]
        since = self._clock() - within
        with self._tx(write=False) as conn:
            names = conn.execute(
                select(p.c.name).where(p.c.map_id == map_id, p.c.seen_at >= since).distinct()
            ).scalars()
            return sorted(set(names), key=str.casefold)
