"""A hand-made journey-map grid: stage names across the first row, lane names down column A.

Each non-empty line of a cell below and right of them becomes a note. Lane kinds are
guessed from the lane names. `read_sheet_grid` reads it into a `GridPreview` the page
can show before anything is written (`importer.read_grid` for uploaded bytes); the
importer turns that into a map document (`importer.grid_map`). Columns or rows whose
name repeats (ignoring case, or one name merged over several cells) become one stage or
lane; a formula cell is left out with a warning (its value is not in the file).
"""

from __future__ import annotations

import re
import warnings as _warnings
from dataclasses import dataclass, field

from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from journeymap import rules
from journeymap.errors import DataError, ValidationError
from journeymap.excel import cells
from journeymap.model import LaneKind

MAX_STAGES = 60
MAX_LANES = 60
# Words that start a lane's name (or a word in it) and the kind they suggest; first wins.
KIND_WORDS: tuple[tuple[LaneKind, tuple[str, ...]], ...] = (
    (LaneKind.TOUCHPOINT, ("touchpoint", "touch point", "channel", "interaction")),
    (LaneKind.EMOTION, ("emotion", "feeling", "mood", "sentiment", "experience")),
    (LaneKind.PAIN, ("pain", "frustration", "problem", "issue", "barrier")),
    (LaneKind.OPPORTUNITY, ("opportunit", "idea", "improvement", "solution")),
    (LaneKind.RESOURCE, ("resource", "backstage", "support", "system", "tool")),
    (LaneKind.ACTION, ("action", "doing", "task", "activit", "step", "behaviour", "behavior")),
)
NO_GRID = (
    "This workbook has no journey-map grid and is not an export of this app: put the stage "
    "names across the first row (from B1) and the lane names down the first column (from "
    "A2), one note per line in the cells, then upload it again."
)


@dataclass(frozen=True)
class GridNote:
    """One line of a cell: a note to be."""

    stage: int  # index into GridPreview.stages
    lane: int  # index into GridPreview.lanes
    text: str
    author: str = ""
    emotion: int | None = None
    channel: str | None = None
    resource_status: str | None = None


@dataclass(frozen=True)
class GridPreview:
    """What an import would create: stages, lanes (with guessed kinds), notes per cell."""

    sheet: str
    stages: tuple[str, ...]
    lanes: tuple[tuple[str, LaneKind], ...]
    counts: tuple[tuple[int, ...], ...]  # notes per cell: counts[lane][stage]
    warnings: tuple[str, ...] = ()
    title: str = ""  # the sheet's name, unless it is a default one ("Sheet1")
    items: tuple[GridNote, ...] = field(default=(), repr=False)  # the notes themselves

    @property
    def notes(self) -> int:
        """How many notes the import would add."""
        return len(self.items)

    def count(self, stage: int, lane: int) -> int:
        """How many notes the cell (stage index, lane index) holds."""
        return self.counts[lane][stage]

    def frame(self):
        """The counts as a table: a row per lane (with its kind), a column per stage."""
        import pandas as pd  # only when a page shows it

        frame = pd.DataFrame(list(self.counts), columns=list(self.stages),
                             index=pd.Index([n for n, _ in self.lanes], name="lane"))  # fmt: skip
        frame.insert(0, "kind", [k.value for _, k in self.lanes])
        return frame


def guess_kind(name: str) -> LaneKind:
    """The lane kind a lane's name suggests ("Pain points" -> pain), else custom."""
    words = re.findall(r"[^\W\d_]+", name.casefold())
    joined = " ".join(words)
    for kind, starts in KIND_WORDS:
        for start in starts:
            if " " in start and start in joined:
                return kind
            if any(word.startswith(start) for word in words):
                return kind
    return LaneKind.CUSTOM


def preview(stages, lanes, notes, *, sheet: str, title: str, warnings: list[str]) -> GridPreview:
    counts = [[0] * len(stages) for _ in lanes]
    for note in notes:
        counts[note.lane][note.stage] += 1
    return GridPreview(sheet, tuple(stages), tuple(lanes), tuple(tuple(row) for row in counts),
                       tuple(warnings), title, tuple(notes))  # fmt: skip


