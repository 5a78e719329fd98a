"""Workspaces: create, list, rename, delete with everything in them."""

from __future__ import annotations

from sqlalchemy import func, insert, select, update

from journeymap import rules
from journeymap.access import (
    BLOCK_FOR,
    MAX_FAILURES,
    check_passcode_rule,
    hash_passcode,
    passcode_matches,
    workspace_key,
)
from journeymap.errors import AccessError, ValidationError
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
            self._guard(conn, "workspaces", workspace_id)
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

    # -- passcode ----------------------------------------------------------------------

    def has_access(self, workspace_id: str) -> bool:
        """Whether this session may see and change the workspace (False if it is gone)."""
        ws = T["workspaces"]
        with self._tx(write=False) as conn:
            row = conn.execute(select(ws.c.passcode_hash).where(ws.c.id == workspace_id)).first()
        return row is not None and self._access.allows(workspace_id, row.passcode_hash)

    def unlock_workspace(self, workspace_id: str, passcode: str) -> str:
        """The session key for this workspace if `passcode` is right; AccessError if not.

        After MAX_FAILURES wrong passcodes in a row the workspace refuses every attempt
        (right ones too) for BLOCK_FOR, which caps guessing at a few tries a minute.
        """
        ws = T["workspaces"]
        with self._tx(write=False) as conn:
            row = self._require(conn, ws, workspace_id, "workspace")
        stored, blocked_until = row["passcode_hash"], row["passcode_blocked_until"]
        if not stored:
            raise ValidationError("This workspace has no passcode; it is open to everyone.")
        now = self._clock()
        if blocked_until is not None and now < blocked_until:
            wait = max(1, round((blocked_until - now).total_seconds() / 60))
            raise AccessError(
                f"Too many wrong passcodes for this workspace; try again in {wait} minute"
                f"{'s' if wait > 1 else ''}."
            )
        # The slow hash runs outside any transaction: writers never wait for it.
        right = passcode_matches(passcode if isinstance(passcode, str) else "", stored)
        with self._tx(write=True) as conn:
            if right:
                conn.execute(
                    update(ws)
                    .where(ws.c.id == workspace_id)
                    .values(passcode_failures=0, passcode_blocked_until=None)
                )
                return workspace_key(workspace_id, stored)
            # Counted in the database, so guesses from many sessions at once add up.
            this = ws.c.id == workspace_id
            count = 1 if blocked_until is not None else func.coalesce(ws.c.passcode_failures, 0) + 1
            conn.execute(update(ws).where(this).values(passcode_failures=count))
            failures = conn.execute(select(ws.c.passcode_failures).where(this)).scalar()
            blocked = now + BLOCK_FOR if failures >= MAX_FAILURES else None
            conn.execute(update(ws).where(this).values(passcode_blocked_until=blocked))
        if blocked is not None:
            minutes = int(BLOCK_FOR.total_seconds() // 60)
            raise AccessError(
                f"That passcode is wrong, {MAX_FAILURES} times in a row; this workspace "
                f"takes no passcode for the next {minutes} minutes."
            )
        left = MAX_FAILURES - failures
        raise AccessError(
            f"That passcode is wrong; {left} more tr{'ies' if left > 1 else 'y'} before a "
            f"{int(BLOCK_FOR.total_seconds() // 60)}-minute wait."
        )

    def set_passcode(self, workspace_id: str, passcode: str | None, *, by: str = "") -> str | None:
        """Protect the workspace with a passcode (None removes it); return the new key.

        Every session's old key stops working at once: they enter the new passcode.
        Once the workspace names facilitators, only they may change it.
        """
        stored = hash_passcode(check_passcode_rule(passcode)) if passcode is not None else None
        ws = T["workspaces"]
        with self._tx(write=True) as conn:
            self._guard(conn, "workspaces", workspace_id)
            current = workspace_row(self._require(conn, ws, workspace_id, "workspace"))
            if current.facilitators and by not in current.facilitators:
                raise AccessError("Only a facilitator of this workspace can change its passcode.")
            conn.execute(
                update(ws)
                .where(ws.c.id == workspace_id)
                .values(
                    passcode_hash=stored,
                    passcode_failures=0,
                    passcode_blocked_until=None,
                    updated_at=self._clock(),
                )
            )
        return workspace_key(workspace_id, stored) if stored else None

    def delete_workspace(self, workspace_id: str, expected_version: int) -> None:
        """Delete a workspace with all its personas, maps and notes.

        Every table refers to its parent with ON DELETE CASCADE (SQLite enforces it
        with `foreign_keys=ON`, set on every connection), so one delete removes all.
        """
        with self._tx(write=True) as conn:
            self._guard(conn, "workspaces", workspace_id)
            self._cas_delete(
                conn,
                T["workspaces"],
                workspace_id,
                expected_version,
                "workspace",
                workspace_row,
            )
        self._remove_workspace_files(workspace_id)  # its datasets' files, once the rows are gone
