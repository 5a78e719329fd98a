"""The store's plumbing: transactions, compare-and-set writes, error translation."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Connection, Engine, Table, delete, func, select, update
from sqlalchemy import exc as sa_exc

from journeymap.access import Access
from journeymap.errors import (
    AccessError,
    ConflictError,
    JourneyMapError,
    NotFoundError,
    StoreError,
)
from journeymap.store.schema import T, migrate

Clock = Callable[[], datetime]
IdFactory = Callable[[], str]

SAME_MOMENT = (
    "Someone changed or removed what this refers to at the same moment; reload and try again."
)
NO_ANSWER = "The database did not answer in time or could not be reached; try again in a moment."
REFUSED = (
    "The database refused this change, so nothing was saved; try again, and tell whoever "
    "runs this app if it keeps happening."
)
# PostgreSQL: serialization failure and deadlock. The server rolled the transaction back
# and nothing was written, so the user can reload and redo it, like a version conflict.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
# Writers queue, one at a time per database, on both backends. SQLite does it with
# `BEGIN IMMEDIATE`; on PostgreSQL every write transaction first takes this advisory lock
# (held until commit or rollback; waiting is bounded by the connection's lock_timeout).
# Without it, READ COMMITTED lets two writers act on the same snapshot: two notes added
# to one cell at once got the same position (their order then depended on random ids),
# and the store's read-then-check rules (unique stage and lane names per map, one primary
# persona, a map keeps one stage and lane) could each be broken by two concurrent writes.
# Readers never wait for it. The version compare-and-set stays the guard against stale
# edits: a user's version travels from render to submit, across transactions.
WRITE_LOCK = 0x6A6D6170  # any constant, the same in every process ("jmap")
WRITE_LOCK_SQL = select(func.pg_advisory_xact_lock(WRITE_LOCK))

# How a row finds its workspace: (column pointing up, the table it points to).
PARENTS = {
    "notes": ("map_id", "maps"),
    "stages": ("map_id", "maps"),
    "lanes": ("map_id", "maps"),
    "vote_rounds": ("map_id", "maps"),
    "maps": ("workspace_id", "workspaces"),
    "personas": ("workspace_id", "workspaces"),
    "datasets": ("workspace_id", "workspaces"),
    "bindings": ("map_id", "maps"),
    "snapshots": ("map_id", "maps"),
}
NO_KEY = (
    "This workspace is protected by a passcode that this session has not entered (or it "
    "has changed since); nothing was saved. Enter the passcode and try again."
)


def _sqlstate(err: sa_exc.DBAPIError) -> str | None:
    return getattr(err.orig, "sqlstate", None)


def utc_now() -> datetime:
    return datetime.now(UTC)


def random_id() -> str:
    return secrets.token_hex(8)


class StoreBase:
    """Connections, transactions and version checks; the domain parts build on it."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock = utc_now,
        new_id: IdFactory = random_id,
        data_dir: Path | None = None,
    ):
        self._engine = engine
        self._data_dir = Path(data_dir or "data/datasets")  # datasets' Parquet files
        self._clock = clock
        self._new_id = new_id
        self._access = Access.TRUSTED

    def for_session(self, access: Access) -> Self:
        """This store, as one browser session may use it: writes need `access`.

        It shares the engine (and so the pool); making one per page run is cheap.
        """
        view = copy.copy(self)
        view._access = access
        return view

    def _guard(self, conn: Connection, table: str, row_id: str) -> None:
        """Refuse this write unless the session may write to the row's workspace.

        Called first inside every write transaction, so a passcode changed a moment
        ago already counts. A row that is gone passes: the write then says so itself.
        """
        if self._access.everywhere:
            return
        while table != "workspaces":
            column, parent = PARENTS[table]
            t = T[table]
            row_id = conn.execute(select(t.c[column]).where(t.c.id == row_id)).scalar()
            if row_id is None:
                return
            table = parent
        ws = T["workspaces"]
        stored = conn.execute(select(ws.c.passcode_hash).where(ws.c.id == row_id)).scalar()
        if not self._access.allows(row_id, stored):
            raise AccessError(NO_KEY)

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
                    if write and conn.dialect.name == "postgresql":
                        conn.execute(WRITE_LOCK_SQL)
                    yield conn
        except JourneyMapError:
            raise
        except sa_exc.IntegrityError as err:
            raise ConflictError(SAME_MOMENT) from err
        except sa_exc.OperationalError as err:
            if _sqlstate(err) in RETRYABLE_SQLSTATES:
                raise ConflictError(SAME_MOMENT) from err
            raise StoreError(NO_ANSWER) from err
        except sa_exc.TimeoutError as err:  # every pooled connection stayed busy
            raise StoreError(NO_ANSWER) from err
        except sa_exc.DBAPIError as err:
            raise StoreError(REFUSED) from err

    def migrate(self) -> list[str]:
        """Bring the schema up to date; return the names of the migrations run."""
        # A write transaction: replicas starting together queue, and the later ones find
        # the migrations recorded.
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
