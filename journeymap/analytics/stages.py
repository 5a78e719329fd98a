"""A journey map's stages measured on an event dataset: the map meets the data.

The bound stages, in map order, are the steps of one ordered funnel (ANALYTICS.md
section 2: best attempt, the map's conversion window), so "reached" is people who got
that far along the journey, "conversion" is from the previous bound stage, and the
median time is to the next one. Where a stage was reached is the event that counted
for it, so its channel and device are that event's. Unbound stages are skipped and
show no numbers. A persona's segment limits the people; a date range, the events.

Touchpoints (bound notes) are compared among the people who reached their stage:
the conversion to the next bound stage of those who used the touchpoint (any time
in the range) and of those who did not. That is association, not cause.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

import numpy as np
import pandas as pd

from journeymap.analytics.funnels import FunnelResult, funnel
from journeymap.analytics.paths import tally
from journeymap.analytics.prepare import Prepared, prepare
from journeymap.analytics.segments import Match
from journeymap.analytics.stats import rate, wilson
from journeymap.model import Binding, BindingKind, LaneKind, MapBoard

DEFAULT_WINDOW = timedelta(days=30)
WORST_MIN = 30  # people a move needs before its drop-off can be called the worst
UNKNOWN = ""  # a missing channel or device


@dataclass(frozen=True)
class Share:
    """One value of a property among the people at a stage."""

    value: str
    people: int
    share: float


@dataclass(frozen=True)
class Rate:
    """k of n, with its 95 % Wilson interval (None when n is 0)."""

    k: int
    n: int

    @property
    def value(self) -> float | None:
        return rate(self.k, self.n)

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.k, self.n)


@dataclass(frozen=True)
class DeviceSwitch:
    """People at a stage who reached it on another device than the previous stage.

    `switched` / `stayed` are their conversions to the next bound stage (None for the
    last one); people with an unknown device at either stage are left out.
    """

    share: Rate
    switched: Rate | None
    stayed: Rate | None


@dataclass(frozen=True)
class StageNumbers:
    """What one bound stage's header shows."""

    key: str
    name: str
    step: int  # its index among the bound stages
    reached: int
    from_start: Rate
    from_previous: Rate | None  # None for the first bound stage
    dropoff: int  # people lost since the previous bound stage
    median_to_next: float | None  # seconds; None for the last bound stage or nobody
    channels: tuple[Share, ...]
    devices: tuple[Share, ...]
    switch: DeviceSwitch | None
    worst: bool = False  # the largest drop-off rate of the journey

    @property
    def top_channel(self) -> Share | None:
        return self.channels[0] if self.channels else None


@dataclass(frozen=True)
class TouchpointNumbers:
    """A bound touchpoint note: who used it, and how they converted against the rest."""

    key: str
    stage_key: str
    users: int  # people with a matching event (in the range and segment)
    used: Rate | None  # conversion to the next bound stage, among people at its stage
    not_used: Rate | None  # (None at the last bound stage)


@dataclass(frozen=True)
class JourneyNumbers:
    """Every bound stage's numbers and the funnel behind them."""

    stages: dict[str, StageNumbers]  # by stage key
    touchpoints: dict[str, TouchpointNumbers]  # by note key
    funnel: FunnelResult | None  # over the bound stages, in order
    people: int  # in the segment and range: who could have reached anything
    window: timedelta

    @property
    def bound(self) -> list[StageNumbers]:
        return sorted(self.stages.values(), key=lambda s: s.step)


