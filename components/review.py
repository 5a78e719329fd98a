"""The map as a living document: its details, versions and diffs, and its future state."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import shell
from components.feedback import attempt
from components.stage_metrics import map_view
from components.text import md_escape
from journeymap import JourneyMap, MapBoard, MapStatus, Snapshot, Store
from journeymap.analytics.stages import summary
from journeymap.diff import MapDiff, diff_maps

NOW = "now"
ICONS = {"added": "🟢", "removed": "🔴", "changed": "🟡", "moved": "🔵"}


def render_details(store: Store, journey: JourneyMap, user: str) -> None:
    """Owner, status and next review date: what the home page's review flags read."""
    with st.form(f"review:{journey.id}:details", border=False):
        owner, status, due = st.columns(3)
        owner_name = owner.text_input("Owner", value=journey.owner or "")
        statuses = list(MapStatus)
        chosen = status.selectbox(
            "Status", statuses, index=statuses.index(journey.status or MapStatus.DRAFT),
            format_func=lambda s: s.value.capitalize(),
        )  # fmt: skip
        review_on = due.date_input("Next review", value=journey.review_on, format="YYYY-MM-DD")
        if st.form_submit_button("Save details", type="primary"):
            ok, _ = attempt(store.update_map, journey.id, journey.version, owner=owner_name,
                            status=chosen, review_on=review_on or None, by=user)  # fmt: skip
            if ok:
                shell.flash("Saved the map's details.")
                st.rerun()


def render_versions(store: Store, board: MapBoard, user: str) -> None:
    """Save a named snapshot, open one read-only, restore one, diff any two."""
    journey = board.map
    with st.form(f"review:{journey.id}:snapshot", clear_on_submit=True, border=False):
        name, save = st.columns([4, 1], vertical_alignment="bottom")
        title = name.text_input("Name the version", placeholder="e.g. Q3 review")
        if save.form_submit_button("Save a snapshot", icon=":material/bookmark_add:"):
            view = map_view(store, board)
            metrics = summary(view.numbers) if view is not None else None
            ok, _ = attempt(store.save_snapshot, journey.id, title, by=user, metrics=metrics)
            if ok:
                shell.flash(f"Saved the snapshot {title}.")
                st.rerun()
    snapshots = store.list_snapshots(journey.id)
    if not snapshots:
        st.info("No snapshot yet: save one before each review to compare later.")
        return
    st.dataframe(
        pd.DataFrame(
            {
                "version": [s.name for s in snapshots],
                "saved by": [s.created_by for s in snapshots],
                "when (UTC)": [f"{s.created_at:%Y-%m-%d %H:%M}" for s in snapshots],
                "kind": ["automatic" if s.automatic else "named" for s in snapshots],
                "notes": [
                    sum(not n.get("deleted_at") for n in s.content["notes"]) for s in snapshots
                ],
            }
        ),
        hide_index=True,
    )
    by_id = {s.id: s for s in snapshots}
    label = {s.id: f"{s.name} ({s.created_at:%Y-%m-%d %H:%M})" for s in snapshots}
    label[NOW] = "Now"
    st.markdown("**Compare two versions**")
    left, right = st.columns(2)
    a = left.selectbox("From", list(by_id), format_func=label.get, key=f"review:{journey.id}:a")
    b = right.selectbox("To", [NOW, *by_id], format_func=label.get, key=f"review:{journey.id}:b")
    now = store.map_document(journey.id)
    if b == NOW:
        view = map_view(store, board)
        if view is not None:
            now["metrics"] = summary(view.numbers)
    render_diff(diff_maps(by_id[a].content, now if b == NOW else by_id[b].content))
    st.markdown("**Open or restore a version**")
    chosen = st.selectbox("Version", list(by_id), format_func=label.get,
                          key=f"review:{journey.id}:open")  # fmt: skip
    with st.expander(f"{md_escape(by_id[chosen].name)}, read-only", icon=":material/visibility:"):
        st.dataframe(snapshot_grid(by_id[chosen]))
    if st.button(
        "Restore this version", icon=":material/restore:", key=f"review:{journey.id}:restore"
    ):
        ok, before = attempt(store.restore_snapshot, chosen, by=user)
        if ok:
            shell.flash(f"Restored {by_id[chosen].name}; the map as it was is kept as "
                        f"\u201c{before.name}\u201d.")  # fmt: skip
            st.rerun()


