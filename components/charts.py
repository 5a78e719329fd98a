"""Charts drawn with Altair."""

from __future__ import annotations

import altair as alt
import pandas as pd

from journeymap import LaneKind, MapBoard
from journeymap.palette import EMOTION_LABELS


def emotion_frame(board: MapBoard) -> pd.DataFrame:
    """One row per stage: mean emotion score and how many emotion notes it rests on."""
    emotion_lanes = {lane.id for lane in board.lanes if lane.kind is LaneKind.EMOTION}
    scores: dict[str, list[int]] = {s.id: [] for s in board.stages}
    for note in board.notes:
        if note.emotion is not None and note.lane_id in emotion_lanes:
            scores[note.stage_id].append(note.emotion)
    return pd.DataFrame(
        {
            "stage": [s.name for s in board.stages],
            "order": range(len(board.stages)),
            "score": [sum(v) / len(v) if v else None for v in scores.values()],
            "notes": [len(v) for v in scores.values()],
        }
    )


def emotion_curve(board: MapBoard) -> alt.Chart | None:
    """The mean emotion per stage as a line over the stages (None with no scores)."""
    frame = emotion_frame(board)
    if frame["notes"].sum() == 0:
        return None
    stages = list(frame["stage"])
    x = alt.X(
        "stage:N",
        sort=stages,
        scale=alt.Scale(domain=stages),
        title=None,
        axis=alt.Axis(labelAngle=0),
    )
    y = alt.Y(
        "score:Q",
        scale=alt.Scale(domain=[-2, 2]),
        title="Emotion",
        axis=alt.Axis(
            values=list(EMOTION_LABELS),
            labelExpr="datum.value > 0 ? '+' + datum.value : datum.value",
        ),
    )
    tooltip = [
        alt.Tooltip("stage:N", title="Stage"),
        alt.Tooltip("score:Q", title="Mean score", format="+.2f"),
        alt.Tooltip("notes:Q", title="Emotion notes"),
    ]
    scored = frame.dropna(subset=["score"])
    base = alt.Chart(scored).encode(x=x, y=y, tooltip=tooltip)
    line = base.mark_line(interpolate="monotone", strokeWidth=3, color="#f59e0b")
    points = base.mark_circle(size=90).encode(
        color=alt.Color(
            "score:Q",
            scale=alt.Scale(domain=[-2, 0, 2], range=["#ef4444", "#a3a3a3", "#22c55e"]),
            legend=None,
        )
    )
    zero = (
        alt.Chart(pd.DataFrame({"y": [0]}))
        .mark_rule(strokeDash=[4, 4], opacity=0.5)
        .encode(y="y:Q")
    )
    return (zero + line + points).properties(height=170)


def time_histogram(hours) -> alt.Chart:
    """How long people took between two steps, in hours."""
    return (
        alt.Chart(pd.DataFrame({"hours": hours}))
        .mark_bar()
        .encode(
            alt.X("hours:Q", bin=alt.Bin(maxbins=40), title="hours"),
            alt.Y("count()", title="people"),
        )
    )


def over_time_chart(over: pd.DataFrame) -> alt.Chart:
    """Conversion per period of entry, with its 95 % interval as a band."""
    band = (
        alt.Chart(over)
        .mark_area(opacity=0.2)
        .encode(alt.X("period:T"), alt.Y("low:Q"), alt.Y2("high:Q"))
    )
    line = (
        alt.Chart(over)
        .mark_line(point=True)
        .encode(
            alt.X("period:T", title="entered in"),
            alt.Y("rate:Q", title="converted", axis=alt.Axis(format="%")),
            tooltip=["period:T", "entered:Q", "converted:Q", alt.Tooltip("rate:Q", format=".1%")],
        )
    )
    return band + line
