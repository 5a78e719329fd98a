"""Strategies: an experiment on the journey (A/B by a property, or before/after a date),
recording its result on the map, attribution, ROI per channel and what-if.

All on the sample workshop: the CMS map is measured on the Canvas GA4 export, whose
events carry `event_params.experiment_variant` (A or B) and `revenue`, and the
workspace has a cost table ("Canvas: marketing costs"). The expected numbers are
computed here from the stored events with pandas, or by calling the analytics core
directly on them, so a test fails when the page wires the split, the stages, the
window or the range wrongly.

Every tab's content runs on every AppTest run (tabs are not lazy), so a test reads
whichever tab it checks without switching to it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from pagekit import USER, Sample, click, lane_id, new_app, run, stage_id, texts

from journeymap import (
    BindingKind,
    Dataset,
    DatasetKind,
    JourneyMap,
    Store,
)
from journeymap.analytics.attribution import LABELS, MODELS
from journeymap.analytics.experiments import ExperimentResult, experiment
from journeymap.analytics.roi import what_if
from journeymap.analytics.segments import Match
from journeymap.analytics.stages import stage_numbers

STRATEGIES = "pages/strategies.py"
CMS = "Choosing a CMS for the studio"
LOOP = "Buying school shoes at Loop Store"
COSTS = "Canvas: marketing costs"
VARIANT = "event_params.experiment_variant"
ENTRY_EVENT = "first_visit"  # the sample binds the CMS map's first stage (Awareness) to it
BY_DATE = "Before and after a date"


@pytest.fixture
def store(sample_store: Store) -> Store:
    """Every test here starts from a copy of the loaded sample workshop."""
    return sample_store


def open_page(sample: Sample, title: str = CMS):
    return run(new_app(STRATEGIES, state=sample.state(title)))


def key(dataset: Dataset, *parts: str) -> str:
    """The Strategies widgets' keys (`components.strategies._key`)."""
    return ":".join(["strategy", dataset.id, *parts])


# -- what the numbers should be, from the stored events ------------------------------------


def dataset_of(store: Store, journey: JourneyMap) -> Dataset:
    return store.get_dataset(store.get_map(journey.id).dataset_id)


def events(store: Store, journey: JourneyMap) -> pd.DataFrame:
    return store.read_dataset(dataset_of(store, journey))


def whole_range(dataset: Dataset) -> dict:
    """The data bar's default range: the dataset's first to last day."""
    return {"date_from": dataset.time_from.date(), "date_to": dataset.time_to.date()}


def bound_stages(store: Store, journey: JourneyMap) -> list[tuple]:
    """The map's stages `(id, name, match or None)` from its stored stage bindings."""
    rules = {
        b.target_id: b.rule for b in store.list_bindings(journey.id) if b.kind is BindingKind.STAGE
    }
    return [
        (s.id, s.name, Match.from_dict(rules[s.id]) if s.id in rules else None)
        for s in store.load_map(journey.id).stages
    ]


def direct_experiment(store: Store, journey: JourneyMap, **split) -> ExperimentResult:
    """The core's experiment on the map's stored events, as the page should ask for it."""
    dataset = dataset_of(store, journey)
    return experiment(
        store.read_dataset(dataset),
        bound_stages(store, journey),
        window=timedelta(days=journey.window_days or 30),
        **whole_range(dataset),
        **split,
    )


def entrants(store: Store, journey: JourneyMap, frame: pd.DataFrame) -> pd.Series:
    """Per person who entered the journey (did the first stage's event): their first time."""
    [rule] = [
        b.rule
        for b in store.list_bindings(journey.id)
        if b.target_id == stage_id(store.load_map(journey.id), "Awareness")
    ]
    assert rule == {"events": [ENTRY_EVENT], "where": []}  # what the sample binds
    entered = frame[frame["event"] == ENTRY_EVENT]
    return entered.groupby("actor_id", observed=True)["ts"].min()


def groups(frame: pd.DataFrame) -> tuple[dict[str, set], int]:
    """People by their first non-empty variant, without those seen with both A and B;
    and how many were seen with both."""
    carried = frame[frame[VARIANT].fillna("").astype(str).str.strip() != ""]
    carried = carried.sort_values("ts", kind="stable")
    first = carried.groupby("actor_id", observed=True)[VARIANT].first()
    seen = carried.assign(a=carried[VARIANT] == "A", b=carried[VARIANT] == "B")
    seen = seen.groupby("actor_id", observed=True)[["a", "b"]].any()
    both = (seen["a"] & seen["b"]).reindex(first.index)
    by_group = {
        value: set(first.index[(first == value) & ~both].astype(str)) for value in ("A", "B")
    }
    return by_group, int(both.sum())


