"""Editing one note (a dialog that keeps the user's draft through conflicts) and
the keyboard-friendly "add a note" form beside the wall."""

from __future__ import annotations

import streamlit as st

from components import shell
from components.activity import render_events
from components.feedback import attempt
from components.text import md_escape
from journeymap import (
    ConflictError,
    JourneyMapError,
    LaneKind,
    MapBoard,
    Note,
    NotFoundError,
    Store,
)
from journeymap.palette import EMOTION_LABELS

KEY_EDITING = "wall:editing"
_FIELDS = (
    *("text", "emotion", "channel", "resource", "stage", "lane"),
    *("base", "theirs", "gone", "intent", "comment"),
)
EMOTION_OPTIONS = (-2, -1, 0, 1, 2)


def _k(note_id: str, field: str) -> str:
    return f"note:{note_id}:{field}"


def emotion_label(score: int) -> str:
    return f"{score:+d} {EMOTION_LABELS[score]}" if score else f"0 {EMOTION_LABELS[0]}"


def open_editor(note_id: str) -> None:
    st.session_state[KEY_EDITING] = note_id


def close_editor() -> None:
    note_id = st.session_state.pop(KEY_EDITING, None)
    if note_id:
        for field in _FIELDS:
            st.session_state.pop(_k(note_id, field), None)


def _load_draft(note: Note) -> None:
    """Start the draft from the note as it is now; its version is the base of the edit."""
    st.session_state[_k(note.id, "text")] = note.text
    st.session_state[_k(note.id, "emotion")] = note.emotion
    st.session_state[_k(note.id, "channel")] = note.channel or ""
    status = note.resource_status.value if note.resource_status else "have"
    st.session_state[_k(note.id, "resource")] = status
    st.session_state[_k(note.id, "stage")] = note.stage_id
    st.session_state[_k(note.id, "lane")] = note.lane_id
    st.session_state[_k(note.id, "base")] = note  # the version the user saw
    st.session_state.pop(_k(note.id, "theirs"), None)


def _draft_fields(note_id: str, kind: LaneKind) -> dict:
    state = st.session_state
    fields = {"text": state[_k(note_id, "text")]}
    if kind is LaneKind.EMOTION:
        fields["emotion"] = state[_k(note_id, "emotion")]
    elif kind is LaneKind.TOUCHPOINT:
        fields["channel"] = state[_k(note_id, "channel")]
    elif kind is LaneKind.RESOURCE:
        fields["resource_status"] = state[_k(note_id, "resource")]
    return fields


def render_editor(store: Store, board: MapBoard, user: str) -> None:
    """Show the note dialog when a note was opened on the wall."""
    note_id = st.session_state.get(KEY_EDITING)
    if note_id:
        _dialog(store, board, note_id, user)


@st.dialog("Sticky note", width="large", on_dismiss=close_editor)
def _dialog(store: Store, board: MapBoard, note_id: str, user: str) -> None:
    if _k(note_id, "base") not in st.session_state:
        try:
            note = store.get_note(note_id)
        except NotFoundError:
            note = None
        if note is None or note.deleted_at is not None:
            st.warning(
                "This note was deleted by someone else"
                + ("; it is in the map's trash." if note else "."),
                icon=":material/delete:",
            )
            st.button("Close", on_click=close_editor, key=_k(note_id, "close_gone"))
            return
        _load_draft(note)
    theirs: Note | None = st.session_state.get(_k(note_id, "theirs"))
    stage_names = {s.id: s.name for s in board.stages}
    lanes = {lane.id: lane for lane in board.lanes}
    lane = lanes.get(st.session_state[_k(note_id, "lane")])
    kind = lane.kind if lane else LaneKind.CUSTOM

    st.text_area("Text", key=_k(note_id, "text"), height=110, max_chars=None)
    if kind is LaneKind.EMOTION:
        st.segmented_control(
            "Emotion score",
            EMOTION_OPTIONS,
            key=_k(note_id, "emotion"),
            format_func=emotion_label,
        )
    elif kind is LaneKind.TOUCHPOINT:
        st.text_input("Channel", key=_k(note_id, "channel"), placeholder="e.g. Email, Website")
    elif kind is LaneKind.RESOURCE:
        st.radio("Resource", ("have", "need"), key=_k(note_id, "resource"), horizontal=True)
    left, right = st.columns(2)
    left.selectbox(
        "Stage", list(stage_names), key=_k(note_id, "stage"), format_func=stage_names.get
    )
    right.selectbox(
        "Lane", list(lanes), key=_k(note_id, "lane"), format_func=lambda i: lanes[i].name
    )
    if theirs is not None:
        _conflict_panel(store, note_id, theirs, kind, user)
        return
    if st.session_state.get(_k(note_id, "gone")):
        _gone_panel(store, board, note_id, kind, user)
        return
    save, delete, cancel = st.columns(3)
    base: Note = st.session_state[_k(note_id, "base")]
    if save.button("Save", type="primary", key=_k(note_id, "save"), width="stretch"):
        _save(store, note_id, kind, user, against=base)
    if delete.button(
        "Delete", key=_k(note_id, "delete"), icon=":material/delete:", width="stretch"
    ):
        _delete(store, note_id, user, against=base)
    cancel.button("Cancel", key=_k(note_id, "cancel"), on_click=close_editor, width="stretch")
    _comments(store, note_id, user)
    with st.expander("History", icon=":material/history:"):
        render_events(store.note_history(note_id), with_text=True)


