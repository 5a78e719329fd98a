"""User text is shown as text: markup in a note or a persona name never runs or renders."""

from __future__ import annotations

from playwright.sync_api import Page, expect

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>window.__pwned=1</script>"


def watch_dialogs(page: Page) -> list[str]:
    """Record (and dismiss) every alert/confirm/prompt the page opens."""
    fired: list[str] = []

    def record(dialog) -> None:
        fired.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return fired


def expect_nothing_ran(page: Page, fired: list[str]) -> None:
    expect(page.locator('img[src="x"]')).to_have_count(0)
    expect(page.locator("script", has_text="__pwned")).to_have_count(0)
    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    assert fired == []


def test_markup_in_notes_is_plain_text(app_server, page: Page, ui) -> None:
    fired = watch_dialogs(page)
    ui.open_map(page, app_server, ui.SAMPLE_CMS_MAP, "Mallory")

    for text, (stage, lane) in {
        IMG: ("Expansion", "Pain points"),
        SCRIPT: ("Expansion", "Opportunities"),
    }.items():
        note = ui.add_note(page, stage, lane, text)
        assert note.locator(".jm-text").evaluate("el => el.textContent") == text
        expect(note.locator(".jm-text *")).to_have_count(0)  # no element was parsed from it

    expect(ui.wall(page).locator("img")).to_have_count(0)
    expect_nothing_ran(page, fired)

    # Reloading draws the wall from the database: still text.
    page.reload()
    ui.sign_in(page, "Mallory")
    for text in (IMG, SCRIPT):
        note = ui.note(page, text)
        expect(note).to_be_visible(timeout=30_000)
        assert note.locator(".jm-text").evaluate("el => el.textContent") == text
    expect(ui.wall(page).locator("img")).to_have_count(0)
    expect_nothing_ran(page, fired)


def test_markup_in_a_persona_name_is_plain_text(app_server, page: Page, ui) -> None:
    fired = watch_dialogs(page)
    ui.open(page, app_server.url("/personas"), "Mallory")

    page.get_by_role("tab", name="New persona").click()
    page.get_by_label("Name", exact=True).fill(IMG)
    page.get_by_label("Quote").fill(SCRIPT)
    page.get_by_role("button", name="Create persona").click()

    page.get_by_role("tab", name="Library").click()
    name = page.get_by_text(IMG, exact=True).filter(visible=True)
    expect(name).to_be_visible()
    assert name.evaluate("el => el.textContent") == IMG
    expect(page.get_by_text(SCRIPT).filter(visible=True)).to_be_visible()
    expect_nothing_ran(page, fired)
