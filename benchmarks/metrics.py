"""Time the metrics engine on ~10 M events: prepare, funnels, paths, retention, and baselines.

    .venv/bin/python -m benchmarks.metrics              # ~10 M events, ~1 M people (minutes)
    .venv/bin/python -m benchmarks.metrics --quick      # ~1 M events
    .venv/bin/python -m benchmarks.metrics --people 300000 --seed 3 --profile

A benchmark, not a test: it prints a table and never fails. The targets are those of
issue 5 and ANALYTICS.md section 4, set for 10 M events on a 2-core machine.

Data. The app's seeded generator (`journeymap.analytics.generate.generate_events`,
scenario "ecommerce", 60 days from 2026-09-01) with enough people for the wanted number of
events (about 10 events per person). It emits 14 event names; to reach 20, a seeded 35 % of
the `page_view` rows are relabelled, evenly, as the noise events `scroll`, `click`,
`search`, `video_play`, `share` and `file_download` (`add_noise_names`; none of them is a
funnel step, so the funnels' answers do not change, only the vocabulary grows). The frame
is then shaped as `load_events` would give it: `actor_id` stitched from user and anonymous
ids (`normalise.stitch`, so a guest's second device is a second actor), `channel` from
source and medium, ids as categoricals, and no ground-truth `person_id`. Rows stay in the
generator's time order, like a raw export, so `prepare` has to sort them; it is also timed
on input already sorted by person and time, which is what `load_events` hands it.

Timing. Wall time (`time.perf_counter`). Each question is called once as a warm-up, whose
time is shown as "first call" (numba compiles, or loads from its on-disk cache, on first
use; pandas builds its caches), then 3 more times; the table shows the median of those 3.
The cold numba compile (an empty cache) is measured separately in a child process on a tiny
log, since it does not depend on the data size.

Memory. The resident-set high-water mark, VmHWM from /proc/self/status: the whole
process, Python, numpy and Arrow buffers alike. Before each phase the mark is reset to the
current resident size (writing 5 to /proc/self/clear_refs), so each row shows the peak
*during* that phase, which includes everything already held (the event frame, the prepared
dataset). "Peak RSS during prepare and questions" is the highest of those (the 4 GB
target); the generator's own peak is shown apart.

The strict funnel is degenerate on this data: the generator always writes session_start
and a page_view between first_visit and view_item_list, so no attempt passes step 0 and its
time is that of a pass that stops at the first step (kept because it is the same question).

Baselines, for the 7-step ordered funnel with a 14-day window:
- the engine (`funnel`): best-attempt semantics (ANALYTICS.md section 2): every step-0 event
  starts an attempt, a user counts at the furthest step of their best attempt;
- pandas, two plain ways (`pandas_funnel`: a join and a groupby per step, the faster, which
  the 3x target is judged against; `pandas_funnel_asof`: a merge_asof per step), and pure
  numpy (`numpy_funnel`: searchsorted on the prepared arrays): **first-entry** semantics, one
  attempt per user (see their docstrings). All three give the same counts; at step 0 they
  equal the engine's, at later steps they can only be lower (the first attempt is one of
  the attempts the engine considers). Users whose first visit stalled but whose later
  step-0 event led further within its own window make the difference; in this generator's
  data they are rare (a step-0 event repeats only on a second device, mostly mid-journey).
  Both pandas versions key on the integer actor code: on the categorical `actor_id` itself
  pandas is several times slower, which would flatter the engine.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import itertools
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pandas as pd

from benchmarks.events_data import people_for
from journeymap.analytics import conversion_over_time, funnel, paths, prepare, retention
from journeymap.analytics.channels import channels
from journeymap.analytics.generate import generate_events
from journeymap.analytics.normalise import stitch

SCENARIO = "ecommerce"
EVENTS_FULL, EVENTS_QUICK = 10_000_000, 1_000_000
NAMES = 20  # distinct event names wanted
NOISE = ("scroll", "click", "search", "video_play", "share", "file_download",
         "form_start", "form_submit", "add_to_wishlist", "select_promotion")  # fmt: skip
NOISE_SHARE = 0.35  # of the page_view rows
FUNNEL = ("first_visit", "view_item_list", "view_item", "add_to_cart",
          "begin_checkout", "add_payment_info", "purchase")  # fmt: skip
WINDOW = timedelta(days=14)
US = 1_000_000
RUNS = 3
GB = 1024**3
# Targets of issue 5 (seconds unless said otherwise).
PREPARE_TARGET = 10.0
FUNNEL_TARGET, FUNNEL_GOAL = 1.0, 0.5
BREAKDOWN_TARGET = 2.0
PATHS_TARGET = 1.0
SPEEDUP_TARGET = 3.0  # engine at least 3x faster than the pandas baseline
MEMORY_TARGET = 4 * GB


# -- memory --------------------------------------------------------------------------------


def _status_kb(key: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def peak_rss() -> int:
    """Bytes: the process's resident high-water mark since start or the last reset."""
    return _status_kb("VmHWM") * 1024


