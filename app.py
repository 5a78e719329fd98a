"""Home: pick or create a workspace, open its maps, or open the sample workshop."""

import streamlit as st

from components import shell
from components.feedback import attempt
from components.workspaces import render_maps, render_workspace_settings, sample_workspace
from journeymap import load_sample

ctx = shell.page_setup("Home")
store = ctx.store

st.title("Customer journey maps")
st.caption(
    "Build personas and journey maps together on one wall of sticky notes, "
    "then review them over the months."
)

workspaces = store.list_workspaces()
pick, sample = st.columns([3, 2], vertical_alignment="bottom")
if workspaces:
    names = {w.id: w.name for w in workspaces}
    st.session_state["home:workspace"] = ctx.workspace.id  # the shell's choice wins
    pick.selectbox(
        "Workspace",
        list(names),
        format_func=names.get,
        key="home:workspace",
        on_change=lambda: shell.select_workspace(st.session_state["home:workspace"]),
    )
with sample:
    if st.button(
        "Open the sample workshop", icon=":material/school:", type="primary", key="home:sample"
    ):
        existing = sample_workspace(workspaces)
        ok, workspace = (
            (True, existing) if existing else attempt(load_sample, store, created_by=ctx.user)
        )
        if ok:
            shell.select_workspace(workspace.id)
            shell.select_map(store.list_maps(workspace.id)[0].id)
            st.switch_page("pages/journey_map.py", query_params=shell.location_params())

with st.expander("New workspace", icon=":material/add:", expanded=not workspaces):
    with st.form("home:new_workspace", clear_on_submit=True, border=False):
        name = st.text_input("Name", placeholder="e.g. Acme onboarding workshop")
        description = st.text_area("Description (optional)", height=70)
        if st.form_submit_button("Create workspace", type="primary"):
            ok, workspace = attempt(store.create_workspace, name, description, ctx.user)
            if ok:
                shell.select_workspace(workspace.id)
                shell.flash(f"Created the workspace {workspace.name}.")
                st.rerun()

if ctx.workspace is not None:
    if ctx.workspace.description:
        st.text(ctx.workspace.description)
    render_maps(store, ctx.workspace)
    with st.expander("Workspace settings", icon=":material/settings:"):
        render_workspace_settings(store, ctx.workspace, ctx.user)
        st.divider()
        if st.button(
            "Load a fresh copy of the sample into a new workspace", key="home:sample_copy"
        ):
            ok, workspace = attempt(load_sample, store, created_by=ctx.user)
            if ok:
                shell.select_workspace(workspace.id)
                shell.flash("The sample workshop is loaded into a new workspace.")
                st.rerun()
