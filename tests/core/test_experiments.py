"""Testing a new strategy on the journey: A/B by a property, or before/after a date.

The statistics (`normal_quantile`, `two_proportion_test`, `sample_size`,
`sample_ratio_mismatch`) against values computed by hand here with `math` (scipy is not a
dependency), and `experiment()` on small hand-computed logs. A log row is
`(actor, event, seconds[, variant])` (`metrics_reference.log`, its property `p` renamed to
`variant`); times are seconds after Monday 2024-03-04 12:00 UTC.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from journeymap.analytics import prepare
from journeymap.analytics.experiments import (
    SRM_ALPHA,
    experiment,
    groups_by_date,
    groups_by_property,
    normal_cdf,
    normal_quantile,
    sample_ratio_mismatch,
    sample_size,
    two_proportion_test,
)
from journeymap.analytics.segments import Condition, Match
from journeymap.analytics.stages import Rate

from .metrics_reference import log

MINUTE, HOUR, DAY = 60, 3600, 86_400
Z975 = 1.959963984540054  # the 97.5 % standard normal quantile (tables; scipy.stats.norm.ppf)
Z80 = 0.8416212335729143  # the 80 % quantile
Z995 = 2.5758293035489004  # the 99.5 % quantile
Z90 = 1.2815515655446004  # the 90 % quantile


def approx(value, tol: float = 1e-9):
    return pytest.approx(value, rel=tol, abs=tol)


def lower_quantile(p: float) -> float:
    """Phi^-1(p) for p <= 1/2 by bisection on `math.erfc` (slow, obviously right): erfc of a
    positive argument keeps full relative precision far into the tail."""
    lo, hi = -40.0, 0.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if 0.5 * math.erfc(-mid / math.sqrt(2)) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def closed_form_n(p1: float, p2: float, za: float = Z975, zb: float = Z80) -> int:
    """People per group, two-sided test of p1 vs p2 with equal groups (normal approximation):
    n = (za * sqrt(2 pbar qbar) + zb * sqrt(p1 q1 + p2 q2))^2 / (p1 - p2)^2, pbar = (p1 + p2)/2,
    rounded up (Fleiss, Statistical Methods for Rates and Proportions, 4.14 without the
    continuity correction)."""
    pbar = (p1 + p2) / 2
    top = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(top**2 / (p1 - p2) ** 2)


def two_sided(z: float) -> float:
    """P(|Z| > |z|) for a standard normal Z."""
    return math.erfc(abs(z) / math.sqrt(2))


# --- normal quantile -------------------------------------------------------------------------


def test_normal_quantile_known_values() -> None:
    assert normal_quantile(0.975) == approx(1.959964, 1e-6)
    assert normal_quantile(0.975) == approx(Z975, 1e-10)
    assert normal_quantile(0.8) == approx(0.841621, 1e-6)
    assert normal_quantile(0.8) == approx(Z80, 1e-12)
    assert normal_quantile(0.995) == approx(Z995, 1e-9)
    assert normal_quantile(0.9) == approx(Z90, 1e-12)
    assert normal_quantile(0.5) == pytest.approx(0.0, abs=1e-15)
    assert normal_quantile(0.025) == approx(-Z975, 1e-10)


@pytest.mark.parametrize("p", [0.3, 0.1, 0.01, 1e-3, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12])
def test_normal_quantile_tails_against_bisection(p: float) -> None:
    want = lower_quantile(p)
    assert normal_quantile(p) == pytest.approx(want, abs=1e-7)
    # the upper tail: 1 - p is exact for these p in floating point only up to its rounding,
    # so compare with the quantile of the complement actually represented
    q = 1 - p
    assert normal_quantile(q) == pytest.approx(
        -lower_quantile(1 - q), abs=1e-7 if p >= 1e-8 else 1e-4
    )


def test_normal_quantile_inverts_the_cdf_and_is_monotone() -> None:
    ps = [1e-9, 1e-6, 0.001, 0.02, 0.2, 0.5, 0.7, 0.95, 0.999, 1 - 1e-6]
    xs = [normal_quantile(p) for p in ps]
    assert xs == sorted(xs)
    for p, x in zip(ps, xs, strict=True):
        assert normal_cdf(x) == pytest.approx(p, rel=1e-6)
        assert normal_quantile(1 - p) == pytest.approx(-x, abs=1e-6)


@pytest.mark.parametrize("p", [0.0, 1.0, -0.1, 1.5])
def test_normal_quantile_refuses_what_is_not_a_probability(p: float) -> None:
    with pytest.raises(ValueError):
        normal_quantile(p)


@pytest.mark.parametrize("p", [1e-17, 1e-20, 1e-300])
def test_normal_quantile_deep_lower_tail(p: float) -> None:
    assert normal_quantile(p) == pytest.approx(lower_quantile(p), rel=1e-6)


def test_normal_quantile_is_accurate_to_double_precision() -> None:
    for p in (1e-3, 1e-6, 0.999):
        want = lower_quantile(p) if p < 0.5 else -lower_quantile(1 - p)
        assert normal_quantile(p) == pytest.approx(want, abs=1e-12)


# --- two-proportion z-test ---------------------------------------------------------------------


def test_two_proportion_test_known_value() -> None:
    # pooled p = 230 / 2000 = 0.115; se = sqrt(0.115 * 0.885 * (1/1000 + 1/1000))
    se = math.sqrt(0.115 * 0.885 * 0.002)
    z_hand = 0.03 / se
    z, p = two_proportion_test(100, 1000, 130, 1000)
    assert z == approx(z_hand, 1e-12)
    assert z == pytest.approx(2.1027, abs=5e-5)
    assert p == approx(two_sided(z_hand), 1e-12)
    assert p == pytest.approx(0.0355, abs=5e-5)


def test_two_proportion_test_sign_and_symmetry() -> None:
    z, p = two_proportion_test(130, 1000, 100, 1000)
    assert z == pytest.approx(-2.1027, abs=5e-5)
    assert p == pytest.approx(0.0355, abs=5e-5)
    # unequal groups: 30/200 against 45/250
    pooled = 75 / 450
    z_hand = (45 / 250 - 30 / 200) / math.sqrt(pooled * (1 - pooled) * (1 / 200 + 1 / 250))
    z, p = two_proportion_test(30, 200, 45, 250)
    assert z == approx(z_hand, 1e-12)
    assert p == approx(two_sided(z_hand), 1e-12)


def test_two_proportion_test_edge_cases() -> None:
    assert two_proportion_test(0, 0, 5, 10) is None
    assert two_proportion_test(5, 10, 0, 0) is None
    assert two_proportion_test(0, 0, 0, 0) is None
    # no variance at all: both rates 0 or both 100 %
    assert two_proportion_test(0, 10, 0, 20) == (0.0, 1.0)
    assert two_proportion_test(10, 10, 5, 5) == (0.0, 1.0)
    # equal rates with variance: z = 0, p = 1
    z, p = two_proportion_test(10, 100, 20, 200)
    assert z == 0.0
    assert p == 1.0


# --- sample size -----------------------------------------------------------------------------------


def test_sample_size_known_value() -> None:
    # pbar = 0.11: (1.959964 * sqrt(0.1958) + 0.841621 * sqrt(0.1956))^2 / 0.02^2 = 3840.85 -> 3841
    pbar = 0.11
    top = Z975 * math.sqrt(2 * pbar * (1 - pbar)) + Z80 * math.sqrt(0.09 + 0.1056)
    assert top**2 / 0.0004 == pytest.approx(3840.85, abs=0.01)
    assert closed_form_n(0.10, 0.12) == 3841
    assert sample_size(0.10, 0.12) == 3841
    assert sample_size(0.12, 0.10) == 3841  # two-sided: the order does not matter


@pytest.mark.parametrize(
    ("p1", "p2"), [(0.5, 2 / 3), (0.1, 0.5), (0.02, 0.025), (0.3, 0.2), (0.0, 0.1), (0.9, 1.0)]
)
def test_sample_size_matches_the_closed_form(p1: float, p2: float) -> None:
    assert sample_size(p1, p2) == closed_form_n(p1, p2)


def test_sample_size_alpha_and_power() -> None:
    assert sample_size(0.10, 0.12, alpha=0.01, power=0.9) == closed_form_n(0.10, 0.12, Z995, Z90)
    assert sample_size(0.10, 0.12, alpha=0.01) > sample_size(0.10, 0.12)
    assert sample_size(0.10, 0.12, power=0.9) > sample_size(0.10, 0.12)
    assert sample_size(0.10, 0.15) < sample_size(0.10, 0.12)  # a larger lift needs fewer people


def test_sample_size_equal_rates_is_none() -> None:
    assert sample_size(0.1, 0.1) is None
    assert sample_size(0.0, 0.0) is None


# --- sample ratio mismatch --------------------------------------------------------------------------


def test_srm_equal_groups() -> None:
    assert sample_ratio_mismatch(5000, 5000) == 1.0
    assert sample_ratio_mismatch(1, 1) == 1.0


def test_srm_50_50_with_5000_against_5200() -> None:
    # expected 5100 each: chi2 = 2 * 100^2 / 5100 = 3.92157 (1 degree) = z^2 with
    # z = 100 / sqrt(10200 * 0.25) = 1.98030; p = P(|Z| > 1.98030) = 0.04767
    chi = 2 * 100**2 / 5100
    assert chi == pytest.approx(3.92157, abs=1e-5)
    p = sample_ratio_mismatch(5000, 5200)
    assert p == approx(two_sided(100 / math.sqrt(10200 * 0.25)), 1e-12)
    assert p == pytest.approx(0.04767, abs=1e-5)
    assert p > SRM_ALPHA  # suspicious-ish, but not flagged
    assert sample_ratio_mismatch(5200, 5000) == approx(p, 1e-12)


def test_srm_intended_90_10_split() -> None:
    assert sample_ratio_mismatch(9000, 1000, share=0.9) == approx(1.0, 1e-12)
    # 9100 / 900 against 9000 / 1000: chi2 = 100^2/9000 + 100^2/1000 = 11.111; p = 0.000858
    p = sample_ratio_mismatch(9100, 900, share=0.9)
    assert p == approx(two_sided(math.sqrt(100**2 / 9000 + 100**2 / 1000)), 1e-12)
    assert p == pytest.approx(0.000858, abs=1e-6)
    assert p < SRM_ALPHA
    # the same counts judged as a 50/50 test: a gross mismatch
    assert sample_ratio_mismatch(9000, 1000) < 1e-100


def test_srm_without_people() -> None:
    assert sample_ratio_mismatch(0, 0) is None


# --- experiment(): A against B by a property --------------------------------------------------------


@pytest.fixture(params=["frame", "categorical", "prepared"])
def events(request: pytest.FixtureRequest):
    """`events(*rows)`: a log of `(actor, event, seconds[, variant])` rows, as a plain frame,
    with categoricals, or prepared."""

    def make(*rows):
        frame = log(*rows, categorical=request.param != "frame").rename(columns={"p": "variant"})
        return prepare(frame) if request.param == "prepared" else frame

    return make


def on(*names: str) -> list[tuple[str, str, Match | None]]:
    """Stages keyed by their event's name, named in capitals."""
    return [(name, name.upper(), Match((name,))) for name in names]


