"""Server-side time to compute everything the annotated journey-map wall shows.

    .venv/bin/python -m benchmarks.annotated_wall              # sample map, then ~10 M events
    .venv/bin/python -m benchmarks.annotated_wall --quick      # sample map, then ~1 M events
    .venv/bin/python -m benchmarks.annotated_wall --people 300000 --seed 3 --profile-misses
    .venv/bin/python -m benchmarks.annotated_wall --skip-page     # no AppTest page runs

A benchmark, not a test: it prints a table and never fails. The target (<= 1.5 s per
operation on 10 M prepared events, 2-core machine) applies to the generated dataset
only; the sample rows have none.

What is timed. The core functions are called directly, as `components/stage_metrics.py`,
`components/stage_detail.py` and `components/journey_graph.py` call them, without their
`st.cache_data` wrappers, so nothing is a cache hit. The prepared dataset is made once and
kept (the app keeps it with `st.cache_resource`), so a property's column codes, which a
prepared dataset caches, are built by the first call and reused after, as in the app.
- stage numbers (`stage_numbers`) for the map's bound stages and touchpoints with the map's
  window (30 days): for everyone, for a persona's segment, for the first 30 days;
- blind spots (`blind_spots`) on the everyone numbers;
- the wall's payload: `annotations` (the per-stage `stage_lines` and per-note
  `touchpoint_line`) and `wall_payload` (components are Streamlit modules; outside a
  Streamlit runtime their import only defines functions; if it fails the rows are skipped);
- "annotated wall": numbers + blind spots + payload in one call, what one render of the
  page computes for the wall, per view (everyone, persona, first 30 days);
- the journey graph (`stage_flow`) and the stage-detail dialog at the last bound stage
  (the most steps): the funnel broken down by channel with step attribution, the
  conversion over time from the previous stage, and the whole dialog as `_breakdowns`
  plus the time histogram's data and the dropped people's CSV compute it.

Data. (a) The sample workshop (`load_sample` into a temporary SQLite store), map "Choosing
a CMS for the studio" on its GA4 export, its stage and touchpoint bindings as the app reads
them (`list_bindings`, `from_bindings`), its persona's segment and the survey dataset's
scores. Also a whole AppTest run of `pages/journey_map.py` on that map ("whole page run"):
once with Streamlit's caches warm (what a rerun costs), once with `st.cache_data` cleared
before each run (the prepared dataset, a `cache_resource`, is kept). (b) The seeded
ecommerce generator as in `benchmarks/metrics.py` (`people_for`, `add_noise_names`,
`as_loaded`, then `prepare`), and a 7-stage lifecycle map in a temporary store bound to
first_visit / view_item_list / view_item / add_to_cart on mobile / begin_checkout /
add_payment_info on mobile / purchase, with 3 bound touchpoints (Paid Social channel, the
kids' school shoes category page, the size guide) and a persona whose segment is mobile.

Timing and memory as in `benchmarks/metrics.py`: one warm-up call ("first call"), then the
median of 3 runs; peak RSS is the whole process's high-water mark during that row (reset
before each row), so it includes the dataset already held. A cProfile of one stage_numbers
call on the large dataset (top 15 by cumulative and by own time) ends the output;
`--profile-misses` adds one for each large-dataset row over its target. The sample runs
first, so numba's compiled passes are already loaded when the large dataset's first calls run. Each row's runs
are printed as it goes: on a shared 2-core machine other work moves single runs by 2x, so
the load average at start and end is printed under the table.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd

from benchmarks.events_data import people_for
from benchmarks.metrics import (
    EVENTS_FULL,
    EVENTS_QUICK,
    GB,
    SCENARIO,
    Timing,
    add_noise_names,
    as_loaded,
    measure,
    once,
    peak_rss,
    profile,
    rss,
)
from journeymap import Dataset, DatasetKind, LaneKind, MapBoard, load_sample, open_store
from journeymap.analytics import conversion_over_time, funnel, prepare
from journeymap.analytics.blindspots import blind_spots
from journeymap.analytics.generate import generate_events
from journeymap.analytics.segments import Match
from journeymap.analytics.stages import (
    from_bindings,
    stage_breakdowns,
    stage_flow,
    stage_numbers,
)
from journeymap.analytics.tables import survey_by_stage
from journeymap.csvsafe import to_csv_bytes

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.5  # seconds per operation on 10 M prepared events
SAMPLE_MAP = "Choosing a CMS for the studio"
RANGE_DAYS = 30
NAME_WIDTH = 76

# The 10 M map: lifecycle stage -> its binding (events, conditions); all 7 are bound.
MOBILE = [{"column": "device", "op": "is", "values": ["mobile"]}]
BIG_STAGES = {
    "Awareness": {"events": ["first_visit"]},
    "Consideration": {"events": ["view_item_list"]},
    "Purchase": {"events": ["view_item"]},
    "Adoption": {"events": ["add_to_cart"], "where": MOBILE},
    "Retention": {"events": ["begin_checkout"]},
    "Expansion": {"events": ["add_payment_info"], "where": MOBILE},
    "Advocacy": {"events": ["purchase"]},
}
BIG_TOUCHPOINTS = (  # (stage, note text, rule)
    (
        "Awareness",
        "Instagram and Facebook ads",
        {"events": [], "where": [{"column": "channel", "op": "is", "values": ["Paid Social"]}]},
    ),
    (
        "Consideration",
        "Kids' school shoes category page",
        {
            "events": ["page_view"],
            "where": [{"column": "page", "op": "contains", "values": ["/c/kids-school-shoes"]}],
        },
    ),
    (
        "Purchase",
        "Size guide pop-up",
        {
            "events": ["page_view"],
            "where": [{"column": "page", "op": "contains", "values": ["/size-guide"]}],
        },
    ),
)
BIG_PAINS = ("Awareness", "Retention")  # stages with a pain-point note
BIG_SEGMENT = {"events": [], "where": MOBILE}


def _quiet_streamlit() -> None:
    """Silence "No runtime found" and "missing ScriptRunContext" warnings (bare mode).

    Streamlit's loggers do not propagate and AppTest resets their levels from its config,
    so every one of them is set again (called after each AppTest phase too)."""
    for name in list(logging.root.manager.loggerDict):
        if name == "streamlit" or name.startswith("streamlit."):
            logging.getLogger(name).setLevel(logging.ERROR)


# -- timing --------------------------------------------------------------------------------


def table(rows: list[Timing | str]) -> str:
    head = (
        f"{'operation':<{NAME_WIDTH}} {'median s':>9} {'first s':>8} {'target':>9} "
        f"{'result':>6} {'peak RSS':>9}"
    )
    lines = [head, "-" * len(head)]
    for t in rows:
        if isinstance(t, str):
            lines.append(t)
            continue
        target = "" if t.target is None else f"<= {t.target:g} s"
        first = "" if t.first is None else f"{t.first:.3f}"
        lines.append(
            f"{t.name:<{NAME_WIDTH}} {t.seconds:>9.3f} {first:>8} {target:>9} {t.status:>6} "
            f"{t.peak / GB:>7.2f} G"
        )
    return "\n".join(lines)


# -- what the wall computes ----------------------------------------------------------------


@dataclass
class Case:
    """A map measured on a prepared dataset: everything the wall's computations need."""

    label: str
    data: object  # Prepared
    board: MapBoard
    dataset: Dataset
    stages: list
    touchpoints: list
    persona: object | None  # Persona with a segment
    window: timedelta
    date_from: date
    date_to: date
    surveys: dict


