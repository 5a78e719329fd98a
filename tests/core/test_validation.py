"""Input rules: bad input raises ValidationError with one clear sentence, saves nothing."""

from __future__ import annotations

import re

import pytest

from journeymap import JourneyMapError, ValidationError

FORBIDDEN_IN_MESSAGES = re.compile(
    r"Traceback|SELECT|INSERT|UPDATE |DELETE |sqlite|sqlalchemy|psycopg|File \"",
    re.IGNORECASE,
)


def assert_sentence(err: BaseException) -> None:
    message = str(err)
    assert message, "empty message"
    assert message.endswith("."), message
    assert message[0].isupper(), message
    assert not FORBIDDEN_IN_MESSAGES.search(message), message


# -- names ---------------------------------------------------------------------------

NAMED = {
    "workspace": lambda s, b, v: s.create_workspace(v),
    "persona": lambda s, b, v: s.add_persona(b.map.workspace_id, v),
    "map": lambda s, b, v: s.create_map(b.map.workspace_id, v),
    "stage": lambda s, b, v: s.add_stage(b.map.id, v),
    "lane": lambda s, b, v: s.add_lane(b.map.id, v),
}

RENAMES = {
    "workspace": lambda s, b, v: s.update_workspace(b.map.workspace_id, 1, name=v),
    "persona": lambda s, b, v: s.update_persona(b.persona.id, b.persona.version, name=v),
    "map": lambda s, b, v: s.update_map(b.map.id, b.map.version, title=v),
    "stage": lambda s, b, v: s.update_stage(b.stages[0].id, b.stages[0].version, name=v),
    "lane": lambda s, b, v: s.update_lane(b.lanes[0].id, b.lanes[0].version, name=v),
}


class Board:
    """The fixture board plus one persona, for the rename cases."""

    def __init__(self, board, persona):
        self.map, self.stages, self.lanes, self.persona = (
            board.map,
            board.stages,
            board.lanes,
            persona,
        )


@pytest.fixture
def target(store, board):
    persona = store.add_persona(board.map.workspace_id, "Maya")
    return Board(store.load_map(board.map.id), persona)


@pytest.mark.parametrize("value", ["", "   ", "\n\t ", None])
@pytest.mark.parametrize("thing", sorted(NAMED))
def test_empty_names_raise_and_mention_the_thing(store, target, snapshot, thing, value):
    before = snapshot()
    for call in (NAMED[thing], RENAMES[thing]):
        with pytest.raises(ValidationError) as caught:
            call(store, target, value)
        assert thing in str(caught.value).lower()
        assert "empty" in str(caught.value)
        assert_sentence(caught.value)
    assert snapshot() == before


@pytest.mark.parametrize("thing", sorted(NAMED))
def test_names_must_fit_on_one_line_and_in_120_characters(store, target, snapshot, thing):
    before = snapshot()
    for value in ("Two\nlines", "x" * 121, "bell\x07"):
        for call in (NAMED[thing], RENAMES[thing]):
            with pytest.raises(ValidationError) as caught:
                call(store, target, value)
            assert thing in str(caught.value).lower()
            assert_sentence(caught.value)
    assert snapshot() == before
    NAMED[thing](store, target, "y" * 120)


# -- note text ---------------------------------------------------------------------------


def add(store, board, text="ok", **extra):
    return store.add_note(
        board.map.id, stage_id=board.stages[0].id, lane_id=board.lanes[2].id, text=text, **extra
    )


def test_a_20000_character_note_is_refused_with_the_numbers(store, board):
    with pytest.raises(ValidationError) as caught:
        add(store, board, "x" * 20_000)
    message = str(caught.value)
    assert "20,000" in message
    assert "2,000" in message
    assert "nothing was saved" in message
    assert_sentence(caught.value)
    after = store.load_map(board.map.id)
    assert after.notes == ()
    assert after.map.revision == board.map.revision


def test_a_too_long_update_keeps_the_old_text(store, board):
    note = add(store, board, "short")
    with pytest.raises(ValidationError, match="2,001"):
        store.update_note(note.id, note.version, text="y" * 2001)
    assert store.get_note(note.id) == note


def test_note_text_limit_is_2000_after_trimming(store, board):
    assert len(add(store, board, "  " + "z" * 2000 + "  ").text) == 2000


@pytest.mark.parametrize("text", ["", "   ", "\r\n\t", None])
def test_empty_note_raises(store, board, text):
    with pytest.raises(ValidationError, match="note") as caught:
        add(store, board, text)
    assert_sentence(caught.value)
    assert store.load_map(board.map.id).notes == ()


@pytest.mark.parametrize("char", ["\x07", "\x00", "\x1b", "\x7f", "\x0b", "\x0c"])
def test_control_characters_raise(store, board, char):
    with pytest.raises(ValidationError) as caught:
        add(store, board, f"ring{char}bell")
    assert f"U+{ord(char):04X}" in str(caught.value)
    assert_sentence(caught.value)
    assert store.load_map(board.map.id).notes == ()


