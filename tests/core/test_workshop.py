"""The facilitator's tools: lock, private brainstorm, timer, dot voting; and comments."""

from __future__ import annotations

from datetime import timedelta

import pytest

from journeymap import AccessError, NotFoundError, ValidationError

FACILITATOR = "Fay"


@pytest.fixture
def room(det_store):
    """A map created by the facilitator, with one note by a participant."""
    ws = det_store.create_workspace("Workshop", created_by=FACILITATOR)
    journey = det_store.create_map(ws.id, "Onboarding", created_by=FACILITATOR)
    board = det_store.load_map(journey.id)
    note = det_store.add_note(
        journey.id, stage_id=board.stages[0].id, lane_id=board.lanes[0].id, text="n", author="Pat"
    )
    return det_store, ws, board, note


# -- lock ------------------------------------------------------------------------------


def test_a_locked_map_refuses_every_participant_write_and_changes_nothing(room):
    store, _, board, note = room
    store.lock_map(board.map.id, True, by=FACILITATOR)
    before = store.load_map(board.map.id)
    stage, lane = board.stages[1], board.lanes[1]
    writes = {
        "add": lambda: store.add_note(
            board.map.id, stage_id=stage.id, lane_id=lane.id, text="x", author="Pat"
        ),
        "edit": lambda: store.update_note(note.id, note.version, text="x", by="Pat"),
        "move": lambda: store.move_note(
            note.id, note.version, stage_id=stage.id, lane_id=lane.id, by="Pat"
        ),
        "delete": lambda: store.delete_note(note.id, note.version, by="Pat"),
        "add stage": lambda: store.add_stage(board.map.id, "New", by="Pat"),
        "rename stage": lambda: store.update_stage(stage.id, stage.version, name="Y", by="Pat"),
        "move lane": lambda: store.move_lane(lane.id, lane.version, 0, by="Pat"),
        "delete lane": lambda: store.delete_lane(lane.id, lane.version, by="Pat"),
        "rename map": lambda: store.update_map(
            board.map.id, before.map.version, title="Z", by="Pat"
        ),
    }
    for name, write in writes.items():
        with pytest.raises(AccessError, match="locked"):
            write()
        assert store.load_map(board.map.id) == before, name


def test_the_facilitator_still_edits_a_locked_map_and_can_unlock_it(room):
    store, _, board, note = room
    store.lock_map(board.map.id, True, by=FACILITATOR)
    edited = store.update_note(note.id, note.version, text="by the facilitator", by=FACILITATOR)
    assert edited.text == "by the facilitator"
    assert store.lock_map(board.map.id, False, by=FACILITATOR).locked is False
    store.update_note(note.id, edited.version, text="open again", by="Pat")


def test_only_facilitators_use_the_tools(room):
    store, ws, board, _ = room
    with pytest.raises(AccessError, match="Only the facilitator"):
        store.lock_map(board.map.id, True, by="Pat")
    with pytest.raises(AccessError):
        store.start_timer(board.map.id, 60, by="Pat")
    with pytest.raises(AccessError):
        store.open_vote(board.map.id, by="Pat")
    with pytest.raises(AccessError):
        store.set_private(board.map.id, True, by="")
    assert store.get_map(board.map.id).locked is False

    ws = store.update_workspace(ws.id, ws.version, facilitators=["Pat", "Quinn"], by="Pat")
    assert ws.facilitators == ("Pat", "Quinn")
    assert store.lock_map(board.map.id, True, by="Pat").locked is True
    with pytest.raises(AccessError, match="Only a facilitator"):
        store.update_workspace(ws.id, ws.version, facilitators=["Mallory"], by="Mallory")
    renamed = store.update_workspace(ws.id, ws.version, name="Renamed by anyone", by="Mallory")
    assert renamed.facilitators == ("Pat", "Quinn")


def test_tools_move_the_revision_so_every_wall_sees_them(room):
    store, _, board, _ = room
    seen = store.map_revision(board.map.id)
    store.lock_map(board.map.id, True, by=FACILITATOR)
    store.start_timer(board.map.id, 300, by=FACILITATOR)
    assert store.map_revision(board.map.id) == seen + 2


# -- private brainstorm ------------------------------------------------------------------


def test_private_mode_records_since_when_and_reveal_clears_it(room, clock):
    store, _, board, _ = room
    before = clock.now
    journey = store.set_private(board.map.id, True, by=FACILITATOR)
    assert before < journey.private_since <= clock.now
    assert store.set_private(board.map.id, False, by=FACILITATOR).private_since is None


# -- timer -------------------------------------------------------------------------------

SECOND = timedelta(seconds=1)  # the test clock ticks a second on every reading