def _payload_functions():
    """annotations + wall_payload from the Streamlit components, or the reason they failed."""
    _quiet_streamlit()
    try:
        from components.stage_metrics import DataView, annotations
        from components.wall import wall_payload
    except Exception as err:
        return None, f"{type(err).__name__}: {err}"
    return (DataView, annotations, wall_payload), ""


def wall_rows(case: Case, target: float | None) -> tuple[list[Timing], dict, dict]:
    """Time every computation behind the annotated wall, the journey graph and the stage
    detail; return the rows, the results of the last runs (for a sanity print) and the
    calls by row name (to profile)."""
    data, board, window = case.data, case.board, case.window
    segment = Match.from_dict(case.persona.segment) if case.persona else None
    views = {
        "everyone": {},
        f"persona {case.persona.name if case.persona else '-'}": {"segment": segment},
        f"first {RANGE_DAYS} days": {"date_from": case.date_from, "date_to": case.date_to},
    }
    functions, why = _payload_functions()
    if functions is None:
        print(f"  (payload rows skipped: importing components failed, {why})")

    def numbers_of(**view):
        return stage_numbers(data, case.stages, touchpoints=case.touchpoints, window=window, **view)

    def payload_of(numbers, view) -> dict | None:
        if functions is None:
            return None
        data_view, annotations, wall_payload = functions
        dv = data_view(
            dataset=case.dataset,
            data=data,
            date_from=view.get("date_from"),
            date_to=view.get("date_to"),
            persona=case.persona if "segment" in view else None,
            window=window,
            bindings=(),
            stages=tuple(case.stages),
            touchpoints=tuple(case.touchpoints),
            numbers=numbers,
            surveys=case.surveys,
        )
        stage_metrics, note_metrics = annotations(dv, board)
        return wall_payload(
            board, board.notes, board.lanes, stage_metrics=stage_metrics, note_metrics=note_metrics
        )

    def whole_wall(view):
        numbers = numbers_of(**view)
        findings = blind_spots(board, numbers, surveys=case.surveys, source=case.label)
        return numbers, findings, payload_of(numbers, view)

    rows: list[Timing] = []
    results: dict = {}
    calls: dict[str, Callable[[], object]] = {}

    def measure(name, call, target):  # the module's, remembering each call for --profile-misses
        calls[name] = call
        return _measure(name, call, target)

    for name, view in views.items():
        t = measure(f"stage_numbers, {name}", lambda v=view: numbers_of(**v), target)
        results[f"numbers {name}"] = t.results[0]
        rows.append(t)
    numbers = results["numbers everyone"]
    t = measure(
        "blind_spots (everyone's numbers)",
        lambda: blind_spots(board, numbers, surveys=case.surveys, source=case.label),
        target,
    )
    results["findings"] = t.results[0]
    rows.append(t)
    if functions is not None:
        rows.append(
            measure(
                "payload: annotations (stage_lines, touchpoint_line) + wall_payload",
                lambda: payload_of(numbers, {}),
                target,
            )
        )
    else:
        print("  payload: skipped (see above)")
    extra = "" if functions is not None else " (no payload)"
    for name, view in views.items():
        rows.append(
            measure(
                f"annotated wall, {name}: numbers + blind spots + payload{extra}",
                lambda v=view: whole_wall(v),
                target,
            )
        )

    t = measure(
        "journey graph: stage_flow, everyone", lambda: stage_flow(data, case.stages), target
    )
    results["flow"] = t.results[0]
    rows.append(t)

    steps = [m for _, _, m in case.stages if m is not None]
    step = len(steps) - 1
    names = [n for _, n, m in case.stages if m is not None]
    at = f"{names[step]} ({step + 1} of {len(steps)})"
    rows.append(
        measure(
            f"stage detail, {at}: funnel by channel, step attribution",
            lambda: funnel(
                data,
                steps,
                window=window,
                breakdown="channel",
                attribution="step",
                attribution_step=step - 1,
            ),
            target,
        )
    )
    rows.append(
        measure(
            f"stage detail: conversion_over_time {names[step - 1]} -> {names[step]}",
            lambda: conversion_over_time(data, steps[step - 1 : step + 1], window=window),
            target,
        )
    )

    def dialog():
        out = _breakdowns(data, steps, window, step)
        result = numbers.funnel
        hours = result.conversion_times(step - 1, step) / 3600
        dropped = sorted(result.steps[step].dropped)
        csv = to_csv_bytes(pd.DataFrame({"actor_id": dropped}))
        return out, len(hours), len(csv)

    rows.append(
        measure(
            "stage detail dialog, all (breakdowns, over time, histogram, dropped CSV)",
            dialog,
            target,
        )
    )
    return rows, results, calls


