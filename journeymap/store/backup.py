"""A workspace, or one map, as one JSON-ready document; and back, all or nothing.

The document (schema `SCHEMA`) is the lossless form: the JSON backup, the content of a
snapshot, and what the Excel importer builds. It carries the rows' own ids so notes
can point at their stage and lane; restoring gives every row a new id (a backup can be
restored beside the workspace it came from), except when a snapshot is restored onto its
own map. Datasets are referenced by name only: their files are not part of a backup.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from journeymap import rules
from journeymap.errors import ValidationError
from journeymap.model import BindingKind, Snapshot, Workspace
from journeymap.store.base import StoreBase
from journeymap.store.rows import PERSONA_LISTS, clean_author, workspace_row
from journeymap.store.schema import T
from journeymap.store.workshop import require_unlocked

SCHEMA = 1
MAP_FIELDS = ("title", "scenario", "window_days", "owner", "status", "review_on")
NOTE_FIELDS = ("text", "author", "emotion", "channel", "resource_status", "position",
               "created_at", "updated_at", "deleted_at", "deleted_by")  # fmt: skip


def _plain(value: Any) -> Any:
    """A value as JSON has it: times and dates as ISO text, bytes as base64."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _row(row: Mapping[str, Any], fields) -> dict:
    return {f: _plain(row[f]) for f in fields}


