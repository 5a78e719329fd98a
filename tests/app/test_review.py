"""Review: a map's details (and the home page's review flags), versions and their diffs,
restoring a version, the future-state map beside the current one, and the Excel and JSON
exchange (prepare and download, upload an own export, a hand-made grid, a backup, a bad file).

All on the sample workshop, loaded once and copied per test (as in test_journey_data.py).
Changes between versions are made through the store, as a participant on the wall would,
and then read on the page.

What AppTest cannot drive, and what is done instead:
- a download button's bytes are not in the element (only a media URL): the test records
  what Streamlit's in-memory media storage is given (`downloads` fixture) and reads the
  button's file back by its URL, and also checks `export_workbook` called directly;
- uploads work: `file_uploader.set_value((name, bytes, mime))`, so the import paths are
  driven through the page itself.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
from pagekit import HOME, USER, Sample, by_label, click, lane_id, new_app, run, stage_id, texts
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from journeymap import JourneyMap, MapStatus, Store
from journeymap.excel import export_json, export_workbook

REVIEW = "pages/review.py"
CMS = "Choosing a CMS for the studio"
LOOP = "Buying school shoes at Loop Store"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DUE = "Past their review date"
DETAILS, VERSIONS, FUTURE, EXCHANGE = range(4)  # the page's tabs


@pytest.fixture
def store(sample_store: Store) -> Store:
    """Every test here starts from a copy of the loaded sample workshop."""
    return sample_store


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[str | None, bytes]]:
    """What every download button handed to Streamlit's media storage: {file id: (name, bytes)}."""
    seen: dict[str, tuple[str | None, bytes]] = {}
    real = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        file_id = real(self, path_or_data, mimetype, kind, filename)
        if isinstance(path_or_data, bytes):
            seen[file_id] = (filename, path_or_data)
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return seen


def open_page(sample: Sample, title: str = CMS, page: str = REVIEW):
    return run(new_app(page, state=sample.state(title)))


def tab(at, index: int):
    return at.tabs[index]


def download(at, key: str):
    [button] = [b for b in at.get("download_button") if b.key == key]
    return button


def downloaded(at, key: str, seen: dict) -> tuple[str | None, bytes]:
    """The file name and bytes behind a download button (its URL names the media file)."""
    url = download(at, key).proto.url
    assert url, f"{key} has no file yet"
    file_id = url.rsplit("/", 1)[-1].split(".", 1)[0]
    return seen[file_id]


def live_notes(store: Store, map_id: str) -> list:
    return store.load_map(map_id).notes


def note_in(store: Store, journey: JourneyMap, stage: str, lane: str):
    board = store.load_map(journey.id)
    sid, lid = stage_id(board, stage), lane_id(board, lane)
    return next(n for n in board.notes if (n.stage_id, n.lane_id) == (sid, lid))


def save_snapshot(at, journey: JourneyMap, name: str):
    by_label(tab(at, VERSIONS).text_input, "Name the version").input(name)
    return click(at, f"FormSubmitter:review:{journey.id}:snapshot-Save a snapshot")


def diff_texts(at) -> list[str]:
    return texts(tab(at, VERSIONS).text)


def diff_counts(at) -> str:
    [counts] = [c for c in texts(tab(at, VERSIONS).caption) if " added · " in c]
    return counts


