"""A dataset prepared for questions: sorted by person and time, names as integer codes.

Every metric runs over the same flat arrays: `actor` (a code per event, sorted),
`ts` (microseconds since the epoch, UTC), `event` (a code per event name), and
`starts`, the offset of each person's first event (person i owns events
`starts[i]:starts[i + 1]`). Preparing once costs a sort; every later question is a
pass over these arrays.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd

US = 1_000_000  # microseconds per second
MEMO_SIZE = 64


@dataclass(frozen=True, eq=False)
class Prepared:
    """The arrays every metric reads; build with `prepare`."""

    _frame: pd.DataFrame | None  # the rows, sorted by person then time (None: a subset's)
    actor: np.ndarray  # int64 code per event, non-decreasing
    actor_ids: np.ndarray  # str per actor code
    ts: np.ndarray  # int64 microseconds, UTC
    event: np.ndarray  # int32 code per event
    event_names: tuple[str, ...]
    starts: np.ndarray  # int64, len = actors + 1
    fingerprint: str
    _codes: dict[str, int] = field(default_factory=dict, repr=False)
    _columns: dict = field(default_factory=dict, repr=False)  # column -> (codes, labels)
    _whole: tuple[Prepared, np.ndarray] | None = field(default=None, repr=False)  # and rows
    _memo: dict = field(default_factory=dict, repr=False)

    def remember(self, key, compute):
        """A derived array kept with the dataset (masks of the same match asked again and
        again); a bounded, read-only cache. Races only compute twice."""
        if key not in self._memo:
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            value = compute()
            value.flags.writeable = False
            self._memo[key] = value
        return self._memo[key]

    @property
    def events(self) -> pd.DataFrame:
        """The rows, sorted by person then time (index 0..n-1); a subset builds its own once."""
        if self._frame is None:
            whole, index = self._whole
            object.__setattr__(self, "_frame", whole.events.iloc[index].reset_index(drop=True))
        return self._frame

    @property
    def columns(self) -> list[str]:
        return list(self._whole[0].columns if self._whole else self._frame.columns)

    def __len__(self) -> int:
        return len(self.ts)

    def code(self, name: str) -> int:
        """The code of an event name, or -1 when the dataset never has it."""
        return self._codes.get(name, -1)

    def between(self, date_from=None, date_to=None) -> Prepared:
        """The events within [date_from, date_to] (a date_to given as a date: its whole day)."""
        if date_from is None and date_to is None:
            return self
        keep = np.ones(len(self.ts), dtype=bool)
        if date_from is not None:
            keep &= self.ts >= _micros(date_from, end=False)
        if date_to is not None:
            keep &= self.ts <= _micros(date_to, end=True)
        return self.subset(keep)

    def subset(self, keep: np.ndarray) -> Prepared:
        """The events where `keep` is true (actor codes and names stay the same)."""
        actor = self.actor[keep]
        counts = np.bincount(actor, minlength=len(self.actor_ids))
        index, whole = np.flatnonzero(keep), self
        if self._whole is not None:  # a subset of a subset: one level, into the whole
            whole, before = self._whole
            index = before[index]
        return Prepared(
            _frame=None,
            actor=actor,
            actor_ids=self.actor_ids,
            ts=self.ts[keep],
            event=self.event[keep],
            event_names=self.event_names,
            starts=np.concatenate([[0], np.cumsum(counts)]),
            fingerprint=f"{self.fingerprint}:{hashlib.sha1(np.packbits(keep)).hexdigest()[:12]}",
            _codes=self._codes,
            _whole=(whole, index),
        )

    def column_codes(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """A property as codes per event and their labels as strings; missing is ""."""
        if column not in self._columns:  # a plain dict: a lost race only computes twice
            codes, labels = self._column_codes(column)
            codes.flags.writeable = False  # shared by every question about this dataset
            self._columns[column] = codes, labels
        return self._columns[column]

    def numbers(self, column: str) -> np.ndarray:
        """A column as a float per event (NaN where it is not a number), kept with the
        dataset; a subset cuts the whole dataset's instead of building its own frame."""

        def compute() -> np.ndarray:
            if self._whole is not None:
                whole, index = self._whole
                return whole.numbers(column)[index]
            return pd.to_numeric(self._frame[column], errors="coerce").to_numpy(dtype=float)

        return self.remember(("numbers", column), compute)

    def value_counts(self, column: str) -> np.ndarray:
        """Events per value of a column, indexed by the codes `column_codes` gives."""

        def compute() -> np.ndarray:
            codes, labels = self.column_codes(column)
            return np.bincount(codes, minlength=len(labels))

        return self.remember(("counts", column), compute)

    def _column_codes(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        if self._whole is not None:  # the whole dataset's codes, cut: no strings touched
            whole, index = self._whole
            codes, labels = whole.column_codes(column)
            return codes[index], labels
        if column not in self._frame:
            raise ValueError(f"The dataset has no column {column!r}.")
        values = self.events[column]
        if isinstance(values.dtype, pd.CategoricalDtype):  # codes as they are: no strings
            labels = values.cat.categories.astype("string").fillna("").to_numpy(dtype=object)
            codes = values.cat.codes.to_numpy().astype(np.int32)
            if (codes < 0).any():
                if "" not in labels:
                    labels = np.append(labels, "")
                codes[codes < 0] = int(np.flatnonzero(labels == "")[0])
            return codes, labels
        codes, labels = pd.factorize(values.astype("string").fillna(""))
        return codes.astype(np.int32), np.asarray(labels, dtype=object)


def prepare(events: pd.DataFrame | Prepared) -> Prepared:
    """Sort by person and time (stably: file order breaks ties) and encode names."""
    if isinstance(events, Prepared):
        return events
    missing = [c for c in ("actor_id", "event", "ts") if c not in events]
    if missing:
        raise ValueError(f"The events need the columns actor_id, event and ts; {missing} missing.")
    actor_codes, actor_ids = _codes(events["actor_id"])
    ts = _utc_micros(events["ts"])
    if not _sorted(actor_codes, ts):  # a saved dataset already is: no sort needed
        order = np.lexsort((ts, actor_codes))
        events = events.iloc[order]
        actor_codes, ts = actor_codes[order], ts[order]
    events = events.reset_index(drop=True)
    event_codes, names = _codes(events["event"])
    counts = np.bincount(actor_codes, minlength=len(actor_ids))
    names = tuple(str(n) for n in names)
    return Prepared(
        _frame=events,
        actor=actor_codes,
        actor_ids=np.asarray([str(a) for a in actor_ids], dtype=object),
        ts=ts,
        event=event_codes.astype(np.int32),
        event_names=names,
        starts=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        fingerprint=_fingerprint(actor_codes, ts, event_codes, names),
        _codes={n: i for i, n in enumerate(names)},
    )


def _sorted(actor: np.ndarray, ts: np.ndarray) -> bool:
    """Whether the rows already run by person, then time."""
    step = np.diff(actor)
    return bool((step >= 0).all() and (np.diff(ts)[step == 0] >= 0).all())


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes that sort like the labels (a categorical's codes when it is one)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.cat.remove_unused_categories()
        codes = values.cat.codes.to_numpy().astype(np.int64)
        labels = values.cat.categories.to_numpy()
    else:
        codes, labels = pd.factorize(values, sort=True)
        codes = codes.astype(np.int64)
    if (codes < 0).any():
        raise ValueError("Some events have no actor or no event name.")
    return codes, np.asarray(labels)


def _utc_micros(ts: pd.Series) -> np.ndarray:
    ts = pd.to_datetime(ts, utc=True)
    if ts.isna().any():
        raise ValueError("Some events have no time.")
    return ts.astype("datetime64[us, UTC]").array.asi8.astype(np.int64)


def _micros(moment, *, end: bool) -> int:
    """Microseconds of a bound; a plain date is its day's start, or with `end` its last µs."""
    if isinstance(moment, date) and not isinstance(moment, datetime):
        moment = datetime.combine(moment, time.min) + (timedelta(days=1) if end else timedelta())
        stamp = pd.Timestamp(moment, tz="UTC")
        return stamp.value // 1000 - (1 if end else 0)
    stamp = pd.Timestamp(moment)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.value // 1000


def _fingerprint(actor, ts, event, names) -> str:
    digest = hashlib.sha256()
    for array in (actor, ts, event):
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update("\x00".join(names).encode())
    return digest.hexdigest()[:32]
