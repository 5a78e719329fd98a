"""The sample workshop: a filled workspace, with its analytics data, to learn the app with."""

from __future__ import annotations

import json
from pathlib import Path

from journeymap.model import Dataset, DatasetKind, Workspace
from journeymap.store import Store

SAMPLE_FILE = Path(__file__).resolve().parent.parent / "sample_data" / "sample_workshop.json"


def load_sample(store: Store, *, created_by: str = "Sample", path: Path = SAMPLE_FILE) -> Workspace:
    """Create a new workspace holding the sample personas, maps and datasets."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    workspace = store.import_workspace(doc, created_by=created_by)  # all or nothing
    datasets = {
        entry["name"]: _load_dataset(
            store, workspace, path.parent / entry["file"], entry, created_by
        )
        for entry in doc.get("datasets", [])
    }
    wanted = {entry["title"]: entry.get("dataset") for entry in doc.get("maps", [])}
    for journey in store.list_maps(workspace.id):  # each map measured on its dataset
        if wanted.get(journey.title) in datasets:
            dataset = datasets[wanted[journey.title]]
            store.update_map(journey.id, journey.version, dataset_id=dataset.id, by=created_by)
    return workspace


def _load_dataset(store: Store, workspace: Workspace, file: Path, entry: dict, by: str) -> Dataset:
    from journeymap.analytics import load_events  # pandas and pyarrow load only when needed
    from journeymap.analytics.tables import load_costs, load_survey

    kind = DatasetKind(entry.get("kind", "events"))
    details: dict = {}
    if kind is DatasetKind.EVENTS:
        log = load_events(file)
        frame, source = log.events, log.source_format
        details = log.details
    else:
        frame = (load_costs if kind is DatasetKind.COSTS else load_survey)(file)
        source = kind.value
    return store.save_dataset(
        workspace.id,
        entry["name"],
        frame,
        kind=kind,
        source_format=source,
        file_name=file.name,
        uploaded_by=by,
        details=details,
    )


def ensure_sample(store: Store) -> Workspace | None:
    """On first run (no workspace at all) load the sample; return it, or None."""
    if store.list_workspaces():
        return None
    return load_sample(store)
