"""Personas: fields, the one primary persona, duplicates, photos, and deletion."""

from __future__ import annotations

import pytest

from journeymap import NotFoundError, Persona, ValidationError

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
GIF = b"GIF89a" + b"\x01" * 32
WEBP = b"RIFF" + b"\x24\x00\x00\x00" + b"WEBP" + b"VP8 " + b"\x00" * 16

FULL = {
    "role": "Owner of a small design studio",
    "quote": "I want our site to look as good as our work.",
    "background": "Runs a studio of five.\nBuilds sites for clients.",
    "goals": ["Look professional", "Save time"],
    "motivations": ["Win bigger clients"],
    "frustrations": ["Plugins break", "Hidden fees"],
    "channels": ["Instagram", "Email"],
    "tags": ["primary-market", "smb"],
}


def test_all_fields_round_trip(store, workspace):
    persona = store.add_persona(
        workspace.id, " Maya Lindqvist ", created_by="Ana", photo=PNG, **FULL
    )

    assert isinstance(persona, Persona)
    assert persona.name == "Maya Lindqvist"
    assert persona.workspace_id == workspace.id
    assert persona.role == FULL["role"]
    assert persona.quote == FULL["quote"]
    assert persona.background == FULL["background"]
    for key in ("goals", "motivations", "frustrations", "channels", "tags"):
        assert getattr(persona, key) == tuple(FULL[key])
        assert isinstance(getattr(persona, key), tuple)
    assert persona.photo == PNG
    assert persona.photo_type == "image/png"
    assert persona.created_by == "Ana"
    assert persona.is_primary is False
    assert persona.version == 1

    loaded = store.get_persona(persona.id)
    assert loaded == persona
    assert isinstance(loaded.goals, tuple)
    assert store.list_personas(workspace.id) == [persona]


def test_defaults_are_empty(store, workspace):
    persona = store.add_persona(workspace.id, "Tom")
    loaded = store.get_persona(persona.id)
    assert loaded.role == loaded.quote == loaded.background == ""
    assert loaded.goals == loaded.motivations == loaded.frustrations == ()
    assert loaded.channels == loaded.tags == ()
    assert loaded.photo is None and loaded.photo_type is None
    assert loaded.is_primary is False


def test_a_string_with_newlines_becomes_items(store, workspace):
    persona = store.add_persona(
        workspace.id, "Maya", goals="Save time\n\n   Look professional  \r\nGrow\n"
    )
    assert persona.goals == ("Save time", "Look professional", "Grow")
    assert store.get_persona(persona.id).goals == ("Save time", "Look professional", "Grow")


def test_update_persona_fields(store, workspace):
    persona = store.add_persona(workspace.id, "Maya", **FULL)
    updated = store.update_persona(
        persona.id, persona.version, name="Maya L.", tags="a\nb", goals=[], quote=""
    )
    assert updated.version == 2
    assert updated.name == "Maya L."
    assert updated.tags == ("a", "b")
    assert updated.goals == ()
    assert updated.quote == ""
    assert updated.role == FULL["role"]
    assert store.get_persona(persona.id) == updated


def test_at_most_one_primary_per_workspace(store, workspace):
    first = store.add_persona(workspace.id, "First", is_primary=True)
    assert first.is_primary

    second = store.add_persona(workspace.id, "Second", is_primary=True)
    first_now = store.get_persona(first.id)
    assert second.is_primary
    assert first_now.is_primary is False
    assert first_now.version == first.version + 1

    third = store.add_persona(workspace.id, "Third")
    third = store.update_persona(third.id, third.version, is_primary=True)
    second_now = store.get_persona(second.id)
    assert third.is_primary
    assert second_now.is_primary is False
    assert second_now.version == second.version + 1

    primaries = [p for p in store.list_personas(workspace.id) if p.is_primary]
    assert [p.id for p in primaries] == [third.id]


def test_primary_persona_is_listed_first(store, workspace):
    store.add_persona(workspace.id, "alice")
    store.add_persona(workspace.id, "Bob")
    zed = store.add_persona(workspace.id, "Zed", is_primary=True)
    assert [p.name for p in store.list_personas(workspace.id)] == ["Zed", "alice", "Bob"]
    assert store.list_personas(workspace.id)[0].id == zed.id


def test_primary_is_per_workspace(store, workspace):
    other = store.create_workspace("Other")
    mine = store.add_persona(workspace.id, "Mine", is_primary=True)
    theirs = store.add_persona(other.id, "Theirs", is_primary=True)
    assert store.get_persona(mine.id) == mine
    assert store.get_persona(theirs.id).is_primary


def test_unmarking_primary(store, workspace):
    persona = store.add_persona(workspace.id, "Maya", is_primary=True)
    updated = store.update_persona(persona.id, persona.version, is_primary=False)
    assert updated.is_primary is False
    assert not any(p.is_primary for p in store.list_personas(workspace.id))


def test_duplicate_copies_fields_but_not_primary(store, workspace):
    source = store.add_persona(workspace.id, "Maya", is_primary=True, photo=JPEG, **FULL)
    copy = store.duplicate_persona(source.id, created_by="Ben")

    assert copy.id != source.id
    assert copy.name == "Maya (copy)"
    assert copy.is_primary is False
    assert copy.workspace_id == workspace.id
    assert copy.version == 1
    assert copy.created_by == "Ben"
    for key in ("role", "quote", "background", "goals", "motivations", "frustrations"):
        assert getattr(copy, key) == getattr(source, key)
    assert copy.channels == source.channels and copy.tags == source.tags
    assert copy.photo == JPEG and copy.photo_type == "image/jpeg"
    assert store.get_persona(copy.id) == copy
    # The source is unchanged and still primary.
    assert store.get_persona(source.id) == source
    assert len(store.list_personas(workspace.id)) == 2