def expected_people(store: Store, journey: JourneyMap) -> tuple[int, int, int]:
    """People in A and in B who entered the journey, and people seen in both groups."""
    frame = events(store, journey)
    entered = set(entrants(store, journey, frame).index.astype(str))
    by_group, both = groups(frame)
    return len(by_group["A"] & entered), len(by_group["B"] & entered), both


def experiment_caption(at) -> str:
    [caption] = [c for c in texts(at.caption) if " people · " in c]
    return caption


def dataframe_with(at, column: str) -> pd.DataFrame:
    """The first table on the page that has this column."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def save_variant_copy(store: Store, journey: JourneyMap, frame: pd.DataFrame) -> Dataset:
    """Store `frame` as a new events dataset and measure the map on it."""
    original = dataset_of(store, journey)
    copy = store.save_dataset(
        journey.workspace_id,
        "Canvas: GA4 export, contaminated",
        frame,
        kind=DatasetKind.EVENTS,
        source_format=original.source_format,
        file_name="contaminated.jsonl",
        uploaded_by=USER,
        details=original.details,
    )
    current = store.get_map(journey.id)
    store.update_map(journey.id, current.version, dataset_id=copy.id, by=USER)
    return copy


def people_of(frame: pd.DataFrame, variant: str, n: int, entered: set) -> list[str]:
    """`n` people who entered the journey and carry only `variant`, by actor id."""
    per_person = frame.groupby("actor_id", observed=True)[VARIANT]
    only = (per_person.nunique(dropna=False) == 1) & (per_person.first() == variant)
    return sorted(a for a in only.index[only].astype(str) if a in entered)[:n]


# -- the page on both sample maps ----------------------------------------------------------


@pytest.mark.parametrize("title", [CMS, LOOP])
def test_the_page_runs_on_both_sample_maps(title, sample, store):
    journey = sample.maps[title]
    dataset = dataset_of(store, journey)

    at = open_page(sample, title)

    assert texts(at.title) == ["Test new strategies"]
    assert title in texts(at.subheader)
    assert [t.label for t in at.tabs] == ["Experiment", "Attribution", "ROI", "What if"]
    assert at.selectbox(key=key(dataset, "column")).value == VARIANT
    assert experiment_caption(at).startswith("A: ")
    assert any(c.endswith(" revenue.") and " conversions, " in c for c in texts(at.caption))
    assert any(m.label.startswith("More people at ") for m in at.metric)


# -- the experiment tab --------------------------------------------------------------------


def test_ab_by_property_counts_the_groups_and_matches_the_core(sample, store):
    journey = sample.maps[CMS]
    dataset = dataset_of(store, journey)
    a_people, b_people, both = expected_people(store, journey)
    assert a_people > 0 and b_people > 0 and both == 0  # the sample has no contamination
    direct = direct_experiment(store, journey, column=VARIANT, a="A", b="B")

    at = open_page(sample)

    assert at.radio(key=key(dataset, "how")).value == "A property (A/B test)"
    assert at.selectbox(key=key(dataset, "column")).value == VARIANT
    assert at.selectbox(key=key(dataset, f"a:{VARIANT}")).value == "A"
    assert at.selectbox(key=key(dataset, f"b:{VARIANT}")).value == "B"
    assert experiment_caption(at).startswith(
        f"A: {a_people:,} people · B: {b_people:,} people · {dataset.name}, "
    )
    assert direct.people == (a_people, b_people)
    table = dataframe_with(at, "A conversion")
    expected = direct.to_frame()
    assert table["stage"].tolist() == expected["stage"].tolist()
    assert table["stage"].tolist() == [name for _, name, m in bound_stages(store, journey) if m]
    for column in ("A people", "B people"):
        assert table[column].tolist() == expected[column].tolist(), column
    for column in ("A conversion", "B conversion", "p-value"):
        assert table[column].tolist() == pytest.approx(expected[column].tolist()), column
    assert table["A people"].iloc[0] == a_people and table["B people"].iloc[0] == b_people
    assert any(t.underpowered for t in direct.stages[1:])
    assert any(
        w.startswith("Underpowered: some stages would need more people") for w in texts(at.warning)
    )
    assert not any("were seen in both groups" in w for w in texts(at.warning))
    assert not at.error  # no sample-ratio mismatch on 451 against 455
    [chart] = [c for c in at.get("vega_lite_chart") if '"title": "of entrants"' in c.proto.spec]
    assert '"xOffset": {"field": "group"' in chart.proto.spec  # A and B side by side


def test_people_seen_in_both_groups_are_left_out(sample, store):
    """Some people also carry the other variant later (left out and counted); some carry
    no variant on their first events (their group is their first non-empty value)."""
    journey = sample.maps[CMS]
    frame = events(store, journey)
    entered = set(entrants(store, journey, frame).index.astype(str))
    a_before, b_before, _ = expected_people(store, journey)
    switched = people_of(frame, "A", 4, entered) + people_of(frame, "B", 3, entered)
    late = people_of(frame, "A", 12, entered)[-5:] + people_of(frame, "B", 8, entered)[-3:]
    assert len(set(switched)) == 7 and len(set(late)) == 8 and not set(switched) & set(late)
    frame = frame.sort_values("ts", kind="stable")
    variant = frame[VARIANT].astype("string")
    for person in switched:  # their last event carries the other group
        last = frame.index[frame["actor_id"] == person][-1]
        variant[last] = "B" if variant[last] == "A" else "A"
    for person in late:  # nothing on their first two events
        variant[frame.index[frame["actor_id"] == person][:2]] = pd.NA
    frame[VARIANT] = variant
    copy = save_variant_copy(store, journey, frame.sort_index())
    a_people, b_people, both = expected_people(store, journey)
    assert (a_people, b_people, both) == (a_before - 4, b_before - 3, 7)  # the test's own check

    at = open_page(sample)

    assert experiment_caption(at).startswith(
        f"A: {a_people:,} people · B: {b_people:,} people · {copy.name}, "
    )
    assert "7 people were seen in both groups and are left out." in texts(at.warning)
    table = dataframe_with(at, "A conversion")
    expected = direct_experiment(store, store.get_map(journey.id), column=VARIANT, a="A", b="B")
    assert table["A people"].tolist() == expected.to_frame()["A people"].tolist()
    assert table["B conversion"].tolist() == pytest.approx(
        expected.to_frame()["B conversion"].tolist()
    )


def test_a_person_carrying_a_third_value_then_a_is_in_a(sample, store):
    """The rule: people whose events carry A (and never B) are in A; other values are ignored."""
    from journeymap.analytics.experiments import groups_by_property
    from journeymap.analytics.prepare import prepare

    frame = pd.DataFrame(
        {
            "actor_id": ["u1", "u1", "u2", "u2", "u3"],
            "event": ["visit"] * 5,
            "ts": pd.to_datetime(["2026-01-01", "2026-01-02"] * 2 + ["2026-01-01"], utc=True),
            "v": ["C", "A", "B", "A", "C"],
        }
    )
    data = prepare(frame)
    group, mixed = groups_by_property(data, "v", "A", "B")
    by_id = dict(zip(data.actor_ids, group.tolist(), strict=True))
    assert by_id == {"u1": 0, "u2": -1, "u3": -1}
    assert mixed == 1


def test_before_and_after_a_date(sample, store):
    journey = sample.maps[CMS]
    dataset = dataset_of(store, journey)
    cut = date(2026, 9, 20)
    first = entrants(store, journey, events(store, journey))
    midnight = pd.Timestamp(datetime(2026, 9, 20, tzinfo=UTC))
    before, after = int((first < midnight).sum()), int((first >= midnight).sum())
    assert before > 0 and after > 0
    direct = direct_experiment(store, journey, cut=cut)
    at = open_page(sample)

    at.radio(key=key(dataset, "how")).set_value(BY_DATE)
    run(at)
    cut_box = at.date_input(key=key(dataset, "cut"))
    assert cut_box.value == date(2026, 9, 30)  # the range's middle
    cut_box.set_value(cut)
    run(at)

    assert experiment_caption(at).startswith(
        f"before 2026-09-20: {before:,} people · from 2026-09-20: {after:,} people · "
    )
    assert direct.people == (before, after)
    table = dataframe_with(at, "before 2026-09-20 conversion")
    expected = direct.to_frame()
    for column in expected.columns:
        if column.endswith("people"):
            assert table[column].tolist() == expected[column].tolist(), column
        elif column.endswith("conversion"):
            assert table[column].tolist() == pytest.approx(expected[column].tolist()), column
    assert "A conversion" not in table.columns
    # Fewer people entered before the 20th than after: a mismatch against the default 50/50
    # share, and none once the share says what was intended.
    assert any(
        e.startswith(f"Sample-ratio mismatch: {before:,} against {after:,} ")
        for e in texts(at.error)
    )
    at.number_input(key=key(dataset, "before")).set_value(round(100 * before / (before + after)))
    run(at)
    assert not at.error


def test_recording_the_result_adds_an_opportunity_note(sample, store):
    journey = sample.maps[CMS]
    dataset = dataset_of(store, journey)
    board = store.load_map(journey.id)
    purchase = stage_id(board, "Purchase")
    opportunities = lane_id(board, "Opportunities")
    direct = direct_experiment(store, journey, column=VARIANT, a="A", b="B")
    [test] = [t for t in direct.stages if t.key == purchase]
    best = min((t for t in direct.stages[1:] if t.p_value is not None), key=lambda t: t.p_value)
    assert best.key != purchase  # so the test really moves the choice
    at = open_page(sample)
    where = at.selectbox(key=key(dataset, "record_at"))
    assert where.value == best.key
    assert board.stages[0].id not in where.options  # the entry stage has nothing to test

    where.set_value(purchase)
    run(at)
    [shown] = [t for t in texts(at.text) if t.startswith("Experiment B vs A at ")]
    click(at, key(dataset, "record"))

    [note] = [
        n for n in store.load_map(journey.id).notes if n.id not in {x.id for x in board.notes}
    ]
    assert (note.stage_id, note.lane_id, note.author) == (purchase, opportunities, USER)
    assert note.text == shown
    assert note.text.startswith(
        f"Experiment B vs A at Purchase: {100 * test.b.value:.1f}% vs {100 * test.a.value:.1f}% "
    )
    assert f"({100 * test.lift:+.1f} points" in note.text
    if test.relative_lift is not None:
        assert f", {100 * test.relative_lift:+.0f}%;" in note.text
    assert f"p = {test.p_value:.3g}, " in note.text
    assert f"n = {test.a.n:,} and {test.b.n:,}" in note.text
    assert dataset.name in note.text
    assert "Recorded the experiment on the map." in texts(at.toast)


def test_a_map_with_no_bound_stage_says_to_bind_first(sample, store):
    journey = sample.maps[CMS]
    for binding in store.list_bindings(journey.id):
        if binding.kind is BindingKind.STAGE:
            store.unbind(binding.id, binding.version, by=USER)
    assert all(m is None for *_, m in bound_stages(store, journey))

    at = open_page(sample)

    assert "Bind the map's stages to data first (Journey map page, Bind to data)." in texts(at.info)
    assert "Bind at least two stages to data first." in texts(at.info)
    assert not [c for c in texts(at.caption) if " people · " in c]  # no experiment drawn
    assert not any(m.label.startswith("More people at ") for m in at.metric)


# -- attribution, ROI and what-if ----------------------------------------------------------


def test_attribution_credits_every_purchase_by_every_model(sample, store):
    journey = sample.maps[CMS]
    dataset = dataset_of(store, journey)
    frame = events(store, journey)
    purchases = frame[frame["event"] == "purchase"]
    revenue = float(purchases["revenue"].sum())
    assert len(purchases) > 0 and revenue > 0

    at = open_page(sample)

    assert at.selectbox(key=key(dataset, "conversion")).value == "purchase"
    assert at.selectbox(key=key(dataset, "credit")).value == "channel"
    assert f"{len(purchases):,} conversions, {revenue:,.2f} revenue." in texts(at.caption)
    assert any("associational, not causal" in c for c in texts(at.caption))
    credited = [d.value for d in at.dataframe if LABELS["markov"] in d.value.columns]
    assert len(credited) == 2  # conversions, then revenue
    conversions, money = credited
    assert list(conversions.columns) == [LABELS[m] for m in MODELS]
    slack = 0.005 * len(conversions) + 1e-9  # the page rounds the credit to 2 decimals
    for model in conversions.columns:
        assert conversions[model].sum() == pytest.approx(len(purchases), abs=slack), model
        assert money[model].sum() == pytest.approx(revenue, abs=slack), model
    for model in ("first_touch", "last_touch", "last_non_direct"):  # whole conversions
        assert (conversions[LABELS[model]] % 1 == 0).all(), model
    assert set(conversions.index) <= {*frame["channel"].dropna().astype(str), "(none)"}


def test_roi_spend_per_channel_is_the_cost_tables(sample, store):
    journey = sample.maps[CMS]
    dataset = dataset_of(store, journey)
    [costs] = [d for d in store.list_datasets(sample.workspace.id) if d.kind is DatasetKind.COSTS]
    assert costs.name == COSTS
    spent = store.read_dataset(costs)
    days = pd.to_datetime(spent["date"], utc=True).dt.date
    in_range = spent[(days >= dataset.time_from.date()) & (days <= dataset.time_to.date())]
    assert len(in_range) == len(spent)  # the costs cover the events' range
    sums = in_range.groupby(in_range["channel"].astype(str))["cost"].sum().astype(float)
    purchases = int((events(store, journey)["event"] == "purchase").sum())

    at = open_page(sample)

    assert at.selectbox(key=key(dataset, "costs")).value == costs.id
    assert at.selectbox(key=key(dataset, "roi_by")).value == "channel"
    table = dataframe_with(at, "spend")
    assert list(table.columns) == ["channel", "spend", "customers", "revenue", "CAC", "ROAS", "ROI"]
    assert set(sums.index) <= set(table["channel"])
    for row in table.itertuples():
        assert row.spend == pytest.approx(sums.get(row.channel, 0.0), abs=0.005), row.channel
    assert table["customers"].sum() == pytest.approx(purchases, abs=0.005 * len(table))
    paid = table[table["spend"] > 0]
    free = table[(table["spend"] == 0) & (table["customers"] > 0)]
    assert len(paid) and len(free)
    [comparison] = [i for i in texts(at.info) if i.startswith("Paid: ")]
    assert comparison.startswith(f"Paid: {paid.iloc[0]['channel']} returns ")
    assert f". Free: {', '.join(free['channel'])} brought " in comparison
    assert comparison.endswith(" revenue for no spend.")


def test_a_workspace_without_a_cost_table_is_asked_for_one(sample, store):
    [costs] = [d for d in store.list_datasets(sample.workspace.id) if d.kind is DatasetKind.COSTS]
    store.delete_dataset(costs.id, costs.version)

    at = open_page(sample)

    assert (
        "Upload a cost table (spend per channel or campaign) on Analytics data for ROI."
        in texts(at.info)
    )
    assert not any(i.startswith("Paid: ") for i in texts(at.info))
    assert not [d for d in at.dataframe if "spend" in d.value.columns]


def test_what_if_shows_the_extra_customers_of_the_core(sample, store):
    journey = sample.maps[CMS]
    dataset = dataset_of(store, journey)
    board = store.load_map(journey.id)
    consideration, purchase = stage_id(board, "Consideration"), stage_id(board, "Purchase")
    numbers = stage_numbers(
        events(store, journey),
        bound_stages(store, journey),
        window=timedelta(days=journey.window_days or 30),
        **whole_range(dataset),
    )

    def more_people(at) -> str:
        [metric] = [m for m in at.metric if m.label.startswith("More people at ")]
        assert metric.label == "More people at Purchase"  # the goal: the stage named like it
        return metric.value

    at = open_page(sample)
    assert at.selectbox(key=key(dataset, "wi_stage")).value == consideration
    assert at.selectbox(key=key(dataset, "wi_goal")).value == purchase
    assert at.slider(key=key(dataset, "wi_points")).value == 5.0
    default = what_if(numbers, consideration, points=0.05, goal=purchase)
    assert default.extra_customers > 0
    assert more_people(at) == f"{default.extra_customers:+,.1f}"

    at.selectbox(key=key(dataset, "wi_stage")).set_value(purchase)
    at.slider(key=key(dataset, "wi_points")).set_value(12.5)
    run(at)
    bigger = what_if(numbers, purchase, points=0.125, goal=purchase)
    assert more_people(at) == f"{bigger.extra_customers:+,.1f}"

    at.checkbox(key=key(dataset, "wi_remove")).check()
    run(at)
    gone = what_if(numbers, purchase, remove_dropoff=True, goal=purchase)
    assert more_people(at) == f"{gone.extra_customers:+,.1f}"
    assert gone.extra_customers > bigger.extra_customers
