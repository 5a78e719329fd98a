"""Reviewing a map over time: snapshots and restore, diffs, future states, owners, backups.

Snapshots keep a map's document (`Store.map_document`); restoring one puts the map back
and keeps an automatic snapshot of what it replaced. `diff_maps` is checked on
hand-built documents. The workspace document must survive a round trip through
`restore_document` (ids, "now" times and dataset links aside), and `import_json`
reads schema 0 (the sample workshop file) and schema 1, refusing anything else.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from journeymap import (
    AccessError,
    ConflictError,
    JourneyMap,
    MapStatus,
    NotFoundError,
    ValidationError,
    load_sample,
)
from journeymap.analytics.segments import Match
from journeymap.analytics.stages import stage_numbers, summary
from journeymap.backup import export_json, import_json
from journeymap.diff import MetricChange, NoteChange, diff_maps
from journeymap.errors import DataError
from journeymap.sample import SAMPLE_FILE

FACILITATOR = "Fay"


@pytest.fixture
def room(det_store):
    """A map made by the facilitator (lifecycle template), with three notes by Pat."""
    ws = det_store.create_workspace("Workshop", created_by=FACILITATOR)
    journey = det_store.create_map(ws.id, "Onboarding", created_by=FACILITATOR)
    board = det_store.load_map(journey.id)
    notes = [
        add(det_store, board, 0, 0, "Sees an ad"),
        add(det_store, board, 0, 2, "Curious", emotion=1),
        add(det_store, board, 1, 1, "Pricing page", channel="Web"),
    ]
    return det_store, board, notes


def add(store, board, stage, lane, text, **extra):
    return store.add_note(
        board.map.id,
        stage_id=board.stages[stage].id,
        lane_id=board.lanes[lane].id,
        text=text,
        author="Pat",
        **extra,
    )


def png() -> bytes:
    """A 1x1 PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# -- snapshots ---------------------------------------------------------------------------


def test_snapshots_list_newest_first_with_who_when_and_not_automatic(room, clock):
    store, board, _ = room
    first = store.save_snapshot(board.map.id, " Q1 review ", by="Ana")
    at_first = clock.now
    second = store.save_snapshot(board.map.id, "Q2 review", by="Ben")
    listed = store.list_snapshots(board.map.id)
    assert listed == [second, first]
    assert [(s.name, s.created_by, s.automatic) for s in listed] == [
        ("Q2 review", "Ben", False),
        ("Q1 review", "Ana", False),
    ]
    assert first.created_at == at_first and second.created_at > first.created_at
    assert store.get_snapshot(first.id) == first


def test_snapshot_content_is_the_map_document_at_that_moment(room):
    store, board, notes = room
    then = store.map_document(board.map.id)
    saved = store.save_snapshot(board.map.id, "Q1", by="Ana")
    store.update_note(notes[0].id, notes[0].version, text="changed later", by="Pat")
    assert saved.content == then
    assert store.get_snapshot(saved.id).content == then
    assert "metrics" not in then


def test_a_snapshot_needs_a_name_and_an_existing_map(room):
    store, board, _ = room
    with pytest.raises(ValidationError, match="snapshot name"):
        store.save_snapshot(board.map.id, "  ", by="Ana")
    with pytest.raises(NotFoundError):
        store.save_snapshot("nope", "Q1", by="Ana")
    assert store.list_snapshots(board.map.id) == []


def test_a_snapshot_keeps_the_stage_summary_and_diff_compares_it(room):
    store, board, _ = room
    first, second = board.stages[0], board.stages[1]
    stages = [(first.id, first.name, Match(("visit",))), (second.id, second.name, Match(("buy",)))]

    def numbers(buyers: int):
        rows = [(f"u{i}", "visit", 0) for i in range(4)]
        rows += [(f"u{i}", "buy", 60) for i in range(buyers)]
        frame = pd.DataFrame(rows, columns=["actor_id", "event", "seconds"])
        start = datetime(2024, 3, 4, 12, tzinfo=UTC)
        frame["ts"] = pd.to_datetime([start + timedelta(seconds=s) for s in frame.seconds])
        return summary(stage_numbers(frame.drop(columns="seconds"), stages))

    then = numbers(1)
    saved = store.save_snapshot(board.map.id, "Q1", by="Ana", metrics=then)
    assert saved.content["metrics"] == then
    assert json.loads(json.dumps(saved.content)) == saved.content  # plain JSON values
    now = {**store.map_document(board.map.id), "metrics": numbers(3)}
    assert diff_maps(saved.content, now).metrics == (
        MetricChange(first.name, 4, 4, None, None),
        MetricChange(second.name, 1, 3, 0.25, 0.75),
    )
    assert diff_maps(saved.content, now).metrics[1].people_delta == 2
    assert diff_maps(saved.content, now).metrics[1].conversion_delta == pytest.approx(0.5)


