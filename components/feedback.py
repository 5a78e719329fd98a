"""Turn core errors into one sentence on the page, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from journeymap import JourneyMapError

T = TypeVar("T")


def attempt(action: Callable[[], T], *, where=None) -> tuple[bool, T | None]:
    """Run a store call; on a domain error show its sentence and return (False, None)."""
    try:
        return True, action()
    except JourneyMapError as err:
        (where or st).error(str(err), icon=":material/error:")
        return False, None
