"""Property: any table of text that pandas writes as CSV, `read_table` reads back exactly.

Values are arbitrary Unicode (commas, quotes, semicolons, tabs, bars, newlines, carriage
returns, leading and trailing spaces, non-Latin scripts, emoji). `read_table` keeps values
as the file wrote them; stripping is `normalise`'s job, so spaces must survive here.

Two things CSV itself cannot carry are left out on purpose: the empty string (pandas writes
it exactly like a missing value, so it comes back missing) and NUL, which the reader
refuses as binary by design. Lone surrogates cannot be written as UTF-8 at all.

A carriage return inside a value is only safe when the writer quotes it: with its default
"\n" line ending, pandas (Python 3.11's csv module) leaves a value like "x\ry" unquoted, and
every CSV reader takes that "\r" for a line break. So the default-ending property leaves "\r"
out, and a second property writes Windows line endings ("\r\n", as Excel does), where
pandas quotes any value holding "\r" or "\n", with "\r" in the alphabet.
"""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from journeymap.analytics.read import read_table

SPECIAL = [" a ", "a,b", '"q"', "x\ny", "  ", "1,5", "a;b|c\td", "日本語", "🙂", "\u2028", "\x85"]


def values(with_cr: bool) -> st.SearchStrategy:
    banned = "\x00" if with_cr else "\x00\r"
    text = st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=banned),
        max_size=30,
    )
    special = [*SPECIAL, "\r", "x\ry", "x\r\ny"] if with_cr else SPECIAL
    return st.one_of(st.none(), text, st.sampled_from(special))


@st.composite
def frames(draw, with_cr: bool = False) -> pd.DataFrame:
    width = draw(st.integers(min_value=2, max_value=4))
    height = draw(st.integers(min_value=1, max_value=12))
    columns = [f"col_{i}" for i in range(width)]
    data = {c: draw(st.lists(values(with_cr), min_size=height, max_size=height)) for c in columns}
    return pd.DataFrame(data, dtype=object)


def expected(frame: pd.DataFrame) -> list[list]:
    """The values as a CSV can hold them: missing and empty are both missing."""
    return [[None if v is None or v == "" else v for v in row] for row in frame.values.tolist()]


def read_back(frame: pd.DataFrame, lineterminator: str = "\n") -> list[list]:
    written = frame.to_csv(index=False, lineterminator=lineterminator)
    table = read_table(written.encode("utf-8"), filename="round-trip.csv")
    assert list(table.frame.columns) == list(frame.columns)
    assert table.delimiter == ","
    got = table.frame
    return got.astype(object).where(got.notna(), None).values.tolist()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
@example(
    pd.DataFrame({"col_0": [" padded ", "a\nb"], "col_1": ['say "hi"', "x,y;z|w\tv"]}, dtype=object)
)
@example(
    pd.DataFrame(
        {"col_0": ["\u2028line sep", "\x0bv"], "col_1": ["\x1c\x1d\x1e", "\x85"]}, dtype=object
    )
)
@example(
    pd.DataFrame(
        {"col_0": ["[1, 2]", "{not json}"], "col_1": ["\ufeffbom inside", "é"]}, dtype=object
    )
)
def test_csv_written_by_pandas_reads_back_exactly(frame):
    assert read_back(frame) == expected(frame)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames(with_cr=True))
@example(pd.DataFrame({"col_0": ["\r", "x\ry"], "col_1": ["a\r", "\r\n"]}, dtype=object))
def test_csv_with_windows_line_endings_reads_back_exactly(frame):
    assert read_back(frame, lineterminator="\r\n") == expected(frame)
