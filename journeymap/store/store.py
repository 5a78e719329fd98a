"""The store: a narrow, domain-level API over SQLAlchemy Core.

Every write runs in its own transaction (SQLite: `BEGIN IMMEDIATE`, so two
writers queue instead of failing) and every update or delete of an editable
row is a compare-and-set on its `version`: a stale write raises
`ConflictError` and changes nothing. Reads of a whole map happen in one
transaction, so the wall never shows half of someone else's change.

The class is assembled from one part per noun, each in its own module.
"""

from __future__ import annotations

from journeymap.store.backup import BackupStore
from journeymap.store.base import Clock, IdFactory, random_id, utc_now
from journeymap.store.bindings import BindingStore
from journeymap.store.datasets import DatasetStore
from journeymap.store.documents import DocumentStore
from journeymap.store.maps import MapStore
from journeymap.store.notes import NoteStore
from journeymap.store.personas import PersonaStore
from journeymap.store.presence import PresenceStore
from journeymap.store.workshop import WorkshopStore
from journeymap.store.workspaces import WorkspaceStore

__all__ = ["Clock", "IdFactory", "Store", "random_id", "utc_now"]


class Store(
    WorkspaceStore,
    PersonaStore,
    MapStore,
    NoteStore,
    PresenceStore,
    WorkshopStore,
    DocumentStore,
    DatasetStore,
    BindingStore,
    BackupStore,
):
    """Personas, maps, stages, lanes and notes, persisted with version checks."""
