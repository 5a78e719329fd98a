"""A journey map's stages measured on events: the map meets the data (ANALYTICS.md §2-3).

Hand-computed cases on small logs for `stage_numbers`, `stage_flow`, `suggest_bindings`,
`survey_by_stage` and `blind_spots`, and a property test tying stage numbers to `funnel`.
Times are seconds after Monday 2024-03-04 12:00 UTC. A log row is
`(actor, event, seconds[, channel[, device[, page]]])`; a missing property is None.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeymap import LaneKind, open_store
from journeymap.analytics import funnel, prepare
from journeymap.analytics.blindspots import blind_spots
from journeymap.analytics.segments import Condition, Match
from journeymap.analytics.stages import (
    DEFAULT_WINDOW,
    LEFT,
    Rate,
    from_bindings,
    stage_flow,
    stage_numbers,
    suggest_bindings,
)
from journeymap.analytics.tables import SurveyScore, load_survey, stage_key, survey_by_stage
from journeymap.templates import TEMPLATES

from .metrics_reference import wilson as ref_wilson

BASE = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)  # a Monday, noon UTC
MINUTE, HOUR, DAY = 60, 3600, 86_400
PROPS = ("channel", "device", "page")


def table(rows, *, categorical: bool = False) -> pd.DataFrame:
    """An events frame from `(actor, event, seconds[, channel[, device[, page]]])` rows."""
    columns = {name: [] for name in ("actor_id", "event", "ts", *PROPS)}
    for actor, event, when, *props in rows:
        columns["actor_id"].append(actor)
        columns["event"].append(event)
        columns["ts"].append(BASE + timedelta(seconds=when))
        for name, value in zip(PROPS, [*props, None, None, None], strict=False):
            columns[name].append(value)
    frame = pd.DataFrame(columns)
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    if categorical:  # as a loader leaves them
        for name in ("actor_id", "event", *PROPS):
            frame[name] = frame[name].astype("category")
    return frame


@pytest.fixture(params=["frame", "categorical", "prepared"])
def events(request: pytest.FixtureRequest):
    """`events(*rows)`: the log as a plain frame, with categoricals, or prepared."""

    def make(*rows):
        frame = table(rows, categorical=request.param != "frame")
        return prepare(frame) if request.param == "prepared" else frame

    return make


def on(*names: str) -> list[tuple[str, str, Match]]:
    """Stages keyed and named by their one event's name."""
    return [(name.upper(), name.upper(), Match((name,))) for name in names]


def where(column: str, op: str, *values: str) -> Condition:
    return Condition(column, op, values)


# -- reach, conversion, drop-off, time to next ------------------------------------------------

BASIC = (
    ("u1", "a", 0), ("u1", "b", 60), ("u1", "c", 360),
    ("u2", "a", 0), ("u2", "b", 120),
    ("u3", "a", 0), ("u3", "b", 600), ("u3", "c", 660),
    ("u4", "a", 0),
    ("u5", "b", 0),  # never started the journey
)  # fmt: skip
BASIC_STAGES = [*on("a", "b"), ("X", "Unbound stage", None), *on("c")]


def test_reached_and_conversion_per_bound_stage(events):
    numbers = stage_numbers(events(*BASIC), BASIC_STAGES)
    a, b, c = numbers.bound
    assert [s.key for s in numbers.bound] == ["A", "B", "C"]
    assert [s.step for s in numbers.bound] == [0, 1, 2]
    assert [s.reached for s in numbers.bound] == [4, 3, 2]
    assert [s.from_start for s in numbers.bound] == [Rate(4, 4), Rate(3, 4), Rate(2, 4)]
    assert a.from_previous is None
    assert b.from_previous == Rate(3, 4)
    assert c.from_previous == Rate(2, 3)


def test_dropoff_is_people_lost_since_the_previous_bound_stage(events):
    numbers = stage_numbers(events(*BASIC), BASIC_STAGES)
    assert [s.dropoff for s in numbers.bound] == [0, 1, 1]


def test_median_time_to_the_next_bound_stage(events):
    numbers = stage_numbers(events(*BASIC), BASIC_STAGES)
    a, b, c = numbers.bound
    assert a.median_to_next == pytest.approx(120.0)  # 60, 120, 600
    assert b.median_to_next == pytest.approx(180.0)  # 300 and 60: the mean of the middle two
    assert c.median_to_next is None  # the last bound stage


def test_unbound_stages_are_skipped(events):
    numbers = stage_numbers(events(*BASIC), BASIC_STAGES)
    assert set(numbers.stages) == {"A", "B", "C"}
    assert "X" not in numbers.stages
    assert numbers.funnel.counts == [4, 3, 2]  # the unbound stage is no funnel step


def test_people_counts_everyone_with_an_event_in_the_segment_and_range(events):
    assert stage_numbers(events(*BASIC), BASIC_STAGES).people == 5


def test_rate_value_and_wilson_interval():
    assert Rate(3, 4).value == 0.75
    assert Rate(3, 4).interval == pytest.approx(ref_wilson(3, 4))
    assert Rate(0, 0).value is None
    assert Rate(0, 0).interval is None


def test_a_map_with_no_bound_stage_has_no_numbers(events):
    stages = [("A", "Awareness", None), ("B", "Purchase", None)]
    touchpoints = [("T", "A", Match(("a",)))]
    numbers = stage_numbers(events(*BASIC), stages, touchpoints=touchpoints)
    assert numbers.stages == {}
    assert numbers.touchpoints == {}
    assert numbers.bound == []
    assert numbers.funnel is None
    assert numbers.people == 5


def test_a_stage_bound_to_several_events_counts_any_of_them(events):
    data = events(
        ("u1", "a", 0), ("u1", "b1", 10),
        ("u2", "a", 0), ("u2", "b2", 10),
        ("u3", "a", 0), ("u3", "x", 10),
        ("u4", "b1", 0),
    )  # fmt: skip
    stages = [("A", "A", Match(("a",))), ("B", "Sign-up", Match(("b1", "b2")))]
    numbers = stage_numbers(data, stages)
    assert [s.reached for s in numbers.bound] == [3, 2]
    assert numbers.funnel.steps[1].users == {"u1", "u2"}
    assert numbers.stages["B"].name == "Sign-up"


# -- conditions ------------------------------------------------------------------------------

CONDITION_LOG = (
    ("u1", "view", 0, None, "mobile"), ("u1", "purchase", 10, None, "mobile"),
    ("u2", "view", 0, None, "mobile"), ("u2", "purchase", 10, None, "desktop"),
    ("u3", "view", 0, None, "mobile"), ("u3", "purchase", 10),
    ("u4", "view", 0, None, "desktop"), ("u4", "purchase", 10, None, "mobile"),
)  # fmt: skip


def purchase_where(condition: Condition) -> list:
    return [("V", "View", Match(("view",))), ("P", "Purchase", Match(("purchase",), (condition,)))]


def test_event_and_condition_must_hold_on_the_same_event(events):
    stages = purchase_where(where("device", "is", "mobile"))
    numbers = stage_numbers(events(*CONDITION_LOG), stages)
    assert numbers.stages["P"].reached == 2
    # u2 viewed on mobile but bought on desktop: the condition is on the purchase itself
    assert numbers.funnel.steps[1].users == {"u1", "u4"}


