"""Journey map: add a note, edit it in the dialog (with conflicts), delete it, filter the wall."""

from __future__ import annotations

import pytest
from pagekit import (
    JOURNEY_MAP,
    USER,
    by_label,
    click,
    lane_id,
    new_app,
    run,
    stage_id,
    texts,
    wall_data,
)

EDITING = "wall:editing"
# The note dialog ends some clicks with a fragment rerun; see conftest.fragment_reruns_in_full.
pytestmark = pytest.mark.usefixtures("fragment_reruns_in_full")


def k(note_id: str, field: str) -> str:
    return f"note:{note_id}:{field}"


@pytest.fixture
def cells(team, store):
    """Stage and lane ids of the team's map by name."""
    board = team.board(store)
    return {
        "awareness": stage_id(board, "Awareness"),
        "purchase": stage_id(board, "Purchase"),
        "pain": lane_id(board, "Pain points"),
        "actions": lane_id(board, "Customer actions"),
        "emotions": lane_id(board, "Emotions"),
    }


def open_map(team, **state):
    return run(new_app(JOURNEY_MAP, state={**team.state, **state}))


def add_through_form(at, stage: str, lane: str, text: str):
    at.selectbox(key="addnote:stage").set_value(stage)
    at.selectbox(key="addnote:lane").set_value(lane)
    run(at)  # the lane decides the extra field: draw it before typing
    at.text_area(key="addnote:text").input(text)
    return click(at, "addnote:submit")


# -- adding -------------------------------------------------------------------------------


def test_add_a_note_with_the_form(team, store, cells):
    at = open_map(team)
    add_through_form(at, cells["purchase"], cells["pain"], "  The price is hidden until checkout ")

    [note] = store.load_map(team.map.id).notes
    assert note.text == "The price is hidden until checkout"
    assert note.author == USER
    assert (note.stage_id, note.lane_id) == (cells["purchase"], cells["pain"])
    assert "Note added." in texts(at.toast)
    assert at.text_area(key="addnote:text").value == ""  # the form is cleared
    [shown] = wall_data(at)["notes"]
    assert (shown["id"], shown["author"]) == (note.id, USER)


def test_add_an_emotion_note_with_its_score(team, store, cells):
    at = open_map(team)
    assert not at.get("vega_lite_chart")  # no scores yet: no emotion curve
    at.selectbox(key="addnote:lane").set_value(cells["emotions"])
    run(at)
    at.button_group(key="addnote:emotion").set_value(-2)
    at.text_area(key="addnote:text").input("Lost in the pricing page")
    click(at, "addnote:submit")

    [note] = store.load_map(team.map.id).notes
    assert note.emotion == -2
    assert note.lane_id == cells["emotions"]
    assert len(at.get("vega_lite_chart")) == 1  # the emotion curve


def test_too_long_note_shows_an_error_and_stores_nothing(team, store, cells):
    at = open_map(team)
    add_through_form(at, cells["awareness"], cells["pain"], "x" * 20_000)

    [error] = texts(at.error)
    assert "20,000" in error
    assert "2,000" in error
    assert store.load_map(team.map.id).notes == ()
    assert at.text_area(key="addnote:text").value == "x" * 20_000  # the draft is kept


def test_empty_note_shows_an_error(team, store, cells):
    at = open_map(team)
    add_through_form(at, cells["awareness"], cells["pain"], "   ")

    assert texts(at.error) == ["A note cannot be empty."]
    assert store.load_map(team.map.id).notes == ()


# -- the note dialog ----------------------------------------------------------------------


@pytest.fixture
def note(team, store, cells):
    return store.add_note(
        team.map.id, stage_id=cells["awareness"], lane_id=cells["pain"], text="Original"
    )


def test_edit_a_note_in_the_dialog(team, store, cells, note):
    at = open_map(team, **{EDITING: note.id})
    assert at.text_area(key=k(note.id, "text")).value == "Original"

    at.text_area(key=k(note.id, "text")).input("Edited")
    at.selectbox(key=k(note.id, "stage")).set_value(cells["purchase"])
    click(at, k(note.id, "save"))

    saved = store.get_note(note.id)
    assert saved.text == "Edited"
    assert saved.stage_id == cells["purchase"]
    assert saved.author == note.author  # editing does not take over the note
    assert EDITING not in at.session_state
    assert "Note saved." in texts(at.toast)
    assert not any(b.key == k(note.id, "save") for b in at.button)  # the dialog closed
    assert [n["text"] for n in wall_data(at)["notes"]] == ["Edited"]


