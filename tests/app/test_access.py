"""The passcode gate and sign-in: no data before them, on every page, and writes refused."""

from __future__ import annotations

import pytest
from pagekit import JOURNEY_MAP, PAGES, PERSONAS, USER, click, has_button, new_app, run, texts

from journeymap import Access, AccessError

CODE = "orange-kite-42"
UNLOCK = "FormSubmitter:shell:passcode_form-Unlock"


@pytest.fixture
def locked_team(store, team):
    """The team's workspace with a passcode, a persona, and a note on its map."""
    board = team.board(store)
    store.add_note(
        team.map.id,
        stage_id=board.stages[0].id,
        lane_id=board.lanes[0].id,
        text="Secret finding",
        author=USER,
    )
    store.add_persona(team.workspace.id, "Hidden persona")
    store.set_passcode(team.workspace.id, CODE)
    return team


def _shows_data(at) -> bool:
    everything = " ".join(str(e.value) for e in at.main if hasattr(e, "value"))
    return "Secret finding" in everything or "Hidden persona" in everything


@pytest.mark.parametrize("page", PAGES)
def test_every_page_stops_at_the_passcode_before_any_data(no_sample, locked_team, page):
    at = run(new_app(page, state=locked_team.state))
    assert has_button(at, UNLOCK)
    assert not has_button(at, "addnote:submit")
    assert not [e for e in at.main if getattr(e, "key", None) == "wall:board"]
    assert not _shows_data(at)
    assert "Onboarding" not in texts(at.main.markdown)  # not even the map's title


def test_a_deep_link_to_the_map_alone_stops_at_the_passcode(no_sample, locked_team):
    at = new_app(JOURNEY_MAP)
    at.query_params["map"] = locked_team.map.id
    run(at)
    assert has_button(at, UNLOCK)
    assert not _shows_data(at)


def test_a_wrong_passcode_is_refused_with_the_tries_left_and_the_right_one_opens(
    no_sample, locked_team
):
    at = run(new_app(JOURNEY_MAP, state=locked_team.state))
    at.text_input(key="shell:passcode").input("guess-guess")
    click(at, UNLOCK)
    assert texts(at.error) == ["That passcode is wrong; 4 more tries before a 5-minute wait."]
    assert has_button(at, UNLOCK)

    at.text_input(key="shell:passcode").input(CODE)
    click(at, UNLOCK)
    assert not has_button(at, UNLOCK)
    assert has_button(at, "addnote:submit")  # the wall is there
    assert locked_team.workspace.id in at.session_state["jm:keys"]


def test_the_gate_offers_the_other_workspaces(locked_team, store):
    other = store.create_workspace("Open to all")
    at = run(new_app(state=locked_team.state))
    at.selectbox(key="shell:other_workspace").set_value(other.id)
    run(at)
    assert not has_button(at, UNLOCK)
    assert at.session_state["jm:workspace"] == other.id


def test_a_session_whose_key_went_stale_is_asked_again(no_sample, locked_team, store):
    at = run(new_app(PERSONAS, state=locked_team.state))
    at.text_input(key="shell:passcode").input(CODE)
    click(at, UNLOCK)
    assert not has_button(at, UNLOCK)

    store.set_passcode(locked_team.workspace.id, "changed-since")  # the facilitator changes it
    run(at)
    assert has_button(at, UNLOCK)
    assert not _shows_data(at)


def test_setting_a_passcode_in_settings_keeps_the_setter_in_and_the_store_guards_writes(
    no_sample, team, store
):
    at = run(new_app(state=team.state))
    at.text_input(key="home:passcode_new").input(CODE)
    click(at, "FormSubmitter:home:passcode-Protect with this passcode")
    assert store.get_workspace(team.workspace.id).protected
    assert not has_button(at, UNLOCK)  # the setter got the key
    with pytest.raises(AccessError):
        store.for_session(Access()).create_map(team.workspace.id, "Sneaky")

    click(at, "home:passcode_remove")
    assert not store.get_workspace(team.workspace.id).protected


def test_with_sign_in_configured_nothing_shows_until_signed_in(no_sample, team):
    at = new_app(state=team.state, user=None)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x" * 32,
        "client_id": "id",
        "client_secret": "secret",
        "server_metadata_url": "https://example.invalid/.well-known/openid-configuration",
    }
    run(at)
    assert has_button(at, "shell:sign_in")
    assert "Who are you?" not in texts(at.subheader)  # the identity gives the name
    assert not has_button(at, "home:sample")
    assert not any("Onboarding" in t for t in texts(at.main.markdown))
