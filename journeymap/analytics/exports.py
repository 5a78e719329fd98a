"""Write ground-truth events in the shapes analytics tools really export.

The reader has to recognise what teams upload: GA4's nested BigQuery rows, Amplitude's
gzipped JSON lines, Mixpanel's `properties` objects, Segment's warehouse columns, PostHog's
`$` properties, plain spreadsheets. Writing all of them from one known frame lets tests check
that every format reads back to the same journeys.

Event names are the same in every format, so counts agree. What differs is what differs in
the real tools: field names and nesting, time units, id formats, country names vs codes,
UTM tags only on tagged traffic (referrers otherwise), and how identity is carried.
PostHog alone adds rows: one `$identify` per device that logs in.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from journeymap.analytics.generate import (
    generate_costs,
    generate_events,
    generate_survey,
    scenario_of,
    stage_table,
)

# Fixed times inside zip and xlsx files, so that the same events give the same bytes.
ZIP_TIME = (2026, 1, 1, 0, 0, 0)
COUNTRY_NAMES = {
    "AT": "Austria",
    "CH": "Switzerland",
    "CN": "China",
    "DE": "Germany",
    "ES": "Spain",
    "FR": "France",
    "GB": "United Kingdom",
    "IT": "Italy",
    "NL": "Netherlands",
    "PL": "Poland",
    "SE": "Sweden",
    "TW": "Taiwan",
    "US": "United States",
}
# Where untagged visits come from, as the browser's referrer shows it.
REFERRERS = {
    "google": "www.google.com",
    "bing": "www.bing.com",
    "facebook": "l.facebook.com",
    "instagram": "l.instagram.com",
    "pinterest": "www.pinterest.com",
    "partner-blog": "partner-blog.com",
    "parenting-blog": "parenting-blog.com",
    "g2.com": "www.g2.com",
    "criteo": "ads.criteo.com",
    "awin": "www.awin1.com",
}
# fmt: off
# (os, browser) -> how each tool names them: GA4 os and browser, Mixpanel/PostHog os and
# browser, Amplitude os_name (its web SDK puts the browser there) and the same again.
PLATFORM_NAMES = {
    ("Windows", "Chrome"):           ("Windows",   "Chrome",           "Windows",  "Chrome",           "Chrome"),
    ("Windows", "Edge"):             ("Windows",   "Edge",             "Windows",  "Microsoft Edge",   "Edge"),
    ("Windows", "Firefox"):          ("Windows",   "Firefox",          "Windows",  "Firefox",          "Firefox"),
    ("macOS", "Chrome"):             ("Macintosh", "Chrome",           "Mac OS X", "Chrome",           "Chrome"),
    ("macOS", "Safari"):             ("Macintosh", "Safari",           "Mac OS X", "Safari",           "Safari"),
    ("Linux", "Firefox"):            ("Linux",     "Firefox",          "Linux",    "Firefox",          "Firefox"),
    ("iOS", "Safari"):               ("iOS",       "Safari",           "iOS",      "Mobile Safari",    "Mobile Safari"),
    ("iOS", "Chrome"):               ("iOS",       "Chrome",           "iOS",      "Chrome iOS",       "Chrome Mobile iOS"),
    ("Android", "Chrome"):           ("Android",   "Chrome",           "Android",  "Chrome",           "Chrome Mobile"),
    ("Android", "Samsung Internet"): ("Android",   "Samsung Internet", "Android",  "Samsung Internet", "Samsung Internet"),
}
GA4, MIXPANEL, AMPLITUDE = 0, 2, 4  # offsets into PLATFORM_NAMES values (os; browser is +1)
USER_AGENTS = {
    ("desktop", "Windows", "Chrome"):          "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    ("desktop", "Windows", "Edge"):            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
    ("desktop", "Windows", "Firefox"):         "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    ("desktop", "macOS", "Chrome"):            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    ("desktop", "macOS", "Safari"):            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    ("desktop", "Linux", "Firefox"):           "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    ("mobile", "iOS", "Safari"):               "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    ("mobile", "iOS", "Chrome"):               "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/130.0.6723.90 Mobile/15E148 Safari/604.1",
    ("mobile", "Android", "Chrome"):           "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
    ("mobile", "Android", "Samsung Internet"): "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
    ("tablet", "iOS", "Safari"):               "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    ("tablet", "Android", "Chrome"):           "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
}
# (device, os) -> Amplitude device_type, Mixpanel $device (phones and tablets only; an
# Android tablet is just "Android" there, its screen says what it is), screen width, height
DEVICE_MODELS = {
    ("desktop", "Windows"): ("Windows",        None,     1920, 1080),
    ("desktop", "macOS"):   ("Mac",            None,     1440, 900),
    ("desktop", "Linux"):   ("Linux",          None,     1920, 1080),
    ("mobile", "iOS"):      ("Apple iPhone",   "iPhone", 390,  844),
    ("mobile", "Android"):  ("Android",        "Android", 412, 915),
    ("tablet", "iOS"):      ("Apple iPad",     "iPad",   820,  1180),
    ("tablet", "Android"):  ("Android Tablet", "Android", 800, 1280),
}
# fmt: on
GENERIC_COLUMNS = {
    "user_id": "user_id",
    "anonymous_id": "anonymous_id",
    "event": "event_name",
    "ts": "timestamp",
    "session_id": "session_id",
    "source": "utm_source",
    "medium": "utm_medium",
    "campaign": "utm_campaign",
    "device": "device",
    "country": "country",
    "page": "page",
    "revenue": "revenue",
    "experiment_variant": "experiment_variant",
    "plan": "plan",
}


def write_export(
    events: pd.DataFrame,
    fmt: str,
    path: str | Path,
    compression: str | None = None,
    seed: int = 7,
) -> int:
    """Write `events` (a `generate_events` frame) as `fmt` to `path`; return the rows written.

    `compression` is None, "gzip" (the path should end in .gz) or "zip" (one member, named
    like the path without .zip). Table formats (`costs_*`, `survey_*`, `stage_table_*`) are
    derived from the events with `seed`. Same events, same bytes.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    with _opened(Path(path), compression) as out:
        return FORMATS[fmt](events, out, seed)


