"""A facilitated workshop in two browsers: the facilitator's timer, private brainstorm,
dot vote and lock reach the participant's screen without a reload."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

LIVE = 3_000  # ms: what the facilitator does shows on the participant's screen within this


def become_facilitator(page: Page, app_server, ui, name: str) -> None:
    ui.open(page, app_server.url("/"), name)
    ui.expander(page, "Workspace settings").locator("summary").click()
    page.get_by_role("textbox", name="Facilitators (one name per line)").fill(name)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Workspace saved.")).to_be_visible()


def test_a_facilitated_round(app_server, new_context, ui) -> None:
    fay: Page = new_context().new_page()
    pat: Page = new_context().new_page()
    become_facilitator(fay, app_server, ui, "Fay")
    ui.open_map(fay, app_server, ui.SAMPLE_CMS_MAP, "Fay")
    ui.open(pat, fay.url, "Pat")
    expect(pat.locator(".jm-note").first).to_be_visible(timeout=30_000)
    panel = ui.sidebar(fay)
    expect(ui.sidebar(pat).get_by_role("button", name="Lock for review")).to_have_count(0)

    # A five-minute timer: both screens count down.
    panel.get_by_role("button", name="Start the timer").click()
    for page in (fay, pat):
        expect(page.get_by_role("timer")).to_have_text(re.compile(r"[45]:\d\d"), timeout=LIVE)

    # Private brainstorm: Pat's new note stays Pat's until the reveal.
    panel.get_by_role("button", name="Start a private brainstorm").click()
    expect(pat.get_by_text("Private brainstorm")).to_be_visible(timeout=LIVE)
    ui.add_note(pat, "Retention", "Pain points", "Pat's private worry")
    expect(ui.note(fay, "Pat's private worry")).to_have_count(0)
    panel.get_by_role("button", name="Reveal all notes").click()
    expect(ui.note(fay, "Pat's private worry")).to_be_visible()
    expect(pat.get_by_text("Private brainstorm")).to_have_count(0, timeout=LIVE)

    # Dot voting: Pat's clicks put dots on notes; the results are counts, never names.
    panel.get_by_role("button", name="Start a dot vote").click()
    expect(pat.get_by_text("You have 3 of 3 votes left")).to_be_visible(timeout=LIVE)
    ui.note(pat, "Pat's private worry").click()
    expect(pat.get_by_text("You have 2 of 3 votes left")).to_be_visible()
    expect(ui.note(pat, "Pat's private worry").locator(".jm-dot")).to_be_visible()
    panel.get_by_role("button", name="Close the vote").click()
    results = fay.get_by_test_id("stExpander").filter(has_text="Vote results")
    results.locator("summary").click()
    expect(results.get_by_test_id("stDataFrame")).to_be_visible()

    # Lock for review: Pat's wall turns read-only; the facilitator still edits.
    panel.get_by_role("button", name="Lock for review").click()
    expect(pat.get_by_text("Locked for review")).to_be_visible(timeout=LIVE)
    expect(pat.locator(".jm-add")).to_have_count(0)
    expect(pat.locator(".jm-note").first).to_have_attribute("draggable", "false")
    ui.add_note(fay, "Advocacy", "Opportunities", "Facilitator's note during review")
    expect(ui.note(pat, "Facilitator's note during review")).to_be_visible(timeout=LIVE)