def _comments(store: Store, note_id: str, user: str) -> None:
    """The note's discussion thread, oldest first, and a box to add to it."""
    thread = store.list_comments(note_id)
    with st.expander(f"Comments ({len(thread)})", icon=":material/forum:", expanded=bool(thread)):
        for comment in thread:
            st.caption(
                f"{md_escape(comment.author or 'anonymous')} · {comment.created_at:%H:%M} UTC"
            )
            st.text(comment.text)
        with st.form(_k(note_id, "comment_form"), clear_on_submit=True, border=False):
            text = st.text_area("Add a comment", key=_k(note_id, "comment"), height=68)
            if st.form_submit_button("Comment", icon=":material/send:"):
                if attempt(store.add_comment, note_id, text, author=user)[0]:
                    st.rerun(scope="fragment")


def _changes(note_id: str, kind: LaneKind, against: Note) -> dict:
    """The draft's fields that differ from `against`: unchanged fields are not written."""
    current = {
        "text": against.text,
        "emotion": against.emotion,
        "channel": against.channel or "",
        "resource_status": against.resource_status.value if against.resource_status else None,
    }
    return {k: v for k, v in _draft_fields(note_id, kind).items() if v != current[k]}


def _save(store: Store, note_id: str, kind: LaneKind, user: str, against: Note) -> None:
    """Write the draft over `against` (the version the user saw, or theirs after a conflict)."""
    state = st.session_state
    state[_k(note_id, "intent")] = "save"
    changes = _changes(note_id, kind, against)
    cell = (state[_k(note_id, "stage")], state[_k(note_id, "lane")])
    moved = cell != (against.stage_id, against.lane_id)
    try:
        version = against.version
        if changes:
            version = store.update_note(note_id, version, by=user, **changes).version
        if moved:
            store.move_note(note_id, version, stage_id=cell[0], lane_id=cell[1], by=user)
    except ConflictError as err:
        state[_k(note_id, "theirs")] = err.current
        st.rerun(scope="fragment")
    except NotFoundError:
        state[_k(note_id, "gone")] = True
        st.rerun(scope="fragment")
    except JourneyMapError as err:  # locked, invalid...: say why; the draft stays
        st.error(md_escape(str(err)), icon=":material/error:")
        return
    close_editor()
    shell.flash("Note saved." if changes or moved else "Nothing had changed.")
    st.rerun()


def _delete(store: Store, note_id: str, user: str, against: Note) -> None:
    st.session_state[_k(note_id, "intent")] = "delete"
    try:
        store.delete_note(note_id, against.version, by=user)
    except ConflictError as err:
        st.session_state[_k(note_id, "theirs")] = err.current
        st.rerun(scope="fragment")
    except NotFoundError:
        pass  # already gone: the outcome the user wanted
    except JourneyMapError as err:
        st.error(md_escape(str(err)), icon=":material/error:")
        return
    close_editor()
    shell.flash("Note moved to the trash (Trash restores it).", icon=":material/delete:")
    st.rerun()


