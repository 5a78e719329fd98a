"""Datasets: a Parquet file plus a row, saved, listed, read, renamed and deleted together.

Runs on SQLite and PostgreSQL (the `store` fixture). The file must never outlive its row
nor appear without one: a failed save leaves nothing behind, a delete removes the file,
and deleting the workspace removes all of its files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from journeymap.analytics import load_events
from journeymap.errors import ConflictError, JourneyMapError, NotFoundError
from journeymap.model import DatasetKind

CSV = (
    b"event,user_id,anonymous_id,timestamp,utm_source,utm_medium,revenue,plan\n"
    b"page_view,,a1,2026-01-01T09:00:00Z,google,cpc,,free\n"
    b"sign_up,u1,a1,2026-01-01T09:05:00Z,google,cpc,,free\n"
    b"purchase,u1,a1,2026-01-01T09:20:00Z,,,49.90,pro\n"
    b"page_view,,a2,2026-01-02T10:00:00Z,newsletter,email,,\n"
)


@pytest.fixture
def events() -> pd.DataFrame:
    return load_events(CSV).events


def same_values(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal tables; the dtype of the event categories is checked in the round-trip test."""
    pd.testing.assert_frame_equal(
        a.assign(event=a["event"].astype(str)), b.assign(event=b["event"].astype(str))
    )


def files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_save_list_read_back_equal(store, workspace, events):
    saved = store.save_dataset(
        workspace.id,
        "  January export  ",
        events,
        source_format="generic",
        file_name="events.csv",
        uploaded_by="Ana",
        details={"mapping": {"event": "event"}, "warnings": ["w"]},
    )
    assert saved.name == "January export"
    assert saved.kind is DatasetKind.EVENTS
    assert (saved.rows, saved.users, saved.version) == (4, 2, 1)
    assert saved.time_from == pd.Timestamp("2026-01-01 09:00", tz="UTC").to_pydatetime()
    assert saved.time_to == pd.Timestamp("2026-01-02 10:00", tz="UTC").to_pydatetime()
    assert len(saved.fingerprint) == 64

    assert store.list_datasets(workspace.id) == [saved]
    assert store.get_dataset(saved.id) == saved
    assert store.get_dataset(saved.id).details == {"mapping": {"event": "event"}, "warnings": ["w"]}

    back = store.read_dataset(saved)
    assert files(store.data_dir) == [store.data_dir / workspace.id / f"{saved.id}.parquet"]
    assert isinstance(back["event"].dtype, pd.CategoricalDtype)
    assert str(back["ts"].dtype) == "datetime64[us, UTC]"
    assert back["revenue"].dtype == "float64"
    same_values(back, events)
    pd.testing.assert_frame_equal(back, events)  # every dtype, the categories' dtype too


def test_list_is_per_workspace_newest_first(store, workspace, events):
    other = store.create_workspace("Other team")
    first = store.save_dataset(workspace.id, "First", events)
    second = store.save_dataset(
        workspace.id, "Second", events, kind="stages", source_format="stage_table"
    )
    store.save_dataset(other.id, "Theirs", events)
    listed = store.list_datasets(workspace.id)
    assert [d.id for d in listed] == [second.id, first.id]
    assert listed[0].kind is DatasetKind.STAGES


def test_rename_and_a_stale_rename(store, workspace, events):
    saved = store.save_dataset(workspace.id, "Old name", events)
    renamed = store.rename_dataset(saved.id, saved.version, "New name")
    assert (renamed.name, renamed.version) == ("New name", saved.version + 1)
    assert renamed.fingerprint == saved.fingerprint
    with pytest.raises(ConflictError):
        store.rename_dataset(saved.id, saved.version, "Someone else's name")
    assert store.get_dataset(saved.id).name == "New name"


def test_delete_removes_the_row_and_the_file(store, workspace, events):
    saved = store.save_dataset(workspace.id, "Doomed", events)
    path = store.data_dir / workspace.id / f"{saved.id}.parquet"
    assert path.is_file()
    with pytest.raises(ConflictError):
        store.delete_dataset(saved.id, saved.version + 1)
    assert path.is_file()  # a refused delete keeps the file
    store.delete_dataset(saved.id, saved.version)
    assert not path.exists()
    assert store.list_datasets(workspace.id) == []
    with pytest.raises(NotFoundError):
        store.get_dataset(saved.id)


def test_a_failed_save_leaves_no_file_behind(store, events):
    with pytest.raises(JourneyMapError):
        store.save_dataset("no-such-workspace", "Orphan", events)
    assert files(store.data_dir) == []


def test_a_save_with_an_invalid_name_leaves_no_file_behind(store, workspace, events):
    with pytest.raises(JourneyMapError):
        store.save_dataset(workspace.id, "   ", events)
    assert files(store.data_dir) == []


def test_a_workspace_id_with_path_separators_never_touches_the_disk_outside_the_data_dir(
    store, events
):
    # A workspace id is joined into the file path before the database says it does not
    # exist: "../escape" must not create anything next to the data directory.
    with pytest.raises(JourneyMapError):
        store.save_dataset("../escape", "Outside", events)
    assert not (store.data_dir.parent / "escape").exists()


def test_deleting_the_workspace_removes_its_dataset_files(store, workspace, events):
    other = store.create_workspace("Neighbours")
    mine = [store.save_dataset(workspace.id, f"Set {i}", events) for i in range(2)]
    theirs = store.save_dataset(other.id, "Theirs", events)
    assert len(files(store.data_dir / workspace.id)) == 2
    store.delete_workspace(workspace.id, store.get_workspace(workspace.id).version)
    assert not (store.data_dir / workspace.id).exists()
    for dataset in mine:
        with pytest.raises(NotFoundError):
            store.get_dataset(dataset.id)
    assert files(store.data_dir) == [store.data_dir / other.id / f"{theirs.id}.parquet"]
    same_values(store.read_dataset(theirs), events)


def test_the_fingerprint_is_stable_for_equal_content(store, workspace, events):
    a = store.save_dataset(workspace.id, "A", events)
    b = store.save_dataset(workspace.id, "B", events.copy())
    assert a.fingerprint == b.fingerprint
    changed = events.copy()
    changed.loc[0, "revenue"] = 1.0
    c = store.save_dataset(workspace.id, "C", changed)
    assert c.fingerprint != a.fingerprint


def test_a_missing_file_is_a_store_error_not_a_crash(store, workspace, events):
    from journeymap.errors import StoreError

    saved = store.save_dataset(workspace.id, "Lost", events)
    (store.data_dir / workspace.id / f"{saved.id}.parquet").unlink()
    with pytest.raises(StoreError, match="is missing or damaged on the server"):
        store.read_dataset(saved)


def test_a_preview_reads_only_the_first_rows(store):
    import pandas as pd

    ws = store.create_workspace("Preview")
    frame = pd.DataFrame(
        {
            "actor_id": [f"u{i}" for i in range(100)],
            "event": ["visit"] * 100,
            "ts": pd.date_range("2026-01-01", periods=100, freq="min", tz="UTC"),
        }
    )
    dataset = store.save_dataset(ws.id, "Big", frame)
    preview = store.preview_dataset(dataset, 20)
    assert preview["actor_id"].tolist() == [f"u{i}" for i in range(20)]