def rss() -> int:
    return _status_kb("VmRSS") * 1024


def reset_peak() -> bool:
    """Collect garbage, then set the high-water mark to the current size (Linux >= 4.0)."""
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


# -- timing --------------------------------------------------------------------------------


@dataclass
class Timing:
    name: str
    runs: list[float]
    first: float | None = None
    target: float | None = None
    goal: float | None = None
    peak: int = 0
    results: list = field(default_factory=list, repr=False)

    @property
    def seconds(self) -> float:
        return statistics.median(self.runs)

    @property
    def status(self) -> str:
        if self.target is None:
            return "-"
        if self.seconds > self.target:
            return "FAIL"
        return "pass" if self.goal is None or self.seconds <= self.goal else "pass (goal missed)"


def measure(
    name: str,
    call: Callable[[], object],
    target=None,
    goal=None,
    setup: Callable[[], object] | None = None,
) -> Timing:
    """One warm-up call, then RUNS timed calls (`setup` runs untimed before each); keeps
    the last result."""
    reset_peak()
    times = []
    result = None
    for _ in range(RUNS + 1):
        if setup is not None:
            setup()
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    timing = Timing(name, times[1:], times[0], target, goal, peak_rss(), [result])
    print(f"  {name}: first {times[0]:.3f} s, runs {', '.join(f'{r:.3f}' for r in times[1:])} s")
    return timing


def once(name: str, call: Callable, *args, target=None) -> Timing:
    """One timed call of call(*args)."""
    reset_peak()
    started = time.perf_counter()
    result = call(*args)
    seconds = time.perf_counter() - started
    print(f"  {name}: {seconds:.2f} s")
    return Timing(name, [seconds], None, target, None, peak_rss(), [result])


# -- the data ------------------------------------------------------------------------------


def add_noise_names(events: pd.DataFrame, seed: int, names: int = NAMES) -> list[str]:
    """Relabel a seeded NOISE_SHARE of the page_view rows as noise events, up to `names` names.

    Returns the names added (none when the log already has enough). In place.
    """
    used = events["event"].nunique()
    categories = list(events["event"].cat.categories)
    added = [n for n in NOISE if n not in categories][: max(names - used, 0)]
    if not added:
        return []
    rng = np.random.default_rng([seed, names])
    rows = np.flatnonzero((events["event"] == "page_view").to_numpy())
    rows = rows[rng.random(len(rows)) < NOISE_SHARE]
    codes = events["event"].cat.codes.to_numpy().copy()
    codes[rows] = len(categories) + rng.integers(0, len(added), len(rows))
    events["event"] = pd.Categorical.from_codes(codes, categories=[*categories, *added])
    return added


def as_loaded(raw: pd.DataFrame) -> pd.DataFrame:
    """The generator's frame shaped as `load_events` gives it (rows left in time order)."""
    events = raw.drop(columns="person_id")
    events.insert(0, "actor_id", stitch(raw["user_id"], raw["anonymous_id"], raw["ts"]))
    events["channel"] = channels(raw["source"], raw["medium"])
    for column in ("user_id", "anonymous_id", "session_id"):
        events[column] = events[column].astype("category")
    first = ["actor_id", "event", "ts"]
    return events[[*first, *(c for c in events.columns if c not in first)]]


# -- baselines -----------------------------------------------------------------------------


