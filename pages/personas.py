"""Personas: the workspace's persona library, editing, and side-by-side comparison."""

import streamlit as st

from components import shell
from components.feedback import attempt
from components.personas import render_card, render_compare, render_form

ctx = shell.page_setup("Personas")
store = ctx.store
if ctx.workspace is None:
    st.info("Create a workspace on the Home page first.", icon=":material/info:")
    st.page_link("app.py", label="Home", icon=":material/home:")
    st.stop()

st.title("Personas")
personas = store.list_personas(ctx.workspace.id)
by_id = {p.id: p for p in personas}
library, compare, new = st.tabs(["Library", "Compare side by side", "New persona"])

with new:
    if render_form(store, ctx.workspace.id, ctx.user, None, key="persona:new"):
        st.rerun()

with compare:
    st.caption("Pick 2 to 4 personas to decide which one the workshop maps first.")
    chosen = st.multiselect(
        "Personas to compare",
        list(by_id),
        default=list(by_id)[:2] if len(by_id) >= 2 else [],
        format_func=lambda i: by_id[i].name,
        max_selections=4,
        key="persona:compare",
    )
    if len(chosen) >= 2:
        render_compare([by_id[i] for i in chosen])
    else:
        st.info("Choose at least two personas.", icon=":material/compare_arrows:")

with library:
    if not personas:
        st.info("No personas yet: create one in the New persona tab.", icon=":material/person_add:")
    columns = st.columns(3)
    for i, persona in enumerate(personas):
        with columns[i % 3].container(border=True):
            render_card(persona)
            edit, copy, delete = st.columns(3)
            if edit.button("Edit", key=f"persona:{persona.id}:edit", icon=":material/edit:"):
                st.session_state["persona:editing"] = persona.id
            if copy.button("Duplicate", key=f"persona:{persona.id}:copy", icon=":material/content_copy:"):
                ok, _ = attempt(lambda: store.duplicate_persona(persona.id, created_by=ctx.user))
                if ok:
                    shell.flash(f"Duplicated {persona.name}.")
                    st.rerun()
            if delete.button("Delete", key=f"persona:{persona.id}:delete", icon=":material/delete:"):
                st.session_state["persona:deleting"] = persona.id
            if st.session_state.get("persona:deleting") == persona.id:
                used = store.maps_using_persona(persona.id)
                if used:
                    titles = ", ".join(m.title for m in used)
                    st.warning(f"{len(used)} map(s) follow this persona: {titles}. "
                               "They keep their notes and lose the persona.")
                yes, no = st.columns(2)
                if yes.button("Delete it", key=f"persona:{persona.id}:yes", type="primary"):
                    st.session_state.pop("persona:deleting")
                    ok, _ = attempt(lambda: store.delete_persona(persona.id, persona.version))
                    if ok:
                        shell.flash(f"Deleted {persona.name}.", icon=":material/delete:")
                        st.rerun()
                if no.button("Keep it", key=f"persona:{persona.id}:no"):
                    st.session_state.pop("persona:deleting")
                    st.rerun()
            if st.session_state.get("persona:editing") == persona.id:
                if render_form(store, ctx.workspace.id, ctx.user, persona, key=f"persona:{persona.id}:form"):
                    st.session_state.pop("persona:editing")
                    st.rerun()
                if st.button("Close the editor", key=f"persona:{persona.id}:close"):
                    st.session_state.pop("persona:editing")
                    st.rerun()