def stage_numbers(
    data: Prepared | pd.DataFrame,
    stages: Sequence[tuple[str, str, Match | None]],
    *,
    touchpoints: Sequence[tuple[str, str, Match]] = (),
    segment: Match | None = None,
    window: timedelta = DEFAULT_WINDOW,
    date_from=None,
    date_to=None,
    channel: str = "channel",
    device: str = "device",
    top: int = 3,
) -> JourneyNumbers:
    """Numbers for each bound stage `(key, name, match)` and touchpoint `(key, stage key, match)`."""
    d = subset(data, segment, date_from, date_to)
    people = int(np.count_nonzero(np.diff(d.starts)))
    bound = [(key, name, match) for key, name, match in stages if match is not None]
    if not bound:
        return JourneyNumbers({}, {}, None, people, window)
    result = funnel(d, [m for _, _, m in bound], window=window)
    counts = result.counts
    channels = _codes(d, channel)
    devices = _codes(d, device)
    numbers: dict[str, StageNumbers] = {}
    for s, (key, name, _) in enumerate(bound):
        here = result._where[: counts[s], s]
        numbers[key] = StageNumbers(
            key=key,
            name=name,
            step=s,
            reached=counts[s],
            from_start=Rate(counts[s], counts[0]),
            from_previous=Rate(counts[s], counts[s - 1]) if s else None,
            dropoff=counts[s - 1] - counts[s] if s else 0,
            median_to_next=result.steps[s + 1].median_time if s + 1 < len(bound) else None,
            channels=_shares(channels, here, top),
            devices=_shares(devices, here, None),
            switch=_switch(devices, result, s) if s else None,
        )
    worst = _worst(numbers.values())
    if worst is not None:
        numbers[worst] = replace(numbers[worst], worst=True)
    order = {key: s for s, (key, _, _) in enumerate(bound)}
    marks = {  # a touchpoint on an unbound stage: among everyone who entered the journey
        key: _touchpoint(d, result, key, order.get(stage_key, 0), stage_key, match)
        for key, stage_key, match in touchpoints
    }
    return JourneyNumbers(numbers, marks, result, people, window)


def subset(data: Prepared | pd.DataFrame, segment: Match | None, date_from, date_to) -> Prepared:
    """The events in the date range of the people in the segment."""
    d = prepare(data).between(date_from, date_to)
    if segment is None or segment.empty:
        return d
    return d.subset(segment.people(d)[d.actor])


def _codes(d: Prepared, column: str) -> tuple[np.ndarray, np.ndarray] | None:
    if column not in d.columns:
        return None
    return d.column_codes(column)


def _shares(column, events: np.ndarray, top: int | None) -> tuple[Share, ...]:
    """The known values among `events` (one per person), most frequent first."""
    if column is None or len(events) == 0:
        return ()
    codes, labels = column
    counts = np.bincount(codes[events], minlength=len(labels))
    known = [(int(counts[v]), str(labels[v])) for v in np.flatnonzero(counts)]
    known = [(n, label) for n, label in known if label != UNKNOWN]
    total = sum(n for n, _ in known)
    known.sort(key=lambda x: (-x[0], x[1]))
    return tuple(Share(label, n, n / total) for n, label in known[:top])


def _switch(devices, result: FunnelResult, s: int) -> DeviceSwitch | None:
    """Device changes between stage s-1 and s, and conversion on to stage s+1."""
    if devices is None:
        return None
    codes, labels = devices
    counts = result.counts
    where = result._where[: counts[s]]
    now, before = codes[where[:, s]], codes[where[:, s - 1]]
    unknown = np.flatnonzero(np.asarray(labels, dtype=object) == UNKNOWN)
    known = ~np.isin(now, unknown) & ~np.isin(before, unknown)
    switched = known & (now != before)
    stayed = known & (now == before)
    share = Rate(int(switched.sum()), int(known.sum()))
    if s + 1 >= len(counts):
        return DeviceSwitch(share, None, None)
    on = np.arange(counts[s]) < counts[s + 1]  # rows are ranked: the first ones went on
    return DeviceSwitch(
        share,
        Rate(int((switched & on).sum()), int(switched.sum())),
        Rate(int((stayed & on).sum()), int(stayed.sum())),
    )


def _worst(stages) -> str | None:
    """The stage people most surely fail to reach from the one before: the largest
    drop-off by the low end of its 95 % interval, among moves of at least `WORST_MIN`
    people (all moves when none is that large), so 9 of 9 lost does not outshout 146 of 201.
    """
    moves = [s for s in stages if s.from_previous is not None and s.dropoff > 0]
    large = [s for s in moves if s.from_previous.n >= WORST_MIN] or moves
    if not large:
        return None
    best = max(large, key=lambda s: (1 - s.from_previous.interval[1], -s.step))
    return best.key


def _touchpoint(d, result, key, step, stage_key, match) -> TouchpointNumbers:
    """Conversion to the next bound stage of the people at `step` who used it, or not."""
    used = match.people(d)
    counts = result.counts
    users = int(used.sum())
    if step + 1 >= len(counts):  # the journey's last stage: nowhere further to go
        return TouchpointNumbers(key, stage_key, users, None, None)
    at = result.steps[step]._reached  # people who reached the touchpoint's stage (ranked)
    on = np.arange(len(at)) < counts[step + 1]
    hit = used[at]
    return TouchpointNumbers(
        key=key,
        stage_key=stage_key,
        users=users,
        used=Rate(int((hit & on).sum()), int(hit.sum())),
        not_used=Rate(int((~hit & on).sum()), int((~hit).sum())),
    )


