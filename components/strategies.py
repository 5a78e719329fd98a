"""Testing new strategies on the journey: experiments, attribution, ROI and what-if."""

from __future__ import annotations

from datetime import timedelta

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from components import shell
from components.feedback import attempt
from components.stage_metrics import DataView
from components.text import md_escape
from journeymap import DatasetKind, LaneKind, MapBoard, Store
from journeymap.analytics.attribution import LABELS, MODELS, AttributionResult, attribute
from journeymap.analytics.experiments import ExperimentResult, experiment
from journeymap.analytics.roi import roi_table, what_if
from journeymap.csvsafe import to_csv_bytes

CREDIT_COLUMNS = ("channel", "campaign", "source", "medium")
MAX_VARIANTS = 50


@st.cache_resource(max_entries=16, show_spinner="Comparing the groups...")
def _experiment(_view: DataView, fingerprint: str, question: str, split: tuple) -> ExperimentResult:
    kind, *args = split
    if kind == "property":
        options = {"column": args[0], "a": args[1], "b": args[2], "share": args[3]}
    else:
        options = {"cut": args[0], "share": args[1]}
    return experiment(_view.scoped(), list(_view.stages), window=_view.window, **options)


@st.cache_resource(max_entries=16, show_spinner="Crediting the conversions...")
def _attribution(
    _view: DataView, fingerprint: str, scope: str, options: tuple
) -> AttributionResult:
    conversion, column, lookback, half_life = options
    return attribute(
        _view.scoped(), conversion, column=column, lookback=timedelta(days=lookback),
        half_life=timedelta(days=half_life),
    )  # fmt: skip


def _key(view: DataView, *parts) -> str:
    return ":".join(["strategy", view.dataset.id, *map(str, parts)])


def render_experiment(store: Store, board: MapBoard, view: DataView, user: str) -> None:
    """A vs B, or before vs after a change, stage by stage."""
    if not view.numbers.stages:
        st.info("Bind the map's stages to data first (Journey map page, Bind to data).")
        return
    how = st.radio(
        "Compare",
        ["A property (A/B test)", "Before and after a date"],
        horizontal=True,
        key=_key(view, "how"),
    )
    if how.startswith("A property"):
        columns = [c for c in view.data.columns if "variant" in c or "experiment" in c]
        columns = columns or [c for c in view.data.columns if c not in ("actor_id", "event", "ts")]
        left, a_box, b_box, share_box = st.columns([2, 1.2, 1.2, 1])
        column = left.selectbox("Property", columns, key=_key(view, "column"))
        _, labels = view.data.column_codes(column)
        counts = view.data.value_counts(column)
        values = [
            str(labels[i]) for i in np.argsort(-counts)[:MAX_VARIANTS] if counts[i] and labels[i]
        ]
        if len(values) < 2:
            st.warning("That property has fewer than two values: pick another one.")
            return
        a = a_box.selectbox(
            "Group A (control)",
            values,
            index=values.index("A") if "A" in values else 0,
            key=_key(view, "a", column),
        )
        b = b_box.selectbox("Group B", [v for v in values if v != a], key=_key(view, "b", column))
        share = share_box.number_input("A's share %", 1, 99, 50, key=_key(view, "share")) / 100
        split = ("property", column, a, b, share)
    else:
        left, share_box = st.columns([3, 1])
        cut = left.date_input(
            "The change shipped on",
            value=view.date_from + (view.date_to - view.date_from) / 2,
            min_value=view.date_from,
            max_value=view.date_to,
            key=_key(view, "cut"),
        )
        share = share_box.number_input("Share before %", 1, 99, 50, key=_key(view, "before")) / 100
        split = ("date", cut, share)
    ok, result = attempt(_experiment, view, view.dataset.fingerprint, view.question(), split)
    if not ok:
        return
    _experiment_result(store, board, view, result, user)


