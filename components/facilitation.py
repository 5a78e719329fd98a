"""The facilitator's panel and what every participant sees of it (lock, private
brainstorm, timer, dot voting)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from components.feedback import attempt
from journeymap import MapBoard, Note, Store, VoteRound

_TIMER = st.components.v2.component(
    "journeymap.timer",
    css=".jm-timer{font-size:1.6rem;font-weight:700;font-variant-numeric:tabular-nums}"
    ".jm-soon{color:#b45309}.jm-up{color:#b91c1c}",
    js=(Path(__file__).parent / "timer.js").read_text(encoding="utf-8"),
)
RANKING_SHOWN = 10


def visible_notes(board: MapBoard, user: str) -> list[Note]:
    """During a private brainstorm each person sees the notes from before it, and their own."""
    since = board.map.private_since
    if since is None:
        return list(board.notes)
    return [n for n in board.notes if n.created_at < since or n.author == user]


def render_timer(board: MapBoard) -> None:
    journey = board.map
    if journey.timer_ends_at is not None:
        left = (journey.timer_ends_at - datetime.now(UTC)).total_seconds()
        _TIMER(data={"left_ms": max(left, 0) * 1000, "running": True}, key="timer:face")
    elif journey.timer_left is not None:
        _TIMER(data={"left_ms": journey.timer_left * 1000, "running": False}, key="timer:face")


def render_banners(board: MapBoard, vote: VoteRound | None, mine: set[str], facilitator: bool):
    """What everyone sees of the facilitator's tools, above the wall."""
    journey = board.map
    if journey.locked:
        note = " You facilitate: you can still edit." if facilitator else ""
        st.info(f"Locked for review: the map is read-only.{note}", icon=":material/lock:")
    if journey.private_since is not None:
        st.info(
            "Private brainstorm: you see only your own new notes until the facilitator reveals all.",
            icon=":material/visibility_off:",
        )
    if vote is not None and vote.is_open:
        left = vote.votes_per_person - len(mine)
        st.success(
            f"Dot voting: click a note to put a dot on it, click again to take it back. "
            f"You have {left} of {vote.votes_per_person} votes left.",
            icon=":material/how_to_vote:",
        )


def render_results(store: Store, board: MapBoard, vote: VoteRound) -> None:
    """The ranking of the last closed vote: counts only, never who voted."""
    results = store.vote_results(vote.id)
    texts = {n.id: n for n in board.notes}
    rows = [(texts[i], dots) for i, dots in results if i in texts][:RANKING_SHOWN]
    with st.expander(
        f"Vote results ({len(results)} notes got dots)", icon=":material/leaderboard:"
    ):
        if not rows:
            st.caption("Nobody voted.")
            return
        stages = {s.id: s.name for s in board.stages}
        frame = pd.DataFrame(
            {
                "Dots": [dots for _, dots in rows],
                "Note": [note.text for note, _ in rows],
                "Stage": [stages.get(note.stage_id, "") for note, _ in rows],
            }
        )
        st.dataframe(frame, hide_index=True, width="stretch")


def render_panel(store: Store, board: MapBoard, vote: VoteRound | None, user: str) -> None:
    """The facilitator's controls (in the sidebar); every call is checked again in the store."""
    journey = board.map
    st.subheader("Facilitator", anchor=False)
    if st.button(
        "Unlock the map" if journey.locked else "Lock for review",
        icon=":material/lock_open:" if journey.locked else ":material/lock:",
        key="facilitate:lock",
        width="stretch",
    ):
        _act(store.lock_map, journey.id, not journey.locked, by=user)
    private = journey.private_since is not None
    if st.button(
        "Reveal all notes" if private else "Start a private brainstorm",
        icon=":material/visibility:" if private else ":material/visibility_off:",
        key="facilitate:private",
        width="stretch",
    ):
        _act(store.set_private, journey.id, not private, by=user)
    _timer_controls(store, journey, user)
    _vote_controls(store, journey, vote, user)


def _timer_controls(store: Store, journey: Any, user: str) -> None:
    running, paused = journey.timer_ends_at is not None, journey.timer_left is not None
    if not (running or paused):
        minutes = st.number_input(
            "Timer (minutes)", 1, 240, 5, key="facilitate:minutes", width="stretch"
        )
        if st.button("Start the timer", icon=":material/timer:", key="facilitate:start"):
            _act(store.start_timer, journey.id, minutes * 60, by=user)
        return
    pause, more, stop = st.columns(3)
    if running and pause.button("", icon=":material/pause:", key="facilitate:pause", help="Pause"):
        _act(store.pause_timer, journey.id, by=user)
    if paused and pause.button(
        "", icon=":material/play_arrow:", key="facilitate:resume", help="Resume"
    ):
        _act(store.resume_timer, journey.id, by=user)
    if more.button("+1", key="facilitate:more", help="Add a minute"):
        _act(store.add_time, journey.id, 60, by=user)
    if stop.button("", icon=":material/stop:", key="facilitate:stop", help="Stop the timer"):
        _act(store.stop_timer, journey.id, by=user)


def _vote_controls(store: Store, journey: Any, vote: VoteRound | None, user: str) -> None:
    if vote is not None and vote.is_open:
        if st.button("Close the vote", icon=":material/how_to_vote:", key="facilitate:close_vote"):
            _act(store.close_vote, vote.id, by=user)
        return
    per_person = st.number_input("Votes per person", 1, 20, 3, key="facilitate:votes")
    if st.button("Start a dot vote", icon=":material/how_to_vote:", key="facilitate:open_vote"):
        _act(store.open_vote, journey.id, per_person, by=user)


def _act(action, *args, **kwargs) -> None:
    if attempt(action, *args, **kwargs)[0]:
        st.rerun()