_measure = measure


def _breakdowns(data, steps, window, step) -> dict:
    """components/stage_detail.py `_breakdowns` without its cache (everyone, no range)."""
    out = stage_breakdowns(data, steps, step, window=window)
    over = conversion_over_time(data, steps[step - 1 : step + 1], window=window) if step else None
    return {"tables": out, "over_time": over}


def describe(results: dict) -> None:
    """The answers in brief, so a reader sees the timed work is real."""
    numbers = results["numbers everyone"]
    print(
        f"    people in the data: {numbers.people:,}; bound stages: "
        + ", ".join(f"{s.name} {s.reached:,}{' (worst)' if s.worst else ''}" for s in numbers.bound)
    )
    for key, value in results.items():
        if key.startswith("numbers ") and key != "numbers everyone":
            print(
                f"    {key[8:]}: {value.people:,} people, reached "
                + " / ".join(f"{s.reached:,}" for s in value.bound)
            )
    marks = numbers.touchpoints.values()
    print("    touchpoints (users): " + ", ".join(f"{m.users:,}" for m in marks))
    findings = results["findings"]
    print(f"    blind spots: {len(findings)} ({', '.join(f.kind for f in findings) or 'none'})")
    flow = results["flow"]
    print(
        f"    journey graph: {len(flow.edges)} edges, "
        f"{int(flow.edges['transitions'].sum()):,} transitions"
    )