# -- restoring a snapshot ----------------------------------------------------------------


def rework(store, board, notes) -> None:
    """Change everything a snapshot can put back: text, cells, trash, stages and lanes."""
    store.update_note(notes[0].id, notes[0].version, text="Sees a TV ad", by="Pat")
    store.move_note(
        notes[2].id, notes[2].version, stage_id=board.stages[3].id, lane_id=board.lanes[4].id
    )
    store.delete_note(notes[1].id, notes[1].version, by="Pat")
    add(store, board, 2, 0, "added after the snapshot")
    store.update_stage(board.stages[0].id, board.stages[0].version, name="Discover")
    store.move_lane(board.lanes[5].id, board.lanes[5].version, 0)
    store.delete_stage(board.stages[6].id, board.stages[6].version)
    store.add_stage(board.map.id, "Win-back", index=0)
    store.update_map(board.map.id, store.get_map(board.map.id).version, title="Renamed")


def test_restore_puts_text_cells_stages_and_lanes_back_exactly(room):
    store, board, notes = room
    saved = store.save_snapshot(board.map.id, "Q1", by=FACILITATOR)
    rework(store, board, notes)
    store.restore_snapshot(saved.id, by=FACILITATOR)
    assert store.map_document(board.map.id) == saved.content
    back = store.load_map(board.map.id)
    assert back.map.title == "Onboarding"
    assert [(s.id, s.name, s.position) for s in back.stages] == [
        (s.id, s.name, s.position) for s in board.stages
    ]
    assert [(x.id, x.name, x.kind, x.position) for x in back.lanes] == [
        (x.id, x.name, x.kind, x.position) for x in board.lanes
    ]
    assert [(n.id, n.stage_id, n.lane_id, n.text, n.emotion, n.channel) for n in back.notes] == [
        (n.id, n.stage_id, n.lane_id, n.text, n.emotion, n.channel) for n in notes
    ]


def test_restore_first_takes_an_automatic_snapshot_of_the_map_as_it_was(room):
    store, board, notes = room
    saved = store.save_snapshot(board.map.id, "Q1", by=FACILITATOR)
    rework(store, board, notes)
    before = store.map_document(board.map.id)
    auto = store.restore_snapshot(saved.id, by=FACILITATOR)
    assert (auto.name, auto.automatic, auto.created_by) == ("Before restoring Q1", True, "Fay")
    assert auto.content == before
    assert store.list_snapshots(board.map.id) == [auto, saved]


def test_the_automatic_snapshot_name_is_cut_to_fit(room):
    store, board, _ = room
    saved = store.save_snapshot(board.map.id, "Q" * 120, by=FACILITATOR)
    auto = store.restore_snapshot(saved.id, by=FACILITATOR)
    assert auto.name == ("Before restoring " + "Q" * 120)[:120]


def test_restore_bumps_the_map_version_and_revision(room):
    store, board, notes = room
    saved = store.save_snapshot(board.map.id, "Q1", by=FACILITATOR)
    rework(store, board, notes)
    before = store.get_map(board.map.id)
    store.restore_snapshot(saved.id, by=FACILITATOR)
    after = store.get_map(board.map.id)
    assert (after.version, after.revision) == (before.version + 1, before.revision + 1)
    assert store.map_revision(board.map.id) == before.revision + 1
    with pytest.raises(ConflictError):  # who saw the map before the restore is stale
        store.update_map(board.map.id, before.version, title="stale")


def test_restoring_the_automatic_snapshot_undoes_the_restore(room):
    store, board, notes = room
    saved = store.save_snapshot(board.map.id, "Q1", by=FACILITATOR)
    rework(store, board, notes)
    store.add_comment(notes[0].id, "Which ad?", author="Ben")
    before = store.map_document(board.map.id)
    auto = store.restore_snapshot(saved.id, by=FACILITATOR)
    store.restore_snapshot(auto.id, by=FACILITATOR)
    assert store.map_document(board.map.id) == before


def test_restore_keeps_the_vote_dots_on_notes_that_come_back(room):
    store, board, notes = room
    saved = store.save_snapshot(board.map.id, "Q1", by=FACILITATOR)
    late = add(store, board, 3, 0, "added after the snapshot")
    vote = store.open_vote(board.map.id, 3, by=FACILITATOR)
    store.toggle_vote(vote.id, notes[0].id, voter="Ana")
    store.toggle_vote(vote.id, notes[0].id, voter="Ben")
    store.toggle_vote(vote.id, late.id, voter="Ana")
    store.restore_snapshot(saved.id, by=FACILITATOR)
    assert store.vote_results(vote.id) == [(notes[0].id, 2)]
    assert store.my_votes(vote.id, "Ana") == {notes[0].id}
    assert store.latest_vote(board.map.id) == vote  # the round itself stays as it was


