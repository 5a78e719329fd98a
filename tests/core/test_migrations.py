"""Schema migrations: recorded once, never re-run, data survives a reopen."""

from __future__ import annotations

import sqlite3

import pytest

from journeymap import open_store
from journeymap.store.schema import MIGRATIONS

PNG = b"\x89PNG\r\n\x1a\n" + bytes(40)


def applied(path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY name")]


def tables(path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {r[0] for r in rows}


def test_a_new_file_records_the_initial_migration(store, db_path):
    assert db_path.exists()
    assert applied(db_path) == [name for name, _ in MIGRATIONS]
    assert {"workspaces", "personas", "maps", "stages", "lanes", "notes"} <= tables(db_path)


def test_every_known_migration_is_recorded_in_order(store, db_path):
    names = [name for name, _ in MIGRATIONS]
    assert names[0] == "0001_initial"
    assert names == sorted(names)
    assert len(set(names)) == len(names)
    assert applied(db_path) == names


def test_migrate_again_runs_nothing(store, db_path):
    assert store.migrate() == []
    assert applied(db_path) == [name for name, _ in MIGRATIONS]


def test_reopening_runs_nothing_and_keeps_the_record(db_path):
    first = open_store(db_path)
    first.close()
    with sqlite3.connect(db_path) as conn:
        recorded = conn.execute("SELECT name, applied_at FROM schema_migrations").fetchall()
    second = open_store(db_path)
    try:
        assert second.migrate() == []
    finally:
        second.close()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT name, applied_at FROM schema_migrations").fetchall() == recorded


def test_data_survives_close_and_reopen(db_path):
    first = open_store(db_path)
    ws = first.create_workspace("Team", "desc", created_by="Ana")
    persona = first.add_persona(ws.id, "Maya", is_primary=True, goals="a\nb", photo=PNG)
    journey = first.create_map(ws.id, "Map", persona_id=persona.id, template="saas")
    board = first.load_map(journey.id)
    first.add_note(
        journey.id, stage_id=board.stages[1].id, lane_id=board.lanes[2].id, text="hi", emotion=-2
    )
    first.add_stage(journey.id, "Churn", index=0)
    board = first.load_map(journey.id)
    first.close()

    second = open_store(db_path)
    try:
        assert second.list_workspaces() == [ws]
        assert second.list_personas(ws.id) == [persona]
        assert second.load_map(journey.id) == board
        assert second.map_revision(journey.id) == board.map.revision
    finally:
        second.close()


def test_open_store_accepts_urls_and_creates_folders(tmp_path):
    nested = tmp_path / "a" / "b" / "journeys.db"
    by_path = open_store(nested)
    by_path.create_workspace("Here")
    by_path.close()
    assert nested.exists()

    by_url = open_store(f"sqlite:///{nested}")
    try:
        assert [w.name for w in by_url.list_workspaces()] == ["Here"]
        assert by_url.migrate() == []
        assert "journeys.db" in by_url.url
    finally:
        by_url.close()


def test_two_stores_on_one_file_see_each_other(db_path):
    first, second = open_store(db_path), open_store(db_path)
    try:
        ws = first.create_workspace("Shared")
        assert second.get_workspace(ws.id) == ws
        renamed = second.update_workspace(ws.id, ws.version, name="Shared 2")
        assert first.get_workspace(ws.id) == renamed
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("pragma", ["journal_mode", "foreign_keys"])
def test_sqlite_connections_are_configured(store, pragma):
    engine = store._engine  # the pragmas are set per connection; check one
    with engine.connect() as conn:
        value = conn.exec_driver_sql(f"PRAGMA {pragma}").scalar()
    assert str(value).lower() in {"wal", "1"}


def test_a_database_of_the_first_release_is_upgraded_in_place(tmp_path):
    """A file made by 0001 alone, with a note in it, gains the trash and history tables."""
    from datetime import UTC, datetime

    from sqlalchemy import create_engine

    from journeymap.store import schema

    path = tmp_path / "first-release.db"
    now = datetime(2026, 1, 1, tzinfo=UTC)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        schema._initial(conn)
        conn.execute(
            schema.T["schema_migrations"].insert().values(name="0001_initial", applied_at=now)
        )
        conn.exec_driver_sql(
            "INSERT INTO workspaces (id, name, description, created_by, created_at, updated_at, version)"
            " VALUES ('w', 'Old', '', '', '2026-01-01', '2026-01-01', 1)"
        )
        conn.exec_driver_sql(
            "INSERT INTO maps (id, workspace_id, title, scenario, created_by, created_at, updated_at,"
            " version, revision) VALUES ('m', 'w', 'Old map', '', '', '2026-01-01', '2026-01-01', 1, 1)"
        )
        conn.exec_driver_sql(
            "INSERT INTO stages (id, map_id, name, position, version) VALUES ('s', 'm', 'S', 1, 1)"
        )
        conn.exec_driver_sql(
            "INSERT INTO lanes (id, map_id, name, kind, position, version)"
            " VALUES ('l', 'm', 'L', 'action', 1, 1)"
        )
        conn.exec_driver_sql(
            "INSERT INTO notes (id, map_id, stage_id, lane_id, text, author, position, created_at,"
            " updated_at, version) VALUES ('n', 'm', 's', 'l', 'Kept', 'Ana', 1, '2026-01-01',"
            " '2026-01-01', 1)"
        )
    engine.dispose()

    store = open_store(path)
    try:
        assert applied(path) == [name for name, _ in MIGRATIONS]
        [note] = store.load_map("m").notes
        assert (note.text, note.deleted_at) == ("Kept", None)
        store.delete_note(note.id, note.version, by="Ana")
        assert [n.id for n in store.list_trash("m")] == ["n"]
        assert [e.kind.value for e in store.note_history("n")] == ["delete"]
    finally:
        store.close()
