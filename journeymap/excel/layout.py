"""The structured sheets of an exported workbook: their columns and how values are written.

They hold the workspace document (`journeymap.store.backup`, schema 1) row by row; the
ids in their `key` columns tie the rows together, and the importer rebuilds the
document from them. Columns whose `key` starts with `_` are written for people (a map's
title beside its key, a note's dots) and ignored on import.

An empty cell and an empty string look the same in a workbook, so each column has a
kind that says which one an empty cell means.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from journeymap.errors import DataError

FORMAT = "journeymap.workbook"  # the About sheet's marker of our own export
ABOUT = "About"


@dataclass(frozen=True)
class Column:
    """A column of a structured sheet."""

    header: str
    key: str  # the document's field; `_...`: for people only
    kind: str = "text"  # text | opt | int | opt_int | num | bool | json | lines | day | time
    width: int = 16


TEXT_KINDS = frozenset({"text", "opt", "json", "lines"})  # written as (possibly split) text

PERSONAS = (
    Column("key", "id", "text", 18),
    Column("name", "name", "text", 24),
    Column("role", "role", "text", 24),
    Column("quote", "quote", "text", 36),
    Column("background", "background", "text", 48),
    Column("goals", "goals", "lines", 36),
    Column("motivations", "motivations", "lines", 36),
    Column("frustrations", "frustrations", "lines", 36),
    Column("channels", "channels", "lines", 24),
    Column("tags", "tags", "lines", 20),
    Column("primary", "is_primary", "bool", 10),
    Column("segment", "segment", "json", 30),
    Column("photo", "_photo", "opt", 24),
    Column("created by", "created_by", "text", 16),
    Column("created at", "created_at", "time", 26),
)
MAPS = (
    Column("key", "id", "text", 18),
    Column("title", "title", "text", 32),
    Column("sheet", "_sheet", "opt", 20),
    Column("scenario", "scenario", "text", 48),
    Column("persona", "_persona", "opt", 20),
    Column("persona key", "persona_id", "opt", 18),
    Column("dataset", "dataset", "opt", 28),
    Column("window days", "window_days", "opt_int", 12),
    Column("owner", "owner", "opt", 16),
    Column("status", "status", "opt", 12),
    Column("next review", "review_on", "day", 14),
    Column("future state of", "_future_of", "opt", 24),
    Column("future state of key", "future_of", "opt", 18),
    Column("created by", "created_by", "text", 16),
    Column("created at", "created_at", "time", 26),
)
STAGES = (
    Column("map", "_map", "text", 28),
    Column("map key", "map", "text", 18),
    Column("key", "id", "text", 18),
    Column("position", "position", "num", 10),
    Column("name", "name", "text", 28),
)
LANES = (
    Column("map", "_map", "text", 28),
    Column("map key", "map", "text", 18),
    Column("key", "id", "text", 18),
    Column("position", "position", "num", 10),
    Column("name", "name", "text", 28),
    Column("kind", "kind", "text", 14),
    Column("colour", "_colour", "opt", 10),
)
NOTES = (
    Column("key", "id", "text", 18),
    Column("map", "_map", "text", 24),
    Column("map key", "map", "text", 18),
    Column("stage", "_stage", "text", 20),
    Column("stage key", "stage_id", "text", 18),
    Column("lane", "_lane", "text", 20),
    Column("lane key", "lane_id", "text", 18),
    Column("text", "text", "text", 60),
    Column("author", "author", "text", 16),
    Column("votes", "_votes", "opt_int", 8),
    Column("emotion", "emotion", "opt_int", 9),
    Column("channel", "channel", "opt", 14),
    Column("resource status", "resource_status", "opt", 10),
    Column("created", "created_at", "time", 26),
    Column("updated", "updated_at", "time", 26),
    Column("version", "_version", "opt_int", 9),
    Column("position", "position", "num", 10),
    Column("deleted at", "deleted_at", "time", 26),
    Column("deleted by", "deleted_by", "opt", 16),
)
BINDINGS = (
    Column("map", "_map", "text", 24),
    Column("map key", "map", "text", 18),
    Column("target key", "target_id", "text", 18),
    Column("target", "_target", "opt", 30),
    Column("kind", "kind", "text", 12),
    Column("rule", "rule", "json", 60),
    Column("updated by", "updated_by", "text", 16),
    Column("updated at", "updated_at", "time", 26),
)
COMMENTS = (
    Column("map key", "map", "text", 18),
    Column("note key", "note_id", "text", 18),
    Column("author", "author", "text", 16),
    Column("text", "text", "text", 60),
    Column("created at", "created_at", "time", 26),
)
ROUNDS = (
    Column("map key", "map", "text", 18),
    Column("round", "round", "int", 8),
    Column("votes per person", "votes_per_person", "int", 10),
    Column("opened by", "opened_by", "text", 16),
    Column("opened at", "opened_at", "time", 26),
    Column("closed at", "closed_at", "time", 26),
)
VOTES = (
    Column("map key", "map", "text", 18),
    Column("round", "round", "int", 8),
    Column("note key", "note_id", "text", 18),
    Column("voter", "voter", "text", 18),
    Column("at", "at", "time", 26),
)
SNAPSHOTS = (
    Column("map key", "map", "text", 18),
    Column("name", "name", "text", 28),
    Column("automatic", "automatic", "bool", 10),
    Column("created by", "created_by", "text", 16),
    Column("created at", "created_at", "time", 26),
    Column("content", "content", "json", 60),
)
METRICS = (
    Column("map", "_map", "text", 24),
    Column("map key", "map", "text", 18),
    Column("stage", "stage", "text", 20),
    Column("stage key", "stage_id", "opt", 18),
    Column("step", "step", "int", 6),
    Column("users", "reached", "int", 10),
    Column("from start", "start_rate", "num", 10),
    Column("from start n", "start_n", "int", 10),
    Column("from start low", "start_low", "num", 10),
    Column("from start high", "start_high", "num", 10),
    Column("conversion from previous", "prev_rate", "num", 12),
    Column("from previous k", "prev_k", "opt_int", 10),
    Column("from previous n", "prev_n", "opt_int", 10),
    Column("95 % low", "prev_low", "num", 10),
    Column("95 % high", "prev_high", "num", 10),
    Column("drop-off", "dropoff", "int", 10),
    Column("median hours to next", "median_hours", "num", 12),
    Column("largest drop-off", "worst", "bool", 10),
    Column("top channel", "channel", "opt", 16),
    Column("people in data", "people", "int", 12),
    Column("window days", "window_days", "num", 10),
)

# Sheet name -> its columns, in the order they are written.
SHEETS: dict[str, tuple[Column, ...]] = {
    "Personas": PERSONAS,
    "Maps": MAPS,
    "Stages": STAGES,
    "Lanes": LANES,
    "Notes": NOTES,
    "Bindings": BINDINGS,
    "Comments": COMMENTS,
    "Vote rounds": ROUNDS,
    "Votes": VOTES,
    "Snapshots": SNAPSHOTS,
    "Metrics": METRICS,
}
REQUIRED = ("Personas", "Maps", "Stages", "Lanes", "Notes")  # the others may be left out


# -- values: document -> cell, and back ---------------------------------------------------


def encode(kind: str, value: object) -> object:
    """A document value as the cell should hold it (text kinds: unescaped text)."""
    if value is None:
        return None
    if kind == "json":
        return json.dumps(value, ensure_ascii=False)
    if kind == "lines":
        items = list(value)
        if any("\n" in item for item in items) or (items and items[0].startswith("[")):
            return json.dumps(items, ensure_ascii=False)  # one per line would not read back
        return "\n".join(items)
    if kind == "day":
        return date.fromisoformat(value) if isinstance(value, str) else value
    if kind == "num":
        return float(value)
    return value


def decode(kind: str, value: object, where: str) -> object:
    """A cell's value (text already joined and unescaped) as the document has it."""
    try:
        return _DECODERS[kind](value)
    except (ValueError, TypeError, OverflowError):
        raise DataError(
            f"{where} holds {str(value)[:40]!r}, which is not {_WHAT[kind]}; correct it in "
            "the workbook, or export it again."
        ) from None


