"""The lossless backup: a whole workspace as one JSON file with a schema version.

`export_json` writes the store's workspace document (`journeymap.store.backup`);
`import_json` restores one as a new workspace, migrating older schemas first. Schema
0 is the sample-workshop format (names, not ids, tie notes to stages and lanes),
restored through `Store.import_workspace`. Bad files raise `DataError` with one sentence.
"""

from __future__ import annotations

import json

from journeymap.errors import DataError, ValidationError
from journeymap.store import Store
from journeymap.store.backup import SCHEMA

MAX_BYTES = 200 * 1024 * 1024


def export_json(store: Store, workspace_id: str) -> str:
    """The workspace as JSON text (UTF-8 when encoded; no ASCII escaping of user text)."""
    return json.dumps(store.workspace_document(workspace_id), ensure_ascii=False, indent=1)


def import_json(store: Store, text: str | bytes, *, created_by: str = "") -> str:
    """Restore a backup as a new workspace; return its id."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise DataError("That backup is larger than 200 MB; it is not one of ours.")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DataError("That file is not a JSON backup (it is not UTF-8 text).") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise DataError(
            f"That file is not a JSON backup: {err.msg} at line {err.lineno}, column {err.colno}."
        ) from None
    if not isinstance(doc, dict) or "workspace" not in doc:
        raise DataError("That JSON file is not a workspace backup (it has no workspace).")
    version = doc.get("schema", 0)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise DataError(f"That backup's schema version {version!r} is not one we wrote.")
    if version > SCHEMA:
        raise DataError(
            f"That backup was written by a newer version (schema {version}; this one reads up "
            f"to {SCHEMA}). Update the app, then restore it."
        )
    try:
        if version == 0:
            return store.import_workspace(doc, created_by=created_by).id
        return store.restore_document(doc, created_by=created_by).id
    except DataError:
        raise
    except ValidationError as err:  # the same sentence, as the upload error it is
        raise DataError(str(err)) from err
