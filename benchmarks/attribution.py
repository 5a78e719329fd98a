"""Time `attribute()` on ~1 M conversions, against plain pandas last-touch and linear.

    .venv/bin/python -m benchmarks.attribution                 # ~1 M conversions (~8 M events)
    .venv/bin/python -m benchmarks.attribution --quick         # ~100 k conversions
    .venv/bin/python -m benchmarks.attribution --conversion add_to_cart --people 300000

A benchmark, not a test: it prints a table and never fails.

Data. The app's seeded generator (`generate_events`, scenario "ecommerce", 60 days from
2026-09-01), shaped as `load_events` gives it (`benchmarks.metrics.as_loaded`: stitched
actors, `channel` from source and medium, categoricals). The conversion is a frequent event,
`view_item` by default (about 1.26 per person, against 0.03 for `purchase`), so ~1 M
conversions need ~0.8 M people and ~8 M events instead of ~35 M people for 1 M purchases;
the people are scaled from a 20 000-person pilot run to reach `--conversions`. Every event
carries a channel here, so every session (30 minutes of silence) opens with a touch.

Timing. `prepare` once (not counted in the question). One `attribute()` call computes all
seven models at once (the rule-based ones and the Markov chain come out of the same pass
over the prepared arrays), so there is no per-model time to report: the table shows the
one call, a warm-up first (numba loads from its cache or compiles; the column codes are
cached on the prepared dataset) and then the median of 3. A second engine row credits
`purchase` (few conversions) to show the fixed cost of a call.

Baseline. Plain pandas on the same prepared columns (integer actor code, time in
microseconds, event, channel as a categorical with "" for missing, revenue as floats: what
the engine gets from `prepare`; building them is shown apart and not counted):
- sessions and touches: a shifted comparison on the sorted rows (first event of each
  session with a channel);
- last touch: `merge_asof` of the conversions onto the touches by actor, on the row
  position (the latest touch at or before the conversion), then the lookback filter and a
  groupby; conversions without a touch go to "(none)";
- linear: an inner merge of conversions and touches per actor, the position and lookback
  filters, `groupby(...).transform("size")` for each conversion's touch count, 1/k shares,
  a groupby.
Both are checked against the engine's last-touch and linear credit (to 1e-6).
"""

from __future__ import annotations

import argparse
import gc
import time
from datetime import timedelta

import numpy as np
import pandas as pd

from benchmarks.metrics import GB, as_loaded, measure, rss
from journeymap.analytics import prepare
from journeymap.analytics.attribution import NONE, SESSION_GAP, attribute
from journeymap.analytics.generate import generate_events

SCENARIO = "ecommerce"
US = 1_000_000
LOOKBACK = timedelta(days=30)


def people_for_conversions(conversions: int, event: str, seed: int) -> tuple[int, float]:
    """People giving about `conversions` events named `event`, from a 20 000-person pilot."""
    pilot = 20_000
    raw = generate_events(pilot, seed=seed, scenario=SCENARIO)
    per_person = float((raw["event"] == event).sum()) / pilot
    if per_person == 0:
        raise SystemExit(f"The {SCENARIO} scenario has no {event!r} events.")
    return max(1, round(conversions / per_person)), per_person


# -- the pandas baseline ------------------------------------------------------------------------


def pandas_columns(data) -> pd.DataFrame:
    """What the engine reads from the prepared dataset, as plain columns (not timed)."""
    events = data.events
    return pd.DataFrame(
        {
            "actor": data.actor,
            "ts": data.ts,
            "event": events["event"].to_numpy(),
            "channel": _filled(events["channel"]),
            "revenue": pd.to_numeric(events["revenue"], errors="coerce").fillna(0.0).to_numpy(),
        }
    )


def _filled(values: pd.Series) -> pd.Categorical:
    """The channel as a categorical with "" for missing (as cheap for pandas as it gets)."""
    values = values.astype("category")
    if "" not in values.cat.categories:
        values = values.cat.add_categories("")
    return pd.Categorical(values.fillna(""))


def _touches_and_conversions(frame: pd.DataFrame, conversion: str):
    gap = round(SESSION_GAP.total_seconds() * US)
    fresh = (frame["actor"] != frame["actor"].shift()) | (frame["ts"].diff() > gap)
    touch = fresh & (frame["channel"] != "")
    pos = pd.RangeIndex(len(frame))
    touches = pd.DataFrame(
        {"actor": frame["actor"][touch], "pos": pos[touch.to_numpy()], "t_ts": frame["ts"][touch],
         "value": frame["channel"][touch]}
    )  # fmt: skip
    hit = (frame["event"] == conversion).to_numpy()
    conversions = pd.DataFrame(
        {"actor": frame["actor"][hit], "pos": pos[hit], "ts": frame["ts"][hit],
         "revenue": frame["revenue"][hit]}
    )  # fmt: skip
    return touches.reset_index(drop=True), conversions.reset_index(drop=True)


def _per_value(values: pd.Series, weights: pd.Series, revenue: pd.Series) -> pd.DataFrame:
    return (
        pd.DataFrame({"value": values, "conversions": weights, "revenue": weights * revenue})
        .groupby("value", observed=True)[["conversions", "revenue"]]
        .sum()
    )


def pandas_last_touch(frame: pd.DataFrame, conversion: str, lookback=LOOKBACK) -> pd.DataFrame:
    touches, conversions = _touches_and_conversions(frame, conversion)
    back = round(lookback.total_seconds() * US)
    matched = pd.merge_asof(conversions, touches, on="pos", by="actor", direction="backward")
    ok = matched["t_ts"].notna() & (matched["t_ts"] >= matched["ts"] - back)
    value = matched["value"].astype(object).where(ok, NONE)
    return _per_value(value, pd.Series(1.0, index=matched.index), matched["revenue"])