def _time(value: Any, what: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(f"{what} is not a date and time: {str(value)[:40]!r}.") from None
    if moment.tzinfo is None:
        raise ValidationError(f"{what} has no time zone: {str(value)[:40]!r}.")
    return moment


def _day(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(f"A review date is not a date: {str(value)[:40]!r}.") from None


class BackupStore(StoreBase):
    """Whole workspaces and maps as documents; snapshots of maps."""

    # -- reading ----------------------------------------------------------------------

    def workspace_document(self, workspace_id: str) -> dict:
        """Everything of a workspace (personas, maps and all on them), from one snapshot."""
        with self._tx(write=False) as conn:
            ws = self._require(conn, T["workspaces"], workspace_id, "workspace")
            p, m, d = T["personas"], T["maps"], T["datasets"]
            personas = conn.execute(
                select(p).where(p.c.workspace_id == workspace_id).order_by(p.c.created_at, p.c.id)
            ).mappings()
            datasets = {
                r.id: r.name
                for r in conn.execute(
                    select(d.c.id, d.c.name).where(d.c.workspace_id == workspace_id)
                )
            }
            maps = conn.execute(
                select(m.c.id).where(m.c.workspace_id == workspace_id).order_by(m.c.created_at, m.c.id)
            ).scalars().all()  # fmt: skip
            return {
                "schema": SCHEMA,
                "workspace": {
                    "name": ws["name"],
                    "description": ws["description"],
                    "facilitators": list(ws["facilitators"] or []),
                },
                "personas": [
                    {
                        "id": r["id"],
                        **_row(
                            r,
                            (
                                "name",
                                "role",
                                "quote",
                                "background",
                                "is_primary",
                                "photo",
                                "photo_type",
                                "segment",
                                "created_by",
                                "created_at",
                            ),
                        ),
                        **{k: list(r[k] or []) for k in PERSONA_LISTS},
                    }
                    for r in personas
                ],
                "maps": [self._map_document(conn, i, datasets, snapshots=True) for i in maps],
            }

    def map_document(self, map_id: str) -> dict:
        """One map with its stages, lanes, notes, bindings, comments and vote rounds."""
        with self._tx(write=False) as conn:
            row = self._require(conn, T["maps"], map_id, "map")
            d = T["datasets"]
            datasets = {
                r.id: r.name
                for r in conn.execute(
                    select(d.c.id, d.c.name).where(d.c.workspace_id == row["workspace_id"])
                )
            }
            return self._map_document(conn, map_id, datasets, snapshots=False)

    def _map_document(self, conn: Connection, map_id: str, datasets, *, snapshots) -> dict:
        m = self._require(conn, T["maps"], map_id, "map")
        s, ln, n, b = T["stages"], T["lanes"], T["notes"], T["bindings"]
        c, vr, v = T["note_comments"], T["vote_rounds"], T["votes"]

        def rows(table, *order, where=None):
            query = select(table).where(table.c.map_id == map_id if where is None else where)
            return conn.execute(query.order_by(*order)).mappings().all()

        rounds = rows(vr, vr.c.opened_at, vr.c.id)
        doc = {
            "id": m["id"],
            **_row(m, MAP_FIELDS),
            "persona_id": m["persona_id"],
            "dataset": datasets.get(m["dataset_id"]),
            "future_of": m["future_of"],
            "created_by": m["created_by"],
            "created_at": _plain(m["created_at"]),
            "stages": [_row(r, ("id", "name", "position")) for r in rows(s, s.c.position, s.c.id)],
            "lanes": [
                _row(r, ("id", "name", "kind", "position"))
                for r in rows(ln, ln.c.position, ln.c.id)
            ],
            "notes": [
                {
                    "id": r["id"],
                    "stage_id": r["stage_id"],
                    "lane_id": r["lane_id"],
                    **_row(r, NOTE_FIELDS),
                }
                for r in rows(n, n.c.position, n.c.id)
            ],
            "bindings": [],  # below, in the order of their stages and notes
            "comments": [
                _row(r, ("note_id", "author", "text", "created_at"))
                for r in rows(c, c.c.created_at, c.c.id)
            ],
            "votes": [
                {
                    **_row(r, ("votes_per_person", "opened_by", "opened_at", "closed_at")),
                    "dots": [
                        _row(x, ("note_id", "voter", "at"))
                        for x in conn.execute(
                            select(v)
                            .where(v.c.round_id == r["id"])
                            .order_by(v.c.note_id, v.c.voter)
                        ).mappings()
                    ],
                }
                for r in rounds
            ],
        }
        order = {x["id"]: i for i, x in enumerate(doc["stages"] + doc["notes"])}
        doc["bindings"] = [
            _row(r, ("target_id", "kind", "rule", "updated_by", "updated_at"))
            for r in sorted(rows(b, b.c.id), key=lambda r: order.get(r["target_id"], len(order)))
        ]
        if snapshots:
            sn = T["snapshots"]
            doc["snapshots"] = [
                _row(r, ("name", "automatic", "created_by", "created_at", "content"))
                for r in rows(sn, sn.c.created_at, sn.c.id)
            ]
        return doc

    # -- writing ----------------------------------------------------------------------

    def restore_document(self, doc: Mapping[str, Any], *, created_by: str = "") -> Workspace:
        """A new workspace from a workspace document (schema `SCHEMA`), all or nothing."""
        if doc.get("schema") != SCHEMA:
            raise ValidationError(
                f"This document has schema {doc.get('schema')!r}; this version reads {SCHEMA}."
            )
        try:
            with self._tx(write=True) as conn:
                info = doc.get("workspace") or {}
                workspace = self._insert_workspace(
                    conn, info.get("name", ""), info.get("description", ""), created_by
                )
                facilitators = list(rules.items(info.get("facilitators") or [], "A facilitator"))
                if facilitators:
                    ws = T["workspaces"]
                    conn.execute(
                        ws.update().where(ws.c.id == workspace.id).values(facilitators=facilitators)
                    )
                ids: dict[str, str] = {}
                for entry in doc.get("personas", []):
                    self._restore_persona(conn, workspace.id, entry, ids, created_by)
                datasets = {
                    r.name: r.id
                    for r in conn.execute(
                        select(T["datasets"].c.id, T["datasets"].c.name).where(
                            T["datasets"].c.workspace_id == workspace.id
                        )
                    )
                }
                maps = list(doc.get("maps", []))
                for entry in maps:
                    ids[entry["id"]] = self._new_id()
                for entry in maps:
                    self._insert_map_document(conn, workspace.id, entry, ids, datasets, created_by)
                return workspace_row(
                    self._require(conn, T["workspaces"], workspace.id, "workspace")
                )
        except (TypeError, AttributeError, KeyError) as err:
            raise ValidationError(
                f"The backup is not in the expected shape ({err}); nothing was created."
            ) from err

    def _restore_persona(self, conn, workspace_id, entry, ids, created_by) -> None:
        fields = {k: entry.get(k) for k in ("role", "quote", "background", *PERSONA_LISTS)}
        fields = {k: v for k, v in fields.items() if v is not None}
        fields["is_primary"] = bool(entry.get("is_primary"))
        if entry.get("segment"):
            fields["segment"] = entry["segment"]
        if entry.get("photo"):
            fields["photo"] = base64.b64decode(entry["photo"])
        values = self._persona_values({"name": entry.get("name", ""), **fields})
        persona = self._insert_persona(
            conn, workspace_id, values, entry.get("created_by") or created_by
        )
        ids[entry["id"]] = persona.id

    def _insert_map_document(self, conn, workspace_id, entry, ids, datasets, created_by) -> str:
        """Insert one map document under fresh ids (`ids` maps old ids to new ones)."""
        now = self._clock()
        m = T["maps"]
        map_id = ids[entry["id"]]
        conn.execute(
            insert(m).values(
                id=map_id,
                workspace_id=workspace_id,
                title=rules.name(entry.get("title", ""), "A map title"),
                scenario=rules.text(entry.get("scenario", ""), "The scenario",
                                    max_len=rules.LONG_TEXT_MAX, required=False),
                persona_id=ids.get(entry.get("persona_id")),
                dataset_id=datasets.get(entry.get("dataset")),
                window_days=rules.window_days(entry.get("window_days")),
                owner=rules.text(entry.get("owner"), "The owner", max_len=rules.NAME_MAX,
                                 required=False) or None,
                status=rules.map_status(entry["status"]).value if entry.get("status") else None,
                review_on=_day(entry.get("review_on")),
                future_of=ids.get(entry.get("future_of")),
                created_by=clean_author(entry.get("created_by") or created_by),
                created_at=_time(entry.get("created_at"), "A map's creation time") or now,
                updated_at=now,
                version=1,
                revision=1,
            )
        )  # fmt: skip
        self._insert_content(conn, map_id, entry, ids, now)
        for snap in entry.get("snapshots", []):
            conn.execute(
                insert(T["snapshots"]).values(
                    id=self._new_id(), map_id=map_id, name=rules.name(snap["name"], "A snapshot name"),
                    automatic=bool(snap.get("automatic")), created_by=clean_author(snap.get("created_by")),
                    created_at=_time(snap.get("created_at"), "A snapshot's time") or now,
                    content=self._renamed(snap["content"], ids),
                )
            )  # fmt: skip
        return map_id

    def _renamed(self, content: Mapping[str, Any], ids: dict[str, str]) -> dict:
        """A map document with the ids of its rows renamed as the restore renamed them
        (rows that are gone since get fresh ids of their own), so it restores onto the copy."""

        def new(old: str) -> str:
            ids.setdefault(old, self._new_id())
            return ids[old]

        doc = dict(content)
        for key in ("id", "persona_id", "future_of"):  # the map and what it points at
            doc[key] = ids.get(content.get(key)) if content.get(key) else content.get(key)
        doc["stages"] = [{**x, "id": new(x["id"])} for x in content.get("stages", [])]
        doc["lanes"] = [{**x, "id": new(x["id"])} for x in content.get("lanes", [])]
        doc["notes"] = [
            {**x, "id": new(x["id"]), "stage_id": new(x["stage_id"]), "lane_id": new(x["lane_id"])}
            for x in content.get("notes", [])
        ]
        doc["bindings"] = [
            {**x, "target_id": new(x["target_id"])} for x in content.get("bindings", [])
        ]
        doc["comments"] = [{**x, "note_id": new(x["note_id"])} for x in content.get("comments", [])]
        doc["votes"] = [
            {
                **r,
                "dots": [{**d, "note_id": new(d["note_id"])} for d in r.get("dots", [])],
            }
            for r in content.get("votes", [])
        ]
        if content.get("metrics"):
            doc["metrics"] = {new(k): v for k, v in content["metrics"].items()}
        return doc

    def _insert_content(self, conn, map_id, entry, ids, now, *, keep_ids=False, version=1) -> None:
        """Stages, lanes, notes, bindings, comments and votes of a map document.

        `version` is what the rows start at: restoring a snapshot onto its map starts them
        above any version anyone saw, so an edit begun before the restore conflicts.
        """

        def new(old: str) -> str:
            if keep_ids:
                return old
            ids.setdefault(old, self._new_id())
            return ids[old]

        stages = [
            {"id": new(s["id"]), "map_id": map_id, "name": rules.name(s["name"], "A stage name"),
             "position": float(s.get("position", i + 1)), "version": version}
            for i, s in enumerate(entry.get("stages", []))
        ]  # fmt: skip
        lanes = [
            {"id": new(x["id"]), "map_id": map_id, "name": rules.name(x["name"], "A lane name"),
             "kind": rules.lane_kind(x.get("kind", "custom")).value,
             "position": float(x.get("position", i + 1)), "version": version}
            for i, x in enumerate(entry.get("lanes", []))
        ]  # fmt: skip
        stage_ids, lane_ids = {s["id"] for s in stages}, {x["id"] for x in lanes}
        notes = []
        for i, note in enumerate(entry.get("notes", [])):
            stage, lane = new(note["stage_id"]), new(note["lane_id"])
            if stage not in stage_ids or lane not in lane_ids:
                raise ValidationError(
                    f"Note {i + 1} of {entry.get('title', 'a map')!r} is in a stage or lane the "
                    "map does not have; nothing was created."
                )
            values = self._note_values({k: note.get(k) for k in ("text", "emotion", "channel",
                                                                  "resource_status")})  # fmt: skip
            notes.append({
                "id": new(note["id"]), "map_id": map_id, "stage_id": stage, "lane_id": lane,
                "emotion": None, "channel": None, "resource_status": None, **values,
                "author": clean_author(note.get("author")),
                "position": float(i + 1 if note.get("position") is None else note["position"]),
                "created_at": _time(note.get("created_at"), "A note's time") or now,
                "updated_at": _time(note.get("updated_at"), "A note's time") or now,
                "deleted_at": _time(note.get("deleted_at"), "A note's time"),
                "deleted_by": note.get("deleted_by"),
                "version": version,
            })  # fmt: skip
        note_ids = {x["id"] for x in notes}
        bindings = []
        for b in entry.get("bindings", []):
            target = new(b["target_id"])
            if target not in stage_ids | note_ids:
                continue  # its stage or note was not kept: the binding means nothing
            bindings.append({
                "id": self._new_id(), "map_id": map_id, "target_id": target,
                "kind": BindingKind(b.get("kind", "stage")).value,
                "rule": rules.match(b["rule"], "A binding"),
                "updated_by": clean_author(b.get("updated_by")),
                "updated_at": _time(b.get("updated_at"), "A binding's time") or now, "version": 1,
            })  # fmt: skip
        comments = [
            {"id": self._new_id(), "map_id": map_id, "note_id": new(c["note_id"]),
             "author": clean_author(c.get("author")),
             "text": rules.text(c["text"], "A comment", max_len=rules.COMMENT_MAX, required=True),
             "created_at": _time(c.get("created_at"), "A comment's time") or now}
            for c in entry.get("comments", [])
            if new(c["note_id"]) in note_ids
        ]  # fmt: skip
        for table, rows_ in (("stages", stages), ("lanes", lanes), ("notes", notes),
                             ("bindings", bindings), ("note_comments", comments)):  # fmt: skip
            if rows_:
                conn.execute(insert(T[table]), rows_)
        for r in entry.get("votes", []):
            round_id = self._new_id()
            conn.execute(insert(T["vote_rounds"]).values(
                id=round_id, map_id=map_id, votes_per_person=int(r["votes_per_person"]),
                opened_by=clean_author(r.get("opened_by")),
                opened_at=_time(r.get("opened_at"), "A vote's time") or now,
                closed_at=_time(r.get("closed_at"), "A vote's time"),
            ))  # fmt: skip
            dots = [
                {
                    "round_id": round_id,
                    "note_id": new(x["note_id"]),
                    "at": _time(x.get("at"), "A vote's time") or now,
                    "voter": clean_author(x["voter"]),
                }
                for x in r.get("dots", [])
                if new(x["note_id"]) in note_ids
            ]
            if dots:
                conn.execute(insert(T["votes"]), dots)

    # -- snapshots --------------------------------------------------------------------

    def save_snapshot(
        self, map_id: str, name: str, *, by: str = "", automatic=False, metrics=None
    ) -> Snapshot:
        """Keep the map as it is now under a name ("Q3 review").

        `metrics` ({stage id: {"people", "conversion", ...}}, see
        `journeymap.analytics.stages.summary`) keeps the stages' numbers with it, so a
        later diff shows how they moved.
        """
        name = rules.name(name, "A snapshot name")
        content = self.map_document(map_id)
        if metrics:
            content["metrics"] = dict(metrics)
        with self._tx(write=True) as conn:
            self._guard(conn, "maps", map_id)
            return self._insert_snapshot(conn, map_id, name, by, automatic, content)

    def _insert_snapshot(self, conn, map_id, name, by, automatic, content) -> Snapshot:
        row = {"id": self._new_id(), "map_id": map_id, "name": name, "automatic": automatic,
               "created_by": clean_author(by), "created_at": self._clock(), "content": content}  # fmt: skip
        conn.execute(insert(T["snapshots"]).values(**row))
        return Snapshot(**row)

    def list_snapshots(self, map_id: str) -> list[Snapshot]:
        """The map's snapshots, newest first (their content included)."""
        sn = T["snapshots"]
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(sn).where(sn.c.map_id == map_id).order_by(sn.c.created_at.desc(), sn.c.id)
            ).mappings()
            return [Snapshot(**r) for r in rows]

    def get_snapshot(self, snapshot_id: str) -> Snapshot:
        with self._tx(write=False) as conn:
            return Snapshot(**self._require(conn, T["snapshots"], snapshot_id, "snapshot"))

    def restore_snapshot(self, snapshot_id: str, *, by: str = "") -> Snapshot:
        """Put the map back as the snapshot has it; a snapshot of now is taken first.

        Returns that automatic snapshot (so "undo" is restoring it).
        """
        snapshot = self.get_snapshot(snapshot_id)
        before = self.map_document(snapshot.map_id)
        with self._tx(write=True) as conn:
            self._guard(conn, "maps", snapshot.map_id)
            require_unlocked(conn, snapshot.map_id, by)
            saved = self._insert_snapshot(conn, snapshot.map_id,
                                          f"Before restoring {snapshot.name}"[: rules.NAME_MAX],
                                          by, True, before)  # fmt: skip
            self._replace_content(conn, snapshot.map_id, snapshot.content)
            return saved

    def _replace_content(self, conn, map_id: str, content: Mapping[str, Any]) -> None:
        """Swap a map's stages, lanes, notes, bindings and comments for a document's."""
        m, v, vr = T["maps"], T["votes"], T["vote_rounds"]
        rounds = {  # a map's vote rounds, known by when they opened
            _plain(r.opened_at): r.id
            for r in conn.execute(select(vr.c.id, vr.c.opened_at).where(vr.c.map_id == map_id))
        }
        dots = {  # the dots now, and those the version had, in rounds that still exist
            (d["round_id"], d["note_id"], d["voter"]): d["at"]
            for d in conn.execute(select(v).where(v.c.round_id.in_(rounds.values()))).mappings()
        }
        for r in content.get("votes", []):
            if r.get("opened_at") in rounds:
                for d in r.get("dots", []):
                    at = _time(d.get("at"), "A vote's time") or self._clock()
                    dots.setdefault((rounds[r["opened_at"]], d["note_id"], d["voter"]), at)
        revision = conn.execute(select(m.c.revision).where(m.c.id == map_id)).scalar()
        for table in ("bindings", "note_comments", "notes", "stages", "lanes"):
            conn.execute(delete(T[table]).where(T[table].c.map_id == map_id))
        now = self._clock()
        doc = {k: v for k, v in content.items() if k != "votes"}  # vote rounds stay as they are
        # Every change on a map bumps its revision, so no one saw a version above it.
        self._insert_content(conn, map_id, doc, {}, now, keep_ids=True, version=revision + 1)
        kept = {n["id"] for n in doc.get("notes", [])}
        back = [{"round_id": r, "note_id": n, "voter": who, "at": at}
                for (r, n, who), at in dots.items() if n in kept]  # fmt: skip
        if back:
            conn.execute(insert(v), back)
        conn.execute(
            m.update().where(m.c.id == map_id).values(
                title=rules.name(content.get("title", ""), "A map title"),
                scenario=content.get("scenario", ""),
                version=m.c.version + 1, revision=m.c.revision + 1, updated_at=now,
            )
        )  # fmt: skip

    # -- current and future state -----------------------------------------------------

    def create_future_state(self, map_id: str, *, title: str | None = None, by: str = "") -> str:
        """Copy a map as its future state (linked to it); return the new map's id."""
        content = self.map_document(map_id)
        with self._tx(write=True) as conn:
            self._guard(conn, "maps", map_id)
            current = self._require(conn, T["maps"], map_id, "map")
            name = title or f"{current['title']} (future state)"
            name = name if len(name) <= rules.NAME_MAX else current["title"]
            ids = {map_id: self._new_id()}
            if current["persona_id"]:
                ids[current["persona_id"]] = current["persona_id"]  # the same persona
            entry = {**content, "title": name, "status": None, "review_on": None,
                     "future_of": None, "created_by": by, "created_at": None,
                     "comments": [], "votes": []}  # fmt: skip
            d = T["datasets"]
            datasets = {
                r.name: r.id
                for r in conn.execute(
                    select(d.c.id, d.c.name).where(d.c.workspace_id == current["workspace_id"])
                )
            }
            new_id = self._insert_map_document(conn, current["workspace_id"], entry, ids,
                                               datasets, by)  # fmt: skip
            m = T["maps"]
            conn.execute(m.update().where(m.c.id == new_id).values(future_of=map_id))
            return new_id
