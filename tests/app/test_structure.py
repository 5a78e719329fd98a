"""The "Stages and lanes" dialog: list, add (unique names), rename, delete with notes."""

from __future__ import annotations

import pytest
from pagekit import JOURNEY_MAP, by_label, click, lane_id, new_app, run, stage_id, texts

from journeymap import LaneKind

OPEN = "structure:open"
ADD_STAGE = "FormSubmitter:structure:add_stage-Add stage"
ADD_LANE = "FormSubmitter:structure:add_lane-Add lane"
# Clicks in the dialog end with a fragment rerun; see conftest.fragment_reruns_in_full.
pytestmark = pytest.mark.usefixtures("fragment_reruns_in_full")


def open_dialog(team):
    return run(new_app(JOURNEY_MAP, state={**team.state, OPEN: True}))


def name_inputs(at, rows):
    return [at.text_input(key=f"structure:{row.id}:v{row.version}:name") for row in rows]


def test_dialog_lists_the_stages_and_lanes(team, store):
    board = team.board(store)
    at = open_dialog(team)

    assert [w.value for w in name_inputs(at, board.stages)] == [s.name for s in board.stages]
    assert [w.value for w in name_inputs(at, board.lanes)] == [ln.name for ln in board.lanes]
    assert "Stage 1 (0 notes)" in [w.label for w in at.text_input]


def test_dialog_is_closed_without_its_flag(team):
    at = run(new_app(JOURNEY_MAP, state=team.state))
    assert not any(b.key == "structure:done" for b in at.button)


@pytest.mark.parametrize("name", ["awareness", "  AWARENESS "])
def test_stage_named_like_an_existing_one_is_refused(name, team, store):
    before = team.board(store).stages
    at = open_dialog(team)
    by_label(at.text_input, "New stage").input(name)
    click(at, ADD_STAGE)

    [error] = texts(at.error)
    assert "already has a stage called" in error
    assert store.load_map(team.map.id).stages == before


def test_add_a_stage_and_a_lane(team, store):
    at = open_dialog(team)
    by_label(at.text_input, "New stage").input("Churn")
    click(at, ADD_STAGE)
    by_label(at.text_input, "New lane").input("Backstage")
    by_label(at.selectbox, "Kind").set_value(LaneKind.OPPORTUNITY)
    click(at, ADD_LANE)

    board = store.load_map(team.map.id)
    assert board.stages[-1].name == "Churn"
    assert (board.lanes[-1].name, board.lanes[-1].kind) == ("Backstage", LaneKind.OPPORTUNITY)
    assert not at.error
    assert at.session_state[OPEN] is True  # the dialog stays open for more changes


def test_rename_a_stage(team, store):
    awareness = team.board(store).stages[0]
    at = open_dialog(team)
    at.text_input(key=f"structure:{awareness.id}:v1:name").input("Discovery")
    run(at)

    assert store.load_map(team.map.id).stages[0].name == "Discovery"
    assert at.text_input(key=f"structure:{awareness.id}:v2:name").value == "Discovery"


def test_delete_a_stage_with_notes_asks_first(team, store):
    board = team.board(store)
    purchase = stage_id(board, "Purchase")
    store.add_note(
        team.map.id, stage_id=purchase, lane_id=lane_id(board, "Pain points"), text="Fees"
    )
    at = open_dialog(team)

    click(at, f"structure:{purchase}:v1:delete")
    assert texts(at.warning) == ["Purchase holds 1 notes; they go with it."]
    assert purchase in {s.id for s in store.load_map(team.map.id).stages}

    click(at, f"structure:{purchase}:v1:yes")
    after = store.load_map(team.map.id)
    assert purchase not in {s.id for s in after.stages}
    assert after.notes == ()


def test_done_closes_the_dialog(team):
    at = open_dialog(team)
    click(at, "structure:done")
    assert OPEN not in at.session_state
    assert not any(b.key == "structure:done" for b in at.button)
