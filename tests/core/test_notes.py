"""Sticky notes: add, order within a cell, update, move, delete, exact text."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeymap import Note, NotFoundError, ResourceStatus, ValidationError, open_store

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def add(store, board, stage, lane, text, **extra):
    return store.add_note(
        board.map.id,
        stage_id=board.stages[stage].id,
        lane_id=board.lanes[lane].id,
        text=text,
        **extra,
    )


def cell(store, board, stage, lane):
    fresh = store.load_map(board.map.id)
    stage_id, lane_id = board.stages[stage].id, board.lanes[lane].id
    return [n.text for n in fresh.notes if n.stage_id == stage_id and n.lane_id == lane_id]


# -- adding ----------------------------------------------------------------------


def test_add_note_returns_the_saved_note(store, board):
    note = add(store, board, 0, 0, "  Taps an Instagram ad  ", author=" Ana (Product) ")
    assert isinstance(note, Note)
    assert note.text == "Taps an Instagram ad"
    assert note.author == "Ana (Product)"
    assert (note.map_id, note.stage_id, note.lane_id) == (
        board.map.id,
        board.stages[0].id,
        board.lanes[0].id,
    )
    assert note.version == 1
    assert note.emotion is None and note.channel is None and note.resource_status is None
    assert store.get_note(note.id) == note
    assert store.load_map(board.map.id).note(note.id) == note


def test_order_within_a_cell_is_insertion_order(store, board):
    texts = ["first", "second", "third", "fourth"]
    for text in texts:
        add(store, board, 2, 1, text)
    add(store, board, 2, 0, "other lane")
    add(store, board, 3, 1, "other stage")
    assert cell(store, board, 2, 1) == texts
    assert cell(store, board, 2, 0) == ["other lane"]
    assert cell(store, board, 3, 1) == ["other stage"]


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (0, ["new", "a", "b", "c"]),
        (1, ["a", "new", "b", "c"]),
        (2, ["a", "b", "new", "c"]),
        (3, ["a", "b", "c", "new"]),
        (50, ["a", "b", "c", "new"]),
        (None, ["a", "b", "c", "new"]),
    ],
)
def test_add_at_an_index_inserts_there(store, board, index, expected):
    for text in "abc":
        add(store, board, 0, 0, text)
    add(store, board, 0, 0, "new", index=index)
    assert cell(store, board, 0, 0) == expected


def test_add_at_index_zero_into_an_empty_cell(store, board):
    add(store, board, 4, 4, "only", index=0)
    assert cell(store, board, 4, 4) == ["only"]


def test_lane_fields_round_trip(store, board):
    emotion = add(store, board, 0, 2, "Curious", emotion=1)
    touch = add(store, board, 0, 1, "Sees the ad", channel=" Instagram ads ")
    have = add(store, board, 0, 5, "Brand guide", resource_status="have")
    need = add(store, board, 0, 5, "Demo video", resource_status=ResourceStatus.NEED)
    assert store.get_note(emotion.id).emotion == 1
    assert store.get_note(touch.id).channel == "Instagram ads"
    assert store.get_note(have.id).resource_status is ResourceStatus.HAVE
    assert store.get_note(need.id).resource_status is ResourceStatus.NEED


@pytest.mark.parametrize("score", [-2, -1, 0, 1, 2])
def test_every_emotion_score_is_accepted(store, board, score):
    note = add(store, board, 0, 2, "Feeling", emotion=score)
    assert store.get_note(note.id).emotion == score


def test_add_to_unknown_map_raises_not_found(store, board):
    with pytest.raises(NotFoundError):
        store.add_note("nope", stage_id=board.stages[0].id, lane_id=board.lanes[0].id, text="x")


def test_stage_or_lane_from_another_map_raises_not_found(store, workspace, board):
    other = store.load_map(store.create_map(workspace.id, "Other").id)
    with pytest.raises(NotFoundError, match="stage"):
        store.add_note(
            board.map.id, stage_id=other.stages[0].id, lane_id=board.lanes[0].id, text="x"
        )
    with pytest.raises(NotFoundError, match="lane"):
        store.add_note(
            board.map.id, stage_id=board.stages[0].id, lane_id=other.lanes[0].id, text="x"
        )
    with pytest.raises(NotFoundError):
        store.add_note(board.map.id, stage_id="nope", lane_id=board.lanes[0].id, text="x")

    note = add(store, board, 0, 0, "stays")
    with pytest.raises(NotFoundError):
        store.move_note(
            note.id, note.version, stage_id=other.stages[1].id, lane_id=board.lanes[0].id
        )
    with pytest.raises(NotFoundError):
        store.move_note(
            note.id, note.version, stage_id=board.stages[1].id, lane_id=other.lanes[1].id
        )
    assert store.get_note(note.id) == note
    assert store.load_map(other.map.id).notes == ()
    assert [n.id for n in store.load_map(board.map.id).notes] == [note.id]


# -- updating --------------------------------------------------------------------


def test_update_text_bumps_version(store, board):
    note = add(store, board, 0, 0, "old")
    updated = store.update_note(note.id, note.version, text="new\r\ntext")
    assert updated.text == "new\ntext"
    assert updated.version == 2
    assert (updated.stage_id, updated.lane_id, updated.position) == (
        note.stage_id,
        note.lane_id,
        note.position,
    )
    assert updated.created_at == note.created_at
    assert store.get_note(note.id) == updated


def test_update_lane_fields_and_clear_them(store, board):
    note = add(store, board, 0, 2, "Feeling", emotion=-1)
    note = store.update_note(note.id, note.version, emotion=2, channel="Phone")
    assert (note.emotion, note.channel, note.text) == (2, "Phone", "Feeling")
    note = store.update_note(note.id, note.version, resource_status="need")
    assert note.resource_status is ResourceStatus.NEED
    note = store.update_note(note.id, note.version, resource_status="have")
    assert note.resource_status is ResourceStatus.HAVE
    note = store.update_note(note.id, note.version, emotion=None, channel="", resource_status="")
    assert (note.emotion, note.channel, note.resource_status) == (None, None, None)
    assert note.version == 5
    assert store.get_note(note.id) == note


def test_update_of_one_field_keeps_the_others(store, board):
    note = add(store, board, 0, 1, "Email", channel="Email", emotion=0)
    updated = store.update_note(note.id, note.version, text="Newsletter")
    assert (updated.channel, updated.emotion) == ("Email", 0)


# -- moving ----------------------------------------------------------------------


def test_move_to_another_cell_goes_to_its_end(store, board):
    a = add(store, board, 0, 0, "a")
    add(store, board, 1, 1, "x")
    add(store, board, 1, 1, "y")
    moved = store.move_note(a.id, a.version, stage_id=board.stages[1].id, lane_id=board.lanes[1].id)
    assert (moved.stage_id, moved.lane_id, moved.version) == (
        board.stages[1].id,
        board.lanes[1].id,
        2,
    )
    assert moved.text == "a"
    assert cell(store, board, 0, 0) == []
    assert cell(store, board, 1, 1) == ["x", "y", "a"]


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (0, ["c", "a", "b", "d"]),
        (1, ["a", "c", "b", "d"]),
        (2, ["a", "b", "c", "d"]),
        (3, ["a", "b", "d", "c"]),
        (9, ["a", "b", "d", "c"]),
    ],
)
def test_move_to_an_index_within_the_cell(store, board, index, expected):
    notes = {t: add(store, board, 0, 0, t) for t in "abcd"}
    c = notes["c"]
    store.move_note(c.id, c.version, stage_id=c.stage_id, lane_id=c.lane_id, index=index)
    assert cell(store, board, 0, 0) == expected


def test_move_to_an_index_in_another_cell(store, board):
    a = add(store, board, 0, 0, "a")
    for t in "xyz":
        add(store, board, 2, 3, t)
    store.move_note(
        a.id, a.version, stage_id=board.stages[2].id, lane_id=board.lanes[3].id, index=1
    )
    assert cell(store, board, 2, 3) == ["x", "a", "y", "z"]


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    opened = open_store(tmp_path_factory.mktemp("notes") / "notes.db")
    yield opened
    opened.close()


CELLS = [(0, 0), (0, 1), (1, 0), (1, 1)]
NOTE_OPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("add"),
            st.sampled_from(CELLS),
            st.one_of(st.none(), st.integers(min_value=0, max_value=8)),
            st.just(0),
        ),
        st.tuples(
            st.just("move"),
            st.sampled_from(CELLS),
            st.one_of(st.none(), st.integers(min_value=0, max_value=8)),
            st.integers(min_value=0, max_value=30),
        ),
        st.tuples(st.just("delete"), st.just((0, 0)), st.none(), st.integers(0, 30)),
    ),
    max_size=25,
)


@SETTINGS
@given(ops=NOTE_OPS)
def test_random_add_move_delete_matches_a_model_per_cell(shared_store, ops):
    store = shared_store
    ws = store.create_workspace("Hypothesis")
    journey = store.create_map(ws.id, "Map", template="blank")
    store.add_stage(journey.id, "Stage 2")
    board = store.load_map(journey.id)
    ids = {c: (board.stages[c[0]].id, board.lanes[c[1]].id) for c in CELLS}
    model: dict[tuple[int, int], list[str]] = {c: [] for c in CELLS}
    counter = 0

    def where(text):
        return next(c for c, texts in model.items() if text in texts)

    for op, target, index, pick in ops:
        existing = [t for texts in model.values() for t in texts]
        stage_id, lane_id = ids[target]
        if op == "add":
            text = f"n{counter}"
            counter += 1
            store.add_note(journey.id, stage_id=stage_id, lane_id=lane_id, text=text, index=index)
            model[target].insert(len(model[target]) if index is None else index, text)
        elif not existing:
            continue
        else:
            text = existing[pick % len(existing)]
            note = next(n for n in store.load_map(journey.id).notes if n.text == text)
            model[where(text)].remove(text)
            if op == "move":
                store.move_note(
                    note.id, note.version, stage_id=stage_id, lane_id=lane_id, index=index
                )
                model[target].insert(len(model[target]) if index is None else index, text)
            else:
                store.delete_note(note.id, note.version)

    final = store.load_map(journey.id)
    for c, (stage_id, lane_id) in ids.items():
        got = [n.text for n in final.notes if n.stage_id == stage_id and n.lane_id == lane_id]
        assert got == model[c], c
    store.delete_workspace(ws.id, 1)


# -- deleting --------------------------------------------------------------------


def test_delete_note(store, board):
    a = add(store, board, 0, 0, "a")
    b = add(store, board, 0, 0, "b")
    store.delete_note(a.id, a.version, by="Ana")
    trashed = store.get_note(a.id)
    assert trashed.deleted_at is not None
    assert trashed.deleted_by == "Ana"
    assert [n.id for n in store.load_map(board.map.id).notes] == [b.id]


def test_get_unknown_note_raises_not_found(store):
    with pytest.raises(NotFoundError):
        store.get_note("nope")


# -- exact text --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<img src=x onerror=alert(1)>",
        "<script>alert('x')</script>",
        "'; DROP TABLE notes; --",
        "**bold** _md_ `code` [link](javascript:alert(1))",
        "Tabs\tand\nnew lines\n\nkept",
        "Emoji 😀 and ünïcödé, 中文, עברית",
        "{{ template }} ${x} %s %(x)s",
        "a" * 2000,
    ],
)
def test_text_is_stored_and_returned_exactly_as_typed(store, board, text):
    note = add(store, board, 0, 0, text)
    assert note.text == text
    assert store.get_note(note.id).text == text
    assert store.load_map(board.map.id).note(note.id).text == text
    updated = store.update_note(note.id, note.version, text=text + " ")
    assert updated.text == text


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]")
TYPED = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)).filter(lambda c: not _CONTROL.match(c)),
    max_size=60,
)


@SETTINGS
@given(text=TYPED)
def test_only_ends_and_line_breaks_are_normalised(shared_store, text):
    store = shared_store
    ws = store.create_workspace("Texts")
    board = store.load_map(store.create_map(ws.id, "Map", template="blank").id)
    expected = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    try:
        note = add(store, board, 0, 0, text)
    except ValidationError:
        assert expected == ""
    else:
        assert expected != ""
        assert note.text == expected
        assert store.get_note(note.id).text == expected
    store.delete_workspace(ws.id, 1)


def test_note_timestamps_follow_the_clock(det_store, clock):
    ws = det_store.create_workspace("Team")
    journey = det_store.create_map(ws.id, "Map", template="blank")
    board = det_store.load_map(journey.id)
    note = add(det_store, board, 0, 0, "a")
    assert note.created_at == note.updated_at
    assert note.created_at > board.map.created_at
    # Adding the note touched the map after the note was stamped.
    assert det_store.get_map(journey.id).updated_at == clock.now > note.created_at
    moved = det_store.move_note(
        note.id, note.version, stage_id=note.stage_id, lane_id=board.lanes[1].id
    )
    assert moved.updated_at > note.updated_at
    assert moved.created_at == note.created_at
    assert det_store.get_note(note.id) == moved


def test_board_helpers_find_rows(store, board):
    note = add(store, board, 1, 2, "x")
    fresh = store.load_map(board.map.id)
    assert fresh.stage(board.stages[1].id) == board.stages[1]
    assert fresh.lane(board.lanes[2].id) == board.lanes[2]
    assert fresh.note(note.id) == note
    assert fresh.note("nope") is None