def test_is_with_several_values_is_any_of_them(events):
    stages = purchase_where(where("device", "is", "tablet", "desktop"))
    assert stage_numbers(events(*CONDITION_LOG), stages).funnel.steps[1].users == {"u2"}


def test_is_not_excludes_the_value(events):
    stages = purchase_where(where("device", "is not", "mobile"))
    users = stage_numbers(events(*CONDITION_LOG), stages).funnel.steps[1].users
    assert "u1" not in users and "u4" not in users
    assert "u2" in users


def test_is_not_counts_an_event_without_the_property(events):
    # A missing value is "" (ANALYTICS.md breakdowns), which is not "mobile" (as PostHog's is_not).
    stages = purchase_where(where("device", "is not", "mobile"))
    assert stage_numbers(events(*CONDITION_LOG), stages).funnel.steps[1].users == {"u2", "u3"}


def test_contains_ignores_case(events):
    data = events(
        ("u1", "first_visit", 0), ("u1", "page_view", 10, None, None, "/pricing"),
        ("u2", "first_visit", 0), ("u2", "page_view", 10, None, None, "/Pricing/Team"),
        ("u3", "first_visit", 0), ("u3", "page_view", 10, None, None, "/blog/PRICES"),
        ("u4", "first_visit", 0), ("u4", "page_view", 10),
    )  # fmt: skip
    stages = [
        ("V", "Visit", Match(("first_visit",))),
        ("P", "Pricing", Match(("page_view",), (where("page", "contains", "PRICING"),))),
    ]
    assert stage_numbers(data, stages).funnel.steps[1].users == {"u1", "u2"}
    stages[1] = ("P", "Pricing", Match(("page_view",), (where("page", "contains", "pric"),)))
    assert stage_numbers(data, stages).funnel.steps[1].users == {"u1", "u2", "u3"}


@pytest.mark.parametrize("op", ["is", "is not", "contains"])
def test_a_condition_on_a_missing_column_matches_nothing(events, op):
    stages = purchase_where(where("plan", op, "pro"))
    numbers = stage_numbers(events(*CONDITION_LOG), stages)
    assert [s.reached for s in numbers.bound] == [4, 0]


def test_a_condition_with_no_event_names_matches_any_event(events):
    stages = [("M", "On mobile", Match((), (where("device", "is", "mobile"),)))]
    assert stage_numbers(events(*CONDITION_LOG), stages).stages["M"].reached == 4


def test_conditions_all_hold_on_one_event(events):
    data = events(
        ("u1", "buy", 0, "Email", "mobile"),
        ("u2", "buy", 0, "Email", "desktop"), ("u2", "buy", 10, "Paid", "mobile"),
    )  # fmt: skip
    both = Match(("buy",), (where("channel", "is", "Email"), where("device", "is", "mobile")))
    assert stage_numbers(data, [("B", "Buy", both)]).funnel.steps[0].users == {"u1"}


# -- window ----------------------------------------------------------------------------------


def test_default_window_is_30_days_edge_inclusive(events):
    data = events(
        ("fits", "a", 0), ("fits", "b", 30 * DAY),
        ("late", "a", 0), ("late", "b", 30 * DAY + 1),
    )  # fmt: skip
    numbers = stage_numbers(data, on("a", "b"))
    assert numbers.window == DEFAULT_WINDOW == timedelta(days=30)
    assert numbers.funnel.steps[1].users == {"fits"}


def test_custom_window_edge_inclusive(events):
    data = events(
        ("fits", "a", 0), ("fits", "b", 7 * DAY),
        ("late", "a", 0), ("late", "b", 7 * DAY + 1),
    )  # fmt: skip
    numbers = stage_numbers(data, on("a", "b"), window=timedelta(days=7))
    assert numbers.window == timedelta(days=7)
    assert numbers.funnel.steps[1].users == {"fits"}


def test_window_runs_from_the_first_bound_stage(events):
    data = events(("u", "a", 0), ("u", "b", 29 * DAY), ("u", "c", 31 * DAY))
    assert [s.reached for s in stage_numbers(data, on("a", "b", "c")).bound] == [1, 1, 0]


# -- segment and date range ------------------------------------------------------------------

SEGMENT_LOG = (
    ("u1", "a", 0, "Email", "mobile"), ("u1", "b", 10, "Paid", "desktop"),
    ("u2", "a", 0, "Email", "desktop"), ("u2", "x", 5, "Paid", "mobile"), ("u2", "b", 10),
    ("u3", "x", 0, "Email", "mobile"), ("u3", "a", 10),
    ("u4", "a", 0, "Paid", "mobile"), ("u4", "b", 10),
)  # fmt: skip
EMAIL_ON_MOBILE = Match(where=(where("channel", "is", "Email"), where("device", "is", "mobile")))


def test_segment_keeps_people_with_an_event_meeting_all_its_conditions(events):
    numbers = stage_numbers(events(*SEGMENT_LOG), on("a", "b"), segment=EMAIL_ON_MOBILE)
    assert numbers.people == 2  # u1 and u3; u2 had both values, never on one event
    assert numbers.funnel.steps[0].users == {"u1", "u3"}
    assert [s.reached for s in numbers.bound] == [2, 1]


def test_segment_keeps_all_of_its_peoples_events(events):
    # u3's segment event is not a stage event; their later "a" still counts
    numbers = stage_numbers(events(*SEGMENT_LOG), on("a"), segment=EMAIL_ON_MOBILE)
    assert "u3" in numbers.funnel.steps[0].users


def test_segment_by_event_name(events):
    numbers = stage_numbers(events(*SEGMENT_LOG), on("a", "b"), segment=Match(("x",)))
    assert numbers.people == 2
    assert numbers.funnel.steps[0].users == {"u2", "u3"}


def test_no_segment_or_an_empty_one_keeps_everyone(events):
    data = events(*SEGMENT_LOG)
    for segment in (None, Match()):
        numbers = stage_numbers(data, on("a", "b"), segment=segment)
        assert numbers.people == 4
        assert [s.reached for s in numbers.bound] == [4, 3]


def test_a_segment_on_a_missing_column_has_nobody(events):
    numbers = stage_numbers(
        events(*SEGMENT_LOG), on("a", "b"), segment=Match(where=(where("plan", "is", "pro"),))
    )
    assert numbers.people == 0
    assert [s.reached for s in numbers.bound] == [0, 0]


DATED_LOG = (
    ("u1", "a", 0), ("u1", "b", DAY),  # Mon, Tue
    ("u2", "a", DAY), ("u2", "b", 2 * DAY),  # Tue, Wed
    ("u3", "a", 2 * DAY),  # Wed
)  # fmt: skip


def test_date_range_limits_the_events(events):
    tuesday = date(2024, 3, 5)
    numbers = stage_numbers(events(*DATED_LOG), on("a", "b"), date_from=tuesday, date_to=tuesday)
    assert numbers.people == 2  # u1 (b) and u2 (a) have an event that Tuesday
    assert numbers.funnel.steps[0].users == {"u2"}  # u1's "a" was on Monday
    assert [s.reached for s in numbers.bound] == [1, 0]  # u2's "b" was on Wednesday


