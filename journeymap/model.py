"""Domain objects: small frozen dataclasses the store returns and the UI renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class LaneKind(StrEnum):
    """What a lane holds; it decides the note's extra field and its colour."""

    ACTION = "action"
    TOUCHPOINT = "touchpoint"
    EMOTION = "emotion"
    PAIN = "pain"
    OPPORTUNITY = "opportunity"
    RESOURCE = "resource"
    CUSTOM = "custom"


class ResourceStatus(StrEnum):
    """Whether the team already has a resource or still needs it."""

    HAVE = "have"
    NEED = "need"


@dataclass(frozen=True)
class Workspace:
    """A team's space: its personas and journey maps."""

    id: str
    name: str
    description: str
    created_by: str
    created_at: datetime
    version: int
    facilitators: tuple[str, ...] = ()
    protected: bool = False  # a passcode guards it


@dataclass(frozen=True)
class Persona:
    """A researched archetype of a customer; a map follows one."""

    id: str
    workspace_id: str
    name: str
    role: str = ""
    quote: str = ""
    background: str = ""
    goals: tuple[str, ...] = ()
    motivations: tuple[str, ...] = ()
    frustrations: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    is_primary: bool = False
    photo: bytes | None = None
    photo_type: str | None = None
    segment: dict | None = field(default=None, compare=False, hash=False)  # who, in the data
    created_by: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1

    @property
    def initials(self) -> str:
        """Up to two initials for an avatar without a photo."""
        parts = [p for p in self.name.split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"


class MapStatus(StrEnum):
    """Where a map is in its life: from a workshop draft to the map the team runs on."""

    DRAFT = "draft"
    IN_REVIEW = "in review"
    LIVE = "live"
    ARCHIVED = "archived"


@dataclass(frozen=True)
class JourneyMap:
    """One persona's journey through one scenario.

    `revision` grows with every change anywhere on the map (notes, stages,
    lanes, title), so a viewer can ask cheaply whether anything changed.
    """

    id: str
    workspace_id: str
    title: str
    scenario: str
    persona_id: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int
    revision: int
    locked: bool = False
    private_since: datetime | None = None
    timer_ends_at: datetime | None = None
    timer_left: float | None = None  # seconds left while the timer is paused
    dataset_id: str | None = None  # the event dataset its stages are measured on
    window_days: int | None = None  # the conversion window from stage to stage
    owner: str | None = None  # who keeps it up to date
    status: MapStatus | None = None  # None reads as draft
    review_on: date | None = None  # the next review
    future_of: str | None = None  # the current-state map this future state was copied from

    def review_due(self, today: date) -> bool:
        """Whether the next review date has passed (archived maps are never due)."""
        return (
            self.review_on is not None
            and self.review_on < today
            and self.status is not MapStatus.ARCHIVED
        )

    def is_facilitator(self, name: str, workspace: Workspace) -> bool:
        """Whoever created the map, and the workspace's facilitators, run the workshop."""
        return bool(name) and (name == self.created_by or name in workspace.facilitators)


@dataclass(frozen=True)
class Stage:
    """A column of the map: a phase of the journey."""

    id: str
    map_id: str
    name: str
    position: float
    version: int


@dataclass(frozen=True)
class Lane:
    """A row of the map: one kind of sticky note."""

    id: str
    map_id: str
    name: str
    kind: LaneKind
    position: float
    version: int


@dataclass(frozen=True)
class Note:
    """A sticky note in one cell (stage x lane) of a map."""

    id: str
    map_id: str
    stage_id: str
    lane_id: str
    text: str
    author: str
    position: float
    created_at: datetime
    updated_at: datetime
    version: int
    emotion: int | None = None
    channel: str | None = None
    resource_status: ResourceStatus | None = None
    deleted_at: datetime | None = None
    deleted_by: str | None = None


class NoteEventKind(StrEnum):
    """What happened to a note."""

    ADD = "add"
    EDIT = "edit"
    MOVE = "move"
    DELETE = "delete"
    RESTORE = "restore"


@dataclass(frozen=True)
class NoteEvent:
    """One change of a note: who, when, what (the note's text after it, or before a delete).

    `details` holds what else changed: the fields before and after an edit, the
    cells (stage and lane names) before and after a move.
    """

    id: str
    map_id: str
    note_id: str
    kind: NoteEventKind
    actor: str
    at: datetime
    text: str
    details: dict


@dataclass(frozen=True)
class Comment:
    """A line in a note's discussion thread."""

    id: str
    map_id: str
    note_id: str
    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class VoteRound:
    """A dot-voting round on a map: each person may mark up to `votes_per_person` notes."""

    id: str
    map_id: str
    votes_per_person: int
    opened_by: str
    opened_at: datetime
    closed_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class MapBoard:
    """Everything the wall shows for one map, read in one consistent snapshot."""

    map: JourneyMap
    stages: tuple[Stage, ...]
    lanes: tuple[Lane, ...]
    notes: tuple[Note, ...]

    def stage(self, stage_id: str) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)

    def lane(self, lane_id: str) -> Lane | None:
        return next((ln for ln in self.lanes if ln.id == lane_id), None)

    def note(self, note_id: str) -> Note | None:
        return next((n for n in self.notes if n.id == note_id), None)


class BindingKind(StrEnum):
    """What a binding measures."""

    STAGE = "stage"  # people who reached the stage
    TOUCHPOINT = "touchpoint"  # people who used the touchpoint (a note)


@dataclass(frozen=True)
class Binding:
    """Which events of the map's dataset mean a stage was reached or a touchpoint used.

    `rule` is `{"events": [...], "where": [{"column", "op", "values"}]}` (see
    `journeymap.rules.match`).
    """

    id: str
    map_id: str
    target_id: str  # a stage id or a note id
    kind: BindingKind
    rule: dict = field(compare=False, hash=False)
    updated_by: str = ""
    updated_at: datetime | None = None
    version: int = 1


@dataclass(frozen=True)
class Snapshot:
    """A named version of a map: its whole content, as `journeymap.backup` writes a map."""

    id: str
    map_id: str
    name: str
    automatic: bool  # taken before an import or a restore
    created_by: str
    created_at: datetime
    content: dict = field(compare=False, hash=False, repr=False)


class DatasetKind(StrEnum):
    """What a dataset holds."""

    EVENTS = "events"  # an event log: one row per event
    STAGES = "stages"  # an aggregated stage table: counts per stage
    SURVEY = "survey"  # NPS/CSAT answers
    COSTS = "costs"  # spend per channel or campaign per period


@dataclass(frozen=True)
class Dataset:
    """A prepared upload of a workspace: its Parquet file and what is known about it."""

    id: str
    workspace_id: str
    name: str
    kind: DatasetKind
    source_format: str
    file_name: str  # as uploaded
    rows: int
    users: int
    time_from: datetime | None
    time_to: datetime | None
    uploaded_by: str
    uploaded_at: datetime
    fingerprint: str  # sha256 of the stored file: the cache key of every question about it
    version: int
    details: dict = field(default_factory=dict, compare=False, hash=False)
