"""Open a store on SQLite (a file, the default) or PostgreSQL (by URL)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url

from journeymap.store.store import Clock, IdFactory, Store, random_id, utc_now

__all__ = ["Store", "open_store"]

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=10000",
    "PRAGMA foreign_keys=ON",
)


def open_store(url: str | Path, *, clock: Clock = utc_now, new_id: IdFactory = random_id) -> Store:
    """Open (and migrate) the store at a SQLAlchemy URL or a SQLite file path."""
    text = str(url)
    if "://" not in text:
        Path(text).parent.mkdir(parents=True, exist_ok=True)
        text = f"sqlite:///{text}"
    parsed = make_url(text)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 10})
        _sqlite_setup(engine)
    else:
        engine = create_engine(parsed, pool_pre_ping=True)
    store = Store(engine, clock=clock, new_id=new_id)
    store.migrate()
    return store


def _sqlite_setup(engine) -> None:
    """WAL, busy timeout, foreign keys, and `BEGIN IMMEDIATE` for every write.

    A deferred transaction that reads then writes fails with "database is
    locked" under concurrent writers instead of waiting its turn; taking the
    write lock at BEGIN makes writers queue.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        write = conn.get_execution_options().get("journeymap_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
