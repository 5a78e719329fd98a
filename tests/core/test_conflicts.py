"""Compare-and-set: stale writes raise ConflictError and change nothing.

Every editable row carries a `version`; a write that names an older version
than the row has now must fail with the current row attached, leaving the
database exactly as it was. Writes to deleted rows raise NotFoundError.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from journeymap import ConflictError, NotFoundError, StoreError


def test_two_users_editing_the_same_note(store, board):
    note = store.add_note(
        board.map.id, stage_id=board.stages[0].id, lane_id=board.lanes[0].id, text="draft"
    )
    seen_by_ana = store.get_note(note.id)
    seen_by_ben = store.get_note(note.id)

    ana = store.update_note(seen_by_ana.id, seen_by_ana.version, text="Ana's words")
    with pytest.raises(ConflictError) as caught:
        store.update_note(seen_by_ben.id, seen_by_ben.version, text="Ben's words")

    assert caught.value.current == ana
    assert caught.value.current.text == "Ana's words"
    assert "nothing was saved" in str(caught.value)
    assert store.get_note(note.id) == ana


# -- notes ---------------------------------------------------------------------------


@pytest.fixture
def edited_note(store, board):
    """A note at version 2 (so version 1 is one behind)."""
    note = store.add_note(
        board.map.id, stage_id=board.stages[0].id, lane_id=board.lanes[2].id, text="v1", emotion=1
    )
    return store.update_note(note.id, note.version, text="v2")


NOTE_WRITES = {
    "update": lambda s, b, n, v: s.update_note(n.id, v, text="stale", emotion=-2),
    "move": lambda s, b, n, v: s.move_note(
        n.id, v, stage_id=b.stages[3].id, lane_id=b.lanes[2].id, index=0
    ),
    "move in cell": lambda s, b, n, v: s.move_note(
        n.id, v, stage_id=n.stage_id, lane_id=n.lane_id, index=0
    ),
    "delete": lambda s, b, n, v: s.delete_note(n.id, v),
}


@pytest.mark.parametrize("write", sorted(NOTE_WRITES))
def test_stale_note_write_raises_conflict_and_changes_nothing(store, board, edited_note, write):
    store.add_note(board.map.id, stage_id=board.stages[3].id, lane_id=board.lanes[2].id, text="o")
    before = store.load_map(board.map.id)
    assert edited_note.version == 2

    with pytest.raises(ConflictError) as caught:
        NOTE_WRITES[write](store, board, edited_note, edited_note.version - 1)

    assert caught.value.current == store.get_note(edited_note.id)
    assert caught.value.current == edited_note
    assert store.load_map(board.map.id) == before
    assert store.map_revision(board.map.id) == before.map.revision


@pytest.mark.parametrize("write", sorted(NOTE_WRITES))
def test_future_version_is_a_conflict_too(store, board, edited_note, write):
    before = store.load_map(board.map.id)
    with pytest.raises(ConflictError):
        NOTE_WRITES[write](store, board, edited_note, edited_note.version + 1)
    assert store.load_map(board.map.id) == before


@pytest.mark.parametrize("write", sorted(NOTE_WRITES))
def test_write_to_a_deleted_note_raises_not_found(store, board, edited_note, write):
    store.delete_note(edited_note.id, edited_note.version)
    before = store.load_map(board.map.id)
    with pytest.raises(NotFoundError):
        NOTE_WRITES[write](store, board, edited_note, edited_note.version)
    assert store.load_map(board.map.id) == before


@pytest.mark.parametrize("write", sorted(NOTE_WRITES))
def test_current_version_succeeds(store, board, edited_note, write):
    NOTE_WRITES[write](store, board, edited_note, edited_note.version)
    if write == "delete":
        assert store.get_note(edited_note.id).deleted_at is not None  # in the trash
    else:
        assert store.get_note(edited_note.id).version == edited_note.version + 1


# -- every other kind of row -----------------------------------------------------


@dataclass
class Kind:
    """How to make, bump, fetch, write and delete one kind of editable row."""

    make: Callable[[Any, Any], Any]  # (store, board) -> row at version 1
    bump: Callable[[Any, Any], Any]  # (store, row) -> row at version 2
    get: Callable[[Any, Any], Any]  # (store, row) -> row as stored now
    writes: dict[str, Callable[[Any, Any, int], Any]]  # (store, row, version)
    delete: Callable[[Any, Any, int], Any]


def _stage(store, row):
    return store.load_map(row.map_id).stage(row.id)


def _lane(store, row):
    return store.load_map(row.map_id).lane(row.id)


KINDS = {
    "workspace": Kind(
        make=lambda s, b: s.create_workspace("Spare"),
        bump=lambda s, r: s.update_workspace(r.id, r.version, name="Spare 2"),
        get=lambda s, r: s.get_workspace(r.id),
        writes={"update": lambda s, r, v: s.update_workspace(r.id, v, description="stale")},
        delete=lambda s, r, v: s.delete_workspace(r.id, v),
    ),
    "persona": Kind(
        make=lambda s, b: s.add_persona(b.map.workspace_id, "Maya"),
        bump=lambda s, r: s.update_persona(r.id, r.version, role="Owner"),
        get=lambda s, r: s.get_persona(r.id),
        writes={
            "update": lambda s, r, v: s.update_persona(r.id, v, name="Stale"),
            "make primary": lambda s, r, v: s.update_persona(r.id, v, is_primary=True),
        },
        delete=lambda s, r, v: s.delete_persona(r.id, v),
    ),
    "map": Kind(
        make=lambda s, b: s.create_map(b.map.workspace_id, "Spare map"),
        bump=lambda s, r: s.update_map(r.id, r.version, scenario="Edited"),
        get=lambda s, r: s.get_map(r.id),
        writes={"update": lambda s, r, v: s.update_map(r.id, v, title="Stale")},
        delete=lambda s, r, v: s.delete_map(r.id, v),
    ),
    "stage": Kind(
        make=lambda s, b: s.add_stage(b.map.id, "Spare stage"),
        bump=lambda s, r: s.update_stage(r.id, r.version, name="Spare stage 2"),
        get=_stage,
        writes={
            "rename": lambda s, r, v: s.update_stage(r.id, v, name="Stale"),
            "move": lambda s, r, v: s.move_stage(r.id, v, 0),
        },
        delete=lambda s, r, v: s.delete_stage(r.id, v),
    ),
    "lane": Kind(
        make=lambda s, b: s.add_lane(b.map.id, "Spare lane"),
        bump=lambda s, r: s.update_lane(r.id, r.version, kind="pain"),
        get=_lane,
        writes={
            "rename": lambda s, r, v: s.update_lane(r.id, v, name="Stale", kind="action"),
            "move": lambda s, r, v: s.move_lane(r.id, v, 0),
        },
        delete=lambda s, r, v: s.delete_lane(r.id, v),
    ),
}

CASES = [
    (kind, write) for kind, spec in KINDS.items() for write in [*sorted(spec.writes), "delete"]
]


def _write(kind, write):
    spec = KINDS[kind]
    return spec.delete if write == "delete" else spec.writes[write]


@pytest.fixture
def populated(store, board):
    """A map with a persona, a note in the spare stage/lane's neighbourhood, etc."""
    persona = store.add_persona(board.map.workspace_id, "Primary", is_primary=True)
    store.update_map(board.map.id, board.map.version, persona_id=persona.id)
    store.add_note(board.map.id, stage_id=board.stages[0].id, lane_id=board.lanes[0].id, text="n")
    return store.load_map(board.map.id)


