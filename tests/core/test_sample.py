"""The sample workshop file and the all-or-nothing workspace import."""

from __future__ import annotations

import copy
import json

import pytest

from journeymap import LaneKind, NotFoundError, ValidationError, load_sample
from journeymap.sample import SAMPLE_FILE, ensure_sample


@pytest.fixture
def sample_required():
    if not SAMPLE_FILE.exists():
        pytest.skip(f"{SAMPLE_FILE} is not there yet")


@pytest.fixture
def loaded(store, sample_required):
    return load_sample(store)


def test_sample_creates_one_workspace(store, loaded):
    assert store.list_workspaces() == [loaded]
    assert loaded.name.strip() != ""
    assert loaded.created_by == "Sample"


def test_sample_has_two_or_three_personas_with_exactly_one_primary(store, loaded):
    personas = store.list_personas(loaded.id)
    assert 2 <= len(personas) <= 3
    assert sum(p.is_primary for p in personas) == 1
    assert personas[0].is_primary
    for persona in personas:
        assert persona.name and persona.role
        assert persona.goals and persona.frustrations


def test_sample_maps_are_full(store, loaded):
    maps = store.list_maps(loaded.id)
    assert len(maps) >= 2
    persona_ids = {p.id for p in store.list_personas(loaded.id)}
    for journey in maps:
        board = store.load_map(journey.id)
        assert len(board.notes) >= 30, journey.title
        assert journey.persona_id in persona_ids, journey.title
        used_lanes = {n.lane_id for n in board.notes}
        for lane in board.lanes:
            assert lane.id in used_lanes, f"{journey.title}: no note in lane {lane.name!r}"
        for note in board.notes:
            assert note.emotion is None or -2 <= note.emotion <= 2
            assert note.text and note.author
        emotion_lanes = {ln.id for ln in board.lanes if ln.kind is LaneKind.EMOTION}
        scored = [n for n in board.notes if n.lane_id in emotion_lanes]
        assert scored and all(n.emotion is not None for n in scored), journey.title


def test_sample_notes_keep_file_order_within_each_cell(store, loaded):
    doc = json.loads(SAMPLE_FILE.read_text(encoding="utf-8"))
    for entry, journey in zip(doc["maps"], store.list_maps(loaded.id), strict=True):
        board = store.load_map(journey.id)
        assert journey.title == entry["title"]
        stage_names = {s.id: s.name for s in board.stages}
        lane_names = {ln.id: ln.name for ln in board.lanes}
        got = [(stage_names[n.stage_id], lane_names[n.lane_id], n.text) for n in board.notes]
        expected = [(n["stage"], n["lane"], n["text"].strip()) for n in entry["notes"]]
        assert sorted(got) == sorted(expected)
        for key in {(s, ln) for s, ln, _ in expected}:
            assert [t for s, ln, t in got if (s, ln) == key] == [
                t for s, ln, t in expected if (s, ln) == key
            ]


def test_loading_the_sample_twice_gives_two_independent_workspaces(store, sample_required):
    first = load_sample(store)
    second = load_sample(store, created_by="Ana")
    assert first.id != second.id
    assert second.created_by == "Ana"
    assert len(store.list_workspaces()) == 2
    store.delete_workspace(first.id, first.version)
    assert len(store.list_maps(second.id)) >= 2


def test_ensure_sample_only_fills_an_empty_store(store, sample_required):
    created = ensure_sample(store)
    assert created is not None
    assert ensure_sample(store) is None
    assert store.list_workspaces() == [created]


# -- import_workspace is all or nothing (no sample file needed) -------------------------


def small_doc(notes: int = 6) -> dict:
    return {
        "workspace": {"name": "Imported", "description": "From a file"},
        "personas": [
            {"key": "maya", "name": "Maya", "is_primary": True, "goals": ["Look good"]},
            {"key": "tom", "name": "Tom", "role": "Developer"},
        ],
        "maps": [
            {
                "title": "Blank one",
                "template": "blank",
                "persona": "tom",
                "notes": [{"stage": "Stage 1", "lane": "Emotions", "text": "Fine", "emotion": 0}],
            },
            {
                "title": "Maya's map",
                "template": "lifecycle",
                "persona": "maya",
                "scenario": "Chooses a CMS",
                "notes": [
                    {
                        "stage": "Awareness",
                        "lane": "Customer actions",
                        "text": f"Note {i + 1}",
                        "author": "Ana",
                    }
                    for i in range(notes)
                ],
            },
        ],
    }


def test_import_creates_everything(store):
    ws = store.import_workspace(small_doc(), created_by="Ben")
    assert ws.name == "Imported" and ws.created_by == "Ben"
    personas = {p.name: p for p in store.list_personas(ws.id)}
    assert personas["Maya"].is_primary and not personas["Tom"].is_primary
    maps = {m.title: m for m in store.list_maps(ws.id)}
    assert maps["Maya's map"].persona_id == personas["Maya"].id
    assert maps["Blank one"].persona_id == personas["Tom"].id
    board = store.load_map(maps["Maya's map"].id)
    assert [n.text for n in board.notes] == [f"Note {i + 1}" for i in range(6)]
    assert all(n.author == "Ana" for n in board.notes)
    blank = store.load_map(maps["Blank one"].id)
    assert blank.notes[0].emotion == 0 and blank.notes[0].author == "Ben"


