"""Round trips through the seeded generator: a log whose truth is known, written, read back.

`journeymap.analytics.generate` gives every row its `person_id` (who really did it), and
each scenario lists its channels with the label the default grouping gives them. So a
generated log written as a plain export and loaded with `load_events` can be checked
against the truth: no row lost or changed, no two people merged into one actor, and the
channel of every row the one the scenario says.

Then the same truth goes through `exports.write_export` in every vendor's shape (GA4
nested and flattened, Amplitude gzipped, Mixpanel, Segment spec and warehouse tracks,
PostHog, generic CSV/xlsx/Parquet/JSON/JSON lines zipped): each must be recognised as its
tool, keep every event, stitch the same people, and give every row the channel and device
the truth says. Skipped while the generator or the writers are not there.
"""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from journeymap.analytics import load_events
from journeymap.analytics.channels import channel_of
from journeymap.analytics.normalise import stitch

generate = pytest.importorskip("journeymap.analytics.generate")

SCENARIOS = sorted(generate.SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_channel_gets_its_label(scenario):
    for channel in generate.SCENARIOS[scenario].channels:
        assert channel_of(channel.source, channel.medium) == channel.label, channel


@pytest.fixture(scope="module", params=SCENARIOS)
def truth(request) -> pd.DataFrame:
    frame = generate.generate_events(n_users=300, seed=11, scenario=request.param)
    return frame.assign(row_uid=[f"r{i}" for i in range(len(frame))])


def export(truth: pd.DataFrame, container: str) -> bytes:
    """The log as a plain export: no person_id (no tool has it), no session ids."""
    plain = truth.drop(columns=["person_id", "session_id"])
    out = io.BytesIO()
    if container == "csv":
        plain.to_csv(out, index=False)
    else:
        plain.to_parquet(out, index=False)
    return out.getvalue()


@pytest.fixture(scope="module")
def loaded(truth) -> dict[str, pd.DataFrame]:
    return {c: load_events(export(truth, c)).events for c in ("csv", "parquet")}


@pytest.mark.parametrize("container", ["csv", "parquet"])
def test_no_row_is_lost_or_changed(truth, loaded, container):
    events = loaded[container]
    assert len(events) == len(truth)
    merged = events.merge(truth, on="row_uid", suffixes=("", "_truth"), validate="one_to_one")
    assert len(merged) == len(truth)
    assert (merged["ts"] == merged["ts_truth"]).all()
    assert (merged["event"].astype(str) == merged["event_truth"].astype(str)).all()
    revenue = merged["revenue"].fillna(-1) == merged["revenue_truth"].fillna(-1)
    assert revenue.all()


@pytest.mark.parametrize("container", ["csv", "parquet"])
def test_stitching_never_merges_two_people(truth, loaded, container):
    merged = loaded[container].merge(
        truth[["row_uid", "person_id", "anonymous_id"]], on="row_uid", suffixes=("", "_truth")
    )
    people_per_actor = merged.groupby("actor_id")["person_id"].nunique()
    assert people_per_actor.max() == 1, people_per_actor[people_per_actor > 1].head()
    # ...and joins what the ids allow: a person has at most one actor per device.
    actors = merged.groupby("person_id")["actor_id"].nunique()
    devices = merged.groupby("person_id")["anonymous_id_truth"].nunique()
    assert (actors <= devices).all()
    signed_in = truth.dropna(subset=["user_id"])
    for person, user in signed_in.groupby("person_id")["user_id"].first().items():
        assert set(merged.loc[merged["person_id"] == person, "actor_id"]) >= {user}


@pytest.mark.parametrize("container", ["csv", "parquet"])
def test_channels_match_the_scenario_labels(truth, loaded, container):
    scenario = generate.SCENARIOS[truth.attrs.get("scenario", "saas")]
    labels = {(c.source, c.medium): c.label for c in scenario.channels}
    merged = loaded[container].merge(
        truth[["row_uid", "source", "medium"]], on="row_uid", suffixes=("", "_truth")
    )
    tagged = merged.dropna(subset=["source_truth", "medium_truth"])
    expected = [
        labels[(s, m)] for s, m in zip(tagged["source_truth"], tagged["medium_truth"], strict=True)
    ]
    assert tagged["channel"].astype(str).tolist() == expected


def test_csv_and_parquet_load_to_the_same_events(loaded):
    columns = ["row_uid", "actor_id", "event", "ts", "session_id", "channel", "device"]
    csv = loaded["csv"][columns].sort_values("row_uid").reset_index(drop=True)
    parquet = loaded["parquet"][columns].sort_values("row_uid").reset_index(drop=True)
    for column in columns:
        assert csv[column].astype(str).tolist() == parquet[column].astype(str).tolist(), column


def test_devices_are_the_three_kinds(loaded):
    assert set(loaded["csv"]["device"].dropna()) <= {"desktop", "mobile", "tablet"}


# -- every vendor shape, through exports.write_export ---------------------------------------

VENDOR_FORMATS = {  # write_export format -> (compression, the source_format load_events must say)
    "ga4_jsonl": (None, "ga4"),
    "ga4_csv": (None, "ga4"),
    "amplitude": ("gzip", "amplitude"),
    "mixpanel": (None, "mixpanel"),
    "segment": (None, "segment"),
    "segment_tracks": (None, "segment"),
    "posthog": (None, "posthog"),
    "generic_csv": (None, "generic"),
    "generic_xlsx": (None, "generic"),
    "generic_parquet": (None, "generic"),
    "generic_json": (None, "generic"),
    "generic_jsonl": ("zip", "generic"),
}


@pytest.fixture(scope="module")
def vendor_truth() -> pd.DataFrame:
    return generate.generate_events(n_users=200, seed=5, scenario="saas")


@pytest.fixture(scope="module")
def vendor_logs(vendor_truth, tmp_path_factory) -> dict:
    """Each format written once and loaded once: the EventLog, or the exception it raised."""
    exports = pytest.importorskip("journeymap.analytics.exports")
    folder = tmp_path_factory.mktemp("exports")
    logs = {}
    for fmt, (compression, _) in VENDOR_FORMATS.items():
        path = folder / (fmt + {None: "", "gzip": ".gz", "zip": ".zip"}[compression])
        exports.write_export(vendor_truth, fmt, path, compression=compression)
        try:
            logs[fmt] = load_events(Path(path))
        except Exception as err:  # reported by each test of that format
            logs[fmt] = err
    return logs


def loaded_log(vendor_logs, fmt):
    log = vendor_logs[fmt]
    if isinstance(log, Exception):
        pytest.fail(f"load_events raised {type(log).__name__} on the {fmt} export: {log}")
    return log


def tracked(events: pd.DataFrame) -> pd.DataFrame:
    """The events the person did (PostHog adds one `$identify` per device that logs in)."""
    return events[events["event"].astype(str) != "$identify"]


@pytest.mark.parametrize("fmt", list(VENDOR_FORMATS))
def test_vendor_export_is_recognised_and_keeps_every_event(vendor_truth, vendor_logs, fmt):
    log = loaded_log(vendor_logs, fmt)
    assert log.source_format == VENDOR_FORMATS[fmt][1]
    events = tracked(log.events)
    assert len(events) == len(vendor_truth)
    assert Counter(events["event"].astype(str)) == Counter(vendor_truth["event"].astype(str))
    # Mixpanel exports whole seconds: compare every format at that precision.
    assert sorted(events["ts"].dt.floor("s")) == sorted(vendor_truth["ts"].dt.floor("s"))


@pytest.mark.parametrize("fmt", list(VENDOR_FORMATS))
def test_vendor_export_stitches_the_same_people(vendor_truth, vendor_logs, fmt):
    expected = stitch(
        vendor_truth["user_id"].astype("string"),
        vendor_truth["anonymous_id"].astype("string"),
        vendor_truth["ts"],
    ).nunique()
    assert loaded_log(vendor_logs, fmt).events["actor_id"].nunique() == expected


@pytest.mark.parametrize("fmt", list(VENDOR_FORMATS))
def test_vendor_export_gives_every_row_its_channel(vendor_truth, vendor_logs, fmt):
    # Tagged visits carry UTM tags; untagged ones only the referrer, as in the real tools.
    # Either way a row's channel is the one the scenario's channel table names.
    labels = {(c.source, c.medium): c.label for c in generate.SCENARIOS["saas"].channels}
    truth = Counter(
        labels[(s, m)] if pd.notna(s) else "Direct"
        for s, m in zip(vendor_truth["source"], vendor_truth["medium"], strict=True)
    )
    events = tracked(loaded_log(vendor_logs, fmt).events)
    assert Counter(events["channel"].astype(str)) == truth


@pytest.mark.parametrize("fmt", list(VENDOR_FORMATS))
def test_vendor_export_gives_every_row_its_device(vendor_truth, vendor_logs, fmt):
    events = tracked(loaded_log(vendor_logs, fmt).events)
    assert Counter(events["device"].astype(str)) == Counter(vendor_truth["device"].astype(str))
