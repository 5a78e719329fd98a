"""Many writers at once: versioned note edits lose nothing, a naive path does.

A scaled-down `benchmarks/hammer.py` on the `store` fixture (so on every
backend it provides). Each note's text is an integer counter; each writer
makes `EDITS` edits (`HOT_EDITS` on the hot note), each one reading a note and
adding one to it with `update_note(expected_version=...)`, retrying on
`ConflictError`. Afterwards
each counter must equal the edits acknowledged on it, its version must have
grown by exactly that many (so no refused stale write was applied), and the
map's revision by the total. The negative control, a read-then-write in two
transactions without a version check, must lose edits on a hot note: that
shows these counters can see a lost edit at all.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select, update

from journeymap import ConflictError
from journeymap.store.schema import T

WRITERS = 12
EDITS = 25
NOTES = 20
# On one hot note nearly every try but one per round is stale and retried at once, so
# the cost grows with writers x edits x writers: on PostgreSQL (writers queue on one
# lock) 12 x 25 took 8-10 s, 12 x 10 about 3.5 s (with some 6 ConflictErrors per edit).
HOT_EDITS = 10
MAX_TRIES = 2_000  # attempts per edit before a writer reports a livelock
NAIVE_RUNS = 5  # negative-control attempts before giving up on showing loss
JOIN_TIMEOUT = 60  # seconds; a safety net against a hung writer, not a wait


@dataclass
class Tally:
    acked: Counter = field(default_factory=Counter)  # note id -> acknowledged edits
    conflicts: int = 0
    conflicts_not_newer: list[tuple[int, object]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)  # StoreError or anything else


def _counter_map(store, notes: int) -> tuple[str, list[str]]:
    workspace = store.create_workspace("Hammer")
    journey = store.create_map(workspace.id, "Counters")
    board = store.load_map(journey.id)
    cells = [(s.id, lane.id) for s in board.stages for lane in board.lanes]
    ids = [
        store.add_note(
            journey.id,
            stage_id=cells[i % len(cells)][0],
            lane_id=cells[i % len(cells)][1],
            text="0",
        ).id
        for i in range(notes)
    ]
    return journey.id, ids


def _versioned(store, note_ids, edits, seed, tally: Tally, start: threading.Barrier) -> None:
    rng = random.Random(seed)
    start.wait()
    for _ in range(edits):
        note_id = rng.choice(note_ids)
        for _try in range(MAX_TRIES):
            try:
                note = store.get_note(note_id)
                store.update_note(note_id, note.version, text=str(int(note.text) + 1))
            except ConflictError as err:
                tally.conflicts += 1
                if err.current is None or err.current.version <= note.version:
                    tally.conflicts_not_newer.append((note.version, err.current))
                continue
            except Exception as err:  # StoreError, or anything the store did not translate
                tally.errors.append(err)
                return
            tally.acked[note_id] += 1
            break
        else:
            tally.errors.append(RuntimeError(f"no edit landed in {MAX_TRIES} tries"))
            return


def _naive(store, note_ids, edits, seed, tally: Tally, start: threading.Barrier) -> None:
    rng = random.Random(seed)
    notes = T["notes"]
    start.wait()
    for _ in range(edits):
        note_id = rng.choice(note_ids)
        try:
            with store._tx(write=False) as conn:
                text = conn.execute(select(notes.c.text).where(notes.c.id == note_id)).scalar()
            with store._tx(write=True) as conn:
                conn.execute(
                    update(notes).where(notes.c.id == note_id).values(text=str(int(text) + 1))
                )
        except Exception as err:
            tally.errors.append(err)
            return
        tally.acked[note_id] += 1


def _hammer(store, writer, note_ids, *, writers=WRITERS, edits=EDITS, seed=0) -> Tally:
    """Run `writers` threads of `writer` at once; return their merged tally."""
    tallies = [Tally() for _ in range(writers)]
    start = threading.Barrier(writers)
    threads = [
        threading.Thread(
            target=writer,
            args=(store, note_ids, edits, seed * 1000 + i, tallies[i], start),
            daemon=True,
        )
        for i in range(writers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    total = Tally()
    for one in tallies:
        total.acked.update(one.acked)
        total.conflicts += one.conflicts
        total.conflicts_not_newer += one.conflicts_not_newer
        total.errors += one.errors
    return total


@pytest.mark.parametrize("hot", [False, True], ids=["spread", "hot-note"])
def test_versioned_edits_lose_nothing_under_concurrency(store, hot):
    map_id, note_ids = _counter_map(store, NOTES)
    targets = note_ids[:1] if hot else note_ids
    revision_before = store.map_revision(map_id)

    edits = HOT_EDITS if hot else EDITS

    tally = _hammer(store, _versioned, targets, edits=edits)

    assert tally.errors == [], f"{len(tally.errors)} writers failed, first: {tally.errors[0]!r}"
    assert tally.acked.total() == WRITERS * edits
    after = {note_id: store.get_note(note_id) for note_id in targets}
    # No lost edit: every acknowledged increment is in the counters.
    assert sum(int(n.text) for n in after.values()) == WRITERS * edits
    assert {i: int(n.text) for i, n in after.items()} == {i: tally.acked[i] for i in targets}
    # No refused write changed anything: versions and the map revision grew by
    # exactly the acknowledged edits (notes start at version 1), so each of the
    # `tally.conflicts` ConflictErrors was a stale write that left no trace.
    assert {i: n.version - 1 for i, n in after.items()} == {i: tally.acked[i] for i in targets}
    assert store.map_revision(map_id) - revision_before == WRITERS * edits
    # And each one was really stale: the error carried a newer row than the writer saw.
    assert tally.conflicts_not_newer == []
    if hot:
        assert tally.conflicts > 0, "no writer ever collided on the hot note: not a hammer"


def test_naive_read_then_write_loses_edits_on_a_hot_note(store):
    """The negative control: without a version check, concurrent edits are lost."""
    runs = []
    for run in range(NAIVE_RUNS):
        _map_id, note_ids = _counter_map(store, 1)
        tally = _hammer(store, _naive, note_ids, seed=run)
        assert tally.errors == [], f"first error: {tally.errors[0]!r}"
        kept = int(store.get_note(note_ids[0]).text)
        runs.append(WRITERS * EDITS - kept)
        if runs[-1] > 0:
            return
    backend = store._engine.dialect.name
    if backend == "sqlite":
        pytest.fail(
            f"the naive path lost no edit in {NAIVE_RUNS} runs on SQLite (it lost 89-93 %"
            " when measured): the harness cannot see lost edits"
        )
    pytest.skip(
        f"on {backend} the naive read-then-write lost no edit in {NAIVE_RUNS} runs of "
        f"{WRITERS}x{EDITS}: loss is not reliably visible at this scale; run "
        "benchmarks/hammer.py for the negative control"
    )
