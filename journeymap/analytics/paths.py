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
        np.minimum.at(anchor_at, session[is_anchor], position[is_anchor])
        has = anchor_at[session] != np.iinfo(np.int64).max
        if start is not None:
            position = position - anchor_at[session]
            inside = has & (position >= 0)
        else:
            position = position - anchor_at[session] + (steps - 1)
            inside = has & (position <= steps - 1) & (position >= 0)
            # shift so the path begins at its first kept step
            first_kept = np.full(sessions_count, np.iinfo(np.int64).max)
            np.minimum.at(first_kept, session[inside], position[inside])
            position = position - np.where(inside, first_kept[session], 0)
        session, event, actor, position = (x[inside] for x in (session, event, actor, position))
    cut = position < steps
    session, event, actor, position = (x[cut] for x in (session, event, actor, position))
    if len(session) == 0:
        return PathsResult(_empty(), 0)
    names = np.array([*d.event_names, ENDED], dtype=object)
    ended = len(d.event_names)
    follows = np.r_[session[1:] == session[:-1], False]
    last_of_session = ~follows
    src = np.r_[event[:-1][follows[:-1]], event[last_of_session & (position < steps - 1)]]
    dst = np.r_[
        event[1:][follows[:-1]], np.full((last_of_session & (position < steps - 1)).sum(), ended)
    ]
    level = np.r_[
        position[1:][follows[:-1]], position[last_of_session & (position < steps - 1)] + 1
    ]
    who = np.r_[actor[1:][follows[:-1]], actor[last_of_session & (position < steps - 1)]]
    edges = pd.DataFrame({"level": level, "source": src, "target": dst, "actor": who})
    table = (
        edges.groupby(["level", "source", "target"])
        .agg(transitions=("actor", "size"), users=("actor", "nunique"))
        .reset_index()
    )
    table["source"] = names[table["source"].to_numpy()]
    table["target"] = names[table["target"].to_numpy()]
    edges["source"] = names[edges["source"].to_numpy()]
    edges["target"] = names[edges["target"].to_numpy()]
    table = table.sort_values(
        ["transitions", "source", "target"], ascending=[False, True, True], kind="stable"
    )
    kept, rest = table.iloc[:top], table.iloc[top:]
    if len(rest):
        folded = edges.merge(rest[["level", "source", "target"]], on=["level", "source", "target"])
        other = (
            folded.groupby(["level", "source"])
            .agg(transitions=("actor", "size"), users=("actor", "nunique"))
            .reset_index()
            .assign(target=OTHER)
        )
        kept = pd.concat([kept, other[kept.columns]], ignore_index=True)
    return PathsResult(kept.reset_index(drop=True), int(np.unique(session).size))


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {"level": [], "source": [], "target": [], "transitions": [], "users": []}
    ).astype({"level": int, "transitions": int, "users": int})
