"""Map documents written into an existing workspace or map through the store's public methods.

`restore_document` creates a new workspace in one transaction; the store has no call
that puts a document's maps into an existing workspace, so this module rebuilds them
with `create_map`, `add_stage`, `add_note`, `bind`, ... Each of those commits on its
own, so "all or nothing" is kept by undoing: on any error the maps and personas made
so far are deleted (the cascade takes their stages, lanes, notes), and notes merged
into an existing map go back out (to its trash: the store has no hard delete of a
note). A crash of the process halfway would leave the part written so far; a store
method wrapping `_insert_map_document` in one transaction would close that gap.

What does not survive this path: the times of notes, comments and vote rounds (they
become now), and, named in the warnings, snapshots and a future state's link to the map
it was copied from.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import date

from journeymap.errors import AccessError, DataError, JourneyMapError, ValidationError
from journeymap.model import LaneKind
from journeymap.store import Store

FIELDS = ("emotion", "channel", "resource_status")


def add_maps(
    store: Store, workspace_id: str, doc: Mapping, *, by: str
) -> tuple[list[str], list[str]]:
    """Add the document's maps (and the personas they follow) to a workspace.

    Personas are matched by name (ignoring case) with the workspace's own; the others
    are added. Datasets are matched by name. Returns (new map ids, warnings).
    """
    warnings: list[str] = []
    made_maps: list[str] = []
    made_personas: list[str] = []
    try:
        personas = _personas(store, workspace_id, doc, by, made_personas)
        datasets = {d.name: d.id for d in store.list_datasets(workspace_id)}
        for entry in doc.get("maps", []):
            _add_map(store, workspace_id, entry, personas, datasets, by, made_maps, warnings)
    except BaseException:
        _undo_maps(store, made_maps, made_personas)
        raise
    return made_maps, warnings


def _personas(store, workspace_id, doc, by, made) -> dict[str, str]:
    """Old persona id -> the workspace's persona (same name) or a new one."""
    used = {m.get("persona_id") for m in doc.get("maps", [])}
    have = {p.name.casefold(): p.id for p in store.list_personas(workspace_id)}
    out: dict[str, str] = {}
    for entry in doc.get("personas", []):
        if entry["id"] not in used:
            continue
        key = entry["name"].strip().casefold()
        if key not in have:
            fields = {k: entry.get(k) for k in ("role", "quote", "background", "goals",
                                                 "motivations", "frustrations", "channels",
                                                 "tags", "segment") if entry.get(k)}  # fmt: skip
            persona = store.add_persona(workspace_id, entry["name"],
                                        created_by=entry.get("created_by") or by, **fields)  # fmt: skip
            made.append(persona.id)
            have[key] = persona.id
        out[entry["id"]] = have[key]
    return out


def _add_map(store, workspace_id, entry, personas, datasets, by, made, warnings) -> None:
    creator = entry.get("created_by") or by
    journey = store.create_map(workspace_id, entry["title"], persona_id=personas.get(entry.get("persona_id")),
                               scenario=entry.get("scenario") or "", template="blank",
                               created_by=creator)  # fmt: skip
    made.append(journey.id)
    ids = _axes(store, journey.id, entry, by=creator)
    notes = sorted(entry.get("notes", []), key=lambda n: n.get("position", 0))
    versions: dict[str, int] = {}
    for note in notes:
        added = store.add_note(journey.id, stage_id=ids[note["stage_id"]], lane_id=ids[note["lane_id"]],
                               text=note["text"], author=note.get("author") or "",
                               **{k: note.get(k) for k in FIELDS})  # fmt: skip
        ids[note["id"]], versions[added.id] = added.id, added.version
    for binding in entry.get("bindings", []):
        if binding["target_id"] in ids:
            try:
                store.bind(journey.id, ids[binding["target_id"]], binding["rule"],
                           by=binding.get("updated_by") or "")  # fmt: skip
            except ValidationError as err:  # e.g. its note's lane is no longer a touchpoint lane
                warnings.append(f"A data binding of {entry['title']!r} was left out: {err}")
    for comment in entry.get("comments", []):
        if comment["note_id"] in ids:
            store.add_comment(
                ids[comment["note_id"]], comment["text"], author=comment.get("author") or ""
            )
    hold_votes(store, journey.id, entry["title"], entry.get("votes", []), creator, ids, warnings)
    for note in notes:
        if note.get("deleted_at"):
            new = ids[note["id"]]
            store.delete_note(new, versions[new], by=note.get("deleted_by") or "")
    _settings(store, journey.id, entry, datasets, creator, warnings)


