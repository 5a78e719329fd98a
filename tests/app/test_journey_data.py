"""The map meets the data: the data bar, stage numbers on the wall, the stage detail,
binding a map to data, the blind-spot finder, the journey graph and personas as data.

All on the sample workshop (both maps bound to their GA4 datasets). The expected
numbers are computed here from the stored events with pandas and the funnel engine,
so a test fails when the page wires the dataset, window, range or persona wrongly.

What AppTest cannot drive, and what is done instead:
- the wall and the agraph graph are custom components: the wall's payload is read
  from its element (`pagekit.wall_data`), and the graph wrapper
  `components.journey_graph.journey_graph` is replaced by a recorder that also
  plays a click;
- dialogs are opened through their session-state flags ("stage:open", "data:binding");
- a selectbox option that *is* None ("No dataset") is chosen with `select_index(0)`:
  AppTest's `set_value(None)` means "no selection" and leaves the value unchanged;
- download bytes are not available: the download button's label is checked.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pandas as pd
import pytest
from pagekit import (
    JOURNEY_MAP,
    PERSONAS,
    USER,
    Sample,
    click,
    lane_id,
    new_app,
    run,
    stage_id,
    texts,
    wall_data,
)

from components.journey_graph import LEFT_COLOUR, UNBOUND_COLOUR, graph_parts
from components.stage_metrics import annotations, emotion_and_conversion
from journeymap import BindingKind, JourneyMap, Persona, Store
from journeymap.analytics import funnel, wilson
from journeymap.analytics.segments import Match

GRAPH = "pages/journey_graph.py"
CMS = "Choosing a CMS for the studio"
LOOP = "Buying school shoes at Loop Store"
BINDING = "data:binding"
STAGE = "stage:open"
HOSTILE = "<img src=x onerror=alert(1)> **b** [x](javascript:alert(1))"


@pytest.fixture
def store(sample_store: Store) -> Store:
    """Every test here starts from a copy of the loaded sample workshop."""
    return sample_store


def open_page(sample: Sample, title: str, page: str = JOURNEY_MAP, **state):
    return run(new_app(page, state=sample.state(title, **state)))


# -- what the numbers should be, from the stored events ------------------------------------


def events(store: Store, journey: JourneyMap) -> pd.DataFrame:
    return store.read_dataset(store.get_dataset(journey.dataset_id))


def in_segment(frame: pd.DataFrame, persona: Persona) -> pd.DataFrame:
    """The events of people with at least one event on which every condition holds."""
    hit = pd.Series(True, index=frame.index)
    for condition in persona.segment["where"]:
        assert condition["op"] == "is"  # the sample's personas
        hit &= frame[condition["column"]].isin(condition["values"])
    return frame[frame["actor_id"].isin(frame.loc[hit, "actor_id"])]


def expected_reached(
    store: Store, journey: JourneyMap, frame: pd.DataFrame | None = None, **options
) -> dict[str, int]:
    """People who reached each bound stage (map order, one ordered funnel), by stage id."""
    board = store.load_map(journey.id)
    rules = {b.target_id: b.rule for b in store.list_bindings(journey.id)}
    bound = [s.id for s in board.stages if s.id in rules]
    options.setdefault("window", timedelta(days=journey.window_days or 30))
    frame = events(store, journey) if frame is None else frame
    result = funnel(frame, [Match.from_dict(rules[s]) for s in bound], **options)
    return dict(zip(bound, result.counts, strict=True))


def people(n: int) -> str:
    return f"{n:,} {'person' if n == 1 else 'people'}"


def data_caption(at) -> str:
    [caption] = [c for c in texts(at.caption) if " people in " in c]
    return caption


def stage_headers(at) -> dict[str, dict | None]:
    return {s["id"]: s["metrics"] for s in wall_data(at)["stages"]}


# -- the data bar and the wall's numbers ---------------------------------------------------


@pytest.mark.parametrize("title", [CMS, LOOP])
def test_both_sample_maps_show_their_numbers(title, sample, store):
    journey = sample.maps[title]
    dataset = store.get_dataset(journey.dataset_id)
    board = store.load_map(journey.id)
    bound_notes = {b.target_id for b in store.list_bindings(journey.id)} - {
        s.id for s in board.stages
    }
    reached = expected_reached(store, journey)
    assert len(reached) >= 6 and bound_notes  # the sample binds stages and touchpoints

    at = open_page(sample, title)

    pick = at.selectbox(key=f"data:{journey.id}:dataset:{journey.dataset_id}")
    assert pick.value == journey.dataset_id
    assert dataset.name in pick.options
    caption = data_caption(at)
    assert f"{events(store, journey)['actor_id'].nunique():,} people in {dataset.name}" in caption
    assert f"{len(reached)} of {len(board.stages)} stages bound" in caption
    assert "within 30 days" in caption
    headers = stage_headers(at)
    assert list(headers) == [s.id for s in board.stages]
    for stage in board.stages:
        metrics = headers[stage.id]
        assert metrics["bound"] is (stage.id in reached), stage.name
        if stage.id in reached:
            assert metrics["lines"][0] == people(reached[stage.id]), stage.name
        else:
            assert metrics["lines"][0] == "Not bound to data"
    assert sum(m["worst"] for m in headers.values()) == 1  # one worst drop-off, marked
    for note in wall_data(at)["notes"]:
        if note["id"] in bound_notes:
            assert " used it" in note["metric"], note["text"]
        else:
            assert note["metric"] is None, note["text"]


@pytest.mark.parametrize("title", [CMS, LOOP])
def test_the_worst_drop_off_is_the_marked_stage(title, sample, store):
    """The move people most surely fail: the highest low end of the drop-off's 95 % interval
    among moves of at least 30 people (so 9 of 9 lost does not outshout 146 of 201)."""
    reached = list(expected_reached(store, sample.maps[title]).items())
    surely_lost = {
        key: 1 - wilson(n, before)[1]
        for (_, before), (key, n) in itertools.pairwise(reached)
        if before >= 30 and n < before
    }
    at = open_page(sample, title)
    [worst] = [key for key, m in stage_headers(at).items() if m["worst"]]
    assert worst == max(surely_lost, key=surely_lost.get)


def test_a_persona_with_a_segment_limits_the_people(sample, store):
    journey = sample.maps[LOOP]
    priya = sample.personas["Priya Shah"]
    store.add_persona(sample.workspace.id, "No segment yet")
    at = open_page(sample, LOOP)
    box = at.selectbox(key=f"data:{journey.id}:persona")
    assert box.value == "everyone"
    assert "Persona: No segment yet" not in box.options  # only personas with a segment
    everyone = data_caption(at)

    box.set_value(priya.id)
    run(at)

    mobile = in_segment(events(store, journey), priya)
    caption = data_caption(at)
    assert caption != everyone
    assert caption.startswith(f":material/query_stats: {mobile['actor_id'].nunique():,} people in")
    assert "persona Priya Shah" in caption
    reached = expected_reached(store, journey, mobile)
    assert {k: m["lines"][0] for k, m in stage_headers(at).items() if m["bound"]} == {
        k: people(n) for k, n in reached.items()
    }


def test_no_dataset_unsets_the_maps_dataset_and_the_numbers_go(sample, store):
    journey = sample.maps[LOOP]
    at = open_page(sample, LOOP)
    assert any(e.label.startswith("Blind spots") for e in at.expander)

    at.selectbox(key=f"data:{journey.id}:dataset:{journey.dataset_id}").select_index(0)
    run(at)

    assert store.get_map(journey.id).dataset_id is None
    assert not [c for c in texts(at.caption) if " people in " in c]
    assert "Pick the dataset this map is measured on to see numbers on its stages." in texts(
        at.caption
    )
    assert all(m is None for m in stage_headers(at).values())
    assert all(n["metric"] is None for n in wall_data(at)["notes"])
    assert at.button(key=f"data:{journey.id}:bind").disabled
    assert not any(s.key == f"data:{journey.id}:persona" for s in at.selectbox)
    assert not any(e.label.startswith("Blind spots") for e in at.expander)

    again = at.selectbox(key=f"data:{journey.id}:dataset:None")
    again.set_value(journey.dataset_id)
    run(at)
    assert store.get_map(journey.id).dataset_id == journey.dataset_id
    everyone = events(store, journey)["actor_id"].nunique()
    assert data_caption(at).startswith(f":material/query_stats: {everyone:,} people in")
    bound = {b.target_id for b in store.list_bindings(journey.id)}
    assert {k for k, m in stage_headers(at).items() if m["bound"]} == bound & set(stage_headers(at))


def test_the_window_is_the_maps_and_changes_the_numbers(sample, store):
    journey = sample.maps[LOOP]
    at = open_page(sample, LOOP)
    before = stage_headers(at)

    at.number_input(key=f"data:{journey.id}:window:30").set_value(1)
    run(at)

    assert store.get_map(journey.id).window_days == 1
    assert "within 1 days" in data_caption(at)
    reached = expected_reached(store, journey, window=timedelta(days=1))
    after = stage_headers(at)
    assert {k: m["lines"][0] for k, m in after.items() if m["bound"]} == {
        k: people(n) for k, n in reached.items()
    }
    assert after != before
    assert at.number_input(key=f"data:{journey.id}:window:1").value == 1


def test_the_date_range_limits_people_and_says_so(sample, store):
    journey = sample.maps[LOOP]
    at = open_page(sample, LOOP)
    span = (date(2026, 9, 1), date(2026, 9, 15))

    at.date_input(key=f"data:{journey.id}:{journey.dataset_id}:range").set_value(span)
    run(at)

    frame = events(store, journey)
    day = frame["ts"].dt.date
    inside = frame[(day >= span[0]) & (day <= span[1])]
    assert f"{inside['actor_id'].nunique():,} people in" in data_caption(at)
    assert "01 Sep 2026 to 15 Sep 2026" in data_caption(at)
    reached = expected_reached(store, journey, date_from=span[0], date_to=span[1])
    assert {k: m["lines"][0] for k, m in stage_headers(at).items() if m["bound"]} == {
        k: people(n) for k, n in reached.items()
    }


def test_annotations_and_chart_without_data(sample, store):
    board = store.load_map(sample.maps[CMS].id)
    assert annotations(None, board) == ({}, {})
    assert emotion_and_conversion(board, None, pd.DataFrame()) is None


# -- the stage detail dialog ---------------------------------------------------------------


def test_stage_detail_of_a_bound_stage(sample, store):
    journey = sample.maps[CMS]
    board = store.load_map(journey.id)
    purchase = stage_id(board, "Purchase")
    reached = expected_reached(store, journey)
    here, before = reached[purchase], reached[stage_id(board, "Consideration")]

    at = open_page(sample, CMS, **{STAGE: purchase})

    assert "Purchase" in texts(at.subheader)
    assert "Reached when someone does: purchase" in texts(at.text)
    shown = {m.label: m.value for m in at.metric}
    assert shown["People"] == f"{here:,}"
    assert shown["From Consideration"] == f"{100 * here / before:.1f}%"
    assert shown["Dropped"] == f"{before - here:,}"
    assert "Median time to next" in shown
    headings = texts(at.markdown)
    assert "**By channel**, from Consideration" in headings
    assert "**By device**, from Consideration" in headings
    tables = {d.value.columns[0]: d.value for d in at.dataframe}
    for column in ("channel", "device"):
        table = tables[column]
        assert (table["reached"] <= table["before"]).all(), column
        # Step attribution: the value on the event matched at the previous stage; someone
        # with several such events can count under several values (ANALYTICS.md, section 2).
        assert table["before"].sum() >= before, column
        assert table["reached"].sum() >= here, column
    [download] = at.get("download_button")
    assert download.key == f"stage:{purchase}:dropped"
    assert download.proto.label == (
        f"The {before - here:,} people who reached Consideration but not Purchase (CSV)"
    )


def test_stage_detail_of_the_first_stage_has_no_previous(sample, store):
    journey = sample.maps[CMS]
    awareness = stage_id(store.load_map(journey.id), "Awareness")
    at = open_page(sample, CMS, **{STAGE: awareness})

    assert [m.label for m in at.metric] == ["People", "Median time to next"]
    assert at.metric[0].value == f"{expected_reached(store, journey)[awareness]:,}"
    assert {"**By channel**", "**By device**"} <= set(texts(at.markdown))
    assert not at.get("download_button")


def test_stage_detail_with_a_persona_uses_its_people(sample, store):
    journey = sample.maps[LOOP]
    board = store.load_map(journey.id)
    tom = sample.personas["Tom Reyes"]
    at = open_page(sample, LOOP, **{STAGE: stage_id(board, "Cart")})
    at.selectbox(key=f"data:{journey.id}:persona").set_value(tom.id)
    run(at)

    reached = expected_reached(store, journey, in_segment(events(store, journey), tom))
    shown = {m.label: m.value for m in at.metric}
    assert shown["People"] == f"{reached[stage_id(board, 'Cart')]:,}"
    assert any("persona Tom Reyes" in c for c in texts(at.caption))


def test_stage_detail_of_an_unbound_stage_says_so(sample, store):
    advocacy = stage_id(store.load_map(sample.maps[CMS].id), "Advocacy")
    at = open_page(sample, CMS, **{STAGE: advocacy})

    assert "Advocacy" in texts(at.subheader)
    assert "This stage is not bound to data: use **Bind to data** above the wall." in texts(at.info)
    assert not at.metric
    assert any(t.startswith("NPS ") for t in texts(at.text))  # its survey score, still shown
    assert not at.get("download_button")


def test_stage_detail_without_a_dataset_asks_for_one(sample, store):
    journey = sample.maps[CMS]
    store.update_map(journey.id, journey.version, dataset_id=None)
    purchase = stage_id(store.load_map(journey.id), "Purchase")
    at = open_page(sample, CMS, **{STAGE: purchase})

    assert "Pick the dataset this map is measured on to see this stage's numbers." in texts(at.info)
    assert not at.metric


# -- binding the map to data ---------------------------------------------------------------


def events_box(at, target: str):
    return at.multiselect(key=f"bind:{target}:events")


def rules_by_stage(store: Store, journey: JourneyMap) -> dict[str, tuple[dict, int, str]]:
    board = store.load_map(journey.id)
    return {
        board.stage(b.target_id).name: (b.rule, b.version, b.updated_by)
        for b in store.list_bindings(journey.id)
        if board.stage(b.target_id)
    }


def test_the_bind_button_opens_the_dialog(sample):
    journey = sample.maps[CMS]
    at = open_page(sample, CMS)
    assert not any(b.key == "bind:save" for b in at.button)

    click(at, f"data:{journey.id}:bind")

    assert at.session_state[BINDING] == journey.id
    assert at.button(key="bind:save")
    assert [t.label for t in at.tabs][-2:] == ["Stages", "Touchpoint notes"]


def test_bind_a_stage_and_unbind_another(sample, store):
    journey = sample.maps[CMS]
    board = store.load_map(journey.id)
    advocacy, expansion = stage_id(board, "Advocacy"), stage_id(board, "Expansion")
    before = rules_by_stage(store, journey)
    at = open_page(sample, CMS, **{BINDING: journey.id})
    assert events_box(at, advocacy).value == []
    assert events_box(at, expansion).value == ["invite_teammate"]

    events_box(at, advocacy).set_value(["login", "view_template"])
    events_box(at, expansion).set_value([])
    run(at)
    click(at, "bind:save")

    after = rules_by_stage(store, journey)
    assert after["Advocacy"][0] == {"events": ["login", "view_template"], "where": []}
    assert after["Advocacy"][2] == USER
    assert "Expansion" not in after
    for name in set(before) - {"Expansion"}:  # the rows nobody changed were not written
        assert after[name] == before[name], name
    assert BINDING not in at.session_state
    assert not any(b.key == "bind:save" for b in at.button)
    headers = stage_headers(at)
    assert headers[advocacy]["bound"] and not headers[expansion]["bound"]
    assert headers[expansion]["lines"][0] == "Not bound to data"


def test_a_condition_on_a_property_is_saved(sample, store):
    journey = sample.maps[CMS]
    advocacy = stage_id(store.load_map(journey.id), "Advocacy")
    at = open_page(sample, CMS, **{BINDING: journey.id})

    events_box(at, advocacy).set_value(["page_view"])
    at.selectbox(key=f"bind:{advocacy}:column").set_value("page")
    run(at)  # the column decides the values offered
    values = at.multiselect(key=f"bind:{advocacy}:values")
    assert "https://www.canvas.example/customers" in values.options
    at.selectbox(key=f"bind:{advocacy}:op").set_value("contains")
    values.set_value(["/customers"])
    run(at)
    click(at, "bind:save")

    rule = rules_by_stage(store, journey)["Advocacy"][0]
    assert rule == {
        "events": ["page_view"],
        "where": [{"column": "page", "op": "contains", "values": ["/customers"]}],
    }


def test_bind_a_touchpoint_note(sample, store):
    journey = sample.maps[CMS]
    board = store.load_map(journey.id)
    prompt = next(n for n in board.notes if n.text == "Upgrade prompt inside the page editor")
    assert prompt.id not in {b.target_id for b in store.list_bindings(journey.id)}
    at = open_page(sample, CMS, **{BINDING: journey.id})

    events_box(at, prompt.id).set_value(["start_trial"])
    run(at)
    click(at, "bind:save")

    [binding] = [b for b in store.list_bindings(journey.id) if b.target_id == prompt.id]
    assert binding.kind is BindingKind.TOUCHPOINT
    assert binding.rule == {"events": ["start_trial"], "where": []}
    users = events(store, journey).query("event == 'start_trial'")["actor_id"].nunique()
    [shown] = [n["metric"] for n in wall_data(at)["notes"] if n["id"] == prompt.id]
    assert shown.startswith(f"{people(users)} used it")


def test_saving_an_unchanged_dialog_writes_nothing(sample, store):
    """The Instagram touchpoint has two conditions; the editor shows one and keeps both."""
    journey = sample.maps[CMS]
    before = {b.id: b for b in store.list_bindings(journey.id)}
    revision = store.map_revision(journey.id)
    at = open_page(sample, CMS, **{BINDING: journey.id})
    assert "and 1 more condition(s), kept as they are" in texts(at.caption)

    click(at, "bind:save")

    assert {b.id: b for b in store.list_bindings(journey.id)} == before
    assert store.map_revision(journey.id) == revision
    assert BINDING not in at.session_state


def test_close_discards_the_draft(sample, store):
    journey = sample.maps[CMS]
    advocacy = stage_id(store.load_map(journey.id), "Advocacy")
    before = store.list_bindings(journey.id)
    at = open_page(sample, CMS, **{BINDING: journey.id})
    events_box(at, advocacy).set_value(["login"])
    run(at)

    click(at, "bind:close")
    assert store.list_bindings(journey.id) == before
    assert BINDING not in at.session_state

    at.session_state[BINDING] = journey.id
    run(at)
    assert events_box(at, advocacy).value == []  # it opens on what is saved


def test_suggest_fills_only_unbound_stages_and_saves_nothing(sample, store):
    journey = sample.maps[CMS]
    board = store.load_map(journey.id)
    expansion = stage_id(board, "Expansion")
    binding = next(b for b in store.list_bindings(journey.id) if b.target_id == expansion)
    store.unbind(binding.id, binding.version)
    saved = store.list_bindings(journey.id)
    at = open_page(sample, CMS, **{BINDING: journey.id})
    assert events_box(at, expansion).value == []
    drafts = {s.id: events_box(at, s.id).value for s in board.stages if s.id != expansion}

    click(at, "bind:suggest")

    assert events_box(at, expansion).value == ["invite_teammate"]
    assert {s: events_box(at, s).value for s in drafts} == drafts  # bound rows untouched
    assert "Suggested events for 1 stage(s): check them, then Save." in texts(at.toast)
    assert store.list_bindings(journey.id) == saved  # only a draft until Save

    click(at, "bind:save")
    assert rules_by_stage(store, journey)["Expansion"][0] == {
        "events": ["invite_teammate"],
        "where": [],
    }


def test_suggest_says_when_it_has_nothing(sample):
    at = open_page(sample, CMS, **{BINDING: sample.maps[CMS].id})
    click(at, "bind:suggest")  # only Advocacy is unbound, and no event name means it
    assert "No suggestion: the event names say nothing about the unbound stages." in texts(at.toast)


def test_save_keeps_what_someone_else_bound_meanwhile(sample, store):
    journey = sample.maps[CMS]
    board = store.load_map(journey.id)
    sid = {s.name: s.id for s in board.stages}
    at = open_page(sample, CMS, **{BINDING: journey.id})
    # Meanwhile Ben binds Advocacy and changes Purchase.
    store.bind(journey.id, sid["Advocacy"], {"events": ["login"], "where": []}, by="Ben")
    purchase = next(b for b in store.list_bindings(journey.id) if b.target_id == sid["Purchase"])
    theirs = {"events": ["purchase", "start_trial"], "where": []}
    store.bind(journey.id, sid["Purchase"], theirs, expected_version=purchase.version, by="Ben")

    events_box(at, sid["Retention"]).set_value(["login", "edit_site"])  # I change Retention
    run(at)
    click(at, "bind:save")

    after = rules_by_stage(store, journey)
    assert after["Retention"][0]["events"] == ["login", "edit_site"]
    assert after["Advocacy"][0]["events"] == ["login"]  # unbound without a word today
    assert after["Purchase"][0] == theirs  # reverted without a word today


# -- the blind-spot finder -----------------------------------------------------------------


def test_the_cms_map_has_no_blind_spot(sample):
    at = open_page(sample, CMS)
    [spots] = [e for e in at.expander if e.label.startswith("Blind spots")]
    assert spots.label.endswith("(0)")
    assert any(t.startswith("None found") for t in texts(at.caption))


def test_a_drop_off_without_a_pain_point_becomes_one(sample, store):
    journey = sample.maps[LOOP]
    board = store.load_map(journey.id)
    product, cart = stage_id(board, "Product page"), stage_id(board, "Cart")
    pain = lane_id(board, "Pain points")
    assert not [n for n in board.notes if (n.stage_id, n.lane_id) == (product, pain)]
    reached = expected_reached(store, journey)
    lost, of = reached[product] - reached[cart], reached[product]
    title = f"{100 * lost / of:.0f}% leave between Product page and Cart"
    evidence = f"{lost:,} of {of:,} people who reached Product page did not reach Cart"
    at = open_page(sample, LOOP)
    [spots] = [e for e in at.expander if e.label.startswith("Blind spots")]
    count = int(spots.label.rsplit("(", 1)[1].rstrip(")"))
    assert f":material/trending_down: **{title}**" in texts(at.markdown)
    assert any(c.startswith(evidence) for c in texts(at.caption))

    click(at, f"blind:{journey.id}:0")

    [added] = [
        n for n in store.load_map(journey.id).notes if n.id not in {x.id for x in board.notes}
    ]
    assert (added.stage_id, added.lane_id, added.author) == (product, pain, USER)
    first, second = added.text.split("\n")
    assert first == title
    assert second.startswith(f"Evidence: {evidence}")
    assert "Loop Store: GA4 export" in second  # the dataset the evidence rests on
    assert "Added the finding as a pain point, with its evidence." in texts(at.toast)
    [spots] = [e for e in at.expander if e.label.startswith("Blind spots")]
    assert spots.label.endswith(f"({count - 1})")  # it has a pain point now
    assert f":material/trending_down: **{title}**" not in texts(at.markdown)
    assert added.id in {n["id"] for n in wall_data(at)["notes"]}


# -- the journey graph ---------------------------------------------------------------------


@pytest.fixture
def graph(monkeypatch):
    """Replace the agraph wrapper (a custom component): record its input, play a click."""
    calls: list[tuple[list, list, str]] = []
    clicked: list[str | None] = [None]

    def journey_graph(nodes, edges, *, key, height=520):
        calls.append((list(nodes), list(edges), key))
        return clicked[0]

    monkeypatch.setattr("components.journey_graph.journey_graph", journey_graph)
    return calls, clicked


def test_graph_page_has_stages_touchpoints_flows_and_exits(sample, store, graph):
    calls, _ = graph
    journey = sample.maps[CMS]
    board = store.load_map(journey.id)
    at = open_page(sample, CMS, GRAPH)

    assert f"Journey graph: {CMS}" in texts(at.title)
    assert " people in " in data_caption(at)
    nodes, edges, key = calls[-1]
    assert key == f"graph:{journey.id}"
    by_id = {n.id: n for n in nodes}
    assert len(by_id) == len(nodes)
    reached = expected_reached(store, journey)
    for level, stage in enumerate(board.stages):
        node = by_id[stage.id]
        assert (node.level, node.row, node.shape) == (level, 0, "box")
        if stage.id in reached:
            people = "person" if reached[stage.id] == 1 else "people"
            assert node.label == f"{stage.name}\n{reached[stage.id]:,} {people}"
        else:
            assert (node.label, node.color) == (stage.name, UNBOUND_COLOUR)
    touch = {lane.id for lane in board.lanes if lane.kind.value == "touchpoint"}
    touchpoints = [n for n in board.notes if n.lane_id in touch]
    stages = {s.id for s in board.stages}
    for note in touchpoints:
        node = by_id[note.id]
        assert node.label == note.text
        assert node.level == by_id[note.stage_id].level and node.row >= 1
        assert any(e.source == note.stage_id and e.target == note.id and e.dashed for e in edges)
    left = [n for n in nodes if n.id.startswith("left:")]
    assert left and all(n.color == LEFT_COLOUR for n in left)
    assert len(nodes) == len(board.stages) + len(touchpoints) + len(left)
    last_bound = list(reached)[-1]
    assert f"left:{last_bound}" not in by_id  # nobody "leaves" after the last stage
    for node in left:
        [exit_edge] = [e for e in edges if e.target == node.id]
        assert exit_edge.source == node.id.removeprefix("left:")
        assert node.label == f"Left: {exit_edge.label}"
    flows = [e for e in edges if e.source in stages and e.target in stages]
    assert any(
        (e.source, e.target) == (stage_id(board, "Awareness"), stage_id(board, "Consideration"))
        for e in flows
    )
    assert all(e.source in reached and e.target in reached for e in flows)


def test_graph_passes_user_text_through_unchanged(sample, store, graph):
    calls, _ = graph
    journey = sample.maps[CMS]
    board = store.load_map(journey.id)
    purchase = board.stage(stage_id(board, "Purchase"))
    store.update_stage(purchase.id, purchase.version, name=HOSTILE)
    note = store.add_note(
        journey.id, stage_id=purchase.id, lane_id=lane_id(board, "Touchpoints"), text=HOSTILE
    )
    run(new_app(GRAPH, state=sample.state(CMS)))

    nodes, _, _ = calls[-1]
    by_id = {n.id: n for n in nodes}
    assert by_id[purchase.id].label.split("\n")[0] == HOSTILE  # escaping is the wrapper's job
    assert by_id[note.id].label == HOSTILE


def test_clicking_graph_nodes_shows_their_details(sample, store, graph):
    calls, clicked = graph
    journey = sample.maps[CMS]
    board = store.load_map(journey.id)
    awareness = stage_id(board, "Awareness")
    ad = next(n for n in board.notes if n.text.startswith("Instagram ad"))
    at = open_page(sample, CMS, GRAPH)

    clicked[0] = stage_id(board, "Purchase")
    run(at)
    assert "**Purchase**" in texts(at.markdown)
    assert people(expected_reached(store, journey)[clicked[0]]) in texts(at.text)
    assert "• Pixelsite is $12 a month cheaper for a similar plan" in texts(at.text)

    clicked[0] = f"left:{awareness}"
    run(at)
    _, edges, _ = calls[-1]
    [exit_edge] = [e for e in edges if e.target == clicked[0]]
    assert f"**{exit_edge.label} people left the journey after Awareness**" in texts(at.markdown)

    clicked[0] = ad.id
    run(at)
    assert "**Touchpoint** in Awareness" in texts(at.markdown)
    assert ad.text in texts(at.text)
    assert any(" people used it" in c for c in texts(at.caption))


def test_graph_parts_without_data(sample, store):
    board = store.load_map(sample.maps[LOOP].id)
    nodes, edges = graph_parts(board, None, None)
    stages = {s.id: s.name for s in board.stages}
    assert [n.label for n in nodes if n.id in stages] == list(stages.values())
    assert all(n.color == UNBOUND_COLOUR for n in nodes if n.id in stages)
    assert not any(n.id.startswith("left:") for n in nodes)
    assert all(e.dashed and e.label == "" for e in edges)  # stage to touchpoint only


def test_graph_label_of_a_stage_one_person_reached(sample, store, graph):
    calls, _ = graph
    journey = sample.maps[CMS]
    reached = expected_reached(store, journey)
    [one] = [key for key, n in reached.items() if n == 1][:1]  # Retention in the sample
    run(new_app(GRAPH, state=sample.state(CMS)))
    nodes, _, _ = calls[-1]
    assert next(n for n in nodes if n.id == one).label.endswith("\n1 person")


# -- personas as data ----------------------------------------------------------------------


def test_compare_tab_shows_their_journeys_in_the_data(sample, store):
    at = run(new_app(PERSONAS, state={"jm:workspace": sample.workspace.id}))
    names = {p.id: p.name for p in sample.personas.values()}
    chosen = [names[i] for i in at.multiselect(key="persona:compare").value]
    assert len(chosen) == 2
    assert "**Their journeys in the data**" in texts(at.markdown)

    map_id = at.selectbox(key="persona:funnel_map").value
    journey = next(m for m in sample.maps.values() if m.id == map_id)
    board = store.load_map(journey.id)
    [wide] = [d.value for d in at.dataframe if "Everyone" in d.value.columns]
    assert list(wide.columns) == ["Everyone", *chosen]
    reached = expected_reached(store, journey)
    assert list(wide.index) == [board.stage(k).name for k in reached]
    assert wide["Everyone"].tolist() == list(reached.values())
    frame = events(store, journey)
    for name in chosen:
        mine = expected_reached(store, journey, in_segment(frame, sample.personas[name]))
        assert wide[name].tolist() == list(mine.values()), name
    [long] = [d.value for d in at.dataframe if "persona" in d.value.columns]
    assert set(long["persona"]) == {"Everyone", *chosen}


def test_compare_tab_follows_the_chosen_map(sample, store):
    at = run(new_app(PERSONAS, state={"jm:workspace": sample.workspace.id}))
    loop = sample.maps[LOOP]
    at.selectbox(key="persona:funnel_map").set_value(loop.id)
    run(at)

    [wide] = [d.value for d in at.dataframe if "Everyone" in d.value.columns]
    reached = expected_reached(store, loop)
    assert wide["Everyone"].tolist() == list(reached.values())
    assert wide.index[0] == "Discover"


def test_segment_editor_saves_a_segment(sample, store):
    maya = sample.personas["Maya Lindqvist"]
    key = f"persona:{maya.id}:segment"
    at = run(new_app(PERSONAS, state={"jm:workspace": sample.workspace.id}))
    assert at.text_input(key=f"{key}:0:v").value == "instagram, facebook"

    at.selectbox(key=f"{key}:1:column").set_value("device")
    at.selectbox(key=f"{key}:1:op").set_value("is not")
    at.text_input(key=f"{key}:1:v").input(" tablet ,, desktop ")
    click(at, f"FormSubmitter:{key}-Save the segment")

    assert store.get_persona(maya.id).segment == {
        "events": [],
        "where": [
            {"column": "source", "op": "is", "values": ["instagram", "facebook"]},
            {"column": "device", "op": "is not", "values": ["tablet", "desktop"]},
        ],
    }
    assert "Saved the segment of Maya Lindqvist." in texts(at.toast)
    labels = [p.proto.popover.label for p in at.get("popover")]
    assert (
        "In the data: source is instagram or facebook and device is not tablet or desktop" in labels
    )


def test_emptying_a_segment_clears_it_and_the_data_bar_drops_the_persona(sample, store):
    maya = sample.personas["Maya Lindqvist"]
    key = f"persona:{maya.id}:segment"
    at = run(new_app(PERSONAS, state={"jm:workspace": sample.workspace.id}))
    at.text_input(key=f"{key}:0:v").input("  ")
    click(at, f"FormSubmitter:{key}-Save the segment")

    assert store.get_persona(maya.id).segment is None
    assert "In the data: Everyone (no segment)" in [
        p.proto.popover.label for p in at.get("popover")
    ]
    journey = sample.maps[CMS]
    page = open_page(sample, CMS)
    options = page.selectbox(key=f"data:{journey.id}:persona").options
    assert "Persona: Maya Lindqvist" not in options
    assert "Persona: Priya Shah" in options