def pandas_funnel(events: pd.DataFrame, steps: Sequence[str], window: timedelta) -> list[int]:
    """An ordered funnel the way an analyst writes it in pandas: first-entry semantics.

    Exactly: each user has one attempt, anchored at their earliest step-0 event (time t0).
    Step k is the user's earliest step-k event at or after the time of their step k-1 event
    (same instant allowed), provided it is at most `window` after t0 (inclusive). Counts are
    users per step; a user who misses step k is not looked at for later steps. Later step-0
    events never start another attempt, so a user whose first visit stalled but who came
    back and converted within the window of a *later* step-0 event counts only as far as
    the first attempt got (the engine counts their best attempt).

    Per step: an inner join of that step's events onto the users still in (indexed by the
    integer actor code, `actor_id.cat.codes`), a filter on the time bounds, a groupby min.
    """
    frame = events.loc[events["event"].isin(steps), ["actor_id", "event", "ts"]]
    frame = frame.assign(actor_id=frame["actor_id"].cat.codes)
    entry = frame[frame["event"] == steps[0]].groupby("actor_id")["ts"].min()
    current = pd.DataFrame({"start": entry, "at": entry})
    counts = [len(current)]
    for step in steps[1:]:
        hits = frame.loc[frame["event"] == step, ["actor_id", "ts"]]
        joined = hits.join(current, on="actor_id", how="inner")
        joined = joined[(joined["ts"] >= joined["at"]) & (joined["ts"] <= joined["start"] + window)]
        per_user = joined.groupby("actor_id")
        current = pd.DataFrame({"start": per_user["start"].first(), "at": per_user["ts"].min()})
        counts.append(len(current))
    return counts


def pandas_funnel_asof(events: pd.DataFrame, steps: Sequence[str], window: timedelta) -> list[int]:
    """The same first-entry funnel as `pandas_funnel`, with one `merge_asof` per step.

    `direction="forward"` with exact matches allowed finds each user's first step-k event
    at or after their step k-1 time; rows beyond t0 + window are dropped. Same counts.
    """
    frame = events.loc[events["event"].isin(steps), ["actor_id", "event", "ts"]]
    frame = frame.assign(actor_id=frame["actor_id"].cat.codes)
    entry = frame[frame["event"] == steps[0]].groupby("actor_id")["ts"].min()
    current = pd.DataFrame({"actor_id": entry.index, "start": entry.to_numpy()})
    current["at"] = current["start"]
    counts = [len(current)]
    for step in steps[1:]:
        hits = frame.loc[frame["event"] == step, ["actor_id", "ts"]].sort_values("ts")
        matched = pd.merge_asof(
            current.sort_values("at"),
            hits,
            left_on="at",
            right_on="ts",
            by="actor_id",
            direction="forward",
            allow_exact_matches=True,
        )
        matched = matched[matched["ts"] <= matched["start"] + window]
        current = matched[["actor_id", "start", "ts"]].rename(columns={"ts": "at"})
        counts.append(len(current))
    return counts


def numpy_funnel(data, steps: Sequence[str], window: timedelta) -> list[int]:
    """The same first-entry funnel as `pandas_funnel`, vectorised over the prepared arrays.

    Events are sorted by (actor code, time), so the events of one name, keyed as
    actor * span + (time - first time), are sorted too; a user's next step is one
    `np.searchsorted` (side "left": the first key at or after the previous step's time) in
    that step's keys. One attempt per user, no best-attempt search: what pure numpy does
    without a per-person loop.
    """
    actor, ts, event = data.actor, data.ts, data.event
    window_us = round(window.total_seconds() * US)
    first_ts = int(ts.min()) if len(ts) else 0
    span = int(ts.max()) - first_ts + window_us + 1 if len(ts) else 1
    if len(data.actor_ids) * span >= 2**63:
        raise OverflowError("actor * span does not fit in int64")
    codes = [data.code(s) for s in steps]
    entries = np.flatnonzero(event == codes[0])
    first = np.ones(len(entries), dtype=bool)
    first[1:] = actor[entries[1:]] != actor[entries[:-1]]
    who = actor[entries[first]]
    start = ts[entries[first]]
    at = start
    counts = [len(who)]
    for code in codes[1:]:
        rows = np.flatnonzero(event == code)
        keys = actor[rows] * span + (ts[rows] - first_ts)
        if len(keys) == 0:
            who = who[:0]
            counts.append(0)
            continue
        base = who * span
        pos = np.searchsorted(keys, base + (at - first_ts))
        found = keys[np.minimum(pos, len(keys) - 1)]
        hit_ts = found - base + first_ts
        ok = (pos < len(keys)) & (found >= base) & (found < base + span)
        ok &= hit_ts <= start + window_us
        who, start, at = who[ok], start[ok], hit_ts[ok]
        counts.append(len(who))
    return counts


