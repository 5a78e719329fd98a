"""Two participants on one map: one sees the other's note after a reload, and a conflicting
edit is caught in the dialog, where "Keep mine" saves the second writer's text."""

from __future__ import annotations

from playwright.sync_api import Page, expect

ADDED_BY_A = "Ana adds: asks a friend which CMS they use"
CONTESTED = "Logs in weekly to add new work to client portfolios"
A_TEXT = "Ana's version: logs in every Monday"
B_TEXT = "Ben's version: logs in after every client shoot"


def test_two_sessions_share_notes_and_resolve_a_conflict(app_server, new_context, ui) -> None:
    a: Page = new_context().new_page()
    b: Page = new_context().new_page()
    ui.open_map(a, app_server, ui.SAMPLE_CMS_MAP, "Ana")
    map_url = a.url
    ui.open(b, map_url, "Ben")
    expect(b.get_by_role("heading", name=ui.SAMPLE_CMS_MAP, level=1)).to_be_visible()
    expect(ui.note(b, CONTESTED)).to_be_visible(timeout=30_000)

    # A adds a note; B sees it after a reload.
    ui.add_note(a, "Consideration", "Customer actions", ADDED_BY_A)
    b.reload()
    ui.sign_in(b, "Ben")
    added = ui.note(ui.cell(b, "Consideration", "Customer actions"), ADDED_BY_A)
    expect(added).to_be_visible(timeout=30_000)
    expect(added.locator(".jm-author")).to_have_text("Ana")

    # B opens the note; meanwhile A edits and saves the same note.
    b_dialog = ui.open_note(b, CONTESTED)
    a_dialog = ui.open_note(a, CONTESTED)
    a_dialog.get_by_label("Text", exact=True).fill(A_TEXT)
    a_dialog.get_by_role("button", name="Save").click()
    expect(a_dialog).to_be_hidden()
    expect(ui.note(a, A_TEXT)).to_be_visible()

    # B saves on top of the old version: the dialog shows the conflict with both texts.
    b_dialog.get_by_label("Text", exact=True).fill(B_TEXT)
    b_dialog.get_by_role("button", name="Save").click()
    expect(b_dialog).to_contain_text("Someone else changed this note")
    expect(b_dialog).to_contain_text("Your version")
    expect(b_dialog).to_contain_text("Their version")
    # Side by side as plain text: mine (B's draft), then theirs (A's saved text).
    expect(b_dialog.get_by_test_id("stText")).to_have_text([B_TEXT, A_TEXT])

    b_dialog.get_by_role("button", name="Keep mine").click()
    expect(b_dialog).to_be_hidden()
    expect(ui.note(b, B_TEXT)).to_be_visible()
    expect(ui.note(b, A_TEXT)).to_have_count(0)

    a.reload()
    ui.sign_in(a, "Ana")
    expect(ui.note(ui.cell(a, "Retention", "Customer actions"), B_TEXT)).to_be_visible(
        timeout=30_000
    )
    expect(ui.note(a, A_TEXT)).to_have_count(0)
    expect(ui.note(a, CONTESTED)).to_have_count(0)
