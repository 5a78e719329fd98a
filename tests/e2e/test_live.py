"""The live wall: what one participant does appears on another's screen within 3 seconds,
with no click or reload, and a half-typed note survives those refreshes."""

from __future__ import annotations

from playwright.sync_api import Page, expect

WITHIN = 3_000  # ms, from the change being saved on A's screen to it showing on B's

TEXT = "Live: compares plans on a phone"
EDITED = "Live: compares plans on a laptop"


def test_changes_reach_the_other_screen_without_a_click(app_server, new_context, ui) -> None:
    a: Page = new_context().new_page()
    b: Page = new_context().new_page()
    ui.open_map(a, app_server, ui.SAMPLE_CMS_MAP, "Ana")
    ui.open(b, a.url, "Ben")
    expect(ui.cell(b, "Awareness", "Customer actions")).to_be_visible(timeout=30_000)

    # B starts typing a note and leaves it half-done while A works.
    draft_cell = ui.cell(b, "Advocacy", "Opportunities")
    draft_cell.locator(".jm-add").click()
    draft_cell.locator("textarea").fill("Half-typed by Ben")

    ui.add_note(a, "Consideration", "Touchpoints", TEXT)
    expect(ui.note(ui.cell(b, "Consideration", "Touchpoints"), TEXT)).to_be_visible(timeout=WITHIN)

    dialog = ui.open_note(a, TEXT)
    dialog.get_by_label("Text", exact=True).fill(EDITED)
    dialog.get_by_role("button", name="Save").click()
    expect(ui.note(a, EDITED)).to_be_visible()
    expect(ui.note(b, EDITED)).to_be_visible(timeout=WITHIN)
    expect(ui.note(b, TEXT)).to_have_count(0)

    ui.note(a, EDITED).drag_to(ui.cell(a, "Purchase", "Touchpoints"))
    expect(ui.note(ui.cell(a, "Purchase", "Touchpoints"), EDITED)).to_be_visible()
    expect(ui.note(ui.cell(b, "Purchase", "Touchpoints"), EDITED)).to_be_visible(timeout=WITHIN)

    dialog = ui.open_note(a, EDITED)
    dialog.get_by_role("button", name="Delete").click()
    expect(ui.note(a, EDITED)).to_have_count(0)
    expect(ui.note(b, EDITED)).to_have_count(0, timeout=WITHIN)

    # Four refreshes later, B's draft is still in its form.
    expect(draft_cell.locator("textarea")).to_have_value("Half-typed by Ben")
