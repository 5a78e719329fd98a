"""Row helpers shared by the store's parts: row-to-object converters, ordering, checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import Connection, Table, select, update

from journeymap import rules
from journeymap.errors import ValidationError
from journeymap.model import JourneyMap, Lane, LaneKind, MapStatus, Note, Persona, Stage, Workspace

PERSONA_LISTS = ("goals", "motivations", "frustrations", "channels", "tags")
PERSONA_TEXTS = {"role": 200, "quote": 1000, "background": rules.LONG_TEXT_MAX}


def row_to(cls: type, row: Mapping[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in row.items() if k in names})


def persona_row(row: Mapping[str, Any]) -> Persona:
    values = dict(row)
    for key in PERSONA_LISTS:
        values[key] = tuple(values[key] or ())
    values["is_primary"] = bool(values["is_primary"])
    return row_to(Persona, values)


def workspace_row(row: Mapping[str, Any]) -> Workspace:
    facilitators = tuple(row.get("facilitators") or ())
    return row_to(
        Workspace,
        {**row, "facilitators": facilitators, "protected": bool(row.get("passcode_hash"))},
    )


def journey_row(row: Mapping[str, Any]) -> JourneyMap:
    status = row.get("status")
    return row_to(
        JourneyMap,
        {**row, "locked": bool(row.get("locked")), "status": MapStatus(status) if status else None},
    )


def stage_row(row: Mapping[str, Any]) -> Stage:
    return row_to(Stage, row)


def lane_row(row: Mapping[str, Any]) -> Lane:
    return row_to(Lane, {**row, "kind": LaneKind(row["kind"])})


def note_row(row: Mapping[str, Any]) -> Note:
    status = row["resource_status"]
    return row_to(Note, {**row, "resource_status": rules.resource_status(status)})


def between(before: float | None, after: float | None) -> float:
    """A position strictly between two neighbours (None means an open end)."""
    if before is None and after is None:
        return 1.0
    if before is None:
        return after - 1.0
    if after is None:
        return before + 1.0
    return (before + after) / 2.0


def position_at(positions: Sequence[float], index: int | None) -> float:
    """The position that puts a row at `index` (0-based, clamped) among these positions."""
    ordered = sorted(positions)
    index = len(ordered) if index is None else min(max(index, 0), len(ordered))
    before = ordered[index - 1] if index > 0 else None
    after = ordered[index] if index < len(ordered) else None
    return between(before, after)


# Midpoints halve the gap each time; below this the neighbours get renumbered.
MIN_GAP = 1e-6


def slot(conn: Connection, table: Table, siblings: Sequence[Any], index: int | None) -> float:
    """A position for a row placed at `index` among the rows matching `siblings`.

    Renumbering only rewrites positions (order is unchanged), so it does not bump
    versions: someone editing a neighbour's text must not get a false conflict.
    """
    rows = conn.execute(
        select(table.c.id, table.c.position).where(*siblings).order_by(table.c.position, table.c.id)
    ).all()
    positions = [row.position for row in rows]
    position = position_at(positions, index)
    if any(abs(position - p) < MIN_GAP for p in positions):
        for i, row in enumerate(rows):
            conn.execute(update(table).where(table.c.id == row.id).values(position=float(i + 1)))
        position = position_at([float(i + 1) for i in range(len(rows))], index)
    return position


def clean_author(value: str | None) -> str:
    return rules.text(value, "The author's name", max_len=rules.NAME_MAX, required=False)


def no_extra(changes: Mapping[str, Any], what: str) -> None:
    if changes:
        raise TypeError(f"Unknown {what} field(s): {', '.join(sorted(changes))}")


def unique_names(names: Sequence[str], what: str, *, taken: bool = False) -> None:
    """Raise if two names are equal ignoring case; `taken`: the last one is the new one."""
    seen: set[str] = set()
    for value in names:
        if value.casefold() in seen:
            if taken:
                raise ValidationError(
                    f"This map already has a {what} called {value!r}; choose another name."
                )
            raise ValidationError(f"Two {what}s are called {value!r}; rename one.")
        seen.add(value.casefold())