STAGES = on("visit", "cart", "buy")

AB = (
    # group A: 4 enter (a5 never visits), 2 reach the cart, 1 buys
    ("a1", "visit", 0, "A"), ("a1", "cart", 60), ("a1", "buy", 120),
    ("a2", "visit", 0, "A"), ("a2", "cart", 60),
    ("a3", "visit", 0, "A"),
    ("a4", "home", 0, "A"), ("a4", "visit", 60),  # the variant on a non-stage event
    ("a5", "cart", 0, "A"),  # in A, never enters the journey
    # group B: 3 enter, 2 reach the cart, 2 buy
    ("b1", "visit", 0, "B"), ("b1", "cart", 60), ("b1", "buy", 120),
    ("b2", "visit", 0), ("b2", "cart", 60, "B"), ("b2", "buy", 120),  # variant on a later event
    ("b3", "visit", 0, "B"), ("b3", "visit", 60, "B"),
    # seen in both groups: left out, counted as mixed
    ("m1", "visit", 0, "A"), ("m1", "cart", 60, "B"), ("m1", "buy", 120, "A"),
    # in neither group: another value, or no value at all
    ("n1", "visit", 0, "C"), ("n1", "cart", 60, "C"),
    ("n2", "visit", 0), ("n2", "cart", 60), ("n2", "buy", 120),
)  # fmt: skip


