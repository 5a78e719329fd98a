"""The whole first workshop on an empty database: workspace, persona, map, notes, a move,
then a reload and a server restart keep everything where it was put."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

WORKSPACE = "Flow workshop"
PERSONA = "Priya Flowtest"
MAP = "Renewing the flow subscription"
NOTES = {
    "flow: sees the renewal email": ("Awareness", "Customer actions"),
    "flow: the price went up again": ("Purchase", "Pain points"),
    "flow: offer a loyalty discount": ("Retention", "Opportunities"),
}
MOVED = "flow: sees the renewal email"
MOVED_TO = ("Consideration", "Touchpoints")


@pytest.fixture(scope="module")
def empty_server(start_server):
    """This module's own server: JOURNEYMAP_SAMPLE=off, so the database starts empty."""
    return start_server(sample=False, name="flow")


def expect_notes_in_place(page: Page, ui) -> None:
    where = {**NOTES, MOVED: MOVED_TO}
    for text, (stage, lane) in where.items():
        expect(ui.note(ui.cell(page, stage, lane), text)).to_be_visible(timeout=30_000)
        expect(ui.note(page, text)).to_have_count(1)
    old_stage, old_lane = NOTES[MOVED]
    expect(ui.note(ui.cell(page, old_stage, old_lane), MOVED)).to_have_count(0)


def test_first_workshop_survives_reload_and_restart(empty_server, page: Page, ui) -> None:
    # Home on an empty database: the "New workspace" form is open.
    ui.open(page, empty_server.url("/"), "Flo Tester")
    new_workspace = ui.expander(page, "New workspace")
    new_workspace.get_by_label("Name", exact=True).fill(WORKSPACE)
    new_workspace.get_by_role("button", name="Create workspace").click()
    expect(ui.sidebar(page).get_by_text(WORKSPACE, exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]ws=\w+"))

    # Personas: create one in the "New persona" tab; the library shows its card.
    ui.go(page, "Personas")
    page.get_by_role("tab", name="New persona").click()
    page.get_by_label("Name", exact=True).fill(PERSONA)
    page.get_by_label("Role or segment").fill("Office manager")
    page.get_by_role("button", name="Create persona").click()
    page.get_by_role("tab", name="Library").click()
    expect(page.get_by_text(PERSONA, exact=True).filter(visible=True)).to_be_visible()

    # Home: create a map for that persona with the default template; it opens the wall.
    ui.go(page, "Home")
    new_map = ui.expander(page, "New journey map")
    new_map.locator("summary").click()
    new_map.get_by_label("Title").fill(MAP)
    ui.choose(page, new_map.get_by_label("Persona"), PERSONA)
    expect(new_map.get_by_role("radio", name=re.compile("^Customer lifecycle"))).to_be_checked()
    new_map.get_by_role("button", name="Create map").click()

    expect(page).to_have_url(re.compile(r"/journey_map\?.*map=\w+"))
    expect(page.get_by_role("heading", name=MAP)).to_be_visible()
    expect(page.get_by_text(PERSONA, exact=True).filter(visible=True).first).to_be_visible()
    expect(page.locator(".jm-stage-name")).to_have_text(ui.STAGES)
    expect(page.locator(".jm-lane-name")).to_have_text(ui.LANES)
    expect(page.locator(".jm-cell")).to_have_count(len(ui.STAGES) * len(ui.LANES))
    expect(page.locator(".jm-note")).to_have_count(0)

    for text, (stage, lane) in NOTES.items():
        ui.add_note(page, stage, lane, text)
    expect(page.locator(".jm-note:not(.jm-pending)")).to_have_count(3)

    # Drag one note to another cell.
    ui.note(page, MOVED).drag_to(ui.cell(page, *MOVED_TO))
    expect(ui.note(ui.cell(page, *MOVED_TO), MOVED)).to_be_visible()
    expect(page.locator(".jm-pending")).to_have_count(0)
    expect_notes_in_place(page, ui)
    map_url = page.url

    # A reload asks the name again and lands on the same map, notes where they were.
    page.reload()
    ui.sign_in(page, "Flo Tester")
    expect(page.get_by_role("heading", name=MAP)).to_be_visible()
    expect_notes_in_place(page, ui)
    expect(page.locator(".jm-note")).to_have_count(3)

    # A server restart on the same database file: the same link shows the same wall.
    empty_server.restart()
    ui.open(page, map_url, "Flo Tester")
    expect(page.get_by_role("heading", name=MAP)).to_be_visible(timeout=30_000)
    expect_notes_in_place(page, ui)
    expect(page.locator(".jm-note")).to_have_count(3)
