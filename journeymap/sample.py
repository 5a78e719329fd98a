"""The sample workshop: a filled workspace to learn the app with."""

from __future__ import annotations

import json
from pathlib import Path

from journeymap.model import Workspace
from journeymap.store import Store

SAMPLE_FILE = Path(__file__).resolve().parent.parent / "sample_data" / "sample_workshop.json"


def load_sample(store: Store, *, created_by: str = "Sample", path: Path = SAMPLE_FILE) -> Workspace:
    """Create a new workspace holding the sample personas and maps (all or nothing)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    return store.import_workspace(doc, created_by=created_by)


def ensure_sample(store: Store) -> Workspace | None:
    """On first run (no workspace at all) load the sample; return it, or None."""
    if store.list_workspaces():
        return None
    return load_sample(store)
