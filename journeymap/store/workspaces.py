"""Workspaces: create, list, rename, delete with everything in them."""

from __future__ import annotations

from sqlalchemy import insert, select

from journeymap import rules
from journeymap.errors import AccessError
from journeymap.model import Workspace
from journeymap.store.base import StoreBase
from journeymap.store.rows import (
    clean_author,
    no_extra,
    workspace_row,
)
from journeymap.store.schema import T


class WorkspaceStore(StoreBase):
    """Workspaces: create, list, rename, delete with everything in them."""

    def create_workspace(self, name: str, description: str = "", created_by: str = "") -> Workspace:
        with self._tx(write=True) as conn:
            return self._insert_workspace(conn, name, description, created_by)

    def _insert_workspace(self, conn, name, description, created_by) -> Workspace:
        now = self._clock()
        values = {
            "id": self._new_id(),
            "name": rules.name(name, "A workspace name"),
            "description": rules.text(
                description, "The description", max_len=rules.LONG_TEXT_MAX, required=False
            ),
            "created_by": clean_author(created_by),
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        conn.execute(insert(T["workspaces"]).values(**values))
        return workspace_row(values)

    def list_workspaces(self) -> list[Workspace]:
        ws = T["workspaces"]
        with self._tx(write=False) as conn:
            rows = conn.execute(select(ws).order_by(ws.c.created_at, ws.c.id)).mappings()
            return [workspace_row(r) for r in rows]

    def get_workspace(self, workspace_id: str) -> Workspace:
        with self._tx(write=False) as conn:
            return workspace_row(self._require(conn, T["workspaces"], workspace_id, "workspace"))

    def update_workspace(
        self, workspace_id: str, expected_version: int, *, by: str = "", **changes
    ) -> Workspace:
        """Rename, describe, or name the facilitators (once named, only they may change that)."""
        values = {}
        if "name" in changes:
            values["name"] = rules.name(changes.pop("name"), "A workspace name")
        if "description" in changes:
            values["description"] = rules.text(
                changes.pop("description"),
                "The description",
                max_len=rules.LONG_TEXT_MAX,
                required=False,
            )
        if "facilitators" in changes:
            values["facilitators"] = list(rules.items(changes.pop("facilitators"), "A facilitator"))
        no_extra(changes, "workspace")
        with self._tx(write=True) as conn:
            current = workspace_row(self._require(conn, T["workspaces"], workspace_id, "workspace"))
            if "facilitators" in values and current.facilitators and by not in current.facilitators:
                raise AccessError(
                    "Only a facilitator of this workspace can change who the facilitators are."
                )
            return self._cas(
                conn,
                T["workspaces"],
                workspace_id,
                expected_version,
                values,
                "workspace",
                workspace_row,
            )

    def delete_workspace(self, workspace_id: str, expected_version: int) -> None:
        """Delete a workspace with all its personas, maps and notes.

        Every table refers to its parent with ON DELETE CASCADE (SQLite enforces it
        with `foreign_keys=ON`, set on every connection), so one delete removes all.
        """
        with self._tx(write=True) as conn:
            self._cas_delete(
                conn,
                T["workspaces"],
                workspace_id,
                expected_version,
                "workspace",
                workspace_row,
            )
