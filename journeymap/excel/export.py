"""A workspace (or some of its maps) as an Excel workbook people can read and we can read back.

One sheet per map laid out like the workshop wall (persona and scenario on top, stages
across, lanes down, each cell's notes one per line, lane colours as in the app, the
mean emotion and the measured stage numbers under it, and a line chart of both); then
the structured sheets (`layout.SHEETS`) that hold the whole workspace document, and an
About sheet with the format marker the importer looks for.

Numbers that fail to compute become a line in About (and `Export.warnings`), never a
failed export. Persona photos are left out (the JSON backup keeps them).
"""

from __future__ import annotations

import io
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference, Series
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from journeymap.analytics.stages import DEFAULT_WINDOW, JourneyNumbers
from journeymap.analytics.stats import duration
from journeymap.errors import NotFoundError
from journeymap.excel import cells, layout
from journeymap.model import Dataset, DatasetKind, JourneyMap, LaneKind
from journeymap.palette import LANE_COLOURS
from journeymap.store import Store
from journeymap.store.backup import SCHEMA

MAP_SHEET = "Journey map"  # the sheet's name when the workbook holds one map
HEADER_ROW = 4  # the stage names' row on a map sheet (persona, scenario above)
STAGE_WIDTH = 34
LANE_WIDTH = 24
_BOLD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="E5E7EB")
_DATA_FILL = PatternFill("solid", fgColor="F3F4F6")
_THIN = Side(style="thin", color="D1D5DB")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_PERCENT = "0.0%"
_MORE_ROOM = 80  # kept free in a full cell for the "more notes" line


@dataclass(frozen=True)
class Export:
    """The workbook's bytes and what could not be included (also listed in its About sheet)."""

    data: bytes
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Measured:
    """A map's stage numbers and the dataset they rest on (None when the caller gave them)."""

    numbers: JourneyNumbers
    dataset: Dataset | None


def export_workbook(
    store: Store,
    workspace_id: str,
    map_ids: Sequence[str] | None = None,
    *,
    metrics: Mapping[str, JourneyNumbers] | None = None,
    by: str = "",
) -> bytes:
    """The workspace (or the maps `map_ids` of it) as .xlsx bytes; see `build_workbook`."""
    return build_workbook(store, workspace_id, map_ids, metrics=metrics, by=by).data


def build_workbook(
    store: Store,
    workspace_id: str,
    map_ids: Sequence[str] | None = None,
    *,
    metrics: Mapping[str, JourneyNumbers] | None = None,
    by: str = "",
) -> Export:
    """The workbook and its warnings.

    `metrics` ({map id: JourneyNumbers}) are the numbers to show; None measures every
    map that has a dataset on it (its bindings, its window or 30 days, all dates).
    """
    doc = store.workspace_document(workspace_id)
    entries = _chosen(doc["maps"], map_ids)
    personas = doc["personas"]
    if map_ids is not None:  # only the personas the chosen maps follow
        used = {e["persona_id"] for e in entries}
        personas = [p for p in personas if p["id"] in used]
    journeys = {j.id: j for j in store.list_maps(workspace_id)}
    warnings: list[str] = []
    measured = _measure(store, [journeys[e["id"]] for e in entries if e["id"] in journeys],
                        metrics, warnings)  # fmt: skip
    book = Workbook()
    book.remove(book.active)
    taken = {name.casefold() for name in (*layout.SHEETS, layout.ABOUT)}
    sheet_of = {}
    for entry in entries:
        title = MAP_SHEET if len(entries) == 1 else entry["title"]
        sheet_of[entry["id"]] = cells.sheet_name(title, taken)
    everyone = {p["id"]: p for p in doc["personas"]}
    for entry in entries:
        _map_sheet(book.create_sheet(sheet_of[entry["id"]]), entry,
                   everyone.get(entry["persona_id"]), measured.get(entry["id"]))  # fmt: skip
    votes = {e["id"]: _latest_dots(e) for e in entries}
    versions = _versions(store, entries)
    rows = _rows(doc, entries, personas, sheet_of, votes, versions, measured)
    for name, columns in layout.SHEETS.items():
        _table(book.create_sheet(name), columns, rows[name])
    _about(book.create_sheet(layout.ABOUT), doc, entries, personas, measured, warnings, by)
    out = io.BytesIO()
    book.save(out)
    return Export(out.getvalue(), tuple(warnings))