def _experiment_result(store, board, view, result: ExperimentResult, user: str) -> None:
    a_n, b_n = result.people
    st.caption(
        f"{md_escape(result.a_label)}: {a_n:,} people · {md_escape(result.b_label)}: "
        f"{b_n:,} people · {md_escape(view.source)}"
    )
    if result.mismatch:
        st.error(
            f"Sample-ratio mismatch: {a_n:,} against {b_n:,} is very unlikely under the "
            f"intended split (p = {result.srm_p:.2g}). Check the assignment before trusting "
            "any lift.",
            icon=":material/balance:",
        )
    if result.mixed:
        st.warning(f"{result.mixed:,} people were seen in both groups and are left out.")
    tests = result.stages[1:]  # the first stage is everyone's entry: 100 % on both sides
    if any(t.underpowered for t in tests):
        st.warning(
            "Underpowered: some stages would need more people per group to detect the "
            "lift they show (column 'needed per group'). Keep the test running.",
            icon=":material/battery_2_bar:",
        )
    rows = []
    for t in result.stages:
        for label, r in ((result.a_label, t.a), (result.b_label, t.b)):
            low, high = r.interval or (None, None)
            rows.append(
                {"stage": t.name, "group": label, "conversion": r.value, "low": low, "high": high}
            )
    frame = pd.DataFrame(rows)
    order = [t.name for t in result.stages]
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            alt.X("stage:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
            alt.XOffset("group:N"),
            alt.Y("conversion:Q", axis=alt.Axis(format="%"), title="of entrants"),
            alt.Color("group:N"),
            tooltip=["stage", "group", alt.Tooltip("conversion:Q", format=".2%")],
        )
    )
    rules = (
        alt.Chart(frame)
        .mark_rule()
        .encode(
            alt.X("stage:N", sort=order), alt.XOffset("group:N"), alt.Y("low:Q"), alt.Y2("high:Q")
        )
    )
    st.altair_chart((bars + rules).properties(height=260), width="stretch")
    table = result.to_frame()
    table["significant"] = [
        ("yes" if t.significant else "no") if t.p_value is not None else "" for t in result.stages
    ]
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            f"{result.a_label} conversion": st.column_config.NumberColumn(format="percent"),
            f"{result.b_label} conversion": st.column_config.NumberColumn(format="percent"),
            "relative lift": st.column_config.NumberColumn(format="percent"),
            "lift (points)": st.column_config.NumberColumn(format="%+.2f"),
            "p-value": st.column_config.NumberColumn(format="%.3g"),
        },
    )
    st.download_button(
        "Download the results (CSV)",
        to_csv_bytes(table),
        file_name="experiment.csv",
        mime="text/csv",
        on_click="ignore",
        key=_key(view, "csv"),
    )
    _record(store, board, view, result, user)


def _record(store, board: MapBoard, view: DataView, result: ExperimentResult, user: str) -> None:
    lane = next((x for x in board.lanes if x.kind is LaneKind.OPPORTUNITY), None)
    tests = [t for t in result.stages[1:] if t.p_value is not None]
    if lane is None or not tests:
        return
    best = min(tests, key=lambda t: t.p_value)
    names = {t.key: t.name for t in tests}
    stage = st.selectbox(
        "Record the result on the map, at",
        list(names),
        format_func=names.get,
        index=list(names).index(best.key),
        key=_key(view, "record_at"),
    )
    t = next(x for x in tests if x.key == stage)
    verdict = "significant" if t.significant else "not significant"
    text = (
        f"Experiment {result.b_label} vs {result.a_label} at {t.name}: {100 * t.b.value:.1f}% vs "
        f"{100 * t.a.value:.1f}% ({100 * t.lift:+.1f} points"
        + (f", {100 * t.relative_lift:+.0f}%" if t.relative_lift is not None else "")
        + f"; p = {t.p_value:.3g}, {verdict}; n = {t.a.n:,} and {t.b.n:,}"
        + (f"; {t.needed:,} per group needed" if t.needed else "")
        + f"). {view.source}."
    )
    st.text(text)
    if st.button("Add as an opportunity note", icon=":material/add:", key=_key(view, "record")):
        ok, _ = attempt(
            store.add_note, board.map.id, stage_id=stage, lane_id=lane.id, text=text, author=user
        )
        if ok:
            shell.flash("Recorded the experiment on the map.")
            st.rerun()


