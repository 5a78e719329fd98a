"""The blind-spot finder under the wall: friction nobody wrote down, pain nobody measured.

A finding of friction becomes a pain-point note in one click; the note carries its
evidence (the metric with n and interval, the dataset, the range, the persona).
"""

from __future__ import annotations

import streamlit as st

from components import shell
from components.feedback import attempt
from components.stage_metrics import DataView
from components.text import md_escape
from journeymap import LaneKind, MapBoard, Store
from journeymap.analytics.blindspots import Finding, blind_spots

ICONS = {
    "drop-off": ":material/trending_down:",
    "slow": ":material/hourglass_bottom:",
    "low score": ":material/sentiment_dissatisfied:",
    "touchpoint": ":material/touch_app:",
    "untested": ":material/help:",
}


def render_blind_spots(store: Store, board: MapBoard, view: DataView | None, user: str) -> None:
    if view is None or not view.numbers.stages:
        return
    findings = blind_spots(board, view.numbers, surveys=view.surveys, source=view.source)
    title = f"Blind spots: where the map and the data disagree ({len(findings)})"
    with st.expander(title, icon=":material/visibility:", expanded=bool(findings)):
        if not findings:
            st.caption(
                "None found: every stage where the data shows friction has a pain point, and "
                "every pain point sits where the data shows trouble."
            )
        pain = next((lane for lane in board.lanes if lane.kind is LaneKind.PAIN), None)
        for i, finding in enumerate(findings):
            _finding(store, board, finding, pain, user, key=f"blind:{board.map.id}:{i}")


def _finding(store, board, finding: Finding, pain, user, key: str) -> None:
    text, action = st.columns([5, 1.4], vertical_alignment="center")
    text.markdown(f"{ICONS[finding.kind]} **{md_escape(finding.title)}**")
    text.caption(md_escape(finding.evidence))
    if finding.kind == "untested":
        notes = [board.note(i) for i in finding.note_ids]
        text.caption("Pain points: " + "; ".join(md_escape(n.text) for n in notes if n))
        return
    if pain is None:
        action.caption("Add a pain-point lane to record it.")
        return
    if action.button("Add as pain point", icon=":material/add:", key=key, width="stretch"):
        ok, _ = attempt(
            store.add_note,
            board.map.id,
            stage_id=finding.stage_id,
            lane_id=pain.id,
            text=f"{finding.title}\nEvidence: {finding.evidence}",
            author=user,
        )
        if ok:
            shell.flash("Added the finding as a pain point, with its evidence.")
            st.rerun()