def _chosen(maps: list[dict], map_ids: Sequence[str] | None) -> list[dict]:
    if map_ids is None:
        return list(maps)
    by_id = {m["id"]: m for m in maps}
    missing = [i for i in map_ids if i not in by_id]
    if missing:
        raise NotFoundError(
            "A map to export is not in this workspace (any more); reload and try again."
        )
    return [by_id[i] for i in dict.fromkeys(map_ids)]


# -- numbers ----------------------------------------------------------------------------


def _measure(store, journeys: Iterable[JourneyMap], given, warnings) -> dict[str, Measured]:
    """Each map's numbers: the caller's, or measured on its dataset (failures: a warning)."""
    from journeymap.analytics.prepare import prepare  # pandas loads only when needed
    from journeymap.analytics.stages import from_bindings, stage_numbers

    out: dict[str, Measured] = {}
    prepared: dict[str, object] = {}
    for journey in journeys:
        dataset = None
        if journey.dataset_id:
            try:
                dataset = store.get_dataset(journey.dataset_id)
            except NotFoundError:
                warnings.append(f"The dataset of {journey.title!r} was deleted; no numbers for it.")
        if given is not None:
            if journey.id in given:
                out[journey.id] = Measured(given[journey.id], dataset)
            continue
        if dataset is None:
            continue
        try:
            if dataset.kind is not DatasetKind.EVENTS:
                raise ValueError(f"{dataset.name!r} is not an event log")
            if dataset.id not in prepared:
                prepared[dataset.id] = prepare(store.read_dataset(dataset))
            board = store.load_map(journey.id)
            stages, touchpoints = from_bindings(board, store.list_bindings(journey.id))
            if not any(match is not None for _, _, match in stages):
                continue  # no stage is bound: nothing to measure
            window = timedelta(days=journey.window_days) if journey.window_days else DEFAULT_WINDOW
            numbers = stage_numbers(prepared[dataset.id], stages, touchpoints=touchpoints,
                                    window=window)  # fmt: skip
            out[journey.id] = Measured(numbers, dataset)
        except Exception as err:  # any failure here must not fail the export
            warnings.append(
                f"The stage numbers of {journey.title!r} could not be measured ({err}); "
                "the workbook has its notes without them."
            )
    return out


def _stage_numbers(measured: Measured | None, stage: Mapping) -> object:
    if measured is None:
        return None
    found = measured.numbers.stages.get(stage["id"])
    if found is None:  # numbers measured elsewhere (another copy of the map): by name
        found = next((s for s in measured.numbers.stages.values() if s.name == stage["name"]), None)
    return found


# -- the map sheet ------------------------------------------------------------------------


def _latest_dots(entry: Mapping) -> dict[str, int]:
    """Dots per note in the map's latest vote round: the open one, else the last opened."""
    rounds = entry.get("votes", [])
    open_ = [r for r in rounds if not r.get("closed_at")]
    latest = (open_ or rounds or [None])[-1]
    counts: dict[str, int] = defaultdict(int)
    for dot in (latest or {}).get("dots", []):
        counts[dot["note_id"]] += 1
    return dict(counts)


