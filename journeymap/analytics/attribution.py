"""Crediting conversions (and their revenue) to the channels, campaigns or touchpoints
that came before them. Attribution is association, not cause: it shares out what
happened; it does not say what would have happened without a channel.

A touch is the first event of a session (30 minutes of inactivity split sessions) with
a value in the credited column (a session whose opening page view has no channel still
touches at its first tagged event); the touches of a conversion are the person's
touches in the `lookback` before it (the conversion's own session included). Models:

- first touch, last touch: all the credit to one touch;
- last non-direct: the last touch that is not "Direct" (all-direct paths: Direct);
- linear: equal shares; time decay: shares halve every `half_life` before the
  conversion; position-based: 40 % first, 40 % last, 20 % shared by the middle (one
  touch: all of it; two: half each);
- data-driven (Markov): a first-order Markov chain over every person's touch sequence
  (converting paths end in "conversion", the rest in "null"; repeats collapsed). A
  channel's removal effect is the share of conversions lost when its state sends
  everyone to null; conversions are shared in proportion to the removal effects.

Conversions with no touch in the lookback are credited to "(none)".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numba
import numpy as np
import pandas as pd

from journeymap.analytics.prepare import US, Prepared, prepare
from journeymap.analytics.segments import Match, as_match

MODELS = ("first_touch", "last_touch", "last_non_direct", "linear", "time_decay",
          "position_based", "markov")  # fmt: skip
LABELS = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "last_non_direct": "Last non-direct",
    "linear": "Linear",
    "time_decay": "Time decay",
    "position_based": "Position-based (40/20/40)",
    "markov": "Data-driven (Markov)",
}
NONE = "(none)"
DIRECT = "Direct"
SESSION_GAP = timedelta(minutes=30)


@dataclass(frozen=True)
class AttributionResult:
    """Conversions and revenue credited per value, per model."""

    credit: pd.DataFrame  # value, model, conversions, revenue
    conversions: int
    revenue: float
    removal_effects: dict[str, float]  # Markov: value -> removal effect

    def table(self, what: str = "conversions") -> pd.DataFrame:
        """Values down, models across."""
        wide = self.credit.pivot_table(index="value", columns="model", values=what,
                                       aggfunc="sum", fill_value=0.0)  # fmt: skip
        return wide[[m for m in MODELS if m in wide.columns]]


def attribute(
    data: Prepared | pd.DataFrame,
    conversion: str | Match,
    *,
    column: str = "channel",
    lookback: timedelta = timedelta(days=30),
    half_life: timedelta = timedelta(days=7),
    revenue: str | None = "revenue",
    date_from=None,
    date_to=None,
) -> AttributionResult:
    """Credit every conversion in the range to the touches before it, by every model."""
    d = prepare(data).between(date_from, date_to)
    if column not in d.columns:
        raise ValueError(f"The dataset has no column {column!r} to credit.")
    if len(d) == 0:
        empty_credit = pd.DataFrame(columns=["value", "model", "conversions", "revenue"])
        return AttributionResult(empty_credit, 0, 0.0, {})
    codes, labels = d.column_codes(column)
    labels = [str(x) for x in labels]
    empty = np.array([x == "" for x in labels], dtype=bool)
    width = len(labels) + 1  # the last slot is NONE
    gap = round(SESSION_GAP.total_seconds() * US)
    session = np.cumsum(np.r_[True, (d.actor[1:] != d.actor[:-1]) | (np.diff(d.ts) > gap)])
    valued = np.flatnonzero(~empty[codes])
    touch = np.zeros(len(d), dtype=bool)  # each session's first event with a value
    if len(valued):
        touch[valued[np.r_[True, session[valued][1:] != session[valued][:-1]]]] = True
    converted = as_match(conversion).mask(d)
    value = _revenue(d, revenue)
    direct = labels.index(DIRECT) if DIRECT in labels else -1
    credit = np.zeros((len(MODELS) - 1, width))
    money = np.zeros((len(MODELS) - 1, width))
    states = width + 2  # the values, NONE, then start and end states
    moves = np.zeros(
        (states + 1, states + 1)
    )  # start = width, conversion = width+1, null = width+2
    count = _credit(
        d.starts, d.ts, codes.astype(np.int64), touch, converted, value, width, direct,
        round(lookback.total_seconds() * US), half_life.total_seconds() * US, credit, money, moves,
    )  # fmt: skip
    total_revenue = float(value[converted].sum())
    effects = _removal_effects(moves, width)
    names = [*labels, NONE]
    rows = []
    for m, model in enumerate(MODELS[:-1]):
        rows += [(names[v], model, credit[m, v], money[m, v]) for v in range(width) if credit[m, v]]
    untouched, untouched_money = credit[0, width - 1], money[0, width - 1]
    if untouched:
        rows.append((NONE, "markov", untouched, untouched_money))
    total_effect = sum(effects.values())
    for v, effect in effects.items():
        if total_effect > 0 and effect > 0:
            share = effect / total_effect
            rows.append((names[v], "markov", share * (count - untouched),
                         share * (total_revenue - untouched_money)))  # fmt: skip
    frame = pd.DataFrame(rows, columns=["value", "model", "conversions", "revenue"])
    return AttributionResult(
        frame,
        int(count),
        total_revenue,
        {names[v]: e for v, e in effects.items()},
    )


def _revenue(d: Prepared, column: str | None) -> np.ndarray:
    if not column or column not in d.columns:
        return np.zeros(len(d))
    return np.nan_to_num(d.numbers(column), nan=0.0)


@numba.njit(cache=True, nogil=True)
def _credit(starts, ts, codes, touch, converted, value, width, direct, lookback, half_life,
            credit, money, moves):  # fmt: skip
    """Share each conversion among its touches by the rule-based models; count the
    Markov chain's transitions (converting and non-converting paths). Returns the number
    of conversions."""
    start, conv, null = width, width + 1, width + 2
    count = 0
    buffer = np.empty(len(ts), np.int64)  # touch positions of the current person
    for u in range(len(starts) - 1):
        a, b = starts[u], starts[u + 1]
        touches = 0
        for i in range(a, b):
            if touch[i]:
                buffer[touches] = i
                touches += 1
        first_touch = 0  # the first of the person's touches inside the current lookback
        end = 0  # touches at or before the current conversion
        converted_here = False
        for i in range(a, b):
            if not converted[i]:
                continue
            count += 1
            converted_here = True
            while end < touches and buffer[end] <= i:
                end += 1
            while first_touch < end and ts[buffer[first_touch]] < ts[i] - lookback:
                first_touch += 1
            k = end - first_touch
            if k == 0:
                for m in range(credit.shape[0]):
                    credit[m, width - 1] += 1.0
                    money[m, width - 1] += value[i]
                moves[start, conv] += 1
                continue
            lo = first_touch
            last = codes[buffer[end - 1]]
            shares = np.zeros(k)
            # first, last, last non-direct
            _give(credit, money, 0, codes[buffer[lo]], 1.0, value[i])
            _give(credit, money, 1, last, 1.0, value[i])
            chosen = last
            for j in range(end - 1, lo - 1, -1):
                if codes[buffer[j]] != direct:
                    chosen = codes[buffer[j]]
                    break
            _give(credit, money, 2, chosen, 1.0, value[i])
            for j in range(k):  # linear
                _give(credit, money, 3, codes[buffer[lo + j]], 1.0 / k, value[i])
            total = 0.0  # time decay
            for j in range(k):
                shares[j] = 0.5 ** ((ts[i] - ts[buffer[lo + j]]) / half_life)
                total += shares[j]
            for j in range(k):
                _give(credit, money, 4, codes[buffer[lo + j]], shares[j] / total, value[i])
            for j in range(k):  # position-based
                if k == 1:
                    share = 1.0
                elif k == 2:
                    share = 0.5
                elif j == 0 or j == k - 1:
                    share = 0.4
                else:
                    share = 0.2 / (k - 2)
                _give(credit, money, 5, codes[buffer[lo + j]], share, value[i])
            previous = start  # Markov: the path, repeats collapsed
            for j in range(k):
                state = codes[buffer[lo + j]]
                if state != previous:
                    moves[previous, state] += 1
                    previous = state
            moves[previous, conv] += 1
        if not converted_here and touches:
            previous = start
            for j in range(touches):
                state = codes[buffer[j]]
                if state != previous:
                    moves[previous, state] += 1
                    previous = state
            moves[previous, null] += 1
    return count


@numba.njit(cache=True, nogil=True, inline="always")
def _give(credit, money, model, where, share, value):
    credit[model, where] += share
    money[model, where] += share * value


def _removal_effects(moves: np.ndarray, width: int) -> dict[int, float]:
    """Per value state with traffic: 1 - P(conversion without it) / P(conversion)."""
    base = _conversion_probability(moves, width, removed=None)
    if base <= 0:
        return {}
    used = [v for v in range(width) if moves[:, v].sum() > 0]
    return {v: max(0.0, 1 - _conversion_probability(moves, width, removed=v) / base) for v in used}


def _conversion_probability(moves: np.ndarray, width: int, removed: int | None) -> float:
    """P(reaching conversion from start) in the absorbing chain of the transition counts."""
    start, conv = width, width + 1  # null (width + 2) needs no column: it only absorbs
    transient = [*range(width), start]
    out = moves[transient].sum(axis=1)
    p = np.divide(moves[transient], out[:, None], out=np.zeros_like(moves[transient]),
                  where=out[:, None] > 0)  # fmt: skip
    q = p[:, transient]
    r = p[:, conv].copy()
    if removed is not None:  # everyone reaching the removed state goes to null
        i = transient.index(removed)
        q[i, :] = 0.0
        r[i] = 0.0
    n = len(transient)
    try:
        absorbed = np.linalg.solve(np.eye(n) - q, r)
    except np.linalg.LinAlgError:
        absorbed = np.linalg.lstsq(np.eye(n) - q, r, rcond=None)[0]
    return float(absorbed[transient.index(start)])
