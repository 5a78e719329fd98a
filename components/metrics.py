"""Funnel, paths and retention views over a saved dataset, cached by its fingerprint.

The prepared arrays are kept per dataset (`cache_resource`: one copy per server);
every answer is cached by the dataset's fingerprint and the question
(`cache_data`), so a rerun of the page never recomputes anything.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from components.charts import over_time_chart, time_histogram
from components.feedback import attempt
from journeymap import Dataset, DatasetKind, Store
from journeymap.analytics import (
    Prepared,
    conversion_over_time,
    funnel,
    paths,
    prepare,
    retention,
)
from journeymap.analytics.funnels import ORDERS
from journeymap.analytics.stats import duration
from journeymap.csvsafe import to_csv_bytes

UNITS = {"minutes": 60, "hours": 3600, "days": 86_400}
PROPERTIES = ("channel", "device", "country", "source", "campaign", "os", "browser")


@st.cache_resource(max_entries=4, show_spinner="Preparing the dataset...")
def prepared_dataset(_store: Store, dataset_id: str, fingerprint: str) -> Prepared:
    return prepare(_store.read_dataset(_store.get_dataset(dataset_id)))


# Answers are cached as resources, not data: st.cache_data pickles a result on every hit,
# and a funnel over 10 M events carries ~100 MB of per-person arrays. They are read-only.
@st.cache_resource(max_entries=64, show_spinner="Counting...")
def _funnel(_data: Prepared, fingerprint: str, steps: tuple, options: tuple):
    return funnel(_data, list(steps), **dict(options))


@st.cache_resource(max_entries=64, show_spinner="Counting...")
def _over_time(_data: Prepared, fingerprint: str, steps: tuple, options: tuple):
    return conversion_over_time(_data, list(steps), **dict(options))


@st.cache_resource(max_entries=32, show_spinner="Following the paths...")
def _paths(_data: Prepared, fingerprint: str, options: tuple):
    return paths(_data, **dict(options))


@st.cache_resource(max_entries=32, show_spinner="Counting cohorts...")
def _retention(_data: Prepared, fingerprint: str, options: tuple):
    return retention(_data, **dict(options))


def pick_dataset(store: Store, datasets: list[Dataset], key: str) -> Prepared | None:
    events = [d for d in datasets if d.kind is DatasetKind.EVENTS]
    if not events:
        st.info("Upload an event log first (Datasets tab).", icon=":material/database:")
        return None
    names = {d.id: d for d in events}
    chosen = st.selectbox("Dataset", list(names), format_func=lambda i: names[i].name, key=key)
    dataset = names[chosen]
    ok, data = attempt(prepared_dataset, store, dataset.id, dataset.fingerprint)
    return data if ok else None


def render_funnel(data: Prepared) -> None:
    names = list(data.event_names)
    steps = st.multiselect(
        "Steps, in order",
        names,
        default=_default_steps(names),
        key="funnel:steps",
        help="Pick the events of the journey in the order people should do them.",
    )
    left, middle, right = st.columns(3)
    amount = left.number_input("Conversion window", 1, 10_000, 14, key="funnel:window")
    unit = left.selectbox("Unit", list(UNITS), index=2, key="funnel:unit")
    order = middle.selectbox(
        "Step order",
        list(ORDERS),
        key="funnel:order",
        help="ordered: later steps after earlier ones, other events in between are fine; "
        "strict: each step is the very next event; unordered: any order.",
    )
    breakdown = middle.selectbox(
        "Break down by", [None, *[p for p in PROPERTIES if p in data.events]],
        format_func=lambda p: "nothing" if p is None else p, key="funnel:breakdown",
    )  # fmt: skip
    span = _span(data)
    dates = right.date_input(
        "Dates", value=span, min_value=span[0], max_value=span[1], key="funnel:dates"
    )
    if len(steps) < 2:
        st.info("Pick at least two steps.", icon=":material/filter_alt:")
        return
    window = amount * UNITS[unit]
    options = (
        ("window", window),
        ("order", order),
        *_dates(dates),
        *_exclusion(names, steps, order),
    )
    asked = options
    if breakdown:
        asked += (("breakdown", breakdown), *_attribution(steps))
    ok, result = attempt(_funnel, data, data.fingerprint, tuple(steps), asked)
    if not ok:
        return
    frame = result.to_frame()
    st.altair_chart(funnel_chart(frame), use_container_width=True)
    st.dataframe(_readable(frame), hide_index=True)
    st.download_button(
        "Download the steps (CSV)",
        to_csv_bytes(frame),
        file_name="funnel.csv",
        mime="text/csv",
        on_click="ignore",
        key="funnel:csv",
    )
    who = st.selectbox(
        "Who are they?", range(1, len(steps)), format_func=lambda k: f"Step {k + 1}: {steps[k]}",
        key="funnel:who",
    )  # fmt: skip
    reached, dropped = sorted(result.steps[who].users), sorted(result.steps[who].dropped)
    left, right = st.columns(2)
    for column, people, verb in ((left, reached, "reached"), (right, dropped, "dropped before")):
        column.download_button(
            f"The {len(people):,} people who {verb} {steps[who]} (CSV)",
            to_csv_bytes(pd.DataFrame({"actor_id": people})),
            file_name=f"{verb.replace(' ', '_')}_{steps[who]}.csv",
            mime="text/csv",
            on_click="ignore",
            key=f"funnel:{verb}",
            icon=":material/download:",
        )
    if result.breakdown:
        st.markdown(f"**By {breakdown}**")
        rows = [
            {
                "value": value or "(none)",
                **{
                    f"{i + 1}. {s}": c for i, (s, c) in enumerate(zip(steps, r.counts, strict=True))
                },
            }
            for value, r in result.breakdown.items()
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True)
    pair = st.select_slider(
        "Time to convert between",
        options=list(range(len(steps))),
        value=(0, len(steps) - 1),
        format_func=lambda k: f"{k + 1}. {steps[k]}",
        key="funnel:between",
    )
    a, b = sorted(pair)
    times = result.conversion_times(a, b) / 3600 if a < b else []
    if len(times):
        st.markdown(f"**Time from {steps[a]} to {steps[b]}** (hours, {len(times):,} people)")
        st.altair_chart(time_histogram(times), use_container_width=True)
    period = st.segmented_control(
        "Conversion over time, per", ["day", "week", "month"], default="week", key="funnel:period"
    )
    ok, over = attempt(
        _over_time, data, data.fingerprint, tuple(steps), (*options, ("period", period or "week"))
    )
    if ok and len(over):
        st.download_button(
            "Download conversion over time (CSV)",
            to_csv_bytes(over),
            file_name="conversion_over_time.csv",
            mime="text/csv",
            on_click="ignore",
            key="funnel:over_time_csv",
        )
        st.altair_chart(over_time_chart(over), use_container_width=True)


def _exclusion(names: list[str], steps: list[str], order: str) -> tuple:
    """An optional exclusion step: people who did this in between do not count."""
    with st.expander("Exclude people who did an event in between", icon=":material/block:"):
        event = st.selectbox(
            "Event", [None, *names], format_func=lambda e: "no exclusion" if e is None else e,
            key="funnel:exclude",
        )  # fmt: skip
        span = (0, len(steps) - 1)
        if order != "unordered" and len(steps) > 2:
            span = st.select_slider(
                "Between steps", options=list(range(len(steps))), value=span,
                format_func=lambda k: f"{k + 1}. {steps[k]}", key="funnel:exclude_span",
            )  # fmt: skip
        st.caption(
            "An attempt with this event strictly between the two steps does not count; a "
            "person whose furthest attempts all have it leaves the funnel."
        )
    if event is None or span[0] >= span[1]:
        return ()
    return (("exclusions", ((event, span[0], span[1]),)),)


def _attribution(steps: list[str]) -> tuple:
    choices = ["first_touch", "last_touch", *[f"step:{k}" for k in range(len(steps))]]
    chosen = st.selectbox(
        "Value of a person",
        choices,
        format_func=lambda c: (
            c.replace("_", " ")
            if not c.startswith("step:")
            else f"at step {int(c[5:]) + 1} ({steps[int(c[5:])]})"
        ),
        key="funnel:attribution",
        help="first touch: the value on their first funnel event; last touch: on their last; "
        "at a step: on the event of that step (a person can count under several values).",
    )
    if chosen.startswith("step:"):
        return (("attribution", "step"), ("attribution_step", int(chosen[5:])))
    return (("attribution", chosen),)


def funnel_chart(frame: pd.DataFrame) -> alt.Chart:
    """Bars of people per step, with the drop-off stacked above in a lighter tone."""
    long = pd.concat(
        [
            frame.assign(part="reached", people=frame["users"]),
            frame.assign(part="dropped here", people=frame["dropped"]),
        ]
    )
    long["label"] = long["step"].astype(str) + ". " + long["event"]
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            alt.X("label:N", sort=None, title=None),
            alt.Y("people:Q", title="people"),
            alt.Color(
                "part:N",
                scale=alt.Scale(domain=["reached", "dropped here"], range=["#e4572e", "#f3c5b8"]),
                title=None,
            ),
            alt.Order("part:N", sort="descending"),
            tooltip=["label:N", "part:N", "people:Q"],
        )
    )


def render_paths(data: Prepared) -> None:
    names = list(data.event_names)
    left, right = st.columns(2)
    anchor = left.radio("Anchor", ["start", "end", "none"], horizontal=True, key="paths:anchor")
    event = right.selectbox("Event", names, key="paths:event", disabled=anchor == "none")
    options = (("steps", 5), ("top", 20))
    if anchor != "none":
        options += ((anchor, event),)
    ok, result = attempt(_paths, data, data.fingerprint, options)
    if ok:
        st.caption(f"{result.paths:,} sessions; sessions split after 30 minutes without events.")
        st.dataframe(result.edges, hide_index=True)
        st.download_button(
            "Download the transitions (CSV)",
            to_csv_bytes(result.edges),
            file_name="paths.csv",
            mime="text/csv",
            on_click="ignore",
            key="paths:csv",
        )


def render_retention(data: Prepared) -> None:
    names = list(data.event_names)
    a, b, c, d = st.columns(4)
    start = a.selectbox(
        "People who did", names, index=_index(names, "first_visit"), key="ret:start"
    )
    back = b.selectbox("and came back to", names, index=_index(names, "page_view"), key="ret:back")
    period = c.selectbox("Period", ["day", "week", "month"], index=1, key="ret:period")
    mode = d.selectbox(
        "Counted", ["on", "on_or_after"], format_func=lambda m: m.replace("_", " "), key="ret:mode"
    )
    options = (("start_event", start), ("return_event", back), ("period", period), ("mode", mode))
    ok, result = attempt(_retention, data, data.fingerprint, options)
    if not ok or result.table.empty:
        return
    shares = result.rates()
    shares.index = shares.index.strftime("%Y-%m-%d")
    shares = shares.reset_index().melt(id_vars="cohort", var_name="period", value_name="share")
    st.altair_chart(
        alt.Chart(shares)
        .mark_rect()
        .encode(
            alt.X("period:O", title=f"{period}s later"),
            alt.Y("cohort:O", title="cohort"),
            alt.Color("share:Q", scale=alt.Scale(scheme="oranges"), legend=alt.Legend(format="%")),
            tooltip=["cohort:O", "period:O", alt.Tooltip("share:Q", format=".1%")],
        ),
        use_container_width=True,
    )
    curve = result.curve.copy()
    curve["churn"] = [None, *result.churn]
    for column in ("rate", "low", "high", "churn"):
        curve[column] = curve[column].map(lambda v: None if v is None or v != v else f"{v:.1%}")
    st.dataframe(curve, hide_index=True)
    st.download_button(
        "Download the cohort table (CSV)",
        to_csv_bytes(result.table, index=True),
        file_name="retention.csv",
        mime="text/csv",
        on_click="ignore",
        key="ret:csv",
    )


def _readable(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in ("% of first step", "95% low", "95% high", "% of previous step", "drop-off %"):
        out[column] = out[column].map(lambda v: None if v is None or v != v else f"{v:.1%}")
    for column in ("average time (s)", "median time (s)"):
        out[column.replace(" (s)", "")] = out.pop(column).map(duration)
    return out


def _default_steps(names: list[str]) -> list[str]:
    usual = (
        "first_visit",
        "view_item",
        "view_pricing",
        "add_to_cart",
        "sign_up",
        "begin_checkout",
        "start_trial",
        "purchase",
    )
    return [n for n in usual if n in names][:5]


def _span(data: Prepared):
    first = pd.Timestamp(int(data.ts.min()), unit="us", tz="UTC").date()
    last = pd.Timestamp(int(data.ts.max()), unit="us", tz="UTC").date()
    return first, last


def _dates(dates) -> tuple:
    if isinstance(dates, tuple) and len(dates) == 2:
        return (("date_from", dates[0]), ("date_to", dates[1]))
    return ()


def _index(names: list[str], wanted: str) -> int:
    return names.index(wanted) if wanted in names else 0