def test_non_text_note_raises(store, board):
    with pytest.raises(ValidationError, match="must be text") as caught:
        add(store, board, 42)
    assert_sentence(caught.value)


# -- lane fields -----------------------------------------------------------------------


@pytest.mark.parametrize("score", [3, -3, 1.5, True, False, "1", 100])
def test_bad_emotion_scores_raise(store, board, score):
    with pytest.raises(ValidationError, match="-2 to \\+2") as caught:
        add(store, board, emotion=score)
    assert_sentence(caught.value)
    note = add(store, board, emotion=1)
    with pytest.raises(ValidationError):
        store.update_note(note.id, note.version, emotion=score)
    assert store.get_note(note.id) == note


@pytest.mark.parametrize("status", ["maybe", "HAVE", "needs", 1])
def test_bad_resource_status_raises(store, board, status):
    with pytest.raises(ValidationError, match="'have' or 'need'") as caught:
        add(store, board, resource_status=status)
    assert_sentence(caught.value)
    assert store.load_map(board.map.id).notes == ()


def test_too_long_channel_raises(store, board):
    with pytest.raises(ValidationError, match="channel") as caught:
        add(store, board, channel="c" * 81)
    assert_sentence(caught.value)


# -- persona fields ----------------------------------------------------------------------


def test_persona_list_with_too_many_entries_raises(store, workspace):
    with pytest.raises(ValidationError, match="30") as caught:
        store.add_persona(workspace.id, "Maya", goals=[f"goal {i}" for i in range(31)])
    assert_sentence(caught.value)
    assert store.list_personas(workspace.id) == []
    assert len(store.add_persona(workspace.id, "Maya", goals=["g"] * 30).goals) == 30


def test_persona_long_text_limits(store, workspace):
    with pytest.raises(ValidationError, match="role"):
        store.add_persona(workspace.id, "Maya", role="r" * 201)
    with pytest.raises(ValidationError, match="background"):
        store.add_persona(workspace.id, "Maya", background="b" * 5001)
    assert store.list_personas(workspace.id) == []


# -- unknown keywords ---------------------------------------------------------------------


@pytest.fixture
def with_note(store, target):
    target.note = add(store, target, "ok")
    return target


UNKNOWN_KEYWORD_CALLS = {
    "add_note": lambda s, t: add(s, t, colour="red"),
    "update_note": lambda s, t: s.update_note(t.note.id, t.note.version, colour="red"),
    "update_note with a good field too": lambda s, t: s.update_note(
        t.note.id, t.note.version, text="changed", colour="red"
    ),
    "add_persona": lambda s, t: s.add_persona(t.map.workspace_id, "M", age=3),
    "update_persona": lambda s, t: s.update_persona(t.persona.id, t.persona.version, age=3),
    "update_workspace": lambda s, t: s.update_workspace(t.map.workspace_id, 1, colour="red"),
    "update_map": lambda s, t: s.update_map(t.map.id, t.map.version, colour="red"),
    "update_lane": lambda s, t: s.update_lane(t.lanes[0].id, 1, name="x", colour="red"),
    "update_stage": lambda s, t: s.update_stage(t.stages[0].id, 1, name="x", colour="red"),
    "create_map": lambda s, t: s.create_map(t.map.workspace_id, "M", colour="red"),
}


@pytest.mark.parametrize("call", sorted(UNKNOWN_KEYWORD_CALLS))
def test_unknown_keyword_raises_type_error_and_saves_nothing(store, with_note, snapshot, call):
    before = snapshot()
    with pytest.raises(TypeError) as caught:
        UNKNOWN_KEYWORD_CALLS[call](store, with_note)
    assert not isinstance(caught.value, JourneyMapError)
    assert snapshot() == before


# -- every ValidationError is a sentence ----------------------------------------------------


BAD_CALLS = [
    lambda s, b: s.create_workspace(""),
    lambda s, b: s.create_workspace("x", description="d" * 5001),
    lambda s, b: s.add_persona(b.map.workspace_id, "M", photo=b"nope"),
    lambda s, b: s.add_persona(
        b.map.workspace_id, "M", photo=b"\x89PNG\r\n\x1a\n" + bytes(3 << 20)
    ),
    lambda s, b: s.create_map(b.map.workspace_id, "M", template="nope"),
    lambda s, b: s.create_map(b.map.workspace_id, "M", scenario="s" * 5001),
    lambda s, b: s.add_stage(b.map.id, "Awareness"),
    lambda s, b: s.add_lane(b.map.id, "Quotes", kind="sad"),
    lambda s, b: add(s, b, "x" * 20_000),
    lambda s, b: add(s, b, emotion=9),
    lambda s, b: add(s, b, resource_status="maybe"),
    lambda s, b: add(s, b, author="a" * 121),
]


@pytest.mark.parametrize("call", BAD_CALLS, ids=[str(i) for i in range(len(BAD_CALLS))])
def test_every_validation_message_is_a_plain_sentence(store, board, call):
    with pytest.raises(ValidationError) as caught:
        call(store, board)
    assert_sentence(caught.value)