@contextlib.contextmanager
def _opened(path: Path, compression: str | None) -> Iterator[BinaryIO]:
    """A binary stream into `path`, compressed without timestamps or file names inside."""
    if compression is None:
        with open(path, "wb") as out:
            yield out
    elif compression == "gzip":
        with (
            open(path, "wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out,
        ):
            yield out
    elif compression == "zip":
        member = zipfile.ZipInfo(path.name.removesuffix(".zip"), date_time=ZIP_TIME)
        member.compress_type = zipfile.ZIP_DEFLATED
        with zipfile.ZipFile(path, "w") as archive, archive.open(member, "w") as out:
            yield out
    else:
        raise ValueError(f"unknown compression {compression!r}; None, 'gzip' or 'zip'")


# -- writers of plain shapes ---------------------------------------------------------------


def _csv(frame: pd.DataFrame, out: BinaryIO) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    frame.to_csv(text, index=False, lineterminator="\n")
    text.flush()
    text.detach()
    return len(frame)


def _jsonl(records: list[dict], out: BinaryIO) -> int:
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
    return len(records)


def _json_array(records: list[dict], out: BinaryIO) -> int:
    out.write(json.dumps(records, ensure_ascii=False, indent=1).encode() + b"\n")
    return len(records)


def _parquet(frame: pd.DataFrame, out: BinaryIO) -> int:
    """Plain Parquet as a warehouse writes it: strings, not pandas categories or metadata."""
    categories = frame.select_dtypes("category").columns
    table = pa.Table.from_pandas(
        frame.astype(dict.fromkeys(categories, "str")), preserve_index=False
    )
    buffer = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(None), buffer)
    out.write(buffer.getvalue())
    return len(frame)


def _xlsx(frame: pd.DataFrame, out: BinaryIO) -> int:
    """One sheet; every text cell stays text (a comment "=) ok" is no formula)."""
    book = Workbook(write_only=True)
    book.properties.created = datetime(*ZIP_TIME)
    sheet = book.create_sheet("events" if "event_name" in frame else "data")
    sheet.append(list(frame.columns))
    for row in frame.astype(object).itertuples(index=False):
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    out.write(_reproducible(buffer.getvalue()))
    return len(frame)


def _cell(sheet, value):
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


def _reproducible(data: bytes) -> bytes:
    """The same workbook with the clock taken out: openpyxl stamps the save time on the
    archive members and on the "modified" property."""
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", content
                )
            archive.writestr(
                zipfile.ZipInfo(info.filename, date_time=ZIP_TIME), content, zipfile.ZIP_DEFLATED
            )
    return target.getvalue()


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with None for every missing value (JSON has no NaN)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


# -- what every tool needs --------------------------------------------------------------


def _micros(ts: pd.Series) -> np.ndarray:
    return ts.dt.as_unit("us").astype("int64").to_numpy()


def _iso(ts: pd.Series, unit: str = "ms") -> np.ndarray:
    """ISO-8601 strings without a zone, e.g. 2026-09-01T10:11:12.345."""
    return np.datetime_as_string(
        ts.dt.tz_convert(None).to_numpy().astype(f"datetime64[{unit}]"), unit=unit
    )


def _text(series: pd.Series) -> pd.Series:
    """Strings with None for missing, whatever the dtype (category, str, object)."""
    return series.astype(object).where(series.notna(), None)


def _session_start(events: pd.DataFrame) -> pd.Series:
    return events.groupby("session_id", sort=False)["ts"].transform("min")


def _first_per_device(events: pd.DataFrame, column: str) -> pd.Series:
    """The value of `column` on each device's first event (first-touch attribution)."""
    first = events.drop_duplicates("anonymous_id").set_index("anonymous_id")[column]
    return events["anonymous_id"].map(first.astype(object))


def _url(events: pd.DataFrame) -> pd.Series:
    site = events.attrs.get("site") or scenario_of(events).site
    return "https://" + site + events["page"].astype(str)


def _tagged(events: pd.DataFrame) -> pd.Series:
    """Sessions with UTM tags: only campaigns are tagged; organic and referrals are not."""
    return events["campaign"].notna()


def _referrer(events: pd.DataFrame) -> pd.Series:
    """The referring domain of non-direct, non-email sessions (None otherwise)."""
    return events["source"].astype(object).map(REFERRERS)


def _platform(events: pd.DataFrame, offset: int) -> tuple[pd.Series, pd.Series]:
    """(os, browser) as the tool at `offset` of PLATFORM_NAMES names them."""
    key = pd.Series(
        list(zip(events["os"].astype(str), events["browser"].astype(str), strict=True)),
        index=events.index,
    )
    names = key.map(PLATFORM_NAMES)
    return names.str[offset], names.str[offset + 1]


