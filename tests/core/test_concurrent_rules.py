"""Rules the store checks by reading before it writes hold under concurrent writers.

Unique stage names, one primary persona, and "a map keeps one stage" are checked
with a read and then a write in one transaction. They hold only if two writers
never act on the same snapshot: SQLite queues writers with `BEGIN IMMEDIATE`,
PostgreSQL (READ COMMITTED) with the store's write lock. Each test starts its
writers together on a barrier; on PostgreSQL without the lock they broke at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from journeymap import ValidationError

WRITERS = 6


def _together(count: int, work: Callable[[int], object]) -> tuple[list, list]:
    """Run `work(i)` in `count` threads started at once; return (results, errors)."""
    start = threading.Barrier(count)
    results, errors = [], []

    def body(i: int) -> None:
        start.wait()
        try:
            results.append(work(i))
        except Exception as err:
            errors.append(err)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    return results, errors


def test_one_stage_name_added_at_once_by_several_people_exists_once(store, journey):
    results, errors = _together(WRITERS, lambda i: store.add_stage(journey.id, "Churn"))

    assert len(results) == 1
    assert len(errors) == WRITERS - 1
    assert all(isinstance(e, ValidationError) for e in errors), [repr(e) for e in errors]
    names = [s.name for s in store.load_map(journey.id).stages]
    assert names.count("Churn") == 1


def test_primary_personas_added_at_once_leave_exactly_one_primary(store, workspace):
    _results, errors = _together(
        WRITERS, lambda i: store.add_persona(workspace.id, f"Persona {i}", is_primary=True)
    )

    assert errors == [], [repr(e) for e in errors]
    personas = store.list_personas(workspace.id)
    assert len(personas) == WRITERS
    assert sum(p.is_primary for p in personas) == 1


def test_deleting_the_last_two_stages_at_once_keeps_one(store, workspace):
    journey = store.create_map(workspace.id, "Two stages", template="blank")
    store.add_stage(journey.id, "Stage 2")
    stages = store.load_map(journey.id).stages
    assert len(stages) == 2

    results, errors = _together(2, lambda i: store.delete_stage(stages[i].id, stages[i].version))

    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), errors
    assert len(store.load_map(journey.id).stages) == 1


def test_notes_added_at_once_to_one_cell_get_distinct_positions(store, board):
    stage_id, lane_id = board.stages[0].id, board.lanes[0].id
    results, errors = _together(
        WRITERS,
        lambda i: store.add_note(board.map.id, stage_id=stage_id, lane_id=lane_id, text=f"n{i}"),
    )

    assert errors == [], [repr(e) for e in errors]
    notes = store.load_map(board.map.id).notes
    assert len({n.position for n in notes}) == WRITERS
    assert {n.position for n in results} == {n.position for n in notes}
