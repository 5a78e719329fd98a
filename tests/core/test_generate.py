"""The event generator (ground truth) and the writers of each analytics tool's export shape.

Files are read back with plain pandas, json, gzip, zipfile and openpyxl only: the project's
own reader is tested against these files elsewhere.
"""

from __future__ import annotations

import gzip
import io
import itertools
import json
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from journeymap.analytics.exports import FORMATS, SAMPLE_FILES, write_export
from journeymap.analytics.generate import (
    COLUMNS,
    SCENARIOS,
    generate_costs,
    generate_events,
    generate_survey,
    stage_table,
)

START = pd.Timestamp("2026-09-01", tz="UTC")
SAMPLES = Path(__file__).resolve().parents[2] / "sample_data" / "analytics"


@pytest.fixture(scope="module", params=["saas", "ecommerce"])
def small(request) -> pd.DataFrame:
    return generate_events(3000, seed=5, scenario=request.param)


@pytest.fixture(scope="module", params=["saas", "ecommerce"])
def large(request) -> pd.DataFrame:
    """Enough people that designed effects are far above the noise."""
    return generate_events(50_000, seed=3, scenario=request.param)


@pytest.fixture(scope="module")
def tiny() -> pd.DataFrame:
    """Small enough for the slow nested-JSON writers, large enough to have every event."""
    return generate_events(600, seed=2, scenario="saas")


def people_with(events: pd.DataFrame, event: str) -> set:
    return set(events.loc[events["event"] == event, "person_id"])


# -- the generator ------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["saas", "ecommerce"])
def test_same_seed_gives_the_same_frame(scenario):
    first, second = (generate_events(2000, seed=9, scenario=scenario) for _ in range(2))
    assert first.equals(second)  # values and dtypes (assert_frame_equal takes a second)


def test_different_seeds_give_different_frames():
    assert not generate_events(2000, seed=1).equals(generate_events(2000, seed=2))


def test_columns_and_dtypes(small):
    assert tuple(small.columns) == COLUMNS
    assert str(small["ts"].dtype) == "datetime64[us, UTC]"
    assert small["revenue"].dtype == np.float64
    assert small["person_id"].dtype == np.int64
    for column in ("user_id", "anonymous_id", "session_id"):
        assert small[column].dtype == "str"
    for column in ("event", "source", "device", "country", "page", "experiment_variant"):
        assert small[column].dtype == "category"
    assert set(small["device"].unique()) <= {"desktop", "mobile", "tablet"}
    assert set(small["experiment_variant"].unique()) == {"A", "B"}
    assert (
        small[["anonymous_id", "event", "ts", "session_id", "source", "medium", "page"]]
        .notna()
        .all()
        .all()
    )


def test_events_are_sorted_and_inside_the_window(small):
    assert small["ts"].is_monotonic_increasing
    assert small["ts"].min() >= START
    assert small["ts"].max() < START + pd.Timedelta(days=60)


def test_every_person_arrives_with_a_first_visit(small):
    assert small["person_id"].nunique() == 3000
    firsts = small.drop_duplicates("anonymous_id")
    assert (firsts["event"] == "first_visit").all()
    assert (small["event"] == "first_visit").sum() == small["anonymous_id"].nunique()


def test_user_id_once_set_stays_set_for_the_person(small):
    known = small.dropna(subset=["user_id"])
    since = known.groupby("person_id")["ts"].min()
    later = small[small["ts"] >= small["person_id"].map(since)]
    assert later["user_id"].notna().all()
    assert known.groupby("person_id")["user_id"].nunique().max() == 1
    assert known.groupby("user_id")["person_id"].nunique().max() == 1
    assert small.groupby("anonymous_id")["person_id"].nunique().max() == 1
    assert known["user_id"].str.match(r"^(usr|cust)_\d{7}$").all()


def test_about_fifteen_percent_of_account_holders_use_two_devices(large):
    devices = large.dropna(subset=["user_id"]).groupby("user_id")["anonymous_id"].nunique()
    assert devices.max() == 2
    assert 0.08 < (devices == 2).mean() < 0.25