def render_attribution(view: DataView) -> AttributionResult | None:
    """Conversions and revenue credited per channel by every model, side by side."""
    st.caption(
        "Attribution is associational, not causal: it shares out the conversions that "
        "happened; it does not say what would have happened without a channel."
    )
    names = list(view.data.event_names)
    left, column_box, lookback_box, half_box = st.columns([2, 1.4, 1, 1])
    conversion = left.selectbox(
        "Conversion event",
        names,
        index=names.index("purchase") if "purchase" in names else 0,
        key=_key(view, "conversion"),
    )
    columns = [c for c in CREDIT_COLUMNS if c in view.data.columns]
    if not columns:
        st.info("The dataset has no channel, campaign or source column to credit.")
        return None
    column = column_box.selectbox("Credit", columns, key=_key(view, "credit"))
    lookback = lookback_box.number_input("Lookback (days)", 1, 365, 30, key=_key(view, "lookback"))
    half = half_box.number_input("Half-life (days)", 1, 90, 7, key=_key(view, "half"))
    ok, result = attempt(
        _attribution,
        view,
        view.dataset.fingerprint,
        view.scope(),
        (conversion, column, int(lookback), int(half)),
    )
    if not ok:
        return None
    if not result.conversions:
        st.info("No conversion in the range.")
        return None
    st.caption(f"{result.conversions:,} conversions, {result.revenue:,.2f} revenue.")
    long = result.credit.assign(model=result.credit["model"].map(LABELS))
    st.altair_chart(
        alt.Chart(long)
        .mark_bar()
        .encode(
            alt.Y("value:N", title=None),
            alt.X("conversions:Q", title="conversions credited"),
            alt.Color("model:N", sort=[LABELS[m] for m in MODELS]),
            alt.YOffset("model:N", sort=[LABELS[m] for m in MODELS]),
            tooltip=[
                "value",
                "model",
                alt.Tooltip("conversions:Q", format=".1f"),
                alt.Tooltip("revenue:Q", format=",.2f"),
            ],
        )
        .properties(height=max(240, 26 * long["value"].nunique() * 3)),
        width="stretch",
    )
    for what in ("conversions", "revenue"):
        st.markdown(f"**{what.capitalize()} credited**")
        table = result.table(what).rename(columns=LABELS)
        st.dataframe(table.round(2))
    return result


def render_roi(store: Store, view: DataView, credited: AttributionResult | None) -> None:
    """Spend against credited customers and revenue, per channel or campaign."""
    costs = [
        d for d in store.list_datasets(view.dataset.workspace_id) if d.kind is DatasetKind.COSTS
    ]
    if not costs:
        st.info("Upload a cost table (spend per channel or campaign) on Analytics data for ROI.")
        return
    if credited is None:
        st.info("Choose a conversion in the Attribution tab first.")
        return
    names = {d.id: d.name for d in costs}
    left, model_box, by_box = st.columns([2, 1.5, 1])
    chosen = left.selectbox(
        "Cost table", list(names), format_func=names.get, key=_key(view, "costs")
    )
    model = model_box.selectbox(
        "Credit by",
        MODELS,
        index=MODELS.index("linear"),
        format_func=LABELS.get,
        key=_key(view, "roi_model"),
    )
    table_data = store.read_dataset(store.get_dataset(chosen))
    by = by_box.selectbox(
        "Per",
        [c for c in ("channel", "campaign", "source") if c in table_data],
        key=_key(view, "roi_by"),
    )
    ok, table = attempt(
        roi_table,
        credited,
        table_data,
        model=model,
        by=by,
        date_from=view.date_from,
        date_to=view.date_to,
    )
    if not ok or table is None:
        return
    paid = table[table["spend"] > 0]
    free = table[(table["spend"] == 0) & (table["customers"] > 0)]
    if len(paid) and len(free):
        best = paid.iloc[0]
        st.info(
            f"Paid: {md_escape(str(best[by]))} returns {best['ROAS']:.2f} per unit spent "
            f"(ROI {100 * best['ROI']:+.0f}%). Free: {md_escape(', '.join(free[by].astype(str)))} "
            f"brought {free['customers'].sum():.1f} customers and {free['revenue'].sum():,.2f} "
            "revenue for no spend.",
            icon=":material/savings:",
        )
    st.altair_chart(
        alt.Chart(table)
        .mark_circle(size=160)
        .encode(
            alt.X("spend:Q"),
            alt.Y("revenue:Q", title="revenue credited"),
            alt.Color(f"{by}:N"),
            tooltip=[
                by,
                "spend",
                alt.Tooltip("customers:Q", format=".1f"),
                alt.Tooltip("revenue:Q", format=",.2f"),
                alt.Tooltip("ROI:Q", format="+.0%"),
            ],
        )
        .properties(height=260),
        width="stretch",
    )
    st.dataframe(
        table.round(2),
        hide_index=True,
        column_config={
            "ROI": st.column_config.NumberColumn(format="percent"),
        },
    )
    st.caption(
        "CAC = spend / customers · ROAS = revenue / spend · ROI = (revenue - spend) / spend."
    )


