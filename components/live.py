"""Live workshop: other participants' changes reach this screen without a click.

A small fragment polls the map's change counter (one indexed integer read)
every couple of seconds and reruns the page only when the counter moved, so
an idle wall costs almost nothing and a busy one redraws within the interval.
Drafts survive the rerun: widget drafts live in session state, and the wall
keeps a half-typed note in the browser. The same fragment is this browser
session's heartbeat for the presence strip.
"""

from __future__ import annotations

import secrets
import time

import streamlit as st

from components import shell
from components.text import md_escape
from journeymap import JourneyMapError, MapBoard, NotFoundError, Store

LIVE_INTERVAL = "2s"
HEARTBEAT_SECONDS = 10
KEY_SESSION = "live:session"
KEY_HEARTBEAT = "live:heartbeat"
KEY_RUN = "live:run"
KEY_TICKED = "live:ticked"


def _session_id() -> str:
    """A random id for this browser session (a person may have several tabs)."""
    if KEY_SESSION not in st.session_state:
        st.session_state[KEY_SESSION] = secrets.token_hex(8)
    return st.session_state[KEY_SESSION]


def watch_map(store: Store, board: MapBoard, ctx: shell.Context) -> None:
    """Show who is here, and rerun the page as soon as anyone changes this map."""
    run = st.session_state.get(KEY_RUN, 0) + 1  # this is a full run of the page
    st.session_state[KEY_RUN] = run
    _watch(store, board.map.id, board.map.revision, ctx.user, run)


@st.fragment(run_every=LIVE_INTERVAL)
def _watch(store: Store, map_id: str, seen_revision: int, user: str, run: int) -> None:
    # Inside a full run the page may still have to act on what the wall just sent
    # (a new note, a move, a vote); rerunning here would drop that event. So only the
    # fragment's own ticks rerun the page; a change seen now is caught by the next tick.
    ticking = st.session_state.get(KEY_TICKED) == run
    st.session_state[KEY_TICKED] = run
    try:
        _heartbeat(store, map_id, user)
        revision = store.map_revision(map_id)
        here = store.present(map_id)
    except NotFoundError:
        revision, here = None, []  # the map was deleted: the page says so on its rerun
    except JourneyMapError:
        return  # a busy moment: the next tick tries again
    if ticking and revision != seen_revision:
        st.rerun()
    names = ", ".join(md_escape(name) for name in here) or md_escape(user)
    st.caption(f":material/sensors: Live · on this map now: {names}")


def _heartbeat(store: Store, map_id: str, user: str) -> None:
    """Say 'I am here' at most every few seconds: presence costs one small write."""
    last = st.session_state.get(KEY_HEARTBEAT)
    now = time.monotonic()
    if last is None or last[0] != map_id or now - last[1] >= HEARTBEAT_SECONDS:
        store.touch_presence(map_id, _session_id(), user)
        st.session_state[KEY_HEARTBEAT] = (map_id, now)