def grid_bytes(stages: list[str], lanes: dict[str, list[str]], title: str = "Sheet1") -> bytes:
    """A hand-made grid: stage names across row 1 (from B1), lane names down column A,
    each lane's cells the given texts (several notes in a cell: lines)."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title
    for j, name in enumerate(stages, start=2):
        ws.cell(1, j, name)
    for i, (lane, cells) in enumerate(lanes.items(), start=2):
        ws.cell(i, 1, lane)
        for j, text in enumerate(cells, start=2):
            ws.cell(i, j, text)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(at, name: str, data: bytes, mime: str = XLSX):
    at.file_uploader(key="exchange:upload").set_value((name, data, mime))
    return run(at)


def everything(store: Store) -> list:
    """Every workspace, map and note as plain values: to see that nothing changed."""
    out = []
    for workspace in store.list_workspaces():
        out.append((workspace.id, workspace.name, workspace.version))
        for journey in store.list_maps(workspace.id):
            out.append((journey.id, journey.title, journey.version, journey.revision))
            out += [(n.id, n.text, n.stage_id, n.lane_id) for n in live_notes(store, journey.id)]
    return out


# -- the page ------------------------------------------------------------------------------


@pytest.mark.parametrize("title", [CMS, LOOP])
def test_the_page_runs_for_both_sample_maps(title, sample, store):
    at = open_page(sample, title)
    assert texts(at.title) == ["Review"]
    assert texts(at.subheader) == [title]
    assert [t.label for t in at.tabs] == [
        "Details",
        "Versions",
        "Current and future",
        "Export and import",
    ]
    journey = sample.maps[title]
    assert by_label(tab(at, DETAILS).text_input, "Owner").value == (journey.owner or "")
    assert texts(tab(at, VERSIONS).info) == [
        "No snapshot yet: save one before each review to compare later."
    ]
    assert at.button(key=f"review:{journey.id}:future").label == "Create the future-state map"
    assert at.button(key="exchange:xlsx").label == "Prepare the Excel file"
    assert download(at, "exchange:json").label == "Download the JSON backup (whole workspace)"
    assert at.file_uploader(key="exchange:upload").label == "Workbook or backup"
    assert not at.error


# -- Details and the home page's review flags ---------------------------------------------


def save_details(at, journey: JourneyMap, owner: str, status: MapStatus, review_on: date):
    details = tab(at, DETAILS)
    by_label(details.text_input, "Owner").input(owner)
    by_label(details.selectbox, "Status").set_value(status)
    by_label(details.date_input, "Next review").set_value(review_on)
    return click(at, f"FormSubmitter:review:{journey.id}:details-Save details")


def test_details_are_saved_and_home_flags_the_overdue_map_but_not_an_archived_one(sample, store):
    yesterday = datetime.now(UTC).date() - timedelta(days=1)  # the home page's "today" is UTC
    cms, loop = sample.maps[CMS], sample.maps[LOOP]
    at = open_page(sample, CMS)
    save_details(at, cms, "  Olga Owner ", MapStatus.LIVE, yesterday)

    saved = store.get_map(cms.id)
    assert (saved.owner, saved.status, saved.review_on) == ("Olga Owner", MapStatus.LIVE, yesterday)
    assert "Saved the map's details." in texts(at.toast)
    assert by_label(tab(at, DETAILS).text_input, "Owner").value == "Olga Owner"  # form reloaded

    at = open_page(sample, LOOP)
    save_details(at, loop, "Arch Ivist", MapStatus.ARCHIVED, yesterday)
    saved = store.get_map(loop.id)
    assert (saved.owner, saved.status, saved.review_on) == (
        "Arch Ivist",
        MapStatus.ARCHIVED,
        yesterday,
    )

    home = open_page(sample, CMS, page=HOME)
    assert [w for w in texts(home.warning) if DUE in w] == [f"{DUE}: {CMS}."]
    captions = texts(home.caption)
    assert f"Live · owner Olga Owner · review {yesterday:%Y-%m-%d} :red[(overdue)]" in captions
    assert f"Archived · owner Arch Ivist · review {yesterday:%Y-%m-%d}" in captions


def test_a_review_date_of_today_is_not_flagged_yet(sample, store):
    today = datetime.now(UTC).date()
    at = open_page(sample, CMS)
    save_details(at, sample.maps[CMS], "Olga", MapStatus.IN_REVIEW, today)
    assert store.get_map(sample.maps[CMS].id).status is MapStatus.IN_REVIEW

    home = open_page(sample, CMS, page=HOME)
    assert not [w for w in texts(home.warning) if DUE in w]
    assert f"In review · owner Olga · review {today:%Y-%m-%d}" in texts(home.caption)


# -- Versions ------------------------------------------------------------------------------


def test_a_saved_snapshot_is_listed_with_the_maps_numbers(sample, store):
    journey = sample.maps[CMS]
    at = open_page(sample)
    save_snapshot(at, journey, "Q3 review")

    [snapshot] = store.list_snapshots(journey.id)
    assert (snapshot.name, snapshot.created_by, snapshot.automatic) == ("Q3 review", USER, False)
    assert "Saved the snapshot Q3 review." in texts(at.toast)
    [listing, *_] = tab(at, VERSIONS).dataframe
    rows = listing.value.to_dict("records")
    assert [(r["version"], r["saved by"], r["kind"], r["notes"]) for r in rows] == [
        ("Q3 review", USER, "named", len(live_notes(store, journey.id)))
    ]
    # The map is measured on its dataset: the snapshot keeps each bound stage's numbers.
    bound = {b.target_id for b in store.list_bindings(journey.id)}
    metrics = snapshot.content["metrics"]
    assert set(metrics) and set(metrics) <= bound
    assert all(m["people"] > 0 for m in metrics.values())
    # Nothing changed since: the diff with "Now" shows no note change, the numbers equal.
    assert diff_counts(at) == "🟢 0 added · 🔴 0 removed · 🟡 0 changed · 🔵 0 moved"
    assert diff_texts(at) == []


def test_a_changed_note_shows_as_changed_with_its_old_text(sample, store):
    journey = sample.maps[CMS]
    at = open_page(sample)
    save_snapshot(at, journey, "Before the edit")
    note = note_in(store, journey, "Awareness", "Customer actions")
    store.update_note(note.id, note.version, text="Sees the ad on TikTok instead", by="Bo")

    run(at)
    assert at.selectbox(key=f"review:{journey.id}:b").value == "now"
    assert diff_counts(at) == "🟢 0 added · 🔴 0 removed · 🟡 1 changed · 🔵 0 moved"
    assert diff_texts(at) == [f"🟡 changed: Sees the ad on TikTok instead (was: {note.text})"]
    assert "**Awareness** · Customer actions" in texts(tab(at, VERSIONS).markdown)


def test_a_moved_note_and_a_renamed_stage_show_in_the_diff(sample, store):
    journey = sample.maps[CMS]
    at = open_page(sample)
    save_snapshot(at, journey, "Before the workshop")
    board = store.load_map(journey.id)
    note = note_in(store, journey, "Awareness", "Pain points")
    store.move_note(
        note.id,
        note.version,
        stage_id=stage_id(board, "Consideration"),
        lane_id=lane_id(board, "Pain points"),
        by="Bo",
    )
    [advocacy] = [s for s in board.stages if s.name == "Advocacy"]
    store.update_stage(advocacy.id, advocacy.version, name="Word of mouth", by="Bo")

    run(at)
    assert diff_counts(at) == "🟢 0 added · 🔴 0 removed · 🟡 0 changed · 🔵 1 moved"
    lines = diff_texts(at)
    assert "Renamed the stage \u201cAdvocacy\u201d to \u201cWord of mouth\u201d." in lines
    assert f"🔵 moved: {note.text} (from Awareness / Pain points)" in lines
    assert len(lines) == 2, lines
    assert "**Consideration** · Pain points" in texts(tab(at, VERSIONS).markdown)


def test_restoring_a_version_brings_the_old_text_back_after_an_automatic_snapshot(sample, store):
    journey = sample.maps[CMS]
    at = open_page(sample)
    save_snapshot(at, journey, "Q3 review")
    note = note_in(store, journey, "Purchase", "Customer actions")
    store.update_note(note.id, note.version, text="Edited after the review", by="Bo")
    added = store.add_note(
        journey.id, stage_id=note.stage_id, lane_id=note.lane_id, text="A new idea", author="Bo"
    )
    count_after_edits = len(live_notes(store, journey.id))

    run(at)
    [q3] = store.list_snapshots(journey.id)
    assert at.selectbox(key=f"review:{journey.id}:open").value == q3.id
    click(at, f"review:{journey.id}:restore")

    restored = {n.id: n for n in live_notes(store, journey.id)}
    assert restored[note.id].text == note.text
    assert added.id not in restored
    assert len(restored) == count_after_edits - 1
    snapshots = store.list_snapshots(journey.id)
    [automatic] = [s for s in snapshots if s.automatic]
    assert automatic.name == "Before restoring Q3 review"
    assert automatic.created_by == USER
    kept = {n["id"]: n["text"] for n in automatic.content["notes"] if not n.get("deleted_at")}
    assert kept[note.id] == "Edited after the review"
    assert kept[added.id] == "A new idea"
    assert (
        "Restored Q3 review; the map as it was is kept as \u201cBefore restoring Q3 review\u201d."
        in texts(at.toast)
    )
    # The page lists both; comparing Q3 with now shows no note change any more.
    listing = tab(at, VERSIONS).dataframe[0].value
    assert sorted(listing["version"]) == ["Before restoring Q3 review", "Q3 review"]
    at.selectbox(key=f"review:{journey.id}:a").set_value(q3.id)
    run(at)
    assert diff_counts(at) == "🟢 0 added · 🔴 0 removed · 🟡 0 changed · 🔵 0 moved"


def test_the_snapshots_numbers_are_compared_stage_by_stage(sample, store):
    journey = sample.maps[CMS]
    at = open_page(sample)
    save_snapshot(at, journey, "With numbers")
    [saved] = store.list_snapshots(journey.id)
    metrics = saved.content["metrics"]
    # An older version whose numbers were 10 people lower at every stage.
    fewer = {sid: {**m, "people": m["people"] - 10} for sid, m in metrics.items()}
    older = store.save_snapshot(journey.id, "Last quarter", by="Bo", metrics=fewer)

    run(at)
    at.selectbox(key=f"review:{journey.id}:a").set_value(older.id)
    at.selectbox(key=f"review:{journey.id}:b").set_value("now")
    run(at)
    assert "**Stage numbers**" in texts(tab(at, VERSIONS).markdown)
    table = tab(at, VERSIONS).dataframe[1].value
    names = {s.id: s.name for s in store.load_map(journey.id).stages}
    expected = [names[s.id] for s in store.load_map(journey.id).stages if s.id in metrics]
    assert expected and list(table["stage"]) == expected
    by_stage = table.set_index("stage")
    for sid, m in metrics.items():
        row = by_stage.loc[names[sid]]
        assert (row["people then"], row["people now"], row["change"]) == (
            m["people"] - 10,
            m["people"],
            10,
        )
    # Between the two snapshots the same delta shows.
    at.selectbox(key=f"review:{journey.id}:b").set_value(saved.id)
    run(at)
    assert set(tab(at, VERSIONS).dataframe[1].value["change"]) == {10}


def test_a_map_without_data_keeps_no_numbers_and_shows_no_stage_table(sample, store):
    journey = store.update_map(sample.maps[LOOP].id, sample.maps[LOOP].version, dataset_id=None)
    at = open_page(sample, LOOP)
    save_snapshot(at, journey, "Unmeasured")
    [snapshot] = store.list_snapshots(journey.id)
    assert "metrics" not in snapshot.content
    assert "**Stage numbers**" not in texts(tab(at, VERSIONS).markdown)
    assert texts(tab(at, VERSIONS).caption)[-1] == "No difference."


# -- Current and future --------------------------------------------------------------------


def side_by_side(at) -> dict[str, tuple[list[str], list[str]]]:
    """Per stage name in the future tab: the texts of its left and right column."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    stage = None
    for child in tab(at, FUTURE).children.values():
        kind = type(child).__name__
        if kind == "Markdown":
            stage = child.value.strip("*")
        elif kind == "Block" and stage is not None:
            left, right = child.children.values()
            out[stage] = (texts(left.text), texts(right.text))
    return out


