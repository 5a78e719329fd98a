"""journeymap: the core of the journey mapping workshop app (no Streamlit here).

from journeymap import open_store
store = open_store("sqlite:///data/journeys.db")
"""

from journeymap.access import Access
from journeymap.errors import (
    AccessError,
    ConflictError,
    JourneyMapError,
    NotFoundError,
    StoreError,
    ValidationError,
)
from journeymap.model import (
    Binding,
    BindingKind,
    Comment,
    Dataset,
    DatasetKind,
    JourneyMap,
    Lane,
    LaneKind,
    MapBoard,
    MapStatus,
    Note,
    NoteEvent,
    NoteEventKind,
    Persona,
    ResourceStatus,
    Snapshot,
    Stage,
    VoteRound,
    Workspace,
)
from journeymap.sample import load_sample
from journeymap.store import Store, open_store
from journeymap.templates import DEFAULT_TEMPLATE, TEMPLATES, Template

__all__ = [
    "DEFAULT_TEMPLATE",
    "TEMPLATES",
    "Access",
    "AccessError",
    "Binding",
    "BindingKind",
    "Comment",
    "ConflictError",
    "Dataset",
    "DatasetKind",
    "JourneyMap",
    "JourneyMapError",
    "Lane",
    "LaneKind",
    "MapBoard",
    "MapStatus",
    "NotFoundError",
    "Note",
    "NoteEvent",
    "NoteEventKind",
    "Persona",
    "ResourceStatus",
    "Snapshot",
    "Stage",
    "Store",
    "StoreError",
    "Template",
    "ValidationError",
    "VoteRound",
    "Workspace",
    "load_sample",
    "open_store",
]
