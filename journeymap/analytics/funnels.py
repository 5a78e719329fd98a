"""Funnels with PostHog's semantics (ANALYTICS.md section 2), in one compiled pass.

The rules that make a funnel exact (every step-0 event starts an attempt, greedy
matching within the window from the attempt's start, the user's best attempt
decides, exclusions invalidate attempts and can remove the user) need per-attempt
state that vectorised numpy cannot hold without materialising every attempt and
step. So the pass over each person's events is a small loop compiled with numba:
it reads the prepared arrays once and writes one result row per person (or per
person and group, for step attribution and conversion over time). Everything
around it (counts, sets, times, intervals, breakdowns) is numpy on those rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import numba
import numpy as np
import pandas as pd

from journeymap.analytics.prepare import US, Prepared, prepare
from journeymap.analytics.segments import Match, as_match, step_bits
from journeymap.analytics.stats import rate, wilson

ORDERS = {"ordered": 0, "strict": 1, "unordered": 2}
ATTRIBUTIONS = ("first_touch", "last_touch", "step")
PERIODS = {"day": "D", "week": "W-MON", "month": "M"}
DEFAULT_WINDOW = timedelta(days=14)
OTHER = "Other"
MAX_STEPS = 60  # a step is a bit of an int64 per event


# -- results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StepResult:
    """One step of a funnel: who reached it, who dropped, how long it took.

    `users` and `dropped` are built from actor codes when asked for ("who are they?"):
    a million id strings per step would cost more than the funnel itself.
    """

    index: int
    name: str
    count: int
    from_start: float | None
    from_previous: float | None
    from_start_interval: tuple[float, float] | None
    from_previous_interval: tuple[float, float] | None
    dropoff: int
    dropoff_rate: float | None
    average_time: float | None  # seconds from the previous step
    median_time: float | None
    _reached: np.ndarray  # actor codes of the people at this step
    _dropped: np.ndarray  # actor codes of the people who stopped before it
    _ids: np.ndarray  # actor id per code

    @property
    def users(self) -> frozenset[str]:
        return frozenset(self._ids[self._reached].tolist())

    @property
    def dropped(self) -> frozenset[str]:
        return frozenset(self._ids[self._dropped].tolist())


@dataclass(frozen=True)
class FunnelResult:
    """A funnel's steps; `breakdown` holds one result per property value when asked."""

    steps: tuple[StepResult, ...]
    breakdown: dict[str, FunnelResult] | None
    _times: np.ndarray  # microseconds from step 0, per counted user and step (NaN: not reached)
    _where: np.ndarray  # the event (row of the prepared data) per counted user and step, or -1

    @property
    def counts(self) -> list[int]:
        return [s.count for s in self.steps]

    def conversion_times(self, a: int, b: int) -> np.ndarray:
        """Seconds from step a to step b of each user who reached b."""
        if not 0 <= a < b < len(self.steps):
            raise ValueError(f"Pick two steps a < b among 0..{len(self.steps) - 1}.")
        micros = self._times[:, b] - self._times[:, a]  # exact: whole microseconds
        return micros[~np.isnan(micros)] / US

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for s in self.steps:
            low, high = s.from_start_interval or (None, None)
            rows.append(
                {
                    "step": s.index + 1,
                    "event": s.name,
                    "users": s.count,
                    "% of first step": s.from_start,
                    "95% low": low,
                    "95% high": high,
                    "% of previous step": s.from_previous,
                    "dropped": s.dropoff,
                    "drop-off %": s.dropoff_rate,
                    "average time (s)": s.average_time,
                    "median time (s)": s.median_time,
                }
            )
        return pd.DataFrame(rows)


# -- the API ---------------------------------------------------------------------------------