def test_groups_by_property() -> None:
    data = prepare(log(*AB).rename(columns={"p": "variant"}))
    group, mixed = groups_by_property(data, "variant", "A", "B")
    by_person = dict(zip(data.actor_ids, group.tolist(), strict=True))
    assert by_person == {
        "a1": 0, "a2": 0, "a3": 0, "a4": 0, "a5": 0,
        "b1": 1, "b2": 1, "b3": 1,
        "m1": -1, "n1": -1, "n2": -1,
    }  # fmt: skip
    assert mixed == 1


def test_ab_people_and_mixed(events) -> None:
    r = experiment(events(*AB), STAGES, column="variant", a="A", b="B")
    assert (r.a_label, r.b_label) == ("A", "B")
    assert r.people == (4, 3)
    assert r.mixed == 1
    assert [t.key for t in r.stages] == ["visit", "cart", "buy"]
    assert [t.name for t in r.stages] == ["VISIT", "CART", "BUY"]


def test_ab_conversions_from_start_per_group(events) -> None:
    r = experiment(events(*AB), STAGES, column="variant", a="A", b="B")
    visit, cart, buy = r.stages
    assert (visit.a, visit.b) == (Rate(4, 4), Rate(3, 3))
    assert (cart.a, cart.b) == (Rate(2, 4), Rate(2, 3))
    assert (buy.a, buy.b) == (Rate(1, 4), Rate(2, 3))