def test_undoing_a_restore_brings_back_the_dots_on_notes_it_removed(room):
    store, board, _ = room
    saved = store.save_snapshot(board.map.id, "Q1", by=FACILITATOR)
    late = add(store, board, 3, 0, "added after the snapshot")
    vote = store.open_vote(board.map.id, 3, by=FACILITATOR)
    store.toggle_vote(vote.id, late.id, voter="Ana")
    auto = store.restore_snapshot(saved.id, by=FACILITATOR)
    store.restore_snapshot(auto.id, by=FACILITATOR)
    assert store.vote_results(vote.id) == [(late.id, 1)]


def test_restore_is_refused_on_a_locked_map_for_a_participant(room):
    store, board, notes = room
    saved = store.save_snapshot(board.map.id, "Q1", by=FACILITATOR)
    rework(store, board, notes)
    store.lock_map(board.map.id, True, by=FACILITATOR)
    before, snapshots = store.map_document(board.map.id), store.list_snapshots(board.map.id)
    with pytest.raises(AccessError, match="locked"):
        store.restore_snapshot(saved.id, by="Pat")
    assert store.map_document(board.map.id) == before
    assert store.list_snapshots(board.map.id) == snapshots  # no automatic snapshot either
    store.restore_snapshot(saved.id, by=FACILITATOR)  # the facilitator still may
    assert store.load_map(board.map.id).map.title == "Onboarding"


def test_restoring_an_unknown_snapshot_raises_not_found(room):
    store, _, _ = room
    with pytest.raises(NotFoundError):
        store.restore_snapshot("nope", by=FACILITATOR)


def test_an_edit_from_before_a_restore_conflicts_after_it(room):
    store, board, notes = room
    note = notes[0]
    saved = store.save_snapshot(board.map.id, "Q1", by=FACILITATOR)
    seen = store.update_note(note.id, note.version, text="seen by Cy", by="Pat")  # version 2
    store.restore_snapshot(saved.id, by=FACILITATOR)
    current = store.get_note(note.id)
    store.update_note(note.id, current.version, text="Dee's edit", by="Dee")
    with pytest.raises(ConflictError):  # Cy never saw Dee's edit
        store.update_note(note.id, seen.version, text="Cy's stale edit", by="Cy")
    assert store.get_note(note.id).text == "Dee's edit"


# -- diff_maps ---------------------------------------------------------------------------

STAGES = [("s1", "Discover"), ("s2", "Buy"), ("s3", "Use")]
LANES = [("l1", "Actions"), ("l2", "Pains")]


def note(id_, stage, lane, text, position=1.0, **extra):
    return {"id": id_, "stage_id": stage, "lane_id": lane, "text": text, "author": "Pat",
            "emotion": None, "channel": None, "resource_status": None, "position": position,
            "deleted_at": None, **extra}  # fmt: skip


def mapdoc(*notes, stages=STAGES, lanes=LANES, metrics=None):
    doc = {
        "stages": [{"id": i, "name": n, "position": float(k)} for k, (i, n) in enumerate(stages)],
        "lanes": [{"id": i, "name": n, "position": float(k)} for k, (i, n) in enumerate(lanes)],
        "notes": list(notes),
    }
    if metrics is not None:
        doc["metrics"] = metrics
    return doc


def test_identical_documents_have_an_empty_diff():
    doc = mapdoc(note("n1", "s1", "l1", "a"))
    diff = diff_maps(doc, doc)
    assert diff.empty
    assert diff.counts() == {"added": 0, "removed": 0, "changed": 0, "moved": 0}
    assert diff.by_cell() == {}


def test_added_and_removed_notes_name_their_cell():
    diff = diff_maps(mapdoc(note("n1", "s2", "l2", "gone")), mapdoc(note("n2", "s1", "l1", "new")))
    assert diff.notes == (
        NoteChange("added", "Discover", "Actions", "new", None, "Pat"),
        NoteChange("removed", "Buy", "Pains", "gone", None, "Pat"),
    )
    assert diff.counts() == {"added": 1, "removed": 1, "changed": 0, "moved": 0}
    assert not diff.empty