def funnel(
    data: Prepared | pd.DataFrame,
    steps: Sequence[str | Match],
    *,
    window: timedelta | float = DEFAULT_WINDOW,
    order: str = "ordered",
    exclusions: Sequence[tuple[str, int, int]] = (),
    breakdown: str | None = None,
    attribution: str = "first_touch",
    attribution_step: int | None = None,
    date_from=None,
    date_to=None,
    top: int = 10,
) -> FunnelResult:
    """Who reached each step of `steps` (event names, or Matches), by PostHog's rules."""
    question = _Question.of(data, steps, window, order, exclusions, date_from, date_to)
    if breakdown is None:
        rows = question.run()
        return _result(question, rows, np.ones(len(rows.actor), dtype=bool))
    if attribution not in ATTRIBUTIONS:
        raise ValueError(f"attribution is one of {', '.join(ATTRIBUTIONS)}.")
    codes, labels = question.data.column_codes(breakdown)
    labels, empty = _with_empty(labels)
    if attribution == "step":
        if attribution_step is None or not 0 <= attribution_step < len(steps):
            raise ValueError("Step attribution needs attribution_step, a step index.")
        step = attribution_step
        rows = question.run(group=codes, group_mode=1, group_step=step, empty=empty)
    else:
        step = None
        rows = question.run()
        rows.group = _touch(question, codes, empty, last=attribution == "last_touch")[rows.actor]
    return _broken_down(question, rows, codes, labels, empty, top, step)


def conversion_over_time(
    data: Prepared | pd.DataFrame,
    steps: Sequence[str | Match],
    *,
    period: str = "week",
    window: timedelta | float = DEFAULT_WINDOW,
    order: str = "ordered",
    exclusions: Sequence[tuple[str, int, int]] = (),
    date_from=None,
    date_to=None,
) -> pd.DataFrame:
    """Per period of entry: people who entered, who reached the last step, the rate."""
    if period not in PERIODS:
        raise ValueError(f"period is one of {', '.join(PERIODS)}.")
    question = _Question.of(data, steps, window, order, exclusions, date_from, date_to)
    starts = period_starts(question.data.ts, period)
    group, labels = pd.factorize(starts, sort=True)
    rows = question.run(group=group.astype(np.int32), group_mode=2)
    last = len(steps) - 1
    frame = pd.DataFrame({"group": rows.group, "converted": rows.reached >= last})
    table = frame.groupby("group").agg(
        entered=("converted", "size"), converted=("converted", "sum")
    )
    out = pd.DataFrame(
        {
            "period": pd.DatetimeIndex(labels[table.index.to_numpy()], tz="UTC"),
            "entered": table["entered"].to_numpy(),
            "converted": table["converted"].to_numpy().astype(int),
        }
    )
    out["rate"] = out["converted"] / out["entered"]
    bounds = [wilson(c, n) for c, n in zip(out["converted"], out["entered"], strict=True)]
    out["low"] = [b[0] for b in bounds]
    out["high"] = [b[1] for b in bounds]
    return out


def period_starts(ts_us: np.ndarray, period: str) -> np.ndarray:
    """The UTC start of the day, ISO week (Monday) or month of each time, as datetime64[us]."""
    days = ts_us // (86_400 * US)
    if period == "day":
        start = days
    elif period == "week":
        start = days - (days + 3) % 7  # 1970-01-01 was a Thursday
    else:
        months = ts_us.astype("datetime64[us]").astype("datetime64[M]")
        return months.astype("datetime64[us]")
    return (start * 86_400 * US).astype("datetime64[us]")


# -- the question and its compiled pass --------------------------------------------------------


@dataclass
class _Rows:
    """One row per person (and group) that is in the funnel: its best attempt."""

    actor: np.ndarray
    group: np.ndarray
    reached: np.ndarray
    where: np.ndarray  # the event (row of the prepared data) per step; -1 where not reached