def test_funnel_counts_fall_along_the_main_path(large):
    counts = [len(people_with(large, e)) for e in SCENARIOS[large.attrs["scenario"]].funnel]
    assert counts[0] == large["person_id"].nunique()
    assert all(a > b > 0 for a, b in itertools.pairwise(counts))


def test_one_step_loses_clearly_the_most(large):
    funnel = SCENARIOS[large.attrs["scenario"]].funnel
    counts = [len(people_with(large, e)) for e in funnel]
    rates = {
        f"{a}>{b}": m / n
        for a, b, n, m in zip(funnel, funnel[1:], counts, counts[1:], strict=False)
    }
    worst, second = sorted(rates.values())[:2]
    assert min(rates, key=rates.get) in {"view_pricing>sign_up", "view_item>add_to_cart"}
    assert worst < 0.8 * second


def test_variant_b_converts_better_at_the_experiment_step(large):
    scenario = SCENARIOS[large.attrs["scenario"]]
    path = [s.event for s in scenario.steps]
    step = path.index(scenario.experiment.step)
    rates = {}
    for variant, group in large.groupby("experiment_variant", observed=True):
        before = people_with(group, path[step - 1])
        rates[variant] = len(before & people_with(group, path[step + 1])) / len(before)
    assert rates["B"] - rates["A"] > 0.03


def test_phones_convert_worse_than_laptops(large):
    first_device = large.drop_duplicates("person_id").set_index("person_id")["device"]
    bought = first_device.index.isin(list(people_with(large, "purchase")))
    rate = pd.Series(bought, index=first_device.index).groupby(first_device, observed=True).mean()
    assert rate["mobile"] < 0.75 * rate["desktop"]


def test_people_who_change_device_are_lost_more_at_the_next_step(large):
    path = [s.event for s in SCENARIOS[large.attrs["scenario"]].steps]
    step = "sign_up" if "sign_up" in path[:4] else "begin_checkout"
    after = path[path.index(step) + 1] if step == "sign_up" else "add_payment_info"
    first_device = large.drop_duplicates("person_id").set_index("person_id")["anonymous_id"]
    at = large[large["event"] == step].drop_duplicates("person_id")
    switched = at["anonymous_id"].to_numpy() != first_device.reindex(at["person_id"]).to_numpy()
    went_on = at["person_id"].isin(list(people_with(large, after))).to_numpy()
    assert switched.sum() > 100
    assert went_on[switched].mean() < 0.85 * went_on[~switched].mean()


def test_some_people_come_back_weeks_later(large):
    times = large.groupby("person_id")["ts"]
    span = times.max() - times.min()
    assert (span > pd.Timedelta(days=14)).mean() > 0.01


def test_revenue_currency_and_plan_only_where_they_belong(small):
    purchase = small["event"] == "purchase"
    assert (small["revenue"].notna() == purchase).all()
    assert (small["revenue"][purchase] > 0).all()
    assert (small["currency"].notna() == purchase).all()
    assert set(small["currency"].dropna().unique()) == {"EUR"}
    with_plan = small.loc[small["plan"].notna(), "event"]
    assert set(with_plan.unique()) <= {"purchase", "upgrade_plan"}


def test_sessions_split_after_thirty_idle_minutes_per_device(small):
    by_device = small.sort_values(["anonymous_id", "ts"], kind="stable")
    gap = by_device["ts"].diff()
    same_device = by_device["anonymous_id"].eq(by_device["anonymous_id"].shift())
    new_session = by_device["session_id"].ne(by_device["session_id"].shift())
    assert (gap[same_device & new_session] > pd.Timedelta(minutes=30)).all()
    assert (gap[same_device & ~new_session] <= pd.Timedelta(minutes=30)).all()
    per_session = small.groupby("session_id")
    assert (per_session["anonymous_id"].nunique() == 1).all()
    assert (per_session["source"].nunique() == 1).all()
    starts = small[small["event"] == "session_start"]["session_id"]
    assert starts.is_unique and starts.nunique() == small["session_id"].nunique()