def snapshot_grid(snapshot: Snapshot) -> pd.DataFrame:
    """A version's notes as the wall has them: lanes down, stages across, a cell per line."""
    doc = snapshot.content
    stages = [s["name"] for s in doc["stages"]]
    cells = {(s["id"], x["id"]): [] for s in doc["stages"] for x in doc["lanes"]}
    for note in doc["notes"]:
        if not note.get("deleted_at") and (note["stage_id"], note["lane_id"]) in cells:
            cells[(note["stage_id"], note["lane_id"])].append(note["text"])
    return pd.DataFrame(
        [["\n".join(cells[(s["id"], x["id"])]) for s in doc["stages"]] for x in doc["lanes"]],
        index=[x["name"] for x in doc["lanes"]],
        columns=stages,
    )


def render_diff(diff: MapDiff) -> None:
    if diff.empty:
        st.caption("No difference.")
        return
    counts = diff.counts()
    st.caption(" · ".join(f"{ICONS[k]} {v} {k}" for k, v in counts.items()))
    for line in (*diff.stages, *diff.lanes):
        st.text(line)
    for (stage, lane), changes in diff.by_cell().items():
        st.markdown(f"**{md_escape(stage)}** · {md_escape(lane)}")
        for change in changes:
            extra = ""
            if change.kind == "moved":
                extra = f" (from {change.before})"
            elif change.kind == "changed" and change.before is not None:
                extra = f" (was: {change.before})"
            st.text(f"{ICONS[change.kind]} {change.kind}: {change.text}{extra}")
    if diff.metrics:
        st.markdown("**Stage numbers**")
        st.dataframe(
            pd.DataFrame(
                {
                    "stage": [m.stage for m in diff.metrics],
                    "people then": [m.people_before for m in diff.metrics],
                    "people now": [m.people_after for m in diff.metrics],
                    "change": [m.people_delta for m in diff.metrics],
                    "conversion then": [m.conversion_before for m in diff.metrics],
                    "conversion now": [m.conversion_after for m in diff.metrics],
                    "points": [
                        None if m.conversion_delta is None else 100 * m.conversion_delta
                        for m in diff.metrics
                    ],
                }
            ),
            hide_index=True,
            column_config={
                "conversion then": st.column_config.NumberColumn(format="percent"),
                "conversion now": st.column_config.NumberColumn(format="percent"),
                "points": st.column_config.NumberColumn(format="%+.1f"),
            },
        )


def render_future(store: Store, board: MapBoard, maps: list[JourneyMap], user: str) -> None:
    """The current state and its future state, stage by stage."""
    journey = board.map
    current = next((m for m in maps if m.id == journey.future_of), None)
    future = next((m for m in maps if m.future_of == journey.id), None)
    if current is None and future is None:
        st.caption("A future-state map starts as a copy of this one, linked to it.")
        if st.button("Create the future-state map", icon=":material/fork_right:",
                     key=f"review:{journey.id}:future"):  # fmt: skip
            ok, new_id = attempt(store.create_future_state, journey.id, by=user)
            if ok:
                shell.select_map(new_id)
                shell.flash("Created the future-state map; this page now shows it.")
                st.rerun()
        return
    now_board = store.load_map(current.id) if current else board
    then_board = board if current else store.load_map(future.id)
    st.caption(
        f"Current state: {md_escape(now_board.map.title)} · Future state: "
        f"{md_escape(then_board.map.title)}"
    )
    names = list(
        dict.fromkeys([s.name for s in now_board.stages] + [s.name for s in then_board.stages])
    )
    for name in names:
        st.markdown(f"**{md_escape(name)}**")
        left, right = st.columns(2, border=True)
        for column, side in ((left, now_board), (right, then_board)):
            stage = next((s for s in side.stages if s.name == name), None)
            with column:
                if stage is None:
                    st.caption("No such stage here.")
                    continue
                lanes = {lane.id: lane.name for lane in side.lanes}
                for note in (n for n in side.notes if n.stage_id == stage.id):
                    st.text(f"{lanes.get(note.lane_id, '')}: {note.text}")