@dataclass(frozen=True)
class _Question:
    data: Prepared
    names: tuple[str, ...]
    hit: np.ndarray  # per event: bit s set when the event can be step s
    window: int
    order: int
    exclusions: np.ndarray  # (n, 3): code, from, to

    @classmethod
    def of(cls, data, steps, window, order, exclusions, date_from, date_to) -> _Question:
        steps = [as_match(s) for s in steps]
        if not steps:
            raise ValueError("A funnel needs at least one step.")
        if len(steps) > MAX_STEPS:
            raise ValueError(f"A funnel has at most {MAX_STEPS} steps.")
        if order not in ORDERS:
            raise ValueError(f"order is one of {', '.join(ORDERS)}.")
        seconds = window.total_seconds() if isinstance(window, timedelta) else float(window)
        if seconds < 0:
            raise ValueError("The conversion window cannot be negative.")
        prepared = prepare(data).between(date_from, date_to)
        rules = []
        for event, start, end in exclusions:
            if not 0 <= start < end < len(steps):
                raise ValueError(
                    f"An exclusion runs between two steps: 0 <= from < to <= {len(steps) - 1}."
                )
            if order == "unordered" and (start, end) != (0, len(steps) - 1):
                raise ValueError("An unordered funnel takes only whole-funnel exclusions.")
            rules.append((prepared.code(str(event)), start, end))
        return cls(
            data=prepared,
            names=tuple(step.name() for step in steps),
            hit=step_bits(prepared, steps),
            window=round(seconds * US),
            order=ORDERS[order],
            exclusions=np.array(rules, dtype=np.int64).reshape(-1, 3),
        )

    def run(self, group=None, group_mode=0, group_step=0, empty=-1) -> _Rows:
        d = self.data
        if group_mode == 0:  # one row per person: the parallel pass
            reached = np.full(len(d.starts) - 1, -1, np.int32)
            where = np.full((len(reached), len(self.names)), -1, np.int64)
            _funnel_by_person(
                d.starts, d.event, self.hit, d.ts, len(self.names), self.window, self.order,
                self.exclusions,
                4 * numba.get_num_threads(), reached, where,
            )  # fmt: skip
            present = np.flatnonzero(reached >= 0)
            return _Rows(
                present, np.zeros(len(present), np.int32), reached[present], where[present]
            )
        if group is None:
            group = np.zeros(1, dtype=np.int32)
        args = (
            d.starts, d.event, self.hit, d.ts, len(self.names), self.window, self.order,
            self.exclusions, group, group_mode, group_step, empty,
        )  # fmt: skip
        n = _funnel_pass(*args, np.empty(0, np.int64), np.empty(0, np.int32),
                         np.empty(0, np.int32), np.empty((0, 0), np.int64))  # fmt: skip
        rows = _Rows(
            actor=np.empty(n, np.int64),
            group=np.empty(n, np.int32),
            reached=np.empty(n, np.int32),
            where=np.empty((n, len(self.names)), np.int64),
        )
        _funnel_pass(*args, rows.actor, rows.group, rows.reached, rows.where)
        return rows


@numba.njit(cache=True, nogil=True)
def _funnel_pass(
    starts, ev, hit, ts, k, window, order, exclusions, group, group_mode, group_step, empty,
    out_actor, out_group, out_reached, out_where,
):  # fmt: skip
    """Every person's attempts, then their best attempt per group; returns the row count.

    With empty outputs it only counts (the caller allocates, then calls again to fill).
    """
    fill = len(out_actor) > 0
    scratch = _scratch(starts, 0, len(starts) - 1, k)
    reached, times, where, valid, agroup, start_t, start_p, _ = scratch
    groups = np.empty(len(reached), np.int32)
    rows = 0
    for u in range(len(starts) - 1):
        n = _attempts(
            starts[u], starts[u + 1], ev, hit, ts, k, window, order, exclusions,
            group, group_mode, group_step, empty, *scratch,
        )  # fmt: skip
        g_count = 0
        for x in range(n):
            seen = False
            for y in range(g_count):
                if groups[y] == agroup[x]:
                    seen = True
            if not seen:
                groups[g_count] = agroup[x]
                g_count += 1
        for y in range(g_count):
            best = _best(n, agroup, groups[y], reached, valid, times, start_t, start_p)
            if best < 0:
                continue  # every attempt reaching the furthest step broke an exclusion
            if fill:
                out_actor[rows] = u
                out_group[rows] = groups[y]
                out_reached[rows] = reached[best]
                for s in range(k):
                    out_where[rows, s] = where[best, s] if s <= reached[best] else -1
            rows += 1
    return rows


