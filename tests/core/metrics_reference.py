"""A slow, obviously-correct reference for the metrics engine in `journeymap.analytics`.

Plain Python: one loop per actor, one per attempt, no vectorisation. It exposes the same API as the
engine (`funnel`, `conversion_over_time`, `paths`, `retention`, `wilson`, `prepare`), so the
hand-computed tests run on both, and the property tests compare the two on random logs.

Each rule quotes the sentence of `../shared/ANALYTICS.md` (sections 2 and 3) it implements, or the
brief of the exactness tests (`brief:`) where ANALYTICS.md leaves a detail open.

Times are kept as integer microseconds since the epoch (UTC), so comparisons are exact; durations
are reported in seconds (float).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

Z = 1.959963984540054  # the 97.5 % normal quantile: a 95 % interval
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OTHER = "Other"
ENDED = "ended here"
US = 1_000_000  # microseconds per second


# --- input ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    ts: int  # microseconds since the epoch, UTC
    name: str
    row: int  # position in the file: breaks timestamp ties
    props: dict  # property column -> value, None when missing


def _micros(value) -> int:
    """A datetime / Timestamp (aware, or naive = UTC) as microseconds since the epoch."""
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.value // 1000  # .value is in nanoseconds


def _day_start(day: date) -> int:
    return (datetime(day.year, day.month, day.day, tzinfo=UTC) - EPOCH) // timedelta(microseconds=1)


def _is_day(value) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _range(date_from, date_to) -> tuple[int | None, int | None]:
    """Inclusive bounds in microseconds. brief: "a date_to given as a date means the end of that
    day (inclusive)"; a date_from given as a date means the start of that day."""
    low = high = None
    if date_from is not None:
        low = _day_start(date_from) if _is_day(date_from) else _micros(date_from)
    if date_to is not None:
        high = _day_start(date_to + timedelta(days=1)) - 1 if _is_day(date_to) else _micros(date_to)
    return low, high


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def read_events(frame: pd.DataFrame, date_from=None, date_to=None) -> dict[str, list[Event]]:
    """Each actor's events sorted by (ts, file position), after the date range.

    ANALYTICS.md §2: "Date range: events outside [date_from, date_to] are dropped **before** the
    funnel runs (a conversion after date_to is not seen)."
    """
    low, high = _range(date_from, date_to)
    columns = [c for c in frame.columns if c not in ("actor_id", "event", "ts")]
    actors = frame["actor_id"].tolist()
    names = frame["event"].tolist()
    stamps = frame["ts"].tolist()
    values = {c: frame[c].tolist() for c in columns}
    by_actor: dict[str, list[Event]] = defaultdict(list)
    for row in range(len(frame)):
        ts = _micros(stamps[row])
        if (low is not None and ts < low) or (high is not None and ts > high):
            continue
        props = {c: (None if _missing(values[c][row]) else str(values[c][row])) for c in columns}
        by_actor[str(actors[row])].append(Event(ts, str(names[row]), row, props))
    for events in by_actor.values():
        # brief: "the engine sorts by (actor_id, ts) stably (file order breaks timestamp ties)"
        events.sort(key=lambda e: (e.ts, e.row))
    return dict(by_actor)


def prepare(events: pd.DataFrame) -> pd.DataFrame:
    """The reference works on the plain frame."""
    return events


# --- Wilson interval -----------------------------------------------------------------------


def wilson(successes: int, n: int) -> tuple[float, float] | None:
    """ANALYTICS.md §3: "Every rate shows its n and a 95% Wilson interval"."""
    if n == 0:
        return None
    p = successes / n
    z2 = Z * Z
    centre = p + z2 / (2 * n)
    spread = Z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return (max(0.0, (centre - spread) / (1 + z2 / n)), min(1.0, (centre + spread) / (1 + z2 / n)))


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


# --- funnel attempts -----------------------------------------------------------------------


