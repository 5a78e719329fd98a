"""The facilitator's panel on the journey map page, and what participants see of it.

The `team` map is created by the test user ("Tester"), who therefore facilitates it;
`as_participant` opens the same map as someone else.
"""

from __future__ import annotations

import pytest
from pagekit import JOURNEY_MAP, click, new_app, run, texts, wall_data

# In the browser a click inside a dialog reruns the dialog alone; AppTest reruns everything.
pytestmark = pytest.mark.usefixtures("fragment_reruns_in_full")


@pytest.fixture
def note(team, store):
    board = team.board(store)
    return store.add_note(
        team.map.id,
        stage_id=board.stages[0].id,
        lane_id=board.lanes[0].id,
        text="Idea",
        author="Pat",
    )


def as_facilitator(team):
    return run(new_app(JOURNEY_MAP, state=team.state))


def as_participant(team, name="Pat"):
    return run(new_app(JOURNEY_MAP, user=name, state=team.state))


def test_the_panel_shows_only_for_the_facilitator(team):
    assert as_facilitator(team).button(key="facilitate:lock")
    participant = as_participant(team)
    assert not [b for b in participant.button if b.key == "facilitate:lock"]


def test_lock_makes_the_wall_read_only_for_participants_only(team, store, note):
    at = as_facilitator(team)
    click(at, "facilitate:lock")
    assert store.get_map(team.map.id).locked is True
    assert wall_data(at)["readonly"] is False  # the facilitator still edits

    participant = as_participant(team)
    assert wall_data(participant)["readonly"] is True
    assert any("Locked for review" in t for t in texts(participant.info))

    click(at, "facilitate:lock")  # now "Unlock the map"
    assert wall_data(as_participant(team))["readonly"] is False


def test_a_locked_map_refuses_a_participants_note_with_a_sentence(team, store, note):
    store.lock_map(team.map.id, True, by="Tester")
    at = as_participant(team)
    at.session_state["wall:editing"] = note.id
    run(at)
    at.text_area(key=f"note:{note.id}:text").input("Sneaky edit")
    at.button(key=f"note:{note.id}:save").click()
    at.run()
    assert store.get_note(note.id).text == "Idea"
    assert not at.exception
    assert any("locked" in t for t in texts(at.error) + texts(at.toast))


def test_timer_start_pause_and_stop(team, store):
    at = as_facilitator(team)
    at.number_input(key="facilitate:minutes").set_value(5)
    click(at, "facilitate:start")
    assert store.get_map(team.map.id).timer_ends_at is not None
    click(at, "facilitate:pause")
    paused = store.get_map(team.map.id)
    assert paused.timer_ends_at is None and 290 < paused.timer_left <= 300
    click(at, "facilitate:more")
    assert store.get_map(team.map.id).timer_left == pytest.approx(paused.timer_left + 60)
    click(at, "facilitate:stop")
    assert store.get_map(team.map.id).timer_left is None


def test_private_brainstorm_hides_others_new_notes_until_reveal(team, store, note):
    at = as_facilitator(team)
    click(at, "facilitate:private")
    board = team.board(store)
    store.add_note(
        team.map.id,
        stage_id=board.stages[1].id,
        lane_id=board.lanes[0].id,
        text="Pat's secret idea",
        author="Pat",
    )
    store.add_note(
        team.map.id,
        stage_id=board.stages[1].id,
        lane_id=board.lanes[0].id,
        text="Quinn's secret idea",
        author="Quinn",
    )

    pat = [n["text"] for n in wall_data(as_participant(team, "Pat"))["notes"]]
    assert sorted(pat) == ["Idea", "Pat's secret idea"]  # the old note, and Pat's own

    click(at, "facilitate:private")  # reveal
    everyone = [n["text"] for n in wall_data(as_participant(team, "Pat"))["notes"]]
    assert sorted(everyone) == ["Idea", "Pat's secret idea", "Quinn's secret idea"]


def test_dot_voting_round_from_open_to_results(team, store, note):
    at = as_facilitator(team)
    at.number_input(key="facilitate:votes").set_value(2)
    click(at, "facilitate:open_vote")
    vote = store.latest_vote(team.map.id)
    assert vote.is_open and vote.votes_per_person == 2

    store.toggle_vote(vote.id, note.id, voter="Pat")
    participant = as_participant(team)
    assert wall_data(participant)["voting"] == {"mine": [note.id]}
    assert any("1 of 2 votes left" in t for t in texts(participant.success))

    click(at, "facilitate:close_vote")
    at = as_facilitator(team)
    assert wall_data(at)["voting"] is None
    [results] = [df.value for df in at.dataframe if "Dots" in df.value.columns]
    assert list(results["Dots"]) == [1]
    assert list(results["Note"]) == ["Idea"]
    assert "Pat" not in results.to_string()  # anonymous


def test_comments_in_the_note_dialog(team, store, note):
    at = as_participant(team)
    at.session_state["wall:editing"] = note.id
    run(at)
    at.text_area(key=f"note:{note.id}:comment").input("Seen in support too")
    at.button(key=f"FormSubmitter:note:{note.id}:comment_form-Comment").click()
    at.run()
    assert [(c.author, c.text) for c in store.list_comments(note.id)] == [
        ("Pat", "Seen in support too")
    ]
    assert wall_data(at)["notes"][0]["comments"] == 1
