"""The frame every page starts with: page config, menu, who am I, current workspace.

Pages are discovered by Streamlit from `pages/`; the built-in sidebar list is
switched off in `.streamlit/config.toml` and this module draws the menu from
one page list, so a deep link after a server restart still gets the menu.
The current workspace and map live in the URL (`?ws=...&map=...`) as well as
in session state, so a reload lands where the user was.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from components.feedback import attempt
from components.resources import get_store
from components.text import md_escape
from components.wall import keep_unsaved_note
from journeymap import Access, JourneyMapError, NotFoundError, Store, Workspace, rules

FAVICON = str(Path(__file__).with_name("favicon.png"))
KEY_USER = "jm:user"
KEY_WORKSPACE = "jm:workspace"
KEY_MAP = "jm:map"
KEY_FLASH = "jm:flash"
KEY_KEYS = "jm:keys"  # workspace id -> the key its passcode gave this session


@dataclass(frozen=True)
class PageLink:
    """One entry of the menu."""

    path: str
    label: str
    icon: str


PAGES: tuple[PageLink, ...] = (
    PageLink("app.py", "Home", ":material/home:"),
    PageLink("pages/personas.py", "Personas", ":material/groups:"),
    PageLink("pages/journey_map.py", "Journey map", ":material/view_kanban:"),
    PageLink("pages/journey_graph.py", "Journey graph", ":material/account_tree:"),
    PageLink("pages/analytics.py", "Analytics data", ":material/database:"),
    PageLink("pages/strategies.py", "Strategies", ":material/science:"),
    PageLink("pages/review.py", "Review", ":material/fact_check:"),
)


@dataclass(frozen=True)
class Context:
    """What a page needs: the store, who is using it, and where they are."""

    store: Store
    user: str
    workspace: Workspace | None


def page_setup(title: str) -> Context:
    """Set up the page and return its context.

    The run stops here, before any data shows, until the person is known (signed in
    when `[auth]` is configured, else a typed name) and, for a workspace with a
    passcode, until this session entered it. The store the page gets is this
    session's view, which checks the same thing again inside every write.
    """
    # A local favicon: a material icon here would be fetched from a font CDN.
    st.set_page_config(page_title=f"{title} · Journey maps", page_icon=FAVICON, layout="wide")
    if sign_in_configured():
        _require_sign_in()  # stops the run until signed in
        access = Access(everywhere=True)
    else:
        access = Access(keys=dict(st.session_state.get(KEY_KEYS, {})))
    store = get_store().for_session(access)
    _adopt_query_params()
    workspace = _current_workspace(store)
    _menu(workspace)
    _show_flash()
    user = st.session_state.get(KEY_USER, "")
    if not user:
        _ask_name()
        st.stop()
    if workspace is not None and not store.has_access(workspace.id):
        keep_unsaved_note("Not saved: this workspace's passcode changed. Add it again now.")
        _ask_passcode(store, workspace)
        st.stop()
    return Context(store=store, user=user, workspace=workspace)


def sign_in_configured() -> bool:
    """True when `.streamlit/secrets.toml` has an `[auth]` section: people sign in (OIDC)."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def remember_key(workspace_id: str, key: str | None) -> None:
    """Keep (or, with None, forget) the key this session holds for a workspace."""
    keys = dict(st.session_state.get(KEY_KEYS, {}))
    if key is None:
        keys.pop(workspace_id, None)
    else:
        keys[workspace_id] = key
    st.session_state[KEY_KEYS] = keys


def require_workspace(ctx: Context) -> Workspace:
    """The current workspace, or a pointer to Home and the end of this run."""
    if ctx.workspace is None:
        st.info("Create a workspace on the Home page first.", icon=":material/info:")
        st.page_link("app.py", label="Home", icon=":material/home:")
        st.stop()
    return ctx.workspace


def location_params() -> dict[str, str]:
    """The query parameters that keep the user's place across pages and reloads."""
    params = {}
    if st.session_state.get(KEY_WORKSPACE):
        params["ws"] = st.session_state[KEY_WORKSPACE]
    if st.session_state.get(KEY_MAP):
        params["map"] = st.session_state[KEY_MAP]
    return params


def select_workspace(workspace_id: str | None) -> None:
    previous = st.session_state.get(KEY_WORKSPACE)
    if previous is not None and previous != workspace_id:
        st.session_state[KEY_MAP] = None  # that map belongs to the other workspace
    st.session_state[KEY_WORKSPACE] = workspace_id
    _write_query_params()


def select_map(map_id: str | None) -> None:
    st.session_state[KEY_MAP] = map_id
    _write_query_params()


