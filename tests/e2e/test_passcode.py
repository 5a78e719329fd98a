"""A workspace passcode in a real browser: no data before it, and writes checked server-side."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from journeymap import open_store
from journeymap.sample import ensure_sample

CODE = "orange-kite-42"


@pytest.fixture(scope="module")
def protected(app_server):
    """The sample workspace behind a passcode; yields (store on the server's file, map)."""
    store = open_store(app_server.db_path)
    ensure_sample(store)  # the server loads it on its first visit; this test comes first
    [workspace] = store.list_workspaces()
    journey = next(m for m in store.list_maps(workspace.id) if m.title.startswith("Choosing"))
    store.set_passcode(workspace.id, CODE)
    yield store, journey
    store.close()


def unlock(page: Page, code: str) -> None:
    page.get_by_label("Passcode").fill(code)
    page.get_by_role("button", name="Unlock").click()


def test_a_deep_link_shows_no_map_data_until_the_right_passcode(
    app_server, protected, page: Page, ui
) -> None:
    _, journey = protected
    ui.open(page, app_server.url(f"/journey_map?map={journey.id}"), "Gina")
    expect(page.get_by_role("button", name="Unlock")).to_be_visible()
    expect(ui.wall(page)).to_have_count(0)
    expect(page.get_by_text(journey.title)).to_have_count(0)
    expect(page.get_by_text("Taps an Instagram ad while scrolling in the evening")).to_have_count(
        0
    )  # a sample note

    unlock(page, "not-the-code")
    expect(page.get_by_text("That passcode is wrong; 4 more tries")).to_be_visible()
    expect(ui.wall(page)).to_have_count(0)

    unlock(page, CODE)
    expect(page.get_by_role("heading", name=journey.title, level=1)).to_be_visible()
    expect(page.locator(".jm-note").first).to_be_visible()
    expect(page).to_have_url(re.compile(rf"map={journey.id}"))

    # Other pages of the same workspace need no second entry in this session.
    ui.go(page, "Personas")
    expect(page.get_by_role("heading", name="Personas", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Unlock")).to_have_count(0)


def test_a_write_after_the_passcode_changed_is_refused_by_the_server(
    app_server, protected, page: Page, ui
) -> None:
    store, journey = protected
    ui.open(page, app_server.url(f"/journey_map?map={journey.id}"), "Hugo")
    unlock(page, CODE)
    cell = ui.cell(page, "Awareness", "Customer actions")
    expect(cell).to_be_visible()

    # The facilitator changes the passcode while Hugo's wall still shows its buttons.
    store.set_passcode(journey.workspace_id, "a-brand-new-code")
    try:
        cell.locator(".jm-add").click()
        cell.locator("textarea").fill("Written after the change")
        cell.locator("textarea").press("Enter")
        # The server refuses: the page stops at the passcode and shows no map.
        expect(page.get_by_text("passcode changed since you entered it")).to_be_visible()
        expect(ui.wall(page)).to_have_count(0)
        assert "Written after the change" not in [n.text for n in store.load_map(journey.id).notes]

        # With the new passcode the wall is back, and so is the unsaved text, with why.
        unlock(page, "a-brand-new-code")
        cell = ui.cell(page, "Awareness", "Customer actions")
        expect(cell.get_by_role("alert")).to_contain_text("passcode changed")
        expect(cell.locator("textarea")).to_have_value("Written after the change")
        cell.locator("textarea").press("Enter")
        expect(ui.note(cell, "Written after the change")).to_be_visible()
    finally:
        store.set_passcode(journey.workspace_id, CODE)