def test_a_note_deleted_to_the_trash_counts_as_removed():
    trashed = note("n1", "s1", "l1", "a", deleted_at="2024-03-01T09:00:00+00:00")
    live = note("n1", "s1", "l1", "a")
    assert diff_maps(mapdoc(live), mapdoc(trashed)).notes == (
        NoteChange("removed", "Discover", "Actions", "a", None, "Pat"),
    )
    assert diff_maps(mapdoc(trashed), mapdoc(live)).counts()["added"] == 1  # back from the trash
    assert diff_maps(mapdoc(trashed), mapdoc(trashed)).empty


@pytest.mark.parametrize(
    ("field", "old", "new"),
    [("emotion", -1, 2), ("channel", "Email", "Phone"), ("resource_status", "need", "have")],
)
def test_a_changed_field_is_a_change_without_a_text_before(field, old, new):
    diff = diff_maps(
        mapdoc(note("n1", "s1", "l1", "a", **{field: old})),
        mapdoc(note("n1", "s1", "l1", "a", **{field: new})),
    )
    assert diff.notes == (NoteChange("changed", "Discover", "Actions", "a", None, "Pat"),)


def test_a_changed_text_keeps_the_text_before():
    diff = diff_maps(mapdoc(note("n1", "s1", "l1", "old")), mapdoc(note("n1", "s1", "l1", "new")))
    assert diff.notes == (NoteChange("changed", "Discover", "Actions", "new", "old", "Pat"),)


def test_a_note_moved_across_stage_and_lane_names_the_cell_it_left():
    diff = diff_maps(mapdoc(note("n1", "s1", "l1", "a")), mapdoc(note("n1", "s3", "l2", "a")))
    assert diff.notes == (NoteChange("moved", "Use", "Pains", "a", "Discover / Actions", "Pat"),)
    both = diff_maps(mapdoc(note("n1", "s1", "l1", "a")), mapdoc(note("n1", "s2", "l1", "b")))
    assert [(c.kind, c.before) for c in both.notes] == [
        ("moved", "Discover / Actions"),
        ("changed", "a"),
    ]


def test_a_position_change_within_the_cell_is_not_a_change():
    before = mapdoc(note("n1", "s1", "l1", "a", 1.0), note("n2", "s1", "l1", "b", 2.0))
    after = mapdoc(note("n1", "s1", "l1", "a", 3.0), note("n2", "s1", "l1", "b", 2.0))
    assert diff_maps(before, after).empty


@pytest.mark.parametrize(("key", "what"), [("stages", "stage"), ("lanes", "lane")])
def test_axis_added_removed_renamed_and_reordered_sentences(key, what):
    axis = STAGES if key == "stages" else LANES
    a, b = axis[0], axis[1]
    assert getattr(diff_maps(mapdoc(**{key: [a]}), mapdoc(**{key: [a, ("x", "New")]})), key) == (
        f"Added the {what} \u201cNew\u201d.",
    )
    assert getattr(diff_maps(mapdoc(**{key: [a, b]}), mapdoc(**{key: [a]})), key) == (
        f"Removed the {what} \u201c{b[1]}\u201d (and its notes).",
    )
    assert getattr(diff_maps(mapdoc(**{key: [a]}), mapdoc(**{key: [(a[0], "Other")]})), key) == (
        f"Renamed the {what} \u201c{a[1]}\u201d to \u201cOther\u201d.",
    )
    assert getattr(diff_maps(mapdoc(**{key: [a, b]}), mapdoc(**{key: [b, a]})), key) == (
        f"Reordered the {what}s: now {b[1]}, {a[1]}.",
    )
    other = "lanes" if key == "stages" else "stages"
    assert getattr(diff_maps(mapdoc(**{key: [a, b]}), mapdoc(**{key: [b, a]})), other) == ()


def test_adding_a_stage_in_front_is_not_a_reorder():
    after = [("s0", "Before"), *STAGES]
    assert diff_maps(mapdoc(), mapdoc(stages=after)).stages == (
        "Added the stage \u201cBefore\u201d.",
    )


def test_note_changes_follow_the_maps_stage_then_lane_order():
    stages = [("s3", "Use"), ("s1", "Discover"), ("s2", "Buy")]  # reordered on the map
    lanes = [("l2", "Pains"), ("l1", "Actions")]
    before = mapdoc(note("gone", "s1", "l1", "gone"), stages=[*STAGES, ("s9", "Old")])
    before["notes"].append(note("in-old", "s9", "l1", "in a removed stage"))
    after = mapdoc(
        note("a", "s1", "l1", "a"),
        note("b", "s3", "l1", "b"),
        note("c", "s1", "l2", "c"),
        note("d", "s1", "l2", "d", position=0.5),
        stages=stages,
        lanes=lanes,
    )
    diff = diff_maps(before, after)
    assert [c.text for c in diff.notes] == ["b", "d", "c", "a", "gone", "in a removed stage"]
    assert list(diff.by_cell()) == [
        ("Use", "Actions"),
        ("Discover", "Pains"),
        ("Discover", "Actions"),
        ("Old", "Actions"),
    ]


