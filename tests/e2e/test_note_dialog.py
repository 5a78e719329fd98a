"""Clicking a note opens its dialog: Save changes the text on the wall, Delete removes it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

EDITED = "Taps an Instagram ad at 11 pm (edited in the dialog)"
ORIGINAL = "Taps an Instagram ad while scrolling in the evening"
TO_DELETE = "Instagram ad showing a photography portfolio template"


def test_edit_then_delete_a_sample_note(app_server, page: Page, ui) -> None:
    ui.open_map(page, app_server, ui.SAMPLE_CMS_MAP, "Edda")
    cell = ui.cell(page, "Awareness", "Customer actions")
    expect(ui.note(cell, ORIGINAL)).to_be_visible()
    notes_before = page.locator(".jm-note").count()

    dialog = ui.open_note(page, ORIGINAL)
    expect(dialog.get_by_label("Stage")).to_be_visible()
    expect(dialog.get_by_label("Lane")).to_be_visible()
    dialog.get_by_label("Text", exact=True).fill(EDITED)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(ui.note(cell, EDITED)).to_be_visible()
    expect(ui.note(page, ORIGINAL)).to_have_count(0)
    expect(page.locator(".jm-note")).to_have_count(notes_before)

    dialog = ui.open_note(page, TO_DELETE)
    dialog.get_by_role("button", name="Delete").click()
    expect(dialog).to_be_hidden()
    expect(ui.note(page, TO_DELETE)).to_have_count(0)
    expect(page.locator(".jm-note")).to_have_count(notes_before - 1)
    expect(ui.note(cell, EDITED)).to_be_visible()

    # Both changes were written: a fresh page load shows the same wall.
    page.reload()
    ui.sign_in(page, "Edda")
    expect(ui.note(cell, EDITED)).to_be_visible(timeout=30_000)
    expect(ui.note(page, TO_DELETE)).to_have_count(0)
    expect(page.locator(".jm-note")).to_have_count(notes_before - 1)
