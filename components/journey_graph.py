"""The journey as a graph: stages left to right, touchpoints under their stage, the
transitions people really made between stages (width by people; loops back and skipped
stages bend away from the main line) and where they left."""

from __future__ import annotations

import math

import streamlit as st

from components.graph import GraphEdge, GraphNode, journey_graph
from components.stage_metrics import DataView, stage_lines, touchpoint_line
from components.text import md_escape
from journeymap import LaneKind, MapBoard
from journeymap.analytics.stages import LEFT, StageFlow, stage_flow
from journeymap.analytics.tables import stage_key

STAGE_COLOUR, UNBOUND_COLOUR = "#dbeafe", "#f1f5f9"
TOUCH_COLOUR, LEFT_COLOUR = "#ede9fe", "#fecaca"
FORWARD, BACK, SKIP = "#475569", "#f59e0b", "#8b5cf6"


@st.cache_resource(max_entries=32, show_spinner="Following people between stages...")
def _flow(_view: DataView, fingerprint: str, question: str) -> StageFlow:
    return stage_flow(_view.scoped(), list(_view.stages))


def graph_parts(board: MapBoard, view: DataView | None, flow: StageFlow | None):
    """The nodes and edges of the map's graph (numbers only when there is data)."""
    numbers = view.numbers.stages if view else {}
    marks = view.numbers.touchpoints if view else {}
    surveys = view.surveys if view else {}
    nodes, edges = [], []
    level = {stage.id: i for i, stage in enumerate(board.stages)}
    touch_lanes = {lane.id for lane in board.lanes if lane.kind is LaneKind.TOUCHPOINT}
    for stage in board.stages:
        n = numbers.get(stage.id)
        lines = stage_lines(n, surveys.get(stage_key(stage.name)))
        label = stage.name + (f"\n{lines[0]}" if n else "")  # "1 person", "906 people"
        tooltip = "\n".join(lines[1:] if n else lines)
        nodes.append(GraphNode(stage.id, label, tooltip, level[stage.id], 0,
                               STAGE_COLOUR if n else UNBOUND_COLOUR, shape="box"))  # fmt: skip
        touchpoints = [
            x for x in board.notes if x.stage_id == stage.id and x.lane_id in touch_lanes
        ]
        for row, note in enumerate(touchpoints, start=1):
            mark = marks.get(note.id)
            nodes.append(GraphNode(note.id, note.text, touchpoint_line(mark) if mark else "",
                                   level[stage.id], row, TOUCH_COLOUR, shape="ellipse"))  # fmt: skip
            edges.append(GraphEdge(stage.id, note.id, f"{mark.users:,}" if mark else "",
                                   dashed=True, color="#a78bfa"))  # fmt: skip
    if flow is None or flow.edges.empty:
        return nodes, edges
    top = max(int(flow.edges["people"].max()), 1)
    for row in flow.edges.itertuples():
        width = 1 + 11 * math.sqrt(row.people / top)
        label = f"{row.people:,}"
        if row.target == LEFT:
            node = f"left:{row.source}"
            nodes.append(GraphNode(node, f"Left: {row.people:,}",
                                   f"{row.people:,} people left the journey here",
                                   level[row.source], -1, LEFT_COLOUR, shape="ellipse"))  # fmt: skip
            edges.append(GraphEdge(row.source, node, label, width, color="#ef4444"))
            continue
        step = level[row.target] - level[row.source]
        colour, curve = (FORWARD, 0.0) if step == 1 else (SKIP, 0.3) if step > 1 else (BACK, 0.3)
        edges.append(GraphEdge(row.source, row.target, label, width, step < 1, colour, curve))
    return nodes, edges


def render_journey_graph(board: MapBoard, view: DataView | None) -> None:
    flow = _flow(view, view.dataset.fingerprint, view.question()) if view else None
    nodes, edges = graph_parts(board, view, flow)
    st.caption(
        "Stages left to right, touchpoints under their stage. Edges are the moves people "
        "made between stages (width by people): grey forward, violet skipping stages, "
        "orange dashed going back; red: where they left. Click a node for its notes and numbers."
    )
    clicked = journey_graph(nodes, edges, key=f"graph:{board.map.id}", height=620)
    if clicked is None:
        return
    _details(board, view, flow, clicked)


def _details(board: MapBoard, view: DataView | None, flow, clicked: str) -> None:
    stage = board.stage(clicked.removeprefix("left:"))
    note = board.note(clicked)
    if note is not None:
        lane = board.lane(note.lane_id)
        st.markdown(f"**Touchpoint** in {md_escape(board.stage(note.stage_id).name)}")
        st.text(note.text)
        mark = view.numbers.touchpoints.get(note.id) if view else None
        st.caption(touchpoint_line(mark) if mark else "Not bound to data.")
        st.caption(f"Lane: {md_escape(lane.name if lane else '')}, by {md_escape(note.author)}")
        return
    if stage is None:
        return
    if clicked.startswith("left:"):
        people = flow.edges.query("source == @stage.id and target == @LEFT")["people"].sum()
        st.markdown(f"**{people:,} people left the journey after {md_escape(stage.name)}**")
        st.caption("Their last stage event in the range was this stage's.")
        return
    st.markdown(f"**{md_escape(stage.name)}**")
    n = view.numbers.stages.get(stage.id) if view else None
    for line in stage_lines(n, view.surveys.get(stage_key(stage.name)) if view else None):
        st.text(line)
    lanes = {lane.id: lane.name for lane in board.lanes}
    for lane in board.lanes:
        texts = [x for x in board.notes if x.stage_id == stage.id and x.lane_id == lane.id]
        if texts:
            st.markdown(f"*{md_escape(lanes[lane.id])}*")
            for x in texts:
                st.text(f"• {x.text}")