def test_stale_edit_shows_both_versions_and_overwrites_nothing(team, store, note):
    at = open_map(team, **{EDITING: note.id})
    store.update_note(note.id, note.version, text="Theirs")  # someone else, meanwhile

    at.text_area(key=k(note.id, "text")).input("Mine")
    click(at, k(note.id, "save"))

    [warning] = texts(at.warning)
    assert "Someone else changed this note" in warning
    shown = texts(at.text)
    assert "Mine" in shown
    assert "Theirs" in shown
    assert store.get_note(note.id).text == "Theirs"
    assert at.session_state[EDITING] == note.id  # still open, draft kept

    click(at, k(note.id, "keep"))

    saved = store.get_note(note.id)
    assert saved.text == "Mine"
    assert saved.version == note.version + 2
    assert EDITING not in at.session_state
    assert "Note saved." in texts(at.toast)


def test_take_theirs_loads_their_version_into_the_draft(team, store, note):
    at = open_map(team, **{EDITING: note.id})
    store.update_note(note.id, note.version, text="Theirs")
    at.text_area(key=k(note.id, "text")).input("Mine")
    click(at, k(note.id, "save"))

    click(at, k(note.id, "take"))

    assert at.text_area(key=k(note.id, "text")).value == "Theirs"
    assert not at.warning
    at.text_area(key=k(note.id, "text")).input("Theirs, improved")
    click(at, k(note.id, "save"))  # based on their version now: no conflict
    assert store.get_note(note.id).text == "Theirs, improved"


def test_delete_a_note_in_the_dialog(team, store, note):
    at = open_map(team, **{EDITING: note.id})
    click(at, k(note.id, "delete"))

    assert store.load_map(team.map.id).notes == ()
    assert [n.id for n in store.list_trash(team.map.id)] == [note.id]
    assert store.get_note(note.id).deleted_by == "Tester"
    assert EDITING not in at.session_state
    assert any("trash" in t for t in texts(at.toast))
    assert wall_data(at)["notes"] == []


def test_restore_from_the_trash(team, store, note):
    store.delete_note(note.id, note.version, by="Someone")
    at = open_map(team)

    click(at, f"trash:{note.id}:restore")

    assert [n.id for n in store.load_map(team.map.id).notes] == [note.id]
    assert store.list_trash(team.map.id) == []
    assert [n["id"] for n in wall_data(at)["notes"]] == [note.id]
    assert store.note_history(note.id)[-1].actor == "Tester"


def test_activity_and_history_show_who_did_what(team, store, note):
    store.update_note(note.id, note.version, text="Edited by Ben", by="Ben")
    at = open_map(team, **{EDITING: note.id})

    tables = [df.value for df in at.dataframe]
    assert any("Ben" in list(t["Who"]) and "edited the text" in list(t["What"]) for t in tables)


def test_saving_an_unchanged_note_writes_nothing(team, store, note):
    at = open_map(team, **{EDITING: note.id})

    click(at, k(note.id, "save"))

    assert store.get_note(note.id).version == note.version  # no write, no false conflicts
    assert EDITING not in at.session_state
    assert "Nothing had changed." in texts(at.toast)


def test_moving_in_the_dialog_keeps_the_text_version_check(team, store, cells, note):
    at = open_map(team, **{EDITING: note.id})
    at.selectbox(key=k(note.id, "stage")).set_value(cells["purchase"])
    click(at, k(note.id, "save"))

    moved = store.get_note(note.id)
    assert moved.stage_id == cells["purchase"]
    assert moved.text == note.text
    assert moved.version == note.version + 1  # one write: the move


def test_delete_after_someone_edited_asks_first(team, store, note):
    at = open_map(team, **{EDITING: note.id})
    store.update_note(note.id, note.version, text="Theirs, just edited")

    click(at, k(note.id, "delete"))

    [warning] = texts(at.warning)
    assert "deciding to delete it" in warning
    assert "Theirs, just edited" in texts(at.text)
    assert store.get_note(note.id).text == "Theirs, just edited"  # not deleted

    click(at, k(note.id, "force"))

    assert note.id not in {n.id for n in store.load_map(note.map_id).notes}
    assert EDITING not in at.session_state


