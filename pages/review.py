"""Review: a map's details, versions and diffs, its future state, Excel and JSON in and out."""

import streamlit as st

from components import shell
from components.exchange import render_export, render_import
from components.review import render_details, render_future, render_versions
from components.text import md_escape

ctx = shell.page_setup("Review")
store = ctx.store
workspace = shell.require_workspace(ctx)
maps = store.list_maps(workspace.id)

st.title("Review", anchor=False)
if maps:
    board = store.load_map(shell.pick_map(maps))
    st.subheader(md_escape(board.map.title), anchor=False)
    details, versions, future, exchange = st.tabs(
        ["Details", "Versions", "Current and future", "Export and import"]
    )
    with details:
        render_details(store, board.map, ctx.user)
    with versions:
        render_versions(store, board, ctx.user)
    with future:
        render_future(store, board, maps, ctx.user)
else:
    board = None
    st.info("This workspace has no map yet; you can import one from Excel below.")
    exchange = st.container()
with exchange:
    render_export(store, workspace, board, ctx.user)
    st.divider()
    render_import(store, workspace, board, ctx.user)
