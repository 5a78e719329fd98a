"""Import a workbook: this app's own export, or a hand-made journey-map grid.

Our export is recognised by its About sheet (`layout.FORMAT` and the schema number); its
structured sheets are read back into a workspace document (schema 1) and restored with
`Store.restore_document` (a new workspace, in one transaction), or added to an existing
workspace through `transfer`. Anything else is read as a grid (`grid.read_sheet_grid`).
Every refusal is a `DataError` of one sentence, raised before anything is written.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from journeymap import rules
from journeymap.errors import (
    AccessError,
    DataError,
    ValidationError,
)
from journeymap.excel import cells, layout, transfer
from journeymap.excel.grid import GridPreview, read_sheet_grid
from journeymap.excel.upload import open_workbook
from journeymap.store import Store
from journeymap.store.backup import SCHEMA

MODES = ("new", "merge")
_PART = re.compile(r"^(.*) \(part (\d+)\)$")
_MAP_FIELDS = ("id", "title", "scenario", "persona_id", "dataset", "window_days", "owner",
               "status", "review_on", "future_of", "created_by", "created_at")  # fmt: skip


@dataclass(frozen=True)
class ImportResult:
    """What an import created or changed."""

    workspace_id: str
    map_ids: tuple[str, ...]
    warnings: tuple[str, ...]
    source: str  # "export" (this app's workbook) or "grid" (a hand-made one)
    snapshot_id: str | None = None  # taken of the map before a merge: restore it to undo


def import_workbook(
    store: Store,
    data: bytes,
    workspace_id: str | None = None,
    *,
    by: str = "",
    mode: str = "new",
    map_id: str | None = None,
    title: str | None = None,
) -> ImportResult:
    """Import an .xlsx upload.

    - our own export, `mode="new"`: recreated as a new workspace (or, given
      `workspace_id`, its maps are added to that workspace);
    - a hand-made grid, `mode="new"`: a new map (`title`, else the sheet's name) in
      `workspace_id`, or in a new workspace when it is None;
    - `mode="merge"`, `map_id=`: the grid's notes (or the notes of an export holding
      one map) are added to that map, stages and lanes matched by name; an automatic
      snapshot of the map is taken first.
    """
    if mode not in MODES:
        raise ValueError(f"mode is one of {MODES}")
    if mode == "merge" and not map_id:
        raise ValidationError("Choose the map to merge the workbook into.")
    book = open_workbook(data)
    own = read_export(book)
    if own is not None:
        doc, warnings = own
        if mode == "merge":
            return _merge(store, _only_map(doc), map_id, workspace_id, by, warnings, "export")
        if workspace_id is None:
            return _restore(store, doc, by, warnings)
        made, more = _guarded(lambda: transfer.add_maps(store, workspace_id, doc, by=by))
        return ImportResult(workspace_id, tuple(made), tuple(warnings + more), "export")
    grid = read_sheet_grid(book)
    entry = grid_map(grid, by=by, title=title)
    if mode == "merge":
        return _merge(store, entry, map_id, workspace_id, by, list(grid.warnings), "grid")
    if workspace_id is None:
        doc = {"schema": SCHEMA, "personas": [], "maps": [entry],
               "workspace": {"name": entry["title"], "description": "Imported from an Excel grid.",
                             "facilitators": []}}  # fmt: skip
        result = _restore(store, doc, by, list(grid.warnings))
        return ImportResult(result.workspace_id, result.map_ids, result.warnings, "grid")
    doc = {"personas": [], "maps": [entry]}
    made, more = _guarded(lambda: transfer.add_maps(store, workspace_id, doc, by=by))
    return ImportResult(workspace_id, tuple(made), tuple([*grid.warnings, *more]), "grid")


def read_grid(data: bytes) -> GridPreview | None:
    """What importing `data` as a grid would create, for the page to show first.

    None when `data` is this app's own export (it is imported as a whole); `DataError`
    when it is neither.
    """
    book = open_workbook(data)
    if read_export(book) is not None:
        return None
    return read_sheet_grid(book)


def grid_map(grid: GridPreview, *, by: str, title: str | None = None) -> dict:
    """A grid as a map document (the shape `restore_document` and `transfer` take)."""
    name = (title or "").strip() or grid.title or "Imported journey map"
    return {
        "id": "map",
        "title": name,
        "scenario": "",
        "created_by": by,
        "stages": [{"id": f"s{i}", "name": s, "position": float(i + 1)}
                   for i, s in enumerate(grid.stages)],
        "lanes": [{"id": f"l{i}", "name": n, "kind": k.value, "position": float(i + 1)}
                  for i, (n, k) in enumerate(grid.lanes)],
        "notes": [{"id": f"n{i}", "stage_id": f"s{x.stage}", "lane_id": f"l{x.lane}",
                   "text": x.text, "author": x.author or by, "position": float(i + 1),
                   "emotion": x.emotion, "channel": x.channel,
                   "resource_status": x.resource_status}
                  for i, x in enumerate(grid.items)],
        "bindings": [], "comments": [], "votes": [],
    }  # fmt: skip


# -- writing --------------------------------------------------------------------------------


def _guarded(write):
    """Run a write; a rule the file's content breaks reads as a file problem."""
    try:
        return write()
    except DataError:
        raise
    except AccessError:
        raise
    except ValidationError as err:
        raise DataError(f"The workbook cannot be imported: {err}") from err


