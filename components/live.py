"""Live workshop: other participants' changes reach this screen without a click.

A small fragment polls the map's change counter (one indexed integer read)
every couple of seconds and reruns the page only when the counter moved, so
an idle wall costs almost nothing and a busy one redraws within the interval.
Drafts survive the rerun: widget drafts live in session state, and the wall
keeps a half-typed note in the browser.
"""

from __future__ import annotations

import streamlit as st

from journeymap import MapBoard, NotFoundError, Store, StoreError

LIVE_INTERVAL = "2s"


def watch_map(store: Store, board: MapBoard) -> None:
    """Rerun the page as soon as anyone changed this map after `board` was read."""
    _watch(store, board.map.id, board.map.revision)


@st.fragment(run_every=LIVE_INTERVAL)
def _watch(store: Store, map_id: str, seen_revision: int) -> None:
    try:
        revision = store.map_revision(map_id)
    except NotFoundError:
        revision = None  # deleted by someone: the page says so on its next run
    except StoreError:
        return  # a busy moment: the next tick tries again
    if revision != seen_revision:
        st.rerun()
    st.caption(":material/sensors: Live: changes by others appear here within seconds.")