@dataclass
class Attempt:
    start: int  # position of the step-0 event in the actor's sorted events
    times: list[int]  # times[k]: ts of the event that filled step k (microseconds)
    positions: list[int]  # positions of those events
    valid: bool = True  # False: an exclusion event makes it invalid (ordered / strict)

    @property
    def reached(self) -> int:
        return len(self.times) - 1

    @property
    def t0(self) -> int:
        return self.times[0]


def _window_micros(window) -> int:
    if isinstance(window, timedelta):
        return window // timedelta(microseconds=1)
    return round(window * US)


def ordered_attempts(events: list[Event], steps: list[str], window: int) -> list[Attempt]:
    attempts = []
    for p, first in enumerate(events):
        # ANALYTICS.md §2: "Each event of step 0 may start an **attempt**."
        if first.name != steps[0]:
            continue
        attempt = Attempt(p, [first.ts], [p])
        for k in range(1, len(steps)):
            match = None
            # The events are sorted by (ts, position): the first acceptable one is the smallest.
            for j, event in enumerate(events):
                # "One event fills at most one step, so a funnel that repeats a name needs that
                # many events."
                if j in attempt.positions or event.name != steps[k]:
                    continue
                # "Step k is matched by a later **or same-timestamp** event named as step k"
                # (same timestamp: even one earlier in the file, brief: "ts >= t_{k-1}, not
                # position after").
                if event.ts < attempt.times[-1]:
                    continue
                # "Every step of an attempt must fall within the conversion window measured from
                # the attempt's step-0 event, inclusive (a 300 s gap fits a 300 s window)."
                if event.ts > first.ts + window:
                    continue
                match = j
                break
            if match is None:
                break
            attempt.times.append(events[match].ts)
            attempt.positions.append(match)
        attempts.append(attempt)
    return attempts


def strict_attempts(events: list[Event], steps: list[str], window: int) -> list[Attempt]:
    attempts = []
    for p, first in enumerate(events):
        if first.name != steps[0]:
            continue
        attempt = Attempt(p, [first.ts], [p])
        for k in range(1, len(steps)):
            # ANALYTICS.md §2: "Strict: the event for step k+1 must be the user's very next event
            # of any name after the step-k event, or the attempt stops at step k."
            j = attempt.positions[-1] + 1
            if j >= len(events) or events[j].name != steps[k]:
                break
            if events[j].ts > first.ts + window:  # still within the window from step 0
                break
            attempt.times.append(events[j].ts)
            attempt.positions.append(j)
        attempts.append(attempt)
    return attempts


def mark_exclusions(
    attempts: list[Attempt], events: list[Event], exclusions, window: int
) -> list[Attempt]:
    """Ordered / strict. ANALYTICS.md §2: "an attempt is invalid when an exclusion event lies
    strictly between its from-step and to-step events (or, if it never reached the to-step,
    anywhere up to the end of its window); an exclusion at the same instant as a step event is
    ignored."
    """
    for attempt in attempts:
        for name, f, g in exclusions:
            if attempt.reached < f:
                continue  # never reached the from-step: nothing to check
            t_f = attempt.times[f]
            # reached g: strictly between t_f and t_g; else after t_f up to t0 + W inclusive
            end = attempt.times[g] if attempt.reached >= g else attempt.t0 + window
            for event in events:
                if event.name != name or event.ts <= t_f:
                    continue
                if (attempt.reached >= g and event.ts < end) or (
                    attempt.reached < g and event.ts <= end
                ):
                    attempt.valid = False
    return attempts


