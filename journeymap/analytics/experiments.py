"""Testing a new strategy on the journey: A against B, or before against after a change.

People are split into two groups: by a property of their events (e.g.
`experiment_variant`: people whose events carry A are in A, those carrying B in B,
people seen with both are left out and counted, other values are ignored), or by when they entered the
journey (their first step-0 event before or at/after a date). Each group's journey
through the map's bound stages is the same funnel as the wall's. Per stage:

- each group's conversion from the journey's first stage, with its 95 % Wilson interval;
- the absolute and relative lift of B over A and a two-sided two-proportion z-test
  (pooled standard error), the textbook test product analytics tools report;
- the sample size per group that would detect the observed lift with power 0.8 at
  alpha 0.05 (the normal approximation), and whether the groups are that large;
- a sample-ratio-mismatch check: a chi-square test of the group sizes against the split
  the test intended (50/50 unless told), flagged below p = 0.001.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from journeymap.analytics.prepare import Prepared, _micros, prepare
from journeymap.analytics.segments import Match
from journeymap.analytics.stages import DEFAULT_WINDOW, Rate, stage_numbers, subset

ALPHA = 0.05
POWER = 0.8
SRM_ALPHA = 0.001


def normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))


_A = (
    -3.969683028665376e01,
    2.209460984245205e02,
    -2.759285104469687e02,
    1.383577518672690e02,
    -3.066479806614716e01,
    2.506628277459239e00,
)
_B = (
    -5.447609879822406e01,
    1.615858368580409e02,
    -1.556989798598866e02,
    6.680131188771972e01,
    -1.328068155288572e01,
)
_C = (
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e00,
    -2.549732539343734e00,
    4.374664141464968e00,
    2.938163982698783e00,
)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)


def normal_quantile(p: float) -> float:
    """The inverse of `normal_cdf`: Acklam's rational approximation (relative error 1e-9),
    refined by one Halley step on the exact lower-tail probability (erfc); the upper half
    by symmetry, so both tails stay accurate down to the smallest floats."""
    if not 0 < p < 1:
        raise ValueError("A probability strictly between 0 and 1.")
    if p > 0.5:  # 1 - p is exact here (Sterbenz), and the lower tail is where floats are dense
        return -normal_quantile(1 - p)
    if p < 0.02425:
        q = math.sqrt(-2 * math.log(p))
        x = (((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / (
            (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1
        )
    else:
        q = p - 0.5
        r = q * q
        x = (
            (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5])
            * q
            / (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1)
        )
    e = 0.5 * math.erfc(-x / math.sqrt(2)) - p
    u = e * math.sqrt(2 * math.pi) * math.exp(x * x / 2)
    return x - u / (1 + x * u / 2)


def two_proportion_test(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float] | None:
    """z and the two-sided p-value of "the two rates differ" (pooled); None without data."""
    if n1 == 0 or n2 == 0:
        return None
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return (0.0, 1.0)
    z = (k2 / n2 - k1 / n1) / se
    return z, math.erfc(abs(z) / math.sqrt(2))


def sample_size(p1: float, p2: float, *, alpha: float = ALPHA, power: float = POWER) -> int | None:
    """People per group to detect p1 -> p2 (two-sided, equal groups); None when p1 == p2."""
    if p1 == p2:
        return None
    za = normal_quantile(1 - alpha / 2)
    zb = normal_quantile(power)
    mean = (p1 + p2) / 2
    top = za * math.sqrt(2 * mean * (1 - mean)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(top * top / (p1 - p2) ** 2)


def sample_ratio_mismatch(n1: int, n2: int, share: float = 0.5) -> float | None:
    """The p-value of the group sizes under the intended split (chi-square, 1 degree)."""
    if not 0 < share < 1:
        raise ValueError("The intended share of group A is between 0 and 1 (exclusive).")
    total = n1 + n2
    if total == 0:
        return None
    e1, e2 = total * share, total * (1 - share)
    chi = (n1 - e1) ** 2 / e1 + (n2 - e2) ** 2 / e2
    return math.erfc(math.sqrt(chi / 2))


@dataclass(frozen=True)
class StageTest:
    """One stage of an experiment: both groups' conversion from the first stage."""

    key: str
    name: str
    a: Rate
    b: Rate
    z: float | None
    p_value: float | None
    needed: int | None  # people per group to detect the observed lift (power 0.8)

    @property
    def lift(self) -> float | None:
        """B's conversion minus A's (absolute, in proportion points)."""
        if self.a.value is None or self.b.value is None:
            return None
        return self.b.value - self.a.value

    @property
    def relative_lift(self) -> float | None:
        if self.lift is None or not self.a.value:
            return None
        return self.lift / self.a.value

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA

    @property
    def underpowered(self) -> bool:
        return self.needed is not None and min(self.a.n, self.b.n) < self.needed


