"""Excel and JSON, out and in: the map for people (Excel) and the lossless backup (JSON)."""

from __future__ import annotations

import re

import streamlit as st

from components import shell
from components.feedback import attempt
from components.stage_metrics import map_view
from components.text import md_escape
from journeymap import MapBoard, Store, Workspace
from journeymap.errors import DataError
from journeymap.excel import export_json, export_workbook, import_json, import_workbook, read_grid

KEY_FILE = "exchange:file"  # prepared downloads: {what: (revision, bytes)}
MAX_MB = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file_name(title: str, suffix: str) -> str:
    return (re.sub(r"[^\w\- ]+", "", title).strip().replace(" ", "_") or "journey_map") + suffix


def render_export(store: Store, workspace: Workspace, board: MapBoard | None, user: str) -> None:
    st.markdown("**Export**")
    prepared = st.session_state.setdefault(KEY_FILE, {})
    choices = {"workspace": f"The whole workspace ({md_escape(workspace.name)})"}
    if board is not None:
        choices = {"map": f"This map ({md_escape(board.map.title)})", **choices}
    what = st.radio("What", list(choices), format_func=choices.get, horizontal=True,
                    key="exchange:what")  # fmt: skip
    stamp = (what, board.map.revision if board else None, workspace.version)
    excel, backup = st.columns(2)
    if excel.button("Prepare the Excel file", icon=":material/table_view:", key="exchange:xlsx"):
        boards = [board] if what == "map" else [
            store.load_map(m.id) for m in store.list_maps(workspace.id)
        ]  # fmt: skip
        views = {b.map.id: map_view(store, b) for b in boards}  # the cached numbers
        metrics = {key: view.numbers for key, view in views.items() if view is not None}
        map_ids = [board.map.id] if what == "map" else None
        with st.spinner("Writing the workbook..."):
            ok, data = attempt(export_workbook, store, workspace.id, map_ids,
                               metrics=metrics, by=user)  # fmt: skip
        if ok:
            prepared["xlsx"] = (stamp, data)
    if "xlsx" in prepared and prepared["xlsx"][0] == stamp:
        title = board.map.title if what == "map" and board else workspace.name
        excel.download_button(
            "Download the Excel file", prepared["xlsx"][1], file_name=_file_name(title, ".xlsx"),
            mime=XLSX, on_click="ignore", icon=":material/download:", key="exchange:xlsx_get",
        )  # fmt: skip
    backup.download_button(
        "Download the JSON backup (whole workspace)",
        data=lambda: export_json(store, workspace.id).encode("utf-8"),
        file_name=_file_name(workspace.name, ".json"),
        mime="application/json",
        on_click="ignore",
        icon=":material/backup:",
        key="exchange:json",
    )
    backup.caption("The backup holds everything but the datasets' files; restore it below.")


def render_import(store: Store, workspace: Workspace, board: MapBoard | None, user: str) -> None:
    st.markdown("**Import**")
    st.caption(
        "An Excel file exported by this app (recreated as a new workspace), a hand-made grid "
        "(first row: stage names; first column: lane names; each line of a cell becomes a note), "
        "or a JSON backup."
    )
    upload = st.file_uploader("Workbook or backup", type=["xlsx", "json"], max_upload_size=MAX_MB,
                              key="exchange:upload")  # fmt: skip
    if upload is None:
        return
    data = upload.getvalue()
    if data[:1] in (b"{", b"\xef"):  # JSON (perhaps with a byte-order mark)
        if st.button("Restore as a new workspace", type="primary", key="exchange:restore"):
            _restore(store, data, user)
        return
    try:
        preview = read_grid(data)
    except DataError as err:
        st.error(md_escape(str(err)), icon=":material/error:")
        return
    if preview is None:  # the app's own export
        st.info("This is a workbook exported by this app: it is recreated as a new workspace.")
        if st.button("Import as a new workspace", type="primary", key="exchange:own"):
            ok, res = attempt(import_workbook, store, data, by=user)
            if ok:
                _opened(res, f"Imported {len(res.map_ids)} map(s) into a new workspace.")
        return
    _grid(store, workspace, board, data, preview, user)


def _grid(store, workspace, board, data, preview, user) -> None:
    st.markdown(
        f"A grid of **{len(preview.stages)}** stages and **{len(preview.lanes)}** lanes with "
        f"**{preview.notes}** notes."
    )
    st.dataframe(preview.frame())
    for warning in preview.warnings:
        st.warning(md_escape(warning))
    modes = {"new": "Create a new map"}
    if board is not None:
        modes["merge"] = (
            f"Add the notes to {md_escape(board.map.title)} (a snapshot is taken first)"
        )
    mode = st.radio("How", list(modes), format_func=modes.get, key="exchange:mode")
    if st.button("Import the grid", type="primary", key="exchange:grid"):
        ok, res = attempt(import_workbook, store, data, workspace_id=workspace.id, by=user,
                          mode=mode, map_id=board.map.id if mode == "merge" else None)  # fmt: skip
        if ok:
            _opened(res, f"Imported {preview.notes} notes.")


def _restore(store, data: bytes, user: str) -> None:
    ok, workspace_id = attempt(import_json, store, data, created_by=user)
    if ok:
        shell.select_workspace(workspace_id)
        shell.flash("Restored the backup as a new workspace; you are in it now.")
        st.rerun()


def _opened(res, message: str) -> None:
    shell.select_workspace(res.workspace_id)
    if res.map_ids:
        shell.select_map(res.map_ids[0])
    shell.flash(" ".join([message, *res.warnings]))
    st.rerun()