def _restore(store: Store, doc: dict, by: str, warnings: list[str]) -> ImportResult:
    workspace = _guarded(lambda: store.restore_document(doc, created_by=by))
    map_ids = tuple(m.id for m in store.list_maps(workspace.id))
    for entry in doc["maps"]:
        if entry.get("dataset"):
            warnings.append(
                f"{entry['title']!r} was measured on the dataset {entry['dataset']!r}; datasets "
                "are not part of the file: upload it on the Analytics page and choose it on the map."
            )
    return ImportResult(workspace.id, map_ids, tuple(warnings), "export")


def _merge(store, entry, map_id, workspace_id, by, warnings, source) -> ImportResult:
    journey = store.get_map(map_id)
    if workspace_id is not None and journey.workspace_id != workspace_id:
        raise ValidationError("That map is in another workspace; open its workspace first.")
    workspace = store.get_workspace(journey.workspace_id)
    if journey.locked and not journey.is_facilitator(by, workspace):
        raise AccessError(
            "The facilitator has locked this map for review: nothing can be merged into it "
            "until they unlock it."
        )
    snapshot = store.save_snapshot(map_id, "Before the Excel import", by=by, automatic=True)
    more = _guarded(lambda: transfer.merge_map(store, map_id, entry, by=by))
    return ImportResult(journey.workspace_id, (map_id,), tuple(warnings + more), source,
                        snapshot.id)  # fmt: skip


def _only_map(doc: Mapping) -> dict:
    maps = doc["maps"]
    if len(maps) != 1:
        raise DataError(
            f"This export holds {len(maps)} maps; to merge one into a map, export only that "
            "map and import that file."
        )
    return maps[0]


# -- reading our own export ---------------------------------------------------------------


def read_export(book: Workbook) -> tuple[dict, list[str]] | None:
    """The workspace document in our own export, with warnings; None when it is not ours."""
    if layout.ABOUT not in book.sheetnames:
        return None
    about = _about(book[layout.ABOUT])
    if about.get("Format") != layout.FORMAT:
        return None
    schema = layout.decode("opt_int", about.get("Schema"), "The About sheet's schema")
    if schema is None or schema < 1:
        raise DataError("This export's About sheet has no valid schema number; export it again.")
    if schema > SCHEMA:
        raise DataError(
            f"This workbook was exported by a newer version of the app (schema {schema}; this "
            f"one reads up to {SCHEMA}). Update the app, then import it."
        )
    for name in layout.REQUIRED:
        if name not in book.sheetnames:
            raise DataError(
                f"This export has lost its {name} sheet, which the import needs; export the "
                "workspace again, or copy the sheet back from the original file."
            )
    warnings: list[str] = []
    tables = {
        name: _table(book[name], columns, name, warnings)
        for name, columns in layout.SHEETS.items()
        if name in book.sheetnames and name != "Metrics"
    }
    return _document(about, tables, warnings), warnings


def _about(ws: Worksheet) -> dict[str, object]:
    out: dict[str, object] = {}
    for label, value, *_ in ws.iter_rows(max_col=2, values_only=True):
        if isinstance(label, str) and label not in out:
            out[label] = cells.unescape(value) if isinstance(value, str) else value
    return out


