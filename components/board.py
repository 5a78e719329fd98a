"""The journey map page's parts around the wall: header, filters, wall events."""

from __future__ import annotations

import streamlit as st

from components import shell
from components.feedback import attempt
from components.notes import open_editor
from components.personas import render_avatar
from components.stage_detail import open_stage
from components.text import md_escape
from components.wall import WallEvent, reject_note
from journeymap import (
    ConflictError,
    JourneyMapError,
    Lane,
    MapBoard,
    Note,
    Persona,
    Store,
    VoteRound,
)


def render_map_header(store: Store, board: MapBoard, personas: list[Persona], user: str) -> None:
    """Title, the persona the map follows, the scenario, and the map's settings."""
    journey = board.map
    persona = next((p for p in personas if p.id == journey.persona_id), None)
    head, who, settings = st.columns([6, 4, 1], vertical_alignment="center")
    head.title(md_escape(journey.title), anchor=False)
    if journey.scenario:
        head.text(journey.scenario)
    if persona is not None:
        pic, text = who.columns([1, 4], vertical_alignment="center")
        with pic:
            render_avatar(persona, size=48)
        text.markdown(f"**{md_escape(persona.name)}**")
        if persona.role:
            text.caption(md_escape(persona.role))
        if persona.quote:
            text.caption(f"“{md_escape(persona.quote)}”")
    else:
        who.caption("This map follows no persona yet: pick one in the map settings.")
    with settings.popover("", icon=":material/settings:", help="Map settings"):
        _map_settings(store, board, personas, user)


def _map_settings(store: Store, board: MapBoard, personas: list[Persona], user: str) -> None:
    journey = board.map
    with st.form(f"map:{journey.id}:settings", border=False):
        title = st.text_input("Title", value=journey.title)
        scenario = st.text_area("Scenario", value=journey.scenario, height=80)
        options = [None, *(p.id for p in personas)]
        names = {p.id: p.name for p in personas}
        persona_id = st.selectbox(
            "Persona",
            options,
            index=options.index(journey.persona_id) if journey.persona_id in options else 0,
            format_func=lambda i: names.get(i, "No persona"),
        )
        if st.form_submit_button("Save", type="primary"):
            ok, _ = attempt(
                store.update_map,
                journey.id,
                journey.version,
                title=title,
                scenario=scenario,
                persona_id=persona_id,
                by=user,
            )
            if ok:
                shell.flash("Map saved.")
                st.rerun()
    if st.toggle("Delete this map", key=f"map:{journey.id}:delete_toggle"):
        st.warning(f"This deletes the map and its {len(board.notes)} notes.")
        if st.button("Delete the map", type="primary", key=f"map:{journey.id}:delete"):
            ok, _ = attempt(store.delete_map, journey.id, journey.version)
            if ok:
                shell.select_map(None)
                shell.flash(f"Deleted the map {journey.title}.", icon=":material/delete:")
                st.rerun()


def render_filters(board: MapBoard) -> tuple[list[Note], list[Lane]]:
    """Filter the wall by lane and by author; return the notes and lanes to show."""
    lane_names = {lane.id: lane.name for lane in board.lanes}
    authors = sorted({n.author for n in board.notes}, key=str.lower)
    by_lane, by_author = st.columns(2)
    shown_lanes = by_lane.multiselect(
        "Lanes",
        list(lane_names),
        format_func=lane_names.get,
        placeholder="All lanes",
        key=f"filter:{board.map.id}:lanes",
    )
    shown_authors = by_author.multiselect(
        "Authors", authors, placeholder="Everyone", key=f"filter:{board.map.id}:authors"
    )
    lanes = [lane for lane in board.lanes if not shown_lanes or lane.id in shown_lanes]
    lane_ids = {lane.id for lane in lanes}
    notes = [
        n
        for n in board.notes
        if n.lane_id in lane_ids and (not shown_authors or n.author in shown_authors)
    ]
    return notes, lanes


def handle_wall_event(
    store: Store, board: MapBoard, event: WallEvent, user: str, vote: VoteRound | None
) -> None:
    """Apply what a participant did on the wall, then redraw it."""
    value = event.value
    if event.kind == "open":
        open_editor(str(value.get("note_id")))
        return
    if event.kind == "stage":
        open_stage(str(value.get("stage_id")))
        return
    try:
        _apply(store, board, event, user, vote)
    except ConflictError:
        shell.flash(
            "Someone changed that note just before you moved it; the wall now shows it as "
            "it is. Move it again if you still want to.",
            icon=":material/sync_problem:",
        )
    except JourneyMapError as err:
        if event.kind == "add":  # nothing is lost: the text goes back into the cell's form
            reject_note(value, str(err))
        shell.flash(str(err), icon=":material/error:")
    except (KeyError, TypeError, ValueError):
        shell.flash("The wall sent an incomplete change; reload the page.", icon=":material/error:")
    st.rerun()


def _apply(store: Store, board: MapBoard, event: WallEvent, user: str, vote) -> None:
    value = event.value
    if event.kind == "add":
        extra = {k: value[k] for k in ("emotion", "channel", "resource_status") if k in value}
        store.add_note(
            board.map.id,
            stage_id=value["stage_id"],
            lane_id=value["lane_id"],
            text=value.get("text", ""),
            author=user,
            **extra,
        )
    elif event.kind == "move":
        store.move_note(
            value["note_id"],
            int(value["version"]),
            stage_id=value["stage_id"],
            lane_id=value["lane_id"],
            index=int(value["index"]),
            by=user,
        )
    elif event.kind == "vote" and vote is not None:
        store.toggle_vote(vote.id, value["note_id"], voter=user)