def pick_map(maps: list) -> str:
    """The current map (the URL's, or the first), with a picker in the sidebar."""
    titles = {m.id: m.title for m in maps}
    current = st.session_state.get(KEY_MAP)
    if current not in titles:
        current = maps[0].id
        select_map(current)
    st.session_state["map:pick"] = current  # the shell's choice wins over the widget's memory
    st.sidebar.selectbox(
        "Map",
        list(titles),
        format_func=titles.get,
        key="map:pick",
        on_change=lambda: select_map(st.session_state["map:pick"]),
    )
    return current


def flash(message: str, icon: str = ":material/check_circle:") -> None:
    """A toast shown on the next run (survives `st.rerun` and page switches)."""
    st.session_state[KEY_FLASH] = (message, icon)


def _show_flash() -> None:
    message = st.session_state.pop(KEY_FLASH, None)
    if message:
        st.toast(md_escape(message[0]), icon=message[1])


def _adopt_query_params() -> None:
    """A new session (a reload, a shared link) takes its place from the URL."""
    params = st.query_params
    if KEY_WORKSPACE not in st.session_state:
        st.session_state[KEY_WORKSPACE] = params.get("ws")
    if KEY_MAP not in st.session_state:
        st.session_state[KEY_MAP] = params.get("map")


def _write_query_params() -> None:
    wanted = location_params()
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)


def _current_workspace(store: Store) -> Workspace | None:
    workspaces = store.list_workspaces()
    chosen = st.session_state.get(KEY_WORKSPACE)
    map_id = st.session_state.get(KEY_MAP)
    if chosen is None and map_id:  # a link to a map: its workspace follows from it
        try:
            chosen = store.get_map(map_id).workspace_id
        except NotFoundError:
            st.session_state[KEY_MAP] = None
    workspace = next((w for w in workspaces if w.id == chosen), None)
    if workspace is None and workspaces:
        workspace = workspaces[0]
    select_workspace(workspace.id if workspace else None)
    return workspace


def _menu(workspace: Workspace | None) -> None:
    params = location_params()
    with st.sidebar:
        st.markdown("### :material/route: Journey maps")
        for page in PAGES:
            st.page_link(page.path, label=page.label, icon=page.icon, query_params=params)
        st.divider()
        if workspace is not None:
            st.caption("Workspace")
            st.text(workspace.name)
        user = st.session_state.get(KEY_USER, "")
        if user:
            st.caption("You are")
            st.text(user)
            if sign_in_configured():
                if st.button("Sign out", key="shell:sign_out", icon=":material/logout:"):
                    st.session_state.clear()
                    st.logout()
            elif st.button("Change name", key="shell:change_name", icon=":material/badge:"):
                st.session_state[KEY_USER] = ""
                st.rerun()


def _require_sign_in() -> None:
    """With `[auth]` configured: the identity provider says who this is, or the run stops."""
    if not st.user.get("is_logged_in", False):
        st.title("Customer journey maps")
        st.info("Sign in to see and edit this team's journey maps.", icon=":material/lock:")
        if st.button("Sign in", type="primary", icon=":material/login:", key="shell:sign_in"):
            st.login()
        st.stop()
    name = st.user.get("name") or st.user.get("email") or "Signed-in user"
    st.session_state[KEY_USER] = " ".join(str(name).split())


def _ask_passcode(store: Store, workspace: Workspace) -> None:
    st.subheader(f":material/lock: {md_escape(workspace.name)}")
    if workspace.id in st.session_state.get(KEY_KEYS, {}):
        st.warning(
            "This workspace's passcode changed since you entered it: enter the new one.",
            icon=":material/key:",
        )
    else:
        st.caption("This workspace is protected: enter its passcode to see and edit its maps.")
    with st.form("shell:passcode_form", border=True):
        code = st.text_input("Passcode", type="password", key="shell:passcode")
        if st.form_submit_button("Unlock", type="primary", icon=":material/lock_open:"):
            ok, key = attempt(store.unlock_workspace, workspace.id, code)
            if ok:
                remember_key(workspace.id, key)
                st.rerun()
    others = [w for w in store.list_workspaces() if w.id != workspace.id]
    if others:
        names = {w.id: w.name for w in others}
        st.selectbox(
            "Or go to another workspace",
            list(names),
            format_func=names.get,
            index=None,
            placeholder="Pick a workspace",
            key="shell:other_workspace",
            on_change=lambda: select_workspace(st.session_state.pop("shell:other_workspace")),
        )


def _ask_name() -> None:
    with st.form("shell:name_form", border=True):
        st.subheader("Who are you?")
        st.caption("Your name is shown on every note and persona you create in this session.")
        name = st.text_input("Your name", key="shell:name", placeholder="e.g. Ana (Product)")
        if st.form_submit_button("Continue", type="primary"):
            try:
                st.session_state[KEY_USER] = rules.name(name, "Your name")
            except JourneyMapError as err:
                st.error(md_escape(str(err)))
            else:
                st.rerun()
