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


# PostgreSQL: each server process keeps up to POOL_SIZE idle connections and opens up to
# POOL_OVERFLOW more under a burst (Streamlit runs every session's script in its own
# thread); a request waits at most POOL_TIMEOUT seconds for one, then fails as a StoreError.
POOL_SIZE = 10
POOL_OVERFLOW = 30  # a workshop of 40 people saving at once still gets a connection
POOL_TIMEOUT = 30
POOL_RECYCLE = 1800  # seconds; replaces connections a firewall or proxy may have cut
CONNECT_ARGS = {
    "connect_timeout": 10,  # seconds; libpq would otherwise wait forever for a silent host
    "application_name": "journeymap",  # names our connections in pg_stat_activity
}
LOCK_TIMEOUT = "10s"  # like SQLite's busy_timeout: the longest wait for the write lock or a row


def open_store(
    url: str | Path,
    *,
    clock: Clock = utc_now,
    new_id: IdFactory = random_id,
    data_dir: str | Path | None = None,
) -> Store:
    """Open (and migrate) the store at a SQLAlchemy URL or a SQLite file path.

    `postgresql://user:password@host:port/database` (or `postgres://`) uses the psycopg 3
    driver; `postgresql+psycopg://` says so explicitly. Datasets' Parquet files go to
    `data_dir`: by default `datasets/` beside a SQLite file, else `data/datasets`.
    """
    text = str(url)
    if "://" not in text:
        Path(text).parent.mkdir(parents=True, exist_ok=True)
        text = f"sqlite:///{text}"
    parsed = make_url(_postgresql_driver(text))
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 10})
        _sqlite_setup(engine)
    elif parsed.get_backend_name() == "postgresql":
        engine = create_engine(
            parsed,
            # Compare-and-set (`UPDATE ... WHERE id = ? AND version = ?`, then the row
            # count) is correct at READ COMMITTED: a concurrent writer of the same row
            # waits for the first, then re-checks the version and matches no row. Set it
            # explicitly so a server-wide default of SERIALIZABLE cannot change it.
            isolation_level="READ COMMITTED",
            pool_pre_ping=True,
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
            pool_timeout=POOL_TIMEOUT,
            pool_recycle=POOL_RECYCLE,
            # defaults; the same keys in the URL's query (`?connect_timeout=30`) win
            connect_args={
                key: value for key, value in CONNECT_ARGS.items() if key not in parsed.query
            },
        )
        _postgresql_setup(engine)
    else:
        engine = create_engine(parsed, pool_pre_ping=True)
    if data_dir is None and parsed.get_backend_name() == "sqlite" and parsed.database:
        if parsed.database != ":memory:":
            data_dir = Path(parsed.database).parent / "datasets"
    store = Store(engine, clock=clock, new_id=new_id, data_dir=data_dir)
    store.migrate()
    return store


def _postgresql_driver(url: str) -> str:
    """`postgresql://` and `postgres://` mean psycopg 3, the driver in requirements.txt."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _postgresql_setup(engine) -> None:
    """A lock wait ends after LOCK_TIMEOUT (then StoreError) instead of hanging a page."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        dbapi_connection.commit()


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
