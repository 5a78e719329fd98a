"""Bindings: which events of the map's dataset mean a stage was reached or a touchpoint used."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select

from journeymap import rules
from journeymap.errors import ConflictError, ValidationError
from journeymap.model import Binding, BindingKind, LaneKind
from journeymap.store.base import StoreBase
from journeymap.store.rows import clean_author
from journeymap.store.schema import T
from journeymap.store.workshop import require_unlocked


def binding_row(row: Mapping[str, Any]) -> Binding:
    return Binding(
        id=row["id"],
        map_id=row["map_id"],
        target_id=row["target_id"],
        kind=BindingKind(row["kind"]),
        rule=dict(row["rule"]),
        updated_by=row["updated_by"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


class BindingStore(StoreBase):
    """Bindings: one per stage or touchpoint note, each written with a version check."""

    def list_bindings(self, map_id: str) -> list[Binding]:
        """The map's bindings whose stage or note still exists (deleted notes' are kept)."""
        b, s, n = T["bindings"], T["stages"], T["notes"]
        with self._tx(write=False) as conn:
            self._require(conn, T["maps"], map_id, "map")
            stages = select(s.c.id).where(s.c.map_id == map_id)
            notes = select(n.c.id).where(n.c.map_id == map_id, n.c.deleted_at.is_(None))
            rows = conn.execute(
                select(b)
                .where(b.c.map_id == map_id, b.c.target_id.in_(stages.union(notes)))
                .order_by(b.c.id)
            ).mappings()
            return [binding_row(r) for r in rows]

    def bind(
        self,
        map_id: str,
        target_id: str,
        rule: dict,
        *,
        expected_version: int | None = None,
        by: str = "",
    ) -> Binding:
        """Set what a stage or touchpoint note means in the data.

        `expected_version` None creates the binding (a conflict if someone bound it
        meanwhile); otherwise it is the version the caller saw.
        """
        rule = rules.match(rule, "A binding")
        with self._tx(write=True) as conn:
            self._guard(conn, "maps", map_id)
            self._require(conn, T["maps"], map_id, "map")
            require_unlocked(conn, map_id, by)
            kind = self._target_kind(conn, map_id, target_id)
            b = T["bindings"]
            current = (
                conn.execute(select(b).where(b.c.map_id == map_id, b.c.target_id == target_id))
                .mappings()
                .first()
            )
            values = {"rule": rule, "kind": kind.value, "updated_by": clean_author(by)}
            if current is None and expected_version is None:
                row = {"id": self._new_id(), "map_id": map_id, "target_id": target_id,
                       **values, "updated_at": self._clock(), "version": 1}  # fmt: skip
                conn.execute(insert(b).values(**row))
                self._touch_map(conn, map_id)
                return binding_row(row)
            if current is None or expected_version is None:
                raise ConflictError(
                    "Someone else changed this binding after you opened it; nothing was saved. "
                    "Look at it again and choose what to keep.",
                    current=binding_row(current) if current is not None else None,
                )
            saved = self._cas(conn, b, current["id"], expected_version, values, "binding",
                              binding_row)  # fmt: skip
            self._touch_map(conn, map_id)
            return saved

    def unbind(self, binding_id: str, expected_version: int, *, by: str = "") -> None:
        """Remove a binding: the stage or note shows no numbers any more."""
        with self._tx(write=True) as conn:
            self._guard(conn, "bindings", binding_id)
            row = self._require(conn, T["bindings"], binding_id, "binding")
            require_unlocked(conn, row["map_id"], by)
            self._cas_delete(conn, T["bindings"], binding_id, expected_version, "binding",
                             binding_row)  # fmt: skip
            self._touch_map(conn, row["map_id"])

    def _target_kind(self, conn, map_id: str, target_id: str) -> BindingKind:
        s, n, ln = T["stages"], T["notes"], T["lanes"]
        if conn.execute(select(s.c.id).where(s.c.id == target_id, s.c.map_id == map_id)).first():
            return BindingKind.STAGE
        lane = conn.execute(
            select(ln.c.kind)
            .select_from(n.join(ln, n.c.lane_id == ln.c.id))
            .where(n.c.id == target_id, n.c.map_id == map_id, n.c.deleted_at.is_(None))
        ).scalar()
        if lane is None:
            raise ValidationError("Only a stage or a note of this map can be bound to data.")
        if lane != LaneKind.TOUCHPOINT.value:
            raise ValidationError("Only touchpoint notes can be bound to data.")
        return BindingKind.TOUCHPOINT