def test_costs_make_ads_expensive_and_content_cheap(large):
    costs = generate_costs(large, seed=1)
    assert list(costs.columns) == [
        "date",
        "source",
        "medium",
        "campaign",
        "channel",
        "cost",
        "currency",
        "impressions",
        "clicks",
    ]
    assert (costs["cost"] >= 0).all() and (costs["clicks"] >= 0).all()
    spend = costs.groupby("medium")["cost"].sum()
    assert spend.get("organic", 0) == 0
    buyers = large.drop_duplicates("person_id").set_index("person_id")["source"]
    buyers = buyers[buyers.index.isin(list(people_with(large, "purchase")))].value_counts()
    per_buyer = costs.groupby("source")["cost"].sum() / buyers
    content = "partner-blog" if "partner-blog" in per_buyer else "parenting-blog"
    assert per_buyer["facebook"] > 10 * per_buyer[content]


def test_survey_answers_and_their_awkward_comments(large):
    survey = generate_survey(large, seed=1)
    assert {
        "response_id",
        "user_id",
        "submitted_at",
        "nps",
        "csat",
        "stage",
        "touchpoint",
        "comment",
    } <= set(survey)
    assert survey["nps"].dropna().between(0, 10).all()
    assert survey["csat"].dropna().between(1, 5).all()
    assert (survey["nps"].notna() ^ survey["csat"].notna()).all()
    comments = survey["comment"].dropna()
    assert comments.str.contains("[\u4e00-\u9fff]").any()
    for awkward in (",", '"', "\n"):
        assert comments.str.contains(awkward, regex=False).any()
    assert survey["user_id"].isna().any() and survey["user_id"].notna().any()


def test_stage_table_is_a_dashboard_paste(small):
    scenario = SCENARIOS[small.attrs["scenario"]]
    table = stage_table(small)
    assert list(table.columns) == [
        "stage",
        "date",
        "channel",
        "users",
        "conversions",
        "cost",
        "revenue",
    ]
    assert list(dict.fromkeys(table["stage"])) == [
        s for s in scenario.stages if s in set(table["stage"])
    ]
    first = table[table["stage"] == scenario.stages[0]]
    assert first["users"].sum() == small["person_id"].nunique()
    assert table.loc[table["stage"] != scenario.stages[0], "cost"].isna().all()
    assert (table["conversions"].dropna() <= table["users"][table["conversions"].notna()]).all()
    assert (table["date"].dt.day_of_week == 0).all()
    assert table["revenue"].sum() == pytest.approx(small["revenue"].sum())


# -- the writers -------------------------------------------------------------------------

SIGNATURES = {
    "ga4_jsonl": {"event_timestamp", "event_name", "user_pseudo_id", "event_params"},
    "ga4_csv": {
        "event_timestamp",
        "event_name",
        "user_pseudo_id",
        "event_params.page_location",
        "device.category",
    },
    "amplitude": {"event_type", "event_time", "amplitude_id", "device_id", "user_id", "session_id"},
    "mixpanel": {"event", "properties.time", "properties.distinct_id", "properties.$device_id"},
    "segment": {
        "anonymousId",
        "userId",
        "event",
        "timestamp",
        "context.campaign.source",
        "context.page.path",
    },
    "segment_tracks": {
        "anonymous_id",
        "user_id",
        "event",
        "timestamp",
        "context_campaign_source",
        "context_page_path",
    },
    "posthog": {
        "event",
        "distinct_id",
        "timestamp",
        "properties.$current_url",
        "properties.$anon_distinct_id",
    },
    "generic_csv": {"user_id", "anonymous_id", "event_name", "timestamp", "utm_source", "revenue"},
    "generic_xlsx": {"user_id", "anonymous_id", "event_name", "timestamp", "utm_source", "revenue"},
    "generic_parquet": {
        "user_id",
        "anonymous_id",
        "event_name",
        "timestamp",
        "utm_source",
        "revenue",
    },
    "generic_json": {"user_id", "anonymous_id", "event_name", "timestamp", "utm_source", "revenue"},
    "generic_jsonl": {
        "user_id",
        "anonymous_id",
        "event_name",
        "timestamp",
        "utm_source",
        "revenue",
    },
    "stage_table_csv": {"stage", "date", "channel", "users", "conversions", "cost", "revenue"},
    "stage_table_xlsx": {"stage", "date", "channel", "users", "conversions", "cost", "revenue"},
    "costs_csv": {"date", "source", "medium", "campaign", "cost", "impressions", "clicks"},
    "costs_xlsx": {"date", "source", "medium", "campaign", "cost", "impressions", "clicks"},
    "survey_csv": {"user_id", "submitted_at", "nps", "csat", "stage", "touchpoint", "comment"},
    "survey_xlsx": {"user_id", "submitted_at", "nps", "csat", "stage", "touchpoint", "comment"},
}