def test_a_future_state_is_created_selected_and_shown_beside_the_current_one(sample, store):
    current = sample.maps[CMS]
    at = open_page(sample)
    click(at, f"review:{current.id}:future")

    maps = {m.id: m for m in store.list_maps(sample.workspace.id)}
    [future] = [m for m in maps.values() if m.future_of == current.id]
    assert future.title == f"{CMS} (future state)"
    assert at.session_state["jm:map"] == future.id
    assert texts(at.subheader) == [future.title]
    assert "Created the future-state map; this page now shows it." in texts(at.toast)
    assert len(live_notes(store, future.id)) == len(live_notes(store, current.id))
    assert not any(b.key == f"review:{future.id}:future" for b in at.button)

    # A note only the future has, in Purchase.
    board = store.load_map(future.id)
    store.add_note(
        future.id,
        stage_id=stage_id(board, "Purchase"),
        lane_id=lane_id(board, "Opportunities"),
        text="One-click checkout for studios",
        author="Fay",
    )
    run(at)
    assert f"Current state: {CMS} · Future state: {future.title}" in texts(tab(at, FUTURE).caption)
    columns = side_by_side(at)
    assert list(columns) == [s.name for s in store.load_map(current.id).stages]
    lanes = {x.id: x.name for x in store.load_map(current.id).lanes}
    purchase = stage_id(store.load_map(current.id), "Purchase")
    then = [
        f"{lanes[n.lane_id]}: {n.text}"
        for n in live_notes(store, current.id)
        if n.stage_id == purchase
    ]
    assert then, "the sample has notes in Purchase"
    left, right = columns["Purchase"]
    assert left == then  # the current map on the left
    assert sorted(right) == sorted([*then, "Opportunities: One-click checkout for studios"])
    assert "Opportunities: One-click checkout for studios" not in left

    # From the current map, the same view (its future is found by the link).
    at = open_page(sample, CMS)
    assert side_by_side(at)["Purchase"] == (left, right)


