"""What changed on a map between two versions: the page a monthly review reads.

Both sides are map documents (a snapshot's content, or `Store.map_document` for now).
Notes, stages and lanes are matched by id, so a renamed stage is "renamed", not
"removed and added", and a note dragged to another cell is "moved". Deleted notes (in
the trash) count as removed. When both sides carry stage metrics (a snapshot taken with
the map's numbers), the people, conversion and drop-off per stage are compared too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

NOTE_FIELDS = ("text", "emotion", "channel", "resource_status")


@dataclass(frozen=True)
class NoteChange:
    """One note that was added, removed, changed or moved."""

    kind: str  # "added" | "removed" | "changed" | "moved"
    stage: str  # where it is now (where it was, when removed)
    lane: str
    text: str
    before: str | None = None  # the text before a change, or the cell "Stage / Lane" it left
    author: str = ""


@dataclass(frozen=True)
class MetricChange:
    """A stage's numbers then and now."""

    stage: str
    people_before: int | None
    people_after: int | None
    conversion_before: float | None
    conversion_after: float | None

    @property
    def people_delta(self) -> int | None:
        if self.people_before is None or self.people_after is None:
            return None
        return self.people_after - self.people_before

    @property
    def conversion_delta(self) -> float | None:
        if self.conversion_before is None or self.conversion_after is None:
            return None
        return self.conversion_after - self.conversion_before


@dataclass(frozen=True)
class MapDiff:
    notes: tuple[NoteChange, ...]
    stages: tuple[str, ...]  # sentences: added, removed, renamed, moved
    lanes: tuple[str, ...]
    metrics: tuple[MetricChange, ...]

    @property
    def empty(self) -> bool:
        return not (self.notes or self.stages or self.lanes or self.metrics)

    def counts(self) -> dict[str, int]:
        out = {"added": 0, "removed": 0, "changed": 0, "moved": 0}
        for change in self.notes:
            out[change.kind] += 1
        return out

    def by_cell(self) -> dict[tuple[str, str], list[NoteChange]]:
        """The note changes per (stage, lane), in the map's order."""
        cells: dict[tuple[str, str], list[NoteChange]] = {}
        for change in self.notes:
            cells.setdefault((change.stage, change.lane), []).append(change)
        return cells


def diff_maps(before: Mapping[str, Any], after: Mapping[str, Any]) -> MapDiff:
    """Changes from `before` to `after` (map documents)."""
    stage_names = {**_names(before, "stages"), **_names(after, "stages")}
    lane_names = {**_names(before, "lanes"), **_names(after, "lanes")}
    old = {n["id"]: n for n in before.get("notes", []) if not n.get("deleted_at")}
    new = {n["id"]: n for n in after.get("notes", []) if not n.get("deleted_at")}
    order = {s["id"]: i for i, s in enumerate(after.get("stages", []) or before.get("stages", []))}
    lanes_order = {x["id"]: i for i, x in enumerate(after.get("lanes", []))}
    changes: list[tuple[tuple, NoteChange]] = []

    def cell(note) -> tuple[str, str]:
        return stage_names.get(note["stage_id"], "?"), lane_names.get(note["lane_id"], "?")

    def add(kind: str, note, before_text=None) -> None:
        stage, lane = cell(note)
        key = (order.get(note["stage_id"], 1e9), lanes_order.get(note["lane_id"], 1e9),
               note.get("position") or 0)  # fmt: skip
        changes.append((key, NoteChange(kind, stage, lane, note["text"], before_text,
                                        note.get("author", ""))))  # fmt: skip

    for note_id, note in new.items():
        if note_id not in old:
            add("added", note)
            continue
        was = old[note_id]
        if (was["stage_id"], was["lane_id"]) != (note["stage_id"], note["lane_id"]):
            stage, lane = cell(was)
            add("moved", note, f"{stage} / {lane}")
        if any(was.get(f) != note.get(f) for f in NOTE_FIELDS):
            add("changed", note, was["text"] if was["text"] != note["text"] else None)
    for note_id, note in old.items():
        if note_id not in new:
            add("removed", note)
    changes.sort(key=lambda x: x[0])
    return MapDiff(
        notes=tuple(c for _, c in changes),
        stages=_axis(before.get("stages", []), after.get("stages", []), "stage"),
        lanes=_axis(before.get("lanes", []), after.get("lanes", []), "lane"),
        metrics=_metrics(before, after, stage_names),
    )


def _names(doc, key: str) -> dict[str, str]:
    return {x["id"]: x["name"] for x in doc.get(key, [])}


def _axis(before: list, after: list, what: str) -> tuple[str, ...]:
    old = {x["id"]: x for x in before}
    new = {x["id"]: x for x in after}
    out = []
    for x in after:
        if x["id"] not in old:
            out.append(f"Added the {what} \u201c{x['name']}\u201d.")
        elif old[x["id"]]["name"] != x["name"]:
            out.append(
                f"Renamed the {what} \u201c{old[x['id']]['name']}\u201d to \u201c{x['name']}\u201d."
            )
    for x in before:
        if x["id"] not in new:
            out.append(f"Removed the {what} \u201c{x['name']}\u201d (and its notes).")
    kept_before = [x["id"] for x in before if x["id"] in new]
    kept_after = [x["id"] for x in after if x["id"] in old]
    if kept_before != kept_after:
        names = ", ".join(new[i]["name"] for i in kept_after)
        out.append(f"Reordered the {what}s: now {names}.")
    return tuple(out)


def _metrics(before, after, stage_names) -> tuple[MetricChange, ...]:
    old, new = before.get("metrics") or {}, after.get("metrics") or {}
    if not old or not new:
        return ()
    out = []
    for stage in after.get("stages", []):
        a, b = old.get(stage["id"]), new.get(stage["id"])
        if a is None and b is None:
            continue
        out.append(
            MetricChange(
                stage_names.get(stage["id"], "?"),
                a and a.get("people"),
                b and b.get("people"),
                a and a.get("conversion"),
                b and b.get("conversion"),
            )
        )
    return tuple(out)