def read_back(data: bytes, fmt: str) -> pd.DataFrame:
    """The file's rows with plain tools, nested objects flattened to dotted names."""
    if fmt.endswith("xlsx"):
        rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.values)
        return pd.DataFrame(rows[1:], columns=rows[0])
    if fmt.endswith("parquet"):
        return pd.read_parquet(io.BytesIO(data))
    if fmt.endswith("csv") or fmt in ("segment_tracks", "posthog"):
        return pd.read_csv(io.BytesIO(data), dtype=str)
    if fmt == "generic_json":
        return pd.json_normalize(json.loads(data))
    return pd.json_normalize([json.loads(line) for line in data.decode().splitlines()])


def expected_rows(events: pd.DataFrame, fmt: str) -> int:
    if fmt.startswith("stage_table"):
        return len(stage_table(events, costs=generate_costs(events, seed=7)))
    if fmt.startswith("costs"):
        return len(generate_costs(events, seed=7))
    if fmt.startswith("survey"):
        return len(generate_survey(events, seed=7))
    if fmt == "posthog":  # one `$identify` row per device that signs up or logs in
        return (
            len(events)
            + events.loc[events["event"].isin(["sign_up", "login"]), "anonymous_id"].nunique()
        )
    return len(events)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_reads_back_with_its_signature_columns(tiny, tmp_path, fmt):
    path = tmp_path / fmt
    rows = write_export(tiny, fmt, path)
    frame = read_back(path.read_bytes(), fmt)
    assert SIGNATURES[fmt] <= set(frame.columns)
    assert rows == len(frame) == expected_rows(tiny, fmt)


@pytest.mark.parametrize(
    ("fmt", "compression"),
    [("amplitude", "gzip"), ("ga4_jsonl", "gzip"), ("ga4_csv", "zip"), ("generic_parquet", "zip")],
)
def test_gzip_and_zip_wrappers_open_with_the_standard_library(tiny, tmp_path, fmt, compression):
    path = tmp_path / ("export.gz" if compression == "gzip" else "export.csv.zip")
    write_export(tiny, fmt, path, compression=compression)
    if compression == "gzip":
        data = gzip.decompress(path.read_bytes())
    else:
        with zipfile.ZipFile(path) as archive:
            assert archive.namelist() == ["export.csv"]
            data = archive.read("export.csv")
    assert len(read_back(data, fmt)) == len(tiny)


def test_writers_give_the_same_bytes_every_time(tiny, tmp_path):
    events = tiny.head(1000)
    (tmp_path / "1").mkdir(), (tmp_path / "2").mkdir()
    for fmt, compression in [
        ("ga4_jsonl", "gzip"),
        ("ga4_csv", "zip"),
        ("generic_xlsx", None),
        ("generic_parquet", None),
    ]:
        first, second = tmp_path / "1" / fmt, tmp_path / "2" / fmt
        write_export(events, fmt, first, compression)
        write_export(events, fmt, second, compression)
        assert first.read_bytes() == second.read_bytes(), fmt


