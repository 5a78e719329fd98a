"""The analytics page: the datasets list, renaming and deleting (uploads are browser-tested)."""

from __future__ import annotations

import pandas as pd
import pytest
from pagekit import ANALYTICS, HOSTILE_TEXTS, USER, by_label, click, new_app, run, texts

EVENTS = pd.DataFrame(
    {
        "actor_id": ["u1", "u1", "u2"],
        "event": pd.Categorical(["visit", "buy", "visit"]),
        "ts": pd.to_datetime(
            ["2026-09-01 10:00", "2026-09-02 09:00", "2026-09-03 08:00"], utc=True
        ),
    }
)


@pytest.fixture
def saved(store, team):
    return store.save_dataset(
        team.workspace.id, "September events", EVENTS, source_format="ga4", uploaded_by=USER
    )


def _listed(at) -> pd.DataFrame:
    [frame] = [d.value for d in at.dataframe if "Name" in d.value.columns]
    return frame


def test_an_empty_workspace_says_how_to_start(no_sample, team):
    at = run(new_app(ANALYTICS, state=team.state))
    assert "Analytics data" in texts(at.title)
    assert any("No datasets yet" in t for t in texts(at.info))
    assert any("Up to 500 MB" in t for t in texts(at.caption))


def test_a_saved_dataset_is_listed_with_what_is_known_about_it(no_sample, team, saved):
    at = run(new_app(ANALYTICS, state=team.state))
    row = _listed(at).iloc[0]
    assert row["Name"] == "September events"
    assert row["Source"] == "GA4 BigQuery export"
    assert row["Rows"] == 3 and row["People"] == 2
    assert row["Time range"] == "2026-09-01 to 2026-09-03"
    assert row["Uploaded by"] == USER


def test_rename_and_delete(no_sample, team, saved, store):
    at = run(new_app(ANALYTICS, state=team.state))
    by_label(at.text_input, "New name").input(HOSTILE_TEXTS[0])
    click(at, f"FormSubmitter:data:rename:{saved.id}-Rename")
    assert store.get_dataset(saved.id).name == HOSTILE_TEXTS[0]
    assert _listed(at).iloc[0]["Name"] == HOSTILE_TEXTS[0]  # text in a grid cell, never HTML

    click(at, f"data:delete:{saved.id}")
    assert store.list_datasets(team.workspace.id) == []
    assert any("No datasets yet" in t for t in texts(at.info))


def test_an_empty_name_is_refused_with_a_sentence(no_sample, team, saved, store):
    at = run(new_app(ANALYTICS, state=team.state))
    by_label(at.text_input, "New name").input("   ")
    click(at, f"FormSubmitter:data:rename:{saved.id}-Rename")
    assert "A dataset name cannot be empty." in texts(at.error)
    assert store.get_dataset(saved.id).name == "September events"


def test_the_funnel_tab_shows_the_engines_numbers_for_the_sample(store):
    from journeymap.analytics import funnel

    at = run(new_app(ANALYTICS))
    [steps] = [d.value for d in at.dataframe if "step" in d.value.columns]
    workspace = store.list_workspaces()[0]
    dataset = next(d for d in store.list_datasets(workspace.id) if "Loop Store" in d.name)
    wanted = funnel(store.read_dataset(dataset), list(steps["event"]))
    assert steps["users"].tolist() == wanted.counts
    assert steps["users"].iloc[0] > steps["users"].iloc[-1]  # people drop along the way


def test_an_exclusion_and_step_attribution_reach_the_engine(store):
    from journeymap.analytics import funnel

    at = run(new_app(ANALYTICS))
    at.selectbox(key="funnel:exclude").set_value("page_view")
    at.selectbox(key="funnel:breakdown").set_value("device")
    run(at)
    at.selectbox(key="funnel:attribution").set_value("step:1")
    run(at)
    [steps] = [d.value for d in at.dataframe if "step" in d.value.columns]
    workspace = store.list_workspaces()[0]
    dataset = next(d for d in store.list_datasets(workspace.id) if "Loop Store" in d.name)
    names = list(steps["event"])
    wanted = funnel(
        store.read_dataset(dataset), names, exclusions=[("page_view", 0, len(names) - 1)]
    )
    assert steps["users"].tolist() == wanted.counts
    assert any("By device" in t for t in texts(at.markdown))
