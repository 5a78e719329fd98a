"""Binding a map to data: which events mean each stage was reached, or a touchpoint used.

One dialog, two tabs (stages, touchpoint notes), one editor per row: events (any of
them) and an optional condition on a property. Suggestions come from the dataset's
event names and fill only the rows nobody bound yet; nothing is saved until "Save".
Each row is written with its own version check, so two facilitators binding at once
both learn what happened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from components.text import md_escape
from journeymap import ConflictError, JourneyMapError, LaneKind, MapBoard, NotFoundError, Store
from journeymap.analytics.stages import suggest_bindings
from journeymap.rules import MATCH_OPERATORS

if TYPE_CHECKING:
    from components.stage_metrics import DataView

KEY_BINDING = "data:binding"  # the map whose binding dialog is open
CORE_COLUMNS = {"actor_id", "event", "ts", "user_id", "anonymous_id", "session_id"}
NO_COLUMN = ""
VALUES_SHOWN = 200


def render_bindings_editor(store: Store, board: MapBoard, view: DataView, user: str) -> None:
    """The dialog, when the data bar's "Bind to data" asked for it (the data bar calls this)."""
    if st.session_state.get(KEY_BINDING) == board.map.id:
        _dialog(store, board, view, user)


FIELDS = ("events", "column", "op", "values", "base")


def _close() -> None:
    """Close the dialog and forget its drafts: it opens on what is saved next time."""
    st.session_state.pop(KEY_BINDING, None)
    for key in [k for k in st.session_state if str(k).startswith("bind:")]:
        del st.session_state[key]


@st.dialog("Bind the map to data", width="large", on_dismiss=_close)
def _dialog(store: Store, board: MapBoard, view: DataView, user: str) -> None:
    st.caption(
        f"Events of **{md_escape(view.dataset.name)}** that mean a stage was reached "
        "(any of them; a condition narrows them down), or a touchpoint was used."
    )
    current = {b.target_id: b for b in view.bindings}
    names = list(view.data.event_names)
    stages_tab, touch_tab = st.tabs(["Stages", "Touchpoint notes"])
    with stages_tab:
        if st.button("Suggest from event names", icon=":material/auto_awesome:",
                     key="bind:suggest"):  # fmt: skip
            _suggest(board, current, names)
        for stage in board.stages:
            _editor(stage.id, stage.name, current.get(stage.id), view)
    touchpoints = [
        n for n in board.notes if board.lane(n.lane_id) and
        board.lane(n.lane_id).kind is LaneKind.TOUCHPOINT
    ]  # fmt: skip
    with touch_tab:
        if not touchpoints:
            st.info("This map has no touchpoint notes yet.", icon=":material/info:")
        for note in touchpoints:
            stage = board.stage(note.stage_id)
            _editor(note.id, note.text, current.get(note.id), view,
                    caption=stage.name if stage else "")  # fmt: skip
    save, cancel = st.columns(2)
    if save.button("Save", type="primary", width="stretch", key="bind:save"):
        targets = [s.id for s in board.stages] + [n.id for n in touchpoints]
        if _save(store, board, targets, user):
            _close()
            st.rerun()
    if cancel.button("Close", width="stretch", key="bind:close"):
        _close()
        st.rerun()


def _k(target: str, field: str) -> str:
    return f"bind:{target}:{field}"


