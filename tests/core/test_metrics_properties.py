"""The fast metrics engine equals the slow reference (`metrics_reference.py`) on random small logs.

Logs: 1-6 actors, 0-25 events each, 2-5 event names from a five-letter alphabet, integer-second
timestamps in a small range (many ties), rows shuffled (file order breaks timestamp ties), a
property `p` with three values or missing. Every funnel order, random exclusions valid for the
order, breakdowns with each attribution, date ranges; conversion over time, paths and retention.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import journeymap.analytics as engine

from . import metrics_reference as ref
from .metrics_reference import edges_as_dict, log, utc

ALPHABET = "abcde"
VALUES = ["x", "y", "z", None]
BASE = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)
SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


@st.composite
def event_logs(draw, most: int = 60, unit: int = 1, base: datetime = BASE):
    """(names, frame): timestamps are `unit` seconds times 0..most after `base`."""
    names = draw(st.lists(st.sampled_from(ALPHABET), min_size=2, max_size=5, unique=True))
    rows = []
    for i in range(draw(st.integers(1, 6))):
        event = st.tuples(st.sampled_from(names), st.integers(0, most), st.sampled_from(VALUES))
        count = draw(st.integers(0, 25))  # drawn first: long lists as often as short ones
        for name, t, value in draw(st.lists(event, min_size=count, max_size=count)):
            rows.append((f"u{i}", name, t * unit, value))
    order = draw(st.permutations(range(len(rows))))
    frame = log(*(rows[j] for j in order), base=base, categorical=False)
    if draw(st.booleans()):
        # categoricals as a loader may leave them: categories in any order, some unused
        for column in ("actor_id", "event", "p"):
            present = sorted(frame[column].dropna().unique())
            categories = draw(st.permutations([*present, "unused"]))
            frame[column] = pd.Categorical(frame[column], categories=categories)
    return names, frame


def engine_data(draw, frame: pd.DataFrame):
    """The frame itself or the engine's Prepared dataset of it."""
    return engine.prepare(frame) if draw(st.booleans()) else frame


@st.composite
def funnel_options(draw, names: list[str]):
    size = draw(st.integers(1, 4))
    steps = draw(st.lists(st.sampled_from(names), min_size=size, max_size=size))
    order = draw(st.sampled_from(["ordered", "strict", "unordered"]))
    seconds = draw(st.integers(0, 120))
    window = draw(st.sampled_from([seconds, float(seconds), timedelta(seconds=seconds)]))
    excluded = st.sampled_from([*names, "q"])  # may be a step name, or absent from the log
    if order == "unordered":
        pairs = [(0, size - 1)] if size > 1 else []
    else:
        pairs = [(f, g) for f in range(size) for g in range(f + 1, size)]
    exclusions = []
    if pairs:
        for name, (f, g) in draw(
            st.lists(st.tuples(excluded, st.sampled_from(pairs)), max_size=2),
        ):
            exclusions.append((name, f, g))
    options = {"window": window, "order": order, "exclusions": exclusions}
    if draw(st.integers(0, 3)) == 0:
        options["date_from"] = BASE + timedelta(seconds=draw(st.integers(0, 30)))
    if draw(st.integers(0, 3)) == 0:
        to = BASE + timedelta(seconds=draw(st.integers(20, 60)))
        options["date_to"] = draw(st.sampled_from([to, to.replace(tzinfo=None), pd.Timestamp(to)]))
    return steps, options


def same(a, b) -> bool:
    """Equal numbers (to 1e-9), or both missing (None / NaN)."""
    a_missing = a is None or (isinstance(a, float) and math.isnan(a))
    b_missing = b is None or (isinstance(b, float) and math.isnan(b))
    if a_missing or b_missing:
        return a_missing and b_missing
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def assert_same_funnel(got, want, where: str = "") -> None:
    assert list(got.counts) == want.counts, f"counts {where}"
    for k, (g, w) in enumerate(zip(got.steps, want.steps, strict=True)):
        assert {str(u) for u in g.users} == w.users, f"users of step {k} {where}"
        assert {str(u) for u in g.dropped} == w.dropped, f"dropped at step {k} {where}"
        assert same(g.average_time, w.average_time), (
            f"average time of step {k} {where}: {g.average_time} != {w.average_time}"
        )
        assert same(g.median_time, w.median_time), (
            f"median time of step {k} {where}: {g.median_time} != {w.median_time}"
        )
        assert same(g.from_start, w.from_start), f"from_start of step {k} {where}"
        if k:
            assert same(g.from_previous, w.from_previous), f"from_previous of step {k} {where}"


