"""Time and peak memory of `load_events` against a bare pandas read of the same file.

    .venv/bin/python -m benchmarks.load_events [--rows 1000000 10000000] [--formats csv parquet]

For each size, an event log from the app's seeded generator (`journeymap.analytics.generate`,
e-commerce scenario: realistic funnels, devices, identities, channels) is written once as
its generic export, CSV (zone-less UTC times) and Parquet (typed UTC timestamps), in a
temporary folder. Each measurement then runs in a
fresh Python process, so that its peak memory is its own: the peak resident set size from
`resource.getrusage(RUSAGE_SELF).ru_maxrss`, which counts Arrow's and numpy's buffers
(tracemalloc sees only Python's allocator and misses them). Time is wall time around the
call only, without interpreter start-up and imports; "after imports" is the child's
resident size before the call, so the peak minus it is what the read itself needed.

Linux carries a process's ru_maxrss across fork and exec: a child started by a parent that
holds 3 GB reports at least 3 GB. So the files are written by a child process too, the
parent never holds the data, and each child also reports `VmHWM` from /proc/self/status
(the peak of its own address space only) as a cross-check; the two agree when the parent
stays small.

`load_events` refuses files over the upload limit (500 MB; a 10 M-row CSV is about 930 MB).
Such a file is loaded with `read_upload(path, max_bytes=...).to_events()` instead, which
is the same code with the limit raised, and its row is marked with `*`.

Compared: `load_events(path)` (read, detect, normalise: UTC times, identity stitching,
sessions, channels) against `pandas.read_csv(path)` / `pandas.read_parquet(path)`, which
only parse. The ratio says what the normalisation costs on top of parsing.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_files(rows: int, folder: Path, formats: list[str]) -> dict[str, Path]:
    """Write the event log (run in a child process: see the module docstring).

    The rows come from the seeded generator the app's sample data uses
    (`journeymap.analytics.generate`, e-commerce scenario), written as its generic export.
    """
    from benchmarks.events_data import people_for
    from journeymap.analytics.exports import write_export
    from journeymap.analytics.generate import generate_events

    events = generate_events(people_for(rows, "ecommerce", 7), seed=7, scenario="ecommerce")
    paths = {}
    for kind in formats:
        paths[kind] = folder / f"events_{rows}.{kind}"
        write_export(events, f"generic_{kind}", paths[kind])
    return paths


# -- one measurement, in a fresh process ------------------------------------------------------


def measure(kind: str, path: str) -> dict:
    """Run one read and return its time, row count and peak memory (this process only)."""
    import pandas as pd

    from journeymap.analytics import load_events, read_upload
    from journeymap.analytics.read import MAX_UPLOAD_MB

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    over_limit = Path(path).stat().st_size > MAX_UPLOAD_MB * 1024**2
    started = time.perf_counter()
    if kind == "load_events":
        log = read_upload(path, max_bytes=1 << 40).to_events() if over_limit else load_events(path)
        rows = len(log.events)
        extra = {"format": log.source_format, "warnings": log.warnings, "over_limit": over_limit}
    elif path.endswith(".csv"):
        rows, extra = len(pd.read_csv(path)), {}
    else:
        rows, extra = len(pd.read_parquet(path)), {}
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": seconds,
        "rows": rows,
        "peak_mb": peak / 1024,
        "hwm_mb": _vm_hwm_kb() / 1024,
        "imports_mb": before / 1024,
        **extra,
    }


def _vm_hwm_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def run_child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.load_events", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument(
        "--formats", nargs="+", default=["csv", "parquet"], choices=["csv", "parquet"]
    )
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--write", nargs=2, metavar=("ROWS", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    if args.write:
        paths = write_files(int(args.write[0]), Path(args.write[1]), args.formats)
        print(json.dumps({k: str(v) for k, v in paths.items()}))
        return

    header = (
        f"{'rows':>11} {'format':>7} {'file MB':>8} | {'load_events s':>13} {'pandas s':>9} "
        f"{'time x':>6} | {'load_events peak MB':>19} {'pandas peak MB':>14} {'mem x':>6} | "
        f"{'after imports MB':>16} | {'VmHWM MB (ours/pandas)':>22}"
    )
    lines = [header, "-" * len(header)]
    with tempfile.TemporaryDirectory(prefix="bench-load-events-") as tmp:
        for rows in args.rows:
            started = time.perf_counter()
            written = run_child("--write", str(rows), tmp, "--formats", *args.formats)
            if "error" in written:
                raise SystemExit(f"writing {rows:,} rows failed: {written['error']}")
            paths = {fmt: Path(p) for fmt, p in written.items()}
            print(f"wrote {rows:,} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            for fmt, path in paths.items():
                ours = run_child("--measure", "load_events", str(path))
                bare = run_child("--measure", "pandas", str(path))
                print(f"{fmt} {rows:,}: load_events {ours}", file=sys.stderr)
                print(f"{fmt} {rows:,}: pandas {bare}", file=sys.stderr)
                size = path.stat().st_size / 1024**2
                if "error" in ours or "error" in bare:
                    lines.append(
                        f"{rows:>11,} {fmt:>7} {size:>8,.0f} | failed: {ours.get('error') or bare.get('error')}"
                    )
                    continue
                assert ours["rows"] == bare["rows"], (ours["rows"], bare["rows"])
                mark = "*" if ours.get("over_limit") else " "
                lines.append(
                    f"{bare['rows']:>10,}{mark} {fmt:>7} {size:>8,.0f} | {ours['seconds']:>13.2f} "
                    f"{bare['seconds']:>9.2f} {ours['seconds'] / bare['seconds']:>6.1f} | "
                    f"{ours['peak_mb']:>19,.0f} {bare['peak_mb']:>14,.0f} "
                    f"{ours['peak_mb'] / bare['peak_mb']:>6.1f} | "
                    f"{ours['imports_mb']:>7,.0f} / {bare['imports_mb']:>6,.0f} | "
                    f"{ours['hwm_mb']:>7,.0f} / {bare['hwm_mb']:>6,.0f}"
                )
                path.unlink()
    print("\n".join(lines))
    print(
        "time x, mem x: load_events / pandas.  * over the 500 MB upload limit: read_upload(max_bytes=...)"
    )


if __name__ == "__main__":
    main()
