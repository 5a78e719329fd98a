"""Write a generic event log of about N rows as CSV and Parquet, for the load benchmark.

    python -m benchmarks.events_data --rows 1000000 --out /tmp/events

The rows come from the seeded generator (`journeymap.analytics.generate`): realistic
funnels, sessions, devices and channels, so loading them costs what real exports cost.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from journeymap.analytics.exports import write_export
from journeymap.analytics.generate import SCENARIOS, generate_events

FILES = (("generic_csv", "events.csv"), ("generic_parquet", "events.parquet"))


def people_for(rows: int, scenario: str, seed: int) -> int:
    """How many people give about `rows` events, measured on a small run of the scenario."""
    pilot = 20_000
    per_person = len(generate_events(pilot, seed=seed, scenario=scenario)) / pilot
    return max(1, round(rows / per_person))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="about this many events")
    parser.add_argument("--out", type=Path, required=True, help="folder for the files")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="ecommerce")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    people = people_for(args.rows, args.scenario, args.seed)
    started = time.perf_counter()
    events = generate_events(people, seed=args.seed, scenario=args.scenario)
    print(
        f"generated {len(events):,} events of {people:,} people in {time.perf_counter() - started:.1f} s"
    )
    for fmt, name in FILES:
        started = time.perf_counter()
        rows = write_export(events, fmt, args.out / name)
        size = (args.out / name).stat().st_size / 1e6
        print(
            f"{args.out / name}  {rows:,} rows  {size:,.1f} MB  written in {time.perf_counter() - started:.1f} s"
        )


if __name__ == "__main__":
    main()
