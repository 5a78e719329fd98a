"""Fixtures for the core tests: a fresh store per test on each backend, and helpers.

`store` uses the real clock and random ids; `det_store` uses a ticking clock
(one second per call) and sequential ids, for tests that check ordering or
exact timestamps.

Every test that uses a store runs twice: on a fresh SQLite file (`[sqlite]`) and on
an empty database of a real PostgreSQL server (`[postgresql]`). One throwaway cluster
serves the whole session (`pg.py`: `initdb` into a temporary folder, started on a free
port of 127.0.0.1, stopped and deleted at the end); each test gets a database of its
own there, emptied afterwards for a later test. Without Debian's PostgreSQL
(`/usr/lib/postgresql/*/bin`, or `JOURNEYMAP_PG_BINDIR`) the `[postgresql]` variants
are skipped, or fail when the `CI` variable is set (CI installs it).

A test stays SQLite-only when it is about SQLite itself: it asks for `db_path` (it
opens the file with `sqlite3`), its name contains "sqlite", or it is marked
`@pytest.mark.sqlite_only`.
"""

from __future__ import annotations

import inspect
import itertools
import os
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from journeymap import JourneyMap, MapBoard, Store, Workspace, open_store

from . import pg

BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: the test is about SQLite itself; do not run it on PostgreSQL"
    )


def _sqlite_only(metafunc: pytest.Metafunc) -> bool:
    if metafunc.definition.get_closest_marker("sqlite_only"):
        return True
    if "sqlite" in metafunc.definition.originalname.lower():
        return True
    return "db_path" in inspect.signature(metafunc.function).parameters


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that uses a store once per backend (see the module docstring)."""
    if "backend" in metafunc.fixturenames:
        backends = ["sqlite"] if _sqlite_only(metafunc) else list(BACKENDS)
        metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pg.Cluster]:
    """The session's PostgreSQL server (started on first use, stopped at the end)."""
    bindir = pg.find_bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail(pg.NOT_INSTALLED, pytrace=False)
        pytest.skip(pg.NOT_INSTALLED)
    cluster = pg.Cluster(bindir).start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """`sqlite` or `postgresql` (set per test by `pytest_generate_tests`)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def new_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable]:
    """`new_url("name")`: the URL of an empty database on this test's backend.

    PostgreSQL: one of the cluster's databases, emptied after the test for the next.
    """
    taken: list[tuple[pg.Cluster, str]] = []

    def make(name: str) -> str:
        if backend == "postgresql":
            cluster = request.getfixturevalue("pg_cluster")
            taken.append((cluster, cluster.checkout()))
            return taken[-1][1]
        return str(tmp_path / f"{name}.db")

    yield make
    for cluster, url in taken:  # the stores on them are closed by now (teardown is LIFO)
        cluster.checkin(url)


class TickingClock:
    """A clock that moves forward by `step` on every call (never stands still)."""

    def __init__(self, start: datetime | None = None, step: timedelta = timedelta(seconds=1)):
        self.now = start or datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
        self.step = step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


class SequentialIds:
    """Ids `id000001`, `id000002`, ... (fits the 32-character id columns)."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def __call__(self) -> str:
        return f"id{next(self._counter):06d}"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "t.db"


@pytest.fixture
def store_url(backend: str, db_path: Path, new_url: Callable[[str], str]) -> str:
    """Where `store` lives: the `db_path` file on SQLite, a fresh database on PostgreSQL."""
    return str(db_path) if backend == "sqlite" else new_url("t")


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(store_url, data_dir=tmp_path / "datasets")
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


@pytest.fixture
def det_store(
    new_url: Callable[[str], str], clock: TickingClock, tmp_path: Path
) -> Iterator[Store]:
    opened = open_store(
        new_url("det"), clock=clock, new_id=SequentialIds(), data_dir=tmp_path / "det-datasets"
    )
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def workspace(store: Store) -> Workspace:
    return store.create_workspace("Product team", "Our workshop space", created_by="Ana")


@pytest.fixture
def journey(store: Store, workspace: Workspace) -> JourneyMap:
    """A map on the default (lifecycle) template: 7 stages x 6 lanes."""
    return store.create_map(workspace.id, "Choosing a CMS", scenario="A studio picks a CMS")


@pytest.fixture
def board(store: Store, journey: JourneyMap) -> MapBoard:
    return store.load_map(journey.id)


@pytest.fixture
def count_rows(
    backend: str, store: Store, store_url: str, request: pytest.FixtureRequest
) -> Callable[..., int]:
    """Count rows of a table in the `store` database, bypassing the store.

    `count_rows("notes", map_id="abc")` counts notes of one map.
    """

    def count(table: str, **where: str) -> int:
        mark = "?" if backend == "sqlite" else "%s"
        sql = f"SELECT COUNT(*) FROM {table}"
        if where:
            sql += " WHERE " + " AND ".join(f"{column} = {mark}" for column in where)
        if backend == "postgresql":
            cluster = request.getfixturevalue("pg_cluster")
            return cluster.query(store_url, sql, tuple(where.values()))[0][0]
        with sqlite3.connect(store_url) as conn:
            return conn.execute(sql, tuple(where.values())).fetchone()[0]

    return count


@pytest.fixture
def snapshot(store: Store) -> Callable[[], object]:
    """Everything the store holds, as comparable frozen objects."""

    def take() -> object:
        state = []
        for ws in store.list_workspaces():
            maps = store.list_maps(ws.id)
            state.append(
                (
                    ws,
                    tuple(store.list_personas(ws.id)),
                    tuple((m, store.load_map(m.id)) for m in maps),
                )
            )
        return tuple(state)

    return take


def cell_texts(board: MapBoard, stage_id: str, lane_id: str) -> list[str]:
    """The texts of one cell's notes, in wall order."""
    return [n.text for n in board.notes if n.stage_id == stage_id and n.lane_id == lane_id]


@pytest.fixture
def texts_in() -> Callable[[MapBoard, str, str], list[str]]:
    return cell_texts