def test_metric_deltas_per_stage_in_the_maps_order():
    then = {"s1": {"people": 100, "conversion": None}, "s2": {"people": 40, "conversion": 0.4}}
    now = {"s1": {"people": 120, "conversion": None}, "s3": {"people": 30, "conversion": 0.5}}
    diff = diff_maps(mapdoc(metrics=then), mapdoc(metrics=now))
    assert diff.metrics == (
        MetricChange("Discover", 100, 120, None, None),
        MetricChange("Buy", 40, None, 0.4, None),
        MetricChange("Use", None, 30, None, 0.5),
    )
    assert [m.people_delta for m in diff.metrics] == [20, None, None]
    assert [m.conversion_delta for m in diff.metrics] == [None, None, None]
    assert not diff.empty


@pytest.mark.parametrize("side", ["before", "after"])
def test_no_metric_changes_unless_both_sides_carry_metrics(side):
    metrics = {"s1": {"people": 100, "conversion": None}}
    docs = {"before": mapdoc(), "after": mapdoc()}
    docs[side]["metrics"] = metrics
    diff = diff_maps(docs["before"], docs["after"])
    assert diff.metrics == ()
    assert diff.empty


# -- current and future state ------------------------------------------------------------


def cells(store, map_id):
    """A map's notes by (stage name, lane name, text, extras), ids aside."""
    board = store.load_map(map_id)
    return [
        (board.stage(n.stage_id).name, board.lane(n.lane_id).name, n.text, n.author, n.emotion,
         n.channel, n.resource_status, n.position)
        for n in board.notes
    ]  # fmt: skip


def test_a_future_state_copies_the_map_but_not_its_discussion(room):
    store, board, notes = room
    ws_id = board.map.workspace_id
    persona = store.add_persona(ws_id, "Maya")
    journey = store.update_map(board.map.id, board.map.version, persona_id=persona.id,
                               owner="Ana", status="live", window_days=14)  # fmt: skip
    store.bind(board.map.id, board.stages[0].id, {"events": ["visit"]}, by=FACILITATOR)
    store.bind(board.map.id, notes[2].id, {"events": ["pricing"]}, by=FACILITATOR)
    store.add_comment(notes[0].id, "Which ad?", author="Ben")
    vote = store.open_vote(board.map.id, by=FACILITATOR)
    store.toggle_vote(vote.id, notes[0].id, voter="Ana")
    original = store.map_document(board.map.id)

    future_id = store.create_future_state(board.map.id, by="Ben")
    future = store.get_map(future_id)
    assert future.id != journey.id and future.workspace_id == ws_id
    assert (future.title, future.future_of, future.persona_id) == (
        "Onboarding (future state)",
        journey.id,
        persona.id,
    )
    assert (future.created_by, future.status, future.review_on) == ("Ben", None, None)
    assert store.map_document(board.map.id) == original  # the current state is untouched
    copy = store.load_map(future_id)
    assert [s.name for s in copy.stages] == [s.name for s in board.stages]
    assert [(x.name, x.kind) for x in copy.lanes] == [(x.name, x.kind) for x in board.lanes]
    assert not {s.id for s in copy.stages} & {s.id for s in board.stages}
    assert cells(store, future_id) == cells(store, board.map.id)
    bound = {b.target_id: b.rule for b in store.list_bindings(future_id)}
    assert bound == {
        copy.stages[0].id: {"events": ["visit"], "where": []},
        next(n.id for n in copy.notes if n.text == "Pricing page"): {
            "events": ["pricing"],
            "where": [],
        },
    }
    assert store.comment_counts(future_id) == {}
    assert store.latest_vote(future_id) is None


def test_a_future_state_title_falls_back_to_the_original_when_too_long(room):
    store, board, _ = room
    fits = store.update_map(board.map.id, board.map.version, title="T" * 105)
    first = store.create_future_state(board.map.id, by="Ben")
    assert store.get_map(first).title == "T" * 105 + " (future state)"
    store.update_map(board.map.id, fits.version, title="T" * 106)
    second = store.create_future_state(board.map.id, by="Ben")
    assert store.get_map(second).title == "T" * 106