def test_duplicate_of_a_name_at_the_length_limit_stays_valid(store, workspace):
    source = store.add_persona(workspace.id, "M" * 120)
    copy = store.duplicate_persona(source.id)
    assert len(copy.name) <= 120
    assert copy.id != source.id


def test_maps_using_persona(store, workspace):
    maya = store.add_persona(workspace.id, "Maya")
    tom = store.add_persona(workspace.id, "Tom")
    b = store.create_map(workspace.id, "B map", persona_id=maya.id)
    a = store.create_map(workspace.id, "A map", persona_id=maya.id)
    store.create_map(workspace.id, "Tom's map", persona_id=tom.id)
    store.create_map(workspace.id, "Nobody's map")

    assert [m.id for m in store.maps_using_persona(maya.id)] == [a.id, b.id]
    assert [m.title for m in store.maps_using_persona(tom.id)] == ["Tom's map"]
    assert store.maps_using_persona("nope") == []


def test_delete_persona_unlinks_maps_and_keeps_notes(store, workspace):
    maya = store.add_persona(workspace.id, "Maya", is_primary=True)
    journey = store.create_map(workspace.id, "Maya's map", persona_id=maya.id)
    board = store.load_map(journey.id)
    for lane in board.lanes:
        store.add_note(journey.id, stage_id=board.stages[0].id, lane_id=lane.id, text=lane.name)
    before = store.load_map(journey.id)

    store.delete_persona(maya.id, maya.version)

    with pytest.raises(NotFoundError):
        store.get_persona(maya.id)
    after = store.load_map(journey.id)
    assert after.map.persona_id is None
    assert after.notes == before.notes
    assert after.stages == before.stages and after.lanes == before.lanes
    assert after.map.revision > before.map.revision
    assert store.map_revision(journey.id) == after.map.revision
    assert store.maps_using_persona(maya.id) == []
    assert store.list_personas(workspace.id) == []


@pytest.mark.parametrize(
    ("data", "mime"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"), (WEBP, "image/webp")],
)
def test_image_photos_are_accepted_with_their_type(store, workspace, data, mime):
    persona = store.add_persona(workspace.id, "Maya", photo=data)
    loaded = store.get_persona(persona.id)
    assert loaded.photo == data
    assert loaded.photo_type == mime


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7 not a picture", b"", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"RIFF1234WAVE"],
)
def test_non_image_photo_raises_and_saves_nothing(store, workspace, data):
    with pytest.raises(ValidationError, match="image"):
        store.add_persona(workspace.id, "Maya", photo=data)
    assert store.list_personas(workspace.id) == []


def test_photo_over_2_mb_raises(store, workspace):
    too_big = PNG + b"\x00" * (2 * 1024 * 1024 + 1 - len(PNG))
    with pytest.raises(ValidationError, match="2 MB"):
        store.add_persona(workspace.id, "Maya", photo=too_big)
    assert store.list_personas(workspace.id) == []


def test_photo_of_exactly_2_mb_is_accepted(store, workspace):
    at_limit = PNG + b"\x00" * (2 * 1024 * 1024 - len(PNG))
    persona = store.add_persona(workspace.id, "Maya", photo=at_limit)
    assert store.get_persona(persona.id).photo == at_limit


def test_photo_can_be_replaced_and_removed(store, workspace):
    persona = store.add_persona(workspace.id, "Maya", photo=PNG)
    replaced = store.update_persona(persona.id, persona.version, photo=GIF)
    assert (replaced.photo, replaced.photo_type) == (GIF, "image/gif")
    removed = store.update_persona(replaced.id, replaced.version, photo=None)
    assert removed.photo is None and removed.photo_type is None
    assert store.get_persona(persona.id).photo is None


def test_bad_photo_on_update_changes_nothing(store, workspace):
    persona = store.add_persona(workspace.id, "Maya", photo=PNG)
    with pytest.raises(ValidationError):
        store.update_persona(persona.id, persona.version, photo=b"not an image")
    assert store.get_persona(persona.id) == persona


def test_persona_in_unknown_workspace_raises_not_found(store):
    with pytest.raises(NotFoundError):
        store.add_persona("nope", "Maya")


@pytest.mark.parametrize(
    ("name", "initials"),
    [("Maya Lindqvist", "ML"), ("priya", "P"), ("Anna Maria Svensson", "AM")],
)
def test_initials(store, workspace, name, initials):
    assert store.add_persona(workspace.id, name).initials == initials


def test_duplicate_of_a_deleted_persona_raises_not_found(store, workspace):
    persona = store.add_persona(workspace.id, "Maya")
    store.delete_persona(persona.id, persona.version)
    with pytest.raises(NotFoundError):
        store.duplicate_persona(persona.id)
    assert store.list_personas(workspace.id) == []


def test_timestamps_follow_the_clock(det_store, clock):
    ws = det_store.create_workspace("Team")
    persona = det_store.add_persona(ws.id, "Maya")
    assert persona.created_at == persona.updated_at == clock.now
    updated = det_store.update_persona(persona.id, persona.version, role="Owner")
    assert updated.updated_at == clock.now > persona.updated_at
    assert updated.created_at == persona.created_at
