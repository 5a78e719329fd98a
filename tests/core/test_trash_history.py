"""The trash, each note's history, the map's activity feed, and presence."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from journeymap import ConflictError, NoteEventKind, NotFoundError


def add(store, board, text="Note", stage=0, lane=0, author="Ana"):
    return store.add_note(
        board.map.id,
        stage_id=board.stages[stage].id,
        lane_id=board.lanes[lane].id,
        text=text,
        author=author,
    )


# -- trash -------------------------------------------------------------------------


def test_deleted_note_goes_to_the_trash_and_comes_back_in_its_cell(store, board):
    _, second, _ = (add(store, board, t) for t in ("one", "two", "three"))
    store.delete_note(second.id, second.version, by="Ben")

    [trashed] = store.list_trash(board.map.id)
    assert (trashed.id, trashed.deleted_by) == (second.id, "Ben")
    assert [n.text for n in store.load_map(board.map.id).notes] == ["one", "three"]

    restored = store.restore_note(trashed.id, trashed.version, by="Cy")
    assert restored.deleted_at is None
    assert restored.version == trashed.version + 1
    assert store.list_trash(board.map.id) == []
    assert [n.text for n in store.load_map(board.map.id).notes] == ["one", "two", "three"]


def test_trash_lists_the_latest_deletion_first(det_store):
    ws = det_store.create_workspace("W")
    journey = det_store.create_map(ws.id, "M")
    board = det_store.load_map(journey.id)
    notes = [add(det_store, board, t) for t in ("a", "b", "c")]
    for note in notes:
        det_store.delete_note(note.id, note.version)
    assert [n.text for n in det_store.list_trash(journey.id)] == ["c", "b", "a"]


def test_restoring_twice_or_with_a_stale_version_changes_nothing(store, board):
    note = add(store, board)
    store.delete_note(note.id, note.version)
    trashed = store.get_note(note.id)
    store.restore_note(trashed.id, trashed.version)
    with pytest.raises(ConflictError):
        store.restore_note(trashed.id, trashed.version)
    assert len(store.load_map(board.map.id).notes) == 1


def test_a_trashed_note_cannot_be_edited_moved_or_deleted_again(store, board):
    note = add(store, board)
    store.delete_note(note.id, note.version)
    trashed = store.get_note(note.id)
    with pytest.raises(NotFoundError):
        store.update_note(note.id, trashed.version, text="x")
    with pytest.raises(NotFoundError):
        store.move_note(
            note.id, trashed.version, stage_id=board.stages[1].id, lane_id=board.lanes[0].id
        )
    with pytest.raises(NotFoundError):
        store.delete_note(note.id, trashed.version)
    assert store.get_note(note.id) == trashed


def test_a_stale_delete_of_an_edited_note_is_a_conflict_with_their_text(store, board):
    note = add(store, board, "mine")
    theirs = store.update_note(note.id, note.version, text="theirs")
    with pytest.raises(ConflictError) as caught:
        store.delete_note(note.id, note.version)
    assert caught.value.current.text == "theirs"
    assert store.get_note(note.id) == theirs


# -- history and activity ----------------------------------------------------------


def test_history_records_who_did_what_in_order(store, board):
    note = add(store, board, "first text", author="Ana")
    note = store.update_note(note.id, note.version, text="second text", by="Ben")
    note = store.move_note(
        note.id, note.version, stage_id=board.stages[2].id, lane_id=board.lanes[3].id, by="Cy"
    )
    store.delete_note(note.id, note.version, by="Dee")
    trashed = store.get_note(note.id)
    store.restore_note(note.id, trashed.version, by="Eve")

    history = store.note_history(note.id)
    assert [(e.kind, e.actor) for e in history] == [
        (NoteEventKind.ADD, "Ana"),
        (NoteEventKind.EDIT, "Ben"),
        (NoteEventKind.MOVE, "Cy"),
        (NoteEventKind.DELETE, "Dee"),
        (NoteEventKind.RESTORE, "Eve"),
    ]
    assert history[0].details == {"stage": "Awareness", "lane": "Customer actions"}
    assert history[1].details == {
        "before": {"text": "first text"},
        "after": {"text": "second text"},
    }
    assert history[2].details == {
        "from": {"stage": "Awareness", "lane": "Customer actions"},
        "to": {"stage": "Purchase", "lane": "Pain points"},
    }
    assert [e.text for e in history] == ["first text"] + ["second text"] * 4
    assert all(a.at <= b.at for a, b in itertools.pairwise(history))


def test_an_edit_records_only_the_fields_that_changed(store, board):
    emotions = next(i for i, lane in enumerate(board.lanes) if lane.name == "Emotions")
    note = add(store, board, "Happy", lane=emotions)
    store.update_note(note.id, note.version, text="Happy", emotion=2, by="Ana")
    edit = store.note_history(note.id)[-1]
    assert edit.details == {"before": {"emotion": None}, "after": {"emotion": 2}}


def test_a_refused_write_leaves_no_history(store, board):
    note = add(store, board)
    store.update_note(note.id, note.version, text="theirs")
    with pytest.raises(ConflictError):
        store.update_note(note.id, note.version, text="mine")
    assert [e.kind for e in store.note_history(note.id)] == [NoteEventKind.ADD, NoteEventKind.EDIT]


def test_activity_is_the_maps_latest_changes_newest_first(det_store):
    ws = det_store.create_workspace("W")
    journey = det_store.create_map(ws.id, "M")
    other = det_store.create_map(ws.id, "Other")
    board = det_store.load_map(journey.id)
    for i in range(5):
        add(det_store, board, f"n{i}")
    add(det_store, det_store.load_map(other.id), "elsewhere")

    latest = det_store.activity(journey.id, limit=3)
    assert [e.text for e in latest] == ["n4", "n3", "n2"]
    assert all(e.map_id == journey.id for e in det_store.activity(journey.id))


def test_every_note_change_moves_the_map_revision(store, board):
    note = add(store, board)
    seen = store.map_revision(board.map.id)
    store.delete_note(note.id, note.version)
    assert store.map_revision(board.map.id) == seen + 1
    store.restore_note(note.id, store.get_note(note.id).version)
    assert store.map_revision(board.map.id) == seen + 2


def test_deleting_the_map_removes_its_history_and_presence(store, board, workspace):
    add(store, board)
    store.touch_presence(board.map.id, "s1", "Ana")
    journey = store.get_map(board.map.id)
    store.delete_map(journey.id, journey.version)
    assert store.activity(journey.id) == []
    assert store.present(journey.id) == []


# -- presence ----------------------------------------------------------------------


def test_presence_lists_each_name_once_while_recent(det_store, clock):
    ws = det_store.create_workspace("W")
    journey = det_store.create_map(ws.id, "M")
    det_store.touch_presence(journey.id, "tab-1", "Ben")
    det_store.touch_presence(journey.id, "tab-2", "Ana")
    det_store.touch_presence(journey.id, "tab-3", "Ana")  # a second tab, same person
    assert det_store.present(journey.id) == ["Ana", "Ben"]

    clock.now += timedelta(seconds=25)
    det_store.touch_presence(journey.id, "tab-1", "Ben")  # Ben is still here
    clock.now += timedelta(seconds=10)
    assert det_store.present(journey.id) == ["Ben"]  # Ana's tabs fell silent


def test_leaving_a_map_removes_the_session_at_once(store, board):
    store.touch_presence(board.map.id, "tab-1", "Ana")
    store.leave_map(board.map.id, "tab-1")
    assert store.present(board.map.id) == []


def test_presence_on_a_deleted_map_is_not_found(store):
    with pytest.raises(NotFoundError):
        store.touch_presence("no-such-map", "tab-1", "Ana")


def test_placing_by_index_counts_only_notes_on_the_wall(store, board):
    first, second = add(store, board, "n1"), add(store, board, "n2")
    store.delete_note(first.id, first.version)
    store.add_note(
        board.map.id,
        stage_id=board.stages[0].id,
        lane_id=board.lanes[0].id,
        text="n3",
        index=1,  # after n2, the only note left on the wall
    )
    assert [n.text for n in store.load_map(board.map.id).notes] == ["n2", "n3"]
    assert second.text == "n2"


def test_a_restored_note_whose_place_was_taken_comes_back_at_the_end(store, board):
    first = add(store, board, "n1")
    store.delete_note(first.id, first.version)
    add(store, board, "n2")  # takes the place n1 left behind
    add(store, board, "n3")
    trashed = store.get_note(first.id)
    store.restore_note(first.id, trashed.version)
    assert [n.text for n in store.load_map(board.map.id).notes] == ["n2", "n3", "n1"]