def test_a_future_state_may_be_given_its_own_title(room):
    store, board, _ = room
    future = store.create_future_state(board.map.id, title="Onboarding 2025", by="Ben")
    assert store.get_map(future).title == "Onboarding 2025"
    with pytest.raises(NotFoundError):
        store.create_future_state("nope", by="Ben")


# -- owner, status and the next review ---------------------------------------------------


def test_update_map_sets_and_clears_owner_status_and_review_date(room):
    store, board, _ = room
    journey = store.update_map(board.map.id, board.map.version, owner="  Ana  ",
                               status="in review", review_on=date(2024, 6, 1))  # fmt: skip
    assert (journey.owner, journey.status, journey.review_on) == (
        "Ana",
        MapStatus.IN_REVIEW,
        date(2024, 6, 1),
    )
    assert store.get_map(board.map.id) == journey
    journey = store.update_map(board.map.id, journey.version, status=MapStatus.LIVE)
    assert journey.status is MapStatus.LIVE
    cleared = store.update_map(board.map.id, journey.version, owner="", review_on=None)
    assert (cleared.owner, cleared.review_on, cleared.status) == (None, None, MapStatus.LIVE)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": "done"}, "A map's status is one of: draft, in review, live, archived."),
        ({"review_on": datetime(2024, 6, 1, 9, tzinfo=UTC)}, "is a date, without a time"),
        ({"review_on": "2024-06-01"}, "is a date, without a time"),
        ({"owner": "A" * 121}, "owner"),
    ],
    ids=["bad status", "a datetime", "a text date", "too-long owner"],
)
def test_update_map_refuses_bad_owner_status_or_review_date(room, changes, message):
    store, board, _ = room
    before = store.get_map(board.map.id)
    with pytest.raises(ValidationError, match=message):
        store.update_map(board.map.id, before.version, **changes)
    assert store.get_map(board.map.id) == before


TODAY = date(2024, 6, 10)


@pytest.mark.parametrize(
    ("review_on", "status", "due"),
    [
        (date(2024, 6, 9), None, True),
        (date(2024, 6, 9), MapStatus.LIVE, True),
        (TODAY, MapStatus.LIVE, False),
        (date(2024, 6, 11), MapStatus.LIVE, False),
        (None, MapStatus.LIVE, False),
        (date(2020, 1, 1), MapStatus.ARCHIVED, False),
    ],
    ids=["past", "past and live", "today", "future", "no date", "archived"],
)
def test_review_is_due_once_its_date_has_passed_unless_archived(review_on, status, due):
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    journey = JourneyMap("m", "w", "Onboarding", "", None, "Fay", moment, moment, 1, 1,
                         review_on=review_on, status=status)  # fmt: skip
    assert journey.review_due(TODAY) is due


# -- the workspace document: backup and restore ------------------------------------------


def canonical(doc: dict) -> dict:
    """The document with its ids replaced by their places, "now" times and datasets aside.

    Snapshot contents point at the restored rows (those gone since get ids of their own), so
    they are compared with the ids they share with the map replaced the same way.
    """
    doc = json.loads(json.dumps(doc))
    place = {p["id"]: f"persona {i}" for i, p in enumerate(doc["personas"])}
    for i, m in enumerate(doc["maps"]):
        place[m["id"]] = f"map {i}"
        for key in ("stages", "lanes", "notes"):
            place.update({x["id"]: f"map {i} {key} {k}" for k, x in enumerate(m[key])})
    for p in doc["personas"]:
        p["id"] = place[p["id"]]
        del p["created_at"]  # a restored persona is created now
    for m in doc["maps"]:
        del m["dataset"]  # datasets are not part of a backup
        for key in ("id", "persona_id", "future_of"):
            m[key] = place.get(m[key], m[key])
        for x in m["stages"] + m["lanes"] + m["notes"]:
            x["id"] = place[x["id"]]
        for n in m["notes"]:
            n["stage_id"], n["lane_id"] = place[n["stage_id"]], place[n["lane_id"]]
        for b in m["bindings"]:
            b["target_id"] = place[b["target_id"]]
        for c in m["comments"]:
            c["note_id"] = place[c["note_id"]]
        for r in m["votes"]:
            for dot in r["dots"]:
                dot["note_id"] = place[dot["note_id"]]
            r["dots"].sort(key=lambda d: (d["note_id"], d["voter"]))
        for snapshot in m.get("snapshots", []):
            content = snapshot["content"]
            others = {}  # rows of the snapshot that the map no longer has, by their order
            for key in ("stages", "lanes", "notes"):
                for k, x in enumerate(content[key]):
                    if x["id"] not in place:
                        others[x["id"]] = f"gone {key} {k}"
            named = {**place, **others}
            content["id"] = named.get(content["id"], content["id"])
            for key in ("persona_id", "future_of"):
                content[key] = named.get(content.get(key), content.get(key))
            content.pop("dataset", None)
            for x in content["stages"] + content["lanes"] + content["notes"]:
                x["id"] = named[x["id"]]
            for n in content["notes"]:
                n["stage_id"], n["lane_id"] = named[n["stage_id"]], named[n["lane_id"]]
            for b in content["bindings"]:
                b["target_id"] = named.get(b["target_id"], b["target_id"])
            for c in content["comments"]:
                c["note_id"] = named.get(c["note_id"], c["note_id"])
            for r in content["votes"]:
                for dot in r["dots"]:
                    dot["note_id"] = named.get(dot["note_id"], dot["note_id"])
            if content.get("metrics"):
                content["metrics"] = {named.get(k, k): v for k, v in content["metrics"].items()}
    return doc


