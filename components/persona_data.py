"""Personas as data: who a persona is in the event data (a segment), and the personas'
funnels side by side on a map's bound stages."""

from __future__ import annotations

import json
from datetime import timedelta

import altair as alt
import pandas as pd
import streamlit as st

from components import shell
from components.feedback import attempt
from components.metrics import prepared_dataset
from components.text import md_escape
from journeymap import DatasetKind, Persona, Store
from journeymap.analytics.segments import Match
from journeymap.analytics.stages import DEFAULT_WINDOW, from_bindings, stage_numbers
from journeymap.rules import MATCH_OPERATORS

ROWS = 3  # conditions the editor offers
COLUMNS = ("device", "channel", "source", "medium", "campaign", "country", "os", "browser", "page")


def segment_text(persona: Persona) -> str:
    if not persona.segment:
        return "Everyone (no segment)"
    return Match.from_dict(persona.segment).name().replace("any event where ", "")


def render_segment_editor(store: Store, persona: Persona, user: str, *, key: str) -> None:
    """Who the persona is in the data: people with an event on which every condition holds."""
    where = list((persona.segment or {}).get("where") or [])
    with st.form(key, border=False):
        st.caption(
            "People who have at least one event on which every condition holds, e.g. device "
            "is mobile and channel is Paid Social. Values: separate several with commas."
        )
        rows = []
        for i in range(ROWS):
            old = where[i] if i < len(where) else {}
            column, op, values = st.columns([2, 1.4, 3])
            options = ["", *dict.fromkeys([*COLUMNS, old.get("column", "")])]
            rows.append((
                column.selectbox("Column", options, index=options.index(old.get("column", "")),
                                 key=f"{key}:{i}:column", format_func=lambda c: c or "(none)",
                                 accept_new_options=True),
                op.selectbox("Operator", MATCH_OPERATORS, key=f"{key}:{i}:op",
                             index=MATCH_OPERATORS.index(old.get("op", "is"))),
                values.text_input("Values", ", ".join(old.get("values", [])), key=f"{key}:{i}:v"),
            ))  # fmt: skip
        if st.form_submit_button("Save the segment", type="primary"):
            conditions = [
                {"column": c, "op": o, "values": [v.strip() for v in text.split(",") if v.strip()]}
                for c, o, text in rows
                if c and text.strip()
            ]
            segment = {"events": [], "where": conditions} if conditions else None
            ok, _ = attempt(store.update_persona, persona.id, persona.version, segment=segment)
            if ok:
                shell.flash(f"Saved the segment of {persona.name}.")
                st.rerun()


@st.cache_resource(max_entries=16, show_spinner="Counting each persona's journey...")
def _compare(_data, fingerprint: str, question: str) -> pd.DataFrame:
    asked = json.loads(question)
    stages = [(k, n, Match.from_dict(m) if m else None) for k, n, m in asked["stages"]]
    rows = []
    for name, segment in asked["personas"]:
        numbers = stage_numbers(_data, stages, segment=Match.from_dict(segment) if segment else None,
                                window=timedelta(seconds=asked["window"]))  # fmt: skip
        for n in numbers.bound:
            interval = n.from_previous.interval if n.from_previous else None
            low, high = interval or (None, None)
            rows.append({"persona": name, "step": n.step, "stage": n.name, "people": n.reached,
                         "% of first stage": n.from_start.value,
                         "% of previous": n.from_previous.value if n.from_previous else None,
                         "95% low": low, "95% high": high})  # fmt: skip
    return pd.DataFrame(rows)


def render_persona_funnels(store: Store, workspace_id: str, personas: list[Persona]) -> None:
    """The chosen personas' journeys through one map's bound stages, side by side."""
    maps = [m for m in store.list_maps(workspace_id) if m.dataset_id]
    events = {d.id: d for d in store.list_datasets(workspace_id) if d.kind is DatasetKind.EVENTS}
    maps = [m for m in maps if m.dataset_id in events]
    st.markdown("**Their journeys in the data**")
    if not maps:
        st.caption("Bind a map to an event dataset (Journey map page) to compare funnels here.")
        return
    titles = {m.id: m.title for m in maps}
    map_id = st.selectbox("Map", list(titles), format_func=titles.get, key="persona:funnel_map")
    journey = next(m for m in maps if m.id == map_id)
    board = store.load_map(map_id)
    stages, _ = from_bindings(board, store.list_bindings(map_id))
    dataset = events[journey.dataset_id]
    ok, data = attempt(prepared_dataset, store, dataset.id, dataset.fingerprint)
    if not ok:
        return
    question = json.dumps({
        "stages": [(k, n, m.to_dict() if m else None) for k, n, m in stages],
        "personas": [("Everyone", None)] + [(p.name, p.segment) for p in personas],
        "window": timedelta(days=journey.window_days or DEFAULT_WINDOW.days).total_seconds(),
    })  # fmt: skip
    ok, table = attempt(_compare, data, dataset.fingerprint, question)
    if not ok or table.empty:
        st.caption("No stage of this map is bound to data yet.")
        return
    missing = [p.name for p in personas if not p.segment]
    if missing:
        st.caption(f"No segment yet (so: everyone): {md_escape(', '.join(missing))}.")
    order = list(dict.fromkeys(table["stage"]))
    chart = (
        alt.Chart(table)
        .mark_line(point=True)
        .encode(
            alt.X("stage:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
            alt.Y("% of first stage:Q", axis=alt.Axis(format="%")),
            alt.Color("persona:N"),
            tooltip=["persona", "stage", "people", alt.Tooltip("% of first stage:Q", format=".1%")],
        )
        .properties(height=260)
    )
    st.altair_chart(chart, width="stretch")
    wide = table.pivot_table(index=["step", "stage"], columns="persona", values="people",
                             sort=False).reset_index(level=0, drop=True)  # fmt: skip
    st.dataframe(wide)
    st.dataframe(table.drop(columns="step"), hide_index=True, column_config={
        c: st.column_config.NumberColumn(format="percent")
        for c in ("% of first stage", "% of previous", "95% low", "95% high")
    })  # fmt: skip
