"""Edit a map's stages and lanes: rename, add, remove, reorder (with version checks)."""

from __future__ import annotations

import streamlit as st

from components.feedback import attempt
from components.text import md_escape
from journeymap import LaneKind, MapBoard, Store

KEY_OPEN = "structure:open"
_KIND_LABELS = {
    LaneKind.ACTION: "Customer actions",
    LaneKind.TOUCHPOINT: "Touchpoints (channel)",
    LaneKind.EMOTION: "Emotions (score -2..+2)",
    LaneKind.PAIN: "Pain points",
    LaneKind.OPPORTUNITY: "Opportunities",
    LaneKind.RESOURCE: "Resources (have / need)",
    LaneKind.CUSTOM: "Custom",
}


def _close() -> None:
    st.session_state.pop(KEY_OPEN, None)


def render_structure_editor(store: Store, board: MapBoard, user: str) -> None:
    if st.session_state.get(KEY_OPEN):
        _dialog(store, board, user)


def _refresh() -> None:
    """Redraw the dialog only: the wall behind it redraws when the dialog closes."""
    st.rerun(scope="fragment")


@st.dialog("Stages and lanes", width="large", on_dismiss=_close)
def _dialog(store: Store, board: MapBoard, user: str) -> None:
    board = store.load_map(board.map.id)  # fresh: the dialog reruns on its own
    stages_tab, lanes_tab = st.tabs(["Stages (columns)", "Lanes (rows)"])
    with stages_tab:
        _axis(store, board, "stage", user)
    with lanes_tab:
        _axis(store, board, "lane", user)
    if st.button("Done", type="primary", key="structure:done"):
        _close()
        st.rerun()


def _axis(store: Store, board: MapBoard, what: str, user: str) -> None:
    rows = board.stages if what == "stage" else board.lanes
    column = "stage_id" if what == "stage" else "lane_id"
    counts = {row.id: 0 for row in rows}
    for note in board.notes:
        counts[getattr(note, column)] += 1
    rename = store.update_stage if what == "stage" else store.update_lane
    move = store.move_stage if what == "stage" else store.move_lane
    remove = store.delete_stage if what == "stage" else store.delete_lane
    for index, row in enumerate(rows):
        key = f"structure:{row.id}:v{row.version}"
        name_col, up, down, drop = st.columns([12, 1, 1, 1], vertical_alignment="bottom")
        new_name = name_col.text_input(
            f"{what.title()} {index + 1} ({counts[row.id]} notes)",
            value=row.name,
            key=f"{key}:name",
        )
        if new_name != row.name:
            ok, _ = attempt(rename, row.id, row.version, name=new_name, by=user)
            if ok:
                _refresh()
        if up.button(
            "",
            icon=":material/arrow_upward:",
            key=f"{key}:up",
            disabled=index == 0,
            help=f"Move this {what} earlier",
        ):
            if attempt(move, row.id, row.version, index - 1, by=user)[0]:
                _refresh()
        if down.button(
            "",
            icon=":material/arrow_downward:",
            key=f"{key}:down",
            disabled=index == len(rows) - 1,
            help=f"Move this {what} later",
        ):
            if attempt(move, row.id, row.version, index + 1, by=user)[0]:
                _refresh()
        confirm_key = f"structure:{row.id}:confirm"
        if drop.button(
            "", icon=":material/delete:", key=f"{key}:delete", help=f"Delete this {what}"
        ):
            if counts[row.id]:
                st.session_state[confirm_key] = True
            elif attempt(remove, row.id, row.version, by=user)[0]:
                _refresh()
        if st.session_state.get(confirm_key):
            st.warning(f"{md_escape(row.name)} holds {counts[row.id]} notes; they go with it.")
            yes, no = st.columns(2)
            if yes.button("Delete it and its notes", key=f"{key}:yes", type="primary"):
                st.session_state.pop(confirm_key, None)
                if attempt(remove, row.id, row.version, by=user)[0]:
                    _refresh()
            if no.button("Keep it", key=f"{key}:no"):
                st.session_state.pop(confirm_key, None)
                st.rerun(scope="fragment")
    with st.form(f"structure:add_{what}", clear_on_submit=True, border=False):
        name_col, kind_col, add_col = st.columns([4, 3, 2], vertical_alignment="bottom")
        name = name_col.text_input(f"New {what}", placeholder="Name")
        kind = LaneKind.CUSTOM
        if what == "lane":
            kind = kind_col.selectbox(
                "Kind", list(LaneKind), index=len(LaneKind) - 1, format_func=_KIND_LABELS.get
            )
        if add_col.form_submit_button(f"Add {what}", icon=":material/add:"):
            extra = {} if what == "stage" else {"kind": kind}
            add = store.add_stage if what == "stage" else store.add_lane
            if attempt(add, board.map.id, name, by=user, **extra)[0]:
                _refresh()
