"""What each channel costs and returns, and what a better stage would be worth.

ROI per channel (or campaign): spend from a cost table, customers and revenue credited
by one attribution model; CAC = spend / customers, ROAS = revenue / spend, ROI =
(revenue - spend) / spend. A channel with no spend (free content, organic search) has
no CAC, ROAS or ROI to divide by: it shows its customers and revenue for nothing.

What-if: raise one stage's conversion from the previous stage by some points (or take
its drop-off away) and carry the later stages' own conversion rates on unchanged:
the assumption is that the people you win convert downstream like the people you have.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from journeymap.analytics.attribution import AttributionResult
from journeymap.analytics.stages import JourneyNumbers


def roi_table(
    credited: AttributionResult,
    costs: pd.DataFrame,
    *,
    model: str = "linear",
    by: str = "channel",
    date_from=None,
    date_to=None,
) -> pd.DataFrame:
    """value, spend, customers, revenue, CAC, ROAS, ROI; the best ROI first, no-spend last."""
    if by not in costs:
        raise ValueError(f"The cost table has no {by!r} column; it has {', '.join(costs.columns)}.")
    spent = costs
    if "date" in costs and (date_from is not None or date_to is not None):
        day = pd.to_datetime(costs["date"], utc=True).dt.date
        keep = pd.Series(True, index=costs.index)
        if date_from is not None:
            keep &= day >= pd.Timestamp(date_from).date()
        if date_to is not None:
            keep &= day <= pd.Timestamp(date_to).date()
        spent = costs[keep]
    spend = spent.groupby(spent[by].astype(str).fillna(""))["cost"].sum().astype(float)
    got = (
        credited.credit[credited.credit["model"] == model]
        .groupby("value")[["conversions", "revenue"]]
        .sum()
    )
    table = pd.concat([spend.rename("spend"), got], axis=1).fillna(0.0)
    table.index.name = by
    table = table.rename(columns={"conversions": "customers"}).reset_index()
    paid = table["spend"] > 0
    table["CAC"] = np.where(paid & (table["customers"] > 0),
                            table["spend"] / table["customers"].where(table["customers"] > 0), np.nan)  # fmt: skip
    table["ROAS"] = np.where(paid, table["revenue"] / table["spend"].where(paid), np.nan)
    table["ROI"] = np.where(paid, (table["revenue"] - table["spend"]) / table["spend"].where(paid),
                            np.nan)  # fmt: skip
    order = table.assign(_paid=~paid).sort_values(["_paid", "ROI", "revenue"],
                                                   ascending=[True, False, False])  # fmt: skip
    return order.drop(columns="_paid").reset_index(drop=True)


@dataclass(frozen=True)
class WhatIf:
    """The journey's counts now and projected, per bound stage."""

    stages: tuple[str, ...]
    now: tuple[int, ...]
    projected: tuple[float, ...]
    extra_customers: float  # at the goal stage
    extra_revenue: float | None
    assumption: str


def what_if(
    numbers: JourneyNumbers,
    stage: str,
    *,
    points: float = 0.0,
    remove_dropoff: bool = False,
    goal: str | None = None,
    value_per_customer: float | None = None,
) -> WhatIf:
    """Raise `stage`'s conversion from the previous bound stage by `points` (0.05 = 5
    points), or to 100 % with `remove_dropoff`; the later stages keep their rates.
    Customers are the people at the `goal` stage (default: the last bound stage)."""
    bound = numbers.bound
    keys = [s.key for s in bound]
    if stage not in keys:
        raise ValueError("Pick a bound stage.")
    at = keys.index(stage)
    if at == 0:
        raise ValueError("The first stage has no conversion to improve: pick a later one.")
    now = [s.reached for s in bound]
    projected = [float(now[0])]
    for i in range(1, len(bound)):
        rate = now[i] / now[i - 1] if now[i - 1] else 0.0
        if i == at:
            rate = 1.0 if remove_dropoff else min(1.0, rate + points)
        projected.append(projected[-1] * rate)
    if goal is not None and goal not in keys:
        raise ValueError("The goal is one of the bound stages.")
    end = keys.index(goal) if goal is not None else len(keys) - 1
    extra = projected[end] - now[end]
    change = "no drop-off" if remove_dropoff else f"{100 * points:+.1f} points"
    assumption = (
        f"{bound[at].name} converts from {bound[at - 1].name} with {change}; every later stage "
        "keeps its current conversion rate, i.e. the people won behave like today's."
    )
    return WhatIf(
        stages=tuple(s.name for s in bound),
        now=tuple(now),
        projected=tuple(projected),
        extra_customers=extra,
        extra_revenue=None if value_per_customer is None else extra * value_per_customer,
        assumption=assumption,
    )
