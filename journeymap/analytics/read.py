"""Read an uploaded file into a table of strings: sniffed by content, never by name.

Order of work: bytes -> unwrap gzip/zip (sizes checked before expanding) -> the
container (xlsx, old xls, Parquet, JSON array, JSON lines, or delimited text) ->
for text, the encoding (BOM, strict UTF-8, then the CJK and Windows code pages,
asking when two readings are both plausible) and the delimiter -> a DataFrame
whose nested objects are flattened to `a.b` columns. Values stay as the file
wrote them (strings, or the typed values of Parquet/JSON/xlsx); `normalise`
decides what they mean. Every failure is a `DataError` with one sentence.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from journeymap.errors import ChoiceNeeded, DataError

MAX_UPLOAD_MB = 500  # the app's `server.maxUploadSize` says the same
MAX_EXPANDED = 4 * 1024**3  # bytes a compressed upload may expand to
MAX_RATIO = 100  # expansion of compressed uploads; exports reach about 40x, xlsx 5-15x
DELIMITERS = (",", ";", "\t", "|")
SNIFF_BYTES = 1 << 20
# Judged when the bytes are not UTF-8 (see _guess_legacy); Latin-1 decodes anything.
ENCODINGS = ("gb18030", "big5", "euc_kr", "shift_jis", "cp1251", "cp1252", "latin-1")
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "gb18030": "Simplified Chinese (GB18030/GBK)",
    "big5": "Traditional Chinese (Big5)",
    "euc_kr": "Korean (EUC-KR)",
    "shift_jis": "Japanese (Shift-JIS)",
    "cp1251": "Cyrillic (Windows-1251)",
    "cp1252": "Western European (Windows-1252)",
    "latin-1": "Western European (Latin-1)",
}
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"RIFF": "a media file",
    b"\x7fELF": "a program",
    b"MZ": "a Windows program",
}
_STRINGS = {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype()}
_TRY_AGAIN = "Export it again from your analytics tool, or save it as CSV, and upload that."


@dataclass
class RawTable:
    """A table as the file holds it, plus how it was read."""

    frame: pd.DataFrame
    container: str  # csv | xlsx | json | jsonl | parquet
    compression: str | None = None  # gzip | zip
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)


def read_table(
    source: str | Path | bytes | IO[bytes],
    *,
    filename: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    max_bytes: int = MAX_UPLOAD_MB * 1024**2,
) -> RawTable:
    """The table in `source` (a path, bytes, or a binary file object)."""
    data, filename = _bytes_of(source, filename)
    if len(data) > max_bytes:
        raise DataError(
            f"The file is {_megabytes(len(data), max_bytes)}; the limit is "
            f"{max_bytes / 1024**2:,.0f} MB. Upload a shorter date range, or compress it "
            "(gzip or zip)."
        )
    data, compression, filename = _unwrap(data, filename)
    if not data.strip():
        raise DataError("The file is empty: there is nothing to import.")
    table = _read_container(data, filename, encoding, delimiter)
    table.compression = compression
    if table.frame.empty:
        if len(table.frame.columns):
            raise DataError("The file has a header row but no data rows.")
        raise DataError("The file holds no rows of data.")
    return table


def _megabytes(size: int, limit: int) -> str:
    """The size in MB with as many decimals as it takes to differ from the limit."""
    for decimals in (0, 1, 2, 3):
        text = f"{size / 1024**2:,.{decimals}f}"
        if float(text.replace(",", "")) > limit / 1024**2:
            return f"{text} MB"
    return f"{size:,} bytes"


# -- bytes and compression --------------------------------------------------------------


def _bytes_of(source, filename: str | None) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), filename or ""
    if isinstance(source, str | Path):
        path = Path(source)
        return path.read_bytes(), filename or path.name
    return source.read(), filename or getattr(source, "name", "") or ""


def _unwrap(data: bytes, filename: str) -> tuple[bytes, str | None, str]:
    """Expand gzip and zip (one data file inside); leave xlsx workbooks whole."""
    if data[:2] == b"\x1f\x8b":
        return _gunzip(data), "gzip", re.sub(r"\.gz$", "", filename, flags=re.I)
    if data[:4] == b"PK\x05\x06":  # only the end record: an empty archive
        raise DataError("The zip file holds no files.")
    if data[:4] == b"PK\x03\x04" and not _is_xlsx(data):
        inner, name = _unzip_one(data)
        inner, _, name = _unwrap(inner, name)
        return inner, "zip", name
    return data, None, filename


def _expansion_limit(compressed: int) -> int:
    """The most a compressed upload may expand to: MAX_RATIO times, at most MAX_EXPANDED."""
    return min(MAX_EXPANDED, MAX_RATIO * max(compressed, 1 << 20))


def _gunzip(data: bytes) -> bytes:
    """Decompress in slices, refusing as soon as the output outgrows what went in.

    gzip declares no usable size, so the check runs on the way: past 64 MB of output,
    more than MAX_RATIO times the compressed bytes consumed so far is a bomb (a GA4
    JSON-lines export compresses about 40 times; a bomb of zeros about 1,000 times).
    """
    out, inflater = io.BytesIO(), zlib.decompressobj(wbits=31)
    pending, consumed, size = memoryview(data), 0, 0
    try:
        while pending:
            chunk = inflater.decompress(pending, 1 << 22)
            size += len(chunk)
            rest = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
            consumed += len(pending) - len(rest)
            if size > MAX_EXPANDED or (size > 1 << 26 and size > MAX_RATIO * consumed):
                raise DataError(_too_big(len(data)))
            out.write(chunk)
            if inflater.eof and rest:  # another gzip member follows
                inflater = zlib.decompressobj(wbits=31)
            pending = memoryview(rest)
    except zlib.error as err:
        raise DataError(f"The gzip file is damaged or cut short ({err}). {_TRY_AGAIN}") from err
    if not inflater.eof:
        raise DataError(f"The gzip file is cut short: it ends in the middle. {_TRY_AGAIN}")
    return out.getvalue()


def _too_big(compressed: int) -> str:
    return (
        f"This {compressed / 1024**2:,.1f} MB compressed file expands more than {MAX_RATIO} "
        f"times (or past {MAX_EXPANDED / 1024**3:,.0f} GB), far beyond any real export, so "
        "it was not opened. Upload the export uncompressed or in smaller parts."
    )


def _zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as err:
        raise DataError(f"The zip file is damaged ({err}). {_TRY_AGAIN}") from err


def _check_declared_sizes(members: Iterable[zipfile.ZipInfo], compressed: int) -> None:
    """Refuse a zip bomb from the sizes its directory declares, before expanding anything."""
    if sum(m.file_size for m in members) > _expansion_limit(compressed):
        raise DataError(_too_big(compressed))


def _is_xlsx(data: bytes) -> bool:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return False
    return "xl/workbook.xml" in names or (
        "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)
    )


def _unzip_one(data: bytes) -> tuple[bytes, str]:
    archive = _zip(data)
    members = [
        m
        for m in archive.infolist()
        if not m.is_dir()
        and not m.filename.startswith("__MACOSX/")
        and not Path(m.filename).name.startswith(".")
    ]
    if not members:
        raise DataError("The zip file holds no files.")
    if len(members) > 1:
        names = ", ".join(m.filename for m in members[:5])
        raise DataError(
            f"The zip file holds {len(members)} files ({names}); upload a zip with one "
            "export in it, or the files one by one."
        )
    _check_declared_sizes(members, len(data))
    member = members[0]
    if member.flag_bits & 0x1:
        raise DataError("The zip file is password-protected; upload it without a password.")
    limit = _expansion_limit(len(data))
    try:
        with archive.open(member) as handle:
            inner = handle.read(limit + 1)  # the declared size may lie; never read past this
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as err:
        raise DataError(f"The zip file is damaged ({err}). {_TRY_AGAIN}") from err
    if len(inner) > limit:
        raise DataError(_too_big(len(data)))
    return inner, member.filename


# -- containers ---------------------------------------------------------------------------


def _read_container(data: bytes, filename: str, encoding, delimiter) -> RawTable:
    if data[:4] == b"PK\x03\x04":
        return RawTable(_read_xlsx(data), "xlsx")
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise DataError(
            "This is an old-format Excel workbook (.xls) or a password-protected one; "
            "open it in Excel or LibreOffice, save it as .xlsx (without a password) or "
            "CSV, and upload that."
        )
    if data[:4] == b"PAR1":
        return RawTable(_read_parquet(data), "parquet")
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise DataError(
                f"This file is {what}, not a table of events; upload the CSV, Excel, JSON "
                "or Parquet export from your analytics tool."
            )
    text, used = _decode(data, encoding)
    stripped = text.lstrip()
    if stripped[:1] in "[{":
        return _read_json(stripped, used)
    if "\x00" in text[:SNIFF_BYTES]:
        raise DataError(
            "This file is binary, not text: it is not a CSV, whatever its name says. Upload "
            "the CSV, Excel, JSON or Parquet export from your analytics tool."
        )
    return _read_delimited(data, text, used, delimiter)


def _read_xlsx(data: bytes) -> pd.DataFrame:
    _check_declared_sizes(_zip(data).infolist(), len(data))
    from python_calamine import CalamineWorkbook  # fast and read-only

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=True)
    except Exception as err:  # calamine raises its own types for damaged workbooks
        raise DataError(
            f"This Excel workbook could not be read ({err}); open it in Excel or "
            "LibreOffice, save it again as .xlsx, and upload that."
        ) from err
    rows = [r for r in rows if any(v not in ("", None) for v in r)]
    if not rows:
        raise DataError("The first sheet of the workbook is empty.")
    header = [_cell_name(v, i) for i, v in enumerate(rows[0])]
    _unique_header(header)
    return pd.DataFrame(rows[1:], columns=header, dtype=object).replace("", None)


def _cell_name(value: Any, index: int) -> str:
    text = str(value).strip() if value is not None else ""
    return text or f"column {index + 1}"


def _read_parquet(data: bytes) -> pd.DataFrame:
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowInvalid, OSError) as err:
        raise DataError(f"This Parquet file could not be read ({err}). {_TRY_AGAIN}") from err
    return _flatten_arrow(table).to_pandas(types_mapper=_STRINGS.get)


def _flatten_arrow(table: pa.Table) -> pa.Table:
    """Nested structs become `a.b` columns (Arrow names them that way)."""
    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    return table


def _read_json(text: str, encoding: str) -> RawTable:
    if text.startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as err:
            raise DataError(
                f"The JSON file is not valid JSON: {err.msg} at line {err.lineno}, "
                f"column {err.colno}. {_TRY_AGAIN}"
            ) from err
        container = "json"
    else:
        records, container = _json_lines(text), "jsonl"
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise DataError(
            "The JSON holds something other than a list of objects (one per event); "
            "export the events as a JSON array or as JSON lines."
        )
    if not records:
        raise DataError("The JSON file holds no events.")
    frame = pd.json_normalize(records, sep=".")
    return RawTable(frame, container, encoding=encoding)


def _json_lines(text: str) -> list:
    records, decode = [], json.JSONDecoder().decode
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(decode(line))
        except json.JSONDecodeError as err:
            if number == 1 and len(text.splitlines()) > 1 and text.lstrip().startswith("{\n"):
                raise DataError(
                    "The file holds one JSON object spread over many lines; upload an array of "
                    "events or JSON lines (one event per line)."
                ) from err
            raise DataError(
                f"Line {number:,} is not valid JSON ({err.msg} at column {err.colno}); the "
                "other lines are fine. Fix or remove that line and upload the file again."
            ) from err
    return records


# -- text: encoding and delimiter --------------------------------------------------------


def _decode(data: bytes, encoding: str | None) -> tuple[str, str]:
    """The text and the encoding used; asks (ChoiceNeeded) when two are plausible."""
    if encoding:
        try:
            return data.decode(encoding).removeprefix("\ufeff"), encoding
        except (UnicodeDecodeError, LookupError) as err:
            raise DataError(
                f"The file is not valid {ENCODING_NAMES.get(encoding, encoding)} text "
                f"({err}); pick another encoding."
            ) from err
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8"), "utf-8"
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return _strict(data, "utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        if err.reason == "unexpected end of data":  # valid UTF-8 cut mid-character
            raise DataError(
                "The file ends in the middle of a character: it looks cut short. Download it again."
            ) from err
    return _guess_legacy(data)


def _strict(data: bytes, encoding: str, *, claimed: bool = True) -> str:
    """The whole file decoded; a byte that does not fit stops it with where it is."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        how = "says it is" if claimed else "reads as"
        raise DataError(
            f"The file {how} {ENCODING_NAMES[encoding]}, but byte {err.start:,} is not; save "
            "it again as UTF-8 and upload that."
        ) from err