def pandas_linear(frame: pd.DataFrame, conversion: str, lookback=LOOKBACK) -> pd.DataFrame:
    touches, conversions = _touches_and_conversions(frame, conversion)
    back = round(lookback.total_seconds() * US)
    conversions["id"] = np.arange(len(conversions))
    pairs = conversions.merge(touches, on="actor", suffixes=("", "_t"))
    pairs = pairs[(pairs["pos_t"] <= pairs["pos"]) & (pairs["t_ts"] >= pairs["ts"] - back)]
    share = 1.0 / pairs.groupby("id")["id"].transform("size")
    credited = _per_value(pairs["value"], share, pairs["revenue"])
    untouched = conversions[~conversions["id"].isin(pairs["id"])]
    if len(untouched):
        credited.loc[NONE] = [float(len(untouched)), float(untouched["revenue"].sum())]
    return credited


def pandas_both(frame: pd.DataFrame, conversion: str):
    return pandas_last_touch(frame, conversion), pandas_linear(frame, conversion)


def check(engine, baseline: pd.DataFrame, model: str) -> str:
    got = engine.credit[engine.credit["model"] == model].set_index("value")
    both = baseline.merge(got[["conversions", "revenue"]], left_index=True, right_index=True,
                          how="outer", suffixes=("", "_engine")).fillna(0)  # fmt: skip
    worst = max(
        float((both["conversions"] - both["conversions_engine"]).abs().max()),
        float(
            ((both["revenue"] - both["revenue_engine"]).abs() / both["revenue"].abs().clip(1)).max()
        ),
    )
    return f"{'ok' if worst < 1e-6 else 'DIFFERENT'} (largest difference {worst:.1e})"


# -- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversion", default="view_item", help="the conversion event")
    parser.add_argument("--conversions", type=int, default=1_000_000, help="about this many")
    parser.add_argument("--people", type=int, help="people to generate (overrides --conversions)")
    parser.add_argument("--quick", action="store_true", help="about 100 k conversions")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    wanted = 100_000 if args.quick else args.conversions
    people, rate = people_for_conversions(wanted, args.conversion, args.seed)
    people = args.people or people

    print(f"Generating {people:,} people ({rate:.3f} {args.conversion} events per person) ...")
    started = time.perf_counter()
    events = as_loaded(generate_events(people, seed=args.seed, scenario=SCENARIO))
    print(f"  {len(events):,} events in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    data = prepare(events)
    prepared = time.perf_counter() - started
    del events
    gc.collect()
    conversions = int((data.event == data.code(args.conversion)).sum())
    purchases = int((data.event == data.code("purchase")).sum())
    print(
        f"  prepare {prepared:.2f} s; {len(data):,} events, {len(data.actor_ids):,} actors, "
        f"{conversions:,} {args.conversion} conversions; resident {rss() / GB:.2f} GB"
    )

    print("\nTimings (1 warm-up + 3 runs each) ...")
    engine = measure(
        f"attribute(), all 7 models, {args.conversion}",
        lambda: attribute(data, args.conversion, lookback=LOOKBACK),
    )
    few = measure(
        f"attribute(), all 7 models, purchase ({purchases:,})",
        lambda: attribute(data, "purchase", lookback=LOOKBACK),
    )
    started = time.perf_counter()
    frame = pandas_columns(data)
    columns = time.perf_counter() - started
    last = measure("pandas last touch (merge_asof + groupby)",
                   lambda: pandas_last_touch(frame, args.conversion))  # fmt: skip
    linear = measure("pandas linear (merge + filter + groupby)",
                     lambda: pandas_linear(frame, args.conversion))  # fmt: skip
    both = measure("pandas last touch + linear", lambda: pandas_both(frame, args.conversion))

    e = engine.seconds
    rows = [engine, few, last, linear, both]
    print(f"\n== Results: {conversions:,} conversions ({args.conversion}), {len(data):,} events ==")
    head = f"{'operation':<52} {'median s':>9} {'first s':>8} {'engine / this':>14} {'peak RSS':>9}"
    print(head)
    print("-" * len(head))
    for t in rows:
        print(
            f"{t.name:<52} {t.seconds:>9.3f} {t.first:>8.3f} {e / t.seconds:>14.2f} "
            f"{t.peak / GB:>7.2f} G"
        )
    print(f"{'(pandas columns from the prepared dataset, once)':<52} {columns:>9.3f}")
    print(f"{'(prepare, once)':<52} {prepared:>9.3f}")
    print(
        f"\nOne engine call (7 models, Markov included) vs pandas last touch + linear: "
        f"pandas / engine = {both.seconds / e:.2f}"
    )
    print(
        f"Per conversion: engine {1e9 * e / max(conversions, 1):.0f} ns, pandas last touch "
        f"{1e9 * last.seconds / max(conversions, 1):.0f} ns, pandas linear "
        f"{1e9 * linear.seconds / max(conversions, 1):.0f} ns"
    )
    result = engine.results[0]
    print("\nChecks against the engine:")
    print(f"  last touch: {check(result, last.results[0], 'last_touch')}")
    print(f"  linear:     {check(result, linear.results[0], 'linear')}")
    print(f"\nCredit per channel ({args.conversion}; conversions, top 10 by linear):")
    print(result.table().sort_values("linear", ascending=False).head(10).round(1).to_string())
    effects = ", ".join(f"{k} {v:.3f}" for k, v in sorted(result.removal_effects.items(),
                                                           key=lambda kv: -kv[1]))  # fmt: skip
    print(f"Markov removal effects: {effects}")


if __name__ == "__main__":
    main()
