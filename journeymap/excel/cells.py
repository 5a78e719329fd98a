"""Safe cells: user text goes into a workbook as text, whole, and comes back the same.

openpyxl writes a string starting with `=` as a live formula, raises on control
characters, lets an XML parser turn `\\r` into `\\n`, and cuts text at 32,767 characters
without a word (RELIABILITY.md). So every user string is

- written as a string cell (`data_type = "s"`), never a formula or an error value;
- escaped the way Excel itself escapes: a character XML cannot hold (C0 controls but
  tab and newline, `\\r`, DEL, lone surrogates, U+FFFE/U+FFFF) becomes `_xHHHH_`, and an
  underscore that would start such a token (`_x` and four hex digits) becomes `_x005F_`;
  `unescape` reverses both, as Excel does when it shows the cell;
- never cut: `parts` splits escaped text that is longer than a cell holds into pieces
  of at most 32,767 UTF-16 units (Excel's count), each ending on a whole token; the
  structured sheets put the pieces in continuation columns ("text (part 2)", ...) that
  the importer joins. Where a piece cannot go anywhere, `put` raises `DataError`.

The underscore rule is wider than "a literal `_xHHHH_`": `_x0041` followed by an escaped
`\\r` would otherwise read as `_x0041_` plus `x000D_`. Escaping every `_` that starts
`_xHHHH` makes the decoding unambiguous; a reader that only knows the narrow rule still
reads it right, because `_x005F_` always decodes to `_`.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from openpyxl.cell.cell import Cell

from journeymap.errors import DataError

MAX_CELL = 32_767  # characters (UTF-16 units) in one cell
SHEET_NAME_MAX = 31
RESERVED_SHEET_NAMES = frozenset({"history"})  # Excel keeps it for change tracking
_SHEET_BAD = re.compile(r"[\\/*?:\[\]\x00-\x1f\x7f]")
_ESCAPE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4})")
_TOKEN = re.compile(r"_x([0-9A-Fa-f]{4})_")
_PIECE = re.compile(r"_x[0-9A-Fa-f]{4}_|.", re.S)  # what `parts` never splits


def escape(text: str) -> str:
    """`text` as a cell holds it (see the module docstring)."""
    return _ESCAPE.sub(lambda m: f"_x{ord(m.group()[0]):04X}_", text)


def unescape(text: str) -> str:
    """The text an escaped cell stands for (also reads Excel's own escapes)."""
    return _TOKEN.sub(lambda m: chr(int(m.group(1), 16)), text)


def units(text: str) -> int:
    """The length Excel counts: UTF-16 code units (a character beyond U+FFFF is two)."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def parts(escaped: str, limit: int = MAX_CELL) -> list[str]:
    """Escaped text in pieces of at most `limit` UTF-16 units, never inside a token."""
    if units(escaped) <= limit:
        return [escaped]
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for match in _PIECE.finditer(escaped):
        piece = match.group()
        width = units(piece)
        if size + width > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(piece)
        size += width
    pieces.append("".join(current))
    return pieces


def put(cell: Cell, value: object, *, what: str = "A value") -> Cell:
    """Write a value safely: text escaped and as a string cell; numbers and dates as such.

    Text must fit one cell once escaped; longer text raises `DataError` naming `what`
    (the structured sheets split it with `parts` first, so they never get here).
    """
    if value is None or value == "":
        cell.value = None
        return cell
    if isinstance(value, str):
        escaped = escape(value)
        if units(escaped) > MAX_CELL:
            raise DataError(
                f"{what} is {units(escaped):,} characters long in Excel's count; a cell holds "
                f"{MAX_CELL:,}. Shorten it, or export to JSON, which has no such limit."
            )
        return put_escaped(cell, escaped)
    if isinstance(value, bool | int | date):
        cell.value = value
        return cell
    if isinstance(value, float):
        cell.value = value
        # openpyxl writes numbers with 16 significant digits ("%.16g"), which does not
        # always give the same float back; Python's repr does (17 at most).
        cell._value = repr(value) if value == value and abs(value) != float("inf") else None
        return cell
    raise TypeError(f"Cannot write {type(value).__name__} to a cell")


def put_escaped(cell: Cell, escaped: str) -> Cell:
    """Write already escaped text (one piece of `parts`) as a string cell."""
    cell.value = escaped or None
    cell.data_type = "s"  # never a formula (=...) or an error value (#N/A)
    return cell


def text_of(value: object) -> str | None:
    """A cell's value as the text it stands for (None for an empty cell)."""
    if value is None:
        return None
    if isinstance(value, str):
        return unescape(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def sheet_name(title: str, taken: set[str], *, fallback: str = "Map") -> str:
    """A valid, unique sheet name made from `title`; adds it (casefolded) to `taken`.

    Excel wants at most 31 characters, none of \\ / * ? : [ ], no apostrophe at either
    end, not empty, not "History", and no two names equal ignoring case.
    """
    base = _fit(" ".join(_SHEET_BAD.sub(" ", title or "").split()), SHEET_NAME_MAX) or fallback
    if base.casefold() in RESERVED_SHEET_NAMES:
        base = f"{base} (sheet)"
    name, n = base, 1
    while name.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        name = _fit(base, SHEET_NAME_MAX - len(suffix)) + suffix
    taken.add(name.casefold())
    return name


def _fit(text: str, limit: int) -> str:
    """Cut a sheet name (not user data) to `limit` UTF-16 units; no apostrophe or space at the end."""
    text = text.strip(" '")
    while units(text) > limit:
        text = text[:-1]
    return text.strip(" '")