def unordered_attempts(
    events: list[Event], steps: list[str], window: int, exclusions
) -> list[Attempt]:
    """ANALYTICS.md §2: "Unordered: step i means "did any i+1 distinct funnel steps" within the
    window from the attempt's first funnel event, in any order." A name repeated m times in the
    steps has m slots (brief)."""
    names = set(steps)
    attempts = []
    for p, first in enumerate(events):
        if first.name not in names:  # brief: an attempt starts at every funnel-step event
            continue
        free = Counter(steps)
        attempt = Attempt(p, [], [])
        for j in range(p, len(events)):  # positions >= p, in (ts, position) order
            event = events[j]
            if event.ts > first.ts + window:
                break
            if free[event.name] > 0:
                free[event.name] -= 1
                attempt.times.append(event.ts)  # recorded in time order: times[k] is the
                attempt.positions.append(j)  # (k+1)-th smallest
        # "Unordered: only whole-funnel exclusions; an exclusion discards the attempts in
        # progress, not the user." In progress at ts_x: started before it (t0 < ts_x), not yet
        # complete (last fill > ts_x, or never complete), and ts_x within the window.
        complete = len(attempt.times) == len(steps)
        for name, _, _ in exclusions:
            for event in events:
                if event.name != name:
                    continue
                if not first.ts < event.ts <= first.ts + window:
                    continue
                if not complete or attempt.times[-1] > event.ts:
                    attempt.valid = False
        if attempt.valid:  # discarded attempts are dropped
            attempts.append(attempt)
    return attempts


def best_attempt(attempts: list[Attempt]) -> Attempt | None:
    """The attempt a user is counted by, or None when the user is not in the funnel."""
    if not attempts:
        return None
    # "A user counts at the furthest step of their **best attempt**"
    furthest = max(a.reached for a in attempts)
    # "If every attempt that reaches a user's furthest step is invalid, the user is removed from
    # the whole funnel, step 0 included; there is no fallback to a shorter clean attempt."
    candidates = [a for a in attempts if a.reached == furthest and a.valid]
    if not candidates:
        return None
    # "Among attempts that reach the furthest step the earliest to reach it is used; a later
    # step-0 event that still reaches step 1 re-anchors the attempt" -> ties: the latest t0, then
    # the later start position (brief).
    return min(candidates, key=lambda a: (a.times[furthest], -a.t0, -a.start))


def _check_exclusions(steps: list[str], exclusions, order: str) -> list[tuple[str, int, int]]:
    checked = []
    for name, f, g in exclusions:
        if not 0 <= f < g <= len(steps) - 1:
            raise ValueError(f"exclusion {(name, f, g)!r} is not between two steps")
        if order == "unordered" and (f, g) != (0, len(steps) - 1):
            raise ValueError("unordered funnels take whole-funnel exclusions only")
        checked.append((str(name), int(f), int(g)))
    return checked


def attempts_of(events: list[Event], steps: list[str], window: int, order: str, exclusions):
    if order == "ordered":
        return mark_exclusions(ordered_attempts(events, steps, window), events, exclusions, window)
    if order == "strict":
        return mark_exclusions(strict_attempts(events, steps, window), events, exclusions, window)
    if order == "unordered":
        return unordered_attempts(events, steps, window, exclusions)
    raise ValueError(f"unknown order {order!r}")


# --- funnel results ------------------------------------------------------------------------


@dataclass
class Step:
    name: str
    users: frozenset
    dropped: frozenset
    average_time: float | None
    median_time: float | None
    from_start: float | None
    from_previous: float | None
    from_start_interval: tuple[float, float] | None
    from_previous_interval: tuple[float, float] | None

    @property
    def count(self) -> int:
        return len(self.users)


@dataclass
class FunnelResult:
    steps: list[Step]
    best: dict[str, Attempt]  # actor -> the attempt they are counted by
    breakdown: dict[str, FunnelResult] | None = None

    @property
    def counts(self) -> list[int]:
        return [s.count for s in self.steps]

    def conversion_times(self, a: int, b: int) -> np.ndarray:
        """Seconds from step a to step b over the users who reached b (sorted by actor)."""
        return np.array(
            [
                (attempt.times[b] - attempt.times[a]) / US
                for _, attempt in sorted(self.best.items())
                if attempt.reached >= b
            ],
            dtype=float,
        )