def _take_theirs(note_id: str) -> None:
    theirs = st.session_state.pop(_k(note_id, "theirs"))
    _load_draft(theirs)


def _conflict_panel(store: Store, note_id: str, theirs: Note, kind: LaneKind, user: str) -> None:
    deleting = st.session_state.get(_k(note_id, "intent")) == "delete"
    st.warning(
        "Someone else changed this note while you were "
        + ("deciding to delete it. It is still there: " if deleting else "editing it. ")
        + "Nothing of yours was saved yet: compare the two versions and choose.",
        icon=":material/sync_problem:",
    )
    mine, other = st.columns(2)
    mine.caption("Your version")
    mine.text(st.session_state[_k(note_id, "text")])
    other.caption(f"Their version (now at version {theirs.version})")
    other.text(theirs.text)
    act, take = st.columns(2)
    if deleting:
        if act.button("Delete anyway", type="primary", key=_k(note_id, "force"), width="stretch"):
            st.session_state.pop(_k(note_id, "theirs"))
            _delete(store, note_id, user, against=theirs)
    elif act.button("Keep mine", type="primary", key=_k(note_id, "keep"), width="stretch"):
        st.session_state.pop(_k(note_id, "theirs"))
        _save(store, note_id, kind, user, against=theirs)
    take.button(
        "Keep theirs" if deleting else "Take theirs",
        key=_k(note_id, "take"),
        on_click=_take_theirs,
        args=(note_id,),
        width="stretch",
    )


def _gone_panel(store: Store, board: MapBoard, note_id: str, kind: LaneKind, user: str) -> None:
    st.warning(
        "Someone deleted this note while you were editing it. Your text is still here.",
        icon=":material/delete:",
    )
    state = st.session_state
    if st.button("Put my text back as a new note", type="primary", key=_k(note_id, "readd")):
        ok, _ = attempt(
            store.add_note,
            board.map.id,
            stage_id=state[_k(note_id, "stage")],
            lane_id=state[_k(note_id, "lane")],
            author=user,
            **_draft_fields(note_id, kind),
        )
        if ok:
            close_editor()
            shell.flash("Your note is back on the wall.")
            st.rerun()
    st.button("Discard my text", key=_k(note_id, "discard"), on_click=close_editor)


def render_add_form(store: Store, board: MapBoard, user: str, *, key: str) -> None:
    """Add a note by choosing its cell: for keyboards, screen readers and scripts."""
    stages = {s.id: s.name for s in board.stages}
    lanes = {lane.id: lane for lane in board.lanes}
    left, right = st.columns(2)
    stage_id = left.selectbox("Stage", list(stages), format_func=stages.get, key=f"{key}:stage")
    lane_id = right.selectbox(
        "Lane", list(lanes), format_func=lambda i: lanes[i].name, key=f"{key}:lane"
    )
    text = st.text_area("Note", key=f"{key}:text", height=80)
    kind = lanes[lane_id].kind if lane_id in lanes else LaneKind.CUSTOM
    extra: dict = {}
    if kind is LaneKind.EMOTION:
        extra["emotion"] = st.segmented_control(
            "Emotion score", EMOTION_OPTIONS, key=f"{key}:emotion", format_func=emotion_label
        )
    elif kind is LaneKind.TOUCHPOINT:
        extra["channel"] = st.text_input("Channel", key=f"{key}:channel")
    elif kind is LaneKind.RESOURCE:
        extra["resource_status"] = st.radio(
            "Resource", ("have", "need"), key=f"{key}:resource", horizontal=True
        )
    if st.button("Add note", type="primary", key=f"{key}:submit", icon=":material/add:"):
        ok, _ = attempt(
            store.add_note,
            board.map.id,
            stage_id=stage_id,
            lane_id=lane_id,
            text=text,
            author=user,
            **extra,
        )
        if ok:
            st.session_state.pop(f"{key}:text", None)
            shell.flash("Note added.")
            st.rerun()
