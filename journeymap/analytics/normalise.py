"""From a raw table and a mapping to the normalised event log (ANALYTICS.md section 1).

Times become UTC with their unit inferred; anonymous ids are stitched to the user
ids seen with them, so one person's devices are one journey; the channel comes
from source and medium; sessions split at 30 minutes where the file has none;
every other column is kept as a property. Nothing is dropped without the user
asking for it: unreadable times stop the import with a count and examples.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from journeymap.analytics.channels import channels
from journeymap.analytics.detect import FIELDS, Detection, key
from journeymap.analytics.tables import parse_numbers, unread
from journeymap.errors import ChoiceNeeded, DataError

SESSION_GAP = pd.Timedelta(minutes=30)
CORE = ("actor_id", "event", "ts")
OPTIONAL = (
    "user_id", "anonymous_id", "session_id", "source", "medium", "campaign", "referrer",
    "channel", "device", "os", "browser", "country", "page", "revenue", "currency",
)  # fmt: skip
_NUMERIC = re.compile(r"^\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$")
_SLASHED = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})\b")
_ZONED = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)$")
_IDS = ("actor_id", "user_id", "anonymous_id")
_LABELS = ("device", "os", "browser", "country", "currency")
# The first rule whose word a device (or OS) name contains decides: tablets first, since
# "Android Tablet" and "iPadOS" also contain a phone's word.
_DEVICE_WORDS = (
    (("tablet", "ipad", "kindle", "galaxy tab"), "tablet"),
    (("mobile", "phone", "iphone", "android", "ios", "handset", "pixel", "galaxy"), "mobile"),
    (("desktop", "computer", "pc", "mac", "windows", "linux", "chrome os", "chromeos",
      "ubuntu", "laptop", "web", "x11"), "desktop"),
)  # fmt: skip


@dataclass
class Options:
    """What the user chose on the mapping step (all optional)."""

    timezone: str = "UTC"  # for times written without a zone
    dayfirst: bool | None = None  # for dates like 03/04/2026; None: ask if ambiguous
    drop_bad_times: bool = False  # leave out rows whose time cannot be read
    time_unit: str | None = None  # "s" | "ms" | "us" | "ns" for numbers; None: infer


@dataclass
class Normalised:
    events: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def expand_nested(frame: pd.DataFrame) -> pd.DataFrame:
    """Flatten what the reader could not: GA4's `event_params` lists and JSON-in-a-cell."""
    for column in list(frame.columns):
        values = frame[column]
        sample = values.dropna().head(20)
        if sample.empty or values.dtype.kind not in "OT":
            continue
        first = sample.iloc[0]
        if isinstance(first, str) and first.lstrip().startswith("{"):
            parsed = values.map(_json_object)
            if parsed.notna().sum() >= values.notna().sum() * 0.9:
                frame = _merge(
                    frame, column, pd.json_normalize(parsed.fillna({}).tolist(), sep=".")
                )
        elif isinstance(first, list | np.ndarray) and _is_param_list(first):
            frame = _merge(frame, column, _params_frame(values))
    return frame


def _json_object(value):
    if not isinstance(value, str):
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _is_param_list(value) -> bool:
    return len(value) > 0 and all(isinstance(p, dict) and "key" in p for p in value)


def _params_frame(values: pd.Series) -> pd.DataFrame:
    """GA4 `event_params`: [{key, value: {string_value|int_value|...}}] -> one column per key."""

    def flat(params) -> dict:
        out = {}
        for p in params if isinstance(params, list | np.ndarray) else ():
            value = p.get("value") or {}
            out[p["key"]] = next((v for v in value.values() if v is not None), None)
        return out

    return pd.DataFrame([flat(v) for v in values])


def _merge(frame: pd.DataFrame, column: str, expanded: pd.DataFrame) -> pd.DataFrame:
    expanded.index = frame.index
    expanded.columns = [f"{column}.{c}" for c in expanded.columns]
    fresh = [c for c in expanded.columns if c not in frame.columns]
    return pd.concat([frame.drop(columns=[column]), expanded[fresh]], axis=1)