def _text(value):
    return "" if value is None else value if isinstance(value, str) else _plain_text(value)


def _opt(value):
    return None if value is None else _text(value)


def _plain_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _int(value) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError
        return int(value)
    if isinstance(value, str):
        return int(value.strip())
    return int(value)


def _opt_int(value):
    return None if value is None or value == "" else _int(value)


def _num(value) -> float:
    if isinstance(value, bool) or value is None:
        raise ValueError
    return float(value)


def _bool(value) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    text = str(value).strip().casefold()
    if text in ("true", "yes", "1", "y"):
        return True
    if text in ("false", "no", "0", "n", ""):
        return False
    raise ValueError


def _json(value):
    if value is None or value == "":
        return None
    return json.loads(_text(value))


def _lines(value) -> list[str]:
    text = _text(value)
    if text.startswith("["):
        items = json.loads(text)
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ValueError
        return items
    return [line for line in text.split("\n") if line.strip()]


def _day(value):
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return date.fromisoformat(str(value).strip()).isoformat()


def _time(value):
    if value is None or value == "":
        return None
    if isinstance(value, datetime):  # retyped in Excel: a time without a zone, read as UTC
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    text = str(value).strip()
    moment = datetime.fromisoformat(text)
    return text if moment.tzinfo else moment.replace(tzinfo=UTC).isoformat()


_DECODERS = {
    "text": _text,
    "opt": _opt,
    "int": _int,
    "opt_int": _opt_int,
    "num": _num,
    "bool": _bool,
    "json": _json,
    "lines": _lines,
    "day": _day,
    "time": _time,
}
_WHAT = {
    "text": "text",
    "opt": "text",
    "int": "a whole number",
    "opt_int": "a whole number",
    "num": "a number",
    "bool": "TRUE or FALSE",
    "json": "valid JSON",
    "lines": "a list (one item per line)",
    "day": "a date (YYYY-MM-DD)",
    "time": "a date and time (ISO 8601, like 2026-03-01T09:30:00+00:00)",
}
