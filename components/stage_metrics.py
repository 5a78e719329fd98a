"""The map meets the data: which dataset, range and persona the wall is measured on,
and the numbers each stage header and bound touchpoint shows.

The dataset and the conversion window are the map's (everyone in the room sees the
same numbers); the date range and the persona are this viewer's choice. Numbers are
cached by the dataset's fingerprint and the question, so a rerun never recounts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from components.bindings import KEY_BINDING, render_bindings_editor
from components.feedback import attempt
from components.metrics import prepared_dataset
from journeymap import Binding, Dataset, DatasetKind, MapBoard, Persona, Store
from journeymap.analytics.prepare import Prepared
from journeymap.analytics.segments import Match
from journeymap.analytics.stages import (
    DEFAULT_WINDOW,
    JourneyNumbers,
    StageNumbers,
    TouchpointNumbers,
    from_bindings,
    stage_numbers,
    subset,
)
from journeymap.analytics.stats import duration
from journeymap.analytics.tables import SurveyScore, stage_key, survey_by_stage

EVERYONE = "everyone"


@dataclass(frozen=True)
class DataView:
    """What the wall is measured on, and the numbers."""

    dataset: Dataset
    data: Prepared
    date_from: date | None
    date_to: date | None
    persona: Persona | None
    window: timedelta
    bindings: tuple[Binding, ...]
    stages: tuple  # (stage id, name, Match or None)
    touchpoints: tuple  # (note id, stage id, Match)
    numbers: JourneyNumbers
    surveys: dict[str, SurveyScore]

    @property
    def segment(self) -> Match | None:
        return (
            Match.from_dict(self.persona.segment) if self.persona and self.persona.segment else None
        )

    @property
    def source(self) -> str:
        """The dataset, range and persona in one phrase: what every number rests on."""
        span = f"{self.date_from:%d %b %Y} to {self.date_to:%d %b %Y}" if self.date_from else ""
        who = f", persona {self.persona.name}" if self.persona else ""
        return f"{self.dataset.name}, {span}{who}".replace(", ,", ",")

    def scope(self) -> str:
        """The people and events the numbers rest on (persona, range), as text."""
        return json.dumps(
            {"segment": self.segment.to_dict() if self.segment else None,
             "range": [str(self.date_from), str(self.date_to)]},
            sort_keys=True,
        )  # fmt: skip

    def scoped(self) -> Prepared:
        """The dataset cut to the persona's people and the date range, kept for reuse (the
        stages, the graph, the detail and the strategies all ask the same cut)."""
        return _scoped(self, self.dataset.fingerprint, self.scope())

    def question(self) -> str:
        """The numbers' cache key: everything they depend on, as text."""
        return json.dumps(
            {
                "stages": [(k, n, m.to_dict() if m else None) for k, n, m in self.stages],
                "touchpoints": [(k, s, m.to_dict()) for k, s, m in self.touchpoints],
                "window": self.window.total_seconds(),
                "scope": self.scope(),
            },
            sort_keys=True,
        )


@st.cache_resource(max_entries=4, show_spinner=False)
def _scoped(_view: DataView, fingerprint: str, scope: str) -> Prepared:
    return subset(_view.data, _view.segment, _view.date_from, _view.date_to)


@st.cache_resource(max_entries=64, show_spinner="Measuring the stages...")
def _numbers(_view: DataView, fingerprint: str, question: str) -> JourneyNumbers:
    return stage_numbers(
        _view.scoped(), list(_view.stages), touchpoints=list(_view.touchpoints),
        window=_view.window,
    )  # fmt: skip


@st.cache_resource(max_entries=16, show_spinner=False)
def _surveys(_store: Store, fingerprints: tuple[str, ...], ids: tuple[str, ...]) -> dict:
    frames = [_store.read_dataset(_store.get_dataset(i)) for i in ids]
    return survey_by_stage(pd.concat(frames, ignore_index=True)) if frames else {}


