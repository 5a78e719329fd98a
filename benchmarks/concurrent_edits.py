"""Many people editing one hot note: our versioned writes vs a plain read-then-write.

    .venv/bin/python -m benchmarks.concurrent_edits [--writers 16] [--edits 40]

Each writer adds one to a counter kept in one note's text, `--edits` times. The
baseline reads the note and writes it back without a version check (last
write wins); ours uses `update_note(expected_version=...)` and retries on
`ConflictError`. Both run on the same kind of SQLite file, one after the other,
and the script prints the edits kept, the edits lost and the edits per second.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import select, update

from journeymap import ConflictError, open_store
from journeymap.store.schema import T


def _setup(path: Path):
    store = open_store(path)
    workspace = store.create_workspace("Bench")
    journey = store.create_map(workspace.id, "Hot note")
    board = store.load_map(journey.id)
    note = store.add_note(
        journey.id, stage_id=board.stages[0].id, lane_id=board.lanes[0].id, text="0"
    )
    return store, note.id


def _ours(store, note_id: str, edits: int) -> None:
    for _ in range(edits):
        while True:
            note = store.get_note(note_id)
            try:
                store.update_note(note_id, note.version, text=str(int(note.text) + 1))
                break
            except ConflictError:
                continue


def _naive(store, note_id: str, edits: int) -> None:
    notes = T["notes"]
    for _ in range(edits):
        with store._tx(write=False) as conn:
            text = conn.execute(select(notes.c.text).where(notes.c.id == note_id)).scalar()
        with store._tx(write=True) as conn:
            conn.execute(update(notes).where(notes.c.id == note_id).values(text=str(int(text) + 1)))


def _run(kind, writers: int, edits: int) -> tuple[int, float]:
    with tempfile.TemporaryDirectory() as tmp:
        store, note_id = _setup(Path(tmp) / "bench.db")
        threads = [
            threading.Thread(target=kind, args=(store, note_id, edits)) for _ in range(writers)
        ]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - start
        kept = int(store.get_note(note_id).text)
        store.close()
    return kept, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--edits", type=int, default=40)
    args = parser.parse_args()
    total = args.writers * args.edits
    print(f"{args.writers} writers x {args.edits} edits = {total} edits of one note")
    print(f"{'':28} {'kept':>6} {'lost':>6} {'lost %':>7} {'edits/s':>8}")
    results = {}
    for label, kind in (("plain read-then-write", _naive), ("ours (version check)", _ours)):
        kept, seconds = _run(kind, args.writers, args.edits)
        results[label] = kept / seconds
        lost = total - kept
        print(f"{label:28} {kept:>6} {lost:>6} {100 * lost / total:>6.1f}% {kept / seconds:>8.0f}")
    ours, plain = results["ours (version check)"], results["plain read-then-write"]
    print(f"kept edits per second, ours / plain: {ours / plain:.2f}x")


if __name__ == "__main__":
    main()