# -- cold numba compile --------------------------------------------------------------------

COLD_COMPILE = """
import time
import pandas as pd
from journeymap.analytics import funnel
events = pd.DataFrame({"actor_id": ["a", "a", "b"], "event": ["x", "y", "x"],
                       "ts": pd.to_datetime([1, 2, 3], unit="s", utc=True)})
started = time.perf_counter()
funnel(events, ["x", "y"])
print(time.perf_counter() - started)
"""


def cold_compile() -> float | None:
    """Seconds of the first funnel call with an empty numba cache (a child process)."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        done = subprocess.run(
            [sys.executable, "-c", COLD_COMPILE], env=env, capture_output=True, text=True
        )
    if done.returncode:
        print(done.stderr)
        return None
    return float(done.stdout.split()[-1])


def numba_cache_state() -> str:
    """Whether the first in-process call compiled or loaded the compiled pass from disk."""
    from journeymap.analytics import funnels

    stats = getattr(funnels._funnel_pass, "stats", None)
    if stats is None:
        return "unknown"
    if sum(stats.cache_hits.values()):
        return "loaded from numba's disk cache"
    if sum(stats.cache_misses.values()):
        return "compiled (no disk cache)"
    return "unknown"


# -- checks and output ---------------------------------------------------------------------


def checks(results: dict) -> list[tuple[str, bool]]:
    """Consistency checks on the answers: the orders of magnitude a reader expects."""
    ordered = results["ordered"].counts
    strict = results["strict"].counts
    unordered = results["unordered"].counts
    first_entry = results["pandas"]
    out = [
        ("ordered counts never increase along the funnel", _falling(ordered)),
        ("strict counts never increase", _falling(strict)),
        ("unordered counts never increase", _falling(unordered)),
        (
            "the three first-entry baselines agree (pandas join, pandas merge_asof, numpy)",
            results["pandas"] == results["pandas_asof"] == results["numpy"],
        ),
        ("engine step 0 = first-entry step 0", ordered[0] == first_entry[0]),
        (
            "engine >= first-entry at every step (best attempt includes the first one)",
            all(e >= f for e, f in zip(ordered, first_entry, strict=True)),
        ),
        (
            "strict <= ordered <= unordered at every step",
            all(s <= o <= u for s, o, u in zip(strict, ordered, unordered, strict=True)),
        ),
    ]
    parts = results["breakdown"].breakdown or {}
    split = [sum(p.counts[k] for p in parts.values()) for k in range(len(ordered))]
    out.append(
        ("breakdown by channel (first touch): the values add up to the total", split == ordered)
    )
    out.append(
        ("breakdown overall counts = plain funnel counts", results["breakdown"].counts == ordered)
    )
    sizes = int(results["retention"].table["size"].sum())
    out.append(("retention cohorts hold everyone with a first_visit", sizes == ordered[0]))
    over_time = results["over_time"]
    out.append(
        (
            "conversion over time: entries >= funnel entrants, conversions >= funnel converters",
            int(over_time["entered"].sum()) >= ordered[0]
            and int(over_time["converted"].sum()) >= ordered[-1],
        )
    )
    out.append(("paths has edges", len(results["paths"].edges) > 0))
    return out


def _falling(counts: Sequence[int]) -> bool:
    return all(a >= b for a, b in itertools.pairwise(counts))


def table(rows: list[Timing]) -> str:
    head = f"{'operation':<58} {'median s':>9} {'first s':>8} {'target':>14} {'result':>18} {'peak RSS':>9}"
    lines = [head, "-" * len(head)]
    for t in rows:
        target = "" if t.target is None else f"<= {t.target:g} s"
        if t.goal is not None:
            target += f" ({t.goal:g})"
        first = "" if t.first is None else f"{t.first:.3f}"
        lines.append(
            f"{t.name:<58} {t.seconds:>9.3f} {first:>8} {target:>14} {t.status:>18} "
            f"{t.peak / GB:>7.2f} G"
        )
    return "\n".join(lines)


def profile(name: str, call: Callable[[], object], lines: int = 15) -> None:
    """cProfile one call: the top functions by cumulative and by own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    call()
    profiler.disable()
    print(f"\n-- profile: {name} --")
    for key in ("cumulative", "tottime"):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(key).print_stats(lines)
        print(textwrap.indent(text.getvalue().strip(), "  "))


