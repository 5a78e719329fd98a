"""Personas: the workspace's persona library, editing, and side-by-side comparison."""

import streamlit as st

from components import shell
from components.persona_data import render_persona_funnels, render_segment_editor, segment_text
from components.personas import render_compare, render_form, render_library_card
from components.text import md_escape

ctx = shell.page_setup("Personas")
store = ctx.store
workspace = shell.require_workspace(ctx)

st.title("Personas")
personas = store.list_personas(workspace.id)
by_id = {p.id: p for p in personas}
library, compare, new = st.tabs(["Library", "Compare side by side", "New persona"])

with new:
    if render_form(store, workspace.id, ctx.user, None, key="persona:new"):
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
        render_persona_funnels(store, workspace.id, [by_id[i] for i in chosen])
    else:
        st.info("Choose at least two personas.", icon=":material/compare_arrows:")

with library:
    if not personas:
        st.info("No personas yet: create one in the New persona tab.", icon=":material/person_add:")
    columns = st.columns(3)
    for i, persona in enumerate(personas):
        with columns[i % 3].container(border=True):
            render_library_card(store, workspace.id, persona, ctx.user)
            label = f"In the data: {md_escape(segment_text(persona))}"
            with st.popover(label, icon=":material/filter_alt:"):
                render_segment_editor(store, persona, ctx.user, key=f"persona:{persona.id}:segment")