def _guess_legacy(data: bytes) -> tuple[str, str]:
    """Pick the legacy encoding the text is clearly written in; ask when it is not clear.

    Most byte strings decode under several legacy encodings (GB18030 takes almost any,
    Latin-1 takes all), so "it decodes" proves little. Each candidate is judged by what
    it reads: real Simplified Chinese read as GB18030 is nearly all of GB2312's 3,755
    most common characters, Traditional Chinese read as Big5 nearly all from Big5's
    frequent block, Korean read as EUC-KR nearly all Hangul, Japanese full of kana;
    Russian read as Windows-1251 gives whole words of Cyrillic letters, Western text
    read as Windows-1252 accented letters inside otherwise ASCII words. The double-byte
    readings are judged first (a single-byte reading of them is noise). One clear
    reading is used; otherwise the user picks from a preview of each.
    """
    sample = data[:SNIFF_BYTES]
    fits = [e for e in ENCODINGS if _decodes(sample, e)]
    western = next((e for e in ("cp1252", "latin-1") if e in fits), None)
    for group in (("gb18030", "big5", "euc_kr", "shift_jis"), ("cp1251", western)):
        score = {e: _plausibility(sample, e) for e in group if e in fits}
        clear = sorted((e for e in score if score[e] >= 0.9), key=lambda e: -score[e])
        if len(clear) == 1 or (len(clear) > 1 and score[clear[0]] - score[clear[1]] >= 0.15):
            return _strict(data, clear[0], claimed=False), clear[0]
        if clear:
            break  # two close readings: the user decides
    raise ChoiceNeeded(
        "The file is not UTF-8, and it is not clear which encoding it uses; pick the one "
        "whose preview shows your text correctly.",
        "encoding",
        {e: _preview(sample, e) for e in fits},
    )


