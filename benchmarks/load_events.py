"""Time and peak memory of `load_events` against a bare pandas read of the same file.

    .venv/bin/python -m benchmarks.load_events [--rows 1000000 10000000] [--formats csv parquet]

For each size, a seeded generic event log (numpy, no other generator needed) is written
once as CSV (ISO-8601 UTC times, as Segment/PostHog-style exports have them) and as
Parquet (typed UTC timestamps) in a temporary folder. Each measurement then runs in a
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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
EVENTS = np.array(
    [
        "page_view", "session_start", "view_item", "search", "add_to_cart", "begin_checkout",
        "add_payment_info", "purchase", "sign_up", "login", "scroll", "click", "file_download",
        "view_promotion", "select_item", "remove_from_cart", "share", "generate_lead",
        "tutorial_begin", "tutorial_complete",
    ]
)  # fmt: skip
SOURCES = np.array(
    [("(direct)", "(none)"), ("google", "organic"), ("google", "cpc"), ("bing", "cpc"),
     ("facebook", "paid_social"), ("instagram", "social"), ("newsletter", "email"),
     ("partner.com", "referral"), ("t.co", "referral"), ("awin", "affiliate")]
)  # fmt: skip
PAGES = np.array(
    ["/", "/pricing", "/product/a", "/product/b", "/cart", "/checkout", "/blog/x", "/signup"]
)
DEVICES = np.array(["desktop", "mobile", "tablet"])
START = np.datetime64("2026-01-01T00:00:00", "us").astype(np.int64)


def make_events(rows: int, seed: int = 7) -> pa.Table:
    """A generic event log: about 8 events per person, a third of them signed in."""
    rng = np.random.default_rng(seed)
    people = max(rows // 8, 1)
    person = np.sort(rng.integers(0, people, rows))
    # Each person's events in time order: a start within 60 days, then gaps of a few minutes.
    first = START + rng.integers(0, 60 * 86_400, people) * 1_000_000
    gaps = rng.exponential(240, rows).astype(np.int64) * 1_000_000
    new_person = np.r_[True, person[1:] != person[:-1]]
    gaps[new_person] = 0
    offset = np.cumsum(gaps)
    offset -= np.maximum.accumulate(np.where(new_person, offset, 0))
    ts = first[person] + offset
    signed_in = rng.random(people) < 0.35
    known = signed_in[person] & (rng.random(rows) < 0.7)
    anon = np.char.add("a", person.astype(str))
    user = np.where(known, np.char.add("u", person.astype(str)), None)
    source = rng.integers(0, len(SOURCES), people)[person]
    event = EVENTS[rng.zipf(1.6, rows).clip(1, len(EVENTS)) - 1]
    revenue = np.where(event == "purchase", np.round(rng.lognormal(3.5, 0.6, rows), 2), np.nan)
    return pa.table(
        {
            "user_id": pa.array(user, pa.string()),
            "anonymous_id": pa.array(anon),
            "event": pa.array(event),
            "timestamp": pa.array(ts, pa.timestamp("us", tz="UTC")),
            "utm_source": pa.array(SOURCES[source, 0]),
            "utm_medium": pa.array(SOURCES[source, 1]),
            "page": pa.array(PAGES[rng.integers(0, len(PAGES), rows)]),
            "device": pa.array(DEVICES[rng.choice(3, rows, p=[0.55, 0.4, 0.05])]),
            "revenue": pa.array(revenue, from_pandas=True),
        }
    )


def write_files(rows: int, folder: Path, formats: list[str]) -> dict[str, Path]:
    """Write the event log (run in a child process: see the module docstring)."""
    table = make_events(rows)
    paths = {}
    if "csv" in formats:
        paths["csv"] = folder / f"events_{rows}.csv"
        iso = table.set_column(
            table.schema.get_field_index("timestamp"),
            "timestamp",
            pc.strftime(table["timestamp"], "%Y-%m-%dT%H:%M:%SZ"),
        )  # Arrow's %S carries the microseconds: "2026-01-01T09:00:00.123456Z"
        pacsv.write_csv(iso, paths["csv"])
    if "parquet" in formats:
        paths["parquet"] = folder / f"events_{rows}.parquet"
        pq.write_table(table, paths["parquet"])
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
                assert ours["rows"] == bare["rows"] == rows, (ours["rows"], bare["rows"], rows)
                mark = "*" if ours.get("over_limit") else " "
                lines.append(
                    f"{rows:>10,}{mark} {fmt:>7} {size:>8,.0f} | {ours['seconds']:>13.2f} "
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
