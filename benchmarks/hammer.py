"""Hammer the store with concurrent note edits and check that no edit is lost.

    .venv/bin/python -m benchmarks.hammer [--url URL] [--writers 50] [--edits 200] [--notes 200]

Every note's text is an integer counter. Each of `--writers` threads makes
`--edits` edits; one edit adds one to the counter of a note picked by a seeded
RNG. So after a run the counters must add up to writers x edits.

Scenarios, each on a fresh map of `--notes` notes (made by `benchmarks.generate`):

- spread: every edit picks a random note of the map;
- hot: every edit goes to the same note.

Two write paths for each:

- versioned: `get_note`, then `update_note(expected_version=note.version)`;
  on `ConflictError` (a stale write) read again and retry, on `StoreError`
  (e.g. "database is locked") count it and retry;
- naive (the negative control): read the text in one transaction and write
  `text + 1` in a second one, without a version check, directly on the store's
  engine. It must lose edits; if it
  does not, the harness cannot see loss and the versioned result proves nothing.

For the versioned path the script also proves that no stale write was applied:
per note, the version grew by exactly the number of acknowledged edits and the
counter equals that number; the map's revision grew by the total; and every
`ConflictError` carried the note at a newer version than the writer had seen.
Latency is the duration of each successful `update_note` call (naive: of the
write transaction).

Default URL: a SQLite file in a temporary directory. `--url postgresql://...`
runs on PostgreSQL when the driver is installed (the benchmark adds workspaces
to that database). Exit status 1 when an invariant breaks or the negative
control loses nothing.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, update

from benchmarks.generate import fill_map
from journeymap import ConflictError, Store, StoreError, open_store
from journeymap.store.schema import T

SEED = 20240301


@dataclass
class Tally:
    """What one writer thread saw; merged after the threads are joined."""

    acked: Counter = field(default_factory=Counter)  # note id -> acknowledged edits
    latencies: list[float] = field(default_factory=list)
    conflicts: int = 0
    not_newer: int = 0  # ConflictErrors whose `current` was not newer than what we saw
    store_errors: int = 0
    locked: int = 0  # StoreErrors caused by "database is locked"
    other_errors: int = 0
    causes: Counter = field(default_factory=Counter)  # "StoreError <- cause" -> count
    first_error: str = ""

    def merge(self, other: Tally) -> None:
        self.acked.update(other.acked)
        self.latencies.extend(other.latencies)
        self.conflicts += other.conflicts
        self.not_newer += other.not_newer
        self.store_errors += other.store_errors
        self.locked += other.locked
        self.other_errors += other.other_errors
        self.causes.update(other.causes)
        self.first_error = self.first_error or other.first_error


@dataclass
class Result:
    scenario: str
    path: str
    expected: int
    kept: int
    acked: int
    stale_applied: int | None  # None for the naive path (it has no versions to check)
    tally: Tally
    seconds: float

    @property
    def lost(self) -> int:
        return self.expected - self.kept

    def percentile(self, q: float) -> float:
        """The q-th percentile of the latencies in ms (nearest rank)."""
        data = sorted(self.tally.latencies)
        if not data:
            return float("nan")
        rank = max(0, min(len(data) - 1, round(q / 100 * len(data) + 0.5) - 1))
        return 1000 * data[rank]


def _note_error(tally: Tally, err: BaseException) -> None:
    cause = err.__cause__
    if isinstance(err, StoreError):
        tally.store_errors += 1
        if "locked" in str(cause or err).lower():
            tally.locked += 1
    else:
        tally.other_errors += 1
    origin = getattr(cause, "orig", None) or cause  # the driver's error under SQLAlchemy's
    name = type(err).__name__ + (f" <- {type(origin).__name__}" if origin else "")
    tally.causes[name] += 1
    tally.first_error = tally.first_error or f"{name}: {str(origin or err).strip()[:200]}"


def versioned_writer(
    store: Store,
    note_ids: list[str],
    edits: int,
    rng: random.Random,
    tally: Tally,
    start: threading.Barrier,
    max_other: int = 20,
) -> None:
    """`edits` compare-and-set increments; retry stale writes and store errors."""
    start.wait()
    for _ in range(edits):
        note_id = rng.choice(note_ids)
        while True:
            try:
                note = store.get_note(note_id)
                began = time.perf_counter()
                store.update_note(note_id, note.version, text=str(int(note.text) + 1))
            except ConflictError as err:
                tally.conflicts += 1
                if err.current is None or err.current.version <= note.version:
                    tally.not_newer += 1
                continue
            except StoreError as err:
                _note_error(tally, err)
                continue
            except Exception as err:  # anything the store failed to translate
                _note_error(tally, err)
                if tally.other_errors >= max_other:
                    return
                continue
            tally.latencies.append(time.perf_counter() - began)
            tally.acked[note_id] += 1
            break


def naive_writer(
    store: Store,
    note_ids: list[str],
    edits: int,
    rng: random.Random,
    tally: Tally,
    start: threading.Barrier,
    max_other: int = 20,
) -> None:
    """Read, then write `text + 1` in a second transaction, without a version check."""
    notes = T["notes"]
    start.wait()
    for _ in range(edits):
        note_id = rng.choice(note_ids)
        while True:
            try:
                with store._tx(write=False) as conn:
                    text = conn.execute(select(notes.c.text).where(notes.c.id == note_id)).scalar()
                began = time.perf_counter()
                with store._tx(write=True) as conn:
                    conn.execute(
                        update(notes).where(notes.c.id == note_id).values(text=str(int(text) + 1))
                    )
            except StoreError as err:
                _note_error(tally, err)
                continue
            except Exception as err:
                _note_error(tally, err)
                if tally.other_errors >= max_other:
                    return
                continue
            tally.latencies.append(time.perf_counter() - began)
            tally.acked[note_id] += 1
            break


WRITERS = {"versioned": versioned_writer, "naive": naive_writer}


def prepare_map(store: Store, notes: int, seed: int) -> tuple[str, list[str]]:
    """A fresh map of `notes` notes (at least one), every text reset to the counter "0"."""
    map_id = fill_map(store, max(1, notes), seed=seed)
    note_ids = []
    for note in store.load_map(map_id).notes:
        store.update_note(note.id, note.version, text="0")
        note_ids.append(note.id)
    return map_id, sorted(note_ids)


def run(
    store: Store,
    scenario: str,
    path: str,
    *,
    writers: int,
    edits: int,
    notes: int,
    seed: int = SEED,
) -> Result:
    """One scenario ("spread" or "hot") through one path ("versioned" or "naive")."""
    map_id, note_ids = prepare_map(store, notes, seed)
    targets = note_ids if scenario == "spread" else note_ids[:1]
    before = {note_id: store.get_note(note_id).version for note_id in targets}
    revision_before = store.map_revision(map_id)

    tallies = [Tally() for _ in range(writers)]
    start = threading.Barrier(writers + 1)
    threads = [
        threading.Thread(
            target=WRITERS[path],
            args=(store, targets, edits, random.Random(seed * 1000 + i), tallies[i], start),
            name=f"{path}-{scenario}-{i}",
        )
        for i in range(writers)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began

    tally = Tally()
    for one in tallies:
        tally.merge(one)
    after = {note_id: store.get_note(note_id) for note_id in targets}
    kept = sum(int(note.text) for note in after.values())
    stale_applied = None
    if path == "versioned":
        # Each applied write adds one to the note's version and one to the map's
        # revision: a surplus over the acknowledged edits is a write that should
        # have failed. (An applied stale write would also lower a counter: `lost`.)
        stale_applied = sum(max(0, after[n].version - before[n] - tally.acked[n]) for n in targets)
        revision_grew = store.map_revision(map_id) - revision_before
        stale_applied += max(0, revision_grew - tally.acked.total())
    return Result(
        scenario=scenario,
        path=path,
        expected=writers * edits,
        kept=kept,
        acked=tally.acked.total(),
        stale_applied=stale_applied,
        tally=tally,
        seconds=seconds,
    )


HEADER = (
    f"{'scenario':8} {'path':9} {'edits':>6} {'kept':>6} {'lost':>6} {'lost%':>6} "
    f"{'stale':>7} {'applied':>7} {'locked':>6} {'storeErr':>8} {'other':>5} "
    f"{'secs':>6} {'kept/s':>7} {'p50ms':>6} {'p95ms':>6} {'p99ms':>6}"
)


def row(r: Result) -> str:
    t = r.tally
    applied = "-" if r.stale_applied is None else str(r.stale_applied)
    stale = str(t.conflicts) if r.path == "versioned" else "-"
    return (
        f"{r.scenario:8} {r.path:9} {r.expected:>6} {r.kept:>6} {r.lost:>6} "
        f"{100 * r.lost / r.expected:>5.1f}% {stale:>7} {applied:>7} {t.locked:>6} "
        f"{t.store_errors:>8} {t.other_errors:>5} {r.seconds:>6.1f} "
        f"{r.kept / r.seconds:>7.0f} {r.percentile(50):>6.1f} {r.percentile(95):>6.1f} "
        f"{r.percentile(99):>6.1f}"
    )


def problems(results: list[Result]) -> list[str]:
    found = []
    for r in results:
        name = f"{r.scenario}/{r.path}"
        if r.tally.other_errors:
            found.append(
                f"{name}: {r.tally.other_errors} untranslated errors, first: {r.tally.first_error}"
            )
        if r.path == "versioned":
            if r.lost:
                found.append(f"{name}: lost {r.lost} edits")
            if r.stale_applied:
                found.append(
                    f"{name}: {r.stale_applied} more versions/revisions than "
                    "acknowledged edits: a stale write was applied"
                )
            if r.tally.not_newer:
                found.append(f"{name}: {r.tally.not_newer} ConflictErrors without a newer row")
        elif r.lost == 0 and r.expected > 1:
            found.append(
                f"{name}: the negative control lost nothing, so this run cannot "
                "show loss (try more writers or edits)"
            )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--edits", type=int, default=200, help="edits per writer")
    parser.add_argument("--notes", type=int, default=200, help="notes on the map")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or str(Path(tmp) / "hammer.db")
        try:
            store = open_store(url)
        except ImportError as err:
            print(
                f"Cannot open {url}: the database driver is missing ({err}). "
                "For PostgreSQL install psycopg and use postgresql+psycopg://..."
            )
            return 2
        try:
            print(f"store: {store.url}")
            print(
                f"{args.writers} writers x {args.edits} edits; spread over "
                f"{args.notes} notes, and all on one hot note; seed {args.seed}"
            )
            print(
                "stale = ConflictErrors (stale writes refused); applied = stale writes "
                "that changed data anyway (must be 0)"
            )
            print(HEADER, flush=True)
            results = []
            for scenario in ("spread", "hot"):
                for path in ("versioned", "naive"):
                    result = run(
                        store,
                        scenario,
                        path,
                        writers=args.writers,
                        edits=args.edits,
                        notes=args.notes,
                        seed=args.seed,
                    )
                    results.append(result)
                    print(row(result), flush=True)
            for r in results:
                if r.tally.causes:
                    causes = ", ".join(f"{n} x{c}" for n, c in r.tally.causes.most_common())
                    print(
                        f"errors retried in {r.scenario}/{r.path}: {causes}; "
                        f"first: {r.tally.first_error}"
                    )
        finally:
            store.close()

    found = problems(results)
    for line in found:
        print(f"FAIL {line}")
    if not found:
        print("OK: versioned lost nothing and applied no stale write; naive lost edits.")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
