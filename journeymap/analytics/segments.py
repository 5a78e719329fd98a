"""Which events mean something: a stage, a touchpoint, a persona's people.

A `Match` is any of some event names (none: any event) on which every condition
holds, e.g. `Match(("purchase",), (Condition("device", "is", ("mobile",)),))`. The
same object says which events reach a map's stage, which events are a touchpoint,
and, read per person, who belongs to a persona's segment: someone with at least one
event on which all its conditions hold. Conditions compare a column's values as text:
"is" / "is not" one of the values, or "contains" one of them (ignoring case).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from journeymap.analytics.prepare import Prepared
from journeymap.rules import MATCH_OPERATORS as OPERATORS


@dataclass(frozen=True)
class Condition:
    """A test on one event column."""

    column: str
    op: str
    values: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise ValueError(f"A condition's operator is one of: {', '.join(OPERATORS)}.")
        if not self.column:
            raise ValueError("A condition needs a column.")
        if not self.values:
            raise ValueError(f"The condition on {self.column!r} needs at least one value.")

    def describe(self) -> str:
        values = " or ".join(self.values)
        return f"{self.column} {self.op} {values}"

    def mask(self, data: Prepared) -> np.ndarray:
        """Whether each event satisfies the condition (a missing column: nowhere)."""
        if self.column not in data.columns:
            return np.zeros(len(data), dtype=bool)
        codes, labels = data.column_codes(self.column)
        labels = np.asarray(labels, dtype=object).astype(str)
        if self.op == "contains":
            wanted = [v.casefold() for v in self.values]
            ok = np.array([any(w in label.casefold() for w in wanted) for label in labels])
        else:
            ok = np.isin(labels, list(self.values))
            if self.op == "is not":
                ok = ~ok
        return ok[codes] if len(ok) else np.zeros(len(data), dtype=bool)


@dataclass(frozen=True)
class Match:
    """Events that mean something: any of `events` (empty: any event), all `where` true."""

    events: tuple[str, ...] = ()
    where: tuple[Condition, ...] = ()
    label: str = field(default="", compare=False)

    @property
    def empty(self) -> bool:
        return not self.events and not self.where

    def name(self) -> str:
        """The label, or a description of the match."""
        if self.label:
            return self.label
        text = " or ".join(self.events) if self.events else "any event"
        if self.where:
            text += " where " + " and ".join(c.describe() for c in self.where)
        return text

    def mask(self, data: Prepared) -> np.ndarray:
        """Whether each event of the prepared data matches (kept with the dataset: the
        same match is asked for again on every stage, touchpoint and breakdown)."""
        return data.remember(("match", self), lambda: self._mask(data))

    def _mask(self, data: Prepared) -> np.ndarray:
        if self.events:
            table = np.zeros(len(data.event_names) + 1, dtype=bool)  # a lookup by code
            table[[c for c in (data.code(e) for e in self.events) if c >= 0]] = True
            hit = table[data.event]
        else:
            hit = np.ones(len(data), dtype=bool)
        for condition in self.where:
            hit &= condition.mask(data)
        return hit

    def people(self, data: Prepared) -> np.ndarray:
        """Per actor code: whether any of the person's events matches."""

        def people() -> np.ndarray:
            hit = self.mask(data)
            return np.bincount(data.actor[hit], minlength=len(data.actor_ids)) > 0

        return data.remember(("people", self), people)

    def to_dict(self) -> dict:
        return {
            "events": list(self.events),
            "where": [
                {"column": c.column, "op": c.op, "values": list(c.values)} for c in self.where
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping | None, label: str = "") -> Match:
        """The inverse of `to_dict`; raises ValueError on a malformed document."""
        if not data:
            return cls(label=label)
        events = tuple(str(e) for e in data.get("events", ()) if str(e))
        where = tuple(
            Condition(str(c["column"]), str(c["op"]), tuple(str(v) for v in c["values"]))
            for c in data.get("where", ())
        )
        return cls(events, where, label)


def as_match(step: str | Match) -> Match:
    """A funnel step given as an event name, or already a Match."""
    if isinstance(step, Match):
        return step
    return Match((str(step),), label=str(step))


def step_bits(data: Prepared, steps: Iterable[Match]) -> np.ndarray:
    """Per event, a bit per step it matches (bit s set: the event can be step s).

    Plain event-name steps go through a lookup table by event code; only steps with
    conditions read their columns.
    """
    steps = list(steps)
    kind = next(t for t in (np.int8, np.int16, np.int32, np.int64) if len(steps) < 8 * t().itemsize)
    by_code = np.zeros(len(data.event_names) + 1, dtype=kind)
    extra = None
    for s, step in enumerate(steps):
        if step.where or not step.events:
            bit = step.mask(data).astype(kind) << kind(s)
            extra = bit if extra is None else extra | bit
            continue
        for event in step.events:
            code = data.code(event)
            if code >= 0:
                by_code[code] |= kind(1) << kind(s)
    bits = by_code[data.event]
    return bits if extra is None else bits | extra
