"""One stage, in detail: its funnel step, time to reach it, who by channel and device,
its conversion over time, and the people who dropped before it (downloadable)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.charts import over_time_chart, time_histogram
from components.feedback import attempt
from components.stage_metrics import DataView, stage_lines
from components.text import md_escape
from journeymap import MapBoard
from journeymap.analytics import conversion_over_time
from journeymap.analytics.stages import stage_breakdowns
from journeymap.analytics.stats import duration
from journeymap.analytics.tables import stage_key
from journeymap.csvsafe import to_csv_bytes

KEY_STAGE = "stage:open"  # the stage whose detail dialog is open


def open_stage(stage_id: str) -> None:
    st.session_state[KEY_STAGE] = stage_id


def _close() -> None:
    st.session_state.pop(KEY_STAGE, None)


def render_stage_detail(board: MapBoard, view: DataView | None) -> None:
    """The dialog, when a stage header was clicked on the wall."""
    stage = board.stage(st.session_state.get(KEY_STAGE) or "")
    if stage is not None:
        _dialog(board, view, stage.id)


@st.cache_resource(max_entries=32, show_spinner="Breaking the stage down...")
def _breakdowns(_view: DataView, fingerprint: str, question: str, step: int) -> dict:
    """Per property: people at the previous stage by value, and how many reached this one."""
    d = _view.scoped()
    steps = [m for _, _, m in _view.stages if m is not None][: step + 1]
    out = stage_breakdowns(d, steps, step, window=_view.window)
    if step:
        over = conversion_over_time(d, steps[step - 1 : step + 1], window=_view.window)
    else:
        over = pd.DataFrame()
    return {"tables": out, "over_time": over}


@st.dialog("Stage in detail", width="large", on_dismiss=_close)
def _dialog(board: MapBoard, view: DataView | None, stage_id: str) -> None:
    stage = board.stage(stage_id)
    st.subheader(md_escape(stage.name), anchor=False)
    if view is None:
        st.info("Pick the dataset this map is measured on to see this stage's numbers.")
        return
    numbers = view.numbers.stages.get(stage_id)
    survey = view.surveys.get(stage_key(stage.name))
    st.caption(md_escape(view.source))
    if numbers is None:
        st.info("This stage is not bound to data: use **Bind to data** above the wall.")
        for line in stage_lines(None, survey):
            st.text(line)
        return
    rule = next(m for key, _, m in view.stages if key == stage_id)
    st.text(f"Reached when someone does: {rule.name()}")
    step = numbers.step
    result = view.numbers.funnel
    bound = view.numbers.bound
    previous = bound[step - 1].name if step else None
    a, b, c, e = st.columns(4)
    a.metric("People", f"{numbers.reached:,}")
    if numbers.from_previous is not None:
        low, high = numbers.from_previous.interval or (0, 0)
        b.metric(f"From {md_escape(previous)}", f"{100 * numbers.from_previous.value:.1f}%",
                 help=f"95% interval {100 * low:.1f}-{100 * high:.1f}%, "
                 f"n = {numbers.from_previous.n:,}")  # fmt: skip
        c.metric("Dropped", f"{numbers.dropoff:,}")
    e.metric("Median time to next", duration(numbers.median_to_next) or "-")
    for line in stage_lines(numbers, survey, flow=False):
        st.text(line)
    if step:
        hours = result.conversion_times(step - 1, step) / 3600
        if len(hours):
            st.markdown(f"**Time from {md_escape(previous)} to {md_escape(stage.name)}** "
                        f"({len(hours):,} people)")  # fmt: skip
            st.altair_chart(time_histogram(hours), width="stretch")
    ok, detail = attempt(_breakdowns, view, view.dataset.fingerprint, view.question(), step)
    if ok:
        for column, table in detail["tables"].items():
            st.markdown(f"**By {column}**" + (f", from {md_escape(previous)}" if step else ""))
            st.dataframe(table, hide_index=True, column_config={
                "conversion": st.column_config.NumberColumn(format="percent"),
                "95% low": st.column_config.NumberColumn(format="percent"),
                "95% high": st.column_config.NumberColumn(format="percent"),
            })  # fmt: skip
        if len(detail["over_time"]):
            st.markdown(
                f"**Conversion from {md_escape(previous)} over time** (week of reaching it)"
            )
            st.altair_chart(over_time_chart(detail["over_time"]), width="stretch")
    if step:
        dropped = sorted(result.steps[step].dropped)
        st.download_button(
            md_escape(
                f"The {len(dropped):,} people who reached {previous} but not {stage.name} (CSV)"
            ),
            to_csv_bytes(pd.DataFrame({"actor_id": dropped})),
            file_name="dropped.csv",
            mime="text/csv",
            on_click="ignore",
            icon=":material/download:",
            key=f"stage:{stage_id}:dropped",
        )