def _map_sheet(ws: Worksheet, entry, persona, measured: Measured | None) -> None:
    stages = sorted(entry["stages"], key=lambda s: s["position"])
    lanes = sorted(entry["lanes"], key=lambda x: x["position"])
    width = max(len(stages), 1)
    last = get_column_letter(1 + width)
    cells.put(ws["A1"], entry["title"], what="The map title").font = Font(bold=True, size=16)
    cells.put(ws["A2"], "Persona").font = _BOLD
    persona = persona or {}
    who = " — ".join(x for x in (persona.get("name", ""), persona.get("role", "")) if x)
    cells.put(ws["B2"], who, what="The persona")
    cells.put(ws["A3"], "Scenario").font = _BOLD
    cells.put(ws["B3"], entry["scenario"], what="The scenario").alignment = _WRAP
    if width > 1:
        ws.merge_cells(f"B2:{last}2")
        ws.merge_cells(f"B3:{last}3")
    ws.row_dimensions[3].height = min(
        90, 15 * _lines_needed(entry["scenario"], STAGE_WIDTH * width)
    )
    cells.put(ws.cell(HEADER_ROW, 1), "Lane \\ stage").font = _BOLD
    for i, stage in enumerate(stages):
        cell = cells.put(ws.cell(HEADER_ROW, 2 + i), stage["name"], what="A stage name")
        cell.font, cell.fill, cell.border = _BOLD, _HEAD_FILL, _BOX
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    ws.cell(HEADER_ROW, 1).fill = _HEAD_FILL
    live = [n for n in entry["notes"] if not n.get("deleted_at")]
    by_cell: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for note in sorted(live, key=lambda n: n["position"]):
        by_cell[note["stage_id"], note["lane_id"]].append(note)
    row = HEADER_ROW
    for lane in lanes:
        row += 1
        fill = PatternFill(
            "solid", fgColor=LANE_COLOURS[LaneKind(lane["kind"])].lstrip("#").upper()
        )
        head = cells.put(ws.cell(row, 1), lane["name"], what="A lane name")
        head.font, head.fill, head.border, head.alignment = _BOLD, fill, _BOX, _WRAP
        tallest = 1
        for i, stage in enumerate(stages):
            text = _cell_text(by_cell.get((stage["id"], lane["id"]), []))
            cell = cells.put(ws.cell(row, 2 + i), text)
            cell.fill, cell.border, cell.alignment = fill, _BOX, _WRAP
            tallest = max(tallest, _lines_needed(text, STAGE_WIDTH))
        ws.row_dimensions[row].height = min(409, 15 * tallest + 3)
    row = _emotion_row(ws, row + 1, stages, lanes, live)
    conversion_row = _metric_rows(ws, row, stages, measured)
    ws.column_dimensions["A"].width = LANE_WIDTH
    for i in range(width):
        ws.column_dimensions[get_column_letter(2 + i)].width = STAGE_WIDTH
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 2)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.print_title_cols = "A:A"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    _chart(ws, stages, row, conversion_row, ws.max_row + 2)


def _cell_text(notes: list[dict]) -> str:
    """A cell's notes, one per line as "text (author)"; what does not fit is named, not cut."""
    lines: list[str] = []
    size = 0
    for i, note in enumerate(notes):
        line = note["text"] + (f" ({note['author']})" if note["author"] else "")
        size += cells.units(cells.escape(line)) + (1 if lines else 0)
        room = cells.MAX_CELL - (0 if i == len(notes) - 1 else _MORE_ROOM)
        if size > room:  # the Notes sheet has them all, whole
            more = len(notes) - i
            lines.append(f"… {more} more note{'s' if more > 1 else ''} here: see the Notes sheet.")
            break
        lines.append(line)
    return "\n".join(lines)


def _lines_needed(text: str, width: int) -> int:
    return sum(max(1, math.ceil(len(line) / max(width, 1))) for line in (text or "").split("\n"))


def _emotion_row(ws: Worksheet, row: int, stages, lanes, live) -> int:
    """The mean emotion per stage (emotion notes in emotion lanes); returns its row."""
    emotion_lanes = {x["id"] for x in lanes if x["kind"] == LaneKind.EMOTION.value}
    scores: dict[str, list[int]] = {s["id"]: [] for s in stages}
    for note in live:
        if note.get("emotion") is not None and note["lane_id"] in emotion_lanes:
            scores[note["stage_id"]].append(note["emotion"])
    head = cells.put(ws.cell(row, 1), "Emotion (mean, -2 to +2)")
    head.font, head.fill, head.border = _BOLD, _DATA_FILL, _BOX
    for i, stage in enumerate(stages):
        values = scores[stage["id"]]
        cell = cells.put(ws.cell(row, 2 + i), sum(values) / len(values) if values else None)
        cell.number_format, cell.fill, cell.border = "+0.00;-0.00;0.00", _DATA_FILL, _BOX
        cell.alignment = Alignment(horizontal="center")
    return row


