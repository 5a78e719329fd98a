"""The process-wide store (one per server, thread-safe) and where its URL comes from."""

from __future__ import annotations

import os

import streamlit as st

from journeymap import Store, open_store
from journeymap.sample import ensure_sample

DEFAULT_DATABASE = "data/journeys.db"
URL_VARIABLE = "JOURNEYMAP_DATABASE_URL"
SAMPLE_VARIABLE = "JOURNEYMAP_SAMPLE"  # "off": an empty database stays empty
DATA_DIR_VARIABLE = "JOURNEYMAP_DATA_DIR"  # datasets' Parquet files (default: beside the file)


def database_url() -> str:
    """The environment variable wins, then `[database] url` in secrets, then the file."""
    if os.environ.get(URL_VARIABLE):
        return os.environ[URL_VARIABLE]
    try:
        return st.secrets["database"]["url"]
    except (FileNotFoundError, KeyError, AttributeError):
        return DEFAULT_DATABASE


@st.cache_resource(show_spinner="Opening the database...")
def _store(url: str) -> Store:
    store = open_store(url, data_dir=os.environ.get(DATA_DIR_VARIABLE) or None)
    if os.environ.get(SAMPLE_VARIABLE, "on").lower() != "off":
        ensure_sample(store)  # first run on an empty database: the sample workshop is there
    return store


def get_store() -> Store:
    """The shared store: SQLAlchemy's pool gives each session's thread its own connection."""
    return _store(database_url())
