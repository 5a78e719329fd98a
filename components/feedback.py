"""Turn core errors into one sentence on the page, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from components.text import md_escape
from journeymap import JourneyMapError

T = TypeVar("T")


def attempt(action: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[bool, T | None]:
    """Call a store method; on a domain error show its sentence and return (False, None)."""
    try:
        return True, action(*args, **kwargs)
    except JourneyMapError as err:
        st.error(md_escape(str(err)), icon=":material/error:")
        return False, None
