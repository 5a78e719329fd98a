"""Input rules shared by every writer: each broken rule is one clear sentence.

Text is never cut: too long is refused with the numbers, so nothing is lost
silently. Control characters other than tab and newline are refused because
they break exports and some databases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from journeymap.errors import ValidationError
from journeymap.model import LaneKind, MapStatus, ResourceStatus

NAME_MAX = 120
NOTE_MAX = 2000
COMMENT_MAX = 1000
LONG_TEXT_MAX = 5000
LIST_ITEM_MAX = 300
LIST_MAX_ITEMS = 30
CHANNEL_MAX = 80
PHOTO_MAX_BYTES = 2 * 1024 * 1024

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def text(value: object, what: str, *, max_len: int, required: bool) -> str:
    """Return `value` as clean text (newlines normalised, ends trimmed) or raise."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"{what} must be text.")
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if required and not value:
        raise ValidationError(f"{what} cannot be empty.")
    bad = _CONTROL.search(value)
    if bad:
        raise ValidationError(
            f"{what} contains an invisible control character "
            f"(U+{ord(bad.group()):04X}); remove it and try again."
        )
    if len(value) > max_len:
        raise ValidationError(
            f"{what} is {len(value):,} characters long; the limit is {max_len:,}. "
            "Shorten it or split it up: nothing was saved."
        )
    return value


def name(value: object, what: str) -> str:
    """A required one-line name (workspace, persona, map, stage, lane)."""
    cleaned = text(value, what, max_len=NAME_MAX, required=True)
    if "\n" in cleaned:
        raise ValidationError(f"{what} must fit on one line.")
    return cleaned


def items(values: Iterable[str] | str | None, what: str) -> tuple[str, ...]:
    """A list of short texts (goals, channels, tags); a string means one per line."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = values.split("\n")
    cleaned = [text(v, what, max_len=LIST_ITEM_MAX, required=False) for v in values]
    cleaned = [v for v in cleaned if v]
    if len(cleaned) > LIST_MAX_ITEMS:
        raise ValidationError(f"{what} has {len(cleaned)} entries; the limit is {LIST_MAX_ITEMS}.")
    return tuple(cleaned)


def emotion(value: object) -> int | None:
    """An emotion score from -2 (very negative) to +2 (very positive), or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not -2 <= value <= 2:
        raise ValidationError("An emotion score is a whole number from -2 to +2.")
    return value


def resource_status(value: object) -> ResourceStatus | None:
    """'have' or 'need' for a resource note, or None."""
    if value is None or value == "":
        return None
    try:
        return ResourceStatus(value)
    except ValueError:
        raise ValidationError("A resource is either 'have' or 'need'.") from None


def _one_of(kind, value: object, what: str):
    """`value` as a member of the enum `kind`, or one sentence listing the choices."""
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(k.value for k in kind)
        raise ValidationError(f"{what} is one of: {choices}.") from None


def lane_kind(value: object) -> LaneKind:
    return _one_of(LaneKind, value, "A lane kind")


def photo(data: bytes | None) -> str | None:
    """Check an uploaded avatar and return its MIME type (None for no photo)."""
    if data is None:
        return None
    if len(data) > PHOTO_MAX_BYTES:
        raise ValidationError(
            f"The photo is {len(data) / 1_048_576:.1f} MB; the limit is 2 MB. Use a smaller image."
        )
    for signature, mime in _IMAGE_SIGNATURES:
        if data.startswith(signature):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise ValidationError("That file is not a PNG, JPEG, GIF or WebP image; choose a photo file.")


WINDOW_DAYS_MAX = 365


def window_days(value: object) -> int | None:
    """A conversion window in whole days (1 to 365), or None for the default."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= WINDOW_DAYS_MAX:
        raise ValidationError(
            f"The conversion window is a whole number of days, 1 to {WINDOW_DAYS_MAX}."
        )
    return value


def map_status(value: object) -> MapStatus:
    return _one_of(MapStatus, value, "A map's status")


def day(value: object, what: str) -> date | None:
    """A calendar date (not a time), or None."""
    if value is None:
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError(f"{what} is a date, without a time.")
    return value


MATCH_OPERATORS = ("is", "is not", "contains")


def _list(value: object, what: str) -> list:
    """A list (None: empty); a text or a number where a list belongs is refused, not split."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise ValidationError(f"{what} must be a list.")
    return list(value)


MATCH_EVENTS_MAX = 50
MATCH_CONDITIONS_MAX = 10


def match(value: object, what: str) -> dict:
    """Which events mean something (a stage, a touchpoint, a persona's people).

    `{"events": [names], "where": [{"column": c, "op": "is"|"is not"|"contains",
    "values": [texts]}]}`: any of the events (none: any event) on which every condition
    holds. Returned cleaned; raises with one sentence when it is not that shape.
    """
    if not isinstance(value, dict) or set(value) - {"events", "where"}:
        raise ValidationError(f"{what} is a list of events and conditions.")
    events = [text(e, "An event name", max_len=NAME_MAX * 2, required=True)
              for e in _list(value.get("events"), f"The events of {what}")]  # fmt: skip
    if len(events) > MATCH_EVENTS_MAX:
        raise ValidationError(
            f"{what} names {len(events)} events; the limit is {MATCH_EVENTS_MAX}."
        )
    where = []
    for condition in _list(value.get("where"), f"The conditions of {what}"):
        if not isinstance(condition, dict) or set(condition) != {"column", "op", "values"}:
            raise ValidationError(f"A condition of {what} needs a column, an operator and values.")
        if condition["op"] not in MATCH_OPERATORS:
            raise ValidationError(
                f"A condition's operator is one of: {', '.join(MATCH_OPERATORS)}."
            )
        values = [text(v, "A condition's value", max_len=LIST_ITEM_MAX, required=True)
                  for v in _list(condition["values"], "A condition's values")]  # fmt: skip
        if not values:
            raise ValidationError(f"The condition on {condition['column']!r} needs a value.")
        column = name(condition["column"], "A condition's column")
        where.append({"column": column, "op": condition["op"], "values": values})
    if len(where) > MATCH_CONDITIONS_MAX:
        raise ValidationError(f"{what} has {len(where)} conditions; the limit is 10.")
    if not events and not where:
        raise ValidationError(f"{what} needs an event or a condition.")
    return {"events": events, "where": where}
