"""Journey graph: stages and touchpoints as nodes, the moves people really made as edges."""

import streamlit as st

from components import shell
from components.journey_graph import render_journey_graph
from components.stage_metrics import render_data_bar
from components.text import md_escape

ctx = shell.page_setup("Journey graph")
store = ctx.store
workspace = shell.require_workspace(ctx)
maps = store.list_maps(workspace.id)
if not maps:
    st.title("Journey graph")
    st.info("This workspace has no map yet: create one on the Journey map page.")
    st.stop()

board = store.load_map(shell.pick_map(maps))
st.title(f"Journey graph: {md_escape(board.map.title)}", anchor=False)
view = render_data_bar(store, board, store.list_personas(workspace.id), ctx.user)
render_journey_graph(board, view)