def _editor(target: str, title: str, binding, view: DataView, caption: str = "") -> None:
    rule = binding.rule if binding else {"events": [], "where": []}
    state = st.session_state
    if _k(target, "events") not in state:  # start from what is saved: the edit's base
        state[_k(target, "base")] = binding
        where = rule.get("where") or []
        first = where[0] if where else {}
        state[_k(target, "events")] = list(rule.get("events") or [])
        state[_k(target, "column")] = first.get("column", NO_COLUMN)
        state[_k(target, "op")] = first.get("op", "is")
        state[_k(target, "values")] = list(first.get("values") or [])
    st.markdown(f"**{md_escape(title)}**" + (f" · {md_escape(caption)}" if caption else ""))
    names = sorted({*view.data.event_names, *state[_k(target, "events")]})
    events, column, op, values = st.columns([3, 2, 1.3, 3])
    events.multiselect("Events", names, key=_k(target, "events"), placeholder="Not bound",
                       label_visibility="collapsed")  # fmt: skip
    columns = [NO_COLUMN, *sorted(c for c in view.data.columns if c not in CORE_COLUMNS)]
    if state[_k(target, "column")] not in columns:
        columns.append(state[_k(target, "column")])
    column.selectbox("Where", columns, key=_k(target, "column"), label_visibility="collapsed",
                     format_func=lambda c: c or "(no condition)")  # fmt: skip
    chosen = state[_k(target, "column")]
    op.selectbox("Operator", MATCH_OPERATORS, key=_k(target, "op"),
                 label_visibility="collapsed", disabled=not chosen)  # fmt: skip
    values.multiselect("Values", _values(view, chosen, state[_k(target, "values")]),
                       key=_k(target, "values"), label_visibility="collapsed",
                       disabled=not chosen, accept_new_options=True,
                       placeholder="Values (type to add)")  # fmt: skip
    extra = (rule.get("where") or [])[1:]
    if extra:
        st.caption(f"and {len(extra)} more condition(s), kept as they are")


def _values(view: DataView, column: str, chosen: list[str]) -> list[str]:
    """The column's most frequent values, and whatever is already chosen."""
    if not column or column not in view.data.columns:
        return list(chosen)
    _, labels = view.data.column_codes(column)
    counts = view.data.value_counts(column)
    top = [str(labels[i]) for i in np.argsort(-counts, kind="stable")[:VALUES_SHOWN] if counts[i]]
    return [*dict.fromkeys([*chosen, *(v for v in top if v)])]


def _rule(target: str, binding) -> dict | None:
    state = st.session_state
    events = list(state[_k(target, "events")])
    where = []
    if state[_k(target, "column")] and state[_k(target, "values")]:
        where.append({"column": state[_k(target, "column")], "op": state[_k(target, "op")],
                      "values": [str(v) for v in state[_k(target, "values")]]})  # fmt: skip
    if binding is not None:
        where += (binding.rule.get("where") or [])[1:]
    return {"events": events, "where": where} if events or where else None


def _suggest(board: MapBoard, current: dict, names: list[str]) -> None:
    open_stages = [s for s in board.stages if s.id not in current]
    suggestions = suggest_bindings([s.name for s in board.stages], names)
    taken = {e for b in current.values() for e in b.rule.get("events", [])}
    filled = 0
    for stage, events in zip(board.stages, suggestions, strict=True):
        events = [e for e in events if e not in taken]
        if stage in open_stages and events and not st.session_state.get(_k(stage.id, "events")):
            st.session_state[_k(stage.id, "events")] = events
            filled += 1
    if filled:
        st.toast(f"Suggested events for {filled} stage(s): check them, then Save.")
    else:
        st.toast("No suggestion: the event names say nothing about the unbound stages.")


def _save(store: Store, board: MapBoard, targets: list[str], user: str) -> bool:
    """Write each row this user changed, checked against the version they started from;
    say what failed (someone else's change wins and shows), keep the rest."""
    failed = False
    state = st.session_state
    for target in targets:
        if _k(target, "events") not in state:
            continue
        base = state.get(_k(target, "base"))  # the binding as the dialog opened on it
        rule = _rule(target, base)
        if rule == (base.rule if base else None):
            continue  # untouched here: whatever someone else saved stays
        try:
            if rule is None:
                store.unbind(base.id, base.version, by=user)
            else:
                store.bind(board.map.id, target, rule,
                           expected_version=base.version if base else None, by=user)  # fmt: skip
        except (ConflictError, NotFoundError):
            failed = True
            for field in FIELDS:  # show theirs on the next run
                state.pop(_k(target, field), None)
            st.error(
                "Someone else changed a binding while you were editing; it now shows theirs. "
                "Check it and save again.",
                icon=":material/sync_problem:",
            )
        except JourneyMapError as err:
            failed = True
            st.error(md_escape(str(err)), icon=":material/error:")
    return not failed
