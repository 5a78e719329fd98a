"""An uploaded workbook, checked before openpyxl sees it; every refusal is one sentence.

Order: size -> sniff the first bytes (an old .xls and a password-protected workbook are
both OLE2 files: the second names an `EncryptedPackage` stream in its directory) -> the
zip's declared sizes (a 208 KB xlsx that expands to 200 MB passes openpyxl, RELIABILITY.md)
-> openpyxl. Expat (2.4+) refuses entity-expansion bombs inside the XML itself.

openpyxl reads shared strings with `text.replace("x005F_", "")`, half-decoding Excel's
escapes and mangling text that contains "x005F_"; `_Reader` keeps them exactly as
stored, so `cells.unescape` decodes them once, the same way for inline and shared strings.
"""

from __future__ import annotations

import io
import struct
import warnings
import zipfile
from typing import Any

from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.workbook import Workbook
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from journeymap.analytics.read import MAX_RATIO
from journeymap.errors import DataError

MAX_FILE = 50 * 1024**2
MAX_EXPANDED = 200 * 1024**2
MAX_MEMBERS = 10_000
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_RESAVE = "open it in Excel or LibreOffice, save it again as .xlsx, and upload that"


def open_workbook(data: bytes) -> Workbook:
    """The workbook in `data`, or `DataError` saying why not."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("open_workbook takes the file's bytes")
    data = bytes(data)
    if not data.strip():
        raise DataError("The file is empty: there is nothing to import.")
    if len(data) > MAX_FILE:
        raise DataError(
            f"The file is {len(data) / 1024**2:,.1f} MB; a workbook to import may be at most "
            f"{MAX_FILE // 1024**2} MB. Remove what you do not need from it and try again."
        )
    if data[:4] == OLE2[:4]:
        if "EncryptedPackage" in ole_names(data):
            raise DataError(
                "This workbook is password-protected; open it in Excel, remove the password "
                "(File > Info > Protect Workbook), save it and upload it again."
            )
        raise DataError(
            "This is an old-format Excel workbook (.xls); open it in Excel or LibreOffice, "
            "save it as .xlsx, and upload that."
        )
    if data[:4] != b"PK\x03\x04":
        start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if start in (b"{", b"["):
            raise DataError(
                "This is a JSON file, not an Excel workbook; restore it with the JSON backup "
                "import instead."
            )
        raise DataError(
            "This file is not an Excel workbook (.xlsx); save the journey map as .xlsx in "
            "Excel or LibreOffice and upload that."
        )
    _check_zip(data)
    try:
        with warnings.catch_warnings():  # openpyxl warns about parts it skips (extensions...)
            warnings.simplefilter("ignore")
            reader = _Reader(io.BytesIO(data), read_only=False, data_only=False, keep_links=False)
            reader.read()
    except DataError:
        raise
    except Exception as err:  # openpyxl raises many types (KeyError, TypeError...) on damage
        raise DataError(
            f"This Excel workbook could not be read ({_short(err)}); {_RESAVE}."
        ) from err
    return reader.wb


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError) as err:
        raise DataError(
            f"The workbook is damaged: it is not a complete zip archive ({_short(err)}); {_RESAVE}."
        ) from err
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise DataError(
            "This zip file is not an Excel workbook; upload the .xlsx file itself "
            "(not a zip holding it, or another Office document)."
        )
    if len(members) > MAX_MEMBERS:
        raise DataError(
            f"This workbook holds {len(members):,} parts, far more than any journey map; "
            "it was not opened."
        )
    if any(m.flag_bits & 0x1 for m in members):
        raise DataError(
            "This workbook's zip is password-protected; save it without a password and "
            "upload it again."
        )
    expanded = sum(m.file_size for m in members)
    limit = min(MAX_EXPANDED, MAX_RATIO * max(len(data), 1024**2))
    if expanded > limit:
        raise DataError(
            f"This {len(data) / 1024**2:,.1f} MB workbook would expand to "
            f"{expanded / 1024**2:,.0f} MB when opened (the limit is {limit / 1024**2:,.0f} MB, "
            f"at most {MAX_RATIO} times the file), far beyond any journey map, so it was not "
            "opened."
        )


def _short(err: BaseException) -> str:
    text = str(err) or type(err).__name__
    return text if len(text) <= 120 else text[:117] + "..."


class _Reader(ExcelReader):
    """openpyxl's reader, keeping shared strings exactly as stored (see module docstring)."""

    def read_strings(self) -> None:
        ct = self.package.find(SHARED_STRINGS)
        if ct is None:
            return
        tag = f"{{{SHEET_MAIN_NS}}}si"
        strings: list[Any] = []
        with self.archive.open(ct.PartName[1:]) as src:
            for _, node in iterparse(src):
                if node.tag == tag:
                    strings.append(Text.from_tree(node).content)
                    node.clear()
        self.shared_strings = strings


# -- OLE2 (compound file) directory: just the stream names ------------------------------


def ole_names(data: bytes) -> set[str]:
    """The names in a compound file's directory (empty when it cannot be read)."""
    try:
        return _ole_names(data)
    except (struct.error, IndexError, ValueError, KeyError):
        # A damaged directory: fall back to looking for the name itself (UTF-16 in it).
        found = "EncryptedPackage".encode("utf-16-le") in data
        return {"EncryptedPackage"} if found else set()


def _ole_names(data: bytes) -> set[str]:
    shift = struct.unpack_from("<H", data, 30)[0]
    if not 7 <= shift <= 16:
        raise ValueError("sector size")
    size = 1 << shift
    first_dir, _, _, first_difat, difat_count = struct.unpack_from("<5I", data, 48)

    def sector(n: int) -> bytes:
        start = (n + 1) * size
        if start + size > len(data):
            raise IndexError(n)
        return data[start : start + size]

    fat_sectors = [s for s in struct.unpack_from("<109I", data, 76) if s < 0xFFFFFFFA]
    n, seen = first_difat, 0
    while n < 0xFFFFFFFA and seen < difat_count and seen < 10_000:
        entries = struct.unpack(f"<{size // 4}I", sector(n))
        fat_sectors += [s for s in entries[:-1] if s < 0xFFFFFFFA]
        n, seen = entries[-1], seen + 1
    fat: list[int] = []
    for s in fat_sectors:
        fat += struct.unpack(f"<{size // 4}I", sector(s))
    names: set[str] = set()
    n, seen = first_dir, 0
    while n < 0xFFFFFFFA and seen < 100_000:
        block = sector(n)
        for offset in range(0, size, 128):
            length = struct.unpack_from("<H", block, offset + 64)[0]
            if 2 <= length <= 64:
                names.add(block[offset : offset + length - 2].decode("utf-16-le", "replace"))
        n, seen = fat[n], seen + 1
    return names
