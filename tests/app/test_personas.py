"""Personas: create, refuse a blank name, duplicate, and delete one a map follows."""

from __future__ import annotations

import pytest
from pagekit import PERSONAS, USER, by_label, click, lane_id, new_app, run, stage_id, texts

CREATE = "FormSubmitter:persona:new-Create persona"


def fill_new_persona(at, name: str, **fields: str):
    by_label(at.text_input, "Name").input(name)
    for label, value in fields.items():
        widgets = [*at.text_input, *at.text_area]
        by_label(widgets, label).input(value)
    return click(at, CREATE)


def test_create_a_persona(team, store):
    at = run(new_app(PERSONAS, state=team.state))
    fill_new_persona(
        at,
        "Maya Lindqvist",
        **{
            "Role or segment": "Studio owner",
            "Goals (one per line)": "Ship sites faster\n\nKeep clients happy",
            "Tags (comma separated)": "agency, decision maker",
        },
    )

    [persona] = store.list_personas(team.workspace.id)
    assert persona.name == "Maya Lindqvist"
    assert persona.role == "Studio owner"
    assert persona.goals == ("Ship sites faster", "Keep clients happy")
    assert persona.tags == ("agency", "decision maker")
    assert persona.created_by == USER
    assert not at.error
    assert "Saved Maya Lindqvist." in texts(at.toast)
    # The library shows the new card with its actions.
    assert "**Maya Lindqvist**" in texts(at.markdown)
    assert at.button(key=f"persona:{persona.id}:copy")


@pytest.mark.parametrize("name", ["   ", "\t \n "])
def test_blank_persona_name_shows_an_error_and_creates_nothing(name, team, store):
    at = run(new_app(PERSONAS, state=team.state))
    fill_new_persona(at, name, **{"Role or segment": "Someone"})

    assert texts(at.error) == ["A persona name cannot be empty."]
    assert store.list_personas(team.workspace.id) == []
    assert not at.toast


def test_duplicate_a_persona(team, store):
    source = store.add_persona(
        team.workspace.id, "Tom Reyes", role="Parent", goals=["Cheap shoes"], is_primary=True
    )
    at = run(new_app(PERSONAS, state=team.state))

    click(at, f"persona:{source.id}:copy")

    personas = store.list_personas(team.workspace.id)
    assert len(personas) == 2
    copy = next(p for p in personas if p.id != source.id)
    assert copy.name == "Tom Reyes (copy)"
    assert copy.role == "Parent"
    assert copy.goals == ("Cheap shoes",)
    assert copy.is_primary is False
    assert store.get_persona(source.id).is_primary is True
    assert "Duplicated Tom Reyes." in texts(at.toast)
    assert at.button(key=f"persona:{copy.id}:copy")  # the copy's card is drawn


def test_delete_a_persona_a_map_follows_asks_first(team, store):
    persona = store.add_persona(team.workspace.id, "Ana")
    journey = store.update_map(team.map.id, team.map.version, persona_id=persona.id)
    board = team.board(store)
    note = store.add_note(
        journey.id,
        stage_id=stage_id(board, "Awareness"),
        lane_id=lane_id(board, "Pain points"),
        text="Too many options",
    )
    at = run(new_app(PERSONAS, state=team.state))

    click(at, f"persona:{persona.id}:delete")

    # Asked, not deleted yet: the warning names the map.
    [warning] = texts(at.warning)
    assert "Onboarding" in warning
    assert "1 map(s)" in warning
    assert store.get_persona(persona.id).name == "Ana"

    click(at, f"persona:{persona.id}:yes")

    assert store.list_personas(team.workspace.id) == []
    after = store.get_map(journey.id)
    assert after.persona_id is None
    assert [n.id for n in store.load_map(journey.id).notes] == [note.id]
    assert "Deleted Ana." in texts(at.toast)
    assert not at.warning
    assert "No personas yet: create one in the New persona tab." in texts(at.info)


def test_keep_it_cancels_the_delete(team, store):
    persona = store.add_persona(team.workspace.id, "Ana")
    at = run(new_app(PERSONAS, state=team.state))

    click(at, f"persona:{persona.id}:delete")
    assert not at.warning  # no map follows Ana: nothing to warn about, still asked
    assert at.button(key=f"persona:{persona.id}:yes")
    click(at, f"persona:{persona.id}:no")

    assert [p.id for p in store.list_personas(team.workspace.id)] == [persona.id]
    assert not any(b.key == f"persona:{persona.id}:yes" for b in at.button)
