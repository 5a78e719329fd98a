"""Tables and the ordered, named migrations that build them.

Portable SQL only (SQLite and PostgreSQL). Every editable row has a `version`
that each write increments; maps also carry a `revision` that any change on
the map increments, which lets a viewer poll one integer for changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.types import DateTime


class UTCDateTime(TypeDecorator):
    """Stored as naive UTC in both databases, returned as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return None

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


def _id() -> Column:
    return Column("id", String(32), primary_key=True)


def _parent(name: str, target: str) -> Column:
    return Column(name, String(32), ForeignKey(target, ondelete="CASCADE"), nullable=False)


def _define(metadata: MetaData) -> dict[str, Table]:
    """The schema as of migration 0001 (later migrations alter it with DDL)."""
    migrations = Table(
        "schema_migrations",
        metadata,
        Column("name", String(100), primary_key=True),
        Column("applied_at", UTCDateTime, nullable=False),
    )
    workspaces = Table(
        "workspaces",
        metadata,
        _id(),
        Column("name", String(200), nullable=False),
        Column("description", Text, nullable=False, default=""),
        Column("created_by", String(200), nullable=False, default=""),
        Column("created_at", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
        Column("version", Integer, nullable=False, default=1),
    )
    personas = Table(
        "personas",
        metadata,
        _id(),
        _parent("workspace_id", "workspaces.id"),
        Column("name", String(200), nullable=False),
        Column("role", Text, nullable=False, default=""),
        Column("quote", Text, nullable=False, default=""),
        Column("background", Text, nullable=False, default=""),
        Column("goals", JSON, nullable=False),
        Column("motivations", JSON, nullable=False),
        Column("frustrations", JSON, nullable=False),
        Column("channels", JSON, nullable=False),
        Column("tags", JSON, nullable=False),
        Column("is_primary", Boolean, nullable=False, default=False),
        Column("photo", LargeBinary, nullable=True),
        Column("photo_type", String(40), nullable=True),
        Column("created_by", String(200), nullable=False, default=""),
        Column("created_at", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
        Column("version", Integer, nullable=False, default=1),
        Index("ix_personas_workspace", "workspace_id"),
    )
    maps = Table(
        "maps",
        metadata,
        _id(),
        _parent("workspace_id", "workspaces.id"),
        Column("title", String(200), nullable=False),
        Column("scenario", Text, nullable=False, default=""),
        Column(
            "persona_id",
            String(32),
            ForeignKey("personas.id", ondelete="SET NULL"),
            nullable=True,
        ),
        Column("created_by", String(200), nullable=False, default=""),
        Column("created_at", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
        Column("version", Integer, nullable=False, default=1),
        Column("revision", Integer, nullable=False, default=1),
        Index("ix_maps_workspace", "workspace_id"),
    )
    stages = Table(
        "stages",
        metadata,
        _id(),
        _parent("map_id", "maps.id"),
        Column("name", String(200), nullable=False),
        Column("position", Float, nullable=False),
        Column("version", Integer, nullable=False, default=1),
        Index("ix_stages_map", "map_id"),
    )
    lanes = Table(
        "lanes",
        metadata,
        _id(),
        _parent("map_id", "maps.id"),
        Column("name", String(200), nullable=False),
        Column("kind", String(20), nullable=False),
        Column("position", Float, nullable=False),
        Column("version", Integer, nullable=False, default=1),
        Index("ix_lanes_map", "map_id"),
    )
    notes = Table(
        "notes",
        metadata,
        _id(),
        _parent("map_id", "maps.id"),
        _parent("stage_id", "stages.id"),
        _parent("lane_id", "lanes.id"),
        Column("text", Text, nullable=False),
        Column("author", String(200), nullable=False, default=""),
        Column("emotion", Integer, nullable=True),
        Column("channel", String(200), nullable=True),
        Column("resource_status", String(10), nullable=True),
        Column("position", Float, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
        Column("version", Integer, nullable=False, default=1),
        Index("ix_notes_map", "map_id"),
    )
    return {
        "schema_migrations": migrations,
        "workspaces": workspaces,
        "personas": personas,
        "maps": maps,
        "stages": stages,
        "lanes": lanes,
        "notes": notes,
    }


def _live_columns() -> dict[str, list[Column]]:
    """Columns migration 0002 adds to existing tables (nullable: old rows read as unset).

    Notes get the trash; maps get the facilitator's controls (lock, private
    brainstorm, shared timer); workspaces get their facilitators and passcode.
    """
    return {
        "notes": [
            Column("deleted_at", UTCDateTime, nullable=True),
            Column("deleted_by", String(200), nullable=True),
        ],
        "maps": [
            Column("locked", Boolean, nullable=True),
            Column("private_since", UTCDateTime, nullable=True),
            Column("timer_ends_at", UTCDateTime, nullable=True),
            Column("timer_left", Float, nullable=True),
        ],
        "workspaces": [
            Column("facilitators", JSON, nullable=True),
            Column("passcode_hash", String(200), nullable=True),
        ],
    }


def _live_tables(metadata: MetaData) -> list[Table]:
    """Tables migration 0002 creates: presence, note history, comments, dot voting."""
    presence = Table(
        "presence",
        metadata,
        _parent("map_id", "maps.id"),
        Column("session_id", String(32), nullable=False),
        Column("name", String(200), nullable=False),
        Column("seen_at", UTCDateTime, nullable=False),
        PrimaryKeyConstraint("map_id", "session_id"),
    )
    # One row per change of a note: its history, and the map's activity feed.
    # No foreign key on note_id: the history outlives a note removed with its stage.
    note_events = Table(
        "note_events",
        metadata,
        _id(),
        _parent("map_id", "maps.id"),
        Column("note_id", String(32), nullable=False),
        Column("kind", String(20), nullable=False),
        Column("actor", String(200), nullable=False),
        Column("at", UTCDateTime, nullable=False),
        Column("text", Text, nullable=False),
        Column("details", JSON, nullable=False),
        Index("ix_note_events_map_at", "map_id", "at"),
        Index("ix_note_events_note", "note_id"),
    )
    comments = Table(
        "note_comments",
        metadata,
        _id(),
        _parent("map_id", "maps.id"),
        _parent("note_id", "notes.id"),
        Column("author", String(200), nullable=False),
        Column("text", Text, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Index("ix_note_comments_note", "note_id"),
    )
    rounds = Table(
        "vote_rounds",
        metadata,
        _id(),
        _parent("map_id", "maps.id"),
        Column("votes_per_person", Integer, nullable=False),
        Column("opened_by", String(200), nullable=False),
        Column("opened_at", UTCDateTime, nullable=False),
        Column("closed_at", UTCDateTime, nullable=True),
        Index("ix_vote_rounds_map", "map_id"),
    )
    # One dot per person and note; the voter is stored so a person can take a dot back,
    # and never shown: results are counts.
    votes = Table(
        "votes",
        metadata,
        _parent("round_id", "vote_rounds.id"),
        _parent("note_id", "notes.id"),
        Column("voter", String(200), nullable=False),
        Column("at", UTCDateTime, nullable=False),
        PrimaryKeyConstraint("round_id", "note_id", "voter"),
    )
    return [presence, note_events, comments, rounds, votes]


def _add_column(conn: Connection, table: str, column: Column) -> None:
    kind = column.type.compile(dialect=conn.dialect)
    null = "" if column.nullable else " NOT NULL"
    conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column.name} {kind}{null}")


def _passcode_columns() -> list[Column]:
    """Columns migration 0003 adds to workspaces: the passcode attempt limit."""
    return [
        Column("passcode_failures", Integer, nullable=True),
        Column("passcode_blocked_until", UTCDateTime, nullable=True),
    ]


def _datasets_table(metadata: MetaData) -> Table:
    """Migration 0004: prepared analytics uploads (the data itself is a Parquet file)."""
    return Table(
        "datasets",
        metadata,
        _id(),
        _parent("workspace_id", "workspaces.id"),
        Column("name", String(200), nullable=False),
        Column("kind", String(20), nullable=False),
        Column("source_format", String(40), nullable=False),
        Column("file_name", String(500), nullable=False),
        Column("rows", Integer, nullable=False),
        Column("users", Integer, nullable=False),
        Column("time_from", UTCDateTime, nullable=True),
        Column("time_to", UTCDateTime, nullable=True),
        Column("uploaded_by", String(200), nullable=False),
        Column("uploaded_at", UTCDateTime, nullable=False),
        Column("fingerprint", String(64), nullable=False),
        Column("details", JSON, nullable=False),
        Column("version", Integer, nullable=False),
        Index("ix_datasets_workspace", "workspace_id"),
    )


def _journey_data_columns() -> dict[str, list[Column]]:
    """Columns migration 0005 adds: a map's dataset and window, a persona's segment."""
    return {
        "maps": [
            # No foreign key: deleting a dataset leaves maps pointing nowhere, read as unset.
            Column("dataset_id", String(32), nullable=True),
            Column("window_days", Integer, nullable=True),
        ],
        "personas": [Column("segment", JSON, nullable=True)],
    }


def _bindings_table(metadata: MetaData) -> Table:
    """Migration 0005: which events mean a stage was reached or a touchpoint was used.

    `target_id` is a stage or a note of the map (no foreign key: it is one of two
    tables); a binding whose target is gone is ignored when read.
    """
    return Table(
        "bindings",
        metadata,
        _id(),
        _parent("map_id", "maps.id"),
        Column("target_id", String(32), nullable=False),
        Column("kind", String(20), nullable=False),
        Column("rule", JSON, nullable=False),
        Column("updated_by", String(200), nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
        Column("version", Integer, nullable=False),
        Index("ux_bindings_target", "map_id", "target_id", unique=True),
    )


def _review_columns() -> dict[str, list[Column]]:
    """Columns migration 0006 adds to maps: who owns it, its status and next review, and
    the current-state map a future-state map was copied from."""
    return {
        "maps": [
            Column("owner", String(200), nullable=True),
            Column("status", String(20), nullable=True),
            Column("review_on", Date, nullable=True),
            Column("future_of", String(32), nullable=True),  # no foreign key: read as unset
        ]
    }


def _snapshots_table(metadata: MetaData) -> Table:
    """Migration 0006: named versions of a map, its whole content as one JSON document."""
    return Table(
        "snapshots",
        metadata,
        _id(),
        _parent("map_id", "maps.id"),
        Column("name", String(200), nullable=False),
        Column("automatic", Boolean, nullable=False),
        Column("created_by", String(200), nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("content", JSON, nullable=False),
        Index("ix_snapshots_map", "map_id", "created_at"),
    )


metadata = MetaData()
T = _define(metadata)
for _table, _columns in [
    *_live_columns().items(),
    ("workspaces", _passcode_columns()),
    *_journey_data_columns().items(),
    *_review_columns().items(),
]:
    for _column in _columns:
        T[_table].append_column(_column)
T.update(
    {
        table.name: table
        for table in [
            *_live_tables(metadata),
            _datasets_table(metadata),
            _bindings_table(metadata),
            _snapshots_table(metadata),
        ]
    }
)


def _initial(conn: Connection) -> None:
    frozen = MetaData()
    _define(frozen)
    frozen.create_all(conn)


def _live_workshop(conn: Connection) -> None:
    for table, columns in _live_columns().items():
        for column in columns:
            _add_column(conn, table, column)
    frozen = MetaData()
    _define(frozen)  # the tables the new ones refer to
    for table in _live_tables(frozen):
        table.create(conn)


def _extend(conn: Connection, columns: dict[str, list[Column]], *tables) -> None:
    """Add columns to existing tables, then create new tables (each a function of the
    metadata, built on the schema of 0001 that they refer to)."""
    for table, added in columns.items():
        for column in added:
            _add_column(conn, table, column)
    frozen = MetaData()
    _define(frozen)
    for table in tables:
        table(frozen).create(conn)


def _datasets(conn: Connection) -> None:
    _extend(conn, {}, _datasets_table)


def _journey_data(conn: Connection) -> None:
    _extend(conn, _journey_data_columns(), _bindings_table)


def _reviews(conn: Connection) -> None:
    _extend(conn, _review_columns(), _snapshots_table)


def _passcode_limit(conn: Connection) -> None:
    for column in _passcode_columns():
        _add_column(conn, "workspaces", column)


# Append only; never edit or reorder an entry once it has shipped.
MIGRATIONS: tuple[tuple[str, Callable[[Connection], None]], ...] = (
    ("0001_initial", _initial),
    ("0002_live_workshop", _live_workshop),
    ("0003_passcode_limit", _passcode_limit),
    ("0004_datasets", _datasets),
    ("0005_journey_data", _journey_data),
    ("0006_reviews", _reviews),
)


def applied(conn: Connection) -> set[str]:
    if not conn.dialect.has_table(conn, "schema_migrations"):
        return set()
    table = T["schema_migrations"]
    return {row.name for row in conn.execute(table.select())}


def migrate(conn: Connection, now: datetime) -> list[str]:
    """Apply the migrations this database lacks, in order; return their names."""
    done = applied(conn)
    ran = []
    for name, step in MIGRATIONS:
        if name in done:
            continue
        step(conn)
        conn.execute(T["schema_migrations"].insert().values(name=name, applied_at=now))
        ran.append(name)
    return ran
