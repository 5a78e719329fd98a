"""Journey maps: templates, updates, the revision counter, and deletion."""

from __future__ import annotations

import pytest

from journeymap import (
    DEFAULT_TEMPLATE,
    TEMPLATES,
    JourneyMap,
    LaneKind,
    NotFoundError,
    ValidationError,
)

LIFECYCLE = [
    "Awareness",
    "Consideration",
    "Purchase",
    "Adoption",
    "Retention",
    "Expansion",
    "Advocacy",
]
STANDARD_LANES = [
    ("Customer actions", LaneKind.ACTION),
    ("Touchpoints", LaneKind.TOUCHPOINT),
    ("Emotions", LaneKind.EMOTION),
    ("Pain points", LaneKind.PAIN),
    ("Opportunities", LaneKind.OPPORTUNITY),
    ("Resources", LaneKind.RESOURCE),
]


def test_default_template_is_the_7_stage_lifecycle(store, workspace):
    assert DEFAULT_TEMPLATE == "lifecycle"
    journey = store.create_map(workspace.id, " Choosing a CMS ", created_by="Ana")

    assert isinstance(journey, JourneyMap)
    assert journey.title == "Choosing a CMS"
    assert journey.version == 1
    assert journey.revision == 1
    assert journey.persona_id is None
    assert journey.created_by == "Ana"

    board = store.load_map(journey.id)
    assert board.map == journey
    assert [s.name for s in board.stages] == LIFECYCLE
    assert [(ln.name, ln.kind) for ln in board.lanes] == STANDARD_LANES
    assert all(isinstance(ln.kind, LaneKind) for ln in board.lanes)
    assert board.notes == ()
    assert all(s.map_id == journey.id for s in board.stages + board.lanes)
    positions = [s.position for s in board.stages]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_every_template_creates_its_layout(store, workspace, key):
    template = TEMPLATES[key]
    journey = store.create_map(workspace.id, f"From {key}", template=key)
    board = store.load_map(journey.id)
    assert [s.name for s in board.stages] == list(template.stages)
    assert [(ln.name, ln.kind) for ln in board.lanes] == [
        (name, LaneKind(kind)) for name, kind in template.lanes
    ]


def test_unknown_template_raises_and_creates_nothing(store, workspace):
    with pytest.raises(ValidationError, match="nope"):
        store.create_map(workspace.id, "Map", template="nope")
    assert store.list_maps(workspace.id) == []


def test_map_in_unknown_workspace_raises_not_found(store):
    with pytest.raises(NotFoundError):
        store.create_map("nope", "Map")


def test_persona_from_another_workspace_raises(store, workspace):
    other = store.create_workspace("Other")
    stranger = store.add_persona(other.id, "Stranger")
    with pytest.raises(ValidationError, match="another workspace"):
        store.create_map(workspace.id, "Map", persona_id=stranger.id)
    assert store.list_maps(workspace.id) == []
    assert store.list_maps(other.id) == []


def test_unknown_persona_raises_not_found(store, workspace):
    with pytest.raises(NotFoundError):
        store.create_map(workspace.id, "Map", persona_id="nope")
    assert store.list_maps(workspace.id) == []


def test_create_with_persona_and_scenario(store, workspace):
    maya = store.add_persona(workspace.id, "Maya")
    journey = store.create_map(
        workspace.id, "Map", persona_id=maya.id, scenario="Line 1\r\nLine 2", template="blank"
    )
    loaded = store.get_map(journey.id)
    assert loaded == journey
    assert loaded.persona_id == maya.id
    assert loaded.scenario == "Line 1\nLine 2"


def test_list_maps_in_creation_order(det_store):
    ws = det_store.create_workspace("Team")
    created = [det_store.create_map(ws.id, t, template="blank") for t in ("Zulu", "alpha", "Mike")]
    assert det_store.list_maps(ws.id) == created
    assert det_store.list_maps("nope") == []


def test_update_title_scenario_and_persona(store, workspace):
    maya = store.add_persona(workspace.id, "Maya")
    journey = store.create_map(workspace.id, "Old", template="blank")

    titled = store.update_map(journey.id, journey.version, title="New")
    assert (titled.title, titled.version) == ("New", 2)
    assert titled.revision > journey.revision

    scened = store.update_map(journey.id, titled.version, scenario="Buys shoes")
    assert scened.scenario == "Buys shoes" and scened.title == "New"

    linked = store.update_map(journey.id, scened.version, persona_id=maya.id)
    assert linked.persona_id == maya.id
    assert store.maps_using_persona(maya.id) == [linked]

    unlinked = store.update_map(journey.id, linked.version, persona_id=None)
    assert unlinked.persona_id is None
    assert unlinked.version == 5
    assert store.get_map(journey.id) == unlinked