# What a stage's name suggests it is, and the event names that usually mean it: exact
# names first, then names with a word starting so ("view" finds view_cart, not review).
# GA4's recommended events and common product events.
CONCEPTS: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (("aware", "discover", "attract", "reach"),
     ("first_visit", "first_open", "page_view", "screen_view", "session_start", "ad_click"),
     ("landing", "visit", "impression")),
    (("product page",), ("view_item",), ("view_product",)),
    (("cart", "basket"), ("add_to_cart", "view_cart"), ("cart",)),
    (("checkout",), ("begin_checkout", "add_shipping_info", "add_payment_info"), ("checkout",)),
    (("onboard", "sign up", "signup", "trial", "register"),
     ("sign_up", "start_trial", "tutorial_begin", "tutorial_complete"),
     ("signup", "register", "trial", "onboard")),
    (("consider", "browse", "evaluat", "research", "pre-purchase", "interest", "compare"),
     ("view_item_list", "view_item", "view_search_results", "search", "select_item",
      "sign_up", "start_trial"),
     ("view", "pricing", "search", "compare", "signup", "trial")),
    (("deliver", "ship", "fulfil", "receiv", "track"),
     ("track_order", "order_delivered", "shipment_delivered"),
     ("track", "deliver", "ship")),
    (("purchase", "buy", "convert", "subscri", "order", "pay"),
     ("purchase", "order_completed", "checkout_completed", "subscribe"),
     ("purchase", "order", "subscri")),
    (("adopt", "first value", "activat", "setup"),
     ("create_site", "publish_site", "activate"),
     ("create", "publish", "activat", "complete", "deliver")),
    (("retain", "retention", "everyday", "engage", "habit", "loyal"),
     ("login", "app_open", "user_engagement"),
     ("login", "open", "return")),
    (("expan", "upgrade", "renew", "grow", "upsell"),
     ("upgrade", "invite_teammate", "add_seat", "renew"),
     ("upgrade", "invite", "seat", "renew")),
    (("advoca", "review", "refer", "recommend", "share"),
     ("refer", "share", "write_review", "review", "rate"),
     ("refer", "share", "review", "rate", "recommend")),
)  # fmt: skip


def suggest_bindings(stage_names: Sequence[str], event_names: Sequence[str]) -> list[list[str]]:
    """Per stage (in map order), the dataset's events that usually mean it; each event once.

    The more specific stages choose first ("Cart" before "Browse"), so a cart event is
    not taken by a browsing stage. A stage whose name says nothing known, or whose events
    the dataset lacks, gets [].
    """
    concepts = [
        next((c for c, (words, _, _) in enumerate(CONCEPTS) if any(w in s.casefold() for w in words)),
             None)
        for s in stage_names
    ]  # fmt: skip
    taken: set[str] = set()
    out: list[list[str]] = [[] for _ in stage_names]
    for i in sorted(
        (i for i, c in enumerate(concepts) if c is not None), key=lambda i: concepts[i]
    ):
        _, exact, parts = CONCEPTS[concepts[i]]
        found = [e for e in exact if e in event_names and e not in taken]
        found += [
            e for e in event_names
            if e not in taken and e not in found and any(_starts_word(p, e) for p in parts)
        ]  # fmt: skip
        taken.update(found)
        out[i] = found
    return out


def _starts_word(part: str, event: str) -> bool:
    """Whether `part` begins a word of the event name ("view" in view_cart, not in review)."""
    return re.search(rf"(?<![0-9a-z]){re.escape(part)}", event.casefold()) is not None


def from_bindings(board: MapBoard, bindings: Sequence[Binding]):
    """A map's stages `(id, name, match or None)` and touchpoints `(note id, stage id, match)`."""
    rules = {b.target_id: b for b in bindings}
    stages = [
        (s.id, s.name, Match.from_dict(rules[s.id].rule) if s.id in rules else None)
        for s in board.stages
    ]
    touch_lanes = {lane.id for lane in board.lanes if lane.kind is LaneKind.TOUCHPOINT}
    notes = {n.id: n for n in board.notes if n.lane_id in touch_lanes}  # moved away: unbound
    touchpoints = [
        (b.target_id, notes[b.target_id].stage_id, Match.from_dict(b.rule))
        for b in bindings
        if b.kind is BindingKind.TOUCHPOINT and b.target_id in notes
    ]
    return stages, touchpoints