_WORD = re.compile(r"\w{2,}")


def _plausibility(sample: bytes, encoding: str) -> float:
    """How much the text read as `encoding` looks like that encoding's language (0-1)."""
    text = sample.decode(encoding, errors="ignore")
    chars = [c for c in text if ord(c) > 127]
    if not chars:
        return 0.0
    if encoding in ("gb18030", "big5"):
        codec, low, high = ("gb2312", 0xB0, 0xD7) if encoding == "gb18030" else ("big5", 0xA4, 0xC6)
        return sum(low <= _lead_byte(c, codec) <= high for c in chars) / len(chars)
    if encoding == "euc_kr":
        return sum("\uac00" <= c <= "\ud7a3" for c in chars) / len(chars)
    if encoding == "shift_jis":  # kana are what Japanese has and Chinese does not
        return 1.0 if sum("\u3040" <= c <= "\u30ff" for c in chars) >= 0.2 * len(chars) else 0.0
    words = [w for w in _WORD.findall(text) if any(ord(c) > 127 for c in w)]
    if not words or not all(c.isprintable() for c in chars):
        return 0.0
    if encoding == "cp1251":  # Russian: whole words of Cyrillic letters
        return sum(all("\u0400" <= c <= "\u04ff" for c in w) for w in words) / len(words)
    return sum(any(c.isascii() for c in w) for w in words) / len(words)  # Western: mixed


