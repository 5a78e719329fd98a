"""From a raw table to the normalised event log: times, people, sessions, channels, formats.

Every expected value here is computed by hand (epoch 1767225600 is 2026-01-01 00:00 UTC),
and every vendor shape is a small file built the way that tool exports it.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from journeymap.analytics import load_events, read_upload
from journeymap.analytics.channels import CHANNELS, channel_of, channels
from journeymap.analytics.detect import detect
from journeymap.analytics.normalise import sessions, stitch
from journeymap.analytics.tables import load_costs, load_survey
from journeymap.errors import ChoiceNeeded, DataError

T0 = 1767225600  # 2026-01-01 00:00:00 UTC
NO_ZONE = "The times have no time zone; they were read as UTC."


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def csv(*lines: str, header: str = "event,user_id,timestamp") -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def jsonl(records: list[dict]) -> bytes:
    return ("\n".join(json.dumps(r) for r in records) + "\n").encode()


def times(log) -> list[pd.Timestamp]:
    return list(log.events.sort_values("ts")["ts"])


def by_event(log) -> dict[str, pd.Series]:
    """One row per event name (the tests give each event a distinct name)."""
    return {str(row["event"]): row for _, row in log.events.iterrows()}


# -- times: integers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([T0, T0 + 90], ["2026-01-01 00:00:00", "2026-01-01 00:01:30"]),
        ([T0 * 1000, T0 * 1000 + 90_123], ["2026-01-01 00:00:00", "2026-01-01 00:01:30.123"]),
        (
            [T0 * 10**6, T0 * 10**6 + 90_123_456],
            ["2026-01-01 00:00:00", "2026-01-01 00:01:30.123456"],
        ),
        (
            [T0 * 10**9, T0 * 10**9 + 90_123_456_000],
            ["2026-01-01 00:00:00", "2026-01-01 00:01:30.123456"],
        ),
        ([946684800, 946684801], ["2000-01-01 00:00:00", "2000-01-01 00:00:01"]),  # older seconds
    ],
    ids=["seconds", "milliseconds", "microseconds", "nanoseconds", "seconds-2000"],
)
@pytest.mark.parametrize("container", ["csv", "jsonl"])
def test_integer_times_get_their_unit_from_their_size(values, expected, container):
    if container == "csv":
        data = csv(f"a,u1,{values[0]}", f"b,u1,{values[1]}")
    else:
        data = jsonl(
            [
                {"event": e, "user_id": "u1", "timestamp": v}
                for e, v in zip("ab", values, strict=True)
            ]
        )
    log = load_events(data)
    assert times(log) == [utc(t) for t in expected]
    assert str(log.events["ts"].dtype) == "datetime64[us, UTC]"
    assert NO_ZONE not in log.warnings  # epoch numbers are UTC by definition


def test_fractional_seconds():
    log = load_events(csv(f"a,u1,{T0}.5", f"b,u1,{T0 + 60}.25"))
    assert times(log) == [utc("2026-01-01 00:00:00.5"), utc("2026-01-01 00:01:00.25")]


def test_an_explicit_time_unit_overrides_the_guess():
    # 1767225600 read as milliseconds is 1970-01-21 10:53:45.6.
    log = load_events(csv(f"a,u1,{T0}", f"b,u1,{T0 + 1000}"), time_unit="ms")
    assert times(log) == [utc("1970-01-21 10:53:45.600"), utc("1970-01-21 10:53:46.600")]


# -- times: strings ------------------------------------------------------------------------------


def test_iso_times_with_a_zone_are_converted_to_utc_without_a_warning():
    log = load_events(
        csv(
            "a,u1,2026-01-01T10:00:00Z",
            "b,u1,2026-01-01T10:30:00+02:00",
            "c,u1,2026-01-01T05:00:00-05:00",
        )
    )
    rows = by_event(log)
    assert rows["a"]["ts"] == utc("2026-01-01 10:00")
    assert rows["b"]["ts"] == utc("2026-01-01 08:30")
    assert rows["c"]["ts"] == utc("2026-01-01 10:00")
    assert NO_ZONE not in log.warnings


def test_iso_times_without_a_zone_are_read_as_utc_and_say_so():
    log = load_events(
        csv("a,u1,2026-01-01T10:00:00", "b,u1,2026-01-01 10:30:00.250", "c,u1,2026-01-02")
    )
    rows = by_event(log)
    assert rows["a"]["ts"] == utc("2026-01-01 10:00")
    assert rows["b"]["ts"] == utc("2026-01-01 10:30:00.25")
    assert rows["c"]["ts"] == utc("2026-01-02 00:00")
    assert log.warnings.count(NO_ZONE) == 1


def test_the_timezone_option_converts_local_times_to_utc():
    log = load_events(
        csv("winter,u1,2026-01-15 10:00:00", "summer,u1,2026-07-15 10:00:00"),
        timezone="Europe/Berlin",
    )
    rows = by_event(log)
    assert rows["winter"]["ts"] == utc("2026-01-15 09:00")  # CET, UTC+1
    assert rows["summer"]["ts"] == utc("2026-07-15 08:00")  # CEST, UTC+2
    assert NO_ZONE not in log.warnings  # the user named the zone


def test_the_timezone_option_leaves_zoned_times_alone():
    log = load_events(
        csv("a,u1,2026-01-15T10:00:00Z", "b,u1,2026-01-15T12:00:00+01:00"),
        timezone="America/New_York",
    )
    assert times(log) == [utc("2026-01-15 10:00"), utc("2026-01-15 11:00")]


def test_a_local_time_in_the_spring_forward_gap_moves_forward():
    # Europe/London skips 01:00-02:00 on 2026-03-29: 01:30 does not exist there. It is
    # read as the first instant after the gap (02:00 BST = 01:00 UTC), not dropped.
    log = load_events(
        csv("gap,u1,2026-03-29 01:30:00", "after,u1,2026-03-29 02:30:00"), timezone="Europe/London"
    )
    rows = by_event(log)
    assert rows["gap"]["ts"] == utc("2026-03-29 01:00")
    assert rows["after"]["ts"] == utc("2026-03-29 01:30")


def test_a_local_time_in_the_autumn_overlap_is_read_not_called_unreadable():
    # 01:30 happens twice in Europe/London on 2026-10-25 (00:30 UTC in BST, then 01:30 UTC
    # in GMT). It is a valid time: the import must not stop with "could not be read".
    log = load_events(
        csv("twice,u1,2026-10-25 01:30:00", "later,u1,2026-10-25 03:00:00"),
        timezone="Europe/London",
    )
    rows = by_event(log)
    assert rows["twice"]["ts"] in (utc("2026-10-25 00:30"), utc("2026-10-25 01:30"))
    assert rows["later"]["ts"] == utc("2026-10-25 03:00")


@pytest.mark.parametrize("local", ["2026-10-25 01:30", "2026-03-29 01:30"], ids=["overlap", "gap"])
def test_typed_local_times_at_a_dst_change_give_a_data_error_at_worst(local):
    # Parquet/xlsx hand over real (naive) datetimes, not strings: a DST edge must not raise
    # a bare ValueError from pandas.
    frame = pd.DataFrame(
        {
            "event": ["a", "b"],
            "user_id": ["u1", "u1"],
            "ts": pd.to_datetime([local, "2026-06-01 12:00"]),
        }
    )
    out = io.BytesIO()
    frame.to_parquet(out)
    try:
        log = load_events(out.getvalue(), timezone="Europe/London")
    except DataError:
        return
    assert len(log.events) == 2


def test_dayfirst_is_inferred_from_a_day_over_12():
    log = load_events(csv("a,u1,03/04/2026 10:00", "b,u1,25/04/2026 10:00"))
    rows = by_event(log)
    assert rows["a"]["ts"] == utc("2026-04-03 10:00")
    assert rows["b"]["ts"] == utc("2026-04-25 10:00")


def test_monthfirst_is_inferred_from_a_second_number_over_12():
    log = load_events(csv("a,u1,03/04/2026 10:00", "b,u1,04/25/2026 10:00"))
    rows = by_event(log)
    assert rows["a"]["ts"] == utc("2026-03-04 10:00")
    assert rows["b"]["ts"] == utc("2026-04-25 10:00")


def test_dotted_german_dates_are_day_first():
    log = load_events(csv("a,u1,03.04.2026 10:00", "b,u1,31.12.2026 23:59"))
    assert times(log) == [utc("2026-04-03 10:00"), utc("2026-12-31 23:59")]


def test_ambiguous_dates_ask_day_or_month_first():
    data = csv("a,u1,03/04/2026 10:00", "b,u1,04/05/2026 10:00")
    with pytest.raises(ChoiceNeeded) as caught:
        load_events(data)
    err = caught.value
    assert err.option == "dayfirst"
    assert set(err.options) == {True, False}
    assert (
        str(err)
        == "Dates such as '03/04/2026 10:00' could be day/month or month/day; say which the file uses."
    )
    day = load_events(data, dayfirst=True)
    month = load_events(data, dayfirst=False)
    assert times(day) == [utc("2026-04-03 10:00"), utc("2026-05-04 10:00")]
    assert times(month) == [utc("2026-03-04 10:00"), utc("2026-04-05 10:00")]


def test_unreadable_times_stop_the_import_with_a_count_and_examples():
    data = csv(
        "a,u1,2026-01-01 10:00",
        "b,u1,not a time",
        "c,u1,yesterday",
        "d,u1,2026-13-45",
        "e,u1,not a time",
    )
    with pytest.raises(DataError) as caught:
        load_events(data)
    assert type(caught.value) is DataError
    assert str(caught.value) == (
        "4 of 5 times could not be read (e.g. 'not a time', 'yesterday', '2026-13-45'); fix them "
        "in the file, or choose to leave those rows out."
    )


def test_drop_bad_times_leaves_them_out_with_a_warning():
    data = csv(
        "a,u1,2026-01-01 10:00", "b,u1,not a time", "c,u1,2026-01-01 10:05", "d,u1,yesterday"
    )
    log = load_events(data, drop_bad_times=True)
    assert sorted(log.events["event"].astype(str)) == ["a", "c"]
    assert (
        "Left out 2 rows whose time could not be read (e.g. 'not a time', 'yesterday')."
        in log.warnings
    )


def test_a_time_out_of_range_is_unreadable_not_a_crash():
    with pytest.raises(
        DataError, match=r"^1 of 3 times could not be read \(e\.g\. '99999999999999999999'\)"
    ):
        load_events(csv(f"a,u1,{T0}", f"b,u1,{T0 + 5}", "c,u1,99999999999999999999"))


# -- people --------------------------------------------------------------------------------------


def s(values) -> pd.Series:
    return pd.Series(values, dtype="string")


def ts_series(minutes: list[int]) -> pd.Series:
    return pd.Series(pd.to_datetime([T0 + 60 * m for m in minutes], unit="s", utc=True))


def test_anonymous_events_before_sign_up_join_the_user():
    user = s([None, None, "u1", "u1", None])
    anon = s(["a1", "a1", "a1", None, "a9"])
    warnings: list[str] = []
    actor = stitch(user, anon, ts_series([0, 1, 2, 3, 4]), warnings=warnings)
    assert actor.tolist() == ["u1", "u1", "u1", "u1", "a9"]
    assert warnings == []


def test_a_second_device_joins_through_one_event_with_both_ids():
    # Phone a1 (signed in at minute 2), laptop a2 browses anonymously, then signs in once.
    user = s([None, "u1", None, None, "u1", None])
    anon = s(["a1", "a1", "a2", "a2", "a2", "a2"])
    actor = stitch(user, anon, ts_series([0, 2, 10, 11, 12, 13]))
    assert actor.tolist() == ["u1"] * 6


def test_a_shared_device_goes_to_the_first_user_with_a_warning():
    user = s([None, "ana", None, "ben", None])
    anon = s(["kiosk", "kiosk", "kiosk", "kiosk", "kiosk"])
    warnings: list[str] = []
    actor = stitch(user, anon, ts_series([0, 1, 2, 3, 4]), warnings=warnings)
    assert actor.tolist() == ["ana", "ana", "ana", "ben", "ana"]
    assert warnings == [
        "1 anonymous ids were used by more than one signed-in user (a shared device); their "
        "anonymous events go to the first of them."
    ]


def test_the_first_user_of_a_shared_device_is_first_by_time_not_by_row():
    user = s(["ben", "ana", None])
    anon = s(["kiosk", "kiosk", "kiosk"])
    actor = stitch(user, anon, ts_series([9, 1, 5]))
    assert actor.tolist() == ["ben", "ana", "ana"]


def test_stitching_through_load_events_makes_one_journey_across_devices():
    data = csv(
        "visit_phone,,p1,2026-01-01 09:00:00",
        "sign_up,u1,p1,2026-01-01 09:05:00",
        "visit_laptop,,l1,2026-01-02 20:00:00",
        "log_in,u1,l1,2026-01-02 20:01:00",
        "buy,,l1,2026-01-02 20:03:00",
        "stranger,,x9,2026-01-02 20:04:00",
        header="event,user_id,anonymous_id,timestamp",
    )
    log = load_events(data)
    rows = by_event(log)
    assert {e: rows[e]["actor_id"] for e in rows} == {
        "visit_phone": "u1",
        "sign_up": "u1",
        "visit_laptop": "u1",
        "log_in": "u1",
        "buy": "u1",
        "stranger": "x9",
    }
    assert log.users == 2


def test_posthog_identify_joins_the_anonymous_distinct_id():
    props = lambda d: json.dumps(d).replace('"', '""')  # noqa: E731
    data = (
        "event,distinct_id,timestamp,properties\n"
        f'$pageview,anon-1,2026-01-01T09:00:00Z,"{props({"$browser": "Firefox", "$current_url": "https://a.example/"})}"\n'
        f'$pageview,anon-2,2026-01-01T09:01:00Z,"{props({"$browser": "Safari"})}"\n'
        f'$identify,ann@example.com,2026-01-01T09:05:00Z,"{props({"$anon_distinct_id": "anon-1"})}"\n'
        f'signed_up,ann@example.com,2026-01-01T09:06:00Z,"{props({"$browser": "Firefox"})}"\n'
    ).encode()
    log = load_events(data)
    assert log.source_format == "posthog"
    actors = dict(zip(log.events["ts"].dt.strftime("%H:%M"), log.events["actor_id"], strict=True))
    assert actors == {
        "09:00": "ann@example.com",
        "09:01": "anon-2",
        "09:05": "ann@example.com",
        "09:06": "ann@example.com",
    }


# -- sessions ------------------------------------------------------------------------------------


def test_sessions_split_after_more_than_30_minutes():
    actor = s(["u1"] * 5 + ["u2"] * 2)
    stamps = pd.Series(
        pd.to_datetime(
            [T0, T0 + 1800, T0 + 3601, T0 + 3700, T0 + 90000, T0, T0 + 60], unit="s", utc=True
        )
    )
    assert sessions(actor, stamps).tolist() == [
        "u1:1",
        "u1:1",
        "u1:2",
        "u1:2",
        "u1:3",
        "u2:1",
        "u2:1",
    ]


def test_exactly_30_minutes_stays_one_session_and_one_second_more_splits():
    data = csv(
        f"a,u1,{T0}",
        f"b,u1,{T0 + 1800}",  # exactly 30 min after a: same session
        f"c,u1,{T0 + 3601}",  # 30 min 1 s after b: a new one
    )
    rows = by_event(load_events(data))
    assert [rows[e]["session_id"] for e in "abc"] == ["u1:1", "u1:1", "u1:2"]


def test_a_session_column_in_the_file_is_kept_per_person():
    # Two hours apart, but the file says one session: the file wins. Tools number sessions
    # per device or person, so the id is qualified by whose session it is.
    data = csv(
        f"a,u1,{T0},s-1",
        f"b,u1,{T0 + 7200},s-1",
        f"c,u2,{T0},s-1",
        header="event,user_id,timestamp,session_id",
    )
    sessions = load_events(data).events.set_index("event")["session_id"]
    assert sessions["a"] == sessions["b"] == "u1:s-1"
    assert sessions["c"] == "u2:s-1"


# -- channels ------------------------------------------------------------------------------------

# (source, medium) -> the channel GA4's default channel grouping gives, within the channel
# set of ANALYTICS.md (which has no "Paid Other": a paid medium from an unknown source is
# "Other" here).
CHANNEL_CASES = [
    ("google", "cpc", "Paid Search"),
    ("google", "ppc", "Paid Search"),
    ("bing", "ppc", "Paid Search"),
    ("bing", "cpc", "Paid Search"),
    ("Google", "CPC", "Paid Search"),
    ("google", "paid", "Paid Search"),
    ("google", "organic", "Organic Search"),
    ("bing", "organic", "Organic Search"),
    ("baidu", "organic", "Organic Search"),
    ("www.google.co.uk", "referral", "Organic Search"),
    ("duckduckgo.com", "referral", "Organic Search"),
    ("facebook", "paid_social", "Paid Social"),
    ("facebook", "cpc", "Paid Social"),
    ("linkedin", "paid", "Paid Social"),
    ("tiktok", "cpm", "Paid Social"),
    ("instagram", "social", "Organic Social"),
    ("facebook", "organic", "Organic Social"),  # GA4 tests Organic Social before Organic Search
    ("m.facebook.com", "referral", "Organic Social"),
    ("l.facebook.com", "referral", "Organic Social"),
    ("lm.facebook.com", "referral", "Organic Social"),
    ("t.co", "referral", "Organic Social"),
    ("linkedin.com", "referral", "Organic Social"),
    ("youtube.com", "referral", "Organic Social"),
    ("newsletter", "email", "Email"),
    ("mailchimp", "email", "Email"),
    ("hs_email", "e-mail", "Email"),
    ("(direct)", "(none)", "Direct"),
    ("(direct)", "(not set)", "Direct"),
    ("partner.com", "referral", "Referral"),
    ("news.ycombinator.com", "referral", "Referral"),
    ("chatgpt.com", "referral", "Referral"),
    ("awin", "affiliate", "Affiliates"),
    ("dv360", "display", "Display"),
    ("criteo", "cpm", "Display"),
    ("google", "display", "Display"),
    ("criteo", "cpc", "Other"),
]


@pytest.mark.parametrize(
    ("source", "medium", "channel"), CHANNEL_CASES, ids=[f"{s}/{m}" for s, m, _ in CHANNEL_CASES]
)
def test_default_channel_grouping(source, medium, channel):
    assert channel_of(source, medium) == channel


def test_channels_of_a_column_are_an_ordered_categorical_on_the_same_index():
    source = pd.Series(
        ["google", None, "newsletter", "google"], index=[10, 11, 12, 13], dtype="string"
    )
    medium = pd.Series(["cpc", None, "email", "cpc"], index=[10, 11, 12, 13], dtype="string")
    result = channels(source, medium)
    assert result.index.tolist() == [10, 11, 12, 13]
    assert result.tolist() == ["Paid Search", "Direct", "Email", "Paid Search"]
    assert list(result.cat.categories) == list(CHANNELS)


def test_load_events_adds_the_channel_from_utm_columns():
    data = csv(
        f"a,u1,{T0},google,cpc",
        f"b,u2,{T0},instagram,social",
        f"c,u3,{T0},,",
        header="event,user_id,timestamp,utm_source,utm_medium",
    )
    rows = by_event(load_events(data))
    assert [rows[e]["channel"] for e in "abc"] == ["Paid Search", "Organic Social", "Direct"]


# -- devices --------------------------------------------------------------------------------------

DEVICE_CASES = {
    "Desktop": "desktop",
    "MOBILE": "mobile",
    " Tablet ": "tablet",
    "smartphone": "mobile",
    "iPhone": "mobile",
    "iPad": "tablet",
    "Apple iPad": "tablet",
    "Android": "mobile",
    "Windows": "desktop",
    "Mac OS X": "desktop",
    "PC": "desktop",
    "smart tv": "smart tv",  # not one of the three: kept, lower-cased
}


def test_device_values_are_normalised():
    lines = [f"e{i},u{i},{T0},{value}" for i, value in enumerate(DEVICE_CASES)]
    rows = by_event(load_events(csv(*lines, header="event,user_id,timestamp,device")))
    assert [rows[f"e{i}"]["device"] for i in range(len(DEVICE_CASES))] == list(
        DEVICE_CASES.values()
    )


# -- vendor formats --------------------------------------------------------------------------------


def ga4_event(ts_us, name, pseudo, user=None, params=(), device="mobile", session=1767258000):
    event_params = [
        {
            "key": "ga_session_id",
            "value": {
                "string_value": None,
                "int_value": session,
                "float_value": None,
                "double_value": None,
            },
        }
    ]
    event_params += [
        {
            "key": k,
            "value": {
                "string_value": v,
                "int_value": None,
                "float_value": None,
                "double_value": None,
            },
        }
        for k, v in params
    ]
    return {
        "event_date": "20260101",
        "event_timestamp": ts_us,
        "event_name": name,
        "event_params": event_params,
        "user_pseudo_id": pseudo,
        "user_id": user,
        "device": {
            "category": device,
            "operating_system": "iOS",
            "web_info": {"browser": "Safari"},
        },
        "geo": {"country": "Germany", "city": "Berlin"},
        "traffic_source": {"source": "google", "medium": "cpc", "name": "spring"},
        "ecommerce": {"purchase_revenue": 49.9 if name == "purchase" else None},
    }


def test_ga4_nested_jsonl():
    records = [
        ga4_event(
            1767258000_000000,
            "page_view",
            "111.222",
            params=[
                ("page_location", "https://shop.example/"),
                ("source", "google"),
                ("medium", "cpc"),
            ],
        ),
        ga4_event(
            1767258060_123456,
            "sign_up",
            "111.222",
            user="u-42",
            params=[("page_location", "https://shop.example/signup")],
        ),
        ga4_event(1767258120_000000, "purchase", "111.222", user="u-42"),
    ]
    log = load_events(jsonl(records), filename="events_20260101.json")
    assert log.source_format == "ga4"
    assert log.how_read == "JSON lines, UTF-8"
    rows = by_event(log)
    assert rows["page_view"]["ts"] == utc("2026-01-01 09:00:00")
    assert rows["sign_up"]["ts"] == utc("2026-01-01 09:01:00.123456")
    assert {r["actor_id"] for r in rows.values()} == {"u-42"}
    assert rows["page_view"]["anonymous_id"] == "111.222"
    assert rows["page_view"]["page"] == "https://shop.example/"
    assert rows["page_view"]["channel"] == "Paid Search"
    assert rows["page_view"]["device"] == "mobile"
    assert rows["page_view"]["os"] == "iOS"
    assert rows["page_view"]["browser"] == "Safari"
    assert rows["page_view"]["country"] == "Germany"
    assert rows["purchase"]["revenue"] == 49.9
    assert log.events["event"].dtype == "category"


def test_ga4_session_ids_are_per_user_not_shared_between_users():
    # ga_session_id is the session's start in seconds: unique only together with
    # user_pseudo_id. Two people who start a session in the same second are two sessions.
    records = [
        ga4_event(1767258000_000000, "page_view", "111.1", session=1767258000),
        ga4_event(1767258000_500000, "scroll", "222.2", session=1767258000),
    ]
    rows = by_event(load_events(jsonl(records)))
    assert rows["page_view"]["session_id"] != rows["scroll"]["session_id"]


@pytest.mark.parametrize("device_column", ["device.category", "device_category"])
def test_ga4_flattened_csv(device_column):
    data = (
        f"event_date,event_timestamp,event_name,user_pseudo_id,user_id,{device_column},device.operating_system,geo.country,traffic_source.source,traffic_source.medium\n"
        "20260101,1767258000000000,page_view,111.222,,Desktop,Windows,France,(direct),(none)\n"
        "20260101,1767258060000000,purchase,111.222,u1,Desktop,Windows,France,(direct),(none)\n"
    ).encode()
    log = load_events(data)
    assert log.source_format == "ga4"
    assert log.mapping["device"] == device_column
    rows = by_event(log)
    assert rows["page_view"]["ts"] == utc("2026-01-01 09:00")
    assert rows["page_view"]["actor_id"] == "u1"
    assert rows["page_view"]["device"] == "desktop"
    assert rows["page_view"]["channel"] == "Direct"
    assert rows["page_view"]["event_date"] == "20260101"  # an unmapped column stays a property


def test_amplitude_jsonl():
    base = {
        "amplitude_id": 987,
        "device_id": "dev-1",
        "session_id": 1767258000000,
        "os_name": "ios",
        "country": "United States",
        "user_properties": {"utm_source": "newsletter", "utm_medium": "email"},
    }
    records = [
        {
            **base,
            "event_type": "Viewed Pricing",
            "event_time": "2026-01-01 09:00:00.123456",
            "user_id": None,
            "device_type": "Apple iPhone 14 Pro",
            "device_family": "Apple iPhone",
            "platform": "iOS",
            "event_properties": {"page": "/pricing"},
        },
        {
            **base,
            "event_type": "Signed Up",
            "event_time": "2026-01-01 09:05:00.000000",
            "user_id": "ann@example.com",
            "device_type": "Apple iPhone 14 Pro",
            "device_family": "Apple iPhone",
            "platform": "iOS",
            "event_properties": {"page": "/signup"},
        },
        {
            **base,
            "device_id": "dev-2",
            "event_type": "Opened Report",
            "event_time": "2026-01-02 10:00:00.000000",
            "user_id": "ann@example.com",
            "device_type": "Mac",
            "device_family": "Mac",
            "platform": "Web",
            "event_properties": {},
        },
    ]
    log = load_events(jsonl(records))
    assert log.source_format == "amplitude"
    rows = by_event(log)
    assert rows["Viewed Pricing"]["ts"] == utc("2026-01-01 09:00:00.123456")
    assert {r["actor_id"] for r in rows.values()} == {"ann@example.com"}
    assert rows["Viewed Pricing"]["page"] == "/pricing"
    assert rows["Viewed Pricing"]["channel"] == "Email"
    assert rows["Viewed Pricing"]["device"] == "mobile"  # an iPhone model is a mobile device
    assert rows["Opened Report"]["device"] == "desktop"


def test_mixpanel_jsonl():
    records = [
        {
            "event": "Page View",
            "properties": {
                "time": 1767258000,
                "distinct_id": "d-1",
                "$device_id": "d-1",
                "$os": "Mac OS X",
                "$browser": "Chrome",
                "mp_country_code": "GB",
                "utm_source": "facebook",
                "utm_medium": "paid_social",
                "$current_url": "https://x.example/",
            },
        },
        {
            "event": "Sign Up",
            "properties": {
                "time": 1767258300,
                "distinct_id": "u-7",
                "$device_id": "d-1",
                "$user_id": "u-7",
                "$os": "Mac OS X",
                "$browser": "Chrome",
                "mp_country_code": "GB",
            },
        },
    ]
    log = load_events(jsonl(records))
    assert log.source_format == "mixpanel"
    rows = by_event(log)
    assert rows["Page View"]["ts"] == utc("2026-01-01 09:00")
    assert rows["Sign Up"]["ts"] == utc("2026-01-01 09:05")
    assert {r["actor_id"] for r in rows.values()} == {"u-7"}
    assert rows["Page View"]["channel"] == "Paid Social"
    assert rows["Page View"]["browser"] == "Chrome"
    assert rows["Page View"]["country"] == "GB"


def test_segment_spec_json():
    records = [
        {
            "type": "track",
            "event": "Order Completed",
            "anonymousId": "a-1",
            "userId": None,
            "timestamp": "2026-01-01T09:00:00.000Z",
            "context": {
                "campaign": {"source": "newsletter", "medium": "email", "name": "jan"},
                "page": {"path": "/checkout"},
                "os": {"name": "Android"},
                "device": {"type": "android"},
            },
            "properties": {"revenue": 42.5, "currency": "EUR"},
        },
        {
            "type": "track",
            "event": "Signed In",
            "anonymousId": "a-1",
            "userId": "u-1",
            "timestamp": "2026-01-01T09:10:00.000Z",
            "context": {},
            "properties": {},
        },
    ]
    log = load_events(json.dumps(records).encode())
    assert log.source_format == "segment"
    rows = by_event(log)
    order = rows["Order Completed"]
    assert order["actor_id"] == "u-1"
    assert order["ts"] == utc("2026-01-01 09:00")
    assert (order["campaign"], order["channel"], order["page"]) == ("jan", "Email", "/checkout")
    assert (order["revenue"], order["currency"], order["device"]) == (42.5, "EUR", "mobile")


def test_segment_warehouse_tracks_csv():
    data = (
        b"id,anonymous_id,user_id,event,event_text,timestamp,context_campaign_source,context_campaign_medium,context_page_path\n"
        b"m1,a-1,,product_viewed,Product Viewed,2026-01-01 09:00:00.000000 UTC,bing,cpc,/p/1\n"
        b"m2,a-1,u-9,order_completed,Order Completed,2026-01-01 09:20:00.000000 UTC,bing,cpc,/checkout\n"
    )
    log = load_events(data)
    assert log.source_format == "segment"
    rows = by_event(log)
    assert rows["product_viewed"]["ts"] == utc("2026-01-01 09:00")
    assert rows["product_viewed"]["actor_id"] == "u-9"
    assert rows["product_viewed"]["channel"] == "Paid Search"
    assert rows["order_completed"]["page"] == "/checkout"
    assert NO_ZONE not in log.warnings


def test_segment_tracks_with_postgres_style_utc_offsets():
    # Redshift/Postgres warehouses write "+00" (no minutes): a zone, not a missing one.
    # (A column mixing "+00" and "+02" happens to pass; one that is all "+00" is the export.)
    data = (
        b"id,anonymous_id,user_id,event,timestamp,received_at\n"
        b"m1,a-1,,page_viewed,2026-09-02 08:17:54.328+00,2026-09-02 08:17:54.400+00\n"
        b"m2,a-1,u-9,signed_up,2026-09-02 08:20:00.000+00,2026-09-02 08:20:01.000+00\n"
    )
    log = load_events(data)
    assert log.source_format == "segment"
    rows = by_event(log)
    assert rows["page_viewed"]["ts"] == utc("2026-09-02 08:17:54.328")
    assert rows["signed_up"]["ts"] == utc("2026-09-02 08:20:00")
    assert NO_ZONE not in log.warnings


def test_posthog_csv_with_a_properties_json_column():
    props = lambda d: json.dumps(d).replace('"', '""')  # noqa: E731
    data = (
        "event,distinct_id,timestamp,properties\n"
        f'$pageview,anon-1,2026-01-01T09:00:00.000000+00:00,"{props({"$browser": "Firefox", "$os": "Linux", "$device_type": "Desktop", "$current_url": "https://a.example/", "utm_source": "instagram", "utm_medium": "social"})}"\n'
        f'$identify,user@example.com,2026-01-01T09:05:00.000000+00:00,"{props({"$anon_distinct_id": "anon-1"})}"\n'
    ).encode()
    log = load_events(data)
    assert log.source_format == "posthog"
    rows = by_event(log)
    view = rows["$pageview"]
    assert (view["actor_id"], view["browser"], view["os"], view["device"]) == (
        "user@example.com",
        "Firefox",
        "Linux",
        "desktop",
    )
    assert (view["page"], view["channel"]) == ("https://a.example/", "Organic Social")


def test_posthog_csv_with_flattened_property_columns():
    data = (
        b"event,distinct_id,timestamp,properties.$browser,properties.$os,properties.$device_type,properties.$current_url\n"
        b"$pageview,anon-1,2026-01-01T09:00:00Z,Chrome,Windows,Desktop,https://a.example/\n"
        b"signed_up,u-5,2026-01-01T09:06:00Z,Chrome,Windows,Mobile,https://a.example/welcome\n"
    )
    log = load_events(data)
    assert log.source_format == "posthog"
    rows = by_event(log)
    assert rows["$pageview"]["browser"] == "Chrome"
    assert rows["signed_up"]["device"] == "mobile"
    assert rows["signed_up"]["page"] == "https://a.example/welcome"


def test_generic_event_log_by_synonyms():
    data = b"customer_id,action,created_at,utm_source,utm_medium,plan\nc1,visit,2026-01-01 09:00,google,organic,free\nc1,signup,2026-01-01 09:10,google,organic,pro\n"
    upload = read_upload(data)
    assert upload.detection.format == "generic"
    assert upload.detection.sure
    assert upload.detection.mapping == {
        "event": "action",
        "user_id": "customer_id",
        "ts": "created_at",
        "source": "utm_source",
        "medium": "utm_medium",
    }
    log = upload.to_events()
    assert list(log.events.columns[:3]) == ["actor_id", "event", "ts"]
    assert log.events["plan"].tolist() == ["free", "pro"]
    assert set(log.events["channel"]) == {"Organic Search"}


def test_a_generic_log_without_an_actor_is_not_sure_and_says_what_is_missing():
    upload = read_upload(b"action,created_at,page\nvisit,2026-01-01,/\n")
    assert upload.detection.format == "generic"
    assert not upload.detection.sure
    assert upload.detection.missing() == ["a user id or an anonymous id"]
    with pytest.raises(
        DataError,
        match=r"^No column is mapped as a user id or an anonymous id; choose the column that holds it\.$",
    ):
        upload.to_events()


def test_an_explicit_mapping_overrides_detection():
    data = b"who,what,when,account\nann,login,2026-01-01 09:00,acme\nann,export,2026-01-01 09:05,acme\n"
    upload = read_upload(data)
    assert not upload.detection.sure
    log = upload.to_events({"user_id": "account", "event": "what", "ts": "when"})
    assert set(log.events["actor_id"]) == {"acme"}
    assert log.mapping == {"user_id": "account", "event": "what", "ts": "when"}
    assert "who" in log.events.columns  # unmapped: a property
    same = load_events(data, mapping={"user_id": "account", "event": "what", "ts": "when"})
    pd.testing.assert_frame_equal(same.events, log.events)


def test_a_mapping_to_a_missing_column_is_refused():
    upload = read_upload(csv(f"a,u1,{T0}"))
    with pytest.raises(DataError, match=r"^The file has no column named 'uid'\.$"):
        upload.to_events({"event": "event", "user_id": "uid", "ts": "timestamp"})


def test_detect_compares_column_names_by_key():
    frame = pd.DataFrame(columns=["Event Name", "User ID", "Event Time"])
    detection = detect(frame)
    assert detection.mapping == {"event": "Event Name", "user_id": "User ID", "ts": "Event Time"}


# -- stage tables, surveys, costs ---------------------------------------------------------------------


def test_stage_table():
    log = load_events(
        b'stage,visitors,conversions,spend,date\nAwareness,10000,2000,500,2026-01-01\nConsideration,"2,000",400,,2026-01-01\nPurchase,400,400,,2026-01-01\n'
    )
    assert log.source_format == "stage_table"
    assert log.kind == "stages"
    events = log.events
    assert events["stage"].tolist() == ["Awareness", "Consideration", "Purchase"]
    assert events["visitors"].tolist() == [10000, 2000, 400]
    assert events["conversions"].tolist() == [2000, 400, 400]
    assert events["spend"].iloc[0] == 500 and events["spend"].iloc[1:].isna().all()
    assert (events["date"] == utc("2026-01-01")).all()


def test_a_stage_table_with_a_count_that_is_not_a_number_is_refused():
    with pytest.raises(DataError) as caught:
        load_events(b"stage,visitors\nAwareness,10000\nConsideration,many\n")
    assert (
        str(caught.value)
        == "1 values in the count column 'visitors' are not numbers (e.g. 'many'); fix them and upload again."
    )


def test_survey_scores_load():
    survey = load_survey(
        b'respondent_id,nps,csat,stage,comment,date\nr1,9,5,Onboarding,great,2026-01-03\nr2,0,1,Billing,"slow, confusing",2026-01-04\nr3,,3,Billing,,2026-01-05\n'
    )
    assert survey["nps"].tolist()[:2] == [9, 0] and pd.isna(survey["nps"].iloc[2])
    assert survey["csat"].tolist() == [5, 1, 3]
    assert str(survey["nps"].dtype) == "Int64"
    assert survey["respondent"].tolist() == ["r1", "r2", "r3"]
    assert survey["comment"].iloc[1] == "slow, confusing"
    assert survey["submitted_at"].iloc[0] == utc("2026-01-03")


@pytest.mark.parametrize(("value", "shown"), [("11", "11"), ("-1", "-1"), ("7.5", "7.5")])
def test_an_nps_outside_0_to_10_is_refused(value, shown):
    with pytest.raises(DataError) as caught:
        load_survey(f"respondent,nps\nr1,9\nr2,{value}\n".encode())
    assert (
        str(caught.value)
        == f"1 NPS scores are not whole numbers from 0 to 10 (e.g. {shown}); fix them and upload again."
    )


def test_a_survey_without_a_score_column_is_refused():
    with pytest.raises(DataError, match=r"^No column looks like a survey score"):
        load_survey(b"respondent,comment\nr1,ok\n")


def test_costs_load():
    costs = load_costs(
        b'channel,campaign,cost,date,clicks\nPaid Search,spring,"1,200.50",2026-01-01,300\nEmail,jan,0,2026-01-01,\n'
    )
    assert costs["channel"].tolist() == ["Paid Search", "Email"]
    assert costs["cost"].tolist() == [1200.5, 0]
    assert costs["clicks"].iloc[0] == 300
    assert (costs["date"] == utc("2026-01-01")).all()


def test_a_negative_cost_is_refused():
    with pytest.raises(DataError) as caught:
        load_costs(b"channel,cost\nPaid Search,100\nRefund,-5\n")
    assert (
        str(caught.value) == "Some costs are negative; a cost table holds money spent (0 or more)."
    )


def test_decimal_comma_costs_are_not_read_100_times_too_big():
    # A German/French Excel export: semicolons and decimal commas. 12,50 EUR is 12.5, and
    # 1.234,56 is 1234.56; reading them as 1250 and 1.23456 silently breaks every ROI.
    try:
        costs = load_costs(
            b"Kanal;channel;cost\nSuche;Paid Search;12,50\nNewsletter;Email;1.234,56\n"
        )
    except DataError:
        return  # refusing (or asking) is fine; a wrong number is not
    assert costs["cost"].tolist() == [12.5, 1234.56]


def test_costs_without_what_the_money_was_for_are_refused():
    with pytest.raises(DataError, match=r"^No column says what the money was spent on"):
        load_costs(b"date,cost\n2026-01-01,100\n")


def test_a_parquet_event_log_keeps_typed_times():
    table = pa.table(
        {
            "event": ["a", "b"],
            "user_id": ["u1", "u2"],
            "ts": pa.array(pd.to_datetime(["2026-01-01 10:00", "2026-01-01 11:00"], utc=True)),
        }
    )
    out = io.BytesIO()
    pq.write_table(table, out)
    log = load_events(out.getvalue())
    assert log.how_read == "PARQUET"
    assert times(log) == [utc("2026-01-01 10:00"), utc("2026-01-01 11:00")]
    assert log.warnings == []