def test_date_to_hides_a_later_conversion(events):
    numbers = stage_numbers(events(*DATED_LOG), on("a", "b"), date_to=date(2024, 3, 5))
    assert [s.reached for s in numbers.bound] == [2, 1]
    assert numbers.funnel.steps[1].users == {"u1"}


# -- channels and devices -------------------------------------------------------------------

CHANNEL_LOG = (
    # u1's counted attempt starts at its second "a" (both reach b at 200; the later start wins)
    ("u1", "a", 0, "Social", "mobile"), ("u1", "a", 100, "Email", "desktop"),
    ("u1", "b", 200, "Paid", "desktop"),
    ("u2", "x", 0, "Organic"), ("u2", "a", 10, "Email"), ("u2", "b", 20, "Email"),
    ("u3", "a", 0), ("u3", "b", 10, "Paid"),
    ("u4", "a", 0, "Paid"), ("u4", "b", 10, "Paid"),
    ("u5", "a", 0, "Social"),
)  # fmt: skip


def shares(items) -> list[tuple[str, int, float]]:
    return [(s.value, s.people, pytest.approx(s.share)) for s in items]


def test_channel_is_the_one_of_the_event_that_counted_for_the_stage(events):
    a, b = stage_numbers(events(*CHANNEL_LOG), on("a", "b")).bound
    assert shares(a.channels) == [("Email", 2, 0.5), ("Paid", 1, 0.25), ("Social", 1, 0.25)]
    assert shares(b.channels) == [("Paid", 3, 0.75), ("Email", 1, 0.25)]
    assert a.top_channel.value == "Email"


def test_unknown_channel_is_left_out_and_shares_add_to_one(events):
    a, b = stage_numbers(events(*CHANNEL_LOG), on("a", "b")).bound
    assert "" not in {s.value for s in a.channels}
    assert sum(s.people for s in a.channels) == 4  # of 5 people at A: u3's is unknown
    for stage in (a, b):
        assert sum(s.share for s in stage.channels) == pytest.approx(1.0)


def test_top_n_channels(events):
    a, _ = stage_numbers(events(*CHANNEL_LOG), on("a", "b"), top=2).bound
    assert [s.value for s in a.channels] == ["Email", "Paid"]  # ties by name
    assert a.channels[1].share == pytest.approx(0.25)  # a share of all known, not of the top


def test_no_known_channel_gives_no_shares(events):
    data = events(("u1", "a", 0), ("u1", "b", 10, "Email"))
    a, b = stage_numbers(data, on("a", "b")).bound
    assert a.channels == ()
    assert a.top_channel is None
    assert [s.value for s in b.channels] == ["Email"]


def test_a_missing_channel_or_device_column_gives_no_shares_and_no_switching(events):
    numbers = stage_numbers(events(*CHANNEL_LOG), on("a", "b"), channel="utm", device="platform")
    for stage in numbers.bound:
        assert stage.channels == () and stage.devices == ()
    assert numbers.stages["B"].switch is None


SWITCH_LOG = (
    ("p1", "a", 0, None, "mobile"), ("p1", "b", 10, None, "desktop"),
    ("p1", "c", 20, None, "desktop"),
    ("p2", "a", 0, None, "mobile"), ("p2", "b", 10, None, "desktop"),
    ("p3", "a", 0, None, "desktop"), ("p3", "b", 10, None, "desktop"),
    ("p3", "c", 20, None, "mobile"),
    ("p4", "a", 0, None, "desktop"), ("p4", "b", 10, None, "desktop"),
    ("p5", "a", 0, None, "desktop"), ("p5", "b", 10, None, "desktop"), ("p5", "c", 20),
    ("p6", "a", 0), ("p6", "b", 10, None, "mobile"), ("p6", "c", 20, None, "mobile"),
    ("p7", "a", 0, None, "mobile"), ("p7", "b", 10),
    ("p8", "a", 0, None, "mobile"),
)  # fmt: skip


def test_devices_at_a_stage_are_all_listed(events):
    _, b, _ = stage_numbers(events(*SWITCH_LOG), on("a", "b", "c"), top=1).bound
    assert shares(b.devices) == [("desktop", 5, 5 / 6), ("mobile", 1, 1 / 6)]  # p7's unknown


def test_device_switching_share_leaves_out_unknown_devices(events):
    a, b, _ = stage_numbers(events(*SWITCH_LOG), on("a", "b", "c")).bound
    assert a.switch is None  # the first stage has no previous one
    # at B: p1..p7; p6 (unknown at A) and p7 (unknown at B) left out; p1 and p2 switched
    assert b.switch.share == Rate(2, 5)


def test_switchers_and_stayers_conversion_to_the_next_stage(events):
    _, b, _ = stage_numbers(events(*SWITCH_LOG), on("a", "b", "c")).bound
    assert b.switch.switched == Rate(1, 2)  # p1 went on, p2 did not
    assert b.switch.stayed == Rate(2, 3)  # p3 and p5 went on, p4 did not


def test_device_switching_at_the_last_stage_has_no_conversion(events):
    *_, c = stage_numbers(events(*SWITCH_LOG), on("a", "b", "c")).bound
    # at C: p1 (desktop, desktop), p3 (desktop, mobile), p5 (unknown), p6 (mobile, mobile)
    assert c.switch.share == Rate(1, 3)
    assert c.switch.switched is None
    assert c.switch.stayed is None


# -- the worst drop-off ----------------------------------------------------------------------


def test_the_largest_dropoff_rate_is_marked_once(events):
    numbers = stage_numbers(events(*BASIC), BASIC_STAGES)
    # A->B loses 1 of 4 (25%), B->C loses 1 of 3 (33%)
    assert [s.worst for s in numbers.bound] == [False, False, True]


def test_the_worst_is_the_surest_dropoff_not_the_largest_count(events):
    rows = [(f"a{i}", "a", 0) for i in range(10)]
    rows += [(f"a{i}", "b", 10) for i in range(6)]  # 4 of 10 lost (40%)
    rows += [(f"a{i}", "c", 20) for i in range(3)]  # 3 of 6 lost (50%)
    numbers = stage_numbers(events(*rows), on("a", "b", "c"))
    assert [s.dropoff for s in numbers.bound] == [0, 4, 3]
    assert [s.worst for s in numbers.bound] == [False, False, True]


def test_the_worst_is_by_the_low_end_of_the_dropoff_interval(events):
    rows = [(f"p{i}", "a", 0) for i in range(100)]
    rows += [(f"p{i}", "b", 10) for i in range(40)]  # 60 of 100 lost: 95% CI from 50.2%
    rows += [(f"p{i}", "c", 20) for i in range(14)]  # 26 of 40 lost (65%): CI from 49.5%
    numbers = stage_numbers(events(*rows), on("a", "b", "c"))
    assert 1 - ref_wilson(40, 100)[1] > 1 - ref_wilson(14, 40)[1]
    assert [s.worst for s in numbers.bound] == [False, True, False]