def render_data_bar(
    store: Store, board: MapBoard, personas: list[Persona], user: str
) -> DataView | None:
    """The dataset, dates and persona the wall is measured on; None when there is no data."""
    journey = board.map
    datasets = store.list_datasets(journey.workspace_id)
    events = {d.id: d for d in datasets if d.kind is DatasetKind.EVENTS}
    if not events:
        st.caption(
            ":material/query_stats: Upload an event log on **Analytics data** to see real "
            "numbers on every stage."
        )
        return None
    pick, dates, persona_box, window_box, bind = st.columns(
        [3, 2.4, 2, 1.3, 1.6], vertical_alignment="bottom"
    )
    options = [None, *events]
    current = journey.dataset_id if journey.dataset_id in events else None
    chosen = pick.selectbox(
        "Measured on",
        options,
        index=options.index(current),
        format_func=lambda i: events[i].name if i else "No dataset: no numbers",
        key=f"data:{journey.id}:dataset:{current}",
        help="The map's event dataset: everyone on this map sees numbers from it.",
    )
    if chosen != current:
        ok, _ = attempt(store.update_map, journey.id, journey.version, dataset_id=chosen, by=user)
        if ok:
            st.rerun()
    days = journey.window_days or DEFAULT_WINDOW.days
    window = window_box.number_input(
        "Window (days)",
        min_value=1,
        max_value=365,
        value=days,
        key=f"data:{journey.id}:window:{days}",
        help="How long people have to go from one stage to the next (the funnel's "
        "conversion window); the map's setting, shared by everyone.",
    )
    if window != days:
        ok, _ = attempt(store.update_map, journey.id, journey.version, window_days=int(window),
                        by=user)  # fmt: skip
        if ok:
            st.rerun()
    if bind.button("Bind to data", icon=":material/link:", width="stretch",
                   disabled=chosen is None, key=f"data:{journey.id}:bind"):  # fmt: skip
        st.session_state[KEY_BINDING] = journey.id
    if chosen is None:
        st.caption("Pick the dataset this map is measured on to see numbers on its stages.")
        return None
    dataset = events[chosen]
    ok, data = attempt(prepared_dataset, store, dataset.id, dataset.fingerprint)
    if not ok:
        return None
    first = dataset.time_from.date() if dataset.time_from else None
    last = dataset.time_to.date() if dataset.time_to else None
    span = dates.date_input(
        "Dates",
        value=(first, last) if first else (),
        min_value=first,
        max_value=last,
        key=f"data:{journey.id}:{dataset.id}:range",
    )
    date_from, date_to = (span[0], span[1]) if len(span) == 2 else (first, last)
    segmented = {p.id: p for p in personas if p.segment}
    persona_id = persona_box.selectbox(
        "People",
        [EVERYONE, *segmented],
        format_func=lambda i: "Everyone" if i == EVERYONE else f"Persona: {segmented[i].name}",
        key=f"data:{journey.id}:persona",
        help="Show the numbers of one persona's people (its segment, set on Personas).",
    )
    view = build_view(store, board, dataset, data, datasets, date_from, date_to,
                      segmented.get(persona_id), int(window))  # fmt: skip
    bound = len(view.numbers.stages)
    st.caption(
        f":material/query_stats: {view.numbers.people:,} people in {view.source}; "
        f"{bound} of {len(board.stages)} stages bound, stage to stage within {int(window)} days."
    )
    render_bindings_editor(store, board, view, user)  # when "Bind to data" asked for it
    return view


def build_view(
    store, board, dataset, data, datasets, date_from, date_to, persona, days
) -> DataView:
    """The numbers of a map on a dataset, a range and a persona (cached)."""
    bindings = tuple(store.list_bindings(board.map.id))
    stages, touchpoints = from_bindings(board, bindings)
    view = DataView(
        dataset=dataset,
        data=data,
        date_from=date_from,
        date_to=date_to,
        persona=persona,
        window=timedelta(days=days),
        bindings=bindings,
        stages=tuple(stages),
        touchpoints=tuple(touchpoints),
        numbers=None,  # filled below, from the cache
        surveys={},
    )
    surveys = [d for d in datasets if d.kind is DatasetKind.SURVEY]
    return replace(
        view,
        numbers=_numbers(view, dataset.fingerprint, view.question()),
        surveys=_surveys(
            store, tuple(d.fingerprint for d in surveys), tuple(d.id for d in surveys)
        ),
    )


def map_view(store: Store, board: MapBoard) -> DataView | None:
    """The map on its own dataset, whole range, everyone: what snapshots and exports keep."""
    datasets = store.list_datasets(board.map.workspace_id)
    dataset = next((d for d in datasets if d.id == board.map.dataset_id), None)
    if dataset is None or dataset.kind is not DatasetKind.EVENTS:
        return None
    ok, data = attempt(prepared_dataset, store, dataset.id, dataset.fingerprint)
    if not ok:
        return None
    first = dataset.time_from.date() if dataset.time_from else None
    last = dataset.time_to.date() if dataset.time_to else None
    days = board.map.window_days or DEFAULT_WINDOW.days
    return build_view(store, board, dataset, data, datasets, first, last, None, days)


