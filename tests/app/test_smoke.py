"""Every page runs without an exception on the states a real database can be in."""

from __future__ import annotations

import pytest
from pagekit import (
    HOME,
    HOSTILE_TEXTS,
    JOURNEY_MAP,
    PAGES,
    PERSONAS,
    new_app,
    on_journey_map,
    run,
    texts,
    wall_data,
)

from components.text import md_escape
from journeymap import load_sample


@pytest.mark.parametrize("page", PAGES)
def test_empty_database(page, no_sample, store):
    at = run(new_app(page))

    assert store.list_workspaces() == []  # switched off: the sample did not load
    assert at.session_state["jm:workspace"] is None
    if page == HOME:
        assert "Customer journey maps" in texts(at.title)
    else:
        assert "Create a workspace on the Home page first." in texts(at.info)


@pytest.mark.parametrize("page", PAGES)
def test_sample_loads_on_first_run(page, store):
    at = run(new_app(page))

    [sample] = store.list_workspaces()
    assert at.session_state["jm:workspace"] == sample.id
    if page == JOURNEY_MAP:
        first = store.list_maps(sample.id)[0]
        assert at.session_state["jm:map"] == first.id
        assert len(wall_data(at)["notes"]) == len(store.load_map(first.id).notes) > 0
    if page == PERSONAS:
        names = [p.name for p in store.list_personas(sample.id)]
        shown = " ".join(texts(at.markdown))
        assert all(md_escape(name) in shown for name in names)


def test_sample_loads_once(store):
    at = run(new_app())
    run(at)  # a second run (same store) must not load another copy
    run(new_app())  # nor a second session
    assert len(store.list_workspaces()) == 1


@pytest.mark.parametrize("page", PAGES)
def test_map_without_notes(page, team, store):
    at = run(new_app(page, state=team.state))

    assert at.session_state["jm:workspace"] == team.workspace.id
    if page == JOURNEY_MAP:
        payload = wall_data(at)
        assert payload["notes"] == []
        assert payload["corner"] == "0 notes"
        assert [s["name"] for s in payload["stages"]] == [s.name for s in team.board(store).stages]
    if page == PERSONAS:
        assert "No personas yet: create one in the New persona tab." in texts(at.info)


@pytest.mark.parametrize("page", PAGES)
def test_workspace_without_maps(page, store):
    workspace = store.create_workspace("Empty team")
    at = run(new_app(page))

    assert at.session_state["jm:workspace"] == workspace.id
    if page == JOURNEY_MAP:
        assert "This workspace has no map yet: create one." in texts(at.info)
    if page == HOME:
        assert "No maps yet: create the first one below." in texts(at.info)


@pytest.mark.parametrize("page", PAGES)
def test_html_and_markdown_in_user_text(page, hostile, store):
    at = run(new_app(page, state=hostile.state))

    if page == JOURNEY_MAP:
        assert on_journey_map(at)
        # The wall gets the text as data, unchanged (it writes it with textContent).
        shown = [n["text"] for n in wall_data(at)["notes"]]
        assert sorted(shown) == sorted(n.text for n in hostile.board(store).notes)
        assert set(HOSTILE_TEXTS) <= set(shown)
    if page == PERSONAS:
        assert at.button(key=f"persona:{hostile.persona.id}:copy")  # its card is drawn
    if page == HOME:
        assert at.button(key=f"home:open:{hostile.map.id}")  # its map card is drawn
    # How that text is shown (as text, not markup) is checked in test_escaping.py.


@pytest.mark.parametrize("page", PAGES)
def test_link_with_ids_lands_on_that_map(page, store):
    """A link with the sample's ids (a second participant) lands on the same map."""
    sample = load_sample(store)
    journey = store.list_maps(sample.id)[1]
    at = new_app(page)
    at.query_params["ws"] = sample.id
    at.query_params["map"] = journey.id
    run(at)

    assert at.session_state["jm:workspace"] == sample.id
    assert at.session_state["jm:map"] == journey.id
    if page == JOURNEY_MAP:
        assert journey.title in texts(at.title)
