"""Page tests with Streamlit's AppTest: the real pages, a fresh SQLite file per test.

Every test starts from the entry point (`app.py`) and switches to the page it
tests, because the menu links to `app.py`. The app's store is cached with
`st.cache_resource` keyed by its URL, so a fresh `tmp_path` database per test
gives each test its own store; the test opens the same file itself (`store`
fixture) to prepare data and to check what the page wrote. Helpers are in
`pagekit.py`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pagekit
import pytest
import streamlit as st
from streamlit import config

from journeymap import JourneyMap, MapBoard, Persona, Store, Workspace, load_sample, open_store


@pytest.fixture(scope="session", autouse=True)
def _full_error_details() -> Iterator[None]:
    """Show an app exception's message and trace in the test failure (the app redacts them)."""
    before = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "full")
    yield
    config.set_option("client.showErrorDetails", before)


@pytest.fixture(autouse=True)
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh database file for this test's app; the sample loads unless switched off."""
    path = tmp_path / "t.db"
    monkeypatch.setenv("JOURNEYMAP_DATABASE_URL", str(path))
    monkeypatch.delenv("JOURNEYMAP_SAMPLE", raising=False)
    yield path
    st.cache_resource.clear()  # drop this test's store (its engine and connections)


@pytest.fixture
def no_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty database stays empty (no sample workshop on first run)."""
    monkeypatch.setenv("JOURNEYMAP_SAMPLE", "off")


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    """The test's own handle on the database file the app uses."""
    opened = open_store(db_path)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def sample_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample workshop loaded once (about 2 s), as a database file and its datasets."""
    folder = tmp_path_factory.mktemp("sample")
    loaded = open_store(folder / "t.db")
    load_sample(loaded)
    loaded.close()
    return folder


@pytest.fixture
def sample_store(db_path: Path, sample_files: Path) -> Iterator[Store]:
    """The test's own handle on its database, a fresh copy of the loaded sample (a module
    whose tests all start from the sample makes this its `store`)."""
    shutil.copytree(sample_files, db_path.parent, dirs_exist_ok=True)
    opened = open_store(db_path)
    yield opened
    opened.close()


@pytest.fixture
def sample(sample_store: Store) -> pagekit.Sample:
    [workspace] = sample_store.list_workspaces()  # the app finds it and loads no second copy
    return pagekit.Sample(
        workspace,
        {m.title: m for m in sample_store.list_maps(workspace.id)},
        {p.name: p for p in sample_store.list_personas(workspace.id)},
    )


@dataclass(frozen=True)
class Team:
    """A workspace with one map (lifecycle template: Awareness..Advocacy) and no notes."""

    workspace: Workspace
    map: JourneyMap

    def board(self, store: Store) -> MapBoard:
        return store.load_map(self.map.id)

    @property
    def state(self) -> dict[str, str]:
        return {"jm:workspace": self.workspace.id, "jm:map": self.map.id}


@pytest.fixture
def team(store: Store) -> Team:
    workspace = store.create_workspace("Team", created_by=pagekit.USER)
    journey = store.create_map(workspace.id, "Onboarding", created_by=pagekit.USER)
    return Team(workspace, journey)


@pytest.fixture
def fragment_reruns_in_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let `st.rerun(scope="fragment")` rerun the whole script, as AppTest can do no other.

    In the browser a click inside a dialog reruns only the dialog (a fragment), and the
    dialogs end such clicks with `st.rerun(scope="fragment")`. AppTest runs the whole
    script for every interaction, where Streamlit refuses a fragment-scoped rerun; the
    dialog is drawn again by the full run (its session-state flag is still set), so the
    test still sees what the dialog shows next.
    """
    real = st.rerun

    def rerun(scope="app"):
        real()

    monkeypatch.setattr(st, "rerun", rerun)


@dataclass(frozen=True)
class HostileTeam(Team):
    persona: Persona


HOSTILE_TITLE = "Onboarding <b>now</b> [x](javascript:alert(1))"
HOSTILE_PERSONA = "Eve <b>Evil</b> [x](javascript:alert(1))"


@pytest.fixture
def hostile(store: Store, team: Team) -> HostileTeam:
    """The team's map and its persona carry HTML and Markdown in every user text field."""
    texts = pagekit.HOSTILE_TEXTS
    persona = store.add_persona(
        team.workspace.id,
        HOSTILE_PERSONA,
        role=texts[1],
        quote=texts[0],
        background=texts[2],
        goals=list(texts),
        tags=["<i>tag</i>"],
    )
    store.add_persona(team.workspace.id, "Plain Paul")  # so the compare tab compares two
    journey = store.update_map(
        team.map.id, team.map.version, persona_id=persona.id, title=HOSTILE_TITLE, scenario=texts[1]
    )
    board = team.board(store)
    awareness = pagekit.stage_id(board, "Awareness")
    for lane in board.lanes:
        for text in texts:
            store.add_note(
                journey.id, stage_id=awareness, lane_id=lane.id, text=text, author=text[:20]
            )
    store.add_note(
        journey.id,
        stage_id=pagekit.stage_id(board, "Purchase"),
        lane_id=pagekit.lane_id(board, "Emotions"),
        text=texts[1],
        emotion=-2,
    )
    return HostileTeam(team.workspace, journey, persona)