# -- Export and import ---------------------------------------------------------------------


def test_prepare_the_excel_file_offers_the_maps_workbook(sample, store, downloads):
    journey = sample.maps[CMS]
    at = open_page(sample)
    assert not any(b.key == "exchange:xlsx_get" for b in at.get("download_button"))
    click(at, "exchange:xlsx")

    button = download(at, "exchange:xlsx_get")
    assert button.label == "Download the Excel file"
    name, data = downloaded(at, "exchange:xlsx_get", downloads)
    assert name == "Choosing_a_CMS_for_the_studio.xlsx"
    board = store.load_map(journey.id)
    for book in (
        openpyxl.load_workbook(io.BytesIO(data)),
        # export_workbook called directly, as the page calls it (this map only).
        openpyxl.load_workbook(
            io.BytesIO(export_workbook(store, sample.workspace.id, [journey.id]))
        ),
    ):
        sheet = book["Journey map"]
        assert sheet["A1"].value == CMS
        assert [sheet.cell(4, 2 + i).value for i in range(len(board.stages))] == [
            s.name for s in board.stages
        ]
        assert [sheet.cell(5 + i, 1).value for i in range(len(board.lanes))] == [
            x.name for x in board.lanes
        ]
        labels = [row[0] for row in sheet.iter_rows(min_col=1, max_col=1, values_only=True)]
        assert "Users" in labels  # the map's numbers are in the sheet
        notes = book["Notes"]
        assert notes.max_row - 1 == len(board.notes)
        assert "About" in book.sheetnames

    # Choosing the whole workspace asks for a new file (the old one is for the map only).
    at.radio(key="exchange:what").set_value("workspace")
    run(at)
    assert not any(b.key == "exchange:xlsx_get" for b in at.get("download_button"))
    click(at, "exchange:xlsx")
    name, data = downloaded(at, "exchange:xlsx_get", downloads)
    assert name == "Sample_workshop_Canvas_CMS__Loop_Store.xlsx"  # ":" and "&" left out
    book = openpyxl.load_workbook(io.BytesIO(data))
    # A sheet per map, named after it (Excel keeps 31 characters of a sheet name).
    assert {CMS, LOOP[:31]} <= set(book.sheetnames)
    assert {book[CMS]["A1"].value, book[LOOP[:31]]["A1"].value} == {CMS, LOOP}


