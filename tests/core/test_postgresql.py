"""PostgreSQL specifics: URLs and driver, connection settings, migrations, error translation.

The store's behaviour is tested on PostgreSQL by every other test module (their
`[postgresql]` variants); this module covers what only exists there. Each test gets a
database of its own, created fresh (not a reused one), on the session's cluster.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

import journeymap.store as store_module
from journeymap import ConflictError, StoreError, open_store
from journeymap.store.base import WRITE_LOCK
from journeymap.store.schema import MIGRATIONS

from .pg import Cluster, free_port

TABLES = {"workspaces", "personas", "maps", "stages", "lanes", "notes", "schema_migrations"}


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> str:
    """A brand-new empty database: `postgresql://user:password@127.0.0.1:port/name`."""
    return pg_cluster.new_database()


@pytest.fixture
def pg_store(pg_url: str) -> Iterator:
    opened = open_store(pg_url)
    yield opened
    opened.close()


def applied(cluster: Cluster, url: str) -> list[tuple]:
    return cluster.query(url, "SELECT name, applied_at FROM schema_migrations ORDER BY name")


# -- URLs, driver and connection settings -------------------------------------------------


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgresql://u:p@db.example:5433/journeys", "postgresql+psycopg"),
        ("postgres://u:p@db.example/journeys", "postgresql+psycopg"),
        ("postgresql+psycopg://u:p@db.example/journeys", "postgresql+psycopg"),
        ("sqlite:///data/journeys.db", "sqlite"),
    ],
    ids=["plain", "short-scheme", "explicit-driver", "other-backend"],
)
def test_a_plain_postgresql_url_means_psycopg_3(given, driver):
    url = make_url(store_module._postgresql_driver(given))
    assert url.drivername == driver
    assert url.database == make_url(given.replace("postgres://", "postgresql://")).database


@pytest.mark.parametrize("scheme", ["postgresql", "postgresql+psycopg"])
def test_open_store_by_url_with_credentials(pg_cluster, pg_url, scheme):
    url = pg_url.replace("postgresql://", f"{scheme}://", 1)
    opened = open_store(url)
    try:
        ws = opened.create_workspace("Team")
        assert opened.get_workspace(ws.id) == ws
        assert opened._engine.dialect.driver == "psycopg"
        assert pg_cluster.password not in opened.url  # shown in logs and pages: hidden
        assert "***" in opened.url
    finally:
        opened.close()


def test_connections_use_read_committed_a_lock_timeout_and_a_bounded_pool(pg_store):
    engine = pg_store._engine
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW transaction_isolation").scalar() == "read committed"
        assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "10s"
        assert conn.exec_driver_sql("SHOW application_name").scalar() == "journeymap"
    assert engine.pool.size() == store_module.POOL_SIZE
    assert engine.pool._max_overflow == store_module.POOL_OVERFLOW
    assert engine.pool._pre_ping


def test_a_wrong_password_is_a_store_error(pg_url, pg_cluster):
    wrong = pg_url.replace(f":{pg_cluster.password}@", ":not-the-password@")
    with pytest.raises(StoreError, match="could not be reached") as info:
        open_store(wrong)
    assert "not-the-password" not in str(info.value)


def test_an_unreachable_server_is_a_store_error():
    with pytest.raises(StoreError, match="could not be reached"):
        open_store(f"postgresql://u:p@127.0.0.1:{free_port()}/nothing")


# -- migrations -----------------------------------------------------------------------------


def test_a_new_database_gets_every_migration_once(pg_cluster, pg_url):
    opened = open_store(pg_url)
    try:
        assert opened.migrate() == []
    finally:
        opened.close()
    assert [name for name, _ in applied(pg_cluster, pg_url)] == [name for name, _ in MIGRATIONS]
    rows = pg_cluster.query(pg_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    assert {name for (name,) in rows} >= TABLES


def test_reopening_runs_nothing_and_keeps_data_and_record(pg_cluster, pg_url):
    first = open_store(pg_url)
    ws = first.create_workspace("Team", "desc", created_by="Ana")
    persona = first.add_persona(ws.id, "Maya", is_primary=True, goals="a\nb", tags=["x"])
    journey = first.create_map(ws.id, "Map", persona_id=persona.id, template="saas")
    board = first.load_map(journey.id)
    first.add_note(
        journey.id, stage_id=board.stages[1].id, lane_id=board.lanes[2].id, text="hi", emotion=-2
    )
    board = first.load_map(journey.id)
    first.close()
    recorded = applied(pg_cluster, pg_url)

    second = open_store(pg_url)
    try:
        assert second.migrate() == []
        assert second.list_workspaces() == [ws]
        assert second.list_personas(ws.id) == [persona]
        assert second.load_map(journey.id) == board
    finally:
        second.close()
    assert applied(pg_cluster, pg_url) == recorded


def test_replicas_starting_together_migrate_once(pg_cluster, pg_url):
    """Several app servers opening one new database at once: one migrates, the rest wait."""
    count = 6
    start = threading.Barrier(count)
    opened, errors = [], []

    def open_one() -> None:
        start.wait()
        try:
            opened.append(open_store(pg_url))
        except Exception as err:
            errors.append(err)

    threads = [threading.Thread(target=open_one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for one in opened:
        one.close()
    assert errors == [], [repr(e) for e in errors]
    assert [name for name, _ in applied(pg_cluster, pg_url)] == [name for name, _ in MIGRATIONS]


# -- writers queue; readers do not ----------------------------------------------------------


def test_writers_wait_for_the_write_lock_and_give_up_with_a_store_error(
    pg_url, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(store_module, "LOCK_TIMEOUT", "300ms")
    opened = open_store(pg_url)
    ws = opened.create_workspace("Team")
    try:
        with psycopg.connect(pg_url, autocommit=True) as holder:
            holder.execute("SELECT pg_advisory_lock(%s)", (WRITE_LOCK,))
            with pytest.raises(StoreError, match="did not answer in time"):
                opened.create_workspace("Blocked")
            assert opened.list_workspaces() == [ws]  # reading does not wait
            holder.execute("SELECT pg_advisory_unlock(%s)", (WRITE_LOCK,))
        assert opened.create_workspace("Free").name == "Free"
    finally:
        opened.close()


# -- driver errors become the store's errors ------------------------------------------------


@pytest.mark.parametrize(
    ("sqlstate", "error", "words"),
    [
        ("40001", ConflictError, "at the same moment"),  # serialization failure
        ("40P01", ConflictError, "at the same moment"),  # deadlock detected
        ("23503", ConflictError, "at the same moment"),  # foreign key violation
        ("23505", ConflictError, "at the same moment"),  # unique violation
        ("55P03", StoreError, "did not answer in time"),  # lock not available
        ("57014", StoreError, "did not answer in time"),  # statement timeout
        ("22001", StoreError, "refused this change"),  # value too long
        ("XX000", StoreError, "refused this change"),  # internal error
    ],
)
def test_driver_errors_become_store_errors(pg_store, sqlstate, error, words):
    raise_it = f"DO $$ BEGIN RAISE EXCEPTION 'boom' USING ERRCODE = '{sqlstate}'; END $$"
    with pytest.raises(error, match=words) as info:
        with pg_store._tx(write=True) as conn:
            conn.exec_driver_sql(raise_it)
    assert type(info.value) is error
    assert "boom" not in str(info.value)  # the sentence is ours, the cause is chained
    assert info.value.__cause__ is not None