def test_a_small_move_does_not_outshout_a_large_one_for_the_worst(events):
    rows = [(f"p{i}", "a", 0) for i in range(201)]
    rows += [(f"p{i}", "b", 10) for i in range(25)]  # 176 of 201 lost
    numbers = stage_numbers(events(*rows), on("a", "b", "c"))  # then 25 of 25 lost
    assert [s.dropoff for s in numbers.bound] == [0, 176, 25]
    assert [s.worst for s in numbers.bound] == [False, True, False]


def test_a_tie_for_the_worst_dropoff_is_still_marked_once(events):
    rows = [(f"p{i}", "a", 0) for i in range(4)]
    rows += [(f"p{i}", "b", 10) for i in range(2)]  # 50%
    rows += [("p0", "c", 20)]  # 50%
    numbers = stage_numbers(events(*rows), on("a", "b", "c"))
    assert sum(s.worst for s in numbers.bound) == 1


def test_no_worst_when_nobody_drops(events):
    data = events(("u1", "a", 0), ("u1", "b", 10), ("u2", "a", 0), ("u2", "b", 10))
    assert not any(s.worst for s in stage_numbers(data, on("a", "b")).bound)


def test_no_worst_with_one_bound_stage(events):
    assert not stage_numbers(events(*BASIC), on("a")).stages["A"].worst


# -- touchpoints -----------------------------------------------------------------------------

TOUCH_LOG = (
    ("p1", "a", 0), ("p1", "chat", 5), ("p1", "b", 10), ("p1", "c", 20),
    ("p2", "chat", 0), ("p2", "a", 5),  # used it before the stage: any time counts
    ("p3", "a", 0), ("p3", "b", 10), ("p3", "chat", 15),  # or after
    ("p4", "a", 0), ("p4", "b", 10),
    ("p5", "a", 0),
    ("p6", "a", 0),
    ("p7", "chat", 0),  # used it, never entered the journey
)  # fmt: skip
CHAT = Match(("chat",))


def touch(events, *touchpoints, **options):
    return stage_numbers(events(*TOUCH_LOG), BASIC_STAGES, touchpoints=touchpoints, **options)


def test_touchpoint_users_are_people_with_a_matching_event(events):
    assert touch(events, ("T", "A", CHAT)).touchpoints["T"].users == 4


def test_touchpoint_used_and_not_used_convert_to_the_next_stage(events):
    mark = touch(events, ("T", "A", CHAT)).touchpoints["T"]
    assert (mark.key, mark.stage_key) == ("T", "A")
    assert mark.used == Rate(2, 3)  # p1, p2, p3 at A; p1 and p3 reached B
    assert mark.not_used == Rate(1, 3)  # p4, p5, p6 at A; p4 reached B


def test_touchpoint_compares_only_people_who_reached_its_stage(events):
    mark = touch(events, ("T", "B", CHAT)).touchpoints["T"]
    assert mark.used == Rate(1, 2)  # p1, p3 at B; p1 reached C
    assert mark.not_used == Rate(0, 1)  # p4


def test_touchpoint_on_the_last_bound_stage_has_no_comparison(events):
    mark = touch(events, ("T", "C", CHAT)).touchpoints["T"]
    assert mark.users == 4
    assert mark.used is None and mark.not_used is None


def test_touchpoint_on_an_unbound_stage_compares_everyone_who_entered(events):
    mark = touch(events, ("T", "X", CHAT)).touchpoints["T"]
    assert mark.stage_key == "X"
    assert mark.used == Rate(2, 3)  # as at step 0
    assert mark.not_used == Rate(1, 3)


def test_touchpoint_users_are_within_the_segment(events):
    mark = touch(events, ("T", "A", CHAT), segment=Match(("a",))).touchpoints["T"]
    assert mark.users == 3  # p7 never did "a"


def test_several_touchpoints_with_conditions(events):
    data = events(
        ("u1", "a", 0, "Email"), ("u1", "b", 10),
        ("u2", "a", 0, "Paid"),
        ("u3", "a", 0, "Paid"), ("u3", "b", 10),
    )  # fmt: skip
    email = Match(where=(where("channel", "is", "Email"),))
    paid = Match(where=(where("channel", "is", "Paid"),))
    numbers = stage_numbers(data, on("a", "b"), touchpoints=[("E", "A", email), ("P", "A", paid)])
    assert numbers.touchpoints["E"].used == Rate(1, 1)
    assert numbers.touchpoints["E"].not_used == Rate(1, 2)
    assert numbers.touchpoints["P"].used == Rate(1, 2)
    assert numbers.touchpoints["P"].not_used == Rate(1, 1)


# -- stage flow ------------------------------------------------------------------------------

FLOW_LOG = (
    ("u1", "a", 0), ("u1", "b", 10), ("u1", "b", 20), ("u1", "a", 30), ("u1", "c", 40),
    ("u2", "a", 0), ("u2", "c", 10),
    ("u3", "a", 0), ("u3", "b", 10),
    ("u4", "b", 0),
    ("u5", "x", 0),
    ("u6", "a", 0), ("u6", "x", 10), ("u6", "a", 20),
    ("u7", "a", 0), ("u7", "b", 10), ("u7", "a", 20), ("u7", "b", 30), ("u7", "c", 40),
)  # fmt: skip


def flow_edges(flow) -> dict[tuple[str, str], tuple[int, int]]:
    return {
        (row.source, row.target): (row.transitions, row.people)
        for row in flow.edges.itertuples(index=False)
    }


def test_stage_flow_transitions_loops_skips_and_exits(events):
    flow = stage_flow(events(*FLOW_LOG), BASIC_STAGES)
    assert flow_edges(flow) == {
        ("A", "B"): (4, 3),  # u1, u3, and u7 twice
        ("B", "A"): (2, 2),  # going back: u1, u7
        ("A", "C"): (2, 2),  # skipping B: u1, u2
        ("B", "C"): (1, 1),  # u7
        ("A", LEFT): (1, 1),  # u6 (a, x, a: one stage)
        ("B", LEFT): (2, 2),  # u3, u4
    }


def test_stage_flow_has_no_exit_from_the_final_bound_stage(events):
    flow = stage_flow(events(*FLOW_LOG), BASIC_STAGES)
    assert not ((flow.edges.source == "C") & (flow.edges.target == LEFT)).any()


def test_stage_flow_entered_counts_distinct_people_per_stage(events):
    flow = stage_flow(events(*FLOW_LOG), BASIC_STAGES)
    assert flow.entered == {"A": 5, "B": 4, "C": 3}  # no entry for the unbound stage


def test_stage_flow_edges_are_sorted_with_their_columns(events):
    edges = stage_flow(events(*FLOW_LOG), BASIC_STAGES).edges
    assert list(edges.columns) == ["source", "target", "transitions", "people"]
    pairs = list(zip(edges.source, edges.target, strict=True))
    assert pairs == sorted(pairs)