def _table(ws: Worksheet, columns, sheet: str, warnings: list[str]) -> list[tuple[int, dict]]:
    """The rows of a structured sheet: (row number, {key: value}) for the columns we read."""
    rows = ws.iter_rows()
    header = next(rows, ())
    where: dict[str, list[tuple[int, int]]] = defaultdict(list)  # header -> [(part, index)]
    for j, cell in enumerate(header):
        text = cells.text_of(cell.value)
        if text is None:
            continue
        match = _PART.match(text)
        base, part = (match.group(1), int(match.group(2))) if match else (text, 1)
        where[base].append((part, j))
    wanted = [c for c in columns if c.header in where or not c.key.startswith("_")]
    missing = [c.header for c in wanted if c.header not in where]
    if missing:
        raise DataError(
            f"The {sheet} sheet has no {missing[0]!r} column any more; the import needs it. "
            "Export the workspace again, or put the column back."
        )
    index = {c.key: [j for _, j in sorted(where[c.header])] for c in wanted}
    out: list[tuple[int, dict]] = []
    formulas = 0
    for number, row in enumerate(rows, start=2):
        if all(cell.value is None for cell in row):
            continue
        values: dict = {}
        for c in wanted:
            found = [row[j] for j in index[c.key] if j < len(row)]
            formulas += sum(1 for cell in found if cell.data_type == "f")
            raw = [cell.value for cell in found if cell.value is not None]
            if c.kind in layout.TEXT_KINDS:
                value = None if not raw else cells.unescape("".join(_raw_text(v) for v in raw))
            else:
                value = raw[0] if raw else None
                value = cells.unescape(value) if isinstance(value, str) else value
            values[c.key] = layout.decode(
                c.kind, value, f"{sheet} row {number}, column {c.header!r},"
            )
        out.append((number, values))
    if formulas:
        warnings.append(
            f"{formulas} cell(s) of the {sheet} sheet hold formulas; their formula text was "
            "imported as it is."
        )
    return out


def _raw_text(value) -> str:
    """A cell's stored text (a number someone typed into a text column: as written)."""
    if isinstance(value, str):
        return value
    return cells.escape(cells.text_of(value) or "")