def _device_model(events: pd.DataFrame, which: int) -> pd.Series:
    key = pd.Series(
        list(zip(events["device"].astype(str), events["os"].astype(str), strict=True)),
        index=events.index,
    )
    return key.map(DEVICE_MODELS).str[which]


def _stitched_ids(events: pd.DataFrame, base: int) -> pd.Series:
    """One number per person as the tool sees it: devices joined only through a user id."""
    linked = events.groupby("anonymous_id", sort=False)["user_id"].transform("first")
    key = linked.fillna(events["anonymous_id"])
    return pd.Series(base + pd.factorize(key)[0] * 7, index=events.index)


def _hex_ids(values: pd.Series, salt: str, length: int = 32) -> list[str]:
    """Stable pseudo-random hex ids from row keys (the same rows give the same ids)."""
    return [
        hashlib.blake2b(f"{salt}:{v}".encode(), digest_size=length // 2).hexdigest() for v in values
    ]


def _uuids(values: pd.Series, salt: str) -> list[str]:
    return [f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}" for h in _hex_ids(values, salt)]


def _row_keys(events: pd.DataFrame) -> pd.Series:
    return (
        events["anonymous_id"]
        + ":"
        + pd.Series(np.arange(len(events)), index=events.index).astype(str)
    )


def _purchase_ids(events: pd.DataFrame, prefix: str) -> pd.Series:
    purchase = events["event"] == "purchase"
    numbers = purchase.cumsum().astype(str).str.zfill(6)
    return (prefix + numbers).where(purchase, None)


# -- GA4 (BigQuery export) -----------------------------------------------------------------


def _ga4_flat(events: pd.DataFrame) -> pd.DataFrame:
    """GA4 rows with dotted column names; `event_params.*` holds each parameter's value.

    `traffic_source` is the device's first-touch source (as in GA4, not the session's);
    `collected_traffic_source.manual_*` is the session's source (null on direct sessions).
    `geo.country` is a country name, `event_timestamp` microseconds.
    """
    os_name, browser = _platform(events, GA4)
    start = _session_start(events)
    campaign = _text(events["campaign"])
    first_medium = _first_per_device(events, "medium").astype(object)
    placeholder = first_medium.map(
        {"organic": "(organic)", "referral": "(referral)", "social": "(referral)"}
    ).fillna("(direct)")
    session_number = (
        events.assign(start=start).groupby("anonymous_id", sort=False)["start"].rank(method="dense")
    )
    purchase = events["event"] == "purchase"
    return pd.DataFrame(
        {
            "event_date": pd.Series(_iso(events["ts"], "D")).str.replace("-", ""),
            "event_timestamp": _micros(events["ts"]),
            "event_name": _text(events["event"]),
            "event_params.page_location": _url(events),
            "event_params.ga_session_id": _micros(start) // 1_000_000,
            "event_params.ga_session_number": session_number.astype("int64"),
            "event_params.experiment_variant": _text(events["experiment_variant"]),
            "event_params.value": events["revenue"],
            "event_params.currency": _text(events["currency"]),
            "event_params.transaction_id": _purchase_ids(events, "T"),
            "event_params.plan": _text(events["plan"]),
            "user_id": _text(events["user_id"]),
            "user_pseudo_id": _ga4_pseudo_ids(events),
            "user_first_touch_timestamp": _micros(
                _first_per_device(events, "ts").astype(events["ts"].dtype)
            ),
            "device.category": _text(events["device"]),
            "device.operating_system": os_name,
            "device.web_info.browser": browser,
            "geo.country": events["country"].astype(object).map(COUNTRY_NAMES),
            "traffic_source.name": _text(_first_per_device(events, "campaign")).fillna(placeholder),
            "traffic_source.medium": first_medium,
            "traffic_source.source": _first_per_device(events, "source").astype(object),
            "collected_traffic_source.manual_source": _text(events["source"]).where(
                events["medium"] != "(none)"
            ),
            "collected_traffic_source.manual_medium": _text(events["medium"]).where(
                events["medium"] != "(none)"
            ),
            "collected_traffic_source.manual_campaign_name": campaign,
            "ecommerce.purchase_revenue": events["revenue"].where(purchase),
            "ecommerce.transaction_id": _purchase_ids(events, "T"),
            "platform": "WEB",
            "stream_id": "4839201756",
        }
    ).reset_index(drop=True)


def _ga4_pseudo_ids(events: pd.DataFrame) -> pd.Series:
    """GA's client id: a random 9-10 digit number, a dot, the first visit in epoch seconds."""
    first = _micros(_first_per_device(events, "ts").astype(events["ts"].dtype)) // 1_000_000
    number = (
        events["anonymous_id"]
        .str.slice(0, 8)
        .map(lambda h: int(h, 16) % 2_000_000_000 + 100_000_000)
    )
    return number.astype(str) + "." + pd.Series(first, index=events.index).astype(str)


GA4_TYPES = {
    "page_location": "string_value",
    "ga_session_id": "int_value",
    "ga_session_number": "int_value",
    "experiment_variant": "string_value",
    "value": "double_value",
    "currency": "string_value",
    "transaction_id": "string_value",
    "plan": "string_value",
}


def _ga4_nested(flat: pd.DataFrame) -> list[dict]:
    """The BigQuery export's nested rows: `event_params` is a list of {key, value: {type: v}}."""
    records = []
    for row in _records(flat):
        record: dict = {}
        params = []
        for name, value in row.items():
            if name.startswith("event_params."):
                key = name.removeprefix("event_params.")
                if value is not None:
                    params.append({"key": key, "value": {GA4_TYPES[key]: value}})
                continue
            *parents, leaf = name.split(".")
            target = record
            for parent in parents:
                target = target.setdefault(parent, {})
            target[leaf] = value
        if record["ecommerce"]["purchase_revenue"] is None:
            record["ecommerce"] = None
        record["event_params"] = params
        records.append(record)
    return records


def _write_ga4_jsonl(events, out, seed) -> int:
    return _jsonl(_ga4_nested(_ga4_flat(events)), out)


def _write_ga4_csv(events, out, seed) -> int:
    return _csv(_ga4_flat(events), out)


# -- Amplitude, Mixpanel, Segment, PostHog -------------------------------------------------


def _amplitude(events: pd.DataFrame) -> list[dict]:
    """Amplitude's export: one JSON object per event, times as UTC strings with microseconds.

    `os_name` holds the browser and `device_type` a device family, as Amplitude's web SDK
    records them; UTM tags and the A/B arm are user properties.
    """
    browser_as_os = _platform(events, AMPLITUDE)[0].tolist()
    device_type = _device_model(events, 0).tolist()
    start_ms = (_micros(_session_start(events)) // 1000).tolist()
    event_id = (events.groupby("anonymous_id", sort=False).cumcount() + 1).tolist()
    when = pd.Series(_iso(events["ts"], "us")).str.replace("T", " ").tolist()
    upload = (
        pd.Series(_iso(events["ts"] + pd.Timedelta(seconds=2), "ms")).str.replace("T", " ").tolist()
    )
    url = _url(events).tolist()
    user = _utm_properties(events, referrer="referring_domain")
    tagged_first = _first_per_device(events, "campaign").notna()
    for key in ("source", "medium", "campaign"):
        user[f"initial_utm_{key}"] = (
            _text(_first_per_device(events, key)).where(tagged_first, None).tolist()
        )
    flag = f"[Experiment] {scenario_of(events).experiment.name.replace('_', '-')}"
    user[flag] = (
        events["experiment_variant"].astype(object).map({"A": "control", "B": "treatment"}).tolist()
    )
    ids = _stitched_ids(events, 310_000_000_000).tolist()
    insert_ids = _uuids(_row_keys(events), "amplitude")
    records = []
    for i, row in enumerate(_records(events)):
        props = {"page_path": row["page"], "page_url": url[i]}
        props |= {k: row[k] for k in ("revenue", "currency", "plan") if row[k] is not None}
        records.append(
            {
                "$insert_id": insert_ids[i],
                "event_id": event_id[i],
                "event_type": row["event"],
                "event_time": when[i],
                "client_event_time": when[i],
                "server_upload_time": upload[i],
                "user_id": row["user_id"],
                "device_id": row["anonymous_id"],
                "amplitude_id": ids[i],
                "session_id": start_ms[i],
                "platform": "Web",
                "os_name": browser_as_os[i],
                "device_type": device_type[i],
                "country": COUNTRY_NAMES.get(row["country"], row["country"]),
                "library": "amplitude-ts/2.11.1",
                "event_properties": props,
                "user_properties": {k: v[i] for k, v in user.items() if v[i] is not None},
            }
        )
    return records


def _utm_properties(events: pd.DataFrame, referrer: str) -> dict[str, list]:
    """Per-row UTM tags (tagged sessions only) and referring domain, as lists (None = absent)."""
    tagged = _tagged(events)
    return {
        "utm_source": _text(events["source"]).where(tagged, None).tolist(),
        "utm_medium": _text(events["medium"]).where(tagged, None).tolist(),
        "utm_campaign": _text(events["campaign"]).tolist(),
        referrer: _referrer(events).tolist(),
    }


def _mixpanel(events: pd.DataFrame) -> list[dict]:
    """Mixpanel raw export: {event, properties}; `time` in seconds; `$device:` ids before login."""
    os_name, browser = (names.tolist() for names in _platform(events, MIXPANEL))
    model = _device_model(events, 1).tolist()
    width, height = _device_model(events, 2).tolist(), _device_model(events, 3).tolist()
    utm = _utm_properties(events, referrer="$referring_domain")
    url = _url(events).tolist()
    seconds = _micros(events["ts"]) // 1_000_000
    insert_ids = _hex_ids(_row_keys(events), "mixpanel", 32)
    records = []
    for i, row in enumerate(_records(events)):
        props = {
            "time": int(seconds[i]),
            "distinct_id": row["user_id"] or f"$device:{row['anonymous_id']}",
            "$device_id": row["anonymous_id"],
            "$user_id": row["user_id"],
            "$insert_id": insert_ids[i],
            "mp_lib": "web",
            "$lib_version": "2.56.0",
            "$os": os_name[i],
            "$browser": browser[i],
            "$device": model[i],
            "$screen_width": width[i],
            "$screen_height": height[i],
            "$current_url": url[i],
            "mp_country_code": row["country"],
            "experiment_variant": row["experiment_variant"],
            "revenue": row["revenue"],
            "currency": row["currency"],
            "plan": row["plan"],
        }
        props |= {k: v[i] for k, v in utm.items()}
        records.append(
            {"event": row["event"], "properties": {k: v for k, v in props.items() if v is not None}}
        )
    return records


def _segment(events: pd.DataFrame) -> list[dict]:
    """Segment spec `track` calls: camelCase ids, ISO-8601 `timestamp` with Z, `context`."""
    flat = _segment_flat(events)
    flat["timestamp"] = pd.Series(_iso(events["ts"], "ms")) + "Z"
    records = []
    for row in _records(flat):
        context = {
            "page": {
                "path": row["context_page_path"],
                "url": row["context_page_url"],
                "referrer": row["context_page_referrer"],
            },
            "userAgent": row["context_user_agent"],
            "device": {"type": row["context_device_type"]},
            "location": {"country": row["context_location_country"]},
            "library": {"name": "analytics.js", "version": "next-1.74.0"},
        }
        if row["context_campaign_name"] is not None:
            context["campaign"] = {
                "source": row["context_campaign_source"],
                "medium": row["context_campaign_medium"],
                "name": row["context_campaign_name"],
            }
        records.append(
            {
                "type": "track",
                "event": row["event"],
                "messageId": row["id"],
                "userId": row["user_id"],
                "anonymousId": row["anonymous_id"],
                "timestamp": row["timestamp"],
                "context": context,
                "properties": {
                    k: row[k]
                    for k in ("revenue", "currency", "plan", "experiment_variant")
                    if row[k] is not None
                },
            }
        )
    return records


def _segment_flat(events: pd.DataFrame) -> pd.DataFrame:
    """Segment's warehouse `tracks` table (joined with its properties), as a SQL client exports it.

    Times look like `2026-09-01 10:11:12.345+00` (what Postgres and Redshift print).
    """
    when = pd.Series(_iso(events["ts"], "ms"), index=events.index).str.replace("T", " ") + "+00"
    tagged = _tagged(events)
    agent = pd.Series(
        list(
            zip(
                events["device"].astype(str),
                events["os"].astype(str),
                events["browser"].astype(str),
                strict=True,
            )
        ),
        index=events.index,
    ).map(USER_AGENTS)
    referrer = _referrer(events)
    return pd.DataFrame(
        {
            "id": ["ajs-next-" + h for h in _hex_ids(_row_keys(events), "segment", 32)],
            "anonymous_id": events["anonymous_id"],
            "user_id": events["user_id"],
            "event": _text(events["event"]),
            "event_text": _text(events["event"]),
            "timestamp": when,
            "received_at": when,
            "context_campaign_source": _text(events["source"]).where(tagged, None),
            "context_campaign_medium": _text(events["medium"]).where(tagged, None),
            "context_campaign_name": _text(events["campaign"]),
            "context_page_path": _text(events["page"]),
            "context_page_url": _url(events),
            "context_page_referrer": ("https://" + referrer + "/").where(referrer.notna(), None),
            "context_user_agent": agent,
            "context_device_type": _text(events["device"]),
            "context_location_country": events["country"].astype(object).map(COUNTRY_NAMES),
            "context_library_name": "analytics.js",
            "revenue": events["revenue"],
            "currency": _text(events["currency"]),
            "plan": _text(events["plan"]),
            "experiment_variant": _text(events["experiment_variant"]),
        }
    ).reset_index(drop=True)


def _posthog(events: pd.DataFrame) -> pd.DataFrame:
    """PostHog's event export: `distinct_id` is the device id until login, the user id after.

    Each device that logs in gets a `$identify` row (same instant, right after the login)
    whose `properties.$anon_distinct_id` names the device id: that is how PostHog stitches.
    """
    events = events.reset_index(drop=True)
    os_name, browser = _platform(events, MIXPANEL)
    start_ms = _micros(_session_start(events)) // 1000
    flag = f"properties.$feature/{scenario_of(events).experiment.name.replace('_', '-')}"
    tagged = _tagged(events)
    logs_in = _first_login(events)
    frame = pd.DataFrame(
        {
            "uuid": _uuids(_row_keys(events), "posthog"),
            "event": _text(events["event"]),
            "distinct_id": events["user_id"].where(
                logs_in.groupby(events["anonymous_id"]).cummax(), events["anonymous_id"]
            ),
            "timestamp": pd.Series(_iso(events["ts"], "us"), index=events.index) + "+00:00",
            "properties.$current_url": _url(events),
            "properties.$pathname": _text(events["page"]),
            "properties.$browser": browser,
            "properties.$os": os_name,
            "properties.$device_type": events["device"].astype(str).str.capitalize(),
            "properties.$geoip_country_code": _text(events["country"]),
            "properties.$session_id": [
                _uuid7(ms, s) for ms, s in zip(start_ms, events["session_id"], strict=True)
            ],
            "properties.$referring_domain": _referrer(events).fillna("$direct"),
            "properties.utm_source": _text(events["source"]).where(tagged, None),
            "properties.utm_medium": _text(events["medium"]).where(tagged, None),
            "properties.utm_campaign": _text(events["campaign"]),
            "properties.$anon_distinct_id": None,
            flag: events["experiment_variant"].astype(object).map({"A": "control", "B": "test"}),
            "properties.revenue": events["revenue"],
            "properties.currency": _text(events["currency"]),
            "properties.plan": _text(events["plan"]),
            "properties.$lib": "web",
        }
    )
    identify = frame[logs_in].assign(event="$identify")
    identify["uuid"] = _uuids(identify["uuid"], "identify")
    identify["properties.$anon_distinct_id"] = events.loc[logs_in, "anonymous_id"]
    identify.index = identify.index + 0.5  # right after the login row
    return pd.concat([frame, identify]).sort_index().reset_index(drop=True)


def _first_login(events: pd.DataFrame) -> pd.Series:
    """Each device's first sign-up or login: where PostHog's `identify()` call happens."""
    logs_in = events["user_id"].notna() & events["event"].isin(["sign_up", "login"])
    return logs_in & (logs_in.groupby(events["anonymous_id"]).cumsum() == 1)


def _uuid7(ms: int, key: str) -> str:
    """A UUIDv7 like PostHog's session ids: the session start in ms, then stable noise."""
    h = hashlib.blake2b(key.encode(), digest_size=10).hexdigest()
    t = f"{ms:012x}"
    return f"{t[:8]}-{t[8:12]}-7{h[:3]}-a{h[3:6]}-{h[6:18]}"


# -- generic event logs and tables ----------------------------------------------------------


def _generic(events: pd.DataFrame) -> pd.DataFrame:
    return events[list(GENERIC_COLUMNS)].rename(columns=GENERIC_COLUMNS).reset_index(drop=True)


def _zoneless(frame: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Times as a spreadsheet holds them: UTC wall clock, no zone, cut to `unit`."""
    times = frame.select_dtypes("datetimetz").columns
    return frame.assign(**{c: frame[c].dt.tz_convert(None).dt.floor(unit) for c in times})


def _write_generic_csv(events, out, seed) -> int:
    return _csv(_zoneless(_generic(events), "ms"), out)


def _write_generic_xlsx(events, out, seed) -> int:
    frame = _generic(events)
    return _xlsx(
        frame.assign(timestamp=pd.Series(_iso(frame["timestamp"], "s")).str.replace("T", " ")), out
    )


def _write_generic_parquet(events, out, seed) -> int:
    return _parquet(_generic(events), out)


def _generic_records(events: pd.DataFrame) -> list[dict]:
    frame = _generic(events)
    return _records(frame.assign(timestamp=pd.Series(_iso(frame["timestamp"], "ms")) + "Z"))


def _table_writer(build: Callable, write: Callable) -> Callable:
    """A writer for a table derived from the events (costs, survey, stage table)."""

    def writer(events: pd.DataFrame, out: BinaryIO, seed: int) -> int:
        table = build(events, seed)
        if write is _xlsx:
            times = table.select_dtypes(["datetimetz", "datetime"]).columns
            table = table.assign(
                **{c: table[c].astype(str).str.removesuffix("+00:00") for c in times}
            )
        else:
            table = _zoneless(table, "s")
        return write(table, out)

    return writer


def _costs(events, seed):
    return generate_costs(events, seed=seed)


def _survey(events, seed):
    return generate_survey(events, seed=seed)


def _stages(events, seed):
    return stage_table(events, costs=generate_costs(events, seed=seed))


FORMATS: dict[str, Callable[[pd.DataFrame, BinaryIO, int], int]] = {
    "ga4_jsonl": _write_ga4_jsonl,
    "ga4_csv": _write_ga4_csv,
    "amplitude": lambda events, out, seed: _jsonl(_amplitude(events), out),
    "mixpanel": lambda events, out, seed: _jsonl(_mixpanel(events), out),
    "segment": lambda events, out, seed: _jsonl(_segment(events), out),
    "segment_tracks": lambda events, out, seed: _csv(_segment_flat(events), out),
    "posthog": lambda events, out, seed: _csv(_posthog(events), out),
    "generic_csv": _write_generic_csv,
    "generic_xlsx": _write_generic_xlsx,
    "generic_parquet": _write_generic_parquet,
    "generic_json": lambda events, out, seed: _json_array(_generic_records(events), out),
    "generic_jsonl": lambda events, out, seed: _jsonl(_generic_records(events), out),
    "stage_table_csv": _table_writer(_stages, _csv),
    "stage_table_xlsx": _table_writer(_stages, _xlsx),
    "costs_csv": _table_writer(_costs, _csv),
    "costs_xlsx": _table_writer(_costs, _xlsx),
    "survey_csv": _table_writer(_survey, _csv),
    "survey_xlsx": _table_writer(_survey, _xlsx),
}


# -- the sample folder -------------------------------------------------------------------

# scenario -> (people, seed): few enough people that the folder stays under 5 MB in git;
# seeds picked so that this small sample still shows every built-in finding.
SAMPLE_SCENARIOS = {"saas": (900, 4), "ecommerce": (600, 16)}
SAMPLE_START, SAMPLE_DAYS = "2026-09-01", 60
# (file, scenario, format, compression, what it is)
SAMPLE_FILES = (
    ("saas_ga4.jsonl.gz", "saas", "ga4_jsonl", "gzip", "GA4 BigQuery export, nested JSON lines"),
    ("saas_amplitude.json.gz", "saas", "amplitude", "gzip", "Amplitude export, JSON lines"),
    ("saas_mixpanel.jsonl.gz", "saas", "mixpanel", "gzip", "Mixpanel raw export, JSON lines"),
    (
        "saas_segment_tracks.csv.gz",
        "saas",
        "segment_tracks",
        "gzip",
        "Segment warehouse `tracks` table, CSV",
    ),
    (
        "saas_posthog.csv.gz",
        "saas",
        "posthog",
        "gzip",
        "PostHog event export, CSV with `properties.*` columns",
    ),
    ("saas_events.csv", "saas", "generic_csv", None, "Plain event log, CSV"),
    ("saas_events.xlsx", "saas", "generic_xlsx", None, "Plain event log, Excel"),
    ("saas_events.parquet", "saas", "generic_parquet", None, "Plain event log, Parquet"),
    ("saas_costs.csv", "saas", "costs_csv", None, "Daily ad and content spend per campaign"),
    ("saas_survey.csv", "saas", "survey_csv", None, "NPS and CSAT answers with free-text comments"),
    (
        "saas_stages.csv",
        "saas",
        "stage_table_csv",
        None,
        "Weekly stage table (stage, date, channel, counts, cost, revenue)",
    ),
    ("ecommerce_events.csv", "ecommerce", "generic_csv", None, "Plain event log, CSV"),
    (
        "ecommerce_ga4.csv.zip",
        "ecommerce",
        "ga4_csv",
        "zip",
        "GA4 export flattened to CSV (dotted columns), zipped",
    ),
    (
        "ecommerce_segment.jsonl.gz",
        "ecommerce",
        "segment",
        "gzip",
        "Segment spec `track` calls, JSON lines",
    ),
    (
        "ecommerce_costs.csv",
        "ecommerce",
        "costs_csv",
        None,
        "Daily ad and content spend per campaign",
    ),
    ("ecommerce_survey.xlsx", "ecommerce", "survey_xlsx", None, "NPS and CSAT answers, Excel"),
    ("ecommerce_stages.xlsx", "ecommerce", "stage_table_xlsx", None, "Weekly stage table, Excel"),
)


def write_samples(folder: Path) -> list[tuple[str, str, str, int, int]]:
    """Write the sample folder (files and README); return (file, scenario, what, rows, bytes)."""
    folder.mkdir(parents=True, exist_ok=True)
    events = {
        name: generate_events(users, seed, SAMPLE_START, SAMPLE_DAYS, scenario=name)
        for name, (users, seed) in SAMPLE_SCENARIOS.items()
    }
    written = []
    for file, scenario, fmt, compression, what in SAMPLE_FILES:
        rows = write_export(events[scenario], fmt, folder / file, compression)
        written.append((file, scenario, what, rows, (folder / file).stat().st_size))
    (folder / "README.md").write_text(_readme(events, written), encoding="utf-8")
    return written


def _readme(events: dict[str, pd.DataFrame], written: list) -> str:
    """The folder's README: what is in each file and how each export looks."""
    table = "\n".join(
        f"| `{file}` | {scenario} | {what} | {rows:,} | {size / 1000:,.0f} kB |"
        for file, scenario, what, rows, size in written
    )
    about = {
        name: f"{frame['person_id'].nunique():,} people, {len(frame):,} events, seed {SAMPLE_SCENARIOS[name][1]}"
        for name, frame in events.items()
    }
    users, seed = SAMPLE_SCENARIOS["saas"]
    truth = f'generate_events({users}, seed={seed}, scenario="saas")'
    return README.format(table=table, start=SAMPLE_START, days=SAMPLE_DAYS, truth=truth, **about)


README = """# Sample analytics data

Synthetic product-analytics event logs for the two journeys of the sample workshop, written
in the shapes real analytics tools export. Use them to try the Analytics page, or as test
input for the readers. Everything here is generated: `scripts/make_sample_data` rebuilds the
folder byte for byte (`python -m journeymap.analytics.exports --out sample_data/analytics`).

## The two journeys

- **saas** ({saas}): the "Canvas" CMS, a website builder bought by
  design studios, along the lifecycle stages Awareness, Consideration, Purchase, Adoption,
  Retention, Expansion and Advocacy. Main funnel: `first_visit`, `view_pricing`, `sign_up`,
  `start_trial`, `create_site`, `purchase`, `publish_site`; also `view_template`,
  `edit_site`, `support_chat`, `invite_teammate`, `upgrade_plan`, `refer_friend`, `login`.
  A/B test `short_signup_form`: variant B signs up about 5 points more often.
- **ecommerce** ({ecommerce}): the "Loop Store" shoe shop, along
  Discover, Browse, Product page, Cart, Checkout, Delivery and Review. Main funnel:
  `first_visit`, `view_item`, `add_to_cart`, `begin_checkout`, `add_payment_info`, `purchase`; also
  `view_item_list`, `sign_up`, `login`, `track_order`, `review_submitted`, `refund`.
  A/B test `guest_checkout`: variant B may skip the forced account creation at checkout and
  reaches payment about 9 points more often.

Both start on {start} and cover {days} days (UTC); every event after that is cut, as in a
real export. Built-in findings: one clearly worst drop-off (pricing to sign-up; product page
to cart), phones convert worse than laptops, people who change device lose about a third of
themselves at the next step (the cart or the form stayed behind), the Facebook campaign is
the most expensive per customer while the partner blog brings the best customers almost for
free, and a few people come back weeks later.

**Every saas file holds the same events**, so each should give the same funnel (the
PostHog file adds one `$identify` row per device that logs in; the row counts below say so).
The files never contain the generator's `person_id`; for the ground truth call
`{truth}` (start {start}, {days} days).
The tool exports are gzipped and the samples hold fewer than 1,000 people so that the
folder stays under 5 MB in git; `write_export` writes any size, compressed or not.

## Files

| file | scenario | what | rows | size |
|---|---|---|---:|---:|
{table}

## How each export looks

Event names are the same in every format. Identity: the device id (anonymous id) is a
UUID; the user id (`usr_0012345`, `cust_0012345`) appears from the sign-up or login on and
stays on every later event of that person, on every device, which is what joins two devices.

- **GA4** (`event_timestamp` integer **microseconds**, `event_date` `YYYYMMDD`): nested rows with
  `event_name`, `user_id`, `user_pseudo_id` (GA's `1234567890.1788220800` client id),
  `event_params` as a list of `{{key, value: {{string_value | int_value | double_value}}}}`
  (`page_location`, `ga_session_id`, `ga_session_number`, `experiment_variant`, `value`,
  `currency`, `transaction_id`, `plan`), `device.category` / `operating_system` (`Macintosh`,
  `Windows`, `iOS`...) / `web_info.browser`, `geo.country` as a **country name**,
  `traffic_source` = the device's **first** source (`(direct)` / `(none)`, names such as
  `(organic)`), `collected_traffic_source.manual_*` = the session's source, and `ecommerce`
  (null except on purchases). The CSV flattens all of this to dotted columns
  (`event_params.page_location`, `device.category`, ...).
- **Amplitude** (`event_time` `YYYY-MM-DD HH:MM:SS.ffffff` UTC): `event_type`, `user_id`,
  `device_id`, `amplitude_id` (one number per device, shared once the devices met the same
  user id), `session_id` (session start in epoch **milliseconds**), `platform`, `os_name`
  (Amplitude's web SDK puts the **browser** there), `device_type` (`Apple iPhone`, `Mac`,
  `Windows`...), `country` as a name, `event_properties` (`page_path`, `page_url`, `revenue`,
  `currency`, `plan`), `user_properties` (`utm_*`, `initial_utm_*`, `referring_domain`, and the
  A/B arm as `[Experiment] short-signup-form`: `control` / `treatment`).
- **Mixpanel** (`properties.time` integer **seconds**): `{{"event", "properties"}}` with
  `distinct_id` (`$device:<device id>` before login, the user id after), `$device_id`,
  `$user_id`, `$insert_id`, `$os`, `$browser`, `$device` (`iPhone`, `iPad`, `Android`; absent
  on computers), `$screen_width` / `$screen_height` (an Android tablet is 800 wide, a phone
  412), `$current_url`, `mp_country_code`, `utm_*`, `$referring_domain`, `revenue`, `plan`...
- **Segment** (`timestamp` ISO-8601): spec calls `{{type: "track", event, userId, anonymousId,
  timestamp (…Z), context: {{campaign, page, userAgent, device.type, location.country}},
  properties}}`; the warehouse `tracks` CSV has `id`, `anonymous_id`, `user_id`, `event`,
  `event_text`, `timestamp` (`2026-09-01 10:11:12.345+00`, as SQL clients print it),
  `context_campaign_*`, `context_page_*`, `context_user_agent`, `context_device_type`, ...
- **PostHog** (`timestamp` ISO-8601 with `+00:00`): `uuid`, `event`, `distinct_id` (the device
  id until the device logs in, the user id from then on), `timestamp`, `properties.$current_url`,
  `properties.$browser`, `properties.$os`, `properties.$device_type` (`Desktop`, `Mobile`,
  `Tablet`), `properties.$geoip_country_code`, `properties.$session_id`, `properties.utm_*`,
  `properties.$feature/<flag>` (`control` / `test`), and `$identify` rows whose
  `properties.$anon_distinct_id` names the device that just logged in.
- **Generic** event logs: `user_id`, `anonymous_id`, `event_name`, `timestamp`, `session_id`,
  `utm_source`, `utm_medium`, `utm_campaign`, `device`, `country` (ISO code), `page`, `revenue`,
  `experiment_variant`, `plan`. Times are UTC **without a zone** in CSV (milliseconds) and Excel
  (seconds), real UTC timestamps in Parquet.
- Source and medium: GA4 and the generic logs name every session's source (`google` /
  `organic`, `(direct)` / `(none)`, `partner-blog` / `referral`...). The other tools, like
  the real ones, carry UTM tags only on tagged campaigns (paid, email); organic and referral
  visits show only a referring domain: `www.google.com` and `www.bing.com` (organic search),
  `l.instagram.com`, `l.facebook.com` and `www.pinterest.com` (social), anything else a
  referral; no referrer and no tags means direct.
- **Costs**: `date`, `source`, `medium`, `campaign`, `channel`, `cost`, `currency`,
  `impressions`, `clicks`. **Survey**: `response_id`, `user_id` (empty for the anonymous site
  poll), `anonymous_id`, `submitted_at`, `survey` (`nps` / `csat`), `stage`, `touchpoint`,
  `nps` (0-10), `csat` (1-5), `comment` (English and Chinese, with commas, quotes and line
  breaks), `language`. **Stage tables**: `stage`, `date` (Monday of the week), `channel`
  (first touch), `users`, `conversions` (reached the next stage), `cost` (on the first stage),
  `revenue`.
"""


def main(argv: list[str] | None = None) -> None:
    """Regenerate the sample folder: `python -m journeymap.analytics.exports --out DIR`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("sample_data/analytics"))
    folder = parser.parse_args(argv).out
    for file, _, _, rows, size in write_samples(folder):
        print(f"{file:32} {rows:>8,} rows {size / 1000:>8,.0f} kB")
    total = sum(f.stat().st_size for f in folder.iterdir())
    print(f"{folder}: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