def test_time_units_of_each_tool(tiny, tmp_path):
    ts = tiny["ts"].reset_index(drop=True)
    micros = ts.astype("int64")
    write_export(tiny, "ga4_csv", tmp_path / "ga4")
    assert (pd.read_csv(tmp_path / "ga4")["event_timestamp"] == micros).all()
    write_export(tiny, "amplitude", tmp_path / "amp")
    amplitude = pd.read_json(tmp_path / "amp", lines=True, dtype=False)
    assert (pd.to_datetime(amplitude["event_time"], utc=True) == ts).all()
    assert (amplitude["session_id"] > 1e12).all()
    write_export(tiny, "mixpanel", tmp_path / "mp")
    mixpanel = read_back((tmp_path / "mp").read_bytes(), "mixpanel")
    assert (mixpanel["properties.time"] == micros // 1_000_000).all()
    write_export(tiny, "segment", tmp_path / "seg")
    segment = read_back((tmp_path / "seg").read_bytes(), "segment")
    assert segment["timestamp"].str.endswith("Z").all()
    assert (pd.to_datetime(segment["timestamp"]) == ts.dt.floor("ms")).all()
    write_export(tiny, "generic_csv", tmp_path / "csv")
    stamps = pd.read_csv(tmp_path / "csv")["timestamp"]
    assert not stamps.str.contains("Z|\\+").any()
    assert (pd.to_datetime(stamps).dt.tz_localize("UTC") == ts.dt.floor("ms")).all()
    write_export(tiny, "generic_parquet", tmp_path / "pq")
    assert str(pd.read_parquet(tmp_path / "pq")["timestamp"].dtype) == "datetime64[us, UTC]"


def test_identity_can_be_stitched_in_each_tool(tiny, tmp_path):
    write_export(tiny, "posthog", tmp_path / "ph")
    posthog = pd.read_csv(tmp_path / "ph", dtype=str)
    identify = posthog[posthog["event"] == "$identify"]
    truth = tiny.dropna(subset=["user_id"]).groupby("anonymous_id")["user_id"].first()
    assert (
        identify["distinct_id"].to_numpy()
        == truth.reindex(identify["properties.$anon_distinct_id"]).to_numpy()
    ).all()
    assert len(identify) == len(truth)
    write_export(tiny, "mixpanel", tmp_path / "mp")
    mixpanel = read_back((tmp_path / "mp").read_bytes(), "mixpanel")
    anonymous = mixpanel["properties.$user_id"].isna()
    assert mixpanel.loc[anonymous, "properties.distinct_id"].str.startswith("$device:").all()
    assert (
        mixpanel.loc[~anonymous, "properties.distinct_id"]
        == mixpanel.loc[~anonymous, "properties.$user_id"]
    ).all()
    write_export(tiny, "amplitude", tmp_path / "amp")
    amplitude = pd.read_json(tmp_path / "amp", lines=True, dtype={"user_id": str, "device_id": str})
    per_user = amplitude.dropna(subset=["user_id"]).groupby("user_id")["amplitude_id"].nunique()
    assert (per_user == 1).all()


def test_text_cells_in_excel_are_never_formulas(tiny, tmp_path):
    tricky = tiny.head(20).assign(page='=HYPERLINK("http://x")', user_id="=) ok")
    write_export(tricky, "generic_xlsx", tmp_path / "x.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    cells = [
        c
        for row in sheet.iter_rows(min_row=2)
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=")
    ]
    assert cells and all(c.data_type == "s" for c in cells)


def test_sample_folder_is_complete_and_small():
    if not SAMPLES.exists():
        pytest.skip("sample_data/analytics is not generated yet")
    names = {file for file, *_ in SAMPLE_FILES}
    assert names <= {p.name for p in SAMPLES.iterdir()}
    assert (SAMPLES / "README.md").exists()
    assert sum(p.stat().st_size for p in SAMPLES.iterdir()) < 5_000_000