@pytest.mark.parametrize(("kind", "write"), CASES)
def test_stale_write_raises_conflict_and_changes_nothing(store, populated, snapshot, kind, write):
    spec = KINDS[kind]
    row = spec.make(store, populated)
    if kind in ("stage", "lane"):
        # Give the spare row a note, so a wrongly applied delete would show.
        stage_id = row.id if kind == "stage" else populated.stages[0].id
        lane_id = row.id if kind == "lane" else populated.lanes[0].id
        store.add_note(populated.map.id, stage_id=stage_id, lane_id=lane_id, text="in spare")
    if kind == "workspace":
        store.add_persona(row.id, "Someone")
        store.create_map(row.id, "Their map")
    row = spec.bump(store, row)
    assert row.version == 2
    before = snapshot()
    revision = store.map_revision(populated.map.id)

    with pytest.raises(ConflictError) as caught:
        _write(kind, write)(store, row, 1)

    assert caught.value.current == spec.get(store, row)
    assert caught.value.current == row
    assert snapshot() == before
    assert store.map_revision(populated.map.id) == revision


@pytest.mark.parametrize(("kind", "write"), CASES)
def test_write_to_a_deleted_row_raises_not_found(store, populated, snapshot, kind, write):
    spec = KINDS[kind]
    row = spec.make(store, populated)
    spec.delete(store, row, row.version)
    before = snapshot()
    with pytest.raises(NotFoundError):
        _write(kind, write)(store, row, row.version)
    assert snapshot() == before


# -- real concurrency on one shared store (one SQLite file) -------------------------

THREADS = 8
ROUNDS = 25


def _run_threads(target) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def body(worker: int) -> None:
        try:
            start.wait()
            target(worker)
        except BaseException as err:  # collected and reported by the test
            errors.append(err)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return errors


def test_concurrent_compare_and_set_increments_lose_no_update(store, board):
    counter = store.add_note(
        board.map.id, stage_id=board.stages[0].id, lane_id=board.lanes[0].id, text="0"
    )
    conflicts = []

    def increment(_worker: int) -> None:
        for _ in range(ROUNDS):
            while True:
                seen = store.get_note(counter.id)
                try:
                    store.update_note(seen.id, seen.version, text=str(int(seen.text) + 1))
                except ConflictError as err:
                    assert err.current is not None and err.current.version > seen.version
                    conflicts.append(1)
                    continue
                break

    errors = _run_threads(increment)

    assert errors == [], [repr(e) for e in errors]
    assert not any(isinstance(e, StoreError) for e in errors)
    final = store.get_note(counter.id)
    assert final.text == str(THREADS * ROUNDS)
    assert final.version == 1 + THREADS * ROUNDS


def test_concurrent_adds_all_arrive(store, board):
    stage_id, lane_id = board.stages[1].id, board.lanes[1].id
    before = store.map_revision(board.map.id)

    def add_many(worker: int) -> None:
        for i in range(ROUNDS):
            store.add_note(board.map.id, stage_id=stage_id, lane_id=lane_id, text=f"{worker}-{i}")

    errors = _run_threads(add_many)

    assert errors == [], [repr(e) for e in errors]
    notes = store.load_map(board.map.id).notes
    assert len(notes) == THREADS * ROUNDS
    assert {n.text for n in notes} == {f"{w}-{i}" for w in range(THREADS) for i in range(ROUNDS)}
    # Writers queued: every add saw the previous one, so positions never collide.
    assert len({n.position for n in notes}) == THREADS * ROUNDS
    # Each worker's own notes keep their order.
    for worker in range(THREADS):
        mine = [n.text for n in notes if n.text.startswith(f"{worker}-")]
        assert mine == [f"{worker}-{i}" for i in range(ROUNDS)]
    assert store.map_revision(board.map.id) == before + THREADS * ROUNDS
