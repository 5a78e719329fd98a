"""The store's plumbing: transactions, compare-and-set writes, error translation."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, select, update
from sqlalchemy import exc as sa_exc

from journeymap.errors import ConflictError, JourneyMapError, NotFoundError, StoreError
from journeymap.store.schema import T, migrate

Clock = Callable[[], datetime]
IdFactory = Callable[[], str]


def utc_now() -> datetime:
    return datetime.now(UTC)


def random_id() -> str:
    return secrets.token_hex(8)


class StoreBase:
    """Connections, transactions and version checks; the domain parts build on it."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now, new_id: IdFactory = random_id):
        self._engine = engine
        self._clock = clock
        self._new_id = new_id

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