@settings(max_examples=300, **SETTINGS)
@given(st.data())
def test_funnel_equals_reference(data) -> None:
    names, frame = data.draw(event_logs())
    steps, options = data.draw(funnel_options(names))
    want = ref.funnel(frame, steps, **options)
    got = engine.funnel(engine_data(data.draw, frame), steps, **options)
    assert_same_funnel(got, want)
    assert got.breakdown is None
    if len(steps) > 1:
        a = data.draw(st.integers(0, len(steps) - 2))
        b = data.draw(st.integers(a + 1, len(steps) - 1))
        got_times = sorted(float(x) for x in got.conversion_times(a, b))
        want_times = sorted(want.conversion_times(a, b))
        assert got_times == pytest.approx(want_times, abs=1e-9), f"conversion_times({a}, {b})"


@settings(max_examples=300, **SETTINGS)
@given(st.data())
def test_funnel_breakdown_equals_reference(data) -> None:
    names, frame = data.draw(event_logs())
    steps, options = data.draw(funnel_options(names))
    attribution = data.draw(st.sampled_from(["first_touch", "last_touch", "step"]))
    options |= {"breakdown": "p", "attribution": attribution, "top": data.draw(st.integers(1, 4))}
    if attribution == "step":
        options["attribution_step"] = data.draw(st.integers(0, len(steps) - 1))
    want = ref.funnel(frame, steps, **options)
    got = engine.funnel(engine_data(data.draw, frame), steps, **options)
    assert_same_funnel(got, want, "(all users)")
    assert got.breakdown is not None
    assert {str(v): r.counts for v, r in got.breakdown.items()} == {
        v: r.counts for v, r in want.breakdown.items()
    }
    for value, result in want.breakdown.items():
        assert_same_funnel(got.breakdown[value], result, f"under {value!r}")


@settings(max_examples=200, **SETTINGS)
@given(st.data())
def test_conversion_over_time_equals_reference(data) -> None:
    # bases a minute before a new day, ISO week (Monday) and month: periods split the log
    base = data.draw(
        st.sampled_from(
            [datetime(2024, 3, 3, 23, 59, tzinfo=UTC), datetime(2024, 2, 29, 23, 59, tzinfo=UTC)]
        )
    )
    names, frame = data.draw(event_logs(most=120, base=base))
    steps, options = data.draw(funnel_options(names))
    options.pop("date_from", None)
    options.pop("date_to", None)
    if data.draw(st.integers(0, 3)) == 0:
        options["date_from"] = base + timedelta(seconds=data.draw(st.integers(0, 60)))
    if data.draw(st.integers(0, 3)) == 0:
        options["date_to"] = base + timedelta(seconds=data.draw(st.integers(30, 120)))
    period = data.draw(st.sampled_from(["day", "week", "month"]))
    want = ref.conversion_over_time(frame, steps, period=period, **options)
    got = engine.conversion_over_time(
        engine_data(data.draw, frame), steps, period=period, **options
    )
    assert list(got.columns[:6]) == ["period", "entered", "converted", "rate", "low", "high"]
    extra = got[got["entered"] == 0]
    got = got[got["entered"] > 0]
    assert [utc(p) for p in got["period"]] == list(want["period"])
    assert set(extra["period"].map(utc)).isdisjoint(set(want["period"]))
    assert list(got["entered"]) == list(want["entered"])
    assert list(got["converted"]) == list(want["converted"])
    for column in ("rate", "low", "high"):
        assert all(same(g, w) for g, w in zip(got[column], want[column], strict=True)), column


@settings(max_examples=250, **SETTINGS)
@given(st.data())
def test_paths_equal_reference(data) -> None:
    # ten-minute ticks over five hours: gaps of exactly 30 minutes are common
    names, frame = data.draw(event_logs(most=30, unit=600))
    anchor = data.draw(st.sampled_from(["none", "start", "end"]))
    options = {
        "steps": data.draw(st.integers(2, 5)),  # the engine refuses 1 (unspecified)
        "top": data.draw(st.integers(1, 12)),
        "session_gap": data.draw(
            st.sampled_from([timedelta(minutes=30), timedelta(minutes=10), timedelta(hours=1)])
        ),
    }
    if anchor != "none":
        options[anchor] = data.draw(st.sampled_from(names))
    if data.draw(st.integers(0, 3)) == 0:
        options["date_from"] = BASE + timedelta(minutes=10 * data.draw(st.integers(0, 15)))
    if data.draw(st.integers(0, 3)) == 0:
        options["date_to"] = BASE + timedelta(minutes=10 * data.draw(st.integers(10, 30)))
    want = ref.paths(frame, **options)
    assume(not want.ambiguous_cut)  # the brief orders ties by source and target, not by level
    got = engine.paths(engine_data(data.draw, frame), **options)
    assert edges_as_dict(got.edges) == edges_as_dict(want.edges)
    assert len(got.edges) == len(want.edges)