def _metric_rows(ws: Worksheet, row: int, stages, measured: Measured | None) -> int | None:
    """Users, conversion (95 % interval), drop-off and median time per bound stage."""
    if measured is None or not measured.numbers.stages:
        return None
    found = [_stage_numbers(measured, s) for s in stages]
    lines = (
        ("Users", lambda s: s.reached, "#,##0"),
        ("Conversion from previous", lambda s: s.from_previous.value if s.from_previous else None, _PERCENT),
        ("95 % interval", lambda s: _interval(s.from_previous), None),
        ("Drop-off (people)", lambda s: s.dropoff if s.from_previous else None, "#,##0"),
        ("Median time to next", lambda s: duration(s.median_to_next), None),
    )  # fmt: skip
    conversion = None
    for label, value_of, number_format in lines:
        row += 1
        head = cells.put(ws.cell(row, 1), label)
        head.font, head.fill, head.border = _BOLD, _DATA_FILL, _BOX
        if label.startswith("Conversion"):
            conversion = row
        for i, numbers in enumerate(found):
            cell = cells.put(ws.cell(row, 2 + i), value_of(numbers) if numbers else None)
            cell.fill, cell.border = _DATA_FILL, _BOX
            cell.alignment = Alignment(horizontal="center")
            if number_format:
                cell.number_format = number_format
    source = measured.dataset
    numbers = measured.numbers
    about = f"{numbers.people:,} people; stage to stage within {numbers.window.days} days"
    if source is not None:
        about = f"Measured on {source.name} ({_span(source)}): " + about
    cells.put(ws.cell(row + 1, 1), about).font = Font(italic=True, color="6B7280")
    return conversion


def _interval(rate) -> str | None:
    if rate is None or rate.interval is None:
        return None
    low, high = rate.interval
    return f"{low:.1%} to {high:.1%} (n = {rate.n:,})"


def _span(dataset: Dataset) -> str:
    if dataset.time_from is None or dataset.time_to is None:
        return "no dates"
    return f"{dataset.time_from:%Y-%m-%d} to {dataset.time_to:%Y-%m-%d}"


def _chart(ws: Worksheet, stages, emotion_row: int, conversion_row: int | None, at: int) -> None:
    """A native line chart: the emotion curve, and the conversion on a second axis."""
    has_emotion = any(ws.cell(emotion_row, 2 + i).value is not None for i in range(len(stages)))
    if not stages or not (has_emotion or conversion_row):
        return
    last = 1 + len(stages)
    labels = Reference(ws, min_col=2, max_col=last, min_row=HEADER_ROW, max_row=HEADER_ROW)
    chart = LineChart()
    chart.title = "Emotion and conversion by stage"
    chart.y_axis.title = "Mean emotion"
    chart.y_axis.scaling.min, chart.y_axis.scaling.max = -2, 2
    emotion = Series(Reference(ws, min_col=2, max_col=last, min_row=emotion_row),
                     title="Mean emotion")  # fmt: skip
    emotion.cat = AxDataSource(strRef=StrRef(f=str(labels)))  # stage names: text, not numbers
    chart.series.append(emotion)
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    if conversion_row:
        second = LineChart()
        second.series.append(Series(Reference(ws, min_col=2, max_col=last, min_row=conversion_row),
                                    title="Conversion from previous stage"))  # fmt: skip
        second.y_axis.axId = 200
        second.y_axis.title = "Conversion"
        second.y_axis.number_format = "0%"
        second.y_axis.scaling.min, second.y_axis.scaling.max = 0, 1
        second.y_axis.crosses = "max"
        second.y_axis.delete = False
        second.y_axis.majorGridlines = None
        chart += second
    chart.width = max(16, 4 * len(stages))
    chart.height = 8
    ws.add_chart(chart, f"A{at}")


# -- the structured sheets ----------------------------------------------------------------


