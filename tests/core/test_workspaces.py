"""Workspaces: create, list, get, update, delete (with everything inside)."""

from __future__ import annotations

from datetime import UTC

import pytest

from journeymap import NotFoundError, Workspace


def test_create_returns_the_saved_workspace(det_store, clock):
    ws = det_store.create_workspace("  Product team  ", "  Q3 workshop \r\n day 1 ", "Ana")

    assert isinstance(ws, Workspace)
    assert ws.name == "Product team"
    assert ws.description == "Q3 workshop \n day 1"
    assert ws.created_by == "Ana"
    assert ws.version == 1
    assert ws.created_at == clock.now
    assert det_store.get_workspace(ws.id) == ws


def test_created_at_is_an_aware_utc_datetime(store):
    ws = store.create_workspace("Team")
    loaded = store.get_workspace(ws.id)
    assert loaded.created_at.tzinfo is not None
    assert loaded.created_at.utcoffset() == UTC.utcoffset(None)
    assert loaded.created_at == ws.created_at


def test_list_is_in_creation_order(det_store):
    names = ["Zeta", "alpha", "Mid"]
    created = [det_store.create_workspace(n) for n in names]
    assert det_store.list_workspaces() == created


def test_list_is_empty_on_a_new_store(store):
    assert store.list_workspaces() == []


def test_get_unknown_workspace_raises_not_found(store):
    with pytest.raises(NotFoundError):
        store.get_workspace("nope")


def test_update_changes_fields_and_bumps_version(store):
    ws = store.create_workspace("Team", "old")
    renamed = store.update_workspace(ws.id, ws.version, name=" New team ")
    assert renamed.name == "New team"
    assert renamed.description == "old"
    assert renamed.version == 2

    described = store.update_workspace(ws.id, renamed.version, description="new text")
    assert described.name == "New team"
    assert described.description == "new text"
    assert described.version == 3
    assert store.get_workspace(ws.id) == described
    assert described.created_at == ws.created_at


def test_delete_removes_the_workspace(store):
    keep = store.create_workspace("Keep")
    gone = store.create_workspace("Gone")
    store.delete_workspace(gone.id, gone.version)

    assert store.list_workspaces() == [keep]
    with pytest.raises(NotFoundError):
        store.get_workspace(gone.id)


def test_delete_cascades_to_personas_maps_stages_lanes_notes(store, count_rows):
    ws = store.create_workspace("Doomed")
    other = store.create_workspace("Neighbour")
    persona = store.add_persona(ws.id, "Maya", is_primary=True)
    maps = [
        store.create_map(ws.id, "One", persona_id=persona.id),
        store.create_map(ws.id, "Two", template="saas"),
    ]
    note_ids = []
    for m in maps:
        board = store.load_map(m.id)
        for stage in board.stages[:2]:
            for lane in board.lanes:
                note_ids.append(
                    store.add_note(m.id, stage_id=stage.id, lane_id=lane.id, text="x").id
                )
    other_persona = store.add_persona(other.id, "Tom")
    other_map = store.create_map(other.id, "Theirs", persona_id=other_persona.id)
    other_board = store.load_map(other_map.id)
    store.add_note(
        other_map.id,
        stage_id=other_board.stages[0].id,
        lane_id=other_board.lanes[0].id,
        text="keep me",
    )
    other_board = store.load_map(other_map.id)

    store.delete_workspace(ws.id, ws.version)

    assert store.list_personas(ws.id) == []
    assert store.list_maps(ws.id) == []
    with pytest.raises(NotFoundError):
        store.get_persona(persona.id)
    for m in maps:
        with pytest.raises(NotFoundError):
            store.load_map(m.id)
        with pytest.raises(NotFoundError):
            store.get_map(m.id)
        for table in ("stages", "lanes", "notes"):
            assert count_rows(table, map_id=m.id) == 0
    for note_id in note_ids:
        with pytest.raises(NotFoundError):
            store.get_note(note_id)
    assert count_rows("personas", workspace_id=ws.id) == 0
    assert count_rows("maps", workspace_id=ws.id) == 0

    # The other workspace is untouched.
    assert store.list_workspaces() == [other]
    assert store.list_personas(other.id) == [other_persona]
    assert store.load_map(other_map.id) == other_board


def test_delete_unknown_workspace_raises_not_found(store):
    with pytest.raises(NotFoundError):
        store.delete_workspace("nope", 1)