@settings(max_examples=250, **SETTINGS)
@given(st.data())
def test_retention_equals_reference(data) -> None:
    # hourly ticks over ten weeks from Monday 2024-01-29 00:00 UTC: Feb 29 and month ends inside
    monday = datetime(2024, 1, 29, tzinfo=UTC)
    names, frame = data.draw(event_logs(most=70 * 24, unit=3600, base=monday))
    start = data.draw(st.sampled_from(names))
    options = {
        "return_event": data.draw(st.sampled_from([None, *names])),
        "period": data.draw(st.sampled_from(["day", "week", "month"])),
        "mode": data.draw(st.sampled_from(["on", "on_or_after"])),
        "periods": data.draw(st.integers(1, 8)),
    }
    if data.draw(st.integers(0, 3)) == 0:  # a datetime, or a date (from its start / to its end)
        low = monday + timedelta(hours=data.draw(st.integers(0, 30 * 24)))
        options["date_from"] = data.draw(st.sampled_from([low, low.date()]))
    if data.draw(st.integers(0, 3)) == 0:
        high = monday + timedelta(hours=data.draw(st.integers(20 * 24, 70 * 24)))
        options["date_to"] = data.draw(st.sampled_from([high, high.date()]))
    want = ref.retention(frame, start, **options)
    got = engine.retention(engine_data(data.draw, frame), start, **options)
    periods = options["periods"]
    assert list(got.table.columns) == ["size", *range(periods)]
    got_rows = {
        utc(c): row for c, row in zip(got.table.index, got.table.to_numpy().tolist(), strict=True)
    }
    want_rows = {
        utc(c): row for c, row in zip(want.table.index, want.table.to_numpy().tolist(), strict=True)
    }
    for cohort, row in got_rows.items():
        if cohort not in want_rows:
            assert row[0] == 0, f"cohort {cohort} is not in the reference"
    for cohort, row in want_rows.items():
        assert cohort in got_rows, f"cohort {cohort} missing"
        index = ref.period_index(ref._micros(cohort), options["period"])
        for k in range(periods):
            if index + k <= want.last_period:
                assert got_rows[cohort][k + 1] == row[k + 1], f"cohort {cohort} period {k}"
            else:  # not happened yet: 0 or missing
                assert pd.isna(got_rows[cohort][k + 1]) or got_rows[cohort][k + 1] == 0
        assert got_rows[cohort][0] == row[0], f"size of cohort {cohort}"
    assert list(got.curve["period"]) == list(range(periods))
    assert list(got.curve["retained"]) == list(want.curve["retained"])
    assert list(got.curve["of"]) == list(want.curve["of"])
    for column in ("rate", "low", "high"):
        assert all(
            same(g, w) for g, w in zip(got.curve[column], want.curve[column], strict=True)
        ), column
    assert len(got.churn) == len(want.churn)
    assert all(same(g, w) for g, w in zip(got.churn, want.churn, strict=True)), "churn"


def _bigger_log(seed: int) -> pd.DataFrame:
    """400 people, up to 40 events each, millisecond timestamps over a minute: enough people for
    the engine to split them across cores and to cut chunks mid-way."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(400):
        for _ in range(int(rng.integers(0, 41))):
            value = [None, "x", "y", "z", "w"][int(rng.integers(0, 5))]
            ms = int(rng.integers(0, 60_001)) // 100 * 100  # 0.1 s ticks: many ties
            rows.append((f"p{i:03d}", "abcd"[int(rng.integers(0, 4))], ms / 1000, value))
    order = rng.permutation(len(rows))
    return log(*(rows[j] for j in order))


@pytest.mark.parametrize("order", ["ordered", "strict", "unordered"])
def test_bigger_log_equals_reference(order: str) -> None:
    frame = _bigger_log(7)
    prepared = engine.prepare(frame)
    steps = ["a", "b", "a", "c"]
    exclusions = [("d", 0, 3)] if order == "unordered" else [("d", 1, 2)]
    for window in (30.5, timedelta(seconds=5.25), 0):
        options = {"window": window, "order": order, "exclusions": exclusions}
        want = ref.funnel(frame, steps, **options)
        assert_same_funnel(engine.funnel(prepared, steps, **options), want, f"window {window}")
        assert_same_funnel(
            engine.funnel(prepared, steps, **options | {"exclusions": []}),
            ref.funnel(frame, steps, **options | {"exclusions": []}),
            "no exclusions",
        )
    options = {"window": 20, "order": order, "breakdown": "p", "top": 3}
    for attribution, step in (("first_touch", None), ("last_touch", None), ("step", 2)):
        question = options | {"attribution": attribution, "attribution_step": step}
        want = ref.funnel(frame, steps, **question)
        got = engine.funnel(prepared, steps, **question)
        assert set(got.breakdown) == set(want.breakdown)
        for value, result in want.breakdown.items():
            assert_same_funnel(got.breakdown[value], result, f"{attribution} {value!r}")
