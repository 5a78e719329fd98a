"""Uploading an analytics export: recognise, correct a mapping, save, find it after a reload."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

EVENTS = """customer,action,happened,utm_source,utm_medium,device,amount
c1,page_view,2026-09-01 10:00:00,google,cpc,iPhone,
c1,sign_up,2026-09-01 10:05:00,google,cpc,iPhone,
c1,purchase,2026-09-02 09:00:00,(direct),(none),Desktop,49.5
c2,page_view,2026-09-01 11:00:00,facebook,paid_social,mobile,
"""


def test_upload_correct_a_mapping_save_and_find_it_after_a_reload(
    app_server, page: Page, ui, tmp_path: Path
) -> None:
    path = tmp_path / "shop events.csv"
    path.write_text(EVENTS, encoding="utf-8")
    ui.open(page, app_server.url("/analytics"), "Uma")
    expect(page.get_by_text("Up to 500 MB")).to_be_visible()
    page.locator("input[type=file]").set_input_files(str(path))

    # "happened" is no time column anyone would guess: the page asks instead of guessing.
    expect(page.get_by_text("Not sure what this file is (4 rows")).to_be_visible()
    expect(page.get_by_text("No column is mapped as Time")).to_be_visible()
    ui.choose(page, page.get_by_label("Time", exact=True), "happened")

    expect(page.get_by_text("Preview (4 rows, 2 people")).to_be_visible()
    page.get_by_label("Dataset name").fill("Shop events, September")
    page.get_by_role("button", name="Save dataset").click()
    expect(page.get_by_text("Saved the dataset Shop events, September (4 rows).")).to_be_visible()

    page.reload()
    ui.sign_in(page, "Uma")
    expect(page.get_by_role("combobox", name="Dataset", exact=True)).to_have_value(
        "Shop events, September"
    )


def test_an_image_renamed_csv_gets_one_sentence(app_server, page: Page, ui, tmp_path) -> None:
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    ui.open(page, app_server.url("/analytics"), "Uma")
    page.locator("input[type=file]").set_input_files(str(path))
    expect(page.get_by_text("This file is a PNG image, not a table of events")).to_be_visible()
    expect(page.get_by_role("button", name="Save dataset")).to_have_count(0)
