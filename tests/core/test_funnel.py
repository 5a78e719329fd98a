"""Funnels, hand-computed (ANALYTICS.md §2).

Each case runs on the reference (`metrics_reference.py`), on the engine with a plain frame and on
the engine with `prepare(frame)`: the reference is checked by the same hand-computed numbers.
Times are seconds after Monday 2024-03-04 12:00 UTC unless written as "HH:MM".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from .metrics_reference import IMPLEMENTATIONS, implementation, log, utc

DAY = 86_400


@pytest.fixture(params=IMPLEMENTATIONS)
def m(request: pytest.FixtureRequest):
    return implementation(request.param)


def approx(value):
    return pytest.approx(value, rel=1e-9, abs=1e-9)


# --- window -------------------------------------------------------------------------------


def test_window_edge_is_inclusive(m) -> None:
    data = log(("fits", "a", 0), ("fits", "b", 300), ("late", "a", 0), ("late", "b", 301))
    r = m.funnel(data, ["a", "b"], window=timedelta(seconds=300))
    assert r.counts == [2, 1]
    assert r.steps[1].users == {"fits"}
    assert r.steps[1].dropped == {"late"}


def test_window_in_seconds_as_a_number(m) -> None:
    data = log(("fits", "a", 0), ("fits", "b", 300), ("late", "a", 0), ("late", "b", 301))
    assert m.funnel(data, ["a", "b"], window=300).counts == [2, 1]
    assert m.funnel(data, ["a", "b"], window=301.0).counts == [2, 2]
    assert m.funnel(data, ["a", "b"], window=299.5).counts == [2, 0]


def test_window_is_measured_from_step_0_not_from_the_previous_step(m) -> None:
    data = log(
        ("fits", "a", 0), ("fits", "b", 200), ("fits", "c", 300),
        ("late", "a", 0), ("late", "b", 200), ("late", "c", 301),
    )  # fmt: skip
    r = m.funnel(data, ["a", "b", "c"], window=300)
    assert r.counts == [2, 2, 1]
    assert r.steps[2].users == {"fits"}


def test_default_window_is_14_days(m) -> None:
    data = log(
        ("fits", "a", 0), ("fits", "b", 14 * DAY), ("late", "a", 0), ("late", "b", 14 * DAY + 1)
    )
    assert m.funnel(data, ["a", "b"]).counts == [2, 1]


def test_zero_window_takes_same_timestamp_events_only(m) -> None:
    data = log(("same", "a", 0), ("same", "b", 0), ("later", "a", 0), ("later", "b", 1))
    assert m.funnel(data, ["a", "b"], window=0).steps[1].users == {"same"}


# --- same timestamps, repeated names --------------------------------------------------------


def test_same_timestamp_step_matches_in_either_file_order(m) -> None:
    data = log(("ab", "a", 0), ("ab", "b", 0), ("ba", "b", 0), ("ba", "a", 0))
    r = m.funnel(data, ["a", "b"])
    assert r.counts == [2, 2]
    assert r.steps[1].median_time == 0


def test_same_timestamp_event_earlier_in_the_file_fills_a_later_step(m) -> None:
    # c is before b in the file, at the same instant: ts >= t_b is all the ordered funnel asks.
    data = log(("u", "a", 0), ("u", "c", 10), ("u", "b", 10))
    assert m.funnel(data, ["a", "b", "c"]).counts == [1, 1, 1]


def test_repeated_step_name_needs_distinct_events(m) -> None:
    data = log(
        ("one", "a", 0), ("one", "b", 10),
        ("two", "a", 0), ("two", "a", 5), ("two", "b", 10),
        ("late_a", "a", 0), ("late_a", "b", 5), ("late_a", "a", 10),
    )  # fmt: skip
    r = m.funnel(data, ["a", "a", "b"])
    assert r.counts == [3, 2, 1]
    assert r.steps[1].users == {"two", "late_a"}
    assert r.steps[2].users == {"two"}
    assert r.steps[1].average_time == approx(7.5)  # two: 5 s, late_a: 10 s


def test_repeated_step_name_with_two_events_at_one_instant(m) -> None:
    data = log(("u", "a", 7), ("u", "a", 7), ("single", "a", 7))
    r = m.funnel(data, ["a", "a"])
    assert r.counts == [2, 1]
    assert r.steps[1].users == {"u"}
    assert r.steps[1].median_time == 0


# --- several attempts, best attempt ---------------------------------------------------------


def test_reanchoring_on_a_later_start_event(m) -> None:
    data = log(("u", "a", "13:01"), ("u", "a", "13:35"), ("u", "b", "13:41"))
    r = m.funnel(data, ["a", "b"])
    assert r.counts == [1, 1]
    assert r.steps[1].average_time == approx(360)
    assert r.steps[1].median_time == approx(360)
    assert list(r.conversion_times(0, 1)) == [360]


def test_best_attempt_is_the_earliest_to_reach_the_furthest_step_not_the_fastest(m) -> None:
    data = log(("u", "a", 0), ("u", "b", 50), ("u", "a", 60), ("u", "b", 70))
    assert m.funnel(data, ["a", "b"]).steps[1].average_time == approx(50)


def test_best_attempt_reaches_furthest_even_if_it_starts_later(m) -> None:
    data = log(
        ("u", "a", 0), ("u", "b", 10),  # reaches b only: c at 110 is outside its window
        ("u", "a", 100), ("u", "b", 105), ("u", "c", 110),
    )  # fmt: skip
    r = m.funnel(data, ["a", "b", "c"], window=60)
    assert r.counts == [1, 1, 1]
    assert r.steps[1].average_time == approx(5)  # from the counted attempt, not the first
    assert r.steps[2].average_time == approx(5)


def test_trying_again_never_adds_to_a_count(m) -> None:
    data = log(("u", "a", 0), ("u", "a", 10), ("u", "a", 20), ("u", "b", 30), ("u", "b", 40))
    assert m.funnel(data, ["a", "b"]).counts == [1, 1]


def test_single_step_funnel(m) -> None:
    data = log(("u", "a", 0), ("u", "a", 5), ("v", "b", 0), ("w", "a", 3))
    r = m.funnel(data, ["a"])
    assert r.counts == [2]
    assert r.steps[0].users == {"u", "w"}
    assert r.steps[0].average_time is None
    assert r.steps[0].median_time is None


def test_rows_in_any_order(m) -> None:
    rows = [("u", "a", 0), ("v", "a", 3), ("u", "b", 10), ("v", "c", 4), ("v", "b", 20)]
    forward = m.funnel(log(*rows), ["a", "b"]).steps[1]
    backward = m.funnel(log(*reversed(rows)), ["a", "b"]).steps[1]
    assert forward.users == backward.users == {"u", "v"}
    assert forward.average_time == backward.average_time == approx(13.5)


# --- strict ----------------------------------------------------------------------------------


def test_strict_is_interrupted_by_another_event(m) -> None:
    data = log(
        ("direct", "a", 0), ("direct", "b", 10),
        ("interrupted", "a", 0), ("interrupted", "c", 5), ("interrupted", "b", 10),
        ("retried", "a", 0), ("retried", "c", 5), ("retried", "a", 20), ("retried", "b", 30),
    )  # fmt: skip
    strict = m.funnel(data, ["a", "b"], order="strict")
    assert strict.counts == [3, 2]
    assert strict.steps[1].users == {"direct", "retried"}
    assert strict.steps[1].average_time == approx(10)
    assert m.funnel(data, ["a", "b"]).counts == [3, 3]


def test_strict_with_same_timestamps_follows_file_order(m) -> None:
    data = log(("ab", "a", 0), ("ab", "b", 0), ("ba", "b", 0), ("ba", "a", 0))
    assert m.funnel(data, ["a", "b"], order="strict").steps[1].users == {"ab"}


def test_strict_same_timestamp_event_earlier_in_the_file_interrupts(m) -> None:
    data = log(("u", "a", 0), ("u", "c", 10), ("u", "b", 10))  # sorted: a, c, b
    assert m.funnel(data, ["a", "b", "c"], order="strict").counts == [1, 0, 0]


def test_strict_keeps_the_window(m) -> None:
    data = log(("fits", "a", 0), ("fits", "b", 300), ("late", "a", 0), ("late", "b", 301))
    assert m.funnel(data, ["a", "b"], order="strict", window=300).steps[1].users == {"fits"}


def test_strict_repeated_name_needs_consecutive_events(m) -> None:
    data = log(("aa", "a", 0), ("aa", "a", 1), ("aca", "a", 0), ("aca", "c", 1), ("aca", "a", 2))
    assert m.funnel(data, ["a", "a"], order="strict").steps[1].users == {"aa"}


# --- unordered -------------------------------------------------------------------------------


def test_unordered_counts_distinct_steps_in_any_order(m) -> None:
    data = log(
        ("cab", "c", 0), ("cab", "a", 10), ("cab", "b", 30),
        ("bc", "b", 0), ("bc", "c", 5),
        ("abc", "a", 0), ("abc", "b", 1), ("abc", "c", 2),
        ("slow", "a", 0), ("slow", "b", 400),
    )  # fmt: skip
    r = m.funnel(data, ["a", "b", "c"], order="unordered", window=300)
    assert r.counts == [4, 3, 2]
    assert r.steps[1].users == {"cab", "bc", "abc"}
    assert r.steps[2].users == {"cab", "abc"}
    # step k's time is the (k+1)-th smallest time of the attempt: cab 10 and 20, bc 5, abc 1 and 1
    assert r.steps[1].average_time == approx(16 / 3)
    assert r.steps[1].median_time == approx(5)
    assert r.steps[2].average_time == approx(10.5)
    assert r.steps[2].median_time == approx(10.5)


def test_unordered_repeated_name_has_that_many_slots(m) -> None:
    data = log(
        ("ab", "a", 0), ("ab", "b", 5),
        ("baa", "b", 0), ("baa", "a", 5), ("baa", "a", 9),
        ("aa", "a", 0), ("aa", "a", 3),
        ("bb", "b", 0), ("bb", "b", 3),
    )  # fmt: skip
    r = m.funnel(data, ["a", "a", "b"], order="unordered")
    assert r.counts == [4, 3, 1]
    assert r.steps[2].users == {"baa"}


def test_unordered_window_from_the_attempts_first_event(m) -> None:
    data = log(("u", "b", 0), ("u", "a", 50), ("u", "c", 120))
    # c is 70 s after a but 120 s after b, the first funnel event of the attempt that holds a
    assert m.funnel(data, ["a", "b", "c"], order="unordered", window=100).counts == [1, 1, 0]
    r = m.funnel(data, ["a", "b", "c"], order="unordered", window=120)
    assert r.counts == [1, 1, 1]
    assert r.steps[1].average_time == approx(50)
    assert r.steps[2].average_time == approx(70)
    assert list(r.conversion_times(0, 2)) == [120]


# --- exclusions ------------------------------------------------------------------------------


def test_exclusion_between_from_and_to_step(m) -> None:
    data = log(
        ("between", "a", 0), ("between", "b", 10), ("between", "x", 15), ("between", "c", 20),
        ("before_from", "a", 0), ("before_from", "x", 5), ("before_from", "b", 10), ("before_from", "c", 20),
        ("after_to", "a", 0), ("after_to", "b", 10), ("after_to", "c", 20), ("after_to", "x", 25),
    )  # fmt: skip
    r = m.funnel(data, ["a", "b", "c"], exclusions=[("x", 1, 2)])
    assert r.counts == [2, 2, 2]
    assert r.steps[0].users == {"before_from", "after_to"}
    assert m.funnel(data, ["a", "b", "c"]).counts == [3, 3, 3]


def test_exclusion_after_from_when_never_reaching_to_up_to_the_window_end(m) -> None:
    data = log(
        ("x_at_window_end", "a", 0), ("x_at_window_end", "x", 100),
        ("x_after_window", "a", 0), ("x_after_window", "x", 101),
        ("x_after_to", "a", 0), ("x_after_to", "b", 50), ("x_after_to", "x", 70),
    )  # fmt: skip
    r = m.funnel(data, ["a", "b"], window=100, exclusions=[("x", 0, 1)])
    assert r.counts == [2, 1]
    assert r.steps[0].users == {"x_after_window", "x_after_to"}
    assert r.steps[1].users == {"x_after_to"}


def test_exclusion_at_the_same_instant_as_a_step_is_ignored(m) -> None:
    data = log(
        ("with_start", "x", 0), ("with_start", "a", 0), ("with_start", "b", 10),
        ("with_start_after", "a", 0), ("with_start_after", "x", 0), ("with_start_after", "b", 10),
        ("with_end", "a", 0), ("with_end", "x", 10), ("with_end", "b", 10),
        ("with_end_before", "a", 0), ("with_end_before", "b", 10), ("with_end_before", "x", 10),
        ("never_to", "a", 0), ("never_to", "x", 0),
    )  # fmt: skip
    r = m.funnel(data, ["a", "b"], exclusions=[("x", 0, 1)])
    assert r.counts == [5, 4]
    assert r.steps[1].dropped == {"never_to"}


def test_exclusion_removes_the_user_with_no_fallback_to_a_shorter_clean_attempt(m) -> None:
    data = log(
        # The only attempt reaching c is invalid; the clean attempt from a@30 reaches b only.
        ("removed", "a", 0), ("removed", "b", 10), ("removed", "x", 15), ("removed", "c", 20),
        ("removed", "a", 30), ("removed", "b", 40),
        # A clean attempt reaching c exists: it is counted although it reaches c later.
        ("kept", "a", 0), ("kept", "b", 10), ("kept", "x", 15), ("kept", "c", 20),
        ("kept", "a", 30), ("kept", "b", 35), ("kept", "c", 50),
    )  # fmt: skip
    r = m.funnel(data, ["a", "b", "c"], exclusions=[("x", 1, 2)])
    assert r.counts == [1, 1, 1]
    assert r.steps[0].users == {"kept"}
    assert r.steps[1].average_time == approx(5)
    assert r.steps[2].average_time == approx(15)


def test_exclusion_applies_to_strict_funnels(m) -> None:
    # Strict: x would interrupt, so the exclusion is between steps with no event between...
    # except at the same instant: x after b in the file, at b's instant, is not between.
    data = log(
        ("clean", "a", 0), ("clean", "b", 10), ("clean", "x", 10),
        ("open", "a", 0), ("open", "c", 10), ("open", "x", 20),
    )  # fmt: skip
    r = m.funnel(data, ["a", "b"], order="strict", window=60, exclusions=[("x", 0, 1)])
    assert r.counts == [1, 1]
    assert r.steps[0].users == {"clean"}


def test_unordered_exclusion_discards_only_attempts_in_progress(m) -> None:
    data = log(
        # a@0 is in progress at x@5 (completes at 10): dropped; the attempt from b@10 stays
        ("discarded", "a", 0), ("discarded", "x", 5), ("discarded", "b", 10),
        ("done_before", "a", 0), ("done_before", "b", 5), ("done_before", "x", 10),
        ("restarted", "a", 0), ("restarted", "x", 5), ("restarted", "a", 6), ("restarted", "b", 10),
        ("same_instant", "a", 0), ("same_instant", "x", 10), ("same_instant", "b", 10),
        ("only_attempt", "a", 0), ("only_attempt", "x", 5),
    )  # fmt: skip
    r = m.funnel(data, ["a", "b"], order="unordered", window=100, exclusions=[("x", 0, 1)])
    assert r.counts == [4, 3]
    assert r.steps[0].users == {"discarded", "done_before", "restarted", "same_instant"}
    assert r.steps[1].users == {"done_before", "restarted", "same_instant"}
    assert sorted(r.conversion_times(0, 1)) == [4, 5, 10]


def test_unordered_exclusion_outside_the_window_is_ignored(m) -> None:
    data = log(("u", "a", 0), ("u", "x", 101))
    r = m.funnel(data, ["a", "b"], order="unordered", window=100, exclusions=[("x", 0, 1)])
    assert r.counts == [1, 0]


def test_unordered_takes_whole_funnel_exclusions_only(m) -> None:
    data = log(("u", "a", 0), ("u", "b", 1), ("u", "c", 2))
    with pytest.raises(ValueError):
        m.funnel(data, ["a", "b", "c"], order="unordered", exclusions=[("x", 0, 1)])
    with pytest.raises(ValueError):
        m.funnel(data, ["a", "b", "c"], order="unordered", exclusions=[("x", 1, 2)])
    assert m.funnel(data, ["a", "b", "c"], order="unordered", exclusions=[("x", 0, 2)]).counts == [
        1,
        1,
        1,
    ]


# --- date range ------------------------------------------------------------------------------


def _dated():
    return log(
        ("early", "a", datetime(2024, 3, 3, 23, 59, 59, tzinfo=UTC)),
        ("early", "b", datetime(2024, 3, 4, 12, tzinfo=UTC)),
        ("eod", "a", datetime(2024, 3, 4, 12, tzinfo=UTC)),
        ("eod", "b", datetime(2024, 3, 5, 23, 59, 59, tzinfo=UTC)),
        ("late", "a", datetime(2024, 3, 4, 12, tzinfo=UTC)),
        ("late", "b", datetime(2024, 3, 6, 0, 0, tzinfo=UTC)),
    )


def test_date_range_is_applied_before_the_funnel(m) -> None:
    r = m.funnel(_dated(), ["a", "b"], date_from=date(2024, 3, 4), date_to=date(2024, 3, 5))
    assert r.counts == [2, 1]
    assert r.steps[0].users == {"eod", "late"}  # early's a is outside: it never entered
    assert r.steps[1].users == {"eod"}  # late's b (next day, 00:00) is not seen
    assert m.funnel(_dated(), ["a", "b"]).counts == [3, 3]


def test_date_range_as_datetimes_naive_is_utc(m) -> None:
    data = _dated()
    aware = m.funnel(data, ["a", "b"], date_to=datetime(2024, 3, 5, 23, 59, 59, tzinfo=UTC))
    assert aware.steps[1].users == {"early", "eod"}
    naive = m.funnel(data, ["a", "b"], date_to=datetime(2024, 3, 5, 23, 59, 58))
    assert naive.steps[1].users == {"early"}
    stamp = m.funnel(data, ["a", "b"], date_from=pd.Timestamp("2024-03-04 00:00", tz="UTC"))
    assert stamp.counts == [2, 2]


# --- breakdown -------------------------------------------------------------------------------


def _touched():
    return log(
        ("u1", "a", 0), ("u1", "a", 10, "x"), ("u1", "b", 20, "y"), ("u1", "c", 30, "z"),
        ("u2", "a", 0, "y"), ("u2", "b", 10),
        ("u3", "a", 0),
        ("u4", "c", 0, "z"), ("u4", "a", 5),
        ("u5", "b", 0, "w"), ("u5", "a", 10, "x"), ("u5", "b", 20),
    )  # fmt: skip


def _by_value(r) -> dict[str, list[int]]:
    return {value: result.counts for value, result in r.breakdown.items()}


def test_breakdown_first_touch(m) -> None:
    r = m.funnel(_touched(), ["a", "b"], breakdown="p")
    assert r.counts == [5, 3]
    assert _by_value(r) == {"x": [1, 1], "y": [1, 1], "": [2, 0], "w": [1, 1]}
    assert r.breakdown["x"].steps[0].users == {"u1"}
    assert r.breakdown[""].steps[0].users == {"u3", "u4"}  # c is not a funnel step
    assert r.breakdown["w"].steps[0].users == {"u5"}  # a b before any a is a funnel-step event


def test_breakdown_last_touch(m) -> None:
    r = m.funnel(_touched(), ["a", "b"], breakdown="p", attribution="last_touch")
    assert _by_value(r) == {"y": [2, 2], "": [2, 0], "x": [1, 1]}
    assert r.breakdown["y"].steps[1].users == {"u1", "u2"}


def test_breakdown_step_attribution_puts_a_user_under_two_values(m) -> None:
    data = log(
        ("two", "a", 0), ("two", "b", 10, "x"), ("two", "a", 100), ("two", "b", 120, "y"),
        ("none", "a", 0),
        ("once", "a", 0), ("once", "b", 5, "x"),
    )  # fmt: skip
    r = m.funnel(data, ["a", "b"], window=50, breakdown="p", attribution="step", attribution_step=1)
    assert r.counts == [3, 2]
    assert _by_value(r) == {"x": [2, 2], "y": [1, 1], "": [1, 0]}
    assert r.breakdown["x"].steps[1].users == {"two", "once"}
    assert r.breakdown["x"].steps[1].average_time == approx(7.5)
    assert r.breakdown["y"].steps[1].average_time == approx(20)


def test_breakdown_folds_the_tail_into_other(m) -> None:
    data = log(
        ("x1", "a", 0, "x"), ("x1", "b", 1),
        ("x2", "a", 0, "x"), ("x2", "b", 1),
        ("y1", "a", 0, "y"), ("y1", "b", 1),
        ("y2", "a", 0, "y"),
        ("z1", "a", 0, "z"), ("z1", "b", 1),
        ("w1", "a", 0, "w"),
    )  # fmt: skip
    r = m.funnel(data, ["a", "b"], breakdown="p", top=2)
    assert _by_value(r) == {"x": [2, 2], "y": [2, 1], "Other": [2, 1]}
    assert r.breakdown["Other"].steps[0].users == {"z1", "w1"}
    # x and y tie on step-0 count: the lower value is kept
    r = m.funnel(data, ["a", "b"], breakdown="p", top=1)
    assert _by_value(r) == {"x": [2, 2], "Other": [4, 2]}
    r = m.funnel(data, ["a", "b"], breakdown="p", top=4)
    assert "Other" not in r.breakdown
    assert len(r.breakdown) == 4


def test_no_breakdown_gives_none(m) -> None:
    assert m.funnel(log(("u", "a", 0)), ["a"]).breakdown is None


# --- times, drop-off, rates ------------------------------------------------------------------


def test_average_and_median_times_odd_and_even_counts(m) -> None:
    rows = [("u1", "a", 0), ("u1", "b", 10), ("u2", "a", 0), ("u2", "b", 20)]
    rows += [("u3", "a", 0), ("u3", "b", 60)]
    odd = m.funnel(log(*rows), ["a", "b"]).steps[1]
    assert odd.average_time == approx(30)
    assert odd.median_time == approx(20)
    even = m.funnel(log(*rows, ("u4", "a", 0), ("u4", "b", 100)), ["a", "b"]).steps[1]
    assert even.average_time == approx(47.5)
    assert even.median_time == approx(40)  # mean of 20 and 60


def test_sub_second_times_are_exact(m) -> None:
    # timestamps are microseconds: a 1.9 s gap is 1.9 s, not the difference of two epoch floats
    data = log(("u", "a", 0), ("u", "b", 1.9), ("v", "a", 0.000001), ("v", "b", 0.250002))
    r = m.funnel(data, ["a", "b"])
    assert sorted(r.conversion_times(0, 1)) == [approx(0.250001), approx(1.9)]
    assert r.steps[1].median_time == approx(1.0750005)
    assert r.steps[1].average_time == approx(1.0750005)


def test_drop_off_sets(m) -> None:
    data = log(
        ("u1", "a", 0), ("u1", "b", 1), ("u1", "c", 2),
        ("u2", "a", 0), ("u2", "b", 1),
        ("u3", "a", 0),
        ("u4", "b", 0), ("u4", "c", 1),
    )  # fmt: skip
    r = m.funnel(data, ["a", "b", "c"])
    assert r.counts == [3, 2, 1]
    assert [s.users for s in r.steps] == [{"u1", "u2", "u3"}, {"u1", "u2"}, {"u1"}]
    assert [s.dropped for s in r.steps] == [set(), {"u3"}, {"u2"}]


def test_rates_and_their_wilson_intervals(m) -> None:
    rows = [(f"u{i}", "a", 0) for i in range(10)]
    rows += [(f"u{i}", "b", 1) for i in range(8)]
    rows += [(f"u{i}", "c", 2) for i in range(4)]
    r = m.funnel(log(*rows), ["a", "b", "c"])
    assert r.counts == [10, 8, 4]
    assert r.steps[0].from_start == 1
    assert r.steps[1].from_start == approx(0.8)
    assert r.steps[2].from_start == approx(0.4)
    assert r.steps[1].from_previous == approx(0.8)
    assert r.steps[2].from_previous == approx(0.5)
    low, high = r.steps[1].from_start_interval
    assert (round(low, 3), round(high, 3)) == (0.490, 0.943)
    assert r.steps[2].from_previous_interval == pytest.approx(m.wilson(4, 8), abs=1e-12)
    assert r.steps[2].from_start_interval == pytest.approx(m.wilson(4, 10), abs=1e-12)


def test_rates_are_none_when_nobody_entered(m) -> None:
    r = m.funnel(log(("u", "c", 0)), ["a", "b"])
    assert r.counts == [0, 0]
    assert r.steps[1].from_start is None
    assert r.steps[1].from_previous is None
    assert r.steps[1].from_start_interval is None
    assert r.steps[1].average_time is None


def test_wilson_known_values(m) -> None:
    assert [round(x, 3) for x in m.wilson(8, 10)] == [0.490, 0.943]
    assert m.wilson(0, 10)[0] == pytest.approx(0, abs=1e-12)
    assert m.wilson(0, 10)[1] == pytest.approx(0.277533, abs=1e-6)
    assert m.wilson(10, 10)[0] == pytest.approx(0.722467, abs=1e-6)
    assert m.wilson(10, 10)[1] == pytest.approx(1, abs=1e-12)
    assert m.wilson(1, 2) == pytest.approx((0.094531, 0.905469), abs=1e-6)
    assert m.wilson(0, 0) is None


def test_conversion_times_between_two_steps(m) -> None:
    data = log(
        ("u1", "a", 0), ("u1", "b", 10), ("u1", "c", 40),
        ("u2", "a", 0), ("u2", "b", 20), ("u2", "c", 30),
        ("u3", "a", 0), ("u3", "b", 5),
    )  # fmt: skip
    r = m.funnel(data, ["a", "b", "c"])
    assert sorted(r.conversion_times(0, 2)) == [30, 40]
    assert sorted(r.conversion_times(1, 2)) == [10, 30]
    assert sorted(r.conversion_times(0, 1)) == [5, 10, 20]


# --- conversion over time --------------------------------------------------------------------


def test_conversion_over_time_per_week(m) -> None:
    day = datetime(2024, 3, 4, tzinfo=UTC)  # Monday
    data = log(
        ("u1", "a", day + timedelta(hours=9)), ("u1", "b", day + timedelta(hours=10)),
        ("u1", "a", day + timedelta(days=8)),
        ("u2", "a", day + timedelta(days=6, hours=23)),  # Sunday: the week of March 4
        ("u2", "b", day + timedelta(days=7, hours=1)),  # converts on Monday, within the day
        ("u3", "a", day + timedelta(days=7, hours=3)), ("u3", "b", day + timedelta(days=7, hours=4)),
        ("u4", "a", day + timedelta(days=1)), ("u4", "a", day + timedelta(days=2)),
        ("u4", "b", day + timedelta(days=2, hours=1)),
        ("u5", "a", day + timedelta(days=3)),
    )  # fmt: skip
    frame = m.conversion_over_time(data, ["a", "b"], period="week", window=timedelta(days=1))
    frame = frame[frame["entered"] > 0]
    assert [utc(p) for p in frame["period"]] == [
        pd.Timestamp("2024-03-04", tz="UTC"),
        pd.Timestamp("2024-03-11", tz="UTC"),
    ]
    assert list(frame["entered"]) == [4, 2]
    assert list(frame["converted"]) == [3, 1]
    assert list(frame["rate"]) == [0.75, 0.5]
    assert list(frame["low"]) == pytest.approx([m.wilson(3, 4)[0], m.wilson(1, 2)[0]])
    assert list(frame["high"]) == pytest.approx([m.wilson(3, 4)[1], m.wilson(1, 2)[1]])


def test_conversion_over_time_per_day_and_month(m) -> None:
    data = log(
        ("u1", "a", datetime(2024, 1, 31, 23, tzinfo=UTC)), ("u1", "b", datetime(2024, 2, 1, 1, tzinfo=UTC)),
        ("u2", "a", datetime(2024, 2, 1, 0, tzinfo=UTC)),
    )  # fmt: skip
    days = m.conversion_over_time(data, ["a", "b"], period="day")
    days = days[days["entered"] > 0]
    assert [utc(p) for p in days["period"]] == [
        pd.Timestamp("2024-01-31", tz="UTC"),
        pd.Timestamp("2024-02-01", tz="UTC"),
    ]
    assert list(days["converted"]) == [1, 0]
    months = m.conversion_over_time(data, ["a", "b"], period="month")
    months = months[months["entered"] > 0]
    assert [utc(p) for p in months["period"]] == [
        pd.Timestamp("2024-01-01", tz="UTC"),
        pd.Timestamp("2024-02-01", tz="UTC"),
    ]
    assert list(months["entered"]) == [1, 1]


# --- engine only -----------------------------------------------------------------------------


def test_to_frame_has_one_row_per_step() -> None:
    engine = implementation("engine")
    r = engine.funnel(log(("u", "a", 0), ("u", "b", 1), ("v", "a", 0)), ["a", "b", "a"])
    frame = r.to_frame()
    assert len(frame) == 3