def _axes(store, map_id: str, entry, *, by: str) -> dict[str, str]:
    """Make the blank map's stages and lanes the document's; old id -> new id."""
    ids: dict[str, str] = {}
    for what in ("stage", "lane"):
        wanted = sorted(entry.get(f"{what}s", []), key=lambda x: x.get("position", 0))
        if not wanted:
            raise DataError(f"The map {entry['title']!r} has no {what}s; a map needs at least one.")
        board = store.load_map(map_id)
        spare = {x.name.casefold(): x for x in (board.stages if what == "stage" else board.lanes)}
        order: list[str] = []
        for item in wanted:
            kind = {} if what == "stage" else {"kind": LaneKind(item.get("kind", "custom"))}
            row = spare.pop(item["name"].strip().casefold(), None)
            if row is None:
                add = store.add_stage if what == "stage" else store.add_lane
                row = add(map_id, item["name"], by=by, **kind)
            elif row.name != item["name"].strip() or kind.get("kind") not in (None, row.kind):
                update = store.update_stage if what == "stage" else store.update_lane
                update(row.id, row.version, name=item["name"], by=by, **kind)
            ids[item["id"]] = row.id
            order.append(row.id)
        remove = store.delete_stage if what == "stage" else store.delete_lane
        for row in spare.values():  # the blank template's own, not wanted
            remove(row.id, row.version, by=by)
        board = store.load_map(map_id)
        rows = {x.id: x for x in (board.stages if what == "stage" else board.lanes)}
        current = [x.id for x in (board.stages if what == "stage" else board.lanes)]
        move = store.move_stage if what == "stage" else store.move_lane
        for index, row_id in enumerate(order):
            if current[index] != row_id:
                move(row_id, rows[row_id].version, index, by=by)
                current.remove(row_id)
                current.insert(index, row_id)
    return ids


def hold_votes(store, map_id: str, title: str, rounds, creator: str, ids, warnings) -> None:
    """Hold a map document's vote rounds again on `map_id`, with the same dots.

    A round is opened by whoever opened it, else by the map's creator (only a
    facilitator may); `ids` maps the document's note ids to the map's (None: in the
    trash, where a dot cannot go). The rounds' times become now.
    """
    left_out = 0
    for r in rounds:
        opened = None
        for who in dict.fromkeys([r.get("opened_by") or "", creator]):
            try:
                opened = store.open_vote(map_id, int(r["votes_per_person"]), by=who)
                break
            except AccessError:
                continue
        if opened is None:
            warnings.append(f"A vote round of {title!r} was left out: nobody who may open one "
                            "is named on the map.")  # fmt: skip
            continue
        for dot in r.get("dots", []):
            if ids.get(dot["note_id"]) is None:
                left_out += 1
                continue
            store.toggle_vote(opened.id, ids[dot["note_id"]], voter=dot["voter"])
        if r.get("closed_at"):
            store.close_vote(opened.id, by=opened.opened_by)
    if left_out:
        warnings.append(f"{left_out} vote(s) on notes in the trash of {title!r} were left out.")


