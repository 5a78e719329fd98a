"""Review's Excel exchange, in real Chromium on the sample workshop: the CMS map prepared
and downloaded as a workbook (read back with openpyxl: the wall's layout, no formula
anywhere), that same file uploaded again as a new workspace, and a hand-made grid
imported as a new map and seen on the Journey map page.

Named `*_browser`: the page tests have `tests/app/test_review.py`, and two test modules
with one basename in the non-package test folders stop pytest's collection."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from journeymap import open_store
from journeymap.sample import ensure_sample

FIRST_RENDER_MS = 30_000  # as in conftest.py: the first render runs 3-4 s of JavaScript

GRID_TITLE = "Trial journey"  # the grid's sheet name becomes the map's title
GRID_STAGES = ["Discover", "Try", "Buy"]
GRID_LANES = {
    "Customer actions": ["Reads a review\nAsks a friend", "Starts a trial", "Pays by card"],
    "Pain points": [None, "Trial needs a card", None],
}
GRID_NOTES = [
    ("Discover", "Customer actions", "Reads a review"),
    ("Discover", "Customer actions", "Asks a friend"),
    ("Try", "Customer actions", "Starts a trial"),
    ("Buy", "Customer actions", "Pays by card"),
    ("Try", "Pain points", "Trial needs a card"),
]


@pytest.fixture(scope="module")
def store(app_server) -> Iterator:
    """The server's own database, holding the sample (loaded here if no page asked yet)."""
    store = open_store(app_server.db_path)
    ensure_sample(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def sample(store):
    """The sample workspace and its CMS map, as they were before any import here."""
    [workspace] = store.list_workspaces()
    [journey] = [m for m in store.list_maps(workspace.id) if m.title.startswith("Choosing a CMS")]
    return workspace, journey


def open_exchange(page: Page, ui, app_server, workspace, journey) -> None:
    """Review on the given map (a deep link), its Export and import tab."""
    ui.open(page, app_server.url(f"/review?ws={workspace.id}&map={journey.id}"), "Rita")
    expect(page.get_by_role("heading", name="Review", level=1)).to_be_visible(
        timeout=FIRST_RENDER_MS
    )
    expect(page.get_by_role("heading", name=journey.title, level=3)).to_be_visible()
    page.get_by_role("tab", name="Export and import").click()
    expect(page.get_by_role("button", name="Prepare the Excel file")).to_be_visible()


def upload(page: Page, path: Path) -> None:
    page.locator("input[type=file]").set_input_files(str(path))


def toast(page: Page, text: str):
    return page.get_by_test_id("stToast").filter(has_text=text)


def live_texts(store, map_id: str) -> list[str]:
    return sorted(n.text for n in store.load_map(map_id).notes)


def test_download_the_maps_workbook_and_import_it_as_a_new_workspace(
    app_server, page: Page, ui, store, sample, tmp_path: Path
) -> None:
    workspace, journey = sample
    board = store.load_map(journey.id)
    open_exchange(page, ui, app_server, workspace, journey)

    expect(page.get_by_role("button", name="Download the Excel file")).to_have_count(0)
    page.get_by_role("button", name="Prepare the Excel file").click()
    button = page.get_by_role("button", name="Download the Excel file")
    expect(button).to_be_visible(timeout=FIRST_RENDER_MS)  # measuring the map takes a moment
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == "Choosing_a_CMS_for_the_studio.xlsx"
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    data = path.read_bytes()

    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["Journey map"]
    assert sheet["A1"].value == journey.title
    stages = [s.name for s in board.stages]
    assert stages == ui.STAGES
    row4 = [c.value for c in sheet[4]]
    assert row4[1 : 1 + len(stages)] == stages  # across row 4, from B4
    assert all(v is None for v in row4[1 + len(stages) :])
    assert [sheet.cell(5 + i, 1).value for i in range(len(board.lanes))] == ui.LANES
    # Text and numbers only: no cell of any sheet is a formula (nor stored as one).
    formulas = [
        f"{ws.title}!{cell.coordinate}"
        for ws in book.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert formulas == []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets
        for name in sheets:
            assert not re.search(rb"<(?:\w+:)?f[ >/]", archive.read(name)), name

    # The same file, uploaded through the page, comes back as a new workspace.
    upload(page, path)
    expect(page.get_by_text("This is a workbook exported by this app")).to_be_visible()
    page.get_by_role("button", name="Import as a new workspace").click()
    expect(toast(page, "Imported 1 map(s) into a new workspace.")).to_be_visible()
    [new] = [w for w in store.list_workspaces() if w.id != workspace.id]
    [copy] = store.list_maps(new.id)
    assert copy.title == journey.title
    assert len(store.load_map(copy.id).notes) == len(board.notes)
    assert live_texts(store, copy.id) == live_texts(store, journey.id)
    # The page now shows the copy, in the new workspace.
    expect(ui.sidebar(page).get_by_text(new.name, exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(f"ws={new.id}"))


def test_a_hand_made_grid_becomes_a_new_map_on_the_wall(
    app_server, page: Page, ui, store, sample, tmp_path: Path
) -> None:
    workspace, journey = sample
    book = openpyxl.Workbook()
    grid = book.active
    grid.title = GRID_TITLE
    for j, name in enumerate(GRID_STAGES, start=2):
        grid.cell(1, j, name)
    for i, (lane, texts) in enumerate(GRID_LANES.items(), start=2):
        grid.cell(i, 1, lane)
        for j, text in enumerate(texts, start=2):
            grid.cell(i, j, text)
    path = tmp_path / "workshop grid.xlsx"
    book.save(path)

    open_exchange(page, ui, app_server, workspace, journey)
    upload(page, path)
    expect(
        page.get_by_text(f"A grid of 3 stages and 2 lanes with {len(GRID_NOTES)} notes.")
    ).to_be_visible()
    expect(page.get_by_role("radio", name="Create a new map")).to_be_checked()
    page.get_by_role("button", name="Import the grid").click()
    expect(toast(page, f"Imported {len(GRID_NOTES)} notes.")).to_be_visible()

    [made] = [m for m in store.list_maps(workspace.id) if m.title == GRID_TITLE]
    assert len(store.load_map(made.id).notes) == len(GRID_NOTES)
    expect(page.get_by_role("heading", name=GRID_TITLE, level=3)).to_be_visible()

    ui.go(page, "Journey map")
    expect(page.get_by_role("heading", name=GRID_TITLE, level=1)).to_be_visible(
        timeout=FIRST_RENDER_MS
    )
    expect(page.get_by_test_id("jm-stage")).to_have_count(len(GRID_STAGES))
    for stage, lane, text in GRID_NOTES:
        expect(ui.note(ui.cell(page, stage, lane), text)).to_be_visible()
    expect(ui.cell(page, "Discover", "Pain points").locator(".jm-note")).to_have_count(0)