def build_result(steps: list[str], best: dict[str, Attempt]) -> FunnelResult:
    # "counts are cumulative (a user at step 3 also counts at steps 0-2)"
    users = [frozenset(a for a, att in best.items() if att.reached >= k) for k in range(len(steps))]
    counts = [len(u) for u in users]
    out = []
    for k, name in enumerate(steps):
        # "average and median time from the previous step" over the users who reached k
        gaps = [(best[a].times[k] - best[a].times[k - 1]) / US for a in users[k]] if k else []
        out.append(
            Step(
                name=name,
                users=users[k],
                dropped=users[k - 1] - users[k] if k else frozenset(),
                # "Average = mean; median = middle value, or the mean of the two middle values."
                average_time=statistics.fmean(gaps) if gaps else None,
                median_time=statistics.median(gaps) if gaps else None,
                from_start=_ratio(counts[k], counts[0]),
                from_previous=_ratio(counts[k], counts[k - 1])
                if k
                else _ratio(counts[0], counts[0]),
                from_start_interval=wilson(counts[k], counts[0]),
                from_previous_interval=wilson(counts[k], counts[k - 1]) if k else None,
            )
        )
    return FunnelResult(out, dict(best))


def _value(event: Event, column: str) -> str:
    """ANALYTICS.md §2: "values as strings (missing = "")"."""
    value = event.props.get(column)
    return "" if value is None else value


def touch_value(events: list[Event], steps: list[str], column: str, last: bool) -> str:
    """ "first_touch (default: the value on the user's earliest funnel-step event that has it),
    last_touch (latest such event)"."""
    having = [e for e in events if e.name in steps and _value(e, column) != ""]
    if not having:
        return ""
    return _value(having[-1] if last else having[0], column)


def _top(counts: dict[str, int], top: int) -> tuple[list[str], list[str]]:
    """ "Show the top values and fold the rest into Other": by step-0 count, ties value ascending."""
    ranked = sorted(counts, key=lambda v: (-counts[v], v))
    return ranked[:top], ranked[top:]


def funnel(
    data: pd.DataFrame,
    steps,
    window=timedelta(days=14),
    order: str = "ordered",
    exclusions=(),
    breakdown: str | None = None,
    attribution: str = "first_touch",
    attribution_step: int | None = None,
    date_from=None,
    date_to=None,
    top: int = 10,
) -> FunnelResult:
    steps = [str(s) for s in steps]
    if not steps:
        raise ValueError("a funnel needs at least one step")
    exclusions = _check_exclusions(steps, exclusions, order)
    window = _window_micros(window)
    actors = read_events(data, date_from, date_to)
    attempts = {a: attempts_of(evs, steps, window, order, exclusions) for a, evs in actors.items()}
    best = {a: b for a, atts in attempts.items() if (b := best_attempt(atts)) is not None}
    result = build_result(steps, best)
    if breakdown is None:
        return result

    if attribution in ("first_touch", "last_touch"):
        # "Each value is its own funnel": users partitioned by their touch value.
        value_of = {
            a: touch_value(actors[a], steps, breakdown, last=attribution == "last_touch")
            for a in best
        }
        groups: dict[str, dict[str, Attempt]] = defaultdict(dict)
        for a, attempt in best.items():
            groups[value_of[a]][a] = attempt
        kept, tail = _top({v: len(g) for v, g in groups.items()}, top)
        result.breakdown = {v: build_result(steps, groups[v]) for v in kept}
        if tail:
            other = {a: att for v in tail for a, att in groups[v].items()}
            result.breakdown[OTHER] = build_result(steps, other)
        return result

    if attribution != "step":
        raise ValueError(f"unknown attribution {attribution!r}")
    k = attribution_step
    if k is None or not 0 <= k < len(steps):
        raise ValueError("step attribution needs a step")

    # "step k (the value on the event matched to step k; a user can appear under several
    # values)": each attempt takes its step-k event's value ("" if it did not reach k), and each
    # value's funnel counts every user by their best attempt among the attempts with that value.
    def value_of_attempt(actor: str, attempt: Attempt) -> str:
        if attempt.reached < k:
            return ""
        return _value(actors[actor][attempt.positions[k]], breakdown)

    groups = defaultdict(dict)
    for a, atts in attempts.items():
        values = {value_of_attempt(a, att) for att in atts}
        for v in values:
            chosen = best_attempt([att for att in atts if value_of_attempt(a, att) == v])
            if chosen is not None:
                groups[v][a] = chosen
    kept, tail = _top({v: len(g) for v, g in groups.items()}, top)
    result.breakdown = {v: build_result(steps, groups[v]) for v in kept}
    if tail:
        other = {}
        for a, atts in attempts.items():
            chosen = best_attempt([att for att in atts if value_of_attempt(a, att) in tail])
            if chosen is not None:
                other[a] = chosen
        result.breakdown[OTHER] = build_result(steps, other)
    return result