def _settings(store, map_id, entry, datasets, creator, warnings) -> None:
    title = entry["title"]
    changes: dict = {}
    for key in ("window_days", "owner", "status"):
        if entry.get(key) is not None:
            changes[key] = entry[key]
    if entry.get("review_on"):
        changes["review_on"] = date.fromisoformat(str(entry["review_on"]))
    if entry.get("dataset"):
        if entry["dataset"] in datasets:
            changes["dataset_id"] = datasets[entry["dataset"]]
        else:
            warnings.append(f"{title!r} was measured on the dataset {entry['dataset']!r}, which "
                            "this workspace does not have; upload it and choose it on the map.")  # fmt: skip
    if changes:
        store.update_map(map_id, store.get_map(map_id).version, by=creator, **changes)
    if entry.get("future_of"):
        warnings.append(f"{title!r} was the future state of another map; that link was not kept.")
    if entry.get("snapshots"):
        warnings.append(f"The {len(entry['snapshots'])} snapshot(s) of {title!r} were not "
                        "copied: they come back only when the file is imported as a new workspace.")  # fmt: skip


def _undo_maps(store, maps: list[str], personas: list[str]) -> None:
    for map_id in reversed(maps):
        with contextlib.suppress(JourneyMapError):
            store.delete_map(map_id, store.get_map(map_id).version)
    for persona_id in reversed(personas):
        with contextlib.suppress(JourneyMapError):
            store.delete_persona(persona_id, store.get_persona(persona_id).version)


# -- merging notes into an existing map ------------------------------------------------


def merge_map(store: Store, map_id: str, entry: Mapping, *, by: str) -> list[str]:
    """Add a map document's live notes to an existing map; returns warnings.

    Stages and lanes are matched by name (ignoring case); missing ones are added at the
    end. A note whose text its cell already has is not added twice. On an error,
    everything added is taken out again.
    """
    warnings: list[str] = []
    board = store.load_map(map_id)
    stages = {s.name.casefold(): s.id for s in board.stages}
    lanes = {x.name.casefold(): x.id for x in board.lanes}
    have = {(n.stage_id, n.lane_id, n.text) for n in board.notes}
    added_axes: list[tuple[str, str, str]] = []  # (stage or lane, id, name)
    added_notes: list[tuple[str, int]] = []
    ids: dict[str, str] = {}
    skipped = 0
    try:
        for what, names in (("stage", stages), ("lane", lanes)):
            for item in sorted(entry.get(f"{what}s", []), key=lambda x: x.get("position", 0)):
                key = item["name"].strip().casefold()
                if key not in names:
                    if what == "stage":
                        row = store.add_stage(map_id, item["name"], by=by)
                    else:
                        row = store.add_lane(map_id, item["name"], kind=item.get("kind", "custom"),
                                             by=by)  # fmt: skip
                    names[key] = row.id
                    added_axes.append((what, row.id, row.name))
                ids[item["id"]] = names[key]
        for note in sorted(entry.get("notes", []), key=lambda n: n.get("position", 0)):
            if note.get("deleted_at"):
                continue
            stage, lane = ids[note["stage_id"]], ids[note["lane_id"]]
            if (stage, lane, note["text"].strip()) in have:
                skipped += 1
                continue
            added = store.add_note(map_id, stage_id=stage, lane_id=lane, text=note["text"],
                                   author=note.get("author") or by,
                                   **{k: note.get(k) for k in FIELDS})  # fmt: skip
            have.add((stage, lane, added.text))
            added_notes.append((added.id, added.version))
    except BaseException:
        _undo_merge(store, map_id, added_axes, added_notes, by)
        raise
    if added_axes:
        shown = ", ".join(f"{what} {name!r}" for what, _, name in added_axes[:8])
        more = " ..." if len(added_axes) > 8 else ""
        warnings.append(f"Added what the map did not have: {shown}{more}.")
    if skipped:
        warnings.append(f"{skipped} note(s) were already in their cells and were not added twice.")
    return warnings


def _undo_merge(store, map_id, axes, notes, by) -> None:
    for note_id, version in reversed(notes):
        with contextlib.suppress(JourneyMapError):
            store.delete_note(note_id, version, by=by)
    with contextlib.suppress(JourneyMapError):
        board = store.load_map(map_id)
        versions = {x.id: x.version for x in (*board.stages, *board.lanes)}
        for what, row_id, _ in reversed(axes):  # their notes go with them
            with contextlib.suppress(JourneyMapError, KeyError):
                remove = store.delete_stage if what == "stage" else store.delete_lane
                remove(row_id, versions[row_id], by=by)
