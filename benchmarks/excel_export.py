"""Time of the Excel export (and of importing that file back) for a 500-note map.

    .venv/bin/python -m benchmarks.excel_export              # 500 notes, median of 3
    .venv/bin/python -m benchmarks.excel_export --notes 2000 --runs 5

A benchmark, not a test: it prints a table and never fails. The map is the default
template (7 stages x 6 lanes) in a temporary SQLite store, with `--notes` notes of 40 to
400 characters spread over its cells (every tenth starts with `=`, some hold `_x000D_`,
tabs and newlines), emotion scores on the emotion lane, comments, a closed vote round
and a snapshot. No dataset: the stage numbers are the measuring code's job, timed in
`benchmarks/annotated_wall.py`. Timed: `export_workbook` (the map only; workbook in
memory), `import_workbook` of those bytes as a new workspace and into the same
workspace, and reading it as a grid
preview (`read_grid`, which recognises it as ours). One warm-up run, then the median of
`--runs`; the file's size is printed with it. "new ws" is one `restore_document`
transaction; "into ws" rebuilds the map through the store's public calls (one
transaction per note, see `journeymap/excel/transfer.py`).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from journeymap import LaneKind, open_store
from journeymap.excel import export_workbook, import_workbook, read_grid

WORDS = ("customer", "checkout", "price", "=SUM(A1)", "_x000D_", "slow", "mobile", "email",
         "support", "trial", "\t", "app", "delivery", "review", "+1", "size", "\n")  # fmt: skip


def build(store, notes: int, seed: int) -> tuple[str, str]:
    """A workspace with one map of `notes` notes; returns (workspace id, map id)."""
    rng = random.Random(seed)
    ws = store.create_workspace("Benchmark", created_by="Ana")
    persona = store.add_persona(ws.id, "Maya", role="Owner", goals=["Ship", "Grow"])
    journey = store.create_map(ws.id, "Five hundred notes", persona_id=persona.id,
                               scenario="A long workshop.", created_by="Ana")  # fmt: skip
    board = store.load_map(journey.id)
    added = []
    for i in range(notes):
        stage = board.stages[i % len(board.stages)]
        lane = board.lanes[(i // len(board.stages)) % len(board.lanes)]
        length = rng.randint(40, 400)
        text = " ".join(rng.choice(WORDS) for _ in range(length // 6))[:length].strip() or "note"
        if i % 10 == 0:
            text = "=" + text
        extra = {"emotion": rng.randint(-2, 2)} if lane.kind is LaneKind.EMOTION else {}
        added.append(store.add_note(journey.id, stage_id=stage.id, lane_id=lane.id, text=text,
                                    author=f"Person {i % 12}", **extra))  # fmt: skip
    for note in added[:50]:
        store.add_comment(note.id, "Agreed, =1+1", author="Bo")
    round_ = store.open_vote(journey.id, 3, by="Ana")
    for voter in ("Ana", "Bo", "Cy"):
        for note in rng.sample(added, 3):
            store.toggle_vote(round_.id, note.id, voter=voter)
    store.close_vote(round_.id, by="Ana")
    store.save_snapshot(journey.id, "Before review", by="Ana")
    return ws.id, journey.id


def timed(call, runs: int) -> tuple[float, list[float], object]:
    result = call()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "bench.db")
        start = time.perf_counter()
        workspace_id, map_id = build(store, args.notes, args.seed)
        print(f"built a map of {args.notes} notes in {time.perf_counter() - start:.1f} s")
        export_s, export_runs, data = timed(
            lambda: export_workbook(store, workspace_id, [map_id], by="Ana"), args.runs
        )
        import_s, import_runs, result = timed(
            lambda: import_workbook(store, data, by="Bo"), args.runs
        )
        into_s, into_runs, _ = timed(
            lambda: import_workbook(store, data, workspace_id, by="Bo"), args.runs
        )
        preview_s, preview_runs, _ = timed(lambda: read_grid(data), args.runs)
        print(f"{'operation':<28} {'median':>9}  runs")
        for name, median, runs in (
            ("export_workbook (1 map)", export_s, export_runs),
            ("import_workbook (new ws)", import_s, import_runs),
            ("import_workbook (into ws)", into_s, into_runs),
            ("read_grid (recognise ours)", preview_s, preview_runs),
        ):
            shown = ", ".join(f"{t:.3f}" for t in runs)
            print(f"{name:<28} {median:>8.3f}s  [{shown}]")
        print(f"file size: {len(data):,} bytes ({len(data) / 1024:,.0f} KB); "
              f"imported {len(store.load_map(result.map_ids[0]).notes)} notes back")  # fmt: skip
        store.close()


if __name__ == "__main__":
    main()