@numba.njit(cache=True, nogil=True, parallel=True)
def _funnel_by_person(
    starts, ev, hit, ts, k, window, order, exclusions, chunks, out_reached, out_where
):
    """The best attempt of every person (no groups), people split across the cores.

    A person with no attempt, or removed by an exclusion, keeps out_reached = -1.
    """
    people = len(starts) - 1
    size = (people + chunks - 1) // chunks
    zero = np.zeros(1, np.int32)
    for c in numba.prange(chunks):
        lo, hi = c * size, min(people, (c + 1) * size)
        if lo >= hi:
            continue
        scratch = _scratch(starts, lo, hi, k)
        reached, times, where, valid, agroup, start_t, start_p, _ = scratch
        for u in range(lo, hi):
            n = _attempts(
                starts[u], starts[u + 1], ev, hit, ts, k, window, order, exclusions,
                zero, 0, 0, 0, *scratch,
            )  # fmt: skip
            best = _best(n, agroup, 0, reached, valid, times, start_t, start_p)
            if best >= 0:
                out_reached[u] = reached[best]
                for s in range(k):
                    out_where[u, s] = where[best, s] if s <= reached[best] else -1


@numba.njit(cache=True, nogil=True)
def _scratch(starts, lo, hi, k):
    """Work arrays for the attempts of the longest person among people lo..hi-1."""
    longest = 1
    for u in range(lo, hi):
        longest = max(longest, starts[u + 1] - starts[u])
    return (
        np.empty(longest, np.int32),  # reached
        np.empty((longest, k), np.int64),  # times
        np.empty((longest, k), np.int64),  # where (event positions)
        np.empty(longest, np.bool_),  # valid
        np.empty(longest, np.int32),  # group
        np.empty(longest, np.int64),  # start time
        np.empty(longest, np.int64),  # start position
        np.empty(k, np.bool_),  # filled slots (unordered)
    )


@numba.njit(cache=True, nogil=True)
def _attempts(
    a, b, ev, hit, ts, k, window, order, exclusions, group, group_mode, group_step, empty,
    reached, times, where, valid, agroup, start_t, start_p, filled,
):  # fmt: skip
    """All attempts of the person owning events a..b-1; returns how many there are.

    `hit[j]` has bit s set when event j can be step s.
    """
    n = 0
    for i in range(a, b):
        if order == 2:
            if hit[i] == 0:  # any step can start an unordered attempt
                continue
        elif hit[i] & 1 == 0:
            continue
        if order == 2:
            r = _unordered(i, b, hit, ts, k, window, times[n], where[n], filled)
            ok = _unordered_clean(i, b, ev, ts, window, exclusions, r, k, times[n])
            if not ok:
                continue  # an exclusion discards this attempt, not the person
        else:
            r = _ordered(i, a, b, hit, ts, k, window, order, times[n], where[n])
            ok = _clean(a, b, ev, ts, window, exclusions, r, times[n], where[n])
        reached[n] = r
        valid[n] = ok
        start_t[n] = ts[i]
        start_p[n] = i
        if group_mode == 1:
            agroup[n] = group[where[n, group_step]] if r >= group_step else empty
        elif group_mode == 2:
            agroup[n] = group[i]
        else:
            agroup[n] = 0
        n += 1
    return n


