"""CSV a spreadsheet opens as data: text that starts like a formula stays text.

Excel and LibreOffice run a cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return as a formula (`=HYPERLINK(...)`, `+cmd|...`), so an id or a
label from an uploaded file could do so in a download. Such text gets a leading
apostrophe, the spreadsheet convention for "this is text" (RELIABILITY.md).
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv_bytes(frame: pd.DataFrame, *, index: bool = False) -> bytes:
    """UTF-8 CSV (with a BOM, so Excel reads accents and CJK right) of text-safe cells."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or isinstance(
            out[column].dtype, pd.StringDtype | pd.CategoricalDtype
        ):
            out[column] = out[column].astype(object).map(safe_text)
    if index:
        out.index = out.index.map(safe_text)
    return out.to_csv(index=index).encode("utf-8-sig")