def test_update_to_persona_of_another_workspace_raises(store, workspace, journey):
    other = store.create_workspace("Other")
    stranger = store.add_persona(other.id, "Stranger")
    with pytest.raises(ValidationError, match="another workspace"):
        store.update_map(journey.id, journey.version, persona_id=stranger.id)
    assert store.get_map(journey.id) == journey


def test_update_to_unknown_persona_raises_not_found(store, journey):
    with pytest.raises(NotFoundError):
        store.update_map(journey.id, journey.version, persona_id="nope")
    assert store.get_map(journey.id) == journey


def test_revision_grows_with_every_change_on_the_map(store, workspace, journey):
    board = store.load_map(journey.id)
    stage0, stage1 = board.stages[0], board.stages[1]
    lane0, lane1 = board.lanes[0], board.lanes[1]
    seen = [store.map_revision(journey.id)]
    assert seen[0] == journey.revision

    def changed(label):
        revision = store.map_revision(journey.id)
        assert revision > seen[-1], f"{label} did not move the revision"
        assert store.load_map(journey.id).map.revision == revision
        assert store.get_map(journey.id).revision == revision
        seen.append(revision)

    note = store.add_note(journey.id, stage_id=stage0.id, lane_id=lane0.id, text="a")
    changed("add_note")
    note = store.update_note(note.id, note.version, text="b")
    changed("update_note")
    note = store.move_note(note.id, note.version, stage_id=stage1.id, lane_id=lane1.id)
    changed("move_note to another cell")
    note = store.move_note(note.id, note.version, stage_id=stage1.id, lane_id=lane1.id, index=0)
    changed("move_note within its cell")
    store.delete_note(note.id, note.version)
    changed("delete_note")

    stage = store.add_stage(journey.id, "Churn")
    changed("add_stage")
    stage = store.update_stage(stage.id, stage.version, name="Win-back")
    changed("update_stage")
    stage = store.move_stage(stage.id, stage.version, 0)
    changed("move_stage")
    store.delete_stage(stage.id, stage.version)
    changed("delete_stage")

    lane = store.add_lane(journey.id, "Quotes")
    changed("add_lane")
    lane = store.update_lane(lane.id, lane.version, name="Verbatims", kind="pain")
    changed("update_lane")
    lane = store.move_lane(lane.id, lane.version, 2)
    changed("move_lane")
    store.delete_lane(lane.id, lane.version)
    changed("delete_lane")

    current = store.get_map(journey.id)
    current = store.update_map(journey.id, current.version, title="Renamed")
    changed("update_map title")
    assert current.revision == seen[-1]
    persona = store.add_persona(workspace.id, "Maya")
    current = store.update_map(journey.id, current.version, persona_id=persona.id)
    changed("update_map persona")
    store.delete_persona(persona.id, persona.version)
    changed("delete_persona of the map's persona")


def test_reads_and_other_maps_do_not_move_the_revision(store, workspace, journey):
    before = store.map_revision(journey.id)
    store.load_map(journey.id)
    store.get_map(journey.id)
    other = store.create_map(workspace.id, "Other")
    other_board = store.load_map(other.id)
    store.add_note(
        other.id, stage_id=other_board.stages[0].id, lane_id=other_board.lanes[0].id, text="x"
    )
    store.add_stage(other.id, "Extra")
    assert store.map_revision(journey.id) == before


def test_map_revision_of_unknown_map_raises(store):
    with pytest.raises(NotFoundError):
        store.map_revision("nope")


def test_delete_map_removes_its_children(store, workspace, count_rows):
    doomed = store.create_map(workspace.id, "Doomed")
    kept = store.create_map(workspace.id, "Kept")
    note_ids = []
    for m in (doomed, kept):
        board = store.load_map(m.id)
        for stage in board.stages:
            note_ids.append(
                store.add_note(m.id, stage_id=stage.id, lane_id=board.lanes[0].id, text=m.title).id
            )
    kept_board = store.load_map(kept.id)
    doomed = store.get_map(doomed.id)

    store.delete_map(doomed.id, doomed.version)

    with pytest.raises(NotFoundError):
        store.load_map(doomed.id)
    with pytest.raises(NotFoundError):
        store.get_map(doomed.id)
    for table in ("stages", "lanes", "notes"):
        assert count_rows(table, map_id=doomed.id) == 0
    for note_id in note_ids[:7]:
        with pytest.raises(NotFoundError):
            store.get_note(note_id)
    assert store.list_maps(workspace.id) == [store.get_map(kept.id)]
    assert store.load_map(kept.id) == kept_board


def test_delete_unknown_map_raises_not_found(store):
    with pytest.raises(NotFoundError):
        store.delete_map("nope", 1)