@numba.njit(cache=True, nogil=True)
def _ordered(i, a, b, hit, ts, k, window, order, times, where):
    """Greedy matching from the step-0 event at i; returns the last step reached."""
    end = ts[i] + window
    times[0] = ts[i]
    where[0] = i
    reached = 0
    for s in range(1, k):
        prev = where[s - 1]
        found = -1
        if order == 1:  # strict: the very next event, or nothing
            j = prev + 1
            if j < b and (hit[j] >> s) & 1 and ts[j] <= end:
                found = j
        else:
            j = prev
            while j > a and ts[j - 1] == ts[prev]:  # same instant counts as "later"
                j -= 1
            while j < b and ts[j] <= end:
                if (hit[j] >> s) & 1:
                    used = False
                    for q in range(s):
                        if where[q] == j:
                            used = True
                    if not used:
                        found = j
                        break
                j += 1
        if found < 0:
            break
        times[s] = ts[found]
        where[s] = found
        reached = s
    return reached


@numba.njit(cache=True, nogil=True)
def _clean(a, b, ev, ts, window, exclusions, reached, times, where):
    """False when an exclusion event lies strictly inside the attempt (see ANALYTICS.md)."""
    for e in range(exclusions.shape[0]):
        code, f, g = exclusions[e, 0], exclusions[e, 1], exclusions[e, 2]
        if reached < f:
            continue
        low = times[f]
        high = times[g] if reached >= g else times[0] + window + 1  # window end inclusive
        for j in range(where[f], b):
            if ts[j] >= high:
                break
            if ev[j] == code and ts[j] > low:
                return False
    return True


@numba.njit(cache=True, nogil=True)
def _unordered(i, b, hit, ts, k, window, times, where, filled):
    """Fill step slots in any order from the event at i; times come out sorted."""
    end = ts[i] + window
    for s in range(k):
        filled[s] = False
    count = 0
    j = i
    while j < b and ts[j] <= end and count < k:
        for s in range(k):
            if not filled[s] and (hit[j] >> s) & 1:
                filled[s] = True
                times[count] = ts[j]
                where[count] = j
                count += 1
                break
        j += 1
    return count - 1


@numba.njit(cache=True, nogil=True)
def _unordered_clean(i, b, ev, ts, window, exclusions, reached, k, times):
    """False when an exclusion event falls while the attempt is still in progress."""
    if exclusions.shape[0] == 0:
        return True
    end = ts[i] + window
    complete = reached == k - 1
    for j in range(i, b):
        if ts[j] > end:
            break
        if ts[j] <= ts[i]:
            continue
        for e in range(exclusions.shape[0]):
            if ev[j] == exclusions[e, 0] and (not complete or times[k - 1] > ts[j]):
                return False
    return True


@numba.njit(cache=True, nogil=True)
def _best(n, agroup, g, reached, valid, times, start_t, start_p):
    """The counted attempt of a group: furthest, then earliest there, then latest start.

    -1 when every attempt reaching the furthest step is invalid (the person is removed).
    """
    furthest = -1
    for x in range(n):
        if agroup[x] == g and reached[x] > furthest:
            furthest = reached[x]
    best = -1
    for x in range(n):
        if agroup[x] != g or reached[x] != furthest or not valid[x]:
            continue
        if best < 0:
            best = x
            continue
        t, bt = times[x, furthest], times[best, furthest]
        later = start_t[x] > start_t[best] or (
            start_t[x] == start_t[best] and start_p[x] > start_p[best]
        )
        if t < bt or (t == bt and later):
            best = x
    return best


# -- from rows to results ------------------------------------------------------------------


def _result(question: _Question, rows: _Rows, keep: np.ndarray) -> FunnelResult:
    k = len(question.names)
    actors, where, offsets, counts = _ranked(
        rows.actor, rows.reached, rows.where, question.data.ts, keep, k
    )
    counts = counts.tolist()
    steps: list[StepResult] = []
    for s, name in enumerate(question.names):
        count, first = counts[s], counts[0]
        before = counts[s - 1] if s else count
        gaps = (offsets[:count, s] - offsets[:count, s - 1]) / US if s else np.empty(0)
        steps.append(
            StepResult(
                index=s,
                name=name,
                count=count,
                from_start=rate(count, first),
                from_previous=rate(count, before),
                from_start_interval=wilson(count, first),
                from_previous_interval=wilson(count, before),
                dropoff=before - count,
                dropoff_rate=rate(before - count, before),
                average_time=float(gaps.mean()) if len(gaps) else None,
                median_time=float(np.median(gaps)) if len(gaps) else None,
                _reached=actors[:count],
                _dropped=actors[count:before],
                _ids=question.data.actor_ids,
            )
        )
    return FunnelResult(tuple(steps), None, offsets, where)