# -- (a) the sample workshop ---------------------------------------------------------------


def sample_case(tmp: Path) -> tuple[Case, Path, str, str]:
    """The sample workshop in a fresh store; its CMS map as a Case, the db, ws and map ids."""
    db = tmp / "sample.db"
    store = open_store(db)
    try:
        workspace = load_sample(store, created_by="Bench")
        maps = store.list_maps(workspace.id)
        journey = next((m for m in maps if m.title == SAMPLE_MAP), maps[0])
        board = store.load_map(journey.id)
        stages, touchpoints = from_bindings(board, store.list_bindings(journey.id))
        datasets = store.list_datasets(workspace.id)
        dataset = next(d for d in datasets if d.id == journey.dataset_id)
        started = time.perf_counter()
        data = prepare(store.read_dataset(dataset))
        print(
            f"  read + prepare {dataset.name}: {time.perf_counter() - started:.2f} s, "
            f"{len(data):,} events"
        )
        frames = [store.read_dataset(d) for d in datasets if d.kind is DatasetKind.SURVEY]
        surveys = survey_by_stage(pd.concat(frames, ignore_index=True)) if frames else {}
        persona = next(
            (p for p in store.list_personas(workspace.id) if p.id == journey.persona_id), None
        )
        if persona is not None and not persona.segment:
            persona = None
    finally:
        store.close()
    first = dataset.time_from.date()
    case = Case(
        label=f"{dataset.name}, sample",
        data=data,
        board=board,
        dataset=dataset,
        stages=stages,
        touchpoints=touchpoints,
        persona=persona,
        window=timedelta(days=journey.window_days or 30),
        date_from=first,
        date_to=first + timedelta(days=RANGE_DAYS - 1),
        surveys=surveys,
    )
    return case, db, workspace.id, journey.id


