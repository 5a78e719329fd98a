"""The analytics page's parts: upload -> recognise -> map -> preview -> save, and the list.

Every step keeps its result in session state keyed by the file and the choices, so
a rerun (any click) never reads or normalises the file again.
"""

from __future__ import annotations

import hashlib
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from components import shell
from components.feedback import attempt
from components.text import md_escape
from journeymap import Dataset, DatasetKind, JourneyMapError, Store, Workspace
from journeymap.analytics import ChoiceNeeded, EventLog, read_upload
from journeymap.analytics.detect import FIELDS, FORMAT_LABELS
from journeymap.analytics.load import describe
from journeymap.analytics.read import ENCODING_NAMES
from journeymap.analytics.tables import load_costs, load_survey

KEY_CACHE = "data:cache"  # one upload's read and normalised results
NONE = "(none)"
KINDS = {
    "events": "Event log (GA4, Amplitude, Mixpanel, Segment, PostHog, CSV...) or stage table",
    "survey": "Survey scores (NPS 0-10, CSAT 1-5)",
    "costs": "Cost per channel or campaign",
}
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar", ":": "colon", " ": "space"}
PREVIEW_ROWS = 20


def upload_limit_mb() -> int:
    return int(st.get_option("server.maxUploadSize"))


@dataclass(frozen=True)
class FileBytes:
    name: str
    data: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()[:16]


def render_upload(store: Store, workspace: Workspace, user: str) -> None:
    limit = upload_limit_mb()
    kind = st.radio(
        "What is in the file?",
        list(KINDS),
        format_func=KINDS.get,
        key="data:kind",
        horizontal=True,
    )
    uploaded = st.file_uploader(
        "Upload a file",
        key="data:file",
        help="CSV or TSV (any common delimiter), Excel .xlsx, JSON, JSON lines or Parquet, "
        "each also gzipped or zipped.",
    )
    st.caption(
        f"Up to {limit:,} MB. CSV/TSV, Excel, JSON, JSON lines, Parquet; .gz and .zip too. "
        "The file is read on this server and stays with this workspace."
    )
    if uploaded is None:
        return
    if uploaded.size > limit * 1024**2:  # checked again here: never trust the client
        st.error(f"The file is {uploaded.size / 1024**2:,.0f} MB; the limit is {limit:,} MB.")
        return
    file = FileBytes(uploaded.name, uploaded.getvalue())
    if st.session_state.get("data:current") != file.digest:  # a new file: fresh choices
        for key in ("data:encoding", "data:delimiter", "data:dayfirst", "data:drop_bad_times"):
            st.session_state.pop(key, None)
        st.session_state["data:current"] = file.digest
    if kind == "events":
        _events_flow(store, workspace, user, file, limit)
    else:
        _table_flow(store, workspace, user, file, kind)


def _cached(key: tuple, compute):
    """`compute()` once per key for this upload; errors are cached too (as the exception)."""
    cache = st.session_state.setdefault(KEY_CACHE, {})
    if key[0] != cache.get("file"):
        cache.clear()
        cache["file"] = key[0]
    if key not in cache:
        try:
            cache[key] = compute()
        except JourneyMapError as err:
            cache[key] = err
    return cache[key]


