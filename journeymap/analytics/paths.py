"""Paths: the routes people take through a session, as counted transitions (ANALYTICS.md 3).

Sessions split at 30 minutes of inactivity, consecutive repeats collapse to one
step, and each session's path is cut to its first `steps` steps (from its first
`start` event, or ending at its first `end` event). Edges (level i-1: a) -> (level
i: b) carry how many paths use them and how many distinct people; a path shorter
than `steps` ends in "ended here". The `top` edges are kept, the rest fold into
"Other" at their level. One compiled pass over the prepared arrays writes the edges; counting them is another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numba
import numpy as np
import pandas as pd

from journeymap.analytics.prepare import US, Prepared, prepare

ENDED = "ended here"
OTHER = "Other"
SESSION_GAP = timedelta(minutes=30)
FROM_START, TO_END = 1, 2
SMALL = 1 << 24  # edge keys below this are counted in one pass over arrays indexed by key


@dataclass(frozen=True)
class PathsResult:
    edges: pd.DataFrame  # level, source, target, transitions, users
    paths: int  # sessions that have a path

    def nodes(self) -> pd.DataFrame:
        """Each (level, name) with the paths that pass through it."""
        first = self.edges[self.edges["level"] == 1].groupby("source")["transitions"].sum()
        frames = [pd.DataFrame({"level": 0, "name": first.index, "paths": first.to_numpy()})]
        later = self.edges.groupby(["level", "target"])["transitions"].sum().reset_index()
        frames.append(later.rename(columns={"target": "name", "transitions": "paths"}))
        return pd.concat(frames, ignore_index=True)


def paths(
    data: Prepared | pd.DataFrame,
    *,
    start: str | None = None,
    end: str | None = None,
    steps: int = 5,
    top: int = 20,
    session_gap: timedelta = SESSION_GAP,
    date_from=None,
    date_to=None,
) -> PathsResult:
    """The most travelled transitions of people's sessions."""
    if start is not None and end is not None:
        raise ValueError("Anchor a path at a start event or at an end event, not both.")
    if steps < 2:
        raise ValueError("A path needs at least 2 steps.")
    d = prepare(data).between(date_from, date_to)
    if len(d) == 0:
        return PathsResult(_empty(), 0)
    names = np.array([*d.event_names, ENDED], dtype=object)
    width = len(names)
    anchor_name = start if start is not None else end
    mode = 0 if anchor_name is None else (FROM_START if start is not None else TO_END)
    anchor = d.code(anchor_name) if mode else -1
    if mode and anchor < 0:  # the dataset never has that event
        return PathsResult(_empty(), 0)
    longest = int(np.diff(d.starts).max())
    key = np.empty(len(d), np.int64)
    who = np.empty(len(d), np.int64)
    gap = round(session_gap.total_seconds() * US)
    rows, sessions = _path_edges(
        d.actor, d.ts, d.event, gap, steps, anchor, mode, width, longest, key, who
    )
    if rows == 0:
        return PathsResult(_empty(), 0)
    key, who = key[:rows], who[:rows]
    edges, transitions, users = tally(key, who)
    table = pd.DataFrame(
        {
            "level": edges // (width * width),
            "source": names[(edges // width) % width],
            "target": names[edges % width],
            "transitions": transitions,
            "users": users,
        }
    )
    table = table.sort_values(
        ["transitions", "source", "target"], ascending=[False, True, True], kind="stable"
    )
    kept = table.iloc[:top]
    if len(table) > top:  # every other edge folds into "Other" at its level, per source
        tail = np.isin(key, edges[table.index[top:].to_numpy()])
        groups, folded, folded_users = tally(key[tail] // width, who[tail])
        other = pd.DataFrame(
            {
                "level": groups // width,
                "source": names[groups % width],
                "target": OTHER,
                "transitions": folded,
                "users": folded_users,
            }
        )
        kept = pd.concat([kept, other], ignore_index=True)
    return PathsResult(kept.reset_index(drop=True), sessions)


@numba.njit(cache=True, nogil=True)
def _path_edges(actor, ts, event, gap, steps, anchor, mode, width, longest, key, who):
    """Each session's path as edge keys (level, source, target) with the person's code.

    Sessions split where the same person is idle for more than `gap`; repeats collapse.
    Returns how many edges were written and how many sessions have a path.
    """
    path = np.empty(longest, np.int64)
    rows = 0
    sessions = 0
    length = 0
    for i in range(len(ts) + 1):
        new = i == len(ts) or i == 0 or actor[i] != actor[i - 1] or ts[i] - ts[i - 1] > gap
        if new and length:
            lo, hi = 0, min(length, steps)
            if mode:
                first = 0
                while first < length and path[first] != anchor:
                    first += 1
                if first == length:
                    lo = hi = 0  # no anchor in this session: no path
                elif mode == FROM_START:
                    lo, hi = first, min(length, first + steps)
                else:
                    lo, hi = max(0, first - steps + 1), first + 1
            if hi > lo:
                sessions += 1
                for j in range(lo + 1, hi):
                    key[rows] = ((j - lo) * width + path[j - 1]) * width + path[j]
                    who[rows] = actor[i - 1]
                    rows += 1
                if hi - lo < steps:  # a short path ends here
                    key[rows] = ((hi - lo) * width + path[hi - 1]) * width + width - 1
                    who[rows] = actor[i - 1]
                    rows += 1
            length = 0
        if i == len(ts):
            break
        if length == 0 or path[length - 1] != event[i]:  # collapse repeats
            path[length] = event[i]
            length += 1
    return rows, sessions


def tally(key: np.ndarray, who: np.ndarray):
    """Distinct keys, with how many rows and how many distinct `who` each has.

    `who` runs non-decreasing (people come in order), so a person is new to a key when
    the key last saw someone else: one pass when keys are small, else one sort.
    """
    if len(key) and key.max() < SMALL:
        rows, people = _tally(key, who, int(key.max()) + 1)
        present = np.flatnonzero(rows)
        return present, rows[present], people[present]
    order = np.lexsort((who, key))
    key, who = key[order], who[order]
    first = np.r_[True, key[1:] != key[:-1]]
    starts = np.flatnonzero(first)
    rows = np.diff(np.r_[starts, len(key)])
    new_person = first | np.r_[True, who[1:] != who[:-1]]
    people = np.add.reduceat(new_person.astype(np.int64), starts) if len(starts) else starts
    return key[starts], rows, people


@numba.njit(cache=True, nogil=True)
def _tally(key, who, space):
    rows = np.zeros(space, np.int64)
    people = np.zeros(space, np.int64)
    last = np.full(space, -1, np.int64)
    for i in range(len(key)):
        k = key[i]
        rows[k] += 1
        if last[k] != who[i]:
            last[k] = who[i]
            people[k] += 1
    return rows, people


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {"level": [], "source": [], "target": [], "transitions": [], "users": []}
    ).astype({"level": int, "transitions": int, "users": int})
