"""Fixtures for the core tests: a fresh SQLite file store per test, and helpers.

`store` uses the real clock and random ids; `det_store` uses a ticking clock
(one second per call) and sequential ids, for tests that check ordering or
exact timestamps.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from journeymap import JourneyMap, MapBoard, Store, Workspace, open_store


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
def store(db_path: Path) -> Iterator[Store]:
    opened = open_store(db_path)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


@pytest.fixture
def det_store(tmp_path: Path, clock: TickingClock) -> Iterator[Store]:
    opened = open_store(tmp_path / "det.db", clock=clock, new_id=SequentialIds())
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
def count_rows(db_path: Path) -> Callable[..., int]:
    """Count rows of a table in the `store` database file, bypassing the store.

    `count_rows("notes", map_id="abc")` counts notes of one map.
    """

    def count(table: str, **where: str) -> int:
        sql = f"SELECT COUNT(*) FROM {table}"
        if where:
            sql += " WHERE " + " AND ".join(f"{column} = ?" for column in where)
        with sqlite3.connect(db_path) as conn:
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