def test_ab_lift_and_relative_lift(events) -> None:
    r = experiment(events(*AB), STAGES, column="variant", a="A", b="B")
    visit, cart, buy = r.stages
    assert visit.lift == 0.0
    assert visit.relative_lift == 0.0
    assert cart.lift == approx(2 / 3 - 1 / 2)  # +16.7 points
    assert cart.relative_lift == approx(1 / 3)
    assert buy.lift == approx(2 / 3 - 1 / 4)
    assert buy.relative_lift == approx((2 / 3 - 1 / 4) / (1 / 4))  # x 2.67


def test_ab_significance_per_stage(events) -> None:
    r = experiment(events(*AB), STAGES, column="variant", a="A", b="B")
    visit, cart, buy = r.stages
    # everyone is at the first stage in both groups: no variance, z = 0, p = 1
    assert (visit.z, visit.p_value) == (0.0, 1.0)
    assert visit.needed is None  # equal rates: no lift to detect
    assert not visit.underpowered
    assert not visit.significant
    # cart: pooled 4/7, se = sqrt(4/7 * 3/7 * (1/4 + 1/3)) = sqrt(1/7); z = (1/6) sqrt(7)
    assert cart.z == approx(math.sqrt(7) / 6)
    assert cart.p_value == approx(two_sided(math.sqrt(7) / 6))
    assert not cart.significant
    # buy: pooled 3/7, the same se; z = (2/3 - 1/4) sqrt(7) = (5/12) sqrt(7)
    assert buy.z == approx(5 * math.sqrt(7) / 12)
    assert buy.p_value == approx(two_sided(5 * math.sqrt(7) / 12))


def test_ab_needed_and_underpowered(events) -> None:
    r = experiment(events(*AB), STAGES, column="variant", a="A", b="B")
    _, cart, buy = r.stages
    assert cart.needed == closed_form_n(1 / 2, 2 / 3)
    assert buy.needed == closed_form_n(1 / 4, 2 / 3)
    assert cart.needed > 4 and buy.needed > 4
    assert cart.underpowered and buy.underpowered


def test_ab_srm(events) -> None:
    r = experiment(events(*AB), STAGES, column="variant", a="A", b="B")
    # 4 against 3, intended 50/50: chi2 = 2 * 0.5^2 / 3.5 = 1/7
    assert r.srm_p == approx(two_sided(math.sqrt(1 / 7)))
    assert not r.mismatch
    told = experiment(events(*AB), STAGES, column="variant", a="A", b="B", share=4 / 7)
    assert told.srm_p == approx(1.0)


def test_ab_swapped_labels_swap_the_groups(events) -> None:
    r = experiment(events(*AB), STAGES, column="variant", a="B", b="A")
    assert (r.a_label, r.b_label) == ("B", "A")
    assert r.people == (3, 4)
    assert r.stages[2].lift == approx(1 / 4 - 2 / 3)
    assert r.stages[2].z == approx(-5 * math.sqrt(7) / 12)


