"""The sticky-note wall as one bidirectional component (no build step).

One element draws every note, so a rerun with 300 notes stays cheap, and drag
and drop works as workshop users expect. The JavaScript writes user text with
`textContent` only; nothing here is ever interpreted as HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from journeymap import Lane, MapBoard, Note
from journeymap.palette import LANE_COLOURS

_HERE = Path(__file__).parent
_WALL = st.components.v2.component(
    "journeymap.wall",
    css=(_HERE / "wall.css").read_text(encoding="utf-8"),
    js=(_HERE / "wall.js").read_text(encoding="utf-8"),
)
EVENTS = ("add", "move", "open", "vote", "stage")
KEY_REJECTED = "wall:rejected"
KEY_WALL = "wall:board"  # the journey map page's wall
_BORDERS = {
    "action": "#3b82f6",
    "touchpoint": "#8b5cf6",
    "emotion": "#f59e0b",
    "pain": "#ef4444",
    "opportunity": "#22c55e",
    "resource": "#0ea5e9",
    "custom": "#ec4899",
}


@dataclass(frozen=True)
class WallEvent:
    """Something a participant did on the wall: add, move or open a note."""

    kind: str
    value: dict[str, Any]


def _ignore() -> None:
    """Trigger callbacks must exist for the events to be reported; the page acts on them."""


def wall_payload(
    board: MapBoard,
    notes: Sequence[Note],
    lanes: Sequence[Lane],
    *,
    readonly: bool = False,
    rejected: dict[str, Any] | None = None,
    comments: dict[str, int] | None = None,
    voting: dict[str, Any] | None = None,
    stage_metrics: dict[str, dict] | None = None,
    note_metrics: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The JSON the wall draws: only ids, plain text and numbers.

    `rejected` is a note the server refused ({stage_id, lane_id, text, message,
    nonce}); the wall puts its text back in the cell's form with the message.
    `comments` counts each note's comments; `voting` ({mine: [note ids]}) turns
    clicks into votes while a round is open. `stage_metrics` ({stage id: {lines,
    worst, bound}}) and `note_metrics` ({note id: line}) are the numbers from the data.
    """
    comments = comments or {}
    stage_metrics = stage_metrics or {}
    note_metrics = note_metrics or {}
    counts: dict[str, int] = {}
    for note in notes:
        counts[note.stage_id] = counts.get(note.stage_id, 0) + 1
    return {
        "readonly": readonly,
        "rejected": rejected,
        "voting": voting,
        "corner": f"{len(notes)} notes",
        "empty_message": "No lanes match the filter." if board.lanes else "This map has no lanes.",
        "stages": [
            {
                "id": s.id,
                "name": s.name,
                "count": counts.get(s.id, 0),
                "metrics": stage_metrics.get(s.id),
            }
            for s in board.stages
        ],
        "lanes": [
            {
                "id": lane.id,
                "name": lane.name,
                "kind": lane.kind.value,
                "colour": LANE_COLOURS[lane.kind],
                "border": _BORDERS[lane.kind.value],
            }
            for lane in lanes
        ],
        "notes": [
            {
                "id": n.id,
                "stage_id": n.stage_id,
                "lane_id": n.lane_id,
                "text": n.text,
                "author": n.author,
                "version": n.version,
                "emotion": n.emotion,
                "channel": n.channel,
                "resource_status": n.resource_status.value if n.resource_status else None,
                "comments": comments.get(n.id, 0),
                "metric": note_metrics.get(n.id),
            }
            for n in notes
        ],
    }


def reject_note(value: dict, reason: str) -> None:
    """Nothing is lost: the wall offers this added note's text back in its cell, with why."""
    st.session_state[KEY_REJECTED] = {
        "stage_id": value.get("stage_id"),
        "lane_id": value.get("lane_id"),
        "text": value.get("text", ""),
        "message": reason,
        "nonce": value.get("nonce"),
    }


def keep_unsaved_note(reason: str) -> None:
    """A note the wall just sent, on a run that stops before the wall (a passcode gate):
    keep its text so the wall offers it back, with `reason`, once the page draws again."""
    state = st.session_state.get(KEY_WALL)
    value = state.get("add") if hasattr(state, "get") else None
    if isinstance(value, dict) and value.get("text"):
        reject_note(value, reason)


def render_wall(
    board: MapBoard,
    notes: Sequence[Note],
    lanes: Sequence[Lane],
    *,
    key: str,
    readonly: bool = False,
    comments: dict[str, int] | None = None,
    voting: dict[str, Any] | None = None,
    stage_metrics: dict[str, dict] | None = None,
    note_metrics: dict[str, str] | None = None,
) -> WallEvent | None:
    """Draw the wall; return what the participant just did, if anything."""
    rejected = st.session_state.get(KEY_REJECTED)
    payload = wall_payload(
        board,
        notes,
        lanes,
        readonly=readonly,
        rejected=rejected,
        comments=comments,
        voting=voting,
        stage_metrics=stage_metrics,
        note_metrics=note_metrics,
    )
    result = _WALL(
        data=payload,
        key=key,
        height="content",
        **{f"on_{event}_change": _ignore for event in EVENTS},
    )
    for event in EVENTS:
        value = result.get(event)
        if isinstance(value, dict):
            return WallEvent(event, value)
    return None