@dataclass(frozen=True)
class StageFlow:
    """How people actually move between the bound stages (loops and skips included)."""

    edges: pd.DataFrame  # source, target (stage keys, or LEFT), transitions, people
    entered: dict[str, int]  # people with an event of each stage


LEFT = "left"  # the node people go to when their last stage is not the journey's last


def stage_flow(
    data: Prepared | pd.DataFrame,
    stages: Sequence[tuple[str, str, Match | None]],
    *,
    segment: Match | None = None,
    date_from=None,
    date_to=None,
) -> StageFlow:
    """Each person's events as a sequence of stages (first bound stage an event matches,
    repeats collapsed); the transitions between consecutive stages, and the exits."""
    d = subset(data, segment, date_from, date_to)
    bound = [(key, match) for key, _, match in stages if match is not None]
    keys = [key for key, _ in bound]
    which = np.full(len(d), -1, dtype=np.int64)
    for s in range(len(bound) - 1, -1, -1):  # the first stage in map order wins
        which[bound[s][1].mask(d)] = s
    on = which >= 0
    stage, actor = which[on], d.actor[on]
    fresh = (
        np.r_[True, (actor[1:] != actor[:-1]) | (stage[1:] != stage[:-1])] if len(stage) else on[:0]
    )
    stage, actor = stage[fresh], actor[fresh]
    width = len(bound) + 1  # the last code is LEFT
    same = np.r_[actor[1:] == actor[:-1], False] if len(actor) else fresh[:0]
    last = ~same
    src = np.r_[stage[:-1][same[:-1]], stage[last & (stage != len(bound) - 1)]]
    dst = np.r_[
        stage[1:][same[:-1]], np.full(int((last & (stage != len(bound) - 1)).sum()), width - 1)
    ]
    who = np.r_[actor[:-1][same[:-1]], actor[last & (stage != len(bound) - 1)]]
    order = np.argsort(who, kind="stable")  # people in order, as the tally expects
    if len(order):
        key, rows, people = tally(src[order] * width + dst[order], who[order])
    else:
        key = rows = people = np.empty(0, dtype=np.int64)
    names = [*keys, LEFT]
    edges = pd.DataFrame(
        {
            "source": [names[k // width] for k in key],
            "target": [names[k % width] for k in key],
            "transitions": rows,
            "people": people,
        }
    )
    entered = {keys[s]: _distinct_sorted(actor[stage == s]) for s in range(len(bound))}
    return StageFlow(edges.sort_values(["source", "target"], ignore_index=True), entered)


def _distinct_sorted(values: np.ndarray) -> int:
    """How many distinct values a sorted array holds."""
    return int(np.count_nonzero(np.diff(values))) + 1 if len(values) else 0


def summary(numbers: JourneyNumbers) -> dict[str, dict]:
    """Per stage id, the numbers a snapshot keeps (plain JSON values)."""
    return {
        key: {
            "people": n.reached,
            "conversion": n.from_previous.value if n.from_previous else None,
            "n": n.from_previous.n if n.from_previous else n.reached,
            "dropoff": n.dropoff,
            "median_to_next": n.median_to_next,
        }
        for key, n in numbers.stages.items()
    }


BREAKDOWNS = ("channel", "device")
BREAKDOWN_ROWS = 30  # every value its own row (channels and devices are few): no "Other"


def stage_breakdowns(
    data: Prepared,
    steps: Sequence[Match],
    step: int,
    *,
    window: timedelta = DEFAULT_WINDOW,
    columns: Sequence[str] = BREAKDOWNS,
) -> dict[str, pd.DataFrame]:
    """Per column, per value: people at the previous bound stage (attributed to the value of
    the event that counted there) and how many of them reached stage `step`, with the rate and
    its 95 % interval. At the first stage, the people who entered, per value."""
    out = {}
    for column in columns:
        if column not in data.columns:
            continue
        options = {"window": window, "breakdown": column, "top": BREAKDOWN_ROWS}
        if step:
            options |= {"attribution": "step", "attribution_step": step - 1}
        result = funnel(data, list(steps[: step + 1]), **options)
        rows = []
        for value, part in (result.breakdown or {}).items():
            before = part.counts[step - 1] if step else part.counts[0]
            if not before:
                continue
            reached = part.counts[step]
            low, high = wilson(reached, before) or (None, None)
            rows.append({column: value or "(unknown)", "before": before, "reached": reached,
                         "conversion": reached / before, "95% low": low, "95% high": high})  # fmt: skip
        out[column] = pd.DataFrame(rows)
    return out