def normalise(frame: pd.DataFrame, detection: Detection, options: Options) -> Normalised:
    """The event log in the normalised schema, sorted by person and time."""
    mapping = {f: c for f, c in detection.mapping.items() if c and f in FIELDS}
    missing = detection.missing()
    if missing:
        raise DataError(
            f"No column is mapped as {' or '.join(missing)}; choose the column that holds it."
        )
    warnings: list[str] = []
    out = pd.DataFrame(index=frame.index)
    out["event"] = _text(frame[mapping["event"]])
    unit = options.time_unit or detection.time_unit
    out["ts"], kept = _times(frame[mapping["ts"]], unit, options, detection.times_utc, warnings)
    for name in OPTIONAL:
        if name in mapping and name not in ("revenue",):
            out[name] = _text(frame[mapping[name]])
    if "revenue" in mapping:
        out["revenue"] = _money(frame[mapping["revenue"]], warnings)
    out = out[kept]
    frame = frame[kept]
    if out["event"].isna().any():
        gaps = int(out["event"].isna().sum())
        raise DataError(
            f"{gaps:,} rows have no event name (column {mapping['event']!r}); fill them in or "
            "remove those rows, or map another column as the event."
        )
    links = _identify_links(frame, detection)
    out["actor_id"] = stitch(
        out.get("user_id"), out.get("anonymous_id"), out["ts"], links, warnings
    )
    if out["actor_id"].isna().any():
        gaps = int(out["actor_id"].isna().sum())
        raise DataError(
            f"{gaps:,} rows have neither a user id nor an anonymous id; fill them in or remove "
            "those rows, or map other columns as the ids."
        )
    if "device" in out or "os" in out:
        out["device"] = _devices(out.get("device"), out.get("os"), _screen_widths(frame))
    if "session_id" in out:  # a tool's session id is unique per device or person only
        owner = out["anonymous_id"] if "anonymous_id" in out else out["actor_id"]
        out["session_id"] = _pairs(owner.fillna(out["actor_id"]), out["session_id"])
    if "referrer" in out:
        _source_from_referrer(out)
    if "channel" not in out and ("source" in out or "medium" in out):
        empty = pd.Series(pd.NA, index=out.index, dtype="string")
        out["channel"] = channels(out.get("source", empty), out.get("medium", empty))
    # Categories: ids and labels repeat, so every later reorder and question works on
    # integer codes (and Parquet stores each distinct value once).
    for name in (*_IDS, "source", "medium", "campaign", "referrer", *_LABELS):
        if name in out and not isinstance(out[name].dtype, pd.CategoricalDtype):
            out[name] = out[name].astype("category")
    codes = out["actor_id"].cat.codes.to_numpy()  # categories are sorted: codes sort too
    order = np.lexsort((out["ts"].array.asi8, codes))  # by person, then time; stable
    out, frame = out.iloc[order], frame.iloc[order]
    if "session_id" not in out:
        out["session_id"] = sessions(out["actor_id"], out["ts"])
    ordered = [*CORE, *[c for c in OPTIONAL if c in out]]
    result = out[ordered].reset_index(drop=True)
    result = pd.concat([result, _properties(frame, mapping, set(ordered))], axis=1)
    result["event"] = result["event"].astype("category")
    return Normalised(result, warnings)