# --- periods -------------------------------------------------------------------------------


def period_index(ts: int, period: str) -> int:
    """UTC periods numbered consecutively: days, ISO weeks (Monday first), calendar months."""
    day = (EPOCH + timedelta(microseconds=ts)).date()
    if period == "day":
        return day.toordinal()
    if period == "week":
        return (day.toordinal() - 1) // 7  # ordinal 1 (0001-01-01) is a Monday
    if period == "month":
        return day.year * 12 + day.month - 1
    raise ValueError(f"unknown period {period!r}")


def period_start(index: int, period: str) -> pd.Timestamp:
    if period == "day":
        day = date.fromordinal(index)
    elif period == "week":
        day = date.fromordinal(index * 7 + 1)
    else:
        day = date(index // 12, index % 12 + 1, 1)
    return pd.Timestamp(datetime(day.year, day.month, day.day, tzinfo=UTC))


def conversion_over_time(
    data: pd.DataFrame,
    steps,
    period: str = "week",
    window=timedelta(days=14),
    order: str = "ordered",
    exclusions=(),
    date_from=None,
    date_to=None,
) -> pd.DataFrame:
    """ANALYTICS.md §2: "Conversion over time: one attempt per user per entry period; rate =
    reached last / entered." An attempt's period is that of its t0; per user and period the best
    of that period's attempts (the same rule as the funnel, exclusions included)."""
    steps = [str(s) for s in steps]
    exclusions = _check_exclusions(steps, exclusions, order)
    window = _window_micros(window)
    entered: Counter = Counter()
    converted: Counter = Counter()
    for events in read_events(data, date_from, date_to).values():
        by_period = defaultdict(list)
        for attempt in attempts_of(events, steps, window, order, exclusions):
            by_period[period_index(attempt.t0, period)].append(attempt)
        for index, atts in by_period.items():
            chosen = best_attempt(atts)
            if chosen is None:
                continue
            entered[index] += 1
            converted[index] += chosen.reached == len(steps) - 1
    rows = []
    for index in sorted(entered):
        n, c = entered[index], converted[index]
        low, high = wilson(c, n)
        rows.append((period_start(index, period), n, c, c / n, low, high))
    return pd.DataFrame(rows, columns=["period", "entered", "converted", "rate", "low", "high"])


# --- paths ---------------------------------------------------------------------------------


@dataclass
class PathsResult:
    edges: pd.DataFrame
    ambiguous_cut: bool = False  # the top-`top` cut falls between edges equal but for their level
    all_edges: dict = field(default_factory=dict)  # (level, source, target) -> set of path owners


def _sessions(events: list[Event], gap: int) -> list[list[str]]:
    """ANALYTICS.md §3: "sessions split at 30 min of inactivity, consecutive repeats collapsed"."""
    sessions: list[list[Event]] = []
    for event in events:
        # brief: split where the gap is > session_gap (exactly 30 min stays one session)
        if sessions and event.ts - sessions[-1][-1].ts <= gap:
            sessions[-1].append(event)
        else:
            sessions.append([event])
    collapsed = []
    for session in sessions:
        names: list[str] = []
        for event in session:
            if not names or names[-1] != event.name:
                names.append(event.name)
        collapsed.append(names)
    return collapsed


def paths(
    data: pd.DataFrame,
    start: str | None = None,
    end: str | None = None,
    steps: int = 5,
    top: int = 20,
    session_gap=timedelta(minutes=30),
    date_from=None,
    date_to=None,
) -> PathsResult:
    gap = _window_micros(session_gap)
    used: dict[tuple[int, str, str], list[str]] = defaultdict(list)  # edge -> actor per path
    for actor, events in read_events(data, date_from, date_to).items():
        for session in _sessions(events, gap):
            if start is not None:
                if start not in session:
                    continue  # brief: sessions without the start event are skipped
                path = session[session.index(start) :]
            elif end is not None:
                if end not in session:
                    continue
                i = session.index(end)
                path = session[max(0, i - steps + 1) : i + 1]
            else:
                path = session
            path = path[:steps]  # "first N (5) steps"
            # "edges (i-1: a) -> (i: b) with transition counts and distinct users"
            for i in range(1, len(path)):
                used[(i, path[i - 1], path[i])].append(actor)
            # "plus drop-off ("ended here")": a path shorter than `steps` ends after its last node
            if len(path) < steps:
                used[(len(path), path[-1], ENDED)].append(actor)
    # "top-K edges, plus ... "Other" nodes": by transitions, ties source then target ascending
    ranked = sorted(used, key=lambda e: (-len(used[e]), e[1], e[2], e[0]))
    kept, rest = ranked[:top], ranked[top:]
    ambiguous = bool(rest) and (
        (len(used[kept[-1]]), kept[-1][1], kept[-1][2])
        == (len(used[rest[0]]), rest[0][1], rest[0][2])
    )
    rows = [(lvl, s, t, len(used[(lvl, s, t)]), len(set(used[(lvl, s, t)]))) for lvl, s, t in kept]
    folded: dict[tuple[int, str], list[str]] = defaultdict(list)
    for lvl, s, t in rest:  # folded into target "Other" at its level, per source
        folded[(lvl, s)] += used[(lvl, s, t)]
    rows += [(lvl, s, OTHER, len(a), len(set(a))) for (lvl, s), a in folded.items()]
    edges = pd.DataFrame(rows, columns=["level", "source", "target", "transitions", "users"])
    return PathsResult(edges, ambiguous, {e: set(a) for e, a in used.items()})


# --- retention -----------------------------------------------------------------------------


@dataclass
class RetentionResult:
    table: pd.DataFrame
    curve: pd.DataFrame
    churn: list[float | None]
    last_period: int | None = None


def retention(
    data: pd.DataFrame,
    start_event: str,
    return_event: str | None = None,
    period: str = "week",
    mode: str = "on",
    periods: int = 8,
    date_from=None,
    date_to=None,
) -> RetentionResult:
    if mode not in ("on", "on_or_after"):
        raise ValueError(f"unknown mode {mode!r}")
    return_event = start_event if return_event is None else return_event
    actors = read_events(data, date_from, date_to)
    cohorts: dict[int, list[int]] = {}  # cohort index -> retained counts per period
    sizes: Counter = Counter()
    last = None
    for events in actors.values():
        for event in events:
            index = period_index(event.ts, period)
            last = index if last is None else max(last, index)
        starts = [e for e in events if e.name == start_event]
        if not starts:
            continue
        # ANALYTICS.md §3: "cohort = period of the start event" (the first one in the range)
        cohort = period_index(starts[0].ts, period)
        returns = {period_index(e.ts, period) for e in events if e.name == return_event}
        row = cohorts.setdefault(cohort, [0] * periods)
        sizes[cohort] += 1
        row[0] += 1
        for k in range(1, periods):
            # "retained in period k if the return event happens in period start+k ("on") or at
            # or after it ("on or after")"
            if mode == "on":
                row[k] += (cohort + k) in returns
            else:
                row[k] += any(r >= cohort + k for r in returns)
    table = pd.DataFrame(
        [[sizes[c], *cohorts[c]] for c in sorted(cohorts)],
        index=pd.Index([period_start(c, period) for c in sorted(cohorts)], name="cohort"),
        columns=["size", *range(periods)],
    )
    # "weighted mean curve": period k over the cohorts that can have it (cohort + k no later than
    # the last event's period), weighted by cohort size.
    curve, rates = [], []
    for k in range(periods):
        able = [c for c in cohorts if last is not None and c + k <= last]
        retained = sum(cohorts[c][k] for c in able)
        of = sum(sizes[c] for c in able)
        rate = retained / of if of else None
        interval = wilson(retained, of)
        low, high = interval if interval else (None, None)
        curve.append((k, retained, of, rate, low, high))
        rates.append(rate)
    churn = []
    for k in range(1, periods):
        before, now = rates[k - 1], rates[k]
        churn.append(None if not before or now is None else 1 - now / before)
    curve_frame = pd.DataFrame(curve, columns=["period", "retained", "of", "rate", "low", "high"])
    return RetentionResult(table, curve_frame, churn, last)


def edges_as_dict(edges: pd.DataFrame) -> dict[tuple[int, str, str], tuple[int, int]]:
    """An edges frame as {(level, source, target): (transitions, users)}."""
    return {
        (int(r.level), str(r.source), str(r.target)): (int(r.transitions), int(r.users))
        for r in edges.itertuples(index=False)
    }


def utc(value) -> pd.Timestamp:
    """A period label as an aware UTC Timestamp (the engine may give naive or aware ones)."""
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


# --- test helpers --------------------------------------------------------------------------

BASE = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)  # a Monday, noon UTC