def _events_flow(store, workspace, user, file: FileBytes, limit: int) -> None:
    encoding = st.session_state.get("data:encoding") or None
    delimiter = st.session_state.get("data:delimiter") or None
    with st.spinner("Reading the file..."):
        upload = _cached(
            (file.digest, "read", encoding, delimiter),
            lambda: read_upload(
                file.data,
                filename=file.name,
                encoding=encoding,
                delimiter=delimiter,
                max_bytes=limit * 1024**2,
            ),
        )
    if isinstance(upload, ChoiceNeeded) and upload.option == "encoding":
        _ask_encoding(upload)
        return
    if isinstance(upload, JourneyMapError):
        st.error(md_escape(str(upload)), icon=":material/error:")
        if "delimiter" in str(upload):
            _pick_delimiter()
        return
    detection = upload.detection
    how = f"{len(upload.frame):,} rows; {md_escape(describe(upload.table))}"
    if detection.sure:
        st.success(f"Recognised: **{detection.label}** ({how}).", icon=":material/check_circle:")
    else:
        st.warning(
            f"Not sure what this file is ({how}): check which column means what below.",
            icon=":material/help:",
        )
    with st.expander("How the file was read", expanded=not detection.sure):
        _read_options(upload)
    mapping = _mapping_widgets(upload, file.digest)
    options = _normalise_options()
    key = (file.digest, "events", tuple(sorted(mapping.items())), tuple(sorted(options.items())))
    with st.spinner("Preparing the events..."):
        log = _cached(key, lambda: upload.to_events(mapping, **options))
    if isinstance(log, ChoiceNeeded) and log.option == "dayfirst":
        st.warning(md_escape(str(log)), icon=":material/help:")
        st.radio(
            "Dates are written",
            [True, False],
            format_func=log.options.get,
            index=None,
            key="data:dayfirst",
        )
        return
    if isinstance(log, JourneyMapError):
        st.error(md_escape(str(log)), icon=":material/error:")
        return
    _preview_and_save(store, workspace, user, file, log)


def _ask_encoding(choice: ChoiceNeeded) -> None:
    st.warning(md_escape(str(choice)), icon=":material/translate:")
    for encoding, preview in choice.options.items():
        st.caption(ENCODING_NAMES.get(encoding, encoding))
        st.code(preview, language=None)
    st.radio(
        "Encoding",
        list(choice.options),
        format_func=lambda e: ENCODING_NAMES.get(e, e),
        index=None,
        key="data:encoding",
    )


def _pick_delimiter() -> None:
    st.selectbox(
        "Delimiter",
        list(DELIMITERS),
        format_func=DELIMITERS.get,
        index=None,
        key="data:delimiter",
    )


def _read_options(upload) -> None:
    table = upload.table
    if table.encoding:
        current = table.encoding
        choices = list(dict.fromkeys([current, "utf-8", "gb18030", "big5", "cp1252", "latin-1"]))
        st.selectbox(
            "Encoding",
            choices,
            index=0,
            format_func=lambda e: ENCODING_NAMES.get(e, e),
            key="data:encoding",
            help="Change it if the preview shows garbled characters.",
        )
    if table.delimiter:
        choices = list(dict.fromkeys([table.delimiter, *DELIMITERS]))
        st.selectbox(
            "Delimiter", choices, index=0, format_func=DELIMITERS.get, key="data:delimiter"
        )


def _mapping_widgets(upload, digest: str) -> dict[str, str]:
    detection = upload.detection
    columns = [NONE, *map(str, upload.frame.columns)]
    fields = {"stage": "Stage"} if detection.format == "stage_table" else FIELDS
    st.markdown("**Which column means what**")
    mapping: dict[str, str] = {}
    grid = st.columns(4)
    for i, (name, label) in enumerate(fields.items()):
        proposed = detection.mapping.get(name)
        index = columns.index(str(proposed)) if proposed is not None else 0
        chosen = grid[i % 4].selectbox(
            label, columns, index=index, key=f"data:map:{digest}:{detection.format}:{name}"
        )
        if chosen != NONE:
            mapping[name] = chosen
    return mapping


def _normalise_options() -> dict:
    zones = ["UTC", *sorted(z for z in zoneinfo.available_timezones() if "/" in z)]
    browser_zone = st.context.timezone if st.context.timezone in zones else "UTC"
    left, right = st.columns(2)
    timezone = left.selectbox(
        "Time zone of times written without one",
        zones,
        index=zones.index(browser_zone),
        key="data:timezone",
    )
    drop = right.checkbox(
        "Leave out rows whose time cannot be read",
        key="data:drop_bad_times",
        help="Off: such rows stop the import, with examples, so you can fix the file.",
    )
    options = {"timezone": timezone, "drop_bad_times": drop}
    if st.session_state.get("data:dayfirst") is not None:
        options["dayfirst"] = st.session_state["data:dayfirst"]
    return options


