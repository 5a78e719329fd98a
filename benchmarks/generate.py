"""Seeded generator of a workshop-sized map: N notes spread over the default template."""

from __future__ import annotations

import random

from journeymap import LaneKind, Store

WORDS = (
    "customer sees pricing page demo trial checkout email support onboarding slow "
    "confusing shipping cost account form mobile laptop renewal invoice team seat "
    "template design blocks import alt text comparison competitor review referral"
).split()


def fill_map(store: Store, notes: int, *, seed: int = 7) -> str:
    """Create a workspace with one map holding `notes` notes; return the map id."""
    rng = random.Random(seed)
    workspace = store.create_workspace(f"Benchmark {notes}")
    persona = store.add_persona(workspace.id, "Bench Persona", role="Tester")
    journey = store.create_map(workspace.id, f"Map with {notes} notes", persona_id=persona.id)
    board = store.load_map(journey.id)
    authors = [f"Participant {i}" for i in range(12)]
    for _ in range(notes):
        stage, lane = rng.choice(board.stages), rng.choice(board.lanes)
        extra = {}
        if lane.kind is LaneKind.EMOTION:
            extra["emotion"] = rng.randint(-2, 2)
        elif lane.kind is LaneKind.TOUCHPOINT:
            extra["channel"] = rng.choice(["Email", "Website", "Instagram ads", "In-app"])
        elif lane.kind is LaneKind.RESOURCE:
            extra["resource_status"] = rng.choice(["have", "need"])
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14)))
        store.add_note(
            journey.id,
            stage_id=stage.id,
            lane_id=lane.id,
            text=text.capitalize(),
            author=rng.choice(authors),
            **extra,
        )
    return journey.id