def stage_lines(
    n: StageNumbers | None, survey: SurveyScore | None, *, flow: bool = True
) -> list[str]:
    """The lines a stage header shows, as plain text; without `flow`, only who they are
    (channels, devices, switching, survey), not how many moved on."""
    lines: list[str] = []
    if n is not None and flow:
        lines.append(f"{n.reached:,} {'person' if n.reached == 1 else 'people'}")
        if n.from_previous is not None and n.from_previous.n:
            low, high = n.from_previous.interval
            lines.append(
                f"{_pct(n.from_previous.value)} from previous ({_pct(low)}-{_pct(high)}), "
                f"{n.dropoff:,} lost"
            )
        if n.median_to_next is not None:
            lines.append(f"{duration(n.median_to_next)} to next (median)")
    if n is not None:
        if n.top_channel is not None:
            lines.append(f"Top channel: {n.top_channel.value} {_pct(n.top_channel.share)}")
        if n.devices:
            lines.append(" · ".join(f"{d.value} {_pct(d.share)}" for d in n.devices))
        if n.switch is not None and n.switch.share.n:
            text = f"Switched device: {_pct(n.switch.share.value)}"
            if n.switch.switched and n.switch.switched.n and n.switch.stayed.n:
                text += (
                    f" (they move on {_pct(n.switch.switched.value)} vs "
                    f"{_pct(n.switch.stayed.value)})"
                )
            lines.append(text)
    if survey is not None:
        if survey.nps is not None:
            lines.append(f"NPS {survey.nps:+.0f} (n={survey.nps_n})")
        if survey.csat is not None:
            lines.append(f"CSAT {survey.csat:.1f}/5 (n={survey.csat_n})")
    return lines


def touchpoint_line(mark: TouchpointNumbers) -> str:
    text = f"{mark.users:,} {'person' if mark.users == 1 else 'people'} used it"
    if mark.used is not None and mark.used.n and mark.not_used.n:
        text += f"; move on {_pct(mark.used.value)} vs {_pct(mark.not_used.value)} without"
    return text


def annotations(view: DataView | None, board: MapBoard) -> tuple[dict, dict]:
    """Per stage id {lines, worst, bound}, per note id a line: what the wall shows."""
    if view is None:
        return {}, {}
    stages = {}
    for stage in board.stages:
        n = view.numbers.stages.get(stage.id)
        survey = view.surveys.get(stage_key(stage.name))
        lines = stage_lines(n, survey)
        if n is None and view.dataset is not None:
            lines.insert(0, "Not bound to data")
        stages[stage.id] = {"lines": lines, "worst": bool(n and n.worst), "bound": n is not None}
    notes = {key: touchpoint_line(mark) for key, mark in view.numbers.touchpoints.items()}
    return stages, notes


def emotion_and_conversion(board: MapBoard, view: DataView | None, emotions: pd.DataFrame):
    """The emotion curve with the measured conversion per stage (two scales), or None."""
    if view is None or not view.numbers.stages:
        return None
    names = [s.name for s in board.stages]
    rates = [
        view.numbers.stages[s.id].from_start.value if s.id in view.numbers.stages else None
        for s in board.stages
    ]
    frame = emotions.assign(conversion=rates)
    x = alt.X("stage:N", sort=names, scale=alt.Scale(domain=names), title=None,
              axis=alt.Axis(labelAngle=0))  # fmt: skip
    bars = (
        alt.Chart(frame.dropna(subset=["conversion"]))
        .mark_bar(opacity=0.35, color="#3b82f6")
        .encode(
            x=x,
            y=alt.Y("conversion:Q", title="Reached (% of first stage)",
                    axis=alt.Axis(format="%", orient="right"), scale=alt.Scale(domain=[0, 1])),
            tooltip=[alt.Tooltip("stage:N", title="Stage"),
                     alt.Tooltip("conversion:Q", title="Reached", format=".1%")],
        )
    )  # fmt: skip
    scored = frame.dropna(subset=["score"])
    line = (
        alt.Chart(scored)
        .mark_line(point=True, interpolate="monotone", strokeWidth=3, color="#f59e0b")
        .encode(
            x=x,
            y=alt.Y("score:Q", title="Emotion", scale=alt.Scale(domain=[-2, 2])),
            tooltip=[alt.Tooltip("stage:N", title="Stage"),
                     alt.Tooltip("score:Q", title="Mean emotion", format="+.2f")],
        )
    )  # fmt: skip
    return alt.layer(bars, line).resolve_scale(y="independent").properties(height=190)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"