def _document(about, tables, warnings) -> dict:
    _unique_keys(tables)
    maps: dict[str, dict] = {}
    for _, row in tables["Maps"]:
        maps[row["id"]] = {**{k: row[k] for k in _MAP_FIELDS}, "stages": [], "lanes": [],
                           "notes": [], "bindings": [], "comments": [], "votes": [],
                           "snapshots": []}  # fmt: skip

    def owner(sheet: str, number: int, row: dict) -> dict:
        if row["map"] not in maps:
            raise DataError(
                f"Row {number} of the {sheet} sheet belongs to the map key {row['map']!r}, which "
                "the Maps sheet does not have; fix the key or remove the row."
            )
        return maps[row["map"]]

    pick = lambda row, *keys: {k: row[k] for k in keys}  # noqa: E731
    for number, row in tables["Stages"]:
        owner("Stages", number, row)["stages"].append(pick(row, "id", "name", "position"))
    for number, row in tables["Lanes"]:
        try:
            rules.lane_kind(row["kind"])
        except ValidationError as err:
            raise DataError(f"Row {number} of the Lanes sheet: {err}") from None
        owner("Lanes", number, row)["lanes"].append(pick(row, "id", "name", "kind", "position"))
    for number, row in tables["Notes"]:
        note = pick(row, "id", "stage_id", "lane_id", "text", "author", "emotion", "channel",
                    "resource_status", "position", "created_at", "updated_at", "deleted_at",
                    "deleted_by")  # fmt: skip
        if note["deleted_at"] and note["deleted_by"] is None:
            note["deleted_by"] = ""  # an empty name: who deleted it was not said
        entry = owner("Notes", number, row)
        if note["stage_id"] not in {x["id"] for x in entry["stages"]} or note["lane_id"] not in {
            x["id"] for x in entry["lanes"]
        }:
            raise DataError(
                f"Row {number} of the Notes sheet is in a stage or lane its map does not have "
                "(see its stage key and lane key); fix the keys or remove the row."
            )
        entry["notes"].append(note)
    for number, row in tables.get("Bindings", []):
        owner("Bindings", number, row)["bindings"].append(
            pick(row, "target_id", "kind", "rule", "updated_by", "updated_at"))  # fmt: skip
    for number, row in tables.get("Comments", []):
        owner("Comments", number, row)["comments"].append(
            pick(row, "note_id", "author", "text", "created_at"))  # fmt: skip
    rounds: dict[tuple[str, int], dict] = {}
    for number, row in tables.get("Vote rounds", []):
        r = pick(row, "votes_per_person", "opened_by", "opened_at", "closed_at")
        rounds[row["map"], row["round"]] = {**r, "dots": []}
        owner("Vote rounds", number, row)["votes"].append(rounds[row["map"], row["round"]])
    for number, row in tables.get("Votes", []):
        if (row["map"], row["round"]) not in rounds:
            raise DataError(f"Row {number} of the Votes sheet names a vote round that the Vote "
                            "rounds sheet does not have; fix it or remove the row.")  # fmt: skip
        rounds[row["map"], row["round"]]["dots"].append(pick(row, "note_id", "voter", "at"))
    for number, row in tables.get("Snapshots", []):
        owner("Snapshots", number, row)["snapshots"].append(
            pick(row, "name", "automatic", "created_by", "created_at", "content"))  # fmt: skip
    personas_known = {row["id"] for _, row in tables["Personas"]}
    for entry in maps.values():
        _keep_order(entry)
        if entry["persona_id"] and entry["persona_id"] not in personas_known:
            warnings.append(
                f"{entry['title']!r} follows a persona key the Personas sheet does not have; "
                "it comes back without a persona."
            )
            entry["persona_id"] = None
    personas = [{k: v for k, v in row.items() if not k.startswith("_")}
                for _, row in tables["Personas"]]  # fmt: skip
    photos = [row["name"] for _, row in tables["Personas"] if row.get("_photo")]
    if photos:
        warnings.append(
            f"Persona photos are not part of an Excel export: {', '.join(map(repr, photos[:5]))}"
            f"{' ...' if len(photos) > 5 else ''} come back without one (the JSON backup keeps them)."
        )
    facilitators = layout.decode(
        "lines", about.get("Facilitators"), "The About sheet's facilitators"
    )
    return {
        "schema": SCHEMA,
        "workspace": {
            "name": layout.decode("text", about.get("Workspace"), "The About sheet's workspace"),
            "description": layout.decode("text", about.get("Description"), "The About sheet's description"),
            "facilitators": facilitators,
        },
        "personas": personas,
        "maps": list(maps.values()),
    }  # fmt: skip


def _unique_keys(tables) -> None:
    """Every key once in the whole file: restoring maps each old key to one new id."""
    seen: dict[str, str] = {}
    for sheet in ("Personas", "Maps", "Stages", "Lanes", "Notes"):
        for number, row in tables[sheet]:
            key = row["id"]
            if not key:
                raise DataError(
                    f"Row {number} of the {sheet} sheet has no key; the import needs it."
                )
            if key in seen:
                raise DataError(
                    f"The key {key!r} is used twice (row {number} of the {sheet} sheet, and "
                    f"{seen[key]}); each row needs its own key."
                )
            seen[key] = f"row {number} of the {sheet} sheet"


def _keep_order(entry: dict) -> None:
    """Keep the order the app showed, which is by position, then by id.

    Restoring gives rows new ids, so two rows sharing a position could swap; and it reads
    a note position of 0 as missing (giving the note its index in the map instead). So
    the stages or the lanes with a tie, or a cell's notes with a tie or a 0, are numbered
    1, 2, 3... in the order of their sheet, which the export wrote in the app's order.
    """
    groups: dict[object, list[dict]] = defaultdict(list)
    for kind in ("stages", "lanes"):
        groups[kind] = entry[kind]
    for note in entry["notes"]:
        groups[note["stage_id"], note["lane_id"]].append(note)
    for key, rows in groups.items():
        positions = [r["position"] for r in rows]
        zero = isinstance(key, tuple) and 0 in positions  # only a note's 0 is misread
        if len(set(positions)) == len(positions) and not zero:
            continue
        ranked = sorted(range(len(rows)), key=lambda i: (positions[i], i))
        for rank, i in enumerate(ranked, start=1):
            rows[i]["position"] = float(rank)
