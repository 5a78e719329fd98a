"""Server-side time of one rerun of the journey map page, ours vs a plain baseline.

    .venv/bin/python -m benchmarks.wall_rerun [--runs 15]

For 150 and 300 notes it runs the journey map page (one component draws the
wall) and a baseline page drawing the same notes with native widgets, in the
same process with AppTest, and prints the median and p90 of each and the ratio.
The first run of each page warms the caches and is not counted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _time_page(page: str, db: Path, map_id: str, runs: int) -> list[float]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["jm:user"] = "Bench"
    at.session_state["jm:map"] = map_id
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - start) * 1000)
    assert not at.exception, at.exception
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    os.chdir(ROOT)
    from benchmarks.generate import fill_map
    from journeymap import open_store

    baseline = ROOT / "pages" / "_bench_baseline_wall.py"
    shutil.copy(ROOT / "benchmarks" / "baseline_wall.py", baseline)
    print(
        f"{'notes':>5}  {'ours median':>11}  {'ours p90':>8}  {'baseline median':>15}  "
        f"{'baseline p90':>12}  {'ratio':>6}"
    )
    try:
        for notes in (150, 300):
            with tempfile.TemporaryDirectory() as tmp:
                db = Path(tmp) / "bench.db"
                store = open_store(db)
                map_id = fill_map(store, notes)
                store.close()
                os.environ["JOURNEYMAP_DATABASE_URL"] = str(db)
                os.environ["JOURNEYMAP_SAMPLE"] = "off"
                ours = _time_page("pages/journey_map.py", db, map_id, args.runs)
                base = _time_page(f"pages/{baseline.name}", db, map_id, args.runs)
            q = lambda xs: statistics.quantiles(xs, n=10)[-1]  # noqa: E731
            m_ours, m_base = statistics.median(ours), statistics.median(base)
            print(
                f"{notes:>5}  {m_ours:>9.1f}ms  {q(ours):>6.1f}ms  {m_base:>13.1f}ms  "
                f"{q(base):>10.1f}ms  {m_base / m_ours:>5.1f}x"
            )
    finally:
        baseline.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