def _lead_byte(char: str, codec: str) -> int:
    encoded = char.encode(codec, errors="ignore")
    return encoded[0] if len(encoded) == 2 else 0


def _decodes(sample: bytes, encoding: str) -> bool:
    try:
        sample.decode(encoding)
    except UnicodeDecodeError as err:  # a character cut by the sample's end is fine
        return len(sample) == SNIFF_BYTES and err.reason == "incomplete multibyte sequence"
    return True


def _preview(sample: bytes, encoding: str) -> str:
    lines = sample.decode(encoding, errors="replace").splitlines()[:3]
    return "\n".join(line[:120] for line in lines)


def _read_delimited(data: bytes, text: str, encoding: str, delimiter: str | None) -> RawTable:
    delimiter = delimiter or _sniff_delimiter(text)
    header = next(csv.reader(io.StringIO(text[: text.find("\n") + 1 or None]), delimiter=delimiter))
    header = [h.strip() for h in header]
    if len(header) < 2:
        raise DataError(
            "The file has only one column, so its delimiter is not one of comma, semicolon, "
            "tab or bar; pick the delimiter it uses, or save it again as CSV."
        )
    _unique_header(header)
    if not text.strip().partition("\n")[2].strip():
        raise DataError("The file has a header row but no data rows.")
    if text.count('"') % 2:  # quotes come in pairs, unless one is never closed (or literal)
        _check_quotes_close(text, delimiter)
    body = data if encoding == "utf-8" else text.encode("utf-8")
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as err:
        raise DataError(_ragged(text, delimiter, len(header)) or f"{err}. {_TRY_AGAIN}") from err
    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)
    return RawTable(frame, "csv", encoding=encoding, delimiter=delimiter)


