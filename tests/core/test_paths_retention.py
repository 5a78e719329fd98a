"""Paths and retention, hand-computed (ANALYTICS.md §3).

Each case runs on the reference (`metrics_reference.py`), on the engine with a plain frame and on
the engine with `prepare(frame)`.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from .metrics_reference import IMPLEMENTATIONS, edges_as_dict, implementation, log, utc

MINUTE = 60
HOUR = 3600
MONDAY = datetime(2024, 3, 4, tzinfo=UTC)


@pytest.fixture(params=IMPLEMENTATIONS)
def m(request: pytest.FixtureRequest):
    return implementation(request.param)


def sessions(actor: str, *paths: str, gap: int = 2 * HOUR) -> list[tuple]:
    """One session per string ("abc": events a, b, c one minute apart), `gap` seconds apart."""
    rows = []
    for i, path in enumerate(paths):
        rows += [(actor, name, i * gap + j * MINUTE) for j, name in enumerate(path)]
    return rows


# --- paths -----------------------------------------------------------------------------------


def test_paths_split_sessions_after_30_minutes_of_inactivity(m) -> None:
    data = log(("u", "a", 0), ("u", "b", 10 * MINUTE), ("u", "c", 41 * MINUTE))
    assert edges_as_dict(m.paths(data).edges) == {
        (1, "a", "b"): (1, 1),
        (2, "b", "ended here"): (1, 1),
        (1, "c", "ended here"): (1, 1),
    }


def test_paths_exactly_30_minutes_is_one_session(m) -> None:
    data = log(("u", "a", 0), ("u", "b", 30 * MINUTE))
    assert edges_as_dict(m.paths(data).edges) == {
        (1, "a", "b"): (1, 1),
        (2, "b", "ended here"): (1, 1),
    }


def test_paths_session_gap_option(m) -> None:
    data = log(("u", "a", 0), ("u", "b", 10 * MINUTE), ("u", "c", 21 * MINUTE))
    edges = edges_as_dict(m.paths(data, session_gap=timedelta(minutes=10)).edges)
    assert edges == {
        (1, "a", "b"): (1, 1),
        (2, "b", "ended here"): (1, 1),
        (1, "c", "ended here"): (1, 1),
    }


def test_paths_collapse_consecutive_repeats(m) -> None:
    data = log(*sessions("u", "aabba"))
    assert edges_as_dict(m.paths(data).edges) == {
        (1, "a", "b"): (1, 1),
        (2, "b", "a"): (1, 1),
        (3, "a", "ended here"): (1, 1),
    }


def test_paths_from_a_start_event(m) -> None:
    data = log(*sessions("u", "abc", "ac", "bab"))
    assert edges_as_dict(m.paths(data, start="b").edges) == {
        (1, "b", "c"): (1, 1),
        (2, "c", "ended here"): (1, 1),
        (1, "b", "a"): (1, 1),
        (2, "a", "b"): (1, 1),
        (3, "b", "ended here"): (1, 1),
    }


def test_paths_to_an_end_event(m) -> None:
    data = log(*sessions("u", "abdce", "abd", "cac"))
    assert edges_as_dict(m.paths(data, end="c", steps=3).edges) == {
        (1, "b", "d"): (1, 1),
        (2, "d", "c"): (1, 1),  # b, d, c: the three steps ending with the first c
        (1, "c", "ended here"): (1, 1),  # "cac" ends at its first c
    }
    assert edges_as_dict(m.paths(data, end="c", steps=5).edges) == {
        (1, "a", "b"): (1, 1),
        (2, "b", "d"): (1, 1),
        (3, "d", "c"): (1, 1),
        (4, "c", "ended here"): (1, 1),
        (1, "c", "ended here"): (1, 1),
    }


def test_paths_keep_the_first_steps_only(m) -> None:
    data = log(*sessions("u", "abcdef"))
    assert edges_as_dict(m.paths(data, steps=3).edges) == {
        (1, "a", "b"): (1, 1),
        (2, "b", "c"): (1, 1),
    }


def test_paths_count_transitions_per_path_and_distinct_users(m) -> None:
    data = log(*sessions("u1", "ab", "ab"), *sessions("u2", "ab"))
    assert edges_as_dict(m.paths(data).edges) == {
        (1, "a", "b"): (3, 2),
        (2, "b", "ended here"): (3, 2),
    }


def test_paths_fold_the_tail_into_other(m) -> None:
    data = log(
        *sessions("u1", "ab"), *sessions("u2", "ab"), *sessions("u3", "ab"),
        *sessions("u4", "ac"), *sessions("u5", "ac"),
        *sessions("u6", "ae", "ae", "ad"),
    )  # fmt: skip
    edges = m.paths(data, steps=2, top=2).edges
    assert edges_as_dict(edges) == {
        (1, "a", "b"): (3, 3),
        (1, "a", "c"): (2, 2),  # ties with a -> e (2 transitions): c < e
        (1, "a", "Other"): (3, 1),  # a -> e and a -> d, both u6's
    }
    assert list(edges.columns) == ["level", "source", "target", "transitions", "users"]


def test_paths_date_range(m) -> None:
    data = log(("u", "a", datetime(2024, 3, 3, 23, 59, tzinfo=UTC)), ("u", "b", MONDAY))
    assert edges_as_dict(m.paths(data, date_from=date(2024, 3, 4)).edges) == {
        (1, "b", "ended here"): (1, 1),
    }


# --- retention -------------------------------------------------------------------------------


def week(n: int, **offset) -> datetime:
    return MONDAY + timedelta(weeks=n, **offset)


def cells(table: pd.DataFrame) -> dict[pd.Timestamp, list[int]]:
    """{cohort: [size, retained in period 0, 1, ...]}; cells of periods that have not happened
    yet may be 0 or missing: both read 0."""
    return {
        utc(cohort): [0 if pd.isna(x) else int(x) for x in row]
        for cohort, row in zip(table.index, table.to_numpy().tolist(), strict=True)
    }


def nullable(values) -> list:
    return [None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in values]


def _weekly():
    return log(
        ("u1", "s", week(0)), ("u1", "s", week(2, days=3)),
        ("u2", "s", week(0, days=6)), ("u2", "s", week(1)),
        ("u3", "s", week(1, days=2)),
    )  # fmt: skip


W0, W1 = pd.Timestamp("2024-03-04", tz="UTC"), pd.Timestamp("2024-03-11", tz="UTC")


def test_retention_on(m) -> None:
    r = m.retention(_weekly(), "s", period="week", mode="on", periods=4)
    assert list(r.table.columns) == ["size", 0, 1, 2, 3]
    assert cells(r.table) == {W0: [2, 2, 1, 1, 0], W1: [1, 1, 0, 0, 0]}
    # the last event is in week 2: cohort W1 cannot have period 2 yet, nobody has period 3
    assert list(r.curve["period"]) == [0, 1, 2, 3]
    assert list(r.curve["retained"]) == [3, 1, 1, 0]
    assert list(r.curve["of"]) == [3, 3, 2, 0]
    assert nullable(r.curve["rate"]) == pytest.approx([1, 1 / 3, 1 / 2, None])
    assert list(r.curve["low"])[1] == pytest.approx(m.wilson(1, 3)[0])
    assert list(r.curve["high"])[2] == pytest.approx(m.wilson(1, 2)[1])
    assert nullable(r.churn) == pytest.approx([2 / 3, -0.5, None])


def test_retention_on_or_after(m) -> None:
    r = m.retention(_weekly(), "s", period="week", mode="on_or_after", periods=4)
    assert cells(r.table) == {W0: [2, 2, 2, 1, 0], W1: [1, 1, 0, 0, 0]}
    assert list(r.curve["retained"]) == [3, 2, 1, 0]
    assert list(r.curve["of"]) == [3, 3, 2, 0]
    assert nullable(r.churn) == pytest.approx([1 / 3, 0.25, None])


def test_retention_week_starts_on_monday(m) -> None:
    data = log(
        ("u1", "s", datetime(2024, 3, 10, 23, 59, 59, tzinfo=UTC)),  # Sunday
        ("u1", "s", datetime(2024, 3, 11, 0, 0, 0, tzinfo=UTC)),  # Monday
        ("u2", "s", datetime(2024, 3, 11, 0, 0, 0, tzinfo=UTC)),
        ("u2", "s", datetime(2024, 3, 17, 23, 59, 59, tzinfo=UTC)),  # Sunday, same week
    )
    r = m.retention(data, "s", period="week", periods=2)
    assert cells(r.table) == {W0: [1, 1, 1], W1: [1, 1, 0]}


def test_retention_months_end_on_the_last_day(m) -> None:
    data = log(
        ("u1", "s", datetime(2024, 1, 31, 23, 0, tzinfo=UTC)),
        ("u1", "s", datetime(2024, 2, 1, 0, 0, tzinfo=UTC)),
        ("u2", "s", datetime(2024, 2, 1, 0, 0, tzinfo=UTC)),
        ("u2", "s", datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)),
        ("u3", "s", datetime(2024, 1, 15, tzinfo=UTC)),
        ("u3", "s", datetime(2024, 3, 1, tzinfo=UTC)),
    )
    jan, feb = pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2024-02-01", tz="UTC")
    on = m.retention(data, "s", period="month", periods=3)
    assert cells(on.table) == {jan: [2, 2, 1, 1], feb: [1, 1, 0, 0]}
    after = m.retention(data, "s", period="month", mode="on_or_after", periods=3)
    assert cells(after.table) == {jan: [2, 2, 2, 1], feb: [1, 1, 0, 0]}
    assert list(after.curve["of"]) == [3, 3, 2]  # last event in March: Feb has period 1 only


def test_retention_days(m) -> None:
    data = log(
        ("u1", "s", datetime(2024, 3, 4, 23, 59, tzinfo=UTC)),
        ("u1", "s", datetime(2024, 3, 5, 0, 1, tzinfo=UTC)),
        ("u2", "s", datetime(2024, 3, 5, 0, 0, tzinfo=UTC)),
        ("u2", "s", datetime(2024, 3, 5, 23, 59, tzinfo=UTC)),
    )
    r = m.retention(data, "s", period="day", periods=3)
    assert cells(r.table) == {
        pd.Timestamp("2024-03-04", tz="UTC"): [1, 1, 1, 0],
        pd.Timestamp("2024-03-05", tz="UTC"): [1, 1, 0, 0],
    }
    assert list(r.curve["of"]) == [2, 1, 0]


def test_retention_with_a_return_event(m) -> None:
    data = log(
        ("u1", "signup", week(0)), ("u1", "use", week(0, days=1)), ("u1", "use", week(1)),
        ("u2", "use", week(0)), ("u2", "signup", week(1)),  # cohort W1, no use after
        ("u3", "signup", week(0)), ("u3", "signup", week(1)),  # signing up again is no return
    )  # fmt: skip
    r = m.retention(data, "signup", return_event="use", periods=2)
    assert cells(r.table) == {W0: [2, 2, 1], W1: [1, 1, 0]}


def test_retention_cohort_is_the_first_start_event_in_the_date_range(m) -> None:
    data = log(("u", "s", week(0)), ("u", "s", week(1)), ("u", "s", week(2)))
    r = m.retention(data, "s", periods=2, date_from=date(2024, 3, 11))
    assert cells(r.table) == {W1: [1, 1, 1]}


def test_retention_churn_is_none_after_a_zero_rate(m) -> None:
    data = log(("u", "s", week(0)), ("v", "s", week(2)))
    r = m.retention(data, "s", periods=3)
    assert list(r.curve["retained"]) == [2, 0, 0]
    assert list(r.curve["of"]) == [2, 1, 1]
    assert nullable(r.churn) == pytest.approx([1.0, None])