@numba.njit(cache=True, nogil=True)
def _ranked(actor, reached, where, ts, keep, k):
    """The kept rows, furthest step first (stably), so each step's people are a prefix.

    Returns their actor codes, their events per step (-1: not reached), their offsets
    from step 0 in microseconds (NaN where not reached; subtracted as integers, since
    seconds since 1970 as floats would blur sub-second gaps) and how many reached each
    step.
    """
    at = np.zeros(k + 1, np.int64)  # at[s]: rows that reached step s or further
    for i in range(len(reached)):
        if keep[i]:
            at[reached[i]] += 1
    for s in range(k - 2, -1, -1):
        at[s] += at[s + 1]
    at[k] = 0
    slot = at[1:].copy()  # rows that stopped at step s go after those that went further
    out_actor = np.empty(at[0], np.int64)
    out_where = np.full((at[0], k), -1, np.int64)
    offsets = np.full((at[0], k), np.nan)
    for i in range(len(reached)):
        if keep[i]:
            r = reached[i]
            p = slot[r]
            slot[r] += 1
            out_actor[p] = actor[i]
            for s in range(r + 1):
                out_where[p, s] = where[i, s]
                offsets[p, s] = ts[where[i, s]] - ts[where[i, 0]]
    return out_actor, out_where, offsets, at[:k]


def _broken_down(question, rows: _Rows, codes, labels, empty, top, step) -> FunnelResult:
    """One funnel per value (top `top` by entries, the rest as "Other") and the overall one.

    `step` is None for first/last touch (a person has one value) or the attributed step
    (each attempt has the value of its event at that step).
    """
    overall = rows if step is None else question.run()
    main = _result(question, overall, np.ones(len(overall.actor), dtype=bool))
    entered = np.bincount(rows.group, minlength=len(labels))
    ranked = sorted(
        (v for v in range(len(labels)) if entered[v]), key=lambda v: (-entered[v], labels[v])
    )
    shown, tail = ranked[:top], ranked[top:]
    parts = {str(labels[v]): _result(question, rows, rows.group == v) for v in shown}
    if tail:
        if step is None:
            parts[OTHER] = _result(question, rows, np.isin(rows.group, tail))
        else:  # the best attempt among all the tail's values, per person
            other = len(labels)
            merged = np.where(np.isin(codes, tail), other, codes).astype(np.int32)
            grouped = question.run(
                group=merged, group_mode=1, group_step=step, empty=other if empty in tail else empty
            )
            parts[OTHER] = _result(question, grouped, grouped.group == other)
    return FunnelResult(main.steps, parts, main._times, main._where)


def _touch(question: _Question, codes, empty: int, *, last: bool) -> np.ndarray:
    """Each person's first (or last) non-empty value on a funnel-step event; "" if none."""
    d = question.data
    on_step = (question.hit != 0) & (codes != empty)
    value = np.full(len(d.actor_ids), empty, dtype=np.int32)
    index = np.flatnonzero(on_step)
    if len(index):
        order = index if last else index[::-1]  # the last write wins
        value[d.actor[order]] = codes[order]
    return value


def _with_empty(labels) -> tuple[np.ndarray, int]:
    """The labels with "" (missing) among them, and its code."""
    labels = np.asarray(labels, dtype=object)
    where = np.flatnonzero(labels == "")
    if len(where):
        return labels, int(where[0])
    return np.append(labels, ""), len(labels)