def _text(values: pd.Series) -> pd.Series:
    """Strings, with empty cells missing; numbers as the file wrote them (no `1.0` for 1).

    A categorical stays one: its labels are cleaned once each, not once per row.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        labels = _text(pd.Series(values.cat.categories))
        inverse, new = pd.factorize(labels)
        codes = values.cat.codes.to_numpy()
        codes = np.where(codes >= 0, inverse[np.maximum(codes, 0)], -1)
        return pd.Series(pd.Categorical.from_codes(codes, new), index=values.index)
    if values.dtype.kind == "f":
        as_int = values.dropna()
        if (as_int == as_int.round()).all():
            values = values.astype("Int64")
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def _money(values: pd.Series, warnings: list[str]) -> pd.Series:
    if values.dtype.kind in "iuf":
        return values.astype("float64")
    numbers = parse_numbers(values)
    text = values.astype("string").str.strip()
    count, examples = unread(text.mask(text == ""), numbers)
    if count:
        warnings.append(
            f"{count:,} revenue values are not numbers (e.g. {examples}); they count as no revenue."
        )
    return numbers.astype("float64")


# -- times ---------------------------------------------------------------------------


def _times(values: pd.Series, unit, options: Options, utc_naive: bool, warnings: list[str]):
    """UTC timestamps and a mask of the rows kept; bad times stop the import unless dropped.

    Times written without a zone are in `options.timezone`, unless the export documents
    them as UTC (`utc_naive`, e.g. Amplitude's `event_time`).
    """
    zone = "UTC" if utc_naive else options.timezone
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values if values.dt.tz is not None else _localise(values, zone, warnings)
    elif values.dtype.kind in "iuf" or _mostly_numeric(values):
        parsed = _epoch(pd.to_numeric(values, errors="coerce"), unit)
    else:
        parsed = _strings(values.astype("string").str.strip(), options.dayfirst, warnings)
        if parsed.dt.tz is None:
            if zone == "UTC" and not utc_naive:
                warnings.append("The times have no time zone; they were read as UTC.")
            parsed = _localise(parsed, zone, warnings)
    parsed = parsed.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    bad = parsed.isna()
    if bad.any():
        examples = ", ".join(repr(str(v)) for v in values[bad].unique()[:3])
        if not options.drop_bad_times:
            raise DataError(
                f"{int(bad.sum()):,} of {len(values):,} times could not be read (e.g. "
                f"{examples}); fix them in the file, or choose to leave those rows out."
            )
        warnings.append(
            f"Left out {int(bad.sum()):,} rows whose time could not be read (e.g. {examples})."
        )
    return parsed, ~bad


def _localise(naive: pd.Series, zone: str, warnings: list[str]) -> pd.Series:
    """Naive times read in `zone`; the hour a clock change skips or repeats is said, not lost."""
    strict = naive.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    odd = strict.isna() & naive.notna()
    if not odd.any():
        return strict
    warnings.append(
        f"{int(odd.sum()):,} times fall in an hour that {zone} skipped or repeated when the "
        "clocks changed; they were read as summer time."
    )
    return naive.dt.tz_localize(
        zone, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward"
    )


def _mostly_numeric(values: pd.Series) -> bool:
    sample = values.dropna().astype(str).head(200)
    return not sample.empty and sample.str.match(_NUMERIC).mean() > 0.95


def _epoch(numbers: pd.Series, unit: str | None) -> pd.Series:
    """Epoch numbers; the unit from their size when the export does not fix it."""
    if unit is None:
        size = numbers.abs().median()
        unit = "s" if size < 1e11 else "ms" if size < 1e14 else "us" if size < 1e17 else "ns"
    return pd.to_datetime(numbers, unit=unit, utc=True, errors="coerce")


def _strings(values: pd.Series, dayfirst: bool | None, warnings: list[str]) -> pd.Series:
    """Parsed times: aware (UTC) when the strings carry zones, naive when none do."""
    sample = values.dropna()
    slashed = sample.head(5000).str.extract(_SLASHED).dropna().astype(int)
    if not slashed.empty and dayfirst is None:
        if slashed[0].max() > 12:
            dayfirst = True
        elif slashed[1].max() > 12:
            dayfirst = False
        else:
            first = sample[sample.str.match(_SLASHED)].iloc[0]
            raise ChoiceNeeded(
                f"Dates such as {first!r} could be day/month or month/day; say which the file "
                "uses.",
                "dayfirst",
                {True: "Day first (31/12/2026)", False: "Month first (12/31/2026)"},
            )
    zoned = pd.Series(  # RE2 in Arrow: one vectorised pass, not a Python call per row
        pc.match_substring_regex(
            pa.array(sample, type=pa.string()), _ZONED.pattern, ignore_case=True
        )
    )
    if zoned.any() and not zoned.all():
        warnings.append(
            f"{int((~zoned).sum()):,} times have no time zone while the others do; those "
            "were read as UTC."
        )
    fmt = "mixed" if not slashed.empty else "ISO8601"
    aware = bool(zoned.any())
    try:
        parsed = pd.to_datetime(
            values, format=fmt, dayfirst=bool(dayfirst), utc=aware, errors="coerce"
        )
    except (ValueError, TypeError):
        parsed, aware = pd.to_datetime(values, format="mixed", utc=True, errors="coerce"), True
    misses = parsed.isna() & values.notna()
    if misses.any():  # retry the misses one by one, leniently
        parsed = parsed.copy()
        parsed[misses] = pd.to_datetime(
            values[misses], format="mixed", dayfirst=bool(dayfirst), utc=aware, errors="coerce"
        )
    return parsed


# -- people and sessions -----------------------------------------------------------------


def _identify_links(frame: pd.DataFrame, detection: Detection) -> pd.DataFrame | None:
    """PostHog's `$identify` events name the anonymous id they merge: extra id pairs."""
    if detection.format != "posthog":
        return None
    by_key = {key(c): c for c in frame.columns}
    anon = by_key.get("properties_$anon_distinct_id") or by_key.get("$anon_distinct_id")
    if anon is None:
        return None
    pairs = pd.DataFrame(
        {"anon": _text(frame[anon]), "user": _text(frame[detection.mapping["anonymous_id"]])}
    )
    return pairs.dropna()


def stitch(user, anon, ts, links=None, warnings: list[str] | None = None) -> pd.Series:
    """The person behind each event: the user id, else the user its anonymous id met.

    Any event carrying both ids (or an identify link) joins that anonymous id to the
    user, so the events of that device before sign-up, and of other devices of the same
    user, become one journey. An anonymous id seen with two user ids (a shared
    computer) goes to the first, by time, and the others keep only their own events.
    Works on integer codes; returns a categorical.
    """
    index = ts.index
    none = pd.Series(pd.NA, index=index, dtype="string")
    user_codes, users = pd.factorize(user if user is not None else none)
    anon_codes, anons = pd.factorize(anon if anon is not None else none)
    users = pd.Index(users, dtype="string")
    first_user = np.full(len(anons) + 1, -1)  # per anonymous id; the extra slot serves -1
    both = (user_codes >= 0) & (anon_codes >= 0)
    order = np.argsort(ts.array.asi8[both], kind="stable")
    a, u = anon_codes[both][order], user_codes[both][order]
    first_user[a[::-1]] = u[::-1]  # the last write wins: the earliest pair
    if links is not None and not links.empty:  # identify links come before any event
        link_anon = pd.Index(anons).get_indexer(links["anon"])
        users = users.append(pd.Index(links["user"], dtype="string")).unique()
        known = link_anon >= 0
        first_user[link_anon[known]] = users.get_indexer(links["user"])[known]
    if warnings is not None and len(a):
        pairs = np.unique(a.astype(np.int64) * (len(users) + 1) + u)
        shared = int((np.bincount(pairs // (len(users) + 1)) > 1).sum())
        if shared:
            warnings.append(
                f"{shared:,} anonymous ids were used by more than one signed-in user (a shared "
                "device); their anonymous events go to the first of them."
            )
    joined = first_user[anon_codes]
    codes = np.where(user_codes >= 0, user_codes, joined)
    codes = np.where(codes >= 0, codes, np.where(anon_codes >= 0, len(users) + anon_codes, -1))
    # One label, one person: an anonymous id can equal a user id (PostHog after identify).
    same, labels = pd.factorize(users.append(pd.Index(anons, dtype="string")))
    codes = np.where(codes >= 0, same[np.maximum(codes, 0)], -1)
    return pd.Series(pd.Categorical.from_codes(codes, labels), index=index, name="actor_id")


def sessions(actor: pd.Series, ts: pd.Series, gap: pd.Timedelta = SESSION_GAP) -> pd.Series:
    """`actor:n` session ids, a new one after `gap` of inactivity (input sorted by both).

    A categorical: the label is built once per session, not once per event.
    """
    codes, _ = pd.factorize(actor)
    micros = ts.astype("datetime64[us, UTC]").array.asi8
    new_actor = np.ones(len(codes), dtype=bool)
    new_actor[1:] = codes[1:] != codes[:-1]
    new = new_actor.copy()
    new[1:] |= (micros[1:] - micros[:-1]) > gap // pd.Timedelta(microseconds=1)
    total = np.cumsum(new)
    number = total - np.maximum.accumulate(np.where(new_actor, total, 0)) + 1
    starts = np.flatnonzero(new)
    labels = _join(actor.iloc[starts], number[starts])
    return pd.Series(
        pd.Categorical.from_codes(total - 1, categories=labels),
        index=actor.index,
        name="session_id",
    )


def _pairs(owner: pd.Series, part: pd.Series) -> pd.Series:
    """`owner:part` for each row (missing where `part` is), as a categorical."""
    owner_codes, owners = pd.factorize(owner)
    part_codes, parts = pd.factorize(part)  # -1 where the part is missing
    present = part_codes >= 0
    codes = np.full(len(part_codes), -1)
    labels = pd.Series([], dtype="string")
    if present.any():
        key = owner_codes[present].astype(np.int64) * len(parts) + part_codes[present]
        unique, codes[present] = np.unique(key, return_inverse=True)
        labels = _join(pd.Series(owners[unique // len(parts)]), parts[unique % len(parts)])
    return pd.Series(pd.Categorical.from_codes(codes, categories=labels), index=owner.index)


def _join(left: pd.Series, right) -> pd.Series:
    """`left:right` element by element, on as few strings as given."""
    return (
        left.astype("string").reset_index(drop=True)
        + ":"
        + pd.Series(np.asarray(right)).astype("string")
    )


def _devices(device, os, widths) -> pd.Series:
    """desktop / mobile / tablet from a device type or model, else from the OS.

    Tools write models ("Apple iPhone 14 Pro", "iPad", "Android"), families or
    capitalised types; an Android device 600 or more CSS pixels wide is a tablet.
    """
    index = (device if device is not None else os).index
    named = _device_kind(device) if device is not None else pd.Series(pd.NA, index=index)
    guessed = _device_kind(os) if os is not None else pd.Series(pd.NA, index=index)
    kind = named.fillna(guessed)
    if widths is not None:
        android = (device if device is not None else os).astype("string").str.lower()
        wide = android.str.contains("android", na=False) & (widths >= 600)
        kind = kind.mask(wide, "tablet")
    if device is not None:  # keep what the file said when it is none of the three
        kind = kind.fillna(device.astype("string").str.lower())
    return kind.astype("string")


def _device_kind(values: pd.Series) -> pd.Series:
    """Per distinct value: the first rule whose word it contains."""
    unique = pd.Series(values.dropna().astype("string").unique())
    kinds = {v: _kind_of(str(v).lower()) for v in unique}
    return values.map(kinds).astype("string")


def _kind_of(value: str) -> str | None:
    for words, kind in _DEVICE_WORDS:
        if any(word in value for word in words):
            return kind
    return None


def _screen_widths(frame: pd.DataFrame) -> pd.Series | None:
    by_key = {key(c): c for c in frame.columns}
    column = by_key.get("properties_$screen_width") or by_key.get("$screen_width")
    return pd.to_numeric(frame[column], errors="coerce") if column else None


def _source_from_referrer(out: pd.DataFrame) -> None:
    """Visits without UTM tags: the referring site is the source and the medium "referral".

    That is how analytics tools group them: a search engine's referral counts as
    Organic Search, a social site's as Organic Social, any other site as Referral.
    """
    host = (
        out["referrer"]
        .astype("string")
        .str.lower()
        .str.replace(r"^[a-z][a-z0-9+.-]*://", "", regex=True)
        .str.replace(r"[/?#:].*$", "", regex=True)
        .str.replace(r"^www\.", "", regex=True)
    )
    host = host.mask(host.isin(["", "$direct", "(direct)", "direct", "none"]))
    untagged = host.notna()
    if "source" in out:
        untagged &= out["source"].isna()
    if not untagged.any():
        return
    empty = pd.Series(pd.NA, index=out.index, dtype="string")
    source = out["source"].astype("string") if "source" in out else empty
    medium = out["medium"].astype("string") if "medium" in out else empty
    out["source"] = source.mask(untagged, host)
    out["medium"] = medium.mask(untagged & medium.isna(), "referral")


def _properties(frame: pd.DataFrame, mapping: dict[str, str], taken: set[str]) -> pd.DataFrame:
    """Every column not mapped to a field, under its own name (suffixed if it clashes)."""
    used = set(mapping.values())
    columns = {}
    for column in frame.columns:
        if column in used:
            continue
        name = str(column)
        while name in taken or name in columns:
            name += " (file)"
        columns[name] = _property(frame[column])
    return pd.DataFrame(columns)


def _property(values: pd.Series) -> pd.Series:
    """Numbers, booleans and times keep their type; anything else becomes text (lists as JSON)."""
    values = values.reset_index(drop=True)
    if values.dtype.kind in "biufmM" or isinstance(values.dtype, pd.StringDtype):
        return values

    def as_text(v):
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            return pd.NA
        if isinstance(v, list | dict | np.ndarray):
            return json.dumps(
                v.tolist() if isinstance(v, np.ndarray) else v, ensure_ascii=False, default=str
            )
        return str(v)

    return values.map(as_text).astype("string")
