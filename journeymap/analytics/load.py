"""Upload to dataset in two steps: read and recognise, then map and normalise.

The page runs the steps apart (the user checks the mapping in between);
`load_events` runs both for scripts and notebooks.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pandas as pd

from journeymap.analytics.detect import FIELDS, Detection, detect
from journeymap.analytics.normalise import Options, expand_nested, normalise
from journeymap.analytics.read import MAX_UPLOAD_MB, RawTable, read_table
from journeymap.analytics.tables import stage_table
from journeymap.errors import DataError

Source = str | Path | bytes | IO[bytes]


@dataclass
class EventLog:
    """A normalised dataset, ready to save and to question."""

    source_format: str
    events: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    how_read: str = ""  # "CSV, UTF-8, comma-separated, gzip" and the like

    @property
    def kind(self) -> str:
        return "stages" if self.source_format == "stage_table" else "events"

    @property
    def details(self) -> dict:
        """What a saved dataset keeps about how it was made."""
        return {"mapping": self.mapping, "warnings": self.warnings, "read": self.how_read}

    @property
    def users(self) -> int:
        return int(self.events["actor_id"].nunique()) if "actor_id" in self.events else 0

    @property
    def time_range(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        if "ts" not in self.events or self.events.empty:
            return None, None
        return self.events["ts"].min(), self.events["ts"].max()


@dataclass
class Upload:
    """A file read and recognised, before the user confirms the mapping."""

    table: RawTable
    detection: Detection

    @property
    def frame(self) -> pd.DataFrame:
        return self.table.frame

    def to_events(self, mapping: dict[str, str] | None = None, **options) -> EventLog:
        """Normalise with the detected mapping, or with `mapping` (field -> column) instead."""
        detection = self.detection
        if mapping is not None:
            unknown = [c for c in mapping.values() if c and c not in self.frame.columns]
            if unknown:
                raise DataError(f"The file has no column named {unknown[0]!r}.")
            fields = FIELDS if detection.format != "stage_table" else {"stage": "Stage"}
            bad = [f for f in mapping if f not in fields]
            if bad:
                raise DataError(f"{bad[0]!r} is not a field that can be mapped.")
            same_time = mapping.get("ts") == detection.mapping.get("ts")
            detection = dataclasses.replace(
                detection,
                mapping={f: c for f, c in mapping.items() if c},
                time_unit=detection.time_unit if same_time else None,
            )
        if detection.format == "stage_table":
            events, warnings = stage_table(self.frame, detection.mapping["stage"])
        else:
            result = normalise(self.frame.copy(), detection, Options(**options))
            events, warnings = result.events, result.warnings
        return EventLog(
            detection.format,
            events,
            [*self.table.notes, *warnings],
            dict(detection.mapping),
            describe(self.table),
        )


def read_upload(
    source: Source,
    *,
    filename: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    max_bytes: int = MAX_UPLOAD_MB * 1024**2,
) -> Upload:
    """Read a file and recognise what it is (the first step of an upload)."""
    table = read_table(
        source, filename=filename, encoding=encoding, delimiter=delimiter, max_bytes=max_bytes
    )
    table.frame = expand_nested(table.frame)
    return Upload(table, detect(table.frame))


def load_events(
    source: Source,
    *,
    filename: str | None = None,
    mapping: dict[str, str] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    timezone: str = "UTC",
    dayfirst: bool | None = None,
    drop_bad_times: bool = False,
    time_unit: str | None = None,
    max_bytes: int = MAX_UPLOAD_MB * 1024**2,
) -> EventLog:
    """Read, recognise and normalise an analytics export in one call."""
    upload = read_upload(
        source, filename=filename, encoding=encoding, delimiter=delimiter, max_bytes=max_bytes
    )
    return upload.to_events(
        mapping,
        timezone=timezone,
        dayfirst=dayfirst,
        drop_bad_times=drop_bad_times,
        time_unit=time_unit,
    )


def describe(table: RawTable) -> str:
    """How the file was read, in words: "CSV, UTF-8, semicolon-separated, gzip"."""
    names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}
    parts = [
        {"jsonl": "JSON lines", "json": "JSON", "xlsx": "Excel"}.get(
            table.container, table.container.upper()
        )
    ]
    if table.encoding:
        parts.append(table.encoding.upper() if table.encoding != "utf-8" else "UTF-8")
    if table.delimiter:
        parts.append(f"{names.get(table.delimiter, repr(table.delimiter))}-separated")
    if table.compression:
        parts.append(table.compression)
    return ", ".join(parts)
