"""Strategies: experiments on the journey, attribution, ROI per channel, and what-if."""

import streamlit as st

from components import shell
from components.stage_metrics import render_data_bar
from components.strategies import (
    render_attribution,
    render_experiment,
    render_roi,
    render_what_if,
)
from components.text import md_escape

ctx = shell.page_setup("Strategies")
store = ctx.store
workspace = shell.require_workspace(ctx)
maps = store.list_maps(workspace.id)
st.title("Test new strategies", anchor=False)
if not maps:
    st.info("This workspace has no map yet: create one on the Journey map page.")
    st.stop()
board = store.load_map(shell.pick_map(maps))
st.subheader(md_escape(board.map.title), anchor=False)
view = render_data_bar(store, board, store.list_personas(workspace.id), ctx.user)
if view is None:
    st.stop()
experiments, attribution, roi, what_if = st.tabs(["Experiment", "Attribution", "ROI", "What if"])
with experiments:
    render_experiment(store, board, view, ctx.user)
with attribution:
    credited = render_attribution(view)
with roi:
    render_roi(store, view, credited)
with what_if:
    render_what_if(view)