def page_rows(db: Path, workspace_id: str, map_id: str) -> list[Timing]:
    """Whole AppTest runs of the journey map page on the sample map."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    _quiet_streamlit()

    os.environ["JOURNEYMAP_DATABASE_URL"] = str(db)
    os.environ["JOURNEYMAP_SAMPLE"] = "off"
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["jm:user"] = "Bench"
    at.session_state["jm:workspace"] = workspace_id
    at.session_state["jm:map"] = map_id
    at.switch_page("pages/journey_map.py")

    def run():
        at.run()
        if at.exception:
            raise RuntimeError(f"the page raised: {[e.value for e in at.exception]}")
        return None

    def clear_caches():
        _quiet_streamlit()  # st.cache_data.clear() outside a script run warns
        st.cache_data.clear()

    rows = [measure("whole page run, sample (AppTest; Streamlit caches warm)", run)]
    captions = [c.value for c in at.caption if "people in" in str(c.value)]
    print(f"    page caption: {captions[0] if captions else '(no numbers caption found)'}")
    rows.append(
        measure(
            "whole page run, sample (st.cache_data cleared before each run)",
            run,
            setup=clear_caches,
        )
    )
    clear_caches()
    st.cache_resource.clear()  # the page's store and prepared dataset
    return rows


# -- (b) the generated dataset -------------------------------------------------------------


def big_data(wanted: int, people: int | None, seed: int):
    people = people or people_for(wanted, SCENARIO, seed)
    print(f"Generating ~{wanted:,} events ({people:,} people, seed {seed}) ...")
    started = time.perf_counter()
    raw = generate_events(people, seed=seed, scenario=SCENARIO)
    add_noise_names(raw, seed)
    events = as_loaded(raw)
    del raw
    print(
        f"  {len(events):,} events in {time.perf_counter() - started:.1f} s; "
        f"peak RSS so far {peak_rss() / GB:.2f} GB"
    )
    prep = once("prepare (rows in time order, as exported; not a target)", prepare, events)
    data = prep.results.pop()
    del events
    gc.collect()
    print(f"  resident after prepare (prepared dataset only) {rss() / GB:.2f} GB")
    return data, prep


def big_case(tmp: Path, data) -> Case:
    """A lifecycle map in a fresh store, bound to the generated events."""
    store = open_store(tmp / "big.db")
    try:
        workspace = store.create_workspace("Benchmark 10 M", created_by="Bench")
        persona = store.add_persona(workspace.id, "Mobile shopper", segment=BIG_SEGMENT)
        journey = store.create_map(
            workspace.id,
            "Lifecycle on the generated shop",
            persona_id=persona.id,
            template="lifecycle",
        )
        board = store.load_map(journey.id)
        stage = {s.name: s.id for s in board.stages}
        lane = {ln.kind: ln.id for ln in board.lanes}
        for name, sid in stage.items():
            store.add_note(
                journey.id,
                stage_id=sid,
                lane_id=lane[LaneKind.ACTION],
                text=f"What the customer does at {name}",
                author="Bench",
            )
            store.add_note(
                journey.id,
                stage_id=sid,
                lane_id=lane[LaneKind.EMOTION],
                text=f"How {name} feels",
                author="Bench",
                emotion=1,
            )
            store.add_note(
                journey.id,
                stage_id=sid,
                lane_id=lane[LaneKind.OPPORTUNITY],
                text=f"An idea for {name}",
                author="Bench",
            )
        for name in BIG_PAINS:
            store.add_note(
                journey.id,
                stage_id=stage[name],
                lane_id=lane[LaneKind.PAIN],
                text=f"It hurts at {name}",
                author="Bench",
            )
        for name, rule in BIG_STAGES.items():
            store.bind(journey.id, stage[name], rule, by="Bench")
        for name, text, rule in BIG_TOUCHPOINTS:
            note = store.add_note(
                journey.id,
                stage_id=stage[name],
                lane_id=lane[LaneKind.TOUCHPOINT],
                text=text,
                author="Bench",
                channel="Website",
            )
            store.bind(journey.id, note.id, rule, by="Bench")
        board = store.load_map(journey.id)
        stages, touchpoints = from_bindings(board, store.list_bindings(journey.id))
    finally:
        store.close()
    first = datetime.fromtimestamp(int(data.ts.min()) / 1e6, tz=UTC)
    last = datetime.fromtimestamp(int(data.ts.max()) / 1e6, tz=UTC)
    dataset = Dataset(
        id="generated",
        workspace_id=workspace.id,
        name=f"Generated {SCENARIO} events ({len(data):,})",
        kind=DatasetKind.EVENTS,
        source_format="generated",
        file_name="",
        rows=len(data),
        users=len(data.actor_ids),
        time_from=first,
        time_to=last,
        uploaded_by="Bench",
        uploaded_at=datetime.now(UTC),
        fingerprint=data.fingerprint,
        version=1,
    )
    return Case(
        label=dataset.name,
        data=data,
        board=board,
        dataset=dataset,
        stages=stages,
        touchpoints=touchpoints,
        persona=persona,
        window=timedelta(days=30),
        date_from=first.date(),
        date_to=first.date() + timedelta(days=RANGE_DAYS - 1),
        surveys={},
    )


# -- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, help="people to generate (default: ~10 M events)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="about 1 M events")
    parser.add_argument("--skip-page", action="store_true", help="no whole-page AppTest runs")
    parser.add_argument(
        "--profile-misses",
        action="store_true",
        help="also cProfile each large-dataset row that misses its target",
    )
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    wanted = EVENTS_QUICK if args.quick else EVENTS_FULL
    rows: list[Timing | str] = []
    load_before = os.getloadavg()
    big = None
    calls: dict = {}

    with tempfile.TemporaryDirectory(prefix="annotated-wall-") as tmp:
        print("(a) Sample workshop: map", repr(SAMPLE_MAP))
        try:
            case, db, workspace_id, map_id = sample_case(Path(tmp))
            rows.append(f"-- (a) sample: {case.label}, {len(case.data):,} events --")
            if not args.skip_page:  # first: before this process imports the components
                rows.extend(page_rows(db, workspace_id, map_id))
            sample_rows, results, _ = wall_rows(case, None)
            rows.extend(sample_rows)
            describe(results)
            del case, results
        except Exception:
            traceback.print_exc()
            rows.append("-- (a) sample: failed, see the traceback above --")
        gc.collect()

        print(f"\n(b) Generated dataset, ~{wanted:,} events")
        try:
            data, prep = big_data(wanted, args.people, args.seed)
            case = big_case(Path(tmp), data)
            rows.append(
                f"-- (b) {case.label}, {len(data.actor_ids):,} actors, "
                f"target <= {TARGET:g} s per operation --"
            )
            rows.append(prep)
            big_rows, results, calls = wall_rows(case, TARGET)
            rows.extend(big_rows)
            describe(results)
            big = case
        except Exception:
            traceback.print_exc()
            rows.append("-- (b) generated: failed, see the traceback above --")

    print("\n== Results (median of 3 after one warm-up; peak RSS of the whole process) ==")
    print(table(rows))
    print(
        f"machine: {os.cpu_count()} CPUs; load average (1, 5, 15 min) at start "
        f"{', '.join(f'{x:.2f}' for x in load_before)}, at end "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} (other work skews the times)"
    )
    timed = [t for t in rows if isinstance(t, Timing) and t.target is not None]
    if timed:
        missed = [t for t in timed if t.status == "FAIL"]
        print(
            f"\n{len(timed) - len(missed)} of {len(timed)} large-dataset operations within "
            f"{TARGET:g} s; slowest {max(timed, key=lambda t: t.seconds).name!r} at "
            f"{max(t.seconds for t in timed):.3f} s"
        )

    if big is not None:
        c = big

        def call():
            return stage_numbers(c.data, c.stages, touchpoints=c.touchpoints, window=c.window)

        profile(f"one stage_numbers call, everyone, {len(c.data):,} events", call)
        if args.profile_misses:
            for t in timed:
                if t.status == "FAIL" and t.name in calls:
                    profile(t.name, calls[t.name])


if __name__ == "__main__":
    main()