def test_an_event_matching_two_stages_goes_to_the_first_in_map_order(events):
    data = events(("v1", "z", 0), ("v2", "a", 0), ("v2", "b", 10), ("v2", "z", 20))
    stages = [
        ("A", "A", Match(("a", "z"))),
        ("B", "B", Match(("b",))),
        ("C", "C", Match(("c", "z"))),
    ]
    flow = stage_flow(data, stages)
    assert flow.entered == {"A": 2, "B": 1, "C": 0}
    assert flow_edges(flow) == {("A", "B"): (1, 1), ("B", "A"): (1, 1), ("A", LEFT): (2, 2)}


def test_stage_flow_within_a_segment(events):
    flow = stage_flow(events(*FLOW_LOG), BASIC_STAGES, segment=Match(("x",)))
    assert flow_edges(flow) == {("A", LEFT): (1, 1)}  # u5 has no stage event; u6
    assert flow.entered == {"A": 1, "B": 0, "C": 0}


def test_stage_flow_with_no_bound_stage_is_empty(events):
    flow = stage_flow(events(*FLOW_LOG), [("A", "A", None)])
    assert flow.edges.empty
    assert flow.entered == {}


def test_stage_flow_of_an_empty_segment_is_empty(events):
    flow = stage_flow(events(*FLOW_LOG), BASIC_STAGES, segment=Match(("nobody_did_this",)))
    assert flow.edges.empty
    assert flow.entered == {"A": 0, "B": 0, "C": 0}


def test_stage_flow_where_everyone_only_reached_the_final_stage_has_no_edges(events):
    flow = stage_flow(events(*FLOW_LOG), on("q", "c"))  # nobody did q; c is final: no exit
    assert flow.edges.empty
    assert flow.entered == {"Q": 0, "C": 3}


# -- suggested bindings ----------------------------------------------------------------------

GA4_SHOP = (
    "first_visit", "session_start", "page_view", "user_engagement", "scroll", "search",
    "view_search_results", "view_item_list", "select_item", "view_item", "add_to_cart",
    "view_cart", "begin_checkout", "add_shipping_info", "add_payment_info", "purchase",
    "track_order", "review_submitted", "refund",
)  # fmt: skip
SAAS = (
    "first_visit", "page_view", "view_template", "view_pricing", "sign_up", "start_trial",
    "tutorial_begin", "create_site", "publish_site", "edit_site", "login", "app_open",
    "invite_teammate", "upgrade", "renew", "purchase", "subscribe", "referral_sent",
    "support_chat",
)  # fmt: skip


def suggested(template: str, vocabulary) -> dict[str, list[str]]:
    stages = TEMPLATES[template].stages
    return dict(zip(stages, suggest_bindings(stages, list(vocabulary)), strict=True))


def test_suggestions_for_the_ecommerce_template_on_ga4_events():
    assert suggested("ecommerce", GA4_SHOP) == {
        "Discover": ["first_visit", "page_view", "session_start"],
        "Browse": ["view_item_list", "view_search_results", "search", "select_item"],
        "Product page": ["view_item"],
        "Cart": ["add_to_cart", "view_cart"],
        "Checkout": ["begin_checkout", "add_shipping_info", "add_payment_info"],
        "Delivery": ["track_order"],
        "Review": ["review_submitted"],
    }


def test_suggestions_for_the_lifecycle_template_on_saas_events():
    assert suggested("lifecycle", SAAS) == {
        "Awareness": ["first_visit", "page_view"],
        "Consideration": ["sign_up", "start_trial", "view_template", "view_pricing"],
        "Purchase": ["purchase", "subscribe"],
        "Adoption": ["create_site", "publish_site"],
        "Retention": ["login", "app_open"],
        "Expansion": ["upgrade", "invite_teammate", "renew"],
        "Advocacy": ["referral_sent"],
    }


def test_suggestions_for_the_saas_template_on_saas_events():
    assert suggested("saas", SAAS) == {
        "Pre-purchase": ["page_view", "view_template", "view_pricing"],
        "Onboarding": ["sign_up", "start_trial", "tutorial_begin"],
        "First value": ["create_site", "publish_site"],
        "Everyday use": ["login", "app_open"],
        "Renewal": ["upgrade", "invite_teammate", "renew"],
    }


@pytest.mark.parametrize("template", ["lifecycle", "saas", "ecommerce"])
@pytest.mark.parametrize("vocabulary", [GA4_SHOP, SAAS], ids=["ga4", "saas"])
def test_each_suggested_event_is_used_once_and_exists(template, vocabulary):
    chosen = [e for events in suggested(template, vocabulary).values() for e in events]
    assert len(chosen) == len(set(chosen))
    assert set(chosen) <= set(vocabulary)


def test_view_prefix_does_not_match_review():
    assert suggest_bindings(["Browse"], ["review_submitted", "preview"]) == [[]]
    assert suggest_bindings(["Browse", "Review"], ["view_promotion", "review_submitted"]) == [
        ["view_promotion"],
        ["review_submitted"],
    ]


def test_more_specific_stages_win_over_browse():
    stages = ["Browse", "Product page", "Cart", "Checkout"]
    vocabulary = ["view_item_list", "view_item", "view_cart", "view_checkout_page"]
    assert suggest_bindings(stages, vocabulary) == [
        ["view_item_list"],
        ["view_item"],
        ["view_cart"],
        ["view_checkout_page"],
    ]


def test_suggestions_ignore_case_of_stage_names_and_unknown_stages_get_nothing():
    assert suggest_bindings(["CART", "Stage 1", "Purchase"], ["add_to_cart", "x"]) == [
        ["add_to_cart"],
        [],
        [],
    ]


# -- survey scores per stage -----------------------------------------------------------------


def survey(rows, columns=("stage", "nps", "csat")) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    for column in columns:
        frame[column] = frame[column].astype("string" if column == "stage" else "Int64")
    return frame


def test_nps_is_promoters_minus_detractors_and_csat_the_mean():
    scores = survey_by_stage(
        survey(
            [
                ("Purchase", 10, 5), ("Purchase", 9, 4), ("Purchase", 9, 2),
                ("Purchase", 8, None), ("Purchase", 7, None), ("Purchase", 5, None),
                ("Onboarding", 6, None), ("Onboarding", 0, None),
                (None, 10, 5),
            ]
        )
    )  # fmt: skip
    assert set(scores) == {"purchase", "onboarding"}
    purchase = scores["purchase"]
    assert purchase.nps == pytest.approx(100 * (3 / 6 - 1 / 6))  # 9-10: 3 of 6; 0-6: 1 of 6
    assert purchase.nps_n == 6
    assert purchase.csat == pytest.approx(11 / 3)
    assert purchase.csat_n == 3
    assert scores["onboarding"] == SurveyScore(nps=-100.0, nps_n=2, csat=None, csat_n=0)


def test_survey_with_only_csat_has_no_nps():
    scores = survey_by_stage(survey([("Cart", 4), ("Cart", 5)], columns=("stage", "csat")))
    assert scores == {"cart": SurveyScore(nps=None, nps_n=0, csat=4.5, csat_n=2)}


def test_survey_stage_names_compare_ignoring_case_and_spaces():
    scores = survey_by_stage(survey([("  First   VALUE ", 10, 5)]))
    assert stage_key("First value") in scores


