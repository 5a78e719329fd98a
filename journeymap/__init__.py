"""journeymap: the core of the journey mapping workshop app (no Streamlit here).

from journeymap import open_store
store = open_store("sqlite:///data/journeys.db")
"""

from journeymap.errors import (
    ConflictError,
    JourneyMapError,
    NotFoundError,
    StoreError,
    ValidationError,
)
from journeymap.model import (
    JourneyMap,
    Lane,
    LaneKind,
    MapBoard,
    Note,
    NoteEvent,
    NoteEventKind,
    Persona,
    ResourceStatus,
    Stage,
    Workspace,
)
from journeymap.sample import load_sample
from journeymap.store import Store, open_store
from journeymap.templates import DEFAULT_TEMPLATE, TEMPLATES, Template

__all__ = [
    "DEFAULT_TEMPLATE",
    "TEMPLATES",
    "ConflictError",
    "JourneyMap",
    "JourneyMapError",
    "Lane",
    "LaneKind",
    "MapBoard",
    "NotFoundError",
    "Note",
    "NoteEvent",
    "NoteEventKind",
    "Persona",
    "ResourceStatus",
    "Stage",
    "Store",
    "StoreError",
    "Template",
    "ValidationError",
    "Workspace",
    "load_sample",
    "open_store",
]
