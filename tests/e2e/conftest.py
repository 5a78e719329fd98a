"""Real-browser tests: the app runs as a real Streamlit server, Debian's Chromium drives it.

Each test module gets its own server on its own temporary SQLite file (module
scope), so modules never see each other's notes. `ui` gathers the few page
gestures every test repeats (answer "Who are you?", find a wall cell, add a
note with "+", open a note's dialog).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from benchmarks.appserver import AppServer, AppServerError

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FIRST_RENDER_MS = 30_000  # the first render runs 3-4 s of JavaScript on 2 cores

STAGES = [
    "Awareness",
    "Consideration",
    "Purchase",
    "Adoption",
    "Retention",
    "Expansion",
    "Advocacy",
]
LANES = ["Customer actions", "Touchpoints", "Emotions", "Pain points", "Opportunities", "Resources"]
SAMPLE_CMS_MAP = "Choosing a CMS for the studio"
SAMPLE_SHOES_MAP = "Buying school shoes at Loop Store"

# Streamlit reruns on a 2-core machine can take a few seconds under load.
expect.set_options(timeout=15_000)


# --- browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM}, and it is missing: "
            "scripts/install should have installed the chromium package."
        )
    pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium).")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1600, "height": 1000}}


# --- the app server ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., AppServer]]:
    """Start an app server on a fresh temporary database; every one is stopped at the end."""
    servers: list[AppServer] = []

    def start(*, sample: bool = True, name: str = "app") -> AppServer:
        folder = tmp_path_factory.mktemp(name)
        server = AppServer(folder / "journeys.db", folder / "server.log", sample=sample)
        servers.append(server)
        try:
            server.start()
        except AppServerError as err:
            pytest.fail(str(err))
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def app_server(start_server: Callable[..., AppServer], request: pytest.FixtureRequest) -> AppServer:
    """One server per test module, on its own database holding the sample workshop."""
    name = re.sub(r"\W", "_", request.module.__name__.rsplit(".", 1)[-1])
    return start_server(sample=True, name=name)


# --- page gestures -------------------------------------------------------------------------


class Ui:
    """What a participant does on the pages, in Playwright terms (auto-waiting only)."""

    STAGES = STAGES
    LANES = LANES
    SAMPLE_CMS_MAP = SAMPLE_CMS_MAP
    SAMPLE_SHOES_MAP = SAMPLE_SHOES_MAP

    @staticmethod
    def sign_in(page: Page, name: str) -> None:
        """Answer "Who are you?" (asked again on every new page load)."""
        field = page.get_by_label("Your name")
        expect(field).to_be_visible(timeout=FIRST_RENDER_MS)
        field.fill(name)
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_label("Your name")).to_have_count(0, timeout=FIRST_RENDER_MS)

    @staticmethod
    def open(page: Page, url: str, name: str) -> None:
        page.goto(url)
        Ui.sign_in(page, name)

    @staticmethod
    def open_map(page: Page, server: AppServer, title: str, name: str) -> None:
        """Open the Journey map page and pick the map by title in the sidebar's Map box."""
        Ui.open(page, server.url("/journey_map"), name)
        expect(page.locator(".jm-cell").first).to_be_visible(timeout=FIRST_RENDER_MS)
        Ui.choose(page, Ui.sidebar(page).get_by_label("Map"), title)
        expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
        expect(page).to_have_url(re.compile(r"/journey_map\?ws=\w+&map=\w+"))
        expect(page.locator(".jm-note").first).to_be_visible()

    @staticmethod
    def choose(page: Page, box: Locator, option: str) -> None:
        """Pick an option of a select box by typing it and pressing Enter.

        Clicking the option in the open list is flaky on a loaded machine: the list
        re-renders while it opens and the option detaches under the click.
        """
        box.click()
        box.fill(option)
        box.press("Enter")  # picks the one option the typed text leaves
        expect(page.get_by_role("listbox")).to_have_count(0)
        expect(box).to_have_value(option)  # also when it was chosen already

    @staticmethod
    def sidebar(page: Page) -> Locator:
        return page.get_by_test_id("stSidebar")

    @staticmethod
    def go(page: Page, label: str) -> None:
        """Follow a link of the app's own sidebar menu."""
        Ui.sidebar(page).get_by_role("link", name=label, exact=True).click()

    @staticmethod
    def expander(page: Page, label: str) -> Locator:
        return page.get_by_test_id("stExpander").filter(has_text=label)

    @staticmethod
    def wall(page: Page) -> Locator:
        return page.locator(".jm-wall")

    @staticmethod
    def cell(page: Page, stage: str, lane: str) -> Locator:
        return page.locator(f'.jm-cell[aria-label="{stage}, {lane}"]')

    @staticmethod
    def note(scope: Page | Locator, text: str) -> Locator:
        """A note the server has confirmed (not a pending echo), by its exact text."""
        page = scope if isinstance(scope, Page) else scope.page
        exact = re.compile("^" + re.escape(text) + "$")
        return scope.locator(".jm-note:not(.jm-pending)").filter(
            has=page.locator(".jm-text").filter(has_text=exact)
        )

    @staticmethod
    def add_note(page: Page, stage: str, lane: str, text: str) -> Locator:
        """Click + in a cell, type, press Enter; return the confirmed note."""
        cell = Ui.cell(page, stage, lane)
        cell.locator(".jm-add").click()
        area = cell.locator("textarea")
        area.fill(text)
        area.press("Enter")
        note = Ui.note(cell, text)
        expect(note).to_be_visible()
        return note

    @staticmethod
    def open_note(page: Page, text: str) -> Locator:
        """Click a note on the wall; return its dialog once the text is loaded."""
        Ui.note(page, text).click()
        dialog = page.get_by_role("dialog")
        expect(dialog.get_by_label("Text", exact=True)).to_have_value(text)
        return dialog


def pytest_configure(config: pytest.Config) -> None:
    # pytest-playwright's own base_url fixture; nothing this suite can change.
    config.addinivalue_line(
        "filterwarnings", "ignore:Session-scoped fixtures defined as instance methods"
    )


@pytest.fixture(scope="session")
def ui() -> type[Ui]:
    return Ui
