"""Baseline page: the same wall drawn the plain Streamlit way (a widget tree per note).

Used only by `wall_rerun.py` to compare against our one-component wall.
"""

import streamlit as st

from components import shell

ctx = shell.page_setup("Baseline wall")
board = ctx.store.load_map(st.session_state[shell.KEY_MAP])
columns = st.columns(len(board.stages) + 1)
columns[0].caption("Lane")
for column, stage in zip(columns[1:], board.stages, strict=True):
    column.markdown(f"**{stage.name}**")
for lane in board.lanes:
    row = st.columns(len(board.stages) + 1)
    row[0].markdown(f"**{lane.name}**")
    for column, stage in zip(row[1:], board.stages, strict=True):
        with column:
            for note in board.notes:
                if note.stage_id == stage.id and note.lane_id == lane.id:
                    with st.container(border=True):
                        st.text(note.text)
                        st.caption(note.author)
                        st.button("Edit", key=f"edit:{note.id}")