def test_timer_start_pause_add_resume_stop(room, clock):
    store, _, board, _ = room
    journey = store.start_timer(board.map.id, 300, by=FACILITATOR)
    assert 298 * SECOND <= journey.timer_ends_at - clock.now <= 300 * SECOND

    clock.now += timedelta(seconds=100)
    paused = store.pause_timer(board.map.id, by=FACILITATOR)
    assert paused.timer_ends_at is None
    assert 196 <= paused.timer_left <= 200

    assert store.add_time(board.map.id, 60, by=FACILITATOR).timer_left == paused.timer_left + 60
    clock.now += timedelta(seconds=500)  # paused: the time left does not run down
    resumed = store.resume_timer(board.map.id, by=FACILITATOR)
    assert resumed.timer_left is None
    left = timedelta(seconds=paused.timer_left + 60)
    assert left - 2 * SECOND <= resumed.timer_ends_at - clock.now <= left

    running = store.add_time(board.map.id, 60, by=FACILITATOR)
    assert running.timer_ends_at == resumed.timer_ends_at + 60 * SECOND
    stopped = store.stop_timer(board.map.id, by=FACILITATOR)
    assert (stopped.timer_ends_at, stopped.timer_left) == (None, None)


def test_timer_limits(room):
    store, _, board, _ = room
    with pytest.raises(ValidationError):
        store.start_timer(board.map.id, 0, by=FACILITATOR)
    with pytest.raises(ValidationError):
        store.start_timer(board.map.id, 5 * 3600, by=FACILITATOR)
    with pytest.raises(ValidationError, match="start one first"):
        store.add_time(board.map.id, 60, by=FACILITATOR)


# -- dot voting ----------------------------------------------------------------------------


@pytest.fixture
def notes(room):
    store, _, board, first = room
    others = [
        store.add_note(
            board.map.id,
            stage_id=board.stages[1].id,
            lane_id=board.lanes[0].id,
            text=f"idea {i}",
            author="Pat",
        )
        for i in range(3)
    ]
    return [first, *others]


def test_voting_round_counts_dots_and_keeps_voters_private(room, notes):
    store, _, board, _ = room
    vote = store.open_vote(board.map.id, 2, by=FACILITATOR)
    assert vote.is_open and vote.votes_per_person == 2
    assert store.toggle_vote(vote.id, notes[0].id, voter="Ana") is True
    assert store.toggle_vote(vote.id, notes[1].id, voter="Ana") is True
    with pytest.raises(ValidationError, match="used your 2 votes"):
        store.toggle_vote(vote.id, notes[2].id, voter="Ana")
    assert store.toggle_vote(vote.id, notes[1].id, voter="Ana") is False  # takes one back
    assert store.toggle_vote(vote.id, notes[2].id, voter="Ana") is True
    store.toggle_vote(vote.id, notes[2].id, voter="Ben")
    assert store.my_votes(vote.id, "Ana") == {notes[0].id, notes[2].id}

    closed = store.close_vote(vote.id, by=FACILITATOR)
    assert not closed.is_open
    assert store.vote_results(vote.id) == [(notes[2].id, 2), (notes[0].id, 1)]
    with pytest.raises(ValidationError, match="closed"):
        store.toggle_vote(vote.id, notes[3].id, voter="Ben")
    assert store.latest_vote(board.map.id) == closed


def test_one_open_round_at_a_time(room):
    store, _, board, _ = room
    vote = store.open_vote(board.map.id, by=FACILITATOR)
    with pytest.raises(ValidationError, match="already open"):
        store.open_vote(board.map.id, by=FACILITATOR)
    store.close_vote(vote.id, by=FACILITATOR)
    second = store.open_vote(board.map.id, 5, by=FACILITATOR)
    assert store.latest_vote(board.map.id) == second


def test_votes_need_a_voter_a_live_note_and_a_sane_count(room, notes):
    store, _, board, _ = room
    with pytest.raises(ValidationError):
        store.open_vote(board.map.id, 0, by=FACILITATOR)
    vote = store.open_vote(board.map.id, by=FACILITATOR)
    with pytest.raises(ValidationError, match="who you are"):
        store.toggle_vote(vote.id, notes[0].id, voter="  ")
    store.delete_note(notes[1].id, notes[1].version, by="Pat")
    with pytest.raises(NotFoundError):
        store.toggle_vote(vote.id, notes[1].id, voter="Ana")


# -- comments --------------------------------------------------------------------------------


def test_comments_thread_in_order_and_counts_per_note(room, notes):
    store, _, board, _ = room
    store.add_comment(notes[0].id, "Is this the free tier?", author="Ana")
    store.add_comment(notes[0].id, "Yes, the 10-block limit.", author="Ben")
    store.add_comment(notes[2].id, "Seen in support tickets too", author="Ana")
    thread = store.list_comments(notes[0].id)
    assert [(c.author, c.text) for c in thread] == [
        ("Ana", "Is this the free tier?"),
        ("Ben", "Yes, the 10-block limit."),
    ]
    assert store.comment_counts(board.map.id) == {notes[0].id: 2, notes[2].id: 1}


def test_comments_are_allowed_on_a_locked_map_but_not_on_deleted_notes(room, notes):
    store, _, board, _ = room
    store.lock_map(board.map.id, True, by=FACILITATOR)
    assert store.add_comment(notes[0].id, "Review remark", author="Pat").text == "Review remark"
    store.lock_map(board.map.id, False, by=FACILITATOR)
    store.delete_note(notes[1].id, notes[1].version, by="Pat")
    with pytest.raises(NotFoundError):
        store.add_comment(notes[1].id, "too late", author="Pat")
    with pytest.raises(ValidationError):
        store.add_comment(notes[0].id, "   ", author="Pat")
    with pytest.raises(ValidationError, match="1,000"):
        store.add_comment(notes[0].id, "x" * 1001, author="Pat")
