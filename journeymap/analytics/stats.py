"""Small statistics every rate carries: its n and a 95 % Wilson interval."""

from __future__ import annotations

import math

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of successes/n (None when n is 0).

    Unlike the normal approximation it stays inside [0, 1] and behaves for small n
    and for rates near 0 or 1, which is what a workshop's small segments have.
    """
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact at the edges, not 3e-18
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def rate(successes: int, n: int) -> float | None:
    return successes / n if n else None


def duration(seconds) -> str | None:
    """`45 s`, `12 min`, `3.5 h`, `2.1 days`: the unit a person would say."""
    if seconds is None or seconds != seconds:
        return None
    for limit, unit, size in ((120, "s", 1), (7200, "min", 60), (172_800, "h", 3600)):
        if seconds < limit:
            return f"{seconds / size:,.0f} {unit}" if unit != "h" else f"{seconds / size:,.1f} h"
    return f"{seconds / 86_400:,.1f} days"
