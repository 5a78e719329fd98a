"""Workspace-level views: the list of maps, creating a map, workspace settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import streamlit as st

from components import shell
from components.feedback import attempt
from components.text import md_escape
from journeymap import TEMPLATES, MapStatus, Store, Workspace
from journeymap.access import PASSCODE_MIN
from journeymap.sample import SAMPLE_FILE


def sample_workspace(workspaces: list[Workspace]) -> Workspace | None:
    """The first workspace carrying the sample's name, if one was loaded already."""
    name = json.loads(SAMPLE_FILE.read_text(encoding="utf-8"))["workspace"]["name"]
    return next((w for w in workspaces if w.name == name), None)


def open_map(map_id: str) -> None:
    shell.select_map(map_id)
    st.switch_page("pages/journey_map.py", query_params=shell.location_params())


def render_maps(store: Store, workspace: Workspace) -> None:
    """The workspace's maps as cards with an Open button, and a new-map form."""
    maps = store.list_maps(workspace.id)
    personas = {p.id: p for p in store.list_personas(workspace.id)}
    st.subheader("Journey maps")
    if not maps:
        st.info("No maps yet: create the first one below.", icon=":material/info:")
    today = datetime.now(UTC).date()
    due = [m for m in maps if m.review_due(today)]
    if due:
        titles = ", ".join(md_escape(m.title) for m in due)
        st.warning(f"Past their review date: {titles}.", icon=":material/event_busy:")
    columns = st.columns(3)
    for i, journey in enumerate(maps):
        with columns[i % 3].container(border=True):
            st.markdown(f"**{md_escape(journey.title)}**")
            persona = personas.get(journey.persona_id)
            st.caption(f"Persona: {md_escape(persona.name)}" if persona else "No persona yet")
            status = (journey.status or MapStatus.DRAFT).value.capitalize()
            owner = f" · owner {md_escape(journey.owner)}" if journey.owner else ""
            review = ""
            if journey.review_on:
                late = " :red[(overdue)]" if journey.review_due(today) else ""
                review = f" · review {journey.review_on:%Y-%m-%d}{late}"
            st.caption(f"{status}{owner}{review}")
            if journey.scenario:
                st.text(journey.scenario[:160] + ("…" if len(journey.scenario) > 160 else ""))
            made_by = f"Created by {md_escape(journey.created_by)} · " if journey.created_by else ""
            st.caption(f"{made_by}updated {journey.updated_at:%Y-%m-%d %H:%M} UTC")
            if st.button("Open", key=f"home:open:{journey.id}", icon=":material/open_in_new:"):
                open_map(journey.id)
    render_new_map(store, workspace, key="home:new_map", personas=list(personas.values()))


def render_new_map(store: Store, workspace: Workspace, *, key: str, personas) -> None:
    """Create a map from a template, for a persona, and open it."""
    with st.expander("New journey map", icon=":material/add:"):
        with st.form(key, border=False):
            title = st.text_input("Title", placeholder="e.g. Choosing a CMS for the studio")
            persona_ids = [None, *(p.id for p in personas)]
            names = {p.id: p.name for p in personas}
            persona_id = st.selectbox(
                "Persona",
                persona_ids,
                index=1 if personas else 0,
                format_func=lambda i: names.get(i, "No persona"),
            )
            scenario = st.text_area(
                "Scenario", height=70, placeholder="What is the persona trying to do?"
            )
            template = st.radio(
                "Template",
                list(TEMPLATES),
                format_func=lambda k: f"{TEMPLATES[k].label}: {', '.join(TEMPLATES[k].stages)}",
            )
            if st.form_submit_button("Create map", type="primary"):
                user = st.session_state.get(shell.KEY_USER, "")
                ok, journey = attempt(
                    store.create_map,
                    workspace.id,
                    title,
                    persona_id=persona_id,
                    scenario=scenario,
                    template=template,
                    created_by=user,
                )
                if ok:
                    open_map(journey.id)


def render_workspace_settings(store: Store, workspace: Workspace, user: str) -> None:
    with st.form("home:workspace_settings", border=False):
        name = st.text_input("Workspace name", value=workspace.name)
        description = st.text_area("Description", value=workspace.description, height=70)
        facilitators = st.text_area(
            "Facilitators (one name per line)",
            value="\n".join(workspace.facilitators),
            height=90,
            help="They run workshops on every map here: lock, timer, voting, private "
            "brainstorm. A map's creator always facilitates it. Once names are set, only "
            "those people can change the list.",
        )
        if st.form_submit_button("Save"):
            changes = {"name": name, "description": description}
            named = [line.strip() for line in facilitators.splitlines() if line.strip()]
            if named != list(workspace.facilitators):
                changes["facilitators"] = facilitators
            ok, _ = attempt(
                store.update_workspace, workspace.id, workspace.version, by=user, **changes
            )
            if ok:
                shell.flash("Workspace saved.")
                st.rerun()
    if not shell.sign_in_configured():  # with sign-in, the identity provider guards the app
        render_passcode_settings(store, workspace, user)
    st.divider()
    st.caption("Delete this workspace with all its personas, maps and notes.")
    typed = st.text_input("Type the workspace name to confirm", key="home:delete_confirm")
    if st.button(
        "Delete workspace",
        key="home:delete",
        icon=":material/delete_forever:",
        disabled=typed.strip() != workspace.name,
    ):
        ok, _ = attempt(store.delete_workspace, workspace.id, workspace.version)
        if ok:
            shell.select_workspace(None)
            shell.flash(f"Deleted the workspace {workspace.name}.", icon=":material/delete:")
            st.rerun()


def render_passcode_settings(store: Store, workspace: Workspace, user: str) -> None:
    st.divider()
    if workspace.protected:
        st.caption(
            ":material/lock: A passcode protects this workspace. Changing it asks everyone "
            "else for the new one."
        )
    else:
        st.caption(
            "Anyone who can open this app can see and edit this workspace. A passcode "
            "keeps it to the people you give it to."
        )
    with st.form("home:passcode", clear_on_submit=True, border=False):
        code = st.text_input(
            "New passcode" if workspace.protected else "Passcode",
            type="password",
            key="home:passcode_new",
            help=f"At least {PASSCODE_MIN} characters. It is stored only as a salted hash.",
        )
        label = "Change passcode" if workspace.protected else "Protect with this passcode"
        if st.form_submit_button(label, icon=":material/key:"):
            ok, key = attempt(store.set_passcode, workspace.id, code, by=user)
            if ok:
                shell.remember_key(workspace.id, key)
                shell.flash("The passcode is set; give it to the people who should see this.")
                st.rerun()
    if workspace.protected and st.button(
        "Remove the passcode", key="home:passcode_remove", icon=":material/lock_open:"
    ):
        ok, _ = attempt(store.set_passcode, workspace.id, None, by=user)
        if ok:
            shell.remember_key(workspace.id, None)
            shell.flash("The passcode is removed: this workspace is open to everyone.")
            st.rerun()