@pytest.fixture
def full(det_store):
    """The sample workshop plus everything else a backup carries."""
    store = det_store
    ws = load_sample(store, created_by=FACILITATOR)
    store.update_workspace(ws.id, ws.version, facilitators=["Fay", "Gus"], by=FACILITATOR)
    maya = next(p for p in store.list_personas(ws.id) if p.name.startswith("Maya"))
    store.update_persona(maya.id, maya.version, photo=png())
    store.add_persona(ws.id, "Sam", photo=png(), is_primary=False, goals=["Ship"],
                      segment={"events": ["signup"], "where": [
                          {"column": "plan", "op": "is", "values": ["pro"]}]},
                      created_by="Ana")  # fmt: skip
    first, second = store.list_maps(ws.id)
    board = store.load_map(first.id)
    store.update_map(first.id, first.version, owner="Ana", status="live",
                     review_on=date(2024, 6, 1))  # fmt: skip
    a, b, c = board.notes[:3]
    store.add_comment(a.id, "Which ad? ✨", author="Ben")
    store.add_comment(c.id, "Trash me later", author="Ben")
    closed = store.open_vote(first.id, 2, by=FACILITATOR)
    store.toggle_vote(closed.id, b.id, voter="Ana")
    store.toggle_vote(closed.id, a.id, voter="Ben")
    store.close_vote(closed.id, by=FACILITATOR)
    opened = store.open_vote(first.id, 3, by=FACILITATOR)
    store.toggle_vote(opened.id, a.id, voter="Ana")
    store.save_snapshot(first.id, "Q1", by=FACILITATOR, metrics={board.stages[0].id: {"people": 9}})
    store.delete_note(c.id, c.version, by="Pat")
    store.create_future_state(first.id, by=FACILITATOR)
    second_board = store.load_map(second.id)
    store.delete_note(second_board.notes[0].id, second_board.notes[0].version, by="Pat")
    return store, ws


def test_a_workspace_document_survives_a_restore(full):
    store, ws = full
    doc = store.workspace_document(ws.id)
    assert doc["schema"] == 1 and len(doc["maps"]) == 3 and len(doc["personas"]) == 4
    restored = store.restore_document(doc, created_by="Ana")
    assert restored.id != ws.id and restored.facilitators == ("Fay", "Gus")
    again = store.workspace_document(restored.id)
    assert canonical(again) == canonical(doc)
    assert [m["dataset"] for m in again["maps"]] == [None, None, None]
    assert not {m["id"] for m in again["maps"]} & {m["id"] for m in doc["maps"]}


def test_a_restored_workspace_keeps_photos_links_trash_and_votes(full):
    store, ws = full
    restored = store.restore_document(store.workspace_document(ws.id))
    photos = {p.name: (p.photo, p.photo_type) for p in store.list_personas(restored.id)}
    assert photos["Sam"] == (png(), "image/png")
    assert photos["Maya Lindqvist"] == (png(), "image/png")
    sam = next(p for p in store.list_personas(restored.id) if p.name == "Sam")
    assert sam.segment == {"events": ["signup"],
                           "where": [{"column": "plan", "op": "is", "values": ["pro"]}]}  # fmt: skip
    first, second, future = store.list_maps(restored.id)
    assert future.future_of == first.id and future.title.endswith("(future state)")
    assert (first.owner, first.status, first.review_on) == ("Ana", MapStatus.LIVE, date(2024, 6, 1))
    assert len(store.list_trash(first.id)) == 1 and len(store.list_trash(second.id)) == 1
    assert store.latest_vote(first.id).is_open
    assert [s.name for s in store.list_snapshots(first.id)] == ["Q1"]


