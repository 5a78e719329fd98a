"""The Excel layer: safe cells, the workbook export, and importing it (or a grid) back.

Pure tests of `journeymap.excel.cells` first (a real workbook written and read per
batch), then the store round trips, run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
import functools
import io
import json
import re
import struct
import warnings
import zipfile
from datetime import date
from xml.etree import ElementTree

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeymap import LaneKind, Store, load_sample
from journeymap.errors import AccessError, DataError
from journeymap.excel import (
    cells,
    export_json,
    export_workbook,
    import_json,
    import_workbook,
    layout,
    read_grid,
)
from journeymap.excel.export import MAP_SHEET, build_workbook
from journeymap.excel.upload import open_workbook
from journeymap.palette import LANE_COLOURS
from journeymap.sample import SAMPLE_FILE

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
CORPUS = (
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "=1+1",
    "\t=1+1",
    "\r=1+1",
    "#N/A",
    "_x000D_",
    "_x005F_x000D_",
)
STORE_CORPUS = (*CORPUS[:5], "#N/A", "_x000D_ literal", "a\t=1+1", "=1+1\n=2+2")
SPECIAL = ("_x000D_", "_x005F_", "_x0041", "x005F_", "_x", "\r", "\r\n", "\n", "\t", "=", "+",
           "-", "@", "\x00", "\x1f", "\x7f", "\ufffe", "\ud800", "😀", " ")  # fmt: skip


# -- pure: cells ----------------------------------------------------------------------------


def _roundtrip_cells(texts: list[str]) -> list[str]:
    """Write each text into a real workbook (split over cells as needed) and read it back."""
    book = openpyxl.Workbook()
    ws = book.active
    for i, text in enumerate(texts, start=1):
        for j, piece in enumerate(cells.parts(cells.escape(text)), start=1):
            cells.put_escaped(ws.cell(i, j), piece)
    out = io.BytesIO()
    book.save(out)
    back = open_workbook(out.getvalue()).active
    return [
        cells.unescape("".join(c.value for c in row if c.value is not None))
        for row in back.iter_rows(min_row=1, max_row=len(texts))
    ]


any_text = st.lists(
    st.one_of(
        st.text(st.characters(exclude_categories=())),  # surrogates and controls too
        st.sampled_from(SPECIAL),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(any_text, min_size=1, max_size=10))
def test_cells_round_trip_any_text_through_a_real_workbook(texts):
    assert _roundtrip_cells(texts) == texts


@settings(max_examples=500, deadline=None)
@given(any_text, st.integers(min_value=7, max_value=40))
def test_parts_never_split_a_token_and_respect_the_limit(text, limit):
    escaped = cells.escape(text)
    pieces = cells.parts(escaped, limit)
    assert "".join(pieces) == escaped
    assert all(cells.units(p) <= limit for p in pieces)
    assert cells.unescape("".join(pieces)) == text
    assert all(not re.search(r"[\x00-\x08\x0b-\x1f]", p) for p in pieces)


def test_long_text_is_split_not_cut():
    text = ("abc_x000D_\r" * 5000) + "😀" * 20000  # ~95,000 characters, astral ones count 2
    escaped = cells.escape(text)
    pieces = cells.parts(escaped)
    assert len(pieces) > 3
    assert all(cells.units(p) <= cells.MAX_CELL for p in pieces)
    assert _roundtrip_cells([text, "short"]) == [text, "short"]


def test_one_cell_too_long_raises_data_error_naming_the_field():
    cell = openpyxl.Workbook().active["A1"]
    with pytest.raises(DataError, match="The scenario is 40,000 characters"):
        cells.put(cell, "x" * 40_000, what="The scenario")


@pytest.mark.parametrize("text", CORPUS)
def test_formula_like_text_is_a_string_cell(text):
    cell = openpyxl.Workbook().active["A1"]
    cells.put(cell, text)
    assert cell.data_type == "s"
    assert _roundtrip_cells([text]) == [text]


def test_escaping_follows_excel():
    assert cells.escape("a\rb") == "a_x000D_b"
    assert cells.escape("_x000D_") == "_x005F_x000D_"
    assert cells.unescape("_x005F_x000D_") == "_x000D_"
    assert cells.unescape("_x000d_") == "\r"  # Excel writes either case
    assert cells.escape("tab\tand\nnewline stay") == "tab\tand\nnewline stay"


def test_floats_are_written_exactly():
    values = [1.0000009536743164, 0.30000000000000004, -2.5, 1e-7, 123456789.12345679]
    book = openpyxl.Workbook()
    for i, v in enumerate(values, start=1):
        cells.put(book.active.cell(i, 1), v)
    out = io.BytesIO()
    book.save(out)
    back = open_workbook(out.getvalue()).active
    assert [float(back.cell(i, 1).value) for i in range(1, 6)] == values


@pytest.mark.parametrize(
    ("title", "taken", "expected"),
    [
        ("Onboarding", set(), "Onboarding"),
        ("Q3: plan/review? [draft]*", set(), "Q3 plan review draft"),
        ("a\\b", set(), "a b"),
        ("'quoted'", set(), "quoted"),
        ("' 'x' '", set(), "x"),
        ("", set(), "Map"),
        ("[]:*?/\\", set(), "Map"),
        ("History", set(), "History (sheet)"),
        (
            "A very long journey map title that goes on and on",
            set(),
            "A very long journey map title t",
        ),
        ("Notes", {"notes"}, "Notes (2)"),
        ("notes", {"notes", "notes (2)"}, "notes (3)"),
        ("x" * 40, {"x" * 31}, "x" * 27 + " (2)"),
        ("😀" * 20, set(), "😀" * 15),  # Excel counts UTF-16 units: 30 of 31
        ("Tab\there", set(), "Tab here"),
    ],
)
def test_sheet_names(title, taken, expected):
    taken = set(taken)
    name = cells.sheet_name(title, taken)
    assert name == expected
    assert cells.units(name) <= 31
    assert not name.startswith("'") and not name.endswith("'")
    assert name.casefold() in taken


@settings(max_examples=300, deadline=None)
@given(st.lists(any_text, min_size=1, max_size=6))
def test_sheet_names_are_always_valid_and_unique(titles):
    taken: set[str] = set()
    book = openpyxl.Workbook()
    names = [cells.sheet_name(t, taken) for t in titles]
    assert len({n.casefold() for n in names}) == len(names)
    for name in names:
        assert 0 < cells.units(name) <= 31
        assert not re.search(r"[\\/*?:\[\]]", name)
        assert name[0] != "'" and name[-1] != "'"
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            book.create_sheet(name)  # openpyxl accepts it without a warning


def _as_excel_saves_it(data: bytes) -> bytes:
    """The workbook with its inline strings moved to a shared string table, as Excel saves."""
    strings: list[str] = []

    def shared(match: re.Match) -> str:
        strings.append(match.group(3))
        return f'<c r="{match.group(1)}"{match.group(2)} t="s"><v>{len(strings) - 1}</v></c>'

    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            content = src.read(name)
            if name.startswith("xl/worksheets/sheet"):
                content = re.sub(r'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?) t="inlineStr"><is>(.*?)</is></c>',
                                 shared, content.decode()).encode()  # fmt: skip
            elif name == "[Content_Types].xml":
                content = content.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            z.writestr(name, content)
        body = "".join(f"<si>{x}</si>" for x in strings)
        z.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN[1:-1]}">{body}</sst>')
    assert strings
    return out.getvalue()


def test_shared_strings_are_read_exactly_not_half_decoded():
    texts = ["_x005F_x000D_ stays", "x005F_ too", "a\rb", "_x0041", "=1+1", "plain"]
    book = openpyxl.Workbook()
    for i, text in enumerate(texts, start=1):
        cells.put(book.active.cell(i, 1), text)
    out = io.BytesIO()
    book.save(out)
    resaved = _as_excel_saves_it(out.getvalue())
    back = open_workbook(resaved).active
    assert [cells.unescape(back.cell(i, 1).value) for i in range(1, 7)] == texts
    naive = openpyxl.load_workbook(io.BytesIO(resaved)).active  # the trap we step around
    assert cells.unescape(naive.cell(2, 1).value) != texts[1]


# -- helpers for the store tests --------------------------------------------------------------


def _sheet_xml(data: bytes) -> dict[str, ElementTree.Element]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {
            n: ElementTree.fromstring(z.read(n))
            for n in z.namelist()
            if n.startswith("xl/worksheets/") and n.endswith(".xml")
        }


def _strings_and_types(data: bytes) -> tuple[list[str], list[str]]:
    texts, types = [], []
    for root in _sheet_xml(data).values():
        assert root.findall(f".//{MAIN}f") == []  # no formula anywhere
        for c in root.iter(f"{MAIN}c"):
            types.append(c.get("t", "n"))
            if c.get("t") == "inlineStr":
                texts.append("".join(t.text or "" for t in c.iter(f"{MAIN}t")))
            elif c.find(f"{MAIN}v") is not None and c.get("t", "n") == "n":
                float(c.find(f"{MAIN}v").text)  # a number cell holds a number
    return texts, types


def _book(data: bytes):
    return open_workbook(data)


def _canonical(doc: dict, *, dataset: bool = False) -> dict:
    """A workspace document with ids replaced by places and positions by order.

    Stages and lanes are named by their rank in the map, notes by their cell and their
    rank in it (a snapshot's content the same way, on its own); persona creation times
    and photos (not in Excel) and, unless asked, the maps' dataset names (datasets are not
    in a backup) are left out.
    """
    doc = copy.deepcopy(doc)
    alias: dict[str, str] = {}
    for i, p in enumerate(doc["personas"]):
        alias[p["id"]] = f"P{i}"
    for i, m in enumerate(doc["maps"]):
        alias[m["id"]] = f"M{i}"
    for p in doc["personas"]:
        p["id"] = alias[p["id"]]
        p.pop("created_at")
        p.pop("photo", None), p.pop("photo_type", None)
    for i, m in enumerate(doc["maps"]):
        for key in ("persona_id", "future_of"):
            m[key] = alias.get(m.get(key), m.get(key))
        if not dataset:
            m.pop("dataset")
        _canonical_map(m, f"M{i}", dict(alias))
        for snapshot in m.get("snapshots", []):
            content = snapshot["content"]
            content.pop("dataset", None)
            _canonical_map(content, f"M{i}", {content["id"]: f"M{i}", **alias})
    return doc


def _canonical_map(m: dict, name: str, alias: dict[str, str]) -> None:
    for kind in ("stages", "lanes"):
        for j, x in enumerate(sorted(m[kind], key=lambda x: x["position"])):
            alias[x["id"]] = f"{name}{kind[0]}{j}"
    ranks: dict[tuple, int] = {}
    for x in sorted(m["notes"], key=lambda x: x["position"]):
        cell = (alias[x["stage_id"]], alias[x["lane_id"]])
        ranks[cell] = ranks.get(cell, -1) + 1
        alias[x["id"]] = f"{cell[0]}/{cell[1]}/n{ranks[cell]}"
    m["id"] = alias.get(m["id"], name)
    for key in ("persona_id", "future_of"):
        m[key] = alias.get(m.get(key), m.get(key))
    for kind in ("stages", "lanes", "notes"):
        for x in m[kind]:
            for key in ("id", "stage_id", "lane_id"):
                if key in x:
                    x[key] = alias[x[key]]
            x.pop("position")
        m[kind].sort(key=lambda x: x["id"])
    for b in m["bindings"]:
        b["target_id"] = alias.get(b["target_id"], b["target_id"])
    m["bindings"].sort(key=lambda b: b["target_id"])
    for c in m["comments"]:
        c["note_id"] = alias[c["note_id"]]
    for r in m["votes"]:  # held again when restored: times aside
        r.pop("opened_at")
        r["closed_at"] = bool(r["closed_at"])
        for d in r["dots"]:
            d["note_id"] = alias[d["note_id"]]
            d.pop("at", None)
        r["dots"].sort(key=lambda d: (d["note_id"], d["voter"]))
    if m.get("metrics"):
        m["metrics"] = {alias.get(k, k): v for k, v in m["metrics"].items()}


KEYISH = {"key", "map key", "persona key", "stage key", "lane key", "target key", "note key",
          "future state of key", "created", "updated", "created at", "updated at", "deleted at",
          "opened at", "closed at", "version"}  # fmt: skip


def _sheet_values(data: bytes, *, skip_sheets=("About",), drop=()) -> dict[str, list]:
    """Every sheet's values, with id and time columns blanked (they differ by design).

    The tables' rows come in position order, and positions are ordering keys an import
    may renumber, so a table is its header and its rows sorted; a map sheet is as is.
    """
    book = _book(data)
    out = {}
    for ws in book.worksheets:
        if ws.title in skip_sheets:
            continue
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        if ws.title in layout.SHEETS and rows:
            header = rows[0]
            blank = [j for j, h in enumerate(header) if h in KEYISH or h in drop]
            for r in rows[1:]:
                for j in blank:
                    r[j] = None
            rows = [rows[0], *sorted(rows[1:], key=repr)]
        out[ws.title] = rows
    return out


def _enrich(store: Store, workspace_id: str, *, top: int | None = 0, votes: bool = True) -> None:
    """Give a workspace what the sample lacks: comments, votes, the trash, a snapshot..."""
    journey = store.list_maps(workspace_id)[0]
    board = store.load_map(journey.id)
    stage, lane = board.stages[0], board.lanes[0]
    first = store.add_note(journey.id, stage_id=stage.id, lane_id=lane.id, index=top,
                           text="=HYPERLINK(\"http://x\",\"y\") at the top", author="Eve")  # fmt: skip
    gone = store.add_note(journey.id, stage_id=stage.id, lane_id=lane.id, text="A deleted note",
                          author="Eve")  # fmt: skip
    store.delete_note(gone.id, gone.version, by="")
    store.add_comment(first.id, "+cmd|' /C calc'!A0 is not a formula here", author="Bo")
    if votes:
        round_ = store.open_vote(journey.id, 2, by=journey.created_by)
        store.toggle_vote(round_.id, first.id, voter="Bo")
        store.toggle_vote(round_.id, board.notes[1].id, voter="Bo")
        store.toggle_vote(round_.id, first.id, voter="Cy")
        store.close_vote(round_.id, by=journey.created_by)
        store.open_vote(journey.id, 1, by=journey.created_by)  # the latest, still open
    store.save_snapshot(journey.id, "@SUM(A1) before review", by="Ana")
    current = store.get_map(journey.id)
    store.update_map(current.id, current.version, owner="-2+3", status="in review",
                     review_on=date(2026, 12, 1), window_days=14)  # fmt: skip
    store.create_future_state(journey.id, by="Ana")
    persona = store.list_personas(workspace_id)[0]
    store.update_persona(persona.id, persona.version, goals=["=1+1", "[not json"],
                         tags=["a", "b"])  # fmt: skip
    ws = store.get_workspace(workspace_id)
    store.update_workspace(workspace_id, ws.version, facilitators=["Ana", "=Bo"])


# -- export: what the workbook holds ----------------------------------------------------------


def test_export_lays_out_the_map_like_the_wall(store: Store):
    ws = load_sample(store)
    journey = store.list_maps(ws.id)[0]
    data = export_workbook(store, ws.id, [journey.id], by="Ana")
    book = _book(data)
    assert book.sheetnames[0] == MAP_SHEET
    sheet = book[MAP_SHEET]
    board = store.load_map(journey.id)
    assert [sheet.cell(4, 2 + i).value for i in range(len(board.stages))] == [
        s.name for s in board.stages
    ]
    assert [sheet.cell(5 + i, 1).value for i in range(len(board.lanes))] == [
        x.name for x in board.lanes
    ]
    assert sheet.freeze_panes == "B5"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    for i, lane in enumerate(board.lanes):
        colour = sheet.cell(5 + i, 1).fill.fgColor.rgb
        assert colour[-6:] == LANE_COLOURS[lane.kind].lstrip("#").upper()
    note = board.notes[0]
    stage_col = 2 + [s.id for s in board.stages].index(note.stage_id)
    lane_row = 5 + [x.id for x in board.lanes].index(note.lane_id)
    assert f"{note.text} ({note.author})" in sheet.cell(lane_row, stage_col).value.split("\n")
    labels = [sheet.cell(r, 1).value for r in range(1, sheet.max_row + 1)]
    assert "Emotion (mean, -2 to +2)" in labels and "Users" in labels
    assert "Conversion from previous" in labels
    metrics = list(book["Metrics"].iter_rows(values_only=True))
    assert metrics[0][:6] == ("map", "map key", "stage", "stage key", "step", "users")
    assert len(metrics) > 2
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True)}
    assert about["Format"] == layout.FORMAT and about["Schema"] == 1
    assert about["Exported by"] == "Ana"
    assert "GA4" in about[f"Data of {journey.title}"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        chart = ElementTree.fromstring(z.read("xl/charts/chart1.xml"))
    ns = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
    assert len(chart.findall(f".//{ns}valAx")) == 2  # emotion and, on a second axis, conversion
    titles = [v.text for v in chart.iter(f"{ns}v")]
    assert titles == ["Mean emotion", "Conversion from previous stage"]
    assert chart.find(f".//{ns}cat/{ns}strRef/{ns}f").text.endswith("!$B$4:$H$4")


def test_export_names_sheets_after_maps_when_there_are_several(store: Store):
    ws = store.create_workspace("W")
    store.create_map(ws.id, "Notes")  # clashes with a structured sheet
    store.create_map(ws.id, "Q3: plan/review?")
    store.create_map(ws.id, "q3 plan review")
    book = _book(export_workbook(store, ws.id))
    assert book.sheetnames[:3] == ["Notes (2)", "Q3 plan review", "q3 plan review (2)"]
    maps = list(book["Maps"].iter_rows(values_only=True))
    assert [r[2] for r in maps[1:]] == book.sheetnames[:3]


def test_a_failing_measurement_is_a_warning_not_a_failed_export(store: Store, tmp_path):
    ws = load_sample(store)
    journey = store.list_maps(ws.id)[0]
    dataset = store.get_dataset(journey.dataset_id)
    for path in store.data_dir.rglob(f"{dataset.id}.parquet"):
        path.unlink()
    result = build_workbook(store, ws.id, [journey.id])
    assert len(result.warnings) == 1 and "could not be measured" in result.warnings[0]
    about = [
        r[1] for r in _book(result.data)["About"].iter_rows(values_only=True) if r[0] == "Warning"
    ]
    assert about == list(result.warnings)


def test_formula_corpus_in_every_field_leaves_no_formula_cell(store: Store):
    ws = store.create_workspace(STORE_CORPUS[0], STORE_CORPUS[2], created_by=STORE_CORPUS[1])
    store.update_workspace(ws.id, ws.version, facilitators=list(STORE_CORPUS[:4]))
    persona = store.add_persona(ws.id, STORE_CORPUS[3], role=STORE_CORPUS[4], quote=STORE_CORPUS[5],
                                background=STORE_CORPUS[8], goals=list(STORE_CORPUS[:5]),
                                tags=[STORE_CORPUS[6]], created_by=STORE_CORPUS[2])  # fmt: skip
    journey = store.create_map(ws.id, STORE_CORPUS[4], persona_id=persona.id,
                               scenario=STORE_CORPUS[8], created_by=STORE_CORPUS[0])  # fmt: skip
    board = store.load_map(journey.id)
    store.update_stage(board.stages[0].id, 1, name=STORE_CORPUS[1])
    store.update_lane(board.lanes[0].id, 1, name=STORE_CORPUS[2])
    store.update_map(journey.id, 1, owner=STORE_CORPUS[3], status="draft")
    notes = []
    lanes = {x.kind: x for x in board.lanes}
    for i, text in enumerate(STORE_CORPUS):
        lane = lanes[LaneKind.TOUCHPOINT] if i % 2 else board.lanes[i % len(board.lanes)]
        notes.append(store.add_note(journey.id, stage_id=board.stages[i % 3].id, lane_id=lane.id,
                                    text=text, author=STORE_CORPUS[-1 - i],
                                    channel=STORE_CORPUS[i][:80] if lane.kind is LaneKind.TOUCHPOINT else None))  # fmt: skip
        store.add_comment(notes[-1].id, text, author=STORE_CORPUS[i])
    store.bind(
        journey.id, board.stages[0].id, {"events": list(STORE_CORPUS[:5])}, by=STORE_CORPUS[3]
    )
    store.bind(journey.id, notes[1].id, {"events": ["=1+1"], "where": [
        {"column": "@col", "op": "is", "values": [STORE_CORPUS[0]]}]}, by=STORE_CORPUS[4])  # fmt: skip
    round_ = store.open_vote(journey.id, 3, by=STORE_CORPUS[0])
    store.toggle_vote(round_.id, notes[0].id, voter=STORE_CORPUS[2])
    store.save_snapshot(journey.id, STORE_CORPUS[3], by=STORE_CORPUS[4])
    data = export_workbook(store, ws.id, by=STORE_CORPUS[0])
    texts, types = _strings_and_types(data)
    assert set(types) <= {"inlineStr", "n", "b"}  # no "str" (formula result), "e" or "s"
    for text in STORE_CORPUS:
        assert any(cells.escape(text) in t for t in texts), text
    res = import_workbook(store, data, by="Zed")
    assert _canonical(store.workspace_document(res.workspace_id)) == _canonical(
        store.workspace_document(ws.id)
    )


# -- own export: round trips -------------------------------------------------------------------


def test_sample_workshop_round_trips_without_loss(store: Store):
    ws = load_sample(store)
    _enrich(store, ws.id)
    persona = store.list_personas(ws.id)[1]
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 20
    store.update_persona(persona.id, persona.version, photo=png)
    first = export_workbook(store, ws.id, by="Ana")
    res = import_workbook(store, first, by="Bo")
    assert res.source == "export" and res.workspace_id != ws.id
    assert len(res.map_ids) == 3
    assert any("photo" in w and persona.name in w for w in res.warnings)
    assert sum("datasets are not part of the file" in w for w in res.warnings) == 3
    before, after = store.workspace_document(ws.id), store.workspace_document(res.workspace_id)
    assert _canonical(after) == _canonical(before)
    assert [m["dataset"] for m in after["maps"]] == [None] * 3  # named in a warning instead
    second = export_workbook(store, res.workspace_id, by="Ana")
    drop = ("dataset", "photo", "position")  # a note at position 0 makes the import renumber
    skip = ("About", "Metrics", "Snapshots")  # snapshots point at the new rows: see above
    one = _sheet_values(first, skip_sheets=skip, drop=drop)
    two = _sheet_values(second, skip_sheets=skip, drop=drop)
    for name in one:  # the map sheets' metrics rows came from the dataset: compare the wall
        if name not in layout.SHEETS:
            cut = next(i for i, r in enumerate(one[name]) if r[0] == "Users")
            one[name] = one[name][:cut]
    assert {k: v for k, v in two.items()} == one


def test_a_map_with_metrics_round_trips_into_its_own_workspace(store: Store):
    ws = load_sample(store)
    journey = store.list_maps(ws.id)[1]
    first = export_workbook(store, ws.id, [journey.id], by="Ana")
    assert len(list(_book(first)["Metrics"].iter_rows())) > 2
    res = import_workbook(store, first, ws.id, by="Bo")
    assert res.workspace_id == ws.id and len(res.map_ids) == 1
    copy_ = store.get_map(res.map_ids[0])
    assert copy_.dataset_id == journey.dataset_id and copy_.persona_id == journey.persona_id
    assert len(store.list_personas(ws.id)) == 3  # matched by name, not added again
    second = export_workbook(store, ws.id, [copy_.id], by="Ana")
    # positions are ordering keys: the copy numbers its own (the map sheet shows the order)
    assert _sheet_values(second, drop=("position",)) == _sheet_values(first, drop=("position",))
    before = _canonical({"personas": [], "maps": [store.map_document(journey.id)]}, dataset=True)
    after = _canonical({"personas": [], "maps": [store.map_document(copy_.id)]}, dataset=True)
    for doc in (before, after):
        for m in doc["maps"]:
            m.pop("created_at"), m.pop("persona_id")
            for n in m["notes"]:
                n.pop("created_at"), n.pop("updated_at")
            for b in m["bindings"]:
                b.pop("updated_at")
    assert after == before


def test_import_into_a_workspace_is_undone_when_it_fails(store: Store, count_rows):
    ws = load_sample(store)
    data = export_workbook(store, ws.id)
    book = _book(data)
    sheet = book["Notes"]
    header = [c.value for c in sheet[1]]
    sheet.cell(sheet.max_row, header.index("text") + 1).value = "x" * 2001  # breaks the rules
    out = io.BytesIO()
    book.save(out)
    counts = {t: count_rows(t) for t in ("maps", "personas", "notes", "stages", "lanes")}
    with pytest.raises(DataError, match="2,001 characters"):
        import_workbook(store, out.getvalue(), ws.id)
    with pytest.raises(DataError, match="2,001 characters"):
        import_workbook(store, out.getvalue())
    assert {t: count_rows(t) for t in counts} == counts


def test_a_crowded_cell_and_a_long_snapshot_are_not_cut(store: Store):
    ws = store.create_workspace("Long")
    journey = store.create_map(ws.id, "Crowded")
    board = store.load_map(journey.id)
    for i in range(24):
        store.add_note(journey.id, stage_id=board.stages[0].id, lane_id=board.lanes[0].id,
                       text=f"{i:02d} " + ("_x000D_ é\t" * 250)[:1990] + "end", author="Ana")  # fmt: skip
    texts = [n.text for n in store.load_map(journey.id).notes]
    assert len(texts) == 24 and all(len(t) == 1996 for t in texts)
    store.save_snapshot(journey.id, "Full")
    data = export_workbook(store, ws.id)
    book = _book(data)
    cell = cells.unescape(book[MAP_SHEET]["B5"].value)
    assert cell.endswith("more notes here: see the Notes sheet.")
    shown = cell.split("\n")[:-1]
    assert shown == [f"{t} (Ana)" for t in texts[: len(shown)]] and len(shown) < 24
    header = [c.value for c in book["Snapshots"][1]]
    assert "content (part 2)" in header
    res = import_workbook(store, data)
    back = store.workspace_document(res.workspace_id)["maps"][0]
    assert sorted(n["text"] for n in back["notes"]) == sorted(texts)
    content = back["snapshots"][0]["content"]  # renamed onto the new map's rows, not cut
    assert sorted(n["text"] for n in content["notes"]) == sorted(texts)
    assert {n["id"] for n in content["notes"]} == {n["id"] for n in back["notes"]}


def test_note_positions_survive_exactly(store: Store):
    ws = store.create_workspace("Order")
    journey = store.create_map(ws.id, "Order")
    board = store.load_map(journey.id)
    cell = {"stage_id": board.stages[0].id, "lane_id": board.lanes[0].id}
    store.add_note(journey.id, text="first", **cell)
    last = store.add_note(journey.id, text="last", **cell)
    for i in range(18):  # halving the gap before "last": positions need 17 digits
        store.add_note(journey.id, text=f"between {i}", index=1 + i, **cell)
    data = export_workbook(store, ws.id)
    res = import_workbook(store, data)
    before = [(n.text, n.position) for n in store.load_map(journey.id).notes]
    after = [(n.text, n.position) for n in store.load_map(res.map_ids[0]).notes]
    assert after == before
    assert last.text == after[-1][0]


def test_an_excel_resaved_export_imports_the_same(store: Store):
    ws = store.create_workspace("W")
    journey = store.create_map(ws.id, "x005F_ and _x000D_")
    board = store.load_map(journey.id)
    store.add_note(journey.id, stage_id=board.stages[0].id, lane_id=board.lanes[0].id,
                   text="_x005F_x000D_\tand =1+1", author="x005F_")  # fmt: skip
    res = import_workbook(store, _as_excel_saves_it(export_workbook(store, ws.id)))
    assert _canonical(store.workspace_document(res.workspace_id)) == _canonical(
        store.workspace_document(ws.id)
    )


def _edited(data: bytes, sheet: str, column: str, row: int, value) -> bytes:
    book = _book(data)
    header = [c.value for c in book[sheet][1]]
    book[sheet].cell(row, header.index(column) + 1).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("sheet", "column", "row", "value", "message"),
    [
        ("Notes", "key", 3, "SAME", "used twice"),
        (
            "Notes",
            "stage key",
            2,
            "nowhere",
            "Row 2 of the Notes sheet is in a stage or lane its map",
        ),
        ("Notes", "map key", 2, "nowhere", "Row 2 of the Notes sheet belongs to the map key"),
        ("Notes", "emotion", 2, "very", "Notes row 2, column 'emotion', holds 'very'"),
        ("Notes", "created", 2, "yesterday", "not a date and time"),
        ("Lanes", "kind", 2, "feelings", "Row 2 of the Lanes sheet: A lane kind is one of"),
        ("Maps", "title", 2, None, "A map title cannot be empty"),
    ],
)
def test_a_damaged_export_is_refused_and_nothing_written(
    store: Store, count_rows, sheet, column, row, value, message
):
    ws = store.create_workspace("W")
    journey = store.create_map(ws.id, "M")
    board = store.load_map(journey.id)
    for text in ("one", "two"):
        store.add_note(
            journey.id, stage_id=board.stages[0].id, lane_id=board.lanes[0].id, text=text
        )
    data = export_workbook(store, ws.id)
    if column == "key":
        data = _edited(data, sheet, column, 2, value)
    bad = _edited(data, sheet, column, row, value)
    before = {t: count_rows(t) for t in ("workspaces", "maps", "notes", "stages", "lanes")}
    with pytest.raises(DataError, match=re.escape(message)):
        import_workbook(store, bad)
    with pytest.raises(DataError, match=re.escape(message)):
        import_workbook(store, bad, ws.id)
    assert {t: count_rows(t) for t in before} == before


def test_an_export_from_a_newer_version_is_refused(store: Store, count_rows):
    ws = store.create_workspace("W")
    store.create_map(ws.id, "M")
    book = _book(export_workbook(store, ws.id))
    about = book["About"]
    for row in about.iter_rows():
        if row[0].value == "Schema":
            row[1].value = 2
    out = io.BytesIO()
    book.save(out)
    before = count_rows("workspaces")
    with pytest.raises(DataError, match="newer version"):
        import_workbook(store, out.getvalue())
    assert count_rows("workspaces") == before


# -- hypothesis: the whole path -------------------------------------------------------------


_storable_char = st.characters(exclude_categories=("Cs", "Cc"), include_characters="\t\n")
_tricky = ["=1+1", "+A1", "-2", "@SUM(A1)", "_x000D_", "_x005F_x0041_", "a\tb", "line\nline"]
_storable = (
    st.one_of(
        st.text(_storable_char, min_size=1, max_size=40),
        st.sampled_from(_tricky),
        st.integers(1, 2000).map(lambda n: ("=_x000D_\t\n" * 200)[:n]),
    )
    .map(str.strip)
    .filter(bool)
)
_name = _storable.map(lambda s: " ".join(s.split())[:120]).filter(bool)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=_name, persona=_name, quote=_storable, goals=st.lists(_storable.map(lambda s: s[:300]),
       max_size=4), notes=st.lists(_storable, min_size=1, max_size=6), author=_name)  # fmt: skip
def test_store_text_survives_export_and_import(
    store: Store, title, persona, quote, goals, notes, author
):
    quote = quote[:1000]
    ws = store.create_workspace(title, quote)
    p = store.add_persona(ws.id, persona, quote=quote, goals=goals, created_by=author)
    journey = store.create_map(ws.id, title, persona_id=p.id, scenario=quote, created_by=author)
    board = store.load_map(journey.id)
    for i, text in enumerate(notes):
        store.add_note(journey.id, stage_id=board.stages[i % 7].id, lane_id=board.lanes[i % 6].id,
                       text=text, author=author)  # fmt: skip
    data = export_workbook(store, ws.id, by=author)
    res = import_workbook(store, data, by=author)
    assert _canonical(store.workspace_document(res.workspace_id)) == _canonical(
        store.workspace_document(ws.id)
    )


# -- hand-made grids ----------------------------------------------------------------------------


def _grid_bytes(rows, *, title="Sheet1", merge=None) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GRID = [
    [None, "Discover", "Buy", "Use"],
    ["Customer actions", "Searches the web\nReads reviews", None, "Logs in"],
    ["Touchpoints", "Google", "Checkout page", None],
    ["Feelings", "Curious", "Anxious about price", "Relieved"],
    ["Pain points", None, "Hidden fees\n\n  Slow page  ", None],
    ["Ideas", "Comparison page", None, None],
    ["Thoughts", None, None, "Is this worth it?"],
]


def test_read_grid_previews_stages_lanes_and_counts():
    preview = read_grid(_grid_bytes(GRID, title="Shoe shop"))
    assert preview.stages == ("Discover", "Buy", "Use")
    assert preview.lanes == (
        ("Customer actions", LaneKind.ACTION),
        ("Touchpoints", LaneKind.TOUCHPOINT),
        ("Feelings", LaneKind.EMOTION),
        ("Pain points", LaneKind.PAIN),
        ("Ideas", LaneKind.OPPORTUNITY),
        ("Thoughts", LaneKind.CUSTOM),
    )
    assert preview.count(0, 0) == 2 and preview.count(1, 3) == 2 and preview.count(2, 1) == 0
    assert preview.notes == 12 and preview.title == "Shoe shop" and preview.warnings == ()


def test_grid_quirks_are_warned_about():
    rows = [[None, "Discover", "discover", None, None], ["Actions", "a", "b", "c", "=1+1"]]
    preview = read_grid(_grid_bytes(rows, merge=None))
    assert preview.stages == ("Discover", "Stage 3")
    assert preview.count(0, 0) == 2
    text = " ".join(preview.warnings)
    assert "Two stages are called 'discover'" in text
    assert "named 'Stage 3'" in text and "formula" in text
    merged = read_grid(_grid_bytes([[None, "Buy", None], ["Actions", "a", "b"]], merge="B1:C1"))
    assert merged.stages == ("Buy",) and merged.count(0, 0) == 2 and merged.warnings == ()


def test_a_grid_becomes_a_new_map(store: Store):
    data = _grid_bytes(GRID, title="Shoe shop")
    res = import_workbook(store, data, by="Ana")
    assert res.source == "grid"
    board = store.load_map(res.map_ids[0])
    assert store.get_workspace(res.workspace_id).name == "Shoe shop"
    assert [s.name for s in board.stages] == ["Discover", "Buy", "Use"]
    assert [(x.name, x.kind) for x in board.lanes] == list(read_grid(data).lanes)
    assert len(board.notes) == 12 and {n.author for n in board.notes} == {"Ana"}
    ws = store.create_workspace("Team")
    res2 = import_workbook(store, data, ws.id, by="Bo", title="Shoes v2")
    journey = store.get_map(res2.map_ids[0])
    assert journey.workspace_id == ws.id and journey.title == "Shoes v2"
    board2 = store.load_map(journey.id)
    assert [s.name for s in board2.stages] == ["Discover", "Buy", "Use"]
    assert [(x.name, x.kind) for x in board2.lanes] == [(x.name, x.kind) for x in board.lanes]
    assert sorted(n.text for n in board2.notes) == sorted(n.text for n in board.notes)


def test_a_grid_merges_into_an_existing_map(store: Store):
    ws = store.create_workspace("Team")
    journey = store.create_map(ws.id, "Shoes", template="ecommerce")
    board = store.load_map(journey.id)
    discover = board.stages[0]
    actions = board.lanes[0]
    store.add_note(journey.id, stage_id=discover.id, lane_id=actions.id, text="Reads reviews")
    data = _grid_bytes([[None, "DISCOVER", "Use"], ["customer actions", "Searches the web\nReads reviews", "Logs in"],
                        ["Thoughts", "Hmm", None]])  # fmt: skip
    res = import_workbook(store, data, ws.id, mode="merge", map_id=journey.id, by="Cy")
    assert res.map_ids == (journey.id,) and res.snapshot_id
    snapshots = store.list_snapshots(journey.id)
    assert snapshots[0].automatic and snapshots[0].id == res.snapshot_id
    after = store.load_map(journey.id)
    assert [s.name for s in after.stages] == [s.name for s in board.stages] + ["Use"]
    assert [x.name for x in after.lanes] == [x.name for x in board.lanes] + ["Thoughts"]
    cell = [n.text for n in after.notes if n.stage_id == discover.id and n.lane_id == actions.id]
    assert cell == ["Reads reviews", "Searches the web"]
    assert any("already in their cells" in w for w in res.warnings)
    assert any("'Use'" in w and "'Thoughts'" in w for w in res.warnings)
    again = import_workbook(store, data, mode="merge", map_id=journey.id, by="Cy")
    assert len(store.load_map(journey.id).notes) == len(after.notes)
    assert "4 note(s) were already" in " ".join(again.warnings)


def test_merging_into_a_locked_map_is_refused_before_anything(store: Store, count_rows):
    ws = store.create_workspace("Team")
    journey = store.create_map(ws.id, "Locked", created_by="Ana")
    store.lock_map(journey.id, True, by="Ana")
    before = count_rows("snapshots"), count_rows("notes")
    with pytest.raises(AccessError):
        import_workbook(store, _grid_bytes(GRID), mode="merge", map_id=journey.id, by="Bo")
    assert (count_rows("snapshots"), count_rows("notes")) == before


def test_our_export_of_one_map_merges_its_notes(store: Store):
    ws = store.create_workspace("Team")
    source = store.create_map(ws.id, "Source")
    board = store.load_map(source.id)
    emotion = next(x for x in board.lanes if x.kind is LaneKind.EMOTION)
    store.add_note(
        source.id, stage_id=board.stages[0].id, lane_id=emotion.id, text="Happy", emotion=2
    )
    target = store.create_map(ws.id, "Target")
    data = export_workbook(store, ws.id, [source.id])
    assert read_grid(data) is None  # our own export: imported whole, no grid preview
    import_workbook(store, data, mode="merge", map_id=target.id)
    (note,) = store.load_map(target.id).notes
    assert (note.text, note.emotion) == ("Happy", 2)
    with pytest.raises(DataError, match="holds 2 maps"):
        import_workbook(store, export_workbook(store, ws.id), mode="merge", map_id=target.id)


# -- bad files ----------------------------------------------------------------------------------


def _compound_file(*names: str) -> bytes:
    """A minimal OLE2 compound file whose directory lists `names` (512-byte sectors)."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 40, 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE)
    struct.pack_into("<I", header, 72, 0)
    struct.pack_into("<109I", header, 76, 0, *([0xFFFFFFFF] * 108))
    fat = struct.pack("<128I", 0xFFFFFFFD, 0xFFFFFFFE, *([0xFFFFFFFF] * 126))
    directory = bytearray(512)
    for i, name in enumerate(("Root Entry", *names)):
        raw = (name + "\0").encode("utf-16-le")
        directory[i * 128 : i * 128 + len(raw)] = raw
        struct.pack_into("<H", directory, i * 128 + 64, len(raw))
    return bytes(header) + fat + bytes(directory)


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in members.items():
            z.writestr(name, content)
    return out.getvalue()


