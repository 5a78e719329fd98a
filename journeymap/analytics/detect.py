"""Which tool exported this table, and which column means what.

Columns are compared by a key: lower-cased, with every run of characters other
than letters, digits and `$` turned into `_`, so `device.category`,
`device_category` and `Device Category` are one key. Each known export has a
signature (columns it always has) and a list of candidate columns per field; a
table that matches no signature is read as a generic event log by column-name
synonyms, or as an aggregated stage table. Detection only proposes: the user
sees the mapping and can change every field before anything is saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

# The fields of the normalised schema a user can map, with the label the page shows.
FIELDS: dict[str, str] = {
    "event": "Event name",
    "user_id": "User id (signed in)",
    "anonymous_id": "Anonymous / device id",
    "ts": "Time",
    "session_id": "Session",
    "source": "Source",
    "medium": "Medium",
    "campaign": "Campaign",
    "referrer": "Referrer (for visits without UTM tags)",
    "channel": "Channel (if the file has one)",
    "device": "Device",
    "os": "Operating system",
    "browser": "Browser",
    "country": "Country",
    "page": "Page",
    "revenue": "Revenue",
    "currency": "Currency",
}
REQUIRED = ("event", "ts")  # and user_id or anonymous_id
FORMAT_LABELS = {
    "ga4": "GA4 BigQuery export",
    "amplitude": "Amplitude export",
    "mixpanel": "Mixpanel raw export",
    "segment": "Segment export",
    "posthog": "PostHog export",
    "generic": "Event log",
    "stage_table": "Aggregated stage table",
}


def key(name: object) -> str:
    """The comparison key of a column name."""
    return re.sub(r"[^0-9a-z$]+", "_", str(name).lower()).strip("_")


@dataclass(frozen=True)
class Format:
    """A known export: the columns that identify it and where each field lives."""

    name: str
    signature: tuple[tuple[str, ...], ...]  # every group needs one of its keys present
    columns: dict[str, tuple[str, ...]]
    time_unit: str | None = None  # "s", "ms", "us" when the export fixes it
    times_utc: bool = False  # the export documents its zone-less times as UTC


_UTM = {
    "source": ("utm_source", "source"),
    "medium": ("utm_medium", "medium"),
    "campaign": ("utm_campaign", "campaign"),
}
FORMATS: tuple[Format, ...] = (
    Format(
        "ga4",
        (("event_timestamp",), ("event_name",), ("user_pseudo_id", "event_params")),
        {
            "event": ("event_name",),
            "ts": ("event_timestamp",),
            "user_id": ("user_id",),
            "anonymous_id": ("user_pseudo_id",),
            "session_id": ("event_params_ga_session_id",),
            "source": (
                "collected_traffic_source_manual_source",
                "event_params_source",
                "traffic_source_source",
            ),
            "medium": (
                "collected_traffic_source_manual_medium",
                "event_params_medium",
                "traffic_source_medium",
            ),
            "campaign": (
                "collected_traffic_source_manual_campaign_name",
                "event_params_campaign",
                "traffic_source_name",
            ),
            "referrer": ("event_params_page_referrer",),
            "device": ("device_category",),
            "os": ("device_operating_system",),
            "browser": ("device_web_info_browser", "device_browser"),
            "country": ("geo_country",),
            "page": ("event_params_page_location", "event_params_page_path"),
            "revenue": ("ecommerce_purchase_revenue", "event_params_value"),
            "currency": ("event_params_currency",),
        },
        time_unit="us",
    ),
    Format(
        "amplitude",
        (("event_type",), ("event_time",), ("amplitude_id", "device_id")),
        {
            "event": ("event_type",),
            "ts": ("event_time",),
            "user_id": ("user_id",),
            "anonymous_id": ("device_id",),
            "session_id": ("session_id",),
            "source": ("user_properties_utm_source", "event_properties_utm_source"),
            "medium": ("user_properties_utm_medium", "event_properties_utm_medium"),
            "campaign": ("user_properties_utm_campaign", "event_properties_utm_campaign"),
            "referrer": (
                "user_properties_referring_domain",
                "user_properties_$referring_domain",
                "event_properties_referrer",
            ),
            "device": ("device_type", "device_family", "platform"),
            "os": ("os_name",),
            "browser": ("browser", "os_name"),
            "country": ("country",),
            "page": ("event_properties_page", "event_properties_page_path"),
            "revenue": ("revenue", "event_properties_revenue", "event_properties_price"),
            "currency": ("event_properties_currency",),
        },
        times_utc=True,
    ),
    Format(
        "mixpanel",
        (("event",), ("properties_time", "time"), ("properties_distinct_id", "distinct_id")),
        {
            "event": ("event",),
            "ts": ("properties_time", "time"),
            "user_id": ("properties_$user_id", "$user_id", "properties_user_id"),
            "anonymous_id": (
                "properties_$device_id",
                "$device_id",
                "properties_distinct_id",
                "distinct_id",
            ),
            "session_id": ("properties_session_id", "properties_$session_id"),
            "source": ("properties_utm_source", "utm_source"),
            "medium": ("properties_utm_medium", "utm_medium"),
            "campaign": ("properties_utm_campaign", "utm_campaign"),
            "referrer": ("properties_$referring_domain", "properties_$referrer"),
            "device": ("properties_$device_type", "properties_device", "properties_$device"),
            "os": ("properties_$os", "$os"),
            "browser": ("properties_$browser", "$browser"),
            "country": ("properties_mp_country_code", "mp_country_code"),
            "page": ("properties_$current_url", "$current_url", "properties_page"),
            "revenue": ("properties_revenue", "properties_amount", "properties_price"),
            "currency": ("properties_currency",),
        },
    ),
    Format(
        "posthog",
        (("event",), ("timestamp",), ("distinct_id",)),
        {
            "event": ("event",),
            "ts": ("timestamp",),
            "user_id": ("person_id",),
            "anonymous_id": ("distinct_id",),
            "session_id": ("properties_$session_id", "$session_id"),
            "source": ("properties_utm_source", "utm_source"),
            "medium": ("properties_utm_medium", "utm_medium"),
            "campaign": ("properties_utm_campaign", "utm_campaign"),
            "referrer": ("properties_$referring_domain", "properties_$referrer", "$referrer"),
            "device": ("properties_$device_type", "$device_type"),
            "os": ("properties_$os", "$os"),
            "browser": ("properties_$browser", "$browser"),
            "country": ("properties_$geoip_country_code", "$geoip_country_code"),
            "page": ("properties_$current_url", "$current_url", "properties_$pathname"),
            "revenue": ("properties_revenue", "properties_$revenue", "revenue"),
            "currency": ("properties_currency", "currency"),
        },
    ),
    Format(
        "segment",
        (("event",), ("timestamp", "original_timestamp"), ("anonymousid", "anonymous_id")),
        {
            "event": ("event",),
            "ts": ("timestamp", "original_timestamp"),
            "user_id": ("userid", "user_id"),
            "anonymous_id": ("anonymousid", "anonymous_id"),
            "session_id": ("context_session_id", "properties_session_id"),
            "source": ("context_campaign_source",),
            "medium": ("context_campaign_medium",),
            "campaign": ("context_campaign_name",),
            "referrer": ("context_page_referrer", "context_referrer"),
            "device": ("context_device_type",),
            "os": ("context_os_name",),
            "browser": ("context_browser", "context_user_agent"),
            "country": ("context_location_country",),
            "page": ("context_page_path", "context_page_url", "properties_path"),
            "revenue": ("properties_revenue", "properties_total", "revenue"),
            "currency": ("properties_currency", "currency"),
        },
    ),
)

# A generic event log: the first synonym present wins.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "event": (
        "event", "event_name", "event_type", "action", "name", "activity", "step",
        "event_action", "type",
    ),
    "user_id": (
        "user_id", "userid", "customer_id", "member_id", "account_id", "person_id",
        "uid", "user", "customer", "email",
    ),
    "anonymous_id": (
        "anonymous_id", "anonymousid", "visitor_id", "client_id", "device_id", "cookie_id",
        "distinct_id", "anon_id", "user_pseudo_id",
    ),
    "ts": (
        "timestamp", "ts", "time", "datetime", "date_time", "event_time", "event_timestamp",
        "created_at", "occurred_at", "event_at", "when", "date", "event_date",
    ),
    "session_id": ("session_id", "session", "sessionid", "visit_id"),
    "source": ("utm_source", "source", "traffic_source"),
    "medium": ("utm_medium", "medium"),
    "campaign": ("utm_campaign", "campaign", "campaign_name"),
    "referrer": ("referrer", "referring_domain", "page_referrer", "referer", "http_referer"),
    "channel": ("channel", "channel_group", "default_channel_group"),
    "device": ("device", "device_category", "device_type", "platform"),
    "os": ("os", "os_name", "operating_system"),
    "browser": ("browser",),
    "country": ("country", "country_code", "geo_country"),
    "page": ("page", "page_path", "url", "page_url", "path", "screen", "page_location"),
    "revenue": ("revenue", "value", "amount", "price", "order_value", "purchase_revenue"),
    "currency": ("currency",),
}  # fmt: skip
STAGE_NAMES = ("stage", "step", "funnel_step", "stage_name", "step_name", "phase")
COUNT_NAMES = (
    "users", "visitors", "sessions", "count", "conversions", "entered", "reached",
    "customers", "leads", "orders", "people",
)  # fmt: skip


@dataclass
class Detection:
    """What the table looks like: its format, a proposed mapping, and how sure that is."""

    format: str
    mapping: dict[str, str] = field(default_factory=dict)  # field -> column as in the file
    sure: bool = False
    time_unit: str | None = None
    times_utc: bool = False

    @property
    def label(self) -> str:
        return FORMAT_LABELS[self.format]

    def missing(self) -> list[str]:
        """The required fields the mapping lacks, as the page labels them."""
        if self.format == "stage_table":
            return []
        gaps = [FIELDS[f] for f in REQUIRED if not self.mapping.get(f)]
        if not (self.mapping.get("user_id") or self.mapping.get("anonymous_id")):
            gaps.append("a user id or an anonymous id")
        return gaps


def detect(frame: pd.DataFrame) -> Detection:
    """Recognise the export and propose a mapping (see the module docstring)."""
    by_key = {}
    for column in frame.columns:
        by_key.setdefault(key(column), column)
    for fmt in FORMATS:
        if all(any(k in by_key for k in group) for group in fmt.signature):
            mapping = _pick(fmt.columns, by_key)
            return Detection(
                fmt.name, mapping, sure=True, time_unit=fmt.time_unit, times_utc=fmt.times_utc
            )
    mapping = _pick(SYNONYMS, by_key)
    stage = next((by_key[k] for k in STAGE_NAMES if k in by_key), None)
    counts = [by_key[k] for k in COUNT_NAMES if k in by_key]
    actor = mapping.get("user_id") or mapping.get("anonymous_id")
    if stage and counts and not actor:
        return Detection("stage_table", {"stage": stage}, sure=True)
    detection = Detection("generic", mapping)
    detection.sure = not detection.missing()
    return detection


def _pick(candidates: dict[str, tuple[str, ...]], by_key: dict[str, str]) -> dict[str, str]:
    mapping, used = {}, set()
    for name, keys in candidates.items():
        column = next((by_key[k] for k in keys if k in by_key and by_key[k] not in used), None)
        if column is not None:
            mapping[name] = column
            used.add(column)
    return mapping