def test_the_document_carries_photos_as_base64(full):
    store, ws = full
    doc = store.workspace_document(ws.id)
    sam = next(p for p in doc["personas"] if p["name"] == "Sam")
    assert base64.b64decode(sam["photo"]) == png() and sam["photo_type"] == "image/png"
    json.dumps(doc)  # JSON-ready as it is


def test_a_snapshot_of_a_restored_copy_restores_onto_the_copy(det_store):
    store = det_store
    ws = store.create_workspace("Workshop", created_by=FACILITATOR)
    journey = store.create_map(ws.id, "Onboarding", created_by=FACILITATOR)
    board = store.load_map(journey.id)
    add(store, board, 0, 0, "Sees an ad")
    store.save_snapshot(journey.id, "Q1", by=FACILITATOR)
    copy = store.restore_document(store.workspace_document(ws.id))
    (copied,) = store.list_maps(copy.id)
    (snap,) = store.list_snapshots(copied.id)
    original = store.map_document(journey.id)
    store.restore_snapshot(snap.id, by=FACILITATOR)
    assert cells(store, copied.id) == [("Awareness", "Customer actions", "Sees an ad", "Pat",
                                        None, None, None, 1.0)]  # fmt: skip
    assert store.map_document(journey.id) == original


def test_restore_is_all_or_nothing(full):
    store, ws = full
    doc = store.workspace_document(ws.id)
    doc["maps"][1]["notes"][3]["stage_id"] = "no such stage"
    before = store.list_workspaces()
    with pytest.raises(ValidationError, match=r"Note 4 of .* nothing was created"):
        store.restore_document(doc)
    assert store.list_workspaces() == before


def test_restore_refuses_a_document_of_the_wrong_shape_or_schema(room):
    store, board, _ = room
    doc = store.workspace_document(board.map.workspace_id)
    before = store.list_workspaces()
    del doc["maps"][0]["stages"][0]["name"]
    with pytest.raises(ValidationError, match="not in the expected shape"):
        store.restore_document(doc)
    with pytest.raises(ValidationError, match="schema 2"):
        store.restore_document({**doc, "schema": 2})
    assert store.list_workspaces() == before


# -- import_json -------------------------------------------------------------------------


def test_import_json_reads_the_sample_file_as_schema_0(store):
    text = SAMPLE_FILE.read_text(encoding="utf-8")
    assert "schema" not in json.loads(text)
    ws_id = import_json(store, text, created_by="Ana")
    maps = store.list_maps(ws_id)
    assert [m.title for m in maps] == [
        "Choosing a CMS for the studio",
        "Buying school shoes at Loop Store",
    ]
    assert [len(store.load_map(m.id).notes) for m in maps] == [49, 45]
    assert len(store.list_personas(ws_id)) == 3


def test_import_json_restores_an_export_as_schema_1(room):
    store, board, _ = room
    text = export_json(store, board.map.workspace_id)
    assert json.loads(text)["schema"] == 1
    ws_id = import_json(store, text.encode("utf-8-sig"), created_by="Ana")
    assert ws_id != board.map.workspace_id
    (copied,) = store.list_maps(ws_id)
    assert cells(store, copied.id) == cells(store, board.map.id)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "That file is not a JSON backup: .* at line 1, column 2."),
        (b"\xff\xfe{}", r"That file is not a JSON backup \(it is not UTF-8 text\)."),
        ("[1, 2]", r"not a workspace backup \(it has no workspace\)."),
        ('{"schema": 1, "maps": []}', r"not a workspace backup \(it has no workspace\)."),
        ('{"schema": 2, "workspace": {"name": "W"}}', "newer version \\(schema 2; this one"),
        ('{"schema": -1, "workspace": {"name": "W"}}', "schema version -1 is not one we wrote."),
        ('{"schema": "1", "workspace": {"name": "W"}}', "schema version '1' is not one we"),
    ],
    ids=["bad JSON", "not UTF-8", "a list", "no workspace", "newer", "negative", "a text"],
)
def test_import_json_refuses_what_is_not_a_backup(store, data, message):
    before = store.list_workspaces()
    with pytest.raises(DataError, match=message):
        import_json(store, data)
    assert store.list_workspaces() == before


def test_import_json_refuses_a_schema_1_backup_of_the_wrong_shape(store):
    before = store.list_workspaces()
    bad = {"schema": 1, "workspace": {"name": "W"}, "maps": [{"id": "m", "title": "M",
           "stages": [{"id": "s"}]}]}  # fmt: skip
    with pytest.raises(ValidationError, match=r"not in the expected shape .* nothing was created"):
        import_json(store, json.dumps(bad))
    assert store.list_workspaces() == before