def _versions(store: Store, entries) -> dict[str, int]:
    """Each note's version (the documents leave it out; it restarts at 1 on import)."""
    out: dict[str, int] = {}
    for entry in entries:
        try:
            notes = [*store.load_map(entry["id"]).notes, *store.list_trash(entry["id"])]
        except NotFoundError:
            continue
        out.update({n.id: n.version for n in notes})
    return out


def _rows(doc, entries, personas, sheet_of, votes, versions, measured) -> dict[str, list[dict]]:
    titles = {e["id"]: e["title"] for e in doc["maps"]}
    persona_names = {p["id"]: p["name"] for p in doc["personas"]}
    rows: dict[str, list[dict]] = {name: [] for name in layout.SHEETS}
    for p in personas:
        photo = None
        if p.get("photo"):
            photo = f"left out of Excel ({p.get('photo_type') or 'an image'})"
        rows["Personas"].append({**p, "_photo": photo})
    for e in entries:
        m = e["id"]
        rows["Maps"].append({**e, "_sheet": sheet_of[m], "_persona": persona_names.get(e["persona_id"]),
                             "_future_of": titles.get(e["future_of"])})  # fmt: skip
        stage_names = {s["id"]: s["name"] for s in e["stages"]}
        lane_names = {x["id"]: x["name"] for x in e["lanes"]}
        note_texts = {n["id"]: n["text"] for n in e["notes"]}
        rows["Stages"] += [{**s, "map": m, "_map": e["title"]} for s in e["stages"]]
        rows["Lanes"] += [
            {**x, "map": m, "_map": e["title"], "_colour": LANE_COLOURS[LaneKind(x["kind"])]}
            for x in e["lanes"]
        ]
        rows["Notes"] += [
            {**n, "map": m, "_map": e["title"], "_stage": stage_names.get(n["stage_id"], ""),
             "_lane": lane_names.get(n["lane_id"], ""), "_votes": votes[m].get(n["id"]),
             "_version": versions.get(n["id"])}
            for n in e["notes"]
        ]  # fmt: skip
        rows["Bindings"] += [
            {**b, "map": m, "_map": e["title"],
             "_target": stage_names.get(b["target_id"]) or note_texts.get(b["target_id"])}
            for b in e["bindings"]
        ]  # fmt: skip
        rows["Comments"] += [{**c, "map": m} for c in e["comments"]]
        for number, r in enumerate(e["votes"], start=1):
            rows["Vote rounds"].append({**r, "map": m, "round": number})
            rows["Votes"] += [{**d, "map": m, "round": number} for d in r["dots"]]
        rows["Snapshots"] += [{**s, "map": m} for s in e.get("snapshots", [])]
        if e["id"] in measured:
            rows["Metrics"] += _metric_table_rows(e, measured[e["id"]])
    return rows


def _metric_table_rows(entry, measured: Measured) -> list[dict]:
    numbers = measured.numbers
    out = []
    known = {s["id"] for s in entry["stages"]}
    by_name = {s["name"]: s["id"] for s in entry["stages"]}
    for s in numbers.bound:
        start, prev = s.from_start, s.from_previous
        out.append({
            "_map": entry["title"], "map": entry["id"], "stage": s.name,
            "stage_id": s.key if s.key in known else by_name.get(s.name),
            "step": s.step + 1, "reached": s.reached,
            "start_rate": start.value, "start_n": start.n,
            "start_low": start.interval[0] if start.interval else None,
            "start_high": start.interval[1] if start.interval else None,
            "prev_rate": prev.value if prev else None, "prev_k": prev.k if prev else None,
            "prev_n": prev.n if prev else None,
            "prev_low": prev.interval[0] if prev and prev.interval else None,
            "prev_high": prev.interval[1] if prev and prev.interval else None,
            "dropoff": s.dropoff,
            "median_hours": s.median_to_next / 3600 if s.median_to_next is not None else None,
            "worst": s.worst, "channel": s.top_channel.value if s.top_channel else None,
            "people": numbers.people, "window_days": numbers.window / timedelta(days=1),
        })  # fmt: skip
    return out


_PERCENT_KEYS = {"start_rate", "start_low", "start_high", "prev_rate", "prev_low", "prev_high"}