def test_cancel_closes_the_dialog_without_saving(team, store, note):
    at = open_map(team, **{EDITING: note.id})
    at.text_area(key=k(note.id, "text")).input("Never mind")
    click(at, k(note.id, "cancel"))

    assert store.get_note(note.id).text == "Original"
    assert EDITING not in at.session_state
    assert k(note.id, "base") not in at.session_state


def test_note_deleted_behind_the_dialog_keeps_the_draft(team, store, cells, note):
    at = open_map(team, **{EDITING: note.id})
    store.delete_note(note.id, note.version)
    at.text_area(key=k(note.id, "text")).input("My words")
    click(at, k(note.id, "save"))

    assert any("Someone deleted this note" in w for w in texts(at.warning))
    click(at, k(note.id, "readd"))

    [back] = store.load_map(team.map.id).notes
    assert back.text == "My words"
    assert back.author == USER
    assert (back.stage_id, back.lane_id) == (cells["awareness"], cells["pain"])


def test_dialog_for_a_note_that_no_longer_exists(team):
    at = open_map(team, **{EDITING: "no-such-note"})
    assert "This note was deleted by someone else." in texts(at.warning)
    click(at, k("no-such-note", "close_gone"))
    assert EDITING not in at.session_state


# -- the wall -----------------------------------------------------------------------------


def test_lane_filter_limits_the_wall(team, store, cells):
    for lane, text in ((cells["pain"], "Pain"), (cells["actions"], "Act"), (cells["pain"], "Ow")):
        store.add_note(team.map.id, stage_id=cells["awareness"], lane_id=lane, text=text)
    at = open_map(team)
    assert len(wall_data(at)["notes"]) == 3

    at.multiselect(key=f"filter:{team.map.id}:lanes").set_value([cells["pain"]])
    run(at)

    payload = wall_data(at)
    assert [lane["id"] for lane in payload["lanes"]] == [cells["pain"]]
    assert sorted(n["text"] for n in payload["notes"]) == ["Ow", "Pain"]
    assert payload["corner"] == "2 notes"


def test_author_filter_limits_the_wall(team, store, cells):
    for author in ("Ana", "Ben", "Ana"):
        store.add_note(
            team.map.id, stage_id=cells["awareness"], lane_id=cells["pain"], text=author,
            author=author,
        )  # fmt: skip
    at = open_map(team)
    at.multiselect(key=f"filter:{team.map.id}:authors").set_value(["Ben"])
    run(at)

    assert [n["author"] for n in wall_data(at)["notes"]] == ["Ben"]
    assert len(wall_data(at)["lanes"]) == len(team.board(store).lanes)


# -- maps ---------------------------------------------------------------------------------


def test_pick_another_map_in_the_sidebar(team, store):
    other = store.create_map(team.workspace.id, "Renewal", template="saas")
    at = open_map(team)
    at.selectbox(key="map:pick").set_value(other.id)
    run(at)

    assert at.session_state["jm:map"] == other.id
    assert "Renewal" in texts(at.title)
    assert wall_data(at)["stages"][0]["name"] == "Pre-purchase"


def test_new_map_from_the_sidebar_opens_it(team, store):
    at = open_map(team)
    by_label(at.sidebar.text_input, "Title").input("Renewal")
    click(at, "FormSubmitter:map:new-Create map")

    created = next(m for m in store.list_maps(team.workspace.id) if m.title == "Renewal")
    assert at.session_state["jm:map"] == created.id
    assert "Renewal" in texts(at.title)


def test_first_map_of_a_workspace_from_the_page(store):
    workspace = store.create_workspace("New team")
    at = run(new_app(JOURNEY_MAP))
    by_label(at.text_input, "Title").input("First journey")
    click(at, "FormSubmitter:map:new-Create map")

    [created] = store.list_maps(workspace.id)
    assert created.title == "First journey"
    assert created.created_by == USER
    assert at.session_state["jm:map"] == created.id
    assert "First journey" in texts(at.title)
