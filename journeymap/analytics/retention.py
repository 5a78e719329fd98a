"""Retention: of the people who started in a period, how many came back k periods later.

A person's cohort is the period (UTC day, ISO week, or month) of their first start
event. They count as retained in period k >= 1 when a return event falls in period
cohort + k ("on") or in any period from cohort + k on ("on or after"). The curve
weighs cohorts by size and, for each k, uses only the cohorts old enough to have a
period k in the data; churn is the share lost from one period to the next.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from journeymap.analytics.funnels import PERIODS, period_starts
from journeymap.analytics.prepare import Prepared, prepare
from journeymap.analytics.stats import wilson

MODES = ("on", "on_or_after")


@dataclass(frozen=True)
class RetentionResult:
    table: pd.DataFrame  # index: cohort start; columns: size, 0..periods-1 (people retained)
    curve: pd.DataFrame  # period, retained, of, rate, low, high
    churn: list[float | None]

    def rates(self) -> pd.DataFrame:
        """The table as shares of each cohort's size."""
        counts = self.table.drop(columns="size")
        return counts.div(self.table["size"], axis=0)


def retention(
    data: Prepared | pd.DataFrame,
    start_event: str,
    return_event: str | None = None,
    *,
    period: str = "week",
    mode: str = "on",
    periods: int = 8,
    date_from=None,
    date_to=None,
) -> RetentionResult:
    """The cohort table, its weighted curve and churn."""
    if period not in PERIODS:
        raise ValueError(f"period is one of {', '.join(PERIODS)}.")
    if mode not in MODES:
        raise ValueError(f"mode is one of {', '.join(MODES)}.")
    d = prepare(data).between(date_from, date_to)
    index = _period_index(d.ts, period)
    start_code = d.code(start_event)
    return_code = d.code(return_event if return_event is not None else start_event)
    is_start = d.event == start_code
    cohort = np.full(len(d.actor_ids), np.iinfo(np.int64).max)
    np.minimum.at(cohort, d.actor[is_start], index[is_start])
    members = np.flatnonzero(cohort != np.iinfo(np.int64).max)
    columns = list(range(periods))
    if len(members) == 0:
        empty = pd.DataFrame(columns=["size", *columns])
        return RetentionResult(empty, _curve(empty, periods, 0), [None] * (periods - 1))
    is_return = (d.event == return_code) & (cohort[d.actor] != np.iinfo(np.int64).max)
    offset = index[is_return] - cohort[d.actor[is_return]]
    who = d.actor[is_return]
    later = offset >= 1
    pairs = np.unique(np.stack([who[later], np.minimum(offset[later], periods)], axis=1), axis=0)
    retained = np.zeros((len(d.actor_ids), periods + 1), dtype=bool)
    retained[pairs[:, 0], pairs[:, 1]] = True
    if mode == "on_or_after":  # came back at k or any time after
        retained = np.flip(np.logical_or.accumulate(np.flip(retained, axis=1), axis=1), axis=1)
    retained = retained[:, :periods]
    retained[members, 0] = True
    frame = pd.DataFrame(retained[members], columns=columns)
    frame["cohort"] = cohort[members]
    table = frame.groupby("cohort")[columns].sum()
    table.insert(0, "size", frame.groupby("cohort").size())
    last = int(index.max())
    table.index = pd.DatetimeIndex(_period_start(table.index.to_numpy(), period), tz="UTC")
    table.index.name = "cohort"
    curve = _curve(table, periods, last, cohorts=np.sort(np.unique(cohort[members])))
    rates = curve["rate"].tolist()
    churn = [
        (1 - rates[k] / rates[k - 1]) if rates[k - 1] and rates[k] is not None else None
        for k in range(1, periods)
    ]
    return RetentionResult(table, curve, churn)


def _curve(table: pd.DataFrame, periods: int, last: int, cohorts=None) -> pd.DataFrame:
    rows = []
    for k in range(periods):
        if cohorts is None:
            retained = of = 0
        else:
            observable = cohorts + k <= last  # the cohort's period k is in the data
            retained = int(table[k].to_numpy()[observable].sum())
            of = int(table["size"].to_numpy()[observable].sum())
        bounds = wilson(retained, of)
        rows.append(
            {
                "period": k,
                "retained": retained,
                "of": of,
                "rate": retained / of if of else None,
                "low": bounds[0] if bounds else None,
                "high": bounds[1] if bounds else None,
            }
        )
    return pd.DataFrame(rows)


def _period_index(ts_us: np.ndarray, period: str) -> np.ndarray:
    """A running number per period: days, weeks or months since 1970."""
    starts = period_starts(ts_us, period)
    if period == "month":
        return starts.astype("datetime64[M]").astype(np.int64)
    days = starts.astype("datetime64[D]").astype(np.int64)
    return days if period == "day" else (days + 3) // 7


def _period_start(index: np.ndarray, period: str) -> np.ndarray:
    if period == "month":
        return index.astype("datetime64[M]").astype("datetime64[us]")
    days = index if period == "day" else index * 7 - 3
    return days.astype("datetime64[D]").astype("datetime64[us]")