def test_uploading_the_apps_own_export_imports_it_as_a_new_workspace(sample, store):
    journey = sample.maps[CMS]
    data = export_workbook(store, sample.workspace.id, [journey.id])
    at = open_page(sample)
    upload(at, "cms.xlsx", data)
    assert texts(tab(at, EXCHANGE).info) == [
        "This is a workbook exported by this app: it is recreated as a new workspace."
    ]
    click(at, "exchange:own")

    workspaces = store.list_workspaces()
    [new] = [w for w in workspaces if w.id != sample.workspace.id]
    [copy] = store.list_maps(new.id)
    assert copy.title == CMS
    assert sorted(n.text for n in live_notes(store, copy.id)) == sorted(
        n.text for n in live_notes(store, journey.id)
    )
    assert [s.name for s in store.load_map(copy.id).stages] == [
        s.name for s in store.load_map(journey.id).stages
    ]
    assert at.session_state["jm:workspace"] == new.id
    assert at.session_state["jm:map"] == copy.id
    assert texts(at.subheader) == [CMS]
    assert any(t.startswith("Imported 1 map(s) into a new workspace.") for t in texts(at.toast))
    assert len(store.list_maps(sample.workspace.id)) == 2  # the original is untouched


GRID_STAGES = ["Discover", "Try", "Buy"]
GRID_LANES = {
    "Customer actions": ["Reads a review\nAsks a friend", "Starts a trial", "Pays by card"],
    "Pain points": ["", "Trial needs a card", ""],
}
GRID_NOTES = 5


