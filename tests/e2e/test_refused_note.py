"""A note the server refuses on the wall is not lost: its text comes back with the reason."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_too_long_note_comes_back_into_the_form(app_server, page: Page, ui) -> None:
    ui.open_map(page, app_server, ui.SAMPLE_CMS_MAP, "Rita")
    cell = ui.cell(page, "Retention", "Opportunities")
    notes_before = cell.locator(".jm-note").count()
    long_text = "Too long for one sticky note. " * 100  # 2,999 once the end is trimmed

    cell.locator(".jm-add").click()
    cell.locator("textarea").fill(long_text)
    cell.locator("textarea").press("Enter")

    alert = cell.get_by_role("alert")
    expect(alert).to_contain_text("2,999 characters")
    expect(alert).to_contain_text("2,000")
    expect(cell.locator("textarea")).to_have_value(long_text.strip())
    expect(cell.locator(".jm-note")).to_have_count(notes_before)

    # Shortened, the same form adds it and the reason goes away.
    cell.locator("textarea").fill("Short enough now")
    cell.locator("textarea").press("Enter")
    expect(ui.note(cell, "Short enough now")).to_be_visible()
    expect(cell.get_by_role("alert")).to_have_count(0)