def _ragged(text: str, delimiter: str, width: int) -> str | None:
    """The sentence naming the first row whose field count differs from the header's."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        next(reader, None)
        for row in reader:
            if row and len(row) != width:
                return (
                    f"Row {reader.line_num:,} has {len(row)} fields, the header has {width}; "
                    "fix that row (a missing or extra delimiter, or an unclosed quote) and "
                    "upload the file again."
                )
    except csv.Error as err:
        return (
            f"Line {reader.line_num + 1:,} cannot be read as CSV ({err}); a line break or "
            "quote inside a value needs the whole value in double quotes. Fix that line and "
            "upload the file again."
        )
    return None


def _check_quotes_close(text: str, delimiter: str) -> None:
    """A quoted value still open at the end of the file would swallow every later row."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    line = 0
    try:
        for _ in reader:
            line = reader.line_num
    except csv.Error as err:
        if "unexpected end of data" in str(err) or "EOF" in str(err):
            raise DataError(
                f"A double quote opened after line {line:,} is never closed, so the rest of the "
                "file would be read as one value; close or remove that quote and upload the "
                "file again."
            ) from err


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most, equally wide, columns."""
    lines = text[:65536].splitlines()[:50] or [""]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        widths = [len(r) for r in csv.reader(lines, delimiter=delimiter) if r]
        if not widths or widths[0] < 2:
            continue
        steady = sum(w == widths[0] for w in widths)
        score = (steady, widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _unique_header(header: list[str]) -> None:
    seen: dict[str, int] = {}
    for name in header:
        seen[name] = seen.get(name, 0) + 1
    twice = [n for n, count in seen.items() if count > 1]
    if twice:
        raise DataError(
            f"The header names the column {twice[0]!r} more than once; give each column its "
            "own name and upload the file again."
        )
