"""What happened on a map: the activity feed, a note's history, the trash."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from components import shell
from components.feedback import attempt
from components.text import md_escape
from journeymap import NoteEvent, NoteEventKind, Store

TRASH_SHOWN = 20
_FIELD_NAMES = {
    "text": "text",
    "emotion": "emotion score",
    "channel": "channel",
    "resource_status": "have/need",
}


def _cell(place: dict) -> str:
    return f"{place.get('stage', '?')} / {place.get('lane', '?')}"


def describe(event: NoteEvent) -> str:
    """One plain sentence for an event, e.g. 'moved from Awareness / Touchpoints to ...'."""
    details = event.details
    if event.kind is NoteEventKind.EDIT:
        fields = [_FIELD_NAMES.get(f, f) for f in details.get("after", {})]
        return "edited the " + " and ".join(fields) if fields else "saved without changes"
    if event.kind is NoteEventKind.MOVE:
        return f"moved it from {_cell(details.get('from', {}))} to {_cell(details.get('to', {}))}"
    verb = {
        NoteEventKind.ADD: "added it in",
        NoteEventKind.DELETE: "deleted it from",
        NoteEventKind.RESTORE: "restored it to",
    }[event.kind]
    return f"{verb} {_cell(details)}"


def render_events(events: Sequence[NoteEvent], *, with_text: bool, width: int | str = "stretch"):
    """Events as a table (text cells: nothing in them is ever markup)."""
    if not events:
        st.caption("Nothing has happened yet.")
        return
    rows = {
        "When (UTC)": [e.at.strftime("%Y-%m-%d %H:%M:%S") for e in events],
        "Who": [e.actor or "anonymous" for e in events],
        "What": [describe(e) for e in events],
    }
    if with_text:
        rows["Note afterwards"] = [e.text for e in events]
    else:
        rows["Note"] = [e.text for e in events]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width=width)


def render_trash(store: Store, map_id: str, user: str) -> None:
    """Deleted notes, newest first, each with a Restore button."""
    trash = store.list_trash(map_id)
    if not trash:
        st.caption("The trash is empty: deleted notes land here and can be restored.")
        return
    for note in trash[:TRASH_SHOWN]:
        text, action = st.columns([5, 2], vertical_alignment="center")
        text.text(note.text)
        when = note.deleted_at.strftime("%Y-%m-%d %H:%M") if note.deleted_at else ""
        text.caption(f"Deleted by {md_escape(note.deleted_by or 'anonymous')} · {when} UTC")
        if action.button("Restore", key=f"trash:{note.id}:restore", icon=":material/restore:"):
            if attempt(store.restore_note, note.id, note.version, by=user)[0]:
                shell.flash("The note is back on the wall.", icon=":material/restore:")
                st.rerun()
    if len(trash) > TRASH_SHOWN:
        st.caption(f"And {len(trash) - TRASH_SHOWN} older deleted notes.")