def _preview_and_save(store, workspace, user, file: FileBytes, log: EventLog) -> None:
    events = log.events
    start, end = log.time_range
    summary = f"{len(events):,} rows"
    if log.kind == "events":
        summary += f", {log.users:,} people"
    if start is not None:
        summary += f", {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"
    st.markdown(f"**Preview** ({summary}; first {PREVIEW_ROWS} rows as they will be saved)")
    for warning in log.warnings:
        st.warning(md_escape(warning), icon=":material/warning:")
    st.dataframe(events.head(PREVIEW_ROWS), hide_index=True)
    _save_form(
        store,
        workspace,
        user,
        file,
        events,
        kind=DatasetKind(log.kind),
        source_format=log.source_format,
        details=log.details,
    )


def _table_flow(store, workspace, user, file: FileBytes, kind: str) -> None:
    loader = load_survey if kind == "survey" else load_costs
    table = _cached((file.digest, kind), lambda: loader(file.data, filename=file.name))
    if isinstance(table, JourneyMapError):
        st.error(md_escape(str(table)), icon=":material/error:")
        return
    st.markdown(f"**Preview** ({len(table):,} rows; first {PREVIEW_ROWS})")
    st.dataframe(table.head(PREVIEW_ROWS), hide_index=True)
    _save_form(
        store, workspace, user, file, table, kind=DatasetKind(kind), source_format=kind, details={}
    )


def _save_form(store, workspace, user, file, frame, *, kind, source_format, details) -> None:
    with st.form("data:save", border=True):
        name = st.text_input("Dataset name", value=Path(file.name).stem.split(".")[0])
        if st.form_submit_button("Save dataset", type="primary", icon=":material/save:"):
            with st.spinner("Saving..."):
                ok, dataset = attempt(
                    store.save_dataset,
                    workspace.id,
                    name,
                    frame,
                    kind=kind,
                    source_format=source_format,
                    file_name=file.name,
                    uploaded_by=user,
                    details=details,
                )
            if ok:
                for key in [k for k in st.session_state if str(k).startswith("data:")]:
                    del st.session_state[key]
                shell.flash(f"Saved the dataset {dataset.name} ({dataset.rows:,} rows).")
                st.rerun()


# -- the list ------------------------------------------------------------------------------


def render_datasets(store: Store, workspace: Workspace) -> None:
    datasets = store.list_datasets(workspace.id)
    if not datasets:
        st.info("No datasets yet: upload an export below.", icon=":material/database:")
        return
    st.dataframe(
        pd.DataFrame([_row(d) for d in datasets]),
        hide_index=True,
        column_config={"Uploaded": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
    )
    names = {d.id: d for d in datasets}
    chosen = st.selectbox(
        "Dataset", list(names), format_func=lambda i: names[i].name, key="data:chosen"
    )
    _manage(store, names[chosen])


def _row(d: Dataset) -> dict:
    span = ""
    if d.time_from is not None:
        span = f"{d.time_from:%Y-%m-%d} to {d.time_to:%Y-%m-%d}"
    return {
        "Name": d.name,
        "Kind": d.kind.value,
        "Source": FORMAT_LABELS.get(d.source_format, d.source_format),
        "Rows": d.rows,
        "People": d.users or None,
        "Time range": span,
        "Uploaded by": d.uploaded_by,
        "Uploaded": d.uploaded_at,
        "File": d.file_name,
    }


def _manage(store: Store, dataset: Dataset) -> None:
    preview, rename, remove = st.columns(3)
    with preview.popover("Preview", icon=":material/table:"):
        ok, frame = attempt(store.preview_dataset, dataset, PREVIEW_ROWS)
        if ok:
            st.dataframe(frame, hide_index=True)
    with rename.popover("Rename", icon=":material/edit:"):
        with st.form(f"data:rename:{dataset.id}", border=False):
            name = st.text_input("New name", value=dataset.name)
            if st.form_submit_button("Rename"):
                ok, _ = attempt(store.rename_dataset, dataset.id, dataset.version, name)
                if ok:
                    shell.flash("Renamed.")
                    st.rerun()
    with remove.popover("Delete", icon=":material/delete:"):
        st.caption(f"Delete {dataset.name} and its file? This cannot be undone.")
        if st.button("Delete dataset", key=f"data:delete:{dataset.id}", type="primary"):
            ok, _ = attempt(store.delete_dataset, dataset.id, dataset.version)
            if ok:
                shell.flash(f"Deleted the dataset {dataset.name}.", icon=":material/delete:")
                st.rerun()