def test_survey_from_a_csv_file():
    text = b"respondent,stage,nps,csat\nr1,Purchase,10,5\nr2,Purchase,3,2\nr3,,9,4\n"
    scores = survey_by_stage(load_survey(text, filename="survey.csv"))
    assert scores == {"purchase": SurveyScore(nps=0.0, nps_n=2, csat=3.5, csat_n=2)}


def test_survey_answers_under_spellings_of_one_stage_are_merged():
    scores = survey_by_stage(
        survey([("Onboarding", None, 1), ("Onboarding", None, 3), ("onboarding ", None, 5)])
    )
    assert scores == {"onboarding": SurveyScore(nps=None, nps_n=0, csat=3.0, csat_n=3)}


def test_no_stage_column_gives_no_scores():
    assert survey_by_stage(survey([(9, 5)], columns=("nps", "csat"))) == {}


# -- blind spots -----------------------------------------------------------------------------

# The "saas" template's stages and the event that means each.
FLOW = ("Pre-purchase", "Onboarding", "First value", "Everyday use", "Renewal")
EVENT = dict(zip(FLOW, ("visit", "signup", "create_site", "login", "renew"), strict=True))
SOURCE = "Canvas events, 1-31 Mar 2024"


def crowd(prefix: str, n: int, reach: int, gaps=(MINUTE,) * 4, used: bool = False) -> list:
    """`n` people who reach stage `reach` (0-based), `gaps[i]` seconds from stage i to i+1;
    `used`: each also opened the chat."""
    rows = []
    for i in range(n):
        t = 0
        for s in range(reach + 1):
            rows.append((f"{prefix}{i}", EVENT[FLOW[s]], t))
            t += gaps[s] if s < len(gaps) else MINUTE
        if used:
            rows.append((f"{prefix}{i}", "chat", 1))
    return rows


def funnel_of(*counts: int, gaps=(MINUTE,) * 4) -> list:
    """People so that counts[s] reach stage s (counts never increase)."""
    rows = []
    for s, n in enumerate(counts):
        after = counts[s + 1] if s + 1 < len(counts) else 0
        rows += crowd(f"s{s}-", n - after, s, gaps)
    return rows


class Wall:
    """A map from the "saas" template on a SQLite store, every stage bound to its event."""

    def __init__(self, store):
        self.store = store
        ws = store.create_workspace("Blind spots")
        self.map = store.create_map(ws.id, "Canvas", template="saas")
        board = store.load_map(self.map.id)
        self.stage = {s.name: s.id for s in board.stages}
        self.lane = {ln.kind: ln.id for ln in board.lanes}
        for name, event in EVENT.items():
            store.bind(self.map.id, self.stage[name], {"events": [event]})

    def note(self, stage: str, kind: LaneKind, text: str = "It is slow", binding=None):
        note = self.store.add_note(
            self.map.id, stage_id=self.stage[stage], lane_id=self.lane[kind], text=text
        )
        if binding is not None:
            self.store.bind(self.map.id, note.id, binding)
        return note

    def pain(self, stage: str):
        return self.note(stage, LaneKind.PAIN)

    def findings(self, rows, *, surveys=None, source=SOURCE, kind=None):
        board = self.store.load_map(self.map.id)
        stages, touchpoints = from_bindings(board, self.store.list_bindings(self.map.id))
        numbers = stage_numbers(table(rows), stages, touchpoints=touchpoints)
        found = blind_spots(board, numbers, surveys=surveys, source=source)
        return [f for f in found if kind is None or f.kind == kind]


@pytest.fixture
def wall(tmp_path):
    store = open_store(str(tmp_path / "wall.db"), data_dir=tmp_path / "datasets")
    try:
        yield Wall(store)
    finally:
        store.close()


def pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def ci(low: float, high: float) -> str:
    return f"{100 * low:.0f}-{100 * high:.0f}%"


def test_a_big_dropoff_without_a_pain_point_is_a_finding(wall):
    [finding] = wall.findings(funnel_of(40, 16, 16, 16, 16))
    assert finding.kind == "drop-off"
    assert finding.missing_pain
    assert finding.stage_id == wall.stage["Pre-purchase"]  # where people leave from
    assert finding.title == "60% leave between Pre-purchase and Onboarding"
    low, high = ref_wilson(16, 40)
    assert finding.evidence == (
        "24 of 40 people who reached Pre-purchase did not reach Onboarding (drop-off 60%, "
        f"95% CI {ci(1 - high, 1 - low)}) ({SOURCE})."
    )


def test_every_dropoff_of_at_least_half_among_30_or_more_is_a_finding(wall):
    # 120 -> 60 -> 30 -> 15 -> 15: three 50% drop-offs (the first is the worst), the last on 30
    found = wall.findings(funnel_of(120, 60, 30, 15, 15), kind="drop-off")
    assert [f.stage_id for f in found] == [
        wall.stage["Pre-purchase"],
        wall.stage["Onboarding"],
        wall.stage["First value"],
    ]
    assert found[2].evidence.startswith(
        "15 of 30 people who reached First value did not reach Everyday use (drop-off 50%"
    )


def test_a_dropoff_of_half_among_29_is_no_finding(wall):
    found = wall.findings(funnel_of(116, 58, 29, 14, 14), kind="drop-off")
    assert [f.stage_id for f in found] == [wall.stage["Pre-purchase"], wall.stage["Onboarding"]]


def test_a_pain_note_on_the_stage_people_leave_from_silences_the_dropoff(wall):
    wall.pain("Pre-purchase")
    assert wall.findings(funnel_of(40, 16, 16, 16, 16), kind="drop-off") == []


def test_a_pain_note_on_the_stage_they_did_not_reach_does_not_silence_it(wall):
    wall.pain("Onboarding")  # the pain of leaving belongs where people were
    found = wall.findings(funnel_of(40, 16, 16, 16, 16), kind="drop-off")
    assert [f.stage_id for f in found] == [wall.stage["Pre-purchase"]]


def test_a_pain_note_elsewhere_does_not_silence_the_dropoff(wall):
    wall.pain("Renewal")
    wall.note("Pre-purchase", LaneKind.ACTION, "Compares plans")  # not a pain point
    found = wall.findings(funnel_of(40, 16, 16, 16, 16), kind="drop-off")
    assert [f.stage_id for f in found] == [wall.stage["Pre-purchase"]]


def test_a_dropoff_under_half_that_is_not_the_worst_is_no_finding(wall):
    # 40 -> 32 (20%) -> 20 (37.5%, the worst: reported) -> 20 -> 20
    found = wall.findings(funnel_of(40, 32, 20, 20, 20), kind="drop-off")
    assert [f.stage_id for f in found] == [wall.stage["Onboarding"]]


def test_a_dropoff_among_fewer_than_30_people_is_no_finding(wall):
    assert wall.findings(funnel_of(29, 5, 5, 5, 5)) == []


