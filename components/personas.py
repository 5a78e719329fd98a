"""Persona cards, the persona form and the side-by-side comparison."""

from __future__ import annotations

import hashlib
import html

import streamlit as st

from components import shell
from components.feedback import attempt
from components.text import md_escape
from journeymap import Persona, Store

LIST_FIELDS = (
    ("goals", "Goals"),
    ("motivations", "Motivations"),
    ("frustrations", "Frustrations and challenges"),
    ("channels", "Channels they use"),
)
KEY_EDITING = "persona:editing"
KEY_DELETING = "persona:deleting"
_AVATAR_COLOURS = ("#2563eb", "#7c3aed", "#db2777", "#ea580c", "#16a34a", "#0891b2", "#4b5563")


def avatar_svg(persona: Persona, size: int = 72) -> str:
    """A circle with the persona's initials (escaped: the SVG is shown as an image)."""
    digest = hashlib.sha256(persona.name.encode()).digest()[0]
    colour = _AVATAR_COLOURS[digest % len(_AVATAR_COLOURS)]
    initials = html.escape(persona.initials, quote=True)
    half = size // 2
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}">'
        f'<circle cx="{half}" cy="{half}" r="{half}" fill="{colour}"/>'
        f'<text x="50%" y="50%" dy=".35em" text-anchor="middle" fill="#fff" '
        f'font-family="sans-serif" font-size="{size * 0.38:.0f}" font-weight="600">{initials}</text>'
        "</svg>"
    )


def render_avatar(persona: Persona, size: int = 72) -> None:
    if persona.photo:
        st.image(persona.photo, width=size)
    else:
        st.image(avatar_svg(persona, size), width=size)


def render_card(persona: Persona, *, full: bool = True) -> None:
    """A persona at a glance: avatar, name, role, quote (and the lists when `full`)."""
    pic, head = st.columns([1, 4], vertical_alignment="center")
    with pic:
        render_avatar(persona)
    with head:
        title = persona.name + ("  ·  primary" if persona.is_primary else "")
        st.markdown(f"**{md_escape(title)}**")
        if persona.role:
            st.caption(md_escape(persona.role))
    if persona.quote:
        st.markdown(f"> *“{md_escape(persona.quote)}”*")
    if not full:
        return
    if persona.background:
        st.text(persona.background)
    for field, label in LIST_FIELDS:
        values = getattr(persona, field)
        if values:
            st.markdown(f"**{label}**")
            st.markdown("\n".join(f"- {md_escape(v)}" for v in values))
    if persona.tags:
        st.caption("Tags: " + md_escape(", ".join(persona.tags)))
    if persona.created_by:
        st.caption("Added by " + md_escape(persona.created_by))


def render_form(store: Store, workspace_id: str, user: str, persona: Persona | None, *, key: str):
    """Create (persona=None) or edit a persona; writes through on submit."""
    p = persona
    with st.form(key, border=True):
        name = st.text_input("Name", value=p.name if p else "", placeholder="e.g. Maya Lindqvist")
        role = st.text_input("Role or segment", value=p.role if p else "")
        quote = st.text_input("Quote", value=p.quote if p else "")
        background = st.text_area("Background", value=p.background if p else "", height=90)
        lists = {}
        left, right = st.columns(2)
        for i, (field, label) in enumerate(LIST_FIELDS):
            lists[field] = (left if i % 2 == 0 else right).text_area(
                f"{label} (one per line)",
                value="\n".join(getattr(p, field)) if p else "",
                height=100,
            )
        tags = st.text_input("Tags (comma separated)", value=", ".join(p.tags) if p else "")
        primary = st.checkbox(
            "Primary persona (the one to map first)", value=p.is_primary if p else False
        )
        photo = st.file_uploader(
            "Photo (PNG, JPEG, GIF or WebP, up to 2 MB)",
            type=["png", "jpg", "jpeg", "gif", "webp"],
            max_upload_size=2,
        )
        remove_photo = st.checkbox("Remove the photo", value=False) if p and p.photo else False
        submitted = st.form_submit_button("Save persona" if p else "Create persona", type="primary")
    if not submitted:
        return None
    fields = {
        "role": role,
        "quote": quote,
        "background": background,
        **lists,
        "tags": [t for t in tags.split(",")],
        "is_primary": primary,
    }
    if photo is not None:
        fields["photo"] = photo.getvalue()
    elif remove_photo:
        fields["photo"] = None
    if p is None:
        ok, saved = attempt(store.add_persona, workspace_id, name, created_by=user, **fields)
    else:
        ok, saved = attempt(store.update_persona, p.id, p.version, name=name, **fields)
    if ok:
        shell.flash(f"Saved {saved.name}.")
    return saved


def render_compare(personas: list[Persona]) -> None:
    """2-4 personas side by side, row by row, so differences line up."""
    columns = st.columns(len(personas), border=True)
    for column, persona in zip(columns, personas, strict=True):
        with column:
            render_card(persona, full=False)
    for field, label in (("background", "Background"), *LIST_FIELDS, ("tags", "Tags")):
        st.markdown(f"**{label}**")
        columns = st.columns(len(personas))
        for column, persona in zip(columns, personas, strict=True):
            value = getattr(persona, field)
            with column:
                if isinstance(value, tuple):
                    st.markdown("\n".join(f"- {md_escape(v)}" for v in value) or "—")
                else:
                    st.text(value or "—")


def render_library_card(store: Store, workspace_id: str, persona: Persona, user: str) -> None:
    """A persona card with its actions: edit, duplicate, delete (asking when maps use it)."""
    key = f"persona:{persona.id}"
    state = st.session_state
    render_card(persona)
    edit, copy, delete = st.columns(3)
    if edit.button("Edit", key=f"{key}:edit", icon=":material/edit:"):
        state[KEY_EDITING] = persona.id
    if copy.button("Copy", key=f"{key}:copy", icon=":material/content_copy:", help="Duplicate"):
        if attempt(store.duplicate_persona, persona.id, created_by=user)[0]:
            shell.flash(f"Duplicated {persona.name}.")
            st.rerun()
    if delete.button("Delete", key=f"{key}:delete", icon=":material/delete:"):
        state[KEY_DELETING] = persona.id
    if state.get(KEY_DELETING) == persona.id:
        used = store.maps_using_persona(persona.id)
        if used:
            st.warning(
                f"{len(used)} map(s) follow this persona: "
                f"{md_escape(', '.join(m.title for m in used))}. "
                "They keep their notes and lose the persona."
            )
        yes, no = st.columns(2)
        if yes.button("Delete it", key=f"{key}:yes", type="primary"):
            state.pop(KEY_DELETING)
            if attempt(store.delete_persona, persona.id, persona.version)[0]:
                shell.flash(f"Deleted {persona.name}.", icon=":material/delete:")
                st.rerun()
        if no.button("Keep it", key=f"{key}:no"):
            state.pop(KEY_DELETING)
            st.rerun()
    if state.get(KEY_EDITING) == persona.id:
        if render_form(store, workspace_id, user, persona, key=f"{key}:form"):
            state.pop(KEY_EDITING)
            st.rerun()
        if st.button("Close the editor", key=f"{key}:close"):
            state.pop(KEY_EDITING)
            st.rerun()