def render_what_if(view: DataView) -> None:
    """Improve one stage's conversion and see the customers and revenue downstream."""
    bound = view.numbers.bound
    if len(bound) < 2:
        st.info("Bind at least two stages to data first.")
        return
    names = {s.key: s.name for s in bound}
    left, goal_box = st.columns(2)
    stage = left.selectbox(
        "Improve", list(names)[1:], format_func=names.get, key=_key(view, "wi_stage")
    )
    goal = goal_box.selectbox(
        "Customers are the people at",
        list(names),
        index=_goal(bound),
        format_func=names.get,
        key=_key(view, "wi_goal"),
    )
    remove = st.checkbox("Remove its drop-off entirely", key=_key(view, "wi_remove"))
    points = st.slider(
        "Conversion from the previous stage, plus (points)",
        0.0,
        30.0,
        5.0,
        0.5,
        disabled=remove,
        key=_key(view, "wi_points"),
    )
    revenue = _revenue(view)
    at_goal = view.numbers.stages[goal].reached
    value = revenue / at_goal if at_goal and revenue else None
    result = what_if(
        view.numbers,
        stage,
        points=points / 100,
        remove_dropoff=remove,
        goal=goal,
        value_per_customer=value,
    )
    frame = pd.DataFrame(
        {
            "stage": list(result.stages) * 2,
            "people": [*result.now, *result.projected],
            "scenario": ["now"] * len(result.now) + ["projected"] * len(result.projected),
        }
    )
    st.altair_chart(
        alt.Chart(frame)
        .mark_bar()
        .encode(
            alt.X("stage:N", sort=list(result.stages), title=None, axis=alt.Axis(labelAngle=0)),
            alt.XOffset("scenario:N"),
            alt.Y("people:Q"),
            alt.Color("scenario:N", title=None),
            tooltip=["stage", alt.Tooltip("people:Q", format=",.0f")],
        )
        .properties(height=240),
        width="stretch",
    )
    a, b = st.columns(2)
    a.metric(f"More people at {md_escape(names[goal])}", f"{result.extra_customers:+,.1f}")
    if result.extra_revenue is not None:
        b.metric(
            "More revenue",
            f"{result.extra_revenue:+,.2f}",
            help=f"At {value:,.2f} per customer: the range's revenue over the people at the goal stage.",
        )
    st.caption(f"Assumption: {md_escape(result.assumption)}")


def _goal(bound) -> int:
    """The stage where people become customers: the first named like it, else the last."""
    words = ("purchase", "checkout", "buy", "order", "convert", "subscri")
    return next((i for i, s in enumerate(bound) if any(w in s.name.casefold() for w in words)),
                len(bound) - 1)  # fmt: skip


def _revenue(view: DataView) -> float:
    if "revenue" not in view.data.columns:
        return 0.0
    return float(np.nansum(view.scoped().numbers("revenue")))