def test_a_slow_step_is_a_finding(wall):
    gaps = (MINUTE, MINUTE, 10 * MINUTE, MINUTE)
    [finding] = wall.findings(funnel_of(40, 40, 40, 40, 40, gaps=gaps))
    assert finding.kind == "slow"
    assert finding.stage_id == wall.stage["First value"]
    assert finding.title == "First value to Everyday use takes 10 min"
    assert finding.evidence == (
        "Median time from First value to Everyday use is 10 min (40 people), 10x the "
        f"journey's typical stage-to-stage time of 60 s ({SOURCE})."
    )


def test_slow_means_at_least_three_times_the_typical_step(wall):
    exactly = (MINUTE, MINUTE, 3 * MINUTE, MINUTE)
    assert [f.kind for f in wall.findings(funnel_of(40, 40, 40, 40, 40, gaps=exactly))] == ["slow"]
    under = (MINUTE, MINUTE, 3 * MINUTE - 1, MINUTE)
    assert wall.findings(funnel_of(40, 40, 40, 40, 40, gaps=under)) == []


def test_a_pain_note_silences_the_slow_step(wall):
    wall.pain("First value")
    gaps = (MINUTE, MINUTE, 10 * MINUTE, MINUTE)
    assert wall.findings(funnel_of(40, 40, 40, 40, 40, gaps=gaps), kind="slow") == []


def test_a_slow_step_among_fewer_than_30_people_is_no_finding(wall):
    gaps = (MINUTE, MINUTE, 10 * MINUTE, MINUTE)
    assert wall.findings(funnel_of(29, 29, 29, 29, 29, gaps=gaps)) == []


def steady(n: int = 40) -> list:
    """Everyone through every stage, a minute apart: nothing in the numbers."""
    return funnel_of(n, n, n, n, n)


def test_a_low_csat_without_a_pain_point_is_a_finding(wall):
    surveys = survey_by_stage(survey([("Onboarding", None, c) for c in (3, 3, 3, 4, 4)]))
    [finding] = wall.findings(steady(), surveys=surveys)
    assert finding.kind == "low score"
    assert finding.stage_id == wall.stage["Onboarding"]
    assert finding.title == "Onboarding: CSAT 3.4 of 5 from 5 answers"
    assert finding.evidence == f"CSAT 3.4 of 5 from 5 answers ({SOURCE})."


def test_a_negative_nps_without_a_pain_point_is_a_finding(wall):
    surveys = survey_by_stage(survey([("renewal", n, None) for n in (0, 5, 6, 9, 10)]))
    [finding] = wall.findings(steady(), surveys=surveys)
    assert finding.kind == "low score"
    assert finding.stage_id == wall.stage["Renewal"]
    assert finding.evidence == f"NPS -20 from 5 answers ({SOURCE})."


@pytest.mark.parametrize(
    "rows",
    [
        [("Onboarding", None, c) for c in (3, 3, 4, 4)],  # 4 answers
        [("Onboarding", None, c) for c in (3, 3, 4, 4, 3, 4)],  # CSAT 3.5
        [("Onboarding", n, None) for n in (0, 10, 5, 9, 8)],  # NPS 0
    ],
    ids=["too-few", "csat-3.5", "nps-0"],
)
def test_scores_that_are_not_low_enough_are_no_finding(wall, rows):
    assert wall.findings(steady(), surveys=survey_by_stage(survey(rows))) == []


def test_a_low_score_is_found_on_a_map_without_bound_stages(wall):
    board = wall.store.load_map(wall.map.id)
    numbers = stage_numbers(table(steady()), [(s.id, s.name, None) for s in board.stages])
    surveys = survey_by_stage(survey([("Everyday use", None, 2)] * 5))
    [finding] = blind_spots(board, numbers, surveys=surveys)
    assert (finding.kind, finding.stage_id) == ("low score", wall.stage["Everyday use"])


def test_a_pain_note_silences_a_low_score(wall):
    wall.pain("Onboarding")
    surveys = survey_by_stage(survey([("Onboarding", None, 1)] * 5))
    assert wall.findings(steady(), surveys=surveys, kind="low score") == []


def chat_log(used_on: int, rest_on: int, used: int = 40, rest: int = 60) -> list:
    """Everyone reaches Onboarding; of `used` who opened the chat `used_on` go on to First
    value, of `rest` who did not `rest_on` do; all who reach First value finish."""
    rows = crowd("uw", used_on, 4, used=True) + crowd("ul", used - used_on, 1, used=True)
    return rows + crowd("rw", rest_on, 4) + crowd("rl", rest - rest_on, 1)


def test_a_touchpoint_whose_users_convert_less_is_a_finding(wall):
    wall.note("Onboarding", LaneKind.TOUCHPOINT, "Live chat", binding={"events": ["chat"]})
    [finding] = wall.findings(chat_log(10, 45), kind="touchpoint")
    assert finding.kind == "touchpoint"
    assert finding.stage_id == wall.stage["Onboarding"]
    assert finding.title == "People who used \u201cLive chat\u201d convert less"
    (ul, uh), (rl, rh) = ref_wilson(10, 40), ref_wilson(45, 60)
    assert finding.evidence == (
        "25% of 40 people who used it reached the next stage, against 75% of 60 who did not "
        f"(95% CIs {ci(ul, uh)} and {ci(rl, rh)}); an association, not a "
        f"cause ({SOURCE})."
    )


def test_a_touchpoint_with_overlapping_intervals_is_no_finding(wall):
    wall.note("Onboarding", LaneKind.TOUCHPOINT, "Live chat", binding={"events": ["chat"]})
    assert wall.findings(chat_log(24, 45), kind="touchpoint") == []  # 60% vs 75%


def test_a_touchpoint_whose_users_convert_more_is_no_finding(wall):
    wall.note("Onboarding", LaneKind.TOUCHPOINT, "Live chat", binding={"events": ["chat"]})
    assert wall.findings(chat_log(38, 15), kind="touchpoint") == []


def test_a_touchpoint_used_by_fewer_than_30_is_no_finding(wall):
    wall.note("Onboarding", LaneKind.TOUCHPOINT, "Live chat", binding={"events": ["chat"]})
    assert wall.findings(chat_log(0, 60, used=29, rest=60), kind="touchpoint") == []


def test_a_pain_note_on_its_stage_silences_the_touchpoint(wall):
    wall.note("Onboarding", LaneKind.TOUCHPOINT, "Live chat", binding={"events": ["chat"]})
    wall.pain("Onboarding")
    assert wall.findings(chat_log(10, 45), kind="touchpoint") == []


UNTESTED = (100, 50, 49, 30, 15)  # moves on: 50%, 98%, 61%, 50%; median 56%


def test_a_pain_point_where_the_data_looks_healthy_is_untested(wall):
    note = wall.pain("Onboarding")
    [finding] = wall.findings(funnel_of(*UNTESTED), kind="untested")
    assert not finding.missing_pain
    assert finding.stage_id == wall.stage["Onboarding"]
    assert finding.note_ids == (note.id,)
    assert finding.title == "Pain points on Onboarding, where the data looks healthy"
    low, high = ref_wilson(49, 50)
    assert finding.evidence == (
        f"98% of 50 people move on from Onboarding to First value (95% CI {ci(low, high)}), "
        f"better than the journey's median step (56%); check these pain "
        f"points with research ({SOURCE})."
    )