def _table(ws: Worksheet, columns: Sequence[layout.Column], rows: list[dict]) -> None:
    """Header and rows; text too long for a cell continues in "(part N)" columns."""
    encoded = []
    span = {c.key: 1 for c in columns}
    for row in rows:
        values = {}
        for c in columns:
            value = layout.encode(c.kind, row.get(c.key))
            if c.kind in layout.TEXT_KINDS and value is not None:
                value = cells.parts(cells.escape(value))
                span[c.key] = max(span[c.key], len(value))
            values[c.key] = value
        encoded.append(values)
    headers: list[tuple[layout.Column, int]] = [(c, k) for c in columns for k in range(span[c.key])]
    if len(headers) > 16_384:
        raise ValueError("More continuation columns than a sheet holds")  # ~500 M characters
    for j, (c, k) in enumerate(headers, start=1):
        head = cells.put(ws.cell(1, j), c.header if k == 0 else f"{c.header} (part {k + 1})")
        head.font, head.fill = _BOLD, _HEAD_FILL
        ws.column_dimensions[get_column_letter(j)].width = c.width
    for i, values in enumerate(encoded, start=2):
        for j, (c, k) in enumerate(headers, start=1):
            value = values[c.key]
            if value is None:
                continue
            cell = ws.cell(i, j)
            if c.kind in layout.TEXT_KINDS:
                if k < len(value):
                    cells.put_escaped(cell, value[k])
                continue
            cells.put(cell, value)
            if c.kind == "day":
                cell.number_format = "yyyy-mm-dd"
            elif c.key in _PERCENT_KEYS:
                cell.number_format = _PERCENT
    ws.freeze_panes = "A2"
    if encoded:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(encoded) + 1}"


# -- About --------------------------------------------------------------------------------


def _about(ws: Worksheet, doc, entries, personas, measured, warnings, by: str) -> None:
    info = doc["workspace"]
    photos = sum(1 for p in personas if p.get("photo"))
    rows: list[tuple[str, object]] = [
        ("What this file holds",
         "One sheet per journey map, laid out like the workshop wall, then the workspace's "
         "personas, maps, stages, lanes, notes, data bindings, comments, votes, snapshots and "
         "stage numbers as tables. Import it in the app to recreate the workspace: the "
         "tables are read, the map sheets are for people."),
        ("Workspace", info["name"]),
        ("Description", info["description"]),
        ("Facilitators", layout.encode("lines", info.get("facilitators") or [])),
        ("Exported at", datetime.now(UTC).isoformat(timespec="seconds")),
        ("Exported by", by),
        ("Maps", len(entries)),
    ]  # fmt: skip
    for entry in entries:
        m = measured.get(entry["id"])
        if m is not None and m.dataset is not None:
            source = (f"{m.dataset.name}, {_span(m.dataset)} ({m.dataset.rows:,} events of "
                      f"{m.dataset.users:,} people); stage to stage within {m.numbers.window.days} days")  # fmt: skip
        elif m is not None:
            source = "numbers given by the app, not measured during the export"
        else:
            source = (
                f"not measured (dataset: {entry['dataset']})" if entry["dataset"] else "no data"
            )
        rows.append((f"Data of {entry['title']}", source))
    rows += [
        ("Persona photos",
         "Left out: a workbook holds the text. "
         + (f"{photos} persona(s) have a photo; it stays in the app and in the JSON backup."
            if photos else "No persona here has one.")),
        ("Long text",
         "Nothing is cut. Text longer than a cell holds continues in the columns headed "
         "'(part 2)', '(part 3)'...; invisible control characters show as _xHHHH_."),
        ("Version numbers", "The Notes sheet's version restarts at 1 when the file is imported."),
        *(("Warning", w) for w in warnings),
        ("Format", layout.FORMAT),
        ("Schema", SCHEMA),
    ]  # fmt: skip
    for i, (label, value) in enumerate(rows, start=1):
        cells.put(ws.cell(i, 1), label).font = _BOLD
        cells.put(ws.cell(i, 2), value, what=label).alignment = _WRAP
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 100
