"""CSV downloads: text that looks like a formula stays text; everything else is unchanged."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from journeymap.csvsafe import to_csv_bytes


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-1+1", "@SUM(A1)"]
)
def test_formula_like_text_gets_an_apostrophe(text):
    data = to_csv_bytes(pd.DataFrame({"actor_id": [text], "n": [3]}))
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["actor_id"][0] == "'" + text
    assert back["n"][0] == 3  # numbers stay numbers


def test_plain_text_and_cjk_round_trip_unchanged():
    frame = pd.DataFrame({"event": pd.Categorical(["注册账号", 'café, "quoted"']), "x": [1.5, -2]})
    back = pd.read_csv(io.BytesIO(to_csv_bytes(frame)), encoding="utf-8-sig")
    assert back["event"].tolist() == ["注册账号", 'café, "quoted"']
    assert back["x"].tolist() == [1.5, -2]  # a negative number is a number, not text