def test_a_pain_point_where_people_move_on_less_than_the_median_is_not_untested(wall):
    wall.pain("Everyday use")  # 15 of 30 move on
    assert wall.findings(funnel_of(*UNTESTED), kind="untested") == []


def test_a_pain_point_whose_interval_reaches_the_median_is_not_untested(wall):
    wall.pain("Pre-purchase")  # 50 of 100 (CI 40-60%) against a median of 56%
    assert wall.findings(funnel_of(*UNTESTED), kind="untested") == []


def test_a_pain_point_on_a_stage_that_loses_half_is_not_untested(wall):
    # moves on: 30%, 30%, 56% (95% CI 45-65%), 30%: above the median, not surely above half
    wall.pain("First value")
    assert wall.findings(funnel_of(1000, 300, 90, 50, 15), kind="untested") == []


def test_a_pain_point_on_a_slow_step_is_not_untested(wall):
    wall.pain("Onboarding")
    gaps = (MINUTE, 10 * MINUTE, MINUTE, MINUTE)
    assert wall.findings(funnel_of(*UNTESTED, gaps=gaps), kind="untested") == []


def test_a_pain_point_with_a_low_score_is_not_untested(wall):
    wall.pain("Onboarding")
    surveys = survey_by_stage(survey([("Onboarding", None, 1)] * 5))
    assert wall.findings(funnel_of(*UNTESTED), surveys=surveys, kind="untested") == []


def test_a_pain_point_among_fewer_than_30_people_is_not_untested(wall):
    wall.pain("Onboarding")
    assert wall.findings(funnel_of(58, 29, 29, 17, 9), kind="untested") == []


def test_small_numbers_never_give_a_finding(wall):
    wall.note("Onboarding", LaneKind.TOUCHPOINT, "Live chat", binding={"events": ["chat"]})
    gaps = (MINUTE, MINUTE, 10 * MINUTE, MINUTE)
    # 29 -> 25 -> 20 -> 10 -> 2: steep and slow, and the 5 chat users all stop at Onboarding
    rows = funnel_of(24, 20, 20, 10, 2, gaps=gaps) + crowd("c", 5, 1, used=True)
    assert wall.findings(rows) == []


def test_without_a_source_the_evidence_cites_nothing(wall):
    [finding] = wall.findings(funnel_of(40, 16, 16, 16, 16), source="")
    assert finding.evidence.endswith("%).")
    assert SOURCE not in finding.evidence


# -- property: stage numbers are the funnel over the bound stages ----------------------------

ALPHABET = "abcde"
SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


@st.composite
def random_logs(draw):
    """1-6 people, 0-20 events each, names from a small alphabet, many timestamp ties;
    a channel and device that may be missing."""
    rows = []
    for i in range(draw(st.integers(1, 6))):
        count = draw(st.integers(0, 20))
        event = st.tuples(
            st.sampled_from(ALPHABET[:4]),
            st.integers(0, 60),
            st.sampled_from(["Email", "Paid", None]),
            st.sampled_from(["mobile", "desktop", None]),
        )
        for name, t, channel, device in draw(st.lists(event, min_size=count, max_size=count)):
            rows.append((f"u{i}", name, t, channel, device))
    order = draw(st.permutations(range(len(rows))))
    return table([rows[j] for j in order], categorical=draw(st.booleans()))


@st.composite
def matches(draw):
    events = tuple(draw(st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=2, unique=True)))
    conditions = ()
    if draw(st.booleans()):
        column = draw(st.sampled_from(["channel", "device", "plan"]))
        op = draw(st.sampled_from(["is", "is not", "contains"]))
        value = draw(st.sampled_from(["Email", "mobile", "MOB", "a"]))
        conditions = (Condition(column, op, (value,)),)
    return Match(events, conditions)


@st.composite
def maps(draw):
    size = draw(st.integers(1, 5))
    return [(f"s{i}", f"Stage {i}", draw(st.one_of(st.none(), matches()))) for i in range(size)]


@settings(max_examples=150, **SETTINGS)
@given(random_logs(), maps(), st.integers(0, 60))
def test_stage_numbers_are_the_funnel_over_the_bound_stages(frame, stages, seconds):
    window = timedelta(seconds=seconds)
    numbers = stage_numbers(frame, stages, window=window)
    bound = [m for _, _, m in stages if m is not None]
    if not bound:
        assert numbers.funnel is None and numbers.stages == {}
        return
    counts = funnel(frame, bound, window=window).counts
    assert numbers.funnel.counts == counts
    assert [s.reached for s in numbers.bound] == counts
    assert [s.key for s in numbers.bound] == [k for k, _, m in stages if m is not None]
    for stage in numbers.bound:
        assert stage.dropoff == (counts[stage.step - 1] - counts[stage.step] if stage.step else 0)
        assert sum(s.people for s in stage.devices) <= stage.reached
        if stage.channels:
            assert sum(s.share for s in stage.channels) <= 1 + 1e-9
        if stage.devices:
            assert sum(s.share for s in stage.devices) == pytest.approx(1.0)
    assert sum(s.worst for s in numbers.bound) == (
        1 if any(s.dropoff for s in numbers.bound) else 0
    )


@settings(max_examples=75, **SETTINGS)
@given(random_logs(), maps(), matches())
def test_a_segment_is_the_funnel_of_the_people_in_it(frame, stages, segment):
    bound = [m for _, _, m in stages if m is not None]
    numbers = stage_numbers(frame, stages, segment=segment)
    # the segment by hand: people with an event of its names on which its condition holds
    hit = frame["event"].astype(str).isin(segment.events).to_numpy(dtype=bool)
    for c in segment.where:
        if c.column not in frame:
            hit = hit & False
            continue
        values = frame[c.column].astype("string").fillna("")
        if c.op == "is":
            ok = values.isin(c.values)
        elif c.op == "is not":
            ok = ~values.isin(c.values)
        else:
            ok = values.str.casefold().str.contains(c.values[0].casefold(), regex=False)
        hit = hit & ok.to_numpy(dtype=bool)
    people = set(frame.loc[hit, "actor_id"].astype(str))
    assert numbers.people == len(people)
    if bound:
        inside = frame[frame["actor_id"].astype(str).isin(people).to_numpy(dtype=bool)]
        assert numbers.funnel.counts == funnel(inside, bound, window=DEFAULT_WINDOW).counts


@settings(max_examples=150, **SETTINGS)
@given(random_logs(), st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=4), st.data())
def test_plain_event_matches_are_the_same_funnel_as_event_names(frame, steps, data):
    options = {
        "window": data.draw(st.integers(0, 60)),
        "order": data.draw(st.sampled_from(["ordered", "strict", "unordered"])),
    }
    by_match = funnel(frame, [Match((e,)) for e in steps], **options)
    by_name = funnel(frame, steps, **options)
    assert by_match.counts == by_name.counts
    for got, want in zip(by_match.steps, by_name.steps, strict=True):
        assert got.users == want.users
        assert got.median_time == want.median_time
