"""Home: who are you, creating a workspace, opening the sample workshop, opening a map."""

from __future__ import annotations

import pytest
from pagekit import HOME, USER, by_label, click, new_app, on_journey_map, run, texts

from journeymap import load_sample

CREATE = "FormSubmitter:home:new_workspace-Create workspace"


def create_workspace(at, name: str):
    by_label(at.text_input, "Name").input(name)
    return click(at, CREATE)


def test_name_form_asks_until_a_name_is_given(store):
    at = run(new_app(user=None))
    assert "Who are you?" in texts(at.subheader)
    assert not any(b.key == CREATE for b in at.button)  # the page stopped at the question

    at.button(key="FormSubmitter:shell:name_form-Continue").click()
    run(at)
    assert texts(at.error) == ["Your name cannot be empty."]
    assert "jm:user" not in at.session_state

    at.text_input(key="shell:name").input("  Ana (Product)  ")
    click(at, "FormSubmitter:shell:name_form-Continue")
    assert at.session_state["jm:user"] == "Ana (Product)"
    assert "Customer journey maps" in texts(at.title)
    assert "Ana (Product)" in texts(at.sidebar.text)


def test_create_workspace_on_an_empty_database(no_sample, store):
    at = run(new_app())
    create_workspace(at, "Acme onboarding")

    [workspace] = store.list_workspaces()
    assert workspace.name == "Acme onboarding"
    assert workspace.created_by == USER
    assert at.session_state["jm:workspace"] == workspace.id
    assert at.query_params["ws"] == workspace.id
    assert "Created the workspace Acme onboarding." in texts(at.toast)


def test_created_workspace_becomes_the_current_one(store):
    at = run(new_app())  # the sample is loaded and current
    sample = store.list_workspaces()[0]
    assert at.session_state["jm:workspace"] == sample.id

    create_workspace(at, "Second team")

    created = next(w for w in store.list_workspaces() if w.name == "Second team")
    assert at.session_state["jm:workspace"] == created.id
    assert at.selectbox(key="home:workspace").value == created.id


@pytest.mark.parametrize("name", ["", "   "])
def test_empty_workspace_name_shows_an_error_and_creates_nothing(name, no_sample, store):
    at = run(new_app())
    create_workspace(at, name)

    assert texts(at.error) == ["A workspace name cannot be empty."]
    assert store.list_workspaces() == []
    assert at.session_state["jm:workspace"] is None


def test_open_the_sample_workshop_loads_it_and_opens_its_first_map(no_sample, store):
    other = store.create_workspace("Other team")
    at = run(new_app())
    assert at.session_state["jm:workspace"] == other.id

    click(at, "home:sample")

    sample = next(w for w in store.list_workspaces() if w.id != other.id)
    assert sample.created_by == USER
    first = store.list_maps(sample.id)[0]
    assert at.session_state["jm:workspace"] == sample.id
    assert at.session_state["jm:map"] == first.id
    assert on_journey_map(at)
    assert first.title in texts(at.title)


def test_open_the_sample_workshop_reuses_a_loaded_sample(store):
    sample = load_sample(store)
    other = store.create_workspace("Other team")
    at = run(new_app(state={"jm:workspace": other.id}))
    assert at.session_state["jm:workspace"] == other.id

    click(at, "home:sample")

    assert len(store.list_workspaces()) == 2  # no second copy
    assert at.session_state["jm:workspace"] == sample.id
    assert at.session_state["jm:map"] == store.list_maps(sample.id)[0].id
    assert on_journey_map(at)


def test_open_a_map_from_its_card(store):
    sample = load_sample(store)
    second = store.list_maps(sample.id)[1]
    at = run(new_app(HOME))

    click(at, f"home:open:{second.id}")

    assert at.session_state["jm:map"] == second.id
    assert on_journey_map(at)
    assert second.title in texts(at.title)
