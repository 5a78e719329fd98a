"""Paths: the routes people take through a session, as counted transitions (ANALYTICS.md 3).

Sessions split at 30 minutes of inactivity, consecutive repeats collapse to one
step, and each session's path is cut to its first `steps` steps (from its first
`start` event, or ending at its first `end` event). Edges (level i-1: a) -> (level
i: b) carry how many paths use them and how many distinct people; a path shorter
than `steps` ends in "ended here". The `top` edges are kept, the rest fold into
"Other" at their level. All of it is vectorised over the prepared arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

from journeymap.analytics.prepare import US, Prepared, prepare

ENDED = "ended here"
OTHER = "Other"
SESSION_GAP = timedelta(minutes=30)


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
    actor, ts, event = d.actor, d.ts, d.event
    n = len(ts)
    if n == 0:
        return PathsResult(_empty(), 0)
    new_actor = np.r_[True, actor[1:] != actor[:-1]]
    gap = round(session_gap.total_seconds() * US)
    new_session = new_actor | np.r_[True, np.diff(ts) > gap]
    session = np.cumsum(new_session) - 1
    keep = new_session | np.r_[True, event[1:] != event[:-1]]  # collapse repeats
    session, event, actor = session[keep], event[keep], actor[keep]
    first = np.r_[True, session[1:] != session[:-1]]
    position = np.arange(len(session)) - np.maximum.accumulate(
        np.where(first, np.arange(len(session)), 0)
    )
    if start is not None or end is not None:
        anchor = d.code(start if start is not None else end)
        is_anchor = event == anchor
        sessions_count = session[-1] + 1
        anchor_at = np.full(sessions_count, np.iinfo(np.int64).max)
        hits = np.flatnonzero(is_anchor)  # in session order: the first hit of each is its anchor
        firsts = hits[np.r_[True, session[hits][1:] != session[hits][:-1]]] if len(hits) else hits
        anchor_at[session[firsts]] = position[firsts]
        has = anchor_at[session] != np.iinfo(np.int64).max
        if start is not None:
            position = position - anchor_at[session]
            inside = has & (position >= 0)
        else:
            position = position - anchor_at[session] + (steps - 1)
            inside = has & (position <= steps - 1) & (position >= 0)
            # shift so the path begins at its first kept step
            first_kept = np.zeros(sessions_count, np.int64)
            kept = np.flatnonzero(inside)  # positions rise within a session: the first is least
            if len(kept):
                heads = kept[np.r_[True, session[kept][1:] != session[kept][:-1]]]
                first_kept[session[heads]] = position[heads]
            position = position - np.where(inside, first_kept[session], 0)
        session, event, actor, position = (x[inside] for x in (session, event, actor, position))
    cut = position < steps
    session, event, actor, position = (x[cut] for x in (session, event, actor, position))
    if len(session) == 0:
        return PathsResult(_empty(), 0)
    names = np.array([*d.event_names, ENDED], dtype=object)
    width = len(names)
    follows = np.r_[session[1:] == session[:-1], False]
    ends = ~follows & (position < steps - 1)  # a path shorter than `steps` ends here
    level = np.r_[position[1:][follows[:-1]], position[ends] + 1]
    src = np.r_[event[:-1][follows[:-1]], event[ends]].astype(np.int64)
    dst = np.r_[event[1:][follows[:-1]], np.full(ends.sum(), width - 1)].astype(np.int64)
    who = np.r_[actor[1:][follows[:-1]], actor[ends]].astype(np.int64)
    key = (level.astype(np.int64) * width + src) * width + dst  # one integer per edge
    edges, transitions, users = _count(key, who)
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
        groups, folded, folded_users = _count(key[tail] // width, who[tail])
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
    sessions = int(np.count_nonzero(np.diff(session))) + 1
    return PathsResult(kept.reset_index(drop=True), sessions)


def _count(key: np.ndarray, who: np.ndarray):
    """Distinct keys, with how many rows and how many distinct `who` each has (by sorting)."""
    span = int(who.max()) + 1 if len(who) else 1
    if key.max(initial=0) < np.iinfo(np.int64).max // span:  # one sort of one integer
        both = np.sort(key * span + who)
        key, who = both // span, both % span
    else:
        order = np.lexsort((who, key))
        key, who = key[order], who[order]
    first = np.r_[True, key[1:] != key[:-1]]
    starts = np.flatnonzero(first)
    rows = np.diff(np.r_[starts, len(key)])
    new_person = first | np.r_[True, who[1:] != who[:-1]]
    people = np.add.reduceat(new_person.astype(np.int64), starts) if len(starts) else starts
    return key[starts], rows, people


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {"level": [], "source": [], "target": [], "transitions": [], "users": []}
    ).astype({"level": int, "transitions": int, "users": int})
