"""The wall works from the keyboard: Alt+arrow moves a focused note, Enter opens it."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_alt_arrow_moves_a_note_and_enter_opens_it(app_server, page: Page, ui) -> None:
    ui.open_map(page, app_server, ui.SAMPLE_CMS_MAP, "Kim")
    ui.add_note(page, "Adoption", "Opportunities", "Moved by keyboard")
    note = ui.note(page, "Moved by keyboard")

    note.focus()
    note.press("Alt+ArrowRight")
    expect(
        ui.note(ui.cell(page, "Retention", "Opportunities"), "Moved by keyboard")
    ).to_be_visible()
    expect(ui.note(ui.cell(page, "Adoption", "Opportunities"), "Moved by keyboard")).to_have_count(
        0
    )

    moved = ui.note(page, "Moved by keyboard")
    expect(moved).to_be_focused()  # the keyboard stays on the note after the move
    moved.press("Alt+ArrowDown")
    expect(ui.note(ui.cell(page, "Retention", "Resources"), "Moved by keyboard")).to_be_visible()

    ui.note(page, "Moved by keyboard").press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Text", exact=True)).to_have_value("Moved by keyboard")