@dataclass(frozen=True)
class ExperimentResult:
    a_label: str
    b_label: str
    people: tuple[int, int]  # entered the journey, per group
    stages: tuple[StageTest, ...]
    srm_p: float | None
    mixed: int  # people seen in both groups, left out

    @property
    def mismatch(self) -> bool:
        return self.srm_p is not None and self.srm_p < SRM_ALPHA

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "stage": t.name,
                    f"{self.a_label} people": t.a.k,
                    f"{self.a_label} conversion": t.a.value,
                    f"{self.b_label} people": t.b.k,
                    f"{self.b_label} conversion": t.b.value,
                    "lift (points)": None if t.lift is None else 100 * t.lift,
                    "relative lift": t.relative_lift,
                    "p-value": t.p_value,
                    "needed per group": t.needed,
                }
                for t in self.stages
            ]
        )


def groups_by_property(data: Prepared, column: str, a: str, b: str) -> tuple[np.ndarray, int]:
    """Per actor code: 0 if the person's events carry `a`, 1 if `b`, -1 if neither or both;
    and how many people carried both values (they are left out)."""
    codes, labels = data.column_codes(column)
    labels = np.asarray(labels, dtype=object).astype(str)
    side = np.full(len(labels), -1, dtype=np.int8)
    side[labels == a] = 0
    side[labels == b] = 1
    on = side[codes]
    seen = np.zeros((len(data.actor_ids), 2), dtype=bool)
    for g in (0, 1):
        seen[data.actor[on == g], g] = True
    both = seen[:, 0] & seen[:, 1]
    group = np.where(seen[:, 1], 1, np.where(seen[:, 0], 0, -1)).astype(np.int8)
    group[both] = -1
    return group, int(both.sum())


def groups_by_date(data: Prepared, first: Match, cut: date | datetime) -> np.ndarray:
    """Per actor code: 0 if they entered (first step-0 event) before `cut`, 1 at or after."""
    entry = np.full(len(data.actor_ids), np.iinfo(np.int64).max)
    hit = first.mask(data)
    np.minimum.at(entry, data.actor[hit], data.ts[hit])
    group = np.where(entry >= _micros(cut, end=False), 1, 0).astype(np.int8)
    group[entry == np.iinfo(np.int64).max] = -1
    return group


def experiment(
    data: Prepared | pd.DataFrame,
    stages: Sequence[tuple[str, str, Match | None]],
    *,
    column: str | None = None,
    a: str = "A",
    b: str = "B",
    cut: date | datetime | None = None,
    share: float = 0.5,
    window: timedelta = DEFAULT_WINDOW,
    segment: Match | None = None,
    date_from=None,
    date_to=None,
) -> ExperimentResult:
    """A against B (`column` with values `a`, `b`) or before against after (`cut`)."""
    d = subset(prepare(data), segment, date_from, date_to)
    bound = [s for s in stages if s[2] is not None]
    if not bound:
        raise ValueError("Bind at least one stage to data first.")
    if (column is None) == (cut is None):
        raise ValueError("Split the people by a property or by a date, one of the two.")
    if column is not None:
        if column not in d.columns:
            raise ValueError(f"The dataset has no column {column!r}.")
        group, mixed = groups_by_property(d, column, a, b)
        labels = (a, b)
    else:
        group, mixed = groups_by_date(d, bound[0][2], cut), 0
        labels = (f"before {cut:%Y-%m-%d}", f"from {cut:%Y-%m-%d}")
    sides = [stage_numbers(d.subset(group[d.actor] == g), bound, window=window) for g in (0, 1)]
    tests = []
    for key, name, _ in bound:
        x, y = sides[0].stages[key], sides[1].stages[key]
        ra, rb = x.from_start, y.from_start
        test = two_proportion_test(ra.k, ra.n, rb.k, rb.n)
        needed = sample_size(ra.value, rb.value) if ra.n and rb.n else None
        tests.append(StageTest(key, name, ra, rb, *(test or (None, None)), needed))
    people = (sides[0].funnel.counts[0], sides[1].funnel.counts[0])
    return ExperimentResult(labels[0], labels[1], people, tuple(tests),
                            sample_ratio_mismatch(*people, share), mixed)  # fmt: skip
