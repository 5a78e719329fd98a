"""The property tests of notes and axes, again on PostgreSQL.

Those tests share one store per module (`shared_store`, a SQLite file, defined in
their modules), so the per-test backend switch does not reach them. Collected here
with a `shared_store` on the session's PostgreSQL cluster, they run unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from journeymap import Store, open_store

from .pg import Cluster
from .test_notes import (
    test_only_ends_and_line_breaks_are_normalised,
    test_random_add_move_delete_matches_a_model_per_cell,
)
from .test_stages_lanes import test_random_edit_sequences_match_a_list_model

__all__ = [
    "test_only_ends_and_line_breaks_are_normalised",
    "test_random_add_move_delete_matches_a_model_per_cell",
    "test_random_edit_sequences_match_a_list_model",
]


@pytest.fixture(scope="module")
def shared_store(pg_cluster: Cluster) -> Iterator[Store]:
    opened = open_store(pg_cluster.new_database())
    yield opened
    opened.close()
