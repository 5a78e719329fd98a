"""A shared link straight to the Journey map page works on a freshly started server."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def test_deep_link_after_server_start_has_menu_and_wall(app_server, page: Page, ui) -> None:
    # Nothing has visited this server yet: the first request is the deep link itself.
    ui.open(page, app_server.url("/journey_map"), "Dee Link")

    menu = ui.sidebar(page)
    for label in ("Home", "Personas", "Journey map"):
        expect(menu.get_by_role("link", name=label, exact=True)).to_be_visible()

    sample_titles = re.compile(
        "^(" + re.escape(ui.SAMPLE_CMS_MAP) + "|" + re.escape(ui.SAMPLE_SHOES_MAP) + ")$"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(sample_titles)
    expect(ui.wall(page)).to_be_visible()
    expect(page.locator(".jm-cell").first).to_be_visible()
    expect(page.locator(".jm-note").first).to_be_visible()
    # The place is now in the URL, so the link can be shared and reloaded.
    expect(page).to_have_url(re.compile(r"/journey_map\?ws=\w+&map=\w+"))

    # The menu links work from the deep-linked page.
    ui.go(page, "Personas")
    expect(page.get_by_role("heading", name="Personas", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/personas\?ws=\w+"))
