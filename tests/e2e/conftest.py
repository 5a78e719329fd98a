"""Real-browser tests: the app runs as a real Streamlit server, Debian's Chromium drives it.

Each test module gets its own server on its own temporary SQLite file (module
scope), so modules never see each other's notes. `ui` gathers the few page
gestures every test repeats (answer "Who are you?", find a wall cell, add a
note with "+", open a note's dialog).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

REPO = Path(__file__).resolve().parents[2]
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
HEALTH_TIMEOUT_S = 30
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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """`streamlit run app.py` on a free port and a given SQLite file; restartable."""

    def __init__(self, db_path: Path, log_path: Path, *, sample: bool) -> None:
        self.db_path = db_path
        self.log_path = log_path
        self.sample = sample
        self.port = _free_port()
        self._process: subprocess.Popen | None = None
        self._log = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def start(self) -> None:
        env = {
            **os.environ,
            "JOURNEYMAP_DATABASE_URL": str(self.db_path),
            "JOURNEYMAP_SAMPLE": "on" if self.sample else "off",
        }
        self._log = self.log_path.open("a", encoding="utf-8")
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(self.port),
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=REPO,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self.stop()
                pytest.fail(
                    f"The app server exited early ({self._process.returncode}):\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.url("/_stcore/health"), timeout=2) as reply:
                    if reply.read().decode().strip() == "ok":
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)  # polling the health URL, not waiting on the page
        self.stop()
        pytest.fail(
            f"The app server did not answer ok within {HEALTH_TIMEOUT_S} s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self) -> None:
        """Stop and start again on the same port and the same database file."""
        self.stop()
        self.start()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


@pytest.fixture(scope="session")
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., AppServer]]:
    """Start an app server on a fresh temporary database; every one is stopped at the end."""
    servers: list[AppServer] = []

    def start(*, sample: bool = True, name: str = "app") -> AppServer:
        folder = tmp_path_factory.mktemp(name)
        server = AppServer(folder / "journeys.db", folder / "server.log", sample=sample)
        servers.append(server)
        server.start()
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
        Ui.sidebar(page).get_by_label("Map").click()
        page.get_by_role("option", name=title, exact=True).click()
        expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
        expect(page).to_have_url(re.compile(r"/journey_map\?ws=\w+&map=\w+"))
        expect(page.locator(".jm-note").first).to_be_visible()

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