def _break(doc: dict, how: str) -> dict:
    doc = copy.deepcopy(doc)
    notes = doc["maps"][1]["notes"]
    if how == "unknown stage":
        notes[4]["stage"] = "Nowhere"
    elif how == "unknown lane":
        notes[4]["lane"] = "Nowhere"
    elif how == "bad emotion":
        notes[4]["emotion"] = 7
    elif how == "empty text":
        notes[4]["text"] = "   "
    elif how == "unknown persona":
        doc["maps"][1]["persona"] = "nobody"
    elif how == "unknown template":
        doc["maps"][1]["template"] = "nope"
    elif how == "duplicate stages":
        doc["maps"][1]["stages"] = ["A", "a"]
    elif how == "empty workspace name":
        doc["workspace"]["name"] = " "
    elif how == "bad persona photo":
        doc["personas"][1]["photo"] = b"not an image"
    return doc


def test_fifth_note_in_an_unknown_stage_creates_nothing(store):
    with pytest.raises(ValidationError) as caught:
        store.import_workspace(_break(small_doc(), "unknown stage"))
    assert "Note 5" in str(caught.value)
    assert "Nowhere" in str(caught.value)
    assert store.list_workspaces() == []


@pytest.mark.parametrize(
    "how",
    [
        "unknown stage",
        "unknown lane",
        "bad emotion",
        "empty text",
        "unknown persona",
        "unknown template",
        "duplicate stages",
        "empty workspace name",
        "bad persona photo",
    ],
)
def test_any_bad_part_creates_nothing(store, count_rows, how):
    with pytest.raises(ValidationError):
        store.import_workspace(_break(small_doc(), how))
    assert store.list_workspaces() == []
    for table in ("workspaces", "personas", "maps", "stages", "lanes", "notes"):
        assert count_rows(table) == 0, table


def test_failed_import_leaves_existing_workspaces_alone(store, workspace, snapshot):
    before = snapshot()
    with pytest.raises(ValidationError):
        store.import_workspace(_break(small_doc(), "unknown lane"))
    assert snapshot() == before


def test_load_sample_reads_any_path(store, tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(small_doc()), encoding="utf-8")
    ws = load_sample(store, path=path)
    assert [m.title for m in store.list_maps(ws.id)] == ["Blank one", "Maya's map"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_break(small_doc(), "unknown stage")), encoding="utf-8")
    with pytest.raises(ValidationError):
        load_sample(store, path=bad)
    assert store.list_workspaces() == [ws]
    with pytest.raises(NotFoundError):
        store.get_workspace("nope")


def test_import_with_custom_stages_and_lanes(store):
    doc = {
        "workspace": {"name": "Custom"},
        "personas": [{"name": "Maya"}],
        "maps": [
            {
                "title": "Custom map",
                "persona": "Maya",
                "stages": ["Before", "During", "After"],
                "lanes": [{"name": "Doing", "kind": "action"}, {"name": "Quotes"}],
                "notes": [
                    {"stage": "After", "lane": "Quotes", "text": "Loved it"},
                    {"stage": "Before", "lane": "Doing", "text": "Searches"},
                    {"stage": "After", "lane": "Quotes", "text": "Would recommend"},
                ],
            }
        ],
    }
    ws = store.import_workspace(doc)
    (journey,) = store.list_maps(ws.id)
    board = store.load_map(journey.id)
    assert [s.name for s in board.stages] == ["Before", "During", "After"]
    assert [(ln.name, ln.kind) for ln in board.lanes] == [
        ("Doing", LaneKind.ACTION),
        ("Quotes", LaneKind.CUSTOM),
    ]
    quotes = [n.text for n in board.notes if n.lane_id == board.lanes[1].id]
    assert quotes == ["Loved it", "Would recommend"]
    assert journey.persona_id == store.list_personas(ws.id)[0].id


def test_sample_comes_with_its_analytics_data(store, loaded):
    datasets = {d.name: d for d in store.list_datasets(loaded.id)}
    assert {(d.kind.value, d.source_format) for d in datasets.values()} == {
        ("events", "ga4"),
        ("costs", "costs"),
        ("survey", "survey"),
    }
    canvas = datasets["Canvas: GA4 export, Sep-Oct 2026"]
    assert canvas.rows == 8_352 and canvas.users > 800
    events = store.read_dataset(canvas)
    assert {"sign_up", "start_trial", "purchase"} <= set(events["event"].cat.categories)
    assert set(events["device"].dropna()) <= {"desktop", "mobile", "tablet"}
    assert events["channel"].notna().all()
    loop = datasets["Loop Store: GA4 export, Sep-Oct 2026"]
    assert "add_to_cart" in set(store.read_dataset(loop)["event"])