@functools.cache
def _bad_files() -> dict[str, tuple[bytes, str]]:
    good = _grid_bytes(GRID)
    no_grid = _grid_bytes([["just a note"]])
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<x/>",
                 "xl/worksheets/sheet1.xml": b"\0" * (110 * 1024**2)})  # fmt: skip
    return {
        "empty": (b"", "empty"),
        "text": (b"stage,lane\nBuy,Actions\n", "not an Excel workbook"),
        "png": (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "not an Excel workbook"),
        "json": (b'\xef\xbb\xbf {"workspace": {}}', "JSON file"),
        "old xls": (
            _compound_file("Workbook", "\x05SummaryInformation"),
            r"old-format Excel workbook \(\.xls\)",
        ),
        "encrypted": (_compound_file("EncryptionInfo", "EncryptedPackage"), "password-protected"),
        "damaged ole": (b"\xd0\xcf\x11\xe0" + b"\xff" * 600, r"\.xls"),
        "corrupt zip": (b"PK\x03\x04" + b"\x00garbage" * 50, "damaged"),
        "cut short": (good[: len(good) // 2], "damaged"),
        "not a workbook": (_zip({"readme.txt": b"hello"}), "not an Excel workbook"),
        "bomb": (bomb, "expand"),
        "damaged xml": (
            _zip({"[Content_Types].xml": b"<Types", "xl/workbook.xml": b"<"}),
            "could not be read",
        ),
        "no grid": (no_grid, "no journey-map grid"),
        "too big": (b"PK\x03\x04" + b"\0" * (51 * 1024**2), "at most 50 MB"),
    }


@pytest.mark.parametrize("case", sorted(_bad_files()))
def test_bad_files_are_refused_with_one_sentence_and_nothing_written(
    store: Store, count_rows, case
):
    data, message = _bad_files()[case]
    ws = store.create_workspace("W")
    journey = store.create_map(ws.id, "M")
    tables = ("workspaces", "maps", "personas", "stages", "lanes", "notes", "snapshots")
    before = {t: count_rows(t) for t in tables}
    for call in (
        lambda: import_workbook(store, data),
        lambda: import_workbook(store, data, ws.id),
        lambda: import_workbook(store, data, mode="merge", map_id=journey.id),
        lambda: read_grid(data),
    ):
        with pytest.raises(DataError, match=message) as err:
            call()
        assert str(err.value).count(". ") <= 1 and "\n" not in str(err.value)
    assert {t: count_rows(t) for t in tables} == before


# -- JSON backup ------------------------------------------------------------------------------


def test_json_backup_round_trips(store: Store):
    ws = load_sample(store)
    _enrich(store, ws.id, top=None, votes=False)  # see the two xfail tests below
    text = export_json(store, ws.id)
    restored = import_json(store, text.encode("utf-8"), created_by="Bo")
    assert _canonical(store.workspace_document(restored)) == _canonical(
        store.workspace_document(ws.id)
    )


def test_json_schema_0_sample_imports(store: Store):
    workspace_id = import_json(store, SAMPLE_FILE.read_bytes())
    doc = json.loads(SAMPLE_FILE.read_text(encoding="utf-8"))
    assert [m.title for m in store.list_maps(workspace_id)] == [m["title"] for m in doc["maps"]]


def test_json_from_a_newer_version_is_refused(store: Store, count_rows):
    before = count_rows("workspaces")
    with pytest.raises(DataError, match="newer version"):
        import_json(store, json.dumps({"schema": 2, "workspace": {"name": "W"}}))
    assert count_rows("workspaces") == before


def test_json_backup_keeps_votes(store: Store):
    ws = load_sample(store)
    _enrich(store, ws.id, top=None)
    restored = import_json(store, export_json(store, ws.id))
    assert _canonical(store.workspace_document(restored)) == _canonical(
        store.workspace_document(ws.id)
    )


def test_json_backup_keeps_notes_put_at_the_top_of_their_cells(store: Store):
    ws = store.create_workspace("W")
    journey = store.create_map(ws.id, "M")
    board = store.load_map(journey.id)
    for stage in board.stages[:2]:
        cell = {"stage_id": stage.id, "lane_id": board.lanes[0].id}
        for text in ("last", "middle", "first"):  # positions 1, 0, -1: each put on top
            store.add_note(journey.id, text=f"{stage.name} {text}", index=0, **cell)
    restored = import_json(store, export_json(store, ws.id))
    assert _walls(store, store.list_maps(restored)[0].id) == _walls(store, journey.id)


def test_our_import_keeps_notes_put_at_the_top_of_their_cells(store: Store):
    ws = store.create_workspace("W")
    journey = store.create_map(ws.id, "M")
    board = store.load_map(journey.id)
    for stage in board.stages[:2]:
        cell = {"stage_id": stage.id, "lane_id": board.lanes[0].id}
        for text in ("last", "middle", "first"):
            store.add_note(journey.id, text=f"{stage.name} {text}", index=0, **cell)
    res = import_workbook(store, export_workbook(store, ws.id))
    assert _walls(store, res.map_ids[0]) == _walls(store, journey.id)


def _walls(store: Store, map_id: str) -> dict[tuple[str, str], list[str]]:
    """Each cell's notes in wall order, by (stage name, lane name)."""
    board = store.load_map(map_id)
    out: dict[tuple[str, str], list[str]] = {}
    for note in board.notes:
        key = (board.stage(note.stage_id).name, board.lane(note.lane_id).name)
        out.setdefault(key, []).append(note.text)
    return out
