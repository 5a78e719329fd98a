"""Journey map: the wall of sticky notes, stages across and lanes down, with the emotion curve."""

from dataclasses import replace

import streamlit as st

from components import shell
from components.activity import render_events, render_trash
from components.blindspots import render_blind_spots
from components.board import handle_wall_event, render_filters, render_map_header
from components.charts import emotion_curve, emotion_frame
from components.facilitation import (
    render_banners,
    render_panel,
    render_results,
    render_timer,
    visible_notes,
)
from components.live import watch_map
from components.notes import render_add_form, render_editor
from components.stage_detail import render_stage_detail
from components.stage_metrics import annotations, emotion_and_conversion, render_data_bar
from components.structure import KEY_OPEN, render_structure_editor
from components.wall import KEY_WALL, render_wall
from components.workspaces import render_new_map

ctx = shell.page_setup("Journey map")
store = ctx.store
workspace = shell.require_workspace(ctx)

maps = store.list_maps(workspace.id)
personas = store.list_personas(workspace.id)
if not maps:
    st.title("Journey map")
    st.info("This workspace has no map yet: create one.", icon=":material/info:")
    render_new_map(store, workspace, key="map:new", personas=personas)
    st.stop()

current = shell.pick_map(maps)
everything = store.load_map(current)
facilitator = everything.map.is_facilitator(ctx.user, workspace)
board = replace(everything, notes=tuple(visible_notes(everything, ctx.user)))
vote = store.latest_vote(board.map.id)
voting = vote is not None and vote.is_open
mine = store.my_votes(vote.id, ctx.user) if voting else set()

render_map_header(store, board, personas, ctx.user)
render_timer(board)
render_banners(board, vote, mine, facilitator)
view = render_data_bar(store, everything, personas, ctx.user)
chart = emotion_and_conversion(board, view, emotion_frame(board)) or emotion_curve(board)
if chart is not None:
    st.altair_chart(chart, width="stretch")
notes, lanes = render_filters(board)
watch_map(store, board, ctx)

readonly = board.map.locked and not facilitator
tools = st.columns([2, 2, 1.4, 1.4, 4])
with tools[0].popover("Add a note", icon=":material/add:", width="stretch", disabled=readonly):
    render_add_form(store, board, ctx.user, key="addnote")
if tools[1].button(
    "Stages and lanes", icon=":material/view_column:", width="stretch", disabled=readonly
):
    st.session_state[KEY_OPEN] = True
with tools[2].popover("Trash", icon=":material/delete:", width="stretch"):
    render_trash(store, board.map.id, ctx.user)
with tools[3].popover("Activity", icon=":material/history:", width="stretch"):
    render_events(store.activity(board.map.id, limit=40), with_text=False, width=760)
tools[4].caption(
    "Click + in a cell to add a note, drag a note (or focus it and press Alt+arrow) to move it, "
    "click a note to edit it, click a stage's header for its numbers."
)

stage_metrics, note_metrics = annotations(view, board)
event = render_wall(
    board,
    notes,
    lanes,
    key=KEY_WALL,
    readonly=readonly,
    comments=store.comment_counts(board.map.id),
    voting={"mine": sorted(mine)} if voting else None,
    stage_metrics=stage_metrics,
    note_metrics=note_metrics,
)
if event is not None:
    handle_wall_event(store, board, event, ctx.user, vote if voting else None)
if vote is not None and not vote.is_open:
    render_results(store, board, vote)

render_blind_spots(store, everything, view, ctx.user)
render_editor(store, board, ctx.user)
render_stage_detail(board, view)
render_structure_editor(store, board, ctx.user)
with st.sidebar:
    if facilitator:
        render_panel(store, board, vote, ctx.user)
    render_new_map(store, workspace, key="map:new", personas=personas)