def test_a_hand_made_grid_is_previewed_and_imported_as_a_new_map(sample, store):
    at = open_page(sample)
    upload(at, "workshop.xlsx", grid_bytes(GRID_STAGES, GRID_LANES, title="Trial journey"))
    exchange = tab(at, EXCHANGE)
    assert f"A grid of **3** stages and **2** lanes with **{GRID_NOTES}** notes." in texts(
        exchange.markdown
    )
    preview = exchange.dataframe[0].value
    assert list(preview.columns) == ["kind", *GRID_STAGES]
    assert list(preview["kind"]) == ["action", "pain"]
    assert at.radio(key="exchange:mode").value == "new"
    click(at, "exchange:grid")

    maps = store.list_maps(sample.workspace.id)
    [made] = [m for m in maps if m.title == "Trial journey"]
    board = store.load_map(made.id)
    assert [s.name for s in board.stages] == GRID_STAGES
    assert [x.name for x in board.lanes] == list(GRID_LANES)
    cells = {
        (stage_id(board, s), lane_id(board, x)): (s, x) for s in GRID_STAGES for x in GRID_LANES
    }
    assert sorted((*cells[n.stage_id, n.lane_id], n.text) for n in board.notes) == sorted(
        [
            ("Discover", "Customer actions", "Reads a review"),
            ("Discover", "Customer actions", "Asks a friend"),
            ("Try", "Customer actions", "Starts a trial"),
            ("Buy", "Customer actions", "Pays by card"),
            ("Try", "Pain points", "Trial needs a card"),
        ]
    )
    assert at.session_state["jm:workspace"] == sample.workspace.id
    assert at.session_state["jm:map"] == made.id
    assert texts(at.subheader) == ["Trial journey"]
    assert any(t.startswith(f"Imported {GRID_NOTES} notes.") for t in texts(at.toast))


def test_a_grid_merged_into_the_current_map_adds_its_notes_after_a_snapshot(sample, store):
    journey = sample.maps[CMS]
    before = len(live_notes(store, journey.id))
    grid = grid_bytes(["Awareness", "Purchase"], {"Pain points": ["Ad is vague", "Card refused"]})
    at = open_page(sample)
    upload(at, "more.xlsx", grid)
    at.radio(key="exchange:mode").set_value("merge")
    run(at)
    click(at, "exchange:grid")

    board = store.load_map(journey.id)
    assert len(board.notes) == before + 2
    pains = lane_id(board, "Pain points")
    added = {n.text: n.stage_id for n in board.notes if n.text in ("Ad is vague", "Card refused")}
    assert added == {
        "Ad is vague": stage_id(board, "Awareness"),
        "Card refused": stage_id(board, "Purchase"),
    }
    assert all(n.lane_id == pains for n in board.notes if n.text in added)
    [snapshot] = store.list_snapshots(journey.id)
    assert (snapshot.name, snapshot.automatic) == ("Before the Excel import", True)
    assert len(store.list_maps(sample.workspace.id)) == 2  # no new map


def test_a_json_backup_is_restored_as_a_new_workspace(sample, store):
    data = export_json(store, sample.workspace.id).encode("utf-8")
    at = open_page(sample)
    upload(at, "backup.json", data, "application/json")
    click(at, "exchange:restore")

    [new] = [w for w in store.list_workspaces() if w.id != sample.workspace.id]
    assert new.name == sample.workspace.name
    copies = {m.title: m for m in store.list_maps(new.id)}
    assert set(copies) == {CMS, LOOP}
    for title, journey in sample.maps.items():
        assert len(live_notes(store, copies[title].id)) == len(live_notes(store, journey.id))
    assert at.session_state["jm:workspace"] == new.id
    assert "Restored the backup as a new workspace; you are in it now." in texts(at.toast)


@pytest.mark.parametrize(
    ("name", "data", "sentence"),
    [
        (
            "random.xlsx",
            bytes(range(256)) * 8,
            "This file is not an Excel workbook (.xlsx); save the journey map as .xlsx in "
            "Excel or LibreOffice and upload that.",
        ),
        (
            "broken.xlsx",
            b"PK\x03\x04" + bytes(range(200)),
            "The workbook is damaged",
        ),
    ],
)
def test_a_bad_upload_shows_one_sentence_and_changes_nothing(name, data, sentence, sample, store):
    before = everything(store)
    at = open_page(sample)
    upload(at, name, data)

    [error] = texts(at.error)  # one sentence, no traceback
    assert error.startswith(sentence), error
    assert error.endswith(".") and "\n" not in error and "Traceback" not in error
    assert not any(
        b.key in ("exchange:own", "exchange:grid", "exchange:restore") for b in at.button
    )
    assert everything(store) == before
    assert at.session_state["jm:workspace"] == sample.workspace.id
