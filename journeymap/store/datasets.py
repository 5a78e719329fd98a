"""Datasets: prepared analytics uploads of a workspace, a row here and a Parquet file on disk.

Saving writes the file first (under a temporary name, then renamed into place),
then the row in one transaction; if the transaction fails the file is removed,
so a dataset is either listed with its file or not there at all. The file's
sha256 is the dataset's fingerprint: questions about it are cached by it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import insert, select, update

from journeymap import rules
from journeymap.errors import NotFoundError, StoreError
from journeymap.model import Dataset, DatasetKind
from journeymap.store.base import StoreBase
from journeymap.store.rows import clean_author, row_to
from journeymap.store.schema import T

_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # ids name files: never a path
_STRINGS = {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype()}


def dataset_row(row: Mapping[str, Any]) -> Dataset:
    return row_to(
        Dataset, {**row, "kind": DatasetKind(row["kind"]), "details": row["details"] or {}}
    )


class DatasetStore(StoreBase):
    """Save, list, rename, read and delete a workspace's datasets."""

    @property
    def data_dir(self) -> Path:
        return self._data_dir

    def _file(self, workspace_id: str, dataset_id: str) -> Path:
        if not (_SAFE_ID.match(workspace_id) and _SAFE_ID.match(dataset_id)):
            raise NotFoundError("This workspace does not exist any more; it may have been deleted.")
        return self._data_dir / workspace_id / f"{dataset_id}.parquet"

    def save_dataset(
        self,
        workspace_id: str,
        name: str,
        frame: pd.DataFrame,
        *,
        kind: DatasetKind | str = DatasetKind.EVENTS,
        source_format: str = "generic",
        file_name: str = "",
        uploaded_by: str = "",
        details: dict | None = None,
    ) -> Dataset:
        """Store a prepared table as a new dataset of the workspace."""
        name = rules.name(name, "A dataset name")
        kind = DatasetKind(kind)
        with self._tx(write=False) as conn:  # refuse before touching the disk
            self._require(conn, T["workspaces"], workspace_id, "workspace")
        dataset_id = self._new_id()
        path = self._file(workspace_id, dataset_id)
        fingerprint = _write_parquet(frame, path)
        ts = frame.get("ts")
        row = {
            "id": dataset_id,
            "workspace_id": workspace_id,
            "name": name,
            "kind": kind.value,
            "source_format": source_format,
            "file_name": rules.text(file_name, "The file name", max_len=500, required=False),
            "rows": len(frame),
            "users": int(frame["actor_id"].nunique()) if "actor_id" in frame else 0,
            "time_from": ts.min().to_pydatetime() if ts is not None and len(ts) else None,
            "time_to": ts.max().to_pydatetime() if ts is not None and len(ts) else None,
            "uploaded_by": clean_author(uploaded_by),
            "uploaded_at": self._clock(),
            "fingerprint": fingerprint,
            "details": _plain(details or {}),
            "version": 1,
        }
        try:
            with self._tx(write=True) as conn:
                self._guard(conn, "workspaces", workspace_id)
                self._require(conn, T["workspaces"], workspace_id, "workspace")
                conn.execute(insert(T["datasets"]).values(**row))
        except BaseException:
            path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                path.parent.rmdir()  # only if this left it empty
            raise
        return dataset_row(row)

    def list_datasets(self, workspace_id: str) -> list[Dataset]:
        d = T["datasets"]
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(d).where(d.c.workspace_id == workspace_id).order_by(d.c.uploaded_at.desc())
            ).mappings()
            return [dataset_row(r) for r in rows]

    def get_dataset(self, dataset_id: str) -> Dataset:
        with self._tx(write=False) as conn:
            return dataset_row(self._require(conn, T["datasets"], dataset_id, "dataset"))

    def read_dataset(self, dataset: Dataset) -> pd.DataFrame:
        """The dataset's table, as it was saved."""
        path = self._file(dataset.workspace_id, dataset.id)
        try:
            frame = pq.read_table(path).to_pandas(types_mapper=_STRINGS.get)
        except (OSError, pa.ArrowInvalid) as err:
            raise StoreError(
                f"The file of the dataset {dataset.name!r} is missing or damaged on the "
                "server; upload it again, and tell whoever runs this app."
            ) from err
        for column in frame.select_dtypes("category"):  # the labels as saved: strings
            labels = frame[column].cat.categories
            if labels.dtype == object or labels.dtype == "str":
                frame[column] = frame[column].cat.rename_categories(labels.astype("string"))
        return frame

    def preview_dataset(self, dataset: Dataset, rows: int = 20) -> pd.DataFrame:
        """The first rows only: one small read, whatever the dataset's size."""
        path = self._file(dataset.workspace_id, dataset.id)
        try:
            batch = next(pq.ParquetFile(path).iter_batches(batch_size=rows), None)
        except (OSError, pa.ArrowInvalid) as err:
            raise StoreError(
                f"The file of the dataset {dataset.name!r} is missing or damaged on the "
                "server; upload it again, and tell whoever runs this app."
            ) from err
        if batch is None:
            return pd.DataFrame()
        return batch.to_pandas(types_mapper=_STRINGS.get)

    def rename_dataset(self, dataset_id: str, expected_version: int, name: str) -> Dataset:
        values = {"name": rules.name(name, "A dataset name")}
        with self._tx(write=True) as conn:
            self._guard(conn, "datasets", dataset_id)
            return self._cas(
                conn, T["datasets"], dataset_id, expected_version, values, "dataset", dataset_row
            )

    def delete_dataset(self, dataset_id: str, expected_version: int) -> None:
        with self._tx(write=True) as conn:
            self._guard(conn, "datasets", dataset_id)
            row = self._require(conn, T["datasets"], dataset_id, "dataset")
            self._cas_delete(
                conn, T["datasets"], dataset_id, expected_version, "dataset", dataset_row
            )
            m = T["maps"]  # maps measured on it are measured on nothing now
            conn.execute(
                update(m)
                .where(m.c.dataset_id == dataset_id)
                .values(dataset_id=None, revision=m.c.revision + 1)
            )
        self._file(row["workspace_id"], dataset_id).unlink(missing_ok=True)

    def _remove_workspace_files(self, workspace_id: str) -> None:
        shutil.rmtree(self._data_dir / workspace_id, ignore_errors=True)


def _write_parquet(frame: pd.DataFrame, path: Path) -> str:
    """Write atomically (temporary name, then rename); return the file's sha256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        pq.write_table(table, partial, compression="zstd")
        digest = hashlib.sha256()
        with partial.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        os.replace(partial, path)
    except (OSError, pa.ArrowException) as err:
        partial.unlink(missing_ok=True)
        raise StoreError(
            f"The dataset could not be written to the server's disk ({err}); nothing was saved."
        ) from err
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    """JSON-safe details (mapping, warnings, how it was read)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