def read_sheet_grid(book: Workbook) -> GridPreview:
    """The grid on the workbook's first visible worksheet, or `DataError`."""
    sheets = [ws for ws in book.worksheets if ws.sheet_state == "visible"] or book.worksheets
    if not sheets:
        raise DataError(NO_GRID)
    ws = sheets[0]
    warnings: list[str] = []
    if len(book.worksheets) > 1:
        warnings.append(
            f"Only the first sheet, {ws.title!r}, was read; the workbook has "
            f"{len(book.worksheets)} sheets."
        )
    values, spread = _values(ws, warnings)
    header = {c: v for (r, c), v in values.items() if r == 1 and c >= 2}
    sides = {r: v for (r, c), v in values.items() if c == 1 and r >= 2}
    body = {(r, c): v for (r, c), v in values.items() if r >= 2 and c >= 2}
    columns = sorted(set(header) | {c for _, c in body})
    rows = sorted(set(sides) | {r for r, _ in body})
    if not header or not sides:
        raise DataError(NO_GRID)
    if len(columns) > MAX_STAGES or len(rows) > MAX_LANES:
        raise DataError(
            f"The first sheet has {len(columns)} columns and {len(rows)} rows of content: "
            f"far more than a journey map's stages and lanes (at most {MAX_STAGES} each). "
            "If it is an event export, upload it on the Analytics page instead."
        )
    stages, stage_of = _axis(
        [(c, header.get(c), f"{_letter(c)}1") for c in columns],
        "stage",
        "Stage",
        warnings,
        {c for r, c in spread if r == 1},
    )
    lane_names, lane_of = _axis([(r, sides.get(r), f"A{r}") for r in rows],
                                "lane", "Lane", warnings, {r for r, c in spread if c == 1})  # fmt: skip
    lanes = [(name, guess_kind(name)) for name in lane_names]
    notes: list[GridNote] = []
    for (r, c), value in sorted(body.items(), key=lambda x: (x[0][1], x[0][0])):
        where = f"{_letter(c)}{r}"
        for n, line in enumerate(value.replace("\r\n", "\n").replace("\r", "\n").split("\n")):
            if not line.strip():
                continue
            try:
                text = rules.text(line, f"Line {n + 1} of cell {where}", max_len=rules.NOTE_MAX,
                                  required=True)  # fmt: skip
            except ValidationError as err:
                raise DataError(str(err)) from None
            notes.append(GridNote(stage_of[c], lane_of[r], text))
    title = ws.title if not re.fullmatch(r"(sheet|feuil|tabelle|hoja|foglio)\s*\d*", ws.title,
                                         re.I) else ""  # fmt: skip
    return preview(stages, lanes, notes, sheet=ws.title, title=title, warnings=warnings)


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)


def _values(ws: Worksheet, warnings: list[str]):
    """Every non-empty cell as text, and the cells a merged name was copied to.

    A merged range's value names each row or column it spans (in row 1 and column A).
    """
    out: dict[tuple[int, int], str] = {}
    spread: set[tuple[int, int]] = set()
    formulas: list[str] = []
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                if cell.data_type == "f":
                    formulas.append(cell.coordinate)
                    continue
                text = cells.text_of(cell.value)
                if text is not None and text.strip():
                    out[cell.row, cell.column] = text
    for merged in ws.merged_cells.ranges:
        value = out.get((merged.min_row, merged.min_col))
        if value is None:
            continue
        for r in range(merged.min_row, merged.max_row + 1):
            for c in range(merged.min_col, merged.max_col + 1):
                if (r == 1 or c == 1) and (r, c) != (merged.min_row, merged.min_col):
                    out[r, c] = value
                    spread.add((r, c))
    if formulas:
        shown = ", ".join(formulas[:5]) + (" ..." if len(formulas) > 5 else "")
        warnings.append(
            f"{len(formulas)} cell(s) hold a formula, not text, and were left out ({shown}); "
            "paste them as values to import them."
        )
    return out, spread


def _axis(items, what: str, default: str, warnings: list[str], spread: set):
    """Names in order (duplicates ignoring case become one) and the index of each position.

    `spread`: the positions a merged cell's name was copied to (not a duplicate).
    """
    names: list[str] = []
    index: dict[str, int] = {}
    of: dict[int, int] = {}
    for number, (position, raw, where) in enumerate(items, start=1):
        if raw is None:
            name = f"{default} {number}"
            warnings.append(
                f"Cell {where} is empty but the {what} has notes; it is named {name!r}."
            )
        else:
            name = " ".join(raw.split())  # a name is one line
        try:
            name = rules.name(name, f"The {what} name in {where}")
        except ValidationError as err:
            raise DataError(str(err)) from None
        key = name.casefold()
        if key in index:
            if raw is not None and position not in spread:
                warnings.append(
                    f"Two {what}s are called {name!r} (one in {where}); their notes were put "
                    "together."
                )
        else:
            index[key] = len(names)
            names.append(name)
        of[position] = index[key]
    return names, of
