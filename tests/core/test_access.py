"""Workspace passcodes: hashed, constant-time, rate-limited, and checked inside every write."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
import pytest

from journeymap import (
    Access,
    AccessError,
    Binding,
    Dataset,
    MapBoard,
    Note,
    Persona,
    Snapshot,
    Store,
    ValidationError,
    VoteRound,
    Workspace,
)
from journeymap.access import (
    BLOCK_FOR,
    MAX_FAILURES,
    hash_passcode,
    passcode_matches,
    workspace_key,
)

CODE = "orange-kite-42"
EVENTS = pd.DataFrame(
    {"actor_id": ["u1"], "event": ["visit"], "ts": pd.to_datetime(["2026-01-01"], utc=True)}
)


# -- hashing ---------------------------------------------------------------------------


def test_a_passcode_is_stored_salted_and_checks_only_against_itself():
    first, second = hash_passcode(CODE), hash_passcode(CODE)
    assert CODE not in first
    assert first != second  # a fresh salt each time
    assert passcode_matches(CODE, first) and passcode_matches(CODE, second)
    assert not passcode_matches(CODE + "x", first)
    assert not passcode_matches("", first)


@pytest.mark.parametrize("stored", ["", "plain", "md5$abc", "scrypt$x$8$1$00$00"])
def test_a_damaged_stored_hash_never_matches(stored):
    assert not passcode_matches(CODE, stored)


def test_access_allows_open_workspaces_and_only_the_right_key_for_protected_ones():
    stored = hash_passcode(CODE)
    key = workspace_key("w1", stored)
    assert Access().allows("w1", None)
    assert not Access().allows("w1", stored)
    assert Access(keys={"w1": key}).allows("w1", stored)
    assert not Access(keys={"w2": key}).allows("w2", stored)  # a key is bound to its workspace
    assert not Access(keys={"w1": key}).allows("w1", hash_passcode(CODE))  # and to that hash
    assert Access.TRUSTED.allows("w1", stored)


# -- the store ----------------------------------------------------------------------------


@pytest.fixture
def protected(store: Store):
    """A workspace with a passcode, a map, a note, a persona, and an open vote."""
    ws = store.create_workspace("Secret launch", created_by="Fay")
    journey = store.create_map(ws.id, "Launch", created_by="Fay")
    board = store.load_map(journey.id)
    note = store.add_note(
        journey.id, stage_id=board.stages[0].id, lane_id=board.lanes[0].id, text="n", author="Fay"
    )
    persona = store.add_persona(ws.id, "Ana")
    vote = store.open_vote(journey.id, by="Fay")
    dataset = store.save_dataset(ws.id, "Events", EVENTS)
    binding = store.bind(journey.id, board.stages[0].id, {"events": ["visit"]}, by="Fay")
    snapshot = store.save_snapshot(journey.id, "Before", by="Fay")
    store.set_passcode(ws.id, CODE, by="Fay")
    room = Room(
        store.get_workspace(ws.id), store.load_map(journey.id), note, persona, vote, dataset,
        binding, snapshot,
    )  # fmt: skip
    return store, room


@dataclass
class Room:
    ws: Workspace
    board: MapBoard
    note: Note
    persona: Persona
    vote: VoteRound
    dataset: Dataset
    binding: Binding
    snapshot: Snapshot

    @property
    def map(self):
        return self.board.map


# Every public write of the store, aimed at the protected workspace.
WRITES: dict[str, Callable[[Store, Room], object]] = {
    "update_workspace": lambda s, o: s.update_workspace(o.ws.id, o.ws.version, name="x"),
    "delete_workspace": lambda s, o: s.delete_workspace(o.ws.id, o.ws.version),
    "set_passcode": lambda s, o: s.set_passcode(o.ws.id, None, by="Fay"),
    "add_persona": lambda s, o: s.add_persona(o.ws.id, "Bo"),
    "update_persona": lambda s, o: s.update_persona(o.persona.id, o.persona.version, name="x"),
    "duplicate_persona": lambda s, o: s.duplicate_persona(o.persona.id),
    "delete_persona": lambda s, o: s.delete_persona(o.persona.id, o.persona.version),
    "create_map": lambda s, o: s.create_map(o.ws.id, "Another"),
    "update_map": lambda s, o: s.update_map(o.map.id, o.map.version, title="x", by="Fay"),
    "delete_map": lambda s, o: s.delete_map(o.map.id, o.map.version),
    "add_stage": lambda s, o: s.add_stage(o.map.id, "New", by="Fay"),
    "add_lane": lambda s, o: s.add_lane(o.map.id, "New", by="Fay"),
    "update_stage": lambda s, o: s.update_stage(
        o.board.stages[0].id, o.board.stages[0].version, name="x", by="Fay"
    ),
    "update_lane": lambda s, o: s.update_lane(
        o.board.lanes[0].id, o.board.lanes[0].version, name="x", by="Fay"
    ),
    "move_stage": lambda s, o: s.move_stage(
        o.board.stages[0].id, o.board.stages[0].version, 1, by="Fay"
    ),
    "move_lane": lambda s, o: s.move_lane(
        o.board.lanes[0].id, o.board.lanes[0].version, 1, by="Fay"
    ),
    "delete_stage": lambda s, o: s.delete_stage(
        o.board.stages[0].id, o.board.stages[0].version, by="Fay"
    ),
    "delete_lane": lambda s, o: s.delete_lane(
        o.board.lanes[0].id, o.board.lanes[0].version, by="Fay"
    ),
    "add_note": lambda s, o: s.add_note(
        o.map.id, stage_id=o.note.stage_id, lane_id=o.note.lane_id, text="x", author="Fay"
    ),
    "update_note": lambda s, o: s.update_note(o.note.id, o.note.version, text="x", by="Fay"),
    "move_note": lambda s, o: s.move_note(
        o.note.id, o.note.version, stage_id=o.board.stages[1].id, lane_id=o.note.lane_id, by="Fay"
    ),
    "delete_note": lambda s, o: s.delete_note(o.note.id, o.note.version, by="Fay"),
    "restore_note": lambda s, o: s.restore_note(o.note.id, o.note.version, by="Fay"),
    "add_comment": lambda s, o: s.add_comment(o.note.id, "x", author="Fay"),
    "lock_map": lambda s, o: s.lock_map(o.map.id, True, by="Fay"),
    "set_private": lambda s, o: s.set_private(o.map.id, True, by="Fay"),
    "start_timer": lambda s, o: s.start_timer(o.map.id, 60, by="Fay"),
    "pause_timer": lambda s, o: s.pause_timer(o.map.id, by="Fay"),
    "resume_timer": lambda s, o: s.resume_timer(o.map.id, by="Fay"),
    "add_time": lambda s, o: s.add_time(o.map.id, 60, by="Fay"),
    "stop_timer": lambda s, o: s.stop_timer(o.map.id, by="Fay"),
    "open_vote": lambda s, o: s.open_vote(o.map.id, by="Fay"),
    "close_vote": lambda s, o: s.close_vote(o.vote.id, by="Fay"),
    "toggle_vote": lambda s, o: s.toggle_vote(o.vote.id, o.note.id, voter="Fay"),
    "touch_presence": lambda s, o: s.touch_presence(o.map.id, "session-1", "Fay"),
    "leave_map": lambda s, o: s.leave_map(o.map.id, "session-1"),
    "save_dataset": lambda s, o: s.save_dataset(o.ws.id, "More events", EVENTS),
    "rename_dataset": lambda s, o: s.rename_dataset(o.dataset.id, o.dataset.version, "x"),
    "delete_dataset": lambda s, o: s.delete_dataset(o.dataset.id, o.dataset.version),
    "bind": lambda s, o: s.bind(o.map.id, o.board.stages[1].id, {"events": ["buy"]}, by="Fay"),
    "unbind": lambda s, o: s.unbind(o.binding.id, o.binding.version, by="Fay"),
    "save_snapshot": lambda s, o: s.save_snapshot(o.map.id, "Q3", by="Fay"),
    "restore_snapshot": lambda s, o: s.restore_snapshot(o.snapshot.id, by="Fay"),
    "create_future_state": lambda s, o: s.create_future_state(o.map.id, by="Fay"),
}


# Public methods that write nothing of an existing workspace (reads, or new workspaces).
NOT_GUARDED = {
    "activity", "close", "comment_counts", "create_workspace", "for_session", "get_map",
    "get_dataset", "list_datasets", "preview_dataset", "read_dataset",
    "get_note", "get_persona", "get_workspace", "has_access", "import_workspace",
    "latest_vote", "list_bindings", "list_comments", "list_snapshots", "get_snapshot",
    "map_document", "workspace_document", "restore_document", "list_maps", "list_personas", "list_trash",
    "list_workspaces", "load_map", "map_revision", "maps_using_persona", "migrate",
    "my_votes", "note_history", "present", "unlock_workspace", "vote_results",
}  # fmt: skip


def test_every_public_store_method_is_either_a_guarded_write_or_known_to_be_harmless():
    public = {n for n, _ in inspect.getmembers(Store, inspect.isfunction) if n[0] != "_"}
    assert public - NOT_GUARDED == set(WRITES), "classify the new store method in this test"


@pytest.mark.parametrize("name", list(WRITES))
def test_a_session_without_the_key_cannot_write_and_nothing_changes(protected, snapshot, name):
    store, room = protected
    before = snapshot()
    with pytest.raises(AccessError, match="protected by a passcode"):
        WRITES[name](store.for_session(Access()), room)
    assert snapshot() == before


@pytest.mark.parametrize("name", list(WRITES))
def test_a_session_with_the_key_writes_as_before(protected, name):
    store, room = protected
    insider = store.for_session(Access(keys={room.ws.id: store.unlock_workspace(room.ws.id, CODE)}))
    if name in {"pause_timer", "resume_timer", "add_time", "stop_timer"}:
        insider.start_timer(room.map.id, 60, by="Fay")
    if name == "resume_timer":
        insider.pause_timer(room.map.id, by="Fay")
    if name == "open_vote":
        insider.close_vote(room.vote.id, by="Fay")
    if name == "restore_note":
        insider.delete_note(room.note.id, room.note.version, by="Fay")
        room.note = store.get_note(room.note.id)
    WRITES[name](insider, room)


def test_a_key_stops_working_when_the_passcode_changes(protected):
    store, room = protected
    ws, board = room.ws, room.board
    old = store.for_session(Access(keys={ws.id: store.unlock_workspace(ws.id, CODE)}))
    assert old.has_access(ws.id)
    new_key = old.set_passcode(ws.id, "a-new-passcode", by="Fay")
    assert not old.has_access(ws.id)
    with pytest.raises(AccessError):
        old.add_stage(board.map.id, "Late", by="Fay")
    assert store.for_session(Access(keys={ws.id: new_key})).has_access(ws.id)


def test_removing_the_passcode_opens_the_workspace_to_every_session(protected):
    store, room = protected
    ws = room.ws
    assert store.get_workspace(ws.id).protected
    store.set_passcode(ws.id, None, by="Fay")
    assert not store.get_workspace(ws.id).protected
    assert store.for_session(Access()).has_access(ws.id)


def test_only_a_named_facilitator_changes_the_passcode(protected):
    store, room = protected
    ws = room.ws
    store.update_workspace(ws.id, ws.version, facilitators="Fay", by="Fay")
    with pytest.raises(AccessError, match="facilitator"):
        store.set_passcode(ws.id, "another-code", by="Pat")
    assert store.set_passcode(ws.id, "another-code", by="Fay")


@pytest.mark.parametrize("code", ["", "short", "x" * 201])
def test_a_passcode_too_short_or_too_long_is_refused_with_its_reason(protected, code):
    store, room = protected
    ws = room.ws
    with pytest.raises(ValidationError, match="characters"):
        store.set_passcode(ws.id, code, by="Fay")
    assert store.unlock_workspace(ws.id, CODE)  # the old passcode still holds


def test_the_stored_hash_never_leaves_the_store(protected):
    store, room = protected
    ws = room.ws
    assert "passcode" not in repr(store.get_workspace(ws.id)).replace("protected", "")


def test_unlocking_an_open_workspace_says_it_is_open(store: Store):
    ws = store.create_workspace("Open")
    with pytest.raises(ValidationError, match="open to everyone"):
        store.unlock_workspace(ws.id, CODE)


# -- attempt limit -----------------------------------------------------------------------


def test_wrong_passcodes_count_down_then_block_even_the_right_one(det_store, clock):
    ws = det_store.create_workspace("Secret")
    det_store.set_passcode(ws.id, CODE)
    for left in range(MAX_FAILURES - 1, 0, -1):
        with pytest.raises(AccessError, match=f"{left} more tr"):
            det_store.unlock_workspace(ws.id, "guess")
    with pytest.raises(AccessError, match="takes no passcode for the next 5 minutes"):
        det_store.unlock_workspace(ws.id, "guess")
    with pytest.raises(AccessError, match="Too many wrong passcodes"):
        det_store.unlock_workspace(ws.id, CODE)
    clock.now += BLOCK_FOR
    assert det_store.unlock_workspace(ws.id, CODE) == workspace_key(
        ws.id, _stored_hash(det_store, ws.id)
    )
    # a success starts the count again
    with pytest.raises(AccessError, match=f"{MAX_FAILURES - 1} more tries"):
        det_store.unlock_workspace(ws.id, "guess")


def test_after_a_block_runs_out_the_count_starts_afresh(det_store, clock):
    ws = det_store.create_workspace("Secret")
    det_store.set_passcode(ws.id, CODE)
    for _ in range(MAX_FAILURES):
        with pytest.raises(AccessError):
            det_store.unlock_workspace(ws.id, "guess")
    clock.now += BLOCK_FOR + timedelta(seconds=1)
    with pytest.raises(AccessError, match=f"{MAX_FAILURES - 1} more tries"):
        det_store.unlock_workspace(ws.id, "guess")


def _stored_hash(store: Store, workspace_id: str) -> str:
    from sqlalchemy import select

    from journeymap.store.schema import T

    ws = T["workspaces"]
    with store._tx(write=False) as conn:
        return conn.execute(select(ws.c.passcode_hash).where(ws.c.id == workspace_id)).scalar()
