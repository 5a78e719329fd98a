"""Helpers for the AppTest page tests (imported by the tests; fixtures live in conftest.py).

A module with its own name, not `conftest`, so that importing it can never pick
up another directory's conftest.py.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # plain `pytest` (without `python -m`) does not add the cwd
    sys.path.insert(0, str(REPO))

from journeymap import JourneyMap, MapBoard, Persona, Workspace  # noqa: E402

USER = "Tester"
HOME = "app.py"
PERSONAS = "pages/personas.py"
JOURNEY_MAP = "pages/journey_map.py"
ANALYTICS = "pages/analytics.py"
PAGES = (HOME, PERSONAS, JOURNEY_MAP, ANALYTICS)
TIMEOUT_S = 30
HOSTILE_TEXTS = (
    "<script>alert(1)</script>",
    "**bold** [x](javascript:alert(1))",
    "<img src=x onerror=alert(1)> :red[red] $x^2$ # heading",
)


def new_app(page: str = HOME, *, user: str | None = USER, state: dict[str, Any] | None = None):
    """An AppTest for `page`, started from the entry point, with "Who are you?" answered."""
    at = AppTest.from_file(str(REPO / HOME), default_timeout=TIMEOUT_S)
    if user is not None:
        at.session_state["jm:user"] = user
    for key, value in (state or {}).items():
        at.session_state[key] = value
    if page != HOME:
        at.switch_page(page)
    return at


def run(at: AppTest) -> AppTest:
    """Run the script (first run or rerun after a widget change); no exception allowed."""
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click()
    return run(at)


def texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def has_button(at: AppTest, key: str) -> bool:
    try:
        at.button(key=key)
    except KeyError:
        return False
    return True


def on_journey_map(at: AppTest) -> bool:
    """The journey map page (with a map) is what was drawn: its add-note button is there."""
    return has_button(at, "addnote:submit")


def wall_data(at: AppTest) -> dict[str, Any]:
    """The JSON the wall component was given (the component is an UnknownElement here)."""
    walls = [e for e in at.main if getattr(e, "key", None) == "wall:board"]
    assert len(walls) == 1, "the wall is not on the page"
    return json.loads(walls[0].proto.json)


def by_label(widgets, label: str):
    """The one widget with this label (for widgets without a key, e.g. inside forms)."""
    found = [w for w in widgets if w.label == label]
    assert len(found) == 1, f"{len(found)} widgets labelled {label!r}"
    return found[0]


def lane_id(board: MapBoard, name: str) -> str:
    return next(lane.id for lane in board.lanes if lane.name == name)


def stage_id(board: MapBoard, name: str) -> str:
    return next(stage.id for stage in board.stages if stage.name == name)


@dataclass(frozen=True)
class Sample:
    """The sample workshop as the app loads it: two maps, each measured on its GA4 export."""

    workspace: Workspace
    maps: dict[str, JourneyMap]
    personas: dict[str, Persona]

    def state(self, title: str, **more) -> dict:
        return {"jm:workspace": self.workspace.id, "jm:map": self.maps[title].id, **more}