def test_ab_to_frame(events) -> None:
    frame = experiment(events(*AB), STAGES, column="variant", a="A", b="B").to_frame()
    assert list(frame.columns) == [
        "stage", "A people", "A conversion", "B people", "B conversion",
        "lift (points)", "relative lift", "p-value", "needed per group",
    ]  # fmt: skip
    assert frame["stage"].tolist() == ["VISIT", "CART", "BUY"]
    assert frame["A people"].tolist() == [4, 2, 1]
    assert frame["B people"].tolist() == [3, 2, 2]
    assert frame["lift (points)"].tolist() == pytest.approx([0.0, 100 / 6, 100 * (2 / 3 - 1 / 4)])


def test_ab_unbound_stages_are_skipped(events) -> None:
    stages = [("visit", "VISIT", Match(("visit",))), ("mid", "MID", None), *on("buy")]
    r = experiment(events(*AB), stages, column="variant", a="A", b="B")
    assert [t.key for t in r.stages] == ["visit", "buy"]
    assert (r.stages[1].a, r.stages[1].b) == (Rate(1, 4), Rate(2, 3))


def test_ab_a_group_nobody_is_in() -> None:
    data = log(*AB).rename(columns={"p": "variant"})
    r = experiment(data, STAGES, column="variant", a="A", b="Z")
    assert r.people == (5, 0)
    assert r.mixed == 0  # m1 carries A and B, but B is not a group here: m1 is in A
    cart = r.stages[1]
    assert (cart.a, cart.b) == (Rate(3, 5), Rate(0, 0))
    assert cart.lift is None and cart.relative_lift is None
    assert (cart.z, cart.p_value, cart.needed) == (None, None, None)
    assert not cart.significant and not cart.underpowered


def test_ab_segment_limits_the_people() -> None:
    data = log(*AB).rename(columns={"p": "variant"})
    data["device"] = ["mobile" if a in ("a1", "a2", "b1") else "desktop" for a in data["actor_id"]]
    mobile = Match((), (Condition("device", "is", ("mobile",)),))
    r = experiment(data, STAGES, column="variant", a="A", b="B", segment=mobile)
    assert r.people == (2, 1)
    assert (r.stages[2].a, r.stages[2].b) == (Rate(1, 2), Rate(1, 1))


def _people(group: str, entered: int, bought: int, start: int = 0) -> list[tuple]:
    rows = []
    for i in range(entered):
        rows.append((f"{group}{start + i}", "visit", 0, group))
        if i < bought:
            rows.append((f"{group}{start + i}", "buy", 60))
    return rows


def test_significant_and_powered_with_enough_people() -> None:
    data = log(*_people("A", 100, 10), *_people("B", 100, 50)).rename(columns={"p": "variant"})
    r = experiment(data, on("visit", "buy"), column="variant")  # a = "A", b = "B" by default
    buy = r.stages[1]
    assert (buy.a, buy.b) == (Rate(10, 100), Rate(50, 100))
    pooled = 0.3
    z = 0.4 / math.sqrt(pooled * 0.7 * 0.02)
    assert buy.z == approx(z)
    assert buy.p_value == approx(two_sided(z))
    assert buy.significant
    assert buy.needed == closed_form_n(0.1, 0.5)
    assert buy.needed <= 100
    assert not buy.underpowered
    assert r.srm_p == 1.0 and not r.mismatch


def test_srm_flag_on_unequal_groups() -> None:
    data = log(*_people("A", 1000, 0), *_people("B", 1400, 0)).rename(columns={"p": "variant"})
    r = experiment(data, on("visit"), column="variant")
    assert r.people == (1000, 1400)
    assert r.srm_p == approx(two_sided(math.sqrt(2 * 200**2 / 1200)))
    assert r.mismatch
    told = experiment(data, on("visit"), column="variant", share=1000 / 2400)
    assert told.srm_p == approx(1.0)
    assert not told.mismatch


# --- experiment(): before against after a date ------------------------------------------------------

CUT = date(2024, 3, 5)  # BASE is 2024-03-04 12:00: the cut is 12 hours later
BEFORE_AFTER = (
    ("e1", "visit", 0), ("e1", "cart", DAY), ("e1", "buy", DAY + 60),
    ("e2", "visit", 0), ("e2", "visit", 2 * DAY), ("e2", "cart", 2 * DAY + 60),  # entered before
    ("e3", "home", 0), ("e3", "visit", DAY),  # other events before the cut do not count
    ("e4", "visit", 12 * HOUR), ("e4", "cart", 13 * HOUR), ("e4", "buy", 14 * HOUR),  # at the cut
    ("e5", "visit", 12 * HOUR - 1),  # 23:59:59 on the day before
    ("e6", "cart", 0), ("e6", "buy", DAY),  # never entered
)  # fmt: skip