def log(*rows, base: datetime = BASE, categorical: bool = True) -> pd.DataFrame:
    """An events frame as `load_events(...).events` gives it, from rows
    `(actor, event, when[, p])`: `when` is seconds after `base`, a "HH:MM[:SS]" time on the
    base day, or a datetime. Property `p` is missing when not given (or None)."""
    actors, names, stamps, values = [], [], [], []
    for row in rows:
        actor, name, when, *rest = row
        if isinstance(when, str):
            hours, minutes, *seconds = (int(x) for x in when.split(":"))
            when = base.replace(hour=hours, minute=minutes, second=seconds[0] if seconds else 0)
        elif not isinstance(when, datetime):
            when = base + timedelta(seconds=when)
        actors.append(actor)
        names.append(name)
        stamps.append(when)
        values.append(rest[0] if rest else None)
    frame = pd.DataFrame(
        {
            "actor_id": pd.Series(actors, dtype="string"),
            "event": pd.Series(names, dtype="string"),
            "ts": pd.Series(pd.to_datetime(stamps, utc=True), dtype="datetime64[us, UTC]"),
            "p": pd.Series(values, dtype="string"),
        }
    )
    if categorical:
        frame["actor_id"] = frame["actor_id"].astype("category")
        frame["event"] = frame["event"].astype("category")
        frame["p"] = frame["p"].astype("category")
    return frame


class OnPrepared:
    """The engine's functions, each handed `prepare(frame)` instead of the frame."""

    def __init__(self, engine) -> None:
        self.engine = engine

    def __getattr__(self, name: str):
        function = getattr(self.engine, name)
        if name not in ("funnel", "conversion_over_time", "paths", "retention"):
            return function
        return lambda data, *args, **kwargs: function(self.engine.prepare(data), *args, **kwargs)


def implementation(name: str):
    """ "reference", "engine" (plain frames) or "prepared" (the engine on `prepare(frame)`)."""
    import sys

    if name == "reference":
        return sys.modules[__name__]
    import journeymap.analytics as engine

    return engine if name == "engine" else OnPrepared(engine)


IMPLEMENTATIONS = ["reference", "engine", "prepared"]