# -- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, help="people to generate (default: ~10 M events)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="about 1 M events")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile each question that misses its target"
    )
    args = parser.parse_args(argv)
    wanted = EVENTS_QUICK if args.quick else EVENTS_FULL
    people = args.people or people_for(wanted, SCENARIO, args.seed)

    print(f"Generating ~{wanted:,} events ({people:,} people, seed {args.seed}) ...")
    started = time.perf_counter()
    raw = generate_events(people, seed=args.seed, scenario=SCENARIO)
    generated = time.perf_counter() - started
    added = add_noise_names(raw, args.seed)
    events = as_loaded(raw)
    del raw
    shaped = time.perf_counter() - started - generated
    generation_peak = peak_rss()
    days = (events["ts"].max() - events["ts"].min()) / pd.Timedelta(days=1)
    print(
        f"  {len(events):,} events, {events['actor_id'].nunique():,} actors (stitched ids) of "
        f"{people:,} people, {events['event'].nunique()} event names, {days:.1f} days"
    )
    print(f"  noise names added on page_view rows: {', '.join(added) or 'none'}")
    print(
        f"  generation {generated:.1f} s, noise + stitch + channels + categories {shaped:.1f} s; "
        f"peak RSS so far {generation_peak / GB:.2f} GB, now {rss() / GB:.2f} GB"
    )

    print("\nPreparing ...")
    rows: list[Timing] = []
    prep = once("prepare (rows in time order, as exported)", prepare, events, target=PREPARE_TARGET)
    rows.append(prep)
    data = prep.results[0]
    prep.results.clear()
    del events
    rows.append(
        once(
            "prepare (rows by person and time, as load_events gives)",
            prepare,
            data.events,
            target=PREPARE_TARGET,
        )
    )
    rows[-1].results.clear()
    gc.collect()
    print(f"  resident after prepare (prepared dataset only) {rss() / GB:.2f} GB")

    print("\nQuestions (1 warm-up + 3 runs each) ...")
    cold = cold_compile()
    results: dict = {}
    questions = [
        ("ordered", "funnel ordered, 7 steps, 14 d (best attempt)",
         lambda: funnel(data, FUNNEL, window=WINDOW), FUNNEL_TARGET, FUNNEL_GOAL),
        ("breakdown", "  same, breakdown by channel (first touch)",
         lambda: funnel(data, FUNNEL, window=WINDOW, breakdown="channel"), BREAKDOWN_TARGET, None),
        ("strict", "  same, strict", lambda: funnel(data, FUNNEL, window=WINDOW, order="strict"),
         None, None),
        ("unordered", "  same, unordered",
         lambda: funnel(data, FUNNEL, window=WINDOW, order="unordered"), None, None),
        ("over_time", "conversion over time, weekly (same funnel)",
         lambda: conversion_over_time(data, FUNNEL, window=WINDOW, period="week"), None, None),
        ("paths", "paths from first_visit (5 steps, top 20)",
         lambda: paths(data, start="first_visit"), PATHS_TARGET, None),
        ("retention", "retention weekly, first_visit -> session_start",
         lambda: retention(data, "first_visit", "session_start", period="week"), None, None),
        ("retention_purchase", "retention weekly, first_visit -> purchase",
         lambda: retention(data, "first_visit", "purchase", period="week"), None, None),
        ("pandas", "pandas first-entry funnel (join + groupby per step)",
         lambda: pandas_funnel(data.events, FUNNEL, WINDOW), None, None),
        ("pandas_asof", "pandas first-entry funnel (merge_asof per step)",
         lambda: pandas_funnel_asof(data.events, FUNNEL, WINDOW), None, None),
        ("numpy", "numpy first-entry funnel (searchsorted)",
         lambda: numpy_funnel(data, FUNNEL, WINDOW), None, None),
    ]  # fmt: skip
    timings: dict[str, Timing] = {}
    calls: dict[str, Callable[[], object]] = {}
    for key, name, call, target, goal in questions:
        timing = measure(name, call, target, goal)
        results[key] = timing.results.pop()
        timings[key] = timing
        calls[key] = call
        rows.append(timing)
    cache_state = numba_cache_state()

    engine = timings["ordered"].seconds
    pandas_s, asof_s, numpy_s = (timings[k].seconds for k in ("pandas", "pandas_asof", "numpy"))
    speedup = pandas_s / engine
    peak = max(t.peak for t in rows)

    print("\n== Results ==")
    print(table(rows))
    print(
        f"{'peak RSS during prepare and questions (whole process)':<58} {peak / GB:>7.2f} GB"
        f"   target <= {MEMORY_TARGET / GB:g} GB: {'pass' if peak <= MEMORY_TARGET else 'FAIL'}"
    )
    print(f"{'peak RSS during generation (not a target)':<58} {generation_peak / GB:>7.2f} GB")
    if cold is not None:
        print(f"{'numba cold compile: first funnel call, empty cache':<58} {cold:>7.2f} s")
    first = timings["ordered"].first or 0.0
    print(f"{'first ordered funnel call in this run':<58} {first:>7.2f} s   ({cache_state})")
    print("\nRatios (medians of 3):")
    print(
        f"  engine / pandas (join + groupby)  = {engine / pandas_s:.2f}   pandas / engine = "
        f"{speedup:.2f}, target >= {SPEEDUP_TARGET:g}: "
        f"{'pass' if speedup >= SPEEDUP_TARGET else 'FAIL'}"
    )
    print(
        f"  engine / pandas (merge_asof)      = {engine / asof_s:.2f}   pandas / engine = "
        f"{asof_s / engine:.2f}"
    )
    print(
        f"  engine / numpy first-entry        = {engine / numpy_s:.2f}   (numpy: one attempt "
        "per user, no best attempt)"
    )
    print(f"  numpy / pandas (join + groupby)   = {numpy_s / pandas_s:.2f}")
    print(
        f"  per plain ordered funnel: breakdown {timings['breakdown'].seconds / engine:.2f}, "
        f"strict {timings['strict'].seconds / engine:.2f}, "
        f"unordered {timings['unordered'].seconds / engine:.2f}"
    )

    print("\nCounts per step (users):")
    header = f"  {'step':<18} {'engine best':>12} {'first-entry':>12} {'numpy':>12} {'engine-first':>13} {'strict':>10} {'unordered':>10}"
    print(header)
    for k, step in enumerate(FUNNEL):
        e, p, n = results["ordered"].counts[k], results["pandas"][k], results["numpy"][k]
        s, u = results["strict"].counts[k], results["unordered"].counts[k]
        print(f"  {step:<18} {e:>12,} {p:>12,} {n:>12,} {e - p:>+13,} {s:>10,} {u:>10,}")
    print(
        "  (first-entry = pandas_funnel, pandas_funnel_asof and numpy_funnel: the same semantics)"
    )
    if results["strict"].counts[1:] and not results["strict"].counts[1]:
        print("  (strict: nobody passes step 0; another event always follows first_visit)")

    print("\nChecks:")
    for text, ok in checks(results):
        print(f"  {'ok   ' if ok else 'WRONG'} {text}")

    if args.profile:
        missed = [k for k, t in timings.items() if t.target is not None and t.status == "FAIL"]
        if speedup < SPEEDUP_TARGET and "ordered" not in missed:
            missed.insert(0, "ordered")
        for key in missed or ["ordered"]:
            profile(timings[key].name.strip(), calls[key])


if __name__ == "__main__":
    main()