def test_groups_by_date() -> None:
    data = prepare(log(*BEFORE_AFTER))
    group = groups_by_date(data, Match(("visit",)), CUT)
    assert dict(zip(data.actor_ids, group.tolist(), strict=True)) == {
        "e1": 0, "e2": 0, "e3": 1, "e4": 1, "e5": 0, "e6": -1,
    }  # fmt: skip


def test_before_after_a_date(events) -> None:
    r = experiment(events(*BEFORE_AFTER), STAGES, cut=CUT)
    assert (r.a_label, r.b_label) == ("before 2024-03-05", "from 2024-03-05")
    assert r.mixed == 0
    assert r.people == (3, 2)
    visit, cart, buy = r.stages
    assert (visit.a, visit.b) == (Rate(3, 3), Rate(2, 2))
    assert (cart.a, cart.b) == (Rate(2, 3), Rate(1, 2))
    assert (buy.a, buy.b) == (Rate(1, 3), Rate(1, 2))
    assert buy.lift == approx(1 / 2 - 1 / 3)
    assert buy.relative_lift == approx(0.5)
    pooled = 2 / 5
    z = (1 / 2 - 1 / 3) / math.sqrt(pooled * (1 - pooled) * (1 / 3 + 1 / 2))
    assert buy.z == approx(z)
    assert r.srm_p == approx(two_sided(math.sqrt(2 * 0.5**2 / 2.5)))


def test_before_after_a_moment(events) -> None:
    # 06:00 on the 5th: e4 (00:00 on the 5th) entered before it
    r = experiment(events(*BEFORE_AFTER), STAGES, cut=datetime(2024, 3, 5, 6, tzinfo=UTC))
    assert (r.a_label, r.b_label) == ("before 2024-03-05", "from 2024-03-05")
    assert r.people == (4, 1)
    assert (r.stages[2].a, r.stages[2].b) == (Rate(2, 4), Rate(0, 1))


def test_before_after_respects_the_window(events) -> None:
    r = experiment(events(*BEFORE_AFTER), STAGES, cut=CUT, window=timedelta(hours=2))
    # e1's cart is a day after the visit, e2's 60 s after its second visit
    assert (r.stages[1].a, r.stages[1].b) == (Rate(1, 3), Rate(1, 2))


def test_before_after_date_range_drops_events_first(events) -> None:
    # from 2024-03-05: e1's and e2's first visits are gone; e2 enters with its 3-06 visit
    r = experiment(events(*BEFORE_AFTER), STAGES, cut=CUT, date_from=date(2024, 3, 5))
    assert r.people == (0, 3)  # e2, e3, e4 from the cut; e5's visit is out of range
    assert r.stages[1].b == Rate(2, 3)


# --- experiment(): refusals -------------------------------------------------------------------------


def test_no_bound_stage_is_refused() -> None:
    data = log(*AB).rename(columns={"p": "variant"})
    with pytest.raises(ValueError, match="Bind at least one stage"):
        experiment(data, [("s", "S", None)], column="variant")
    with pytest.raises(ValueError, match="Bind at least one stage"):
        experiment(data, [], cut=CUT)


def test_both_or_neither_split_is_refused() -> None:
    data = log(*AB).rename(columns={"p": "variant"})
    with pytest.raises(ValueError, match="one of the two"):
        experiment(data, STAGES)
    with pytest.raises(ValueError, match="one of the two"):
        experiment(data, STAGES, column="variant", cut=CUT)


def test_missing_column_is_refused() -> None:
    data = log(*AB).rename(columns={"p": "variant"})
    with pytest.raises(ValueError, match="'experiment_variant'"):
        experiment(data, STAGES, column="experiment_variant")
    with pytest.raises(ValueError, match="'experiment_variant'"):
        experiment(prepare(data), STAGES, column="experiment_variant")


def test_plain_frame_and_prepared_agree() -> None:
    frame = log(*AB).rename(columns={"p": "variant"})
    one = experiment(frame, STAGES, column="variant")
    two = experiment(prepare(frame), STAGES, column="variant")
    assert one == two
    assert isinstance(one.to_frame(), pd.DataFrame)
