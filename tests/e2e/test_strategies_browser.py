"""Strategies, in real Chromium on the sample workshop: an A/B experiment on the CMS map,
its result recorded as an opportunity note and seen on the wall, and the Attribution tab.

Named `*_browser`: the page tests have `tests/app/test_strategies.py`, and two test
modules with one basename in the non-package test folders stop pytest's collection."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from journeymap import BindingKind, open_store
from journeymap.analytics.attribution import LABELS, MODELS
from journeymap.analytics.experiments import experiment
from journeymap.analytics.segments import Match
from journeymap.sample import ensure_sample

FIRST_RENDER_MS = 30_000  # as in conftest.py: the first render runs 3-4 s of JavaScript
VARIANT = "event_params.experiment_variant"
RECORD_AT = "Purchase"  # not the stage the page proposes (the lowest p-value)


@pytest.fixture(scope="module")
def store(app_server) -> Iterator:
    """The server's own database, holding the sample (loaded here if no page asked yet)."""
    store = open_store(app_server.db_path)
    ensure_sample(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def cms_map(store, ui):
    [workspace] = store.list_workspaces()
    [journey] = [m for m in store.list_maps(workspace.id) if m.title == ui.SAMPLE_CMS_MAP]
    return journey


@pytest.fixture(scope="module")
def cms_experiment(store, cms_map):
    """A against B on the CMS map, by the core directly on the stored events."""
    journey = cms_map
    dataset = store.get_dataset(journey.dataset_id)
    rules = {
        b.target_id: b.rule for b in store.list_bindings(journey.id) if b.kind is BindingKind.STAGE
    }
    stages = [
        (s.id, s.name, Match.from_dict(rules[s.id]) if s.id in rules else None)
        for s in store.load_map(journey.id).stages
    ]
    return experiment(
        store.read_dataset(dataset),
        stages,
        column=VARIANT,
        window=timedelta(days=journey.window_days or 30),
        date_from=dataset.time_from.date(),
        date_to=dataset.time_to.date(),
    )


def open_strategies(page: Page, app_server, ui, title: str, name: str) -> None:
    ui.open(page, app_server.url("/strategies"), name)
    expect(page.get_by_role("heading", name="Test new strategies", level=1)).to_be_visible(
        timeout=FIRST_RENDER_MS
    )
    ui.choose(page, ui.sidebar(page).get_by_label("Map"), title)
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()


def select(scope: Locator, label: str) -> Locator:
    return scope.get_by_role("combobox", name=label, exact=True)


def tab(page: Page, name: str) -> Locator:
    """Select a tab; return its panel."""
    page.get_by_role("tab", name=name, exact=True).click()
    expect(page.get_by_role("tab", name=name, exact=True)).to_have_attribute(
        "aria-selected", "true"
    )
    panel = page.get_by_role("tabpanel").filter(visible=True)
    expect(panel).to_have_count(1)
    return panel


def test_an_experiment_is_recorded_on_the_map(
    app_server, store, cms_map, cms_experiment, page: Page, ui
) -> None:
    open_strategies(page, app_server, ui, ui.SAMPLE_CMS_MAP, "Dana")
    panel = tab(page, "Experiment")
    expect(panel.get_by_role("radio", name="A property (A/B test)")).to_be_checked()

    ui.choose(page, select(panel, "Property"), VARIANT)
    ui.choose(page, select(panel, "Group A (control)"), "A")
    ui.choose(page, select(panel, "Group B"), "B")

    a, b = cms_experiment.people
    expect(
        panel.get_by_test_id("stCaptionContainer").filter(has_text=" people · ")
    ).to_contain_text(f"A: {a:,} people · B: {b:,} people · Canvas: GA4 export")
    expect(panel.get_by_test_id("stVegaLiteChart")).to_be_visible()
    table = panel.get_by_test_id("stDataFrame")
    expect(table).to_be_visible()
    # The grid is a canvas; its accessible table (inside the canvas) has the headers.
    expect(table.locator('th[role="columnheader"]')).to_contain_text(
        ["stage", "A people", "A conversion", "B people", "B conversion", "p-value"]
    )
    expect(panel.get_by_text("Underpowered:")).to_be_visible()

    ui.choose(page, select(panel, "Record the result on the map, at"), RECORD_AT)
    [purchase] = [t for t in cms_experiment.stages if t.name == RECORD_AT]
    shown = panel.get_by_test_id("stText").filter(has_text=f"Experiment B vs A at {RECORD_AT}: ")
    expect(shown).to_contain_text(f"({100 * purchase.lift:+.1f} points")
    expect(shown).to_contain_text(f"p = {purchase.p_value:.3g}, ")
    text = shown.inner_text()
    panel.get_by_role("button", name="Add as an opportunity note").click()
    expect(page.get_by_test_id("stToast")).to_contain_text("Recorded the experiment on the map.")

    ui.go(page, "Journey map")
    expect(page.get_by_role("heading", name=ui.SAMPLE_CMS_MAP, level=1)).to_be_visible()
    note = ui.note(ui.cell(page, RECORD_AT, "Opportunities"), text)
    expect(note).to_be_visible(timeout=FIRST_RENDER_MS)
    expect(note).to_have_count(1)
    expect(note).to_contain_text("Dana")  # the author
    board = store.load_map(cms_map.id)  # and in the database, once
    [saved] = [n for n in board.notes if n.text == text]
    assert board.stage(saved.stage_id).name == RECORD_AT
    assert next(x for x in board.lanes if x.id == saved.lane_id).name == "Opportunities"


def test_attribution_shows_every_model_and_says_it_is_not_causal(
    app_server, page: Page, ui
) -> None:
    open_strategies(page, app_server, ui, ui.SAMPLE_CMS_MAP, "Dana")
    panel = tab(page, "Attribution")
    expect(
        panel.get_by_text(re.compile(r"Attribution is associational, not causal: "))
    ).to_be_visible()
    expect(panel.get_by_text(re.compile(r"^\d+ conversions, [\d,.]+ revenue\.$"))).to_be_visible()
    expect(panel.get_by_test_id("stVegaLiteChart")).to_be_visible()
    expect(panel.get_by_text("Conversions credited", exact=True)).to_be_visible()
    tables = panel.get_by_test_id("stDataFrame")
    expect(tables).to_have_count(2)  # conversions, then revenue
    for table in (tables.first, tables.last):
        expect(table).to_be_visible()
        expect(table.locator('th[role="columnheader"]')).to_have_text(
            ["value", *(LABELS[m] for m in MODELS)]
        )
    expect(tables.first.locator('th[role="columnheader"]').last).to_have_text(
        "Data-driven (Markov)"
    )
