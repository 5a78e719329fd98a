"""components/graph.py without a browser: what reaches streamlit-agraph's frontend.

The frontend puts a node's `title` into innerHTML and window.open()s it on a double-click,
so no title may carry user text (nor the `title = id` fallback of agraph's Node), ids must
be opaque, and the JSON must parse in the browser. The hover text goes through vis-network
groups, shown as text (innerText), and labels are drawn on the canvas: both keep the user's
text as typed. The browser side is tests/e2e/test_graph_xss.py.
"""

from __future__ import annotations

import itertools
import json
import math
import re

import pytest
import streamlit_agraph
from hypothesis import given, settings
from hypothesis import strategies as st

from components.graph import (
    COLUMN_PX,
    ROW_PX,
    GraphEdge,
    GraphNode,
    _agraph_parts,
    clean_text,
    journey_graph,
)

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "https://evil.example",
    '" onmouseover="x',
    "Don't & <b>bold</b>",
    "a\x00b\rc\r\nd\te\x1b[31m\x7f",
    "x" * 5000,
    "word " * 1000,
]
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # everything but \n


def squeeze(text: str) -> str:
    """The text without any whitespace, to compare content across wrapping."""
    return "".join(text.split())


def sent(monkeypatch: pytest.MonkeyPatch, nodes, edges, *, clicked=None, key="g"):
    """Call journey_graph with the component replaced; return what it would send, and the result."""
    calls: list[dict] = []

    def component(**kwargs):
        calls.append(kwargs)
        return clicked

    monkeypatch.setattr(streamlit_agraph, "_agraph", component)
    result = journey_graph(nodes, edges, key=key)
    assert len(calls) == 1
    call = calls[0]
    return json.loads(call["data"]), json.loads(call["config"]), call["key"], result


def payload_graph() -> tuple[list[GraphNode], list[GraphEdge]]:
    nodes = [
        GraphNode(f"ID-{i}:{text}", label=text, tooltip=PAYLOADS[-1 - i], level=i, row=i % 3)
        for i, text in enumerate(PAYLOADS)
    ]
    edges = [GraphEdge(a.id, b.id, label=b.label) for a, b in itertools.pairwise(nodes)]
    return nodes, edges


def test_no_title_and_no_caller_id_reach_the_frontend(monkeypatch: pytest.MonkeyPatch) -> None:
    nodes, edges = payload_graph()
    data, config, key, _ = sent(monkeypatch, nodes, edges)

    for i, node in enumerate(data["nodes"]):
        assert node["id"] == f"n{i}" == node["group"]
        assert node["title"] is None  # agraph's innerHTML/window.open sink gets nothing
        assert node["div"] == {}  # so its double-click reads div.innerHTML = undefined
    assert [(e["from"], e["to"]) for e in data["edges"]] == [
        (f"n{i}", f"n{i + 1}") for i in range(len(nodes) - 1)
    ]
    everything = json.dumps([data, config, key])
    assert "ID-" not in everything  # caller ids stay on the server
    assert not any("title" in e for e in data["edges"])


def test_text_is_shown_as_typed_not_escaped() -> None:
    """Canvas labels and vis tooltips are text sinks: escaping would show the entities."""
    agraph_nodes, agraph_edges, config, _ = _agraph_parts(
        [GraphNode("a", "Don't <b>", tooltip='say "hi" & go'), GraphNode("b", "B", level=1)],
        [GraphEdge("a", "b", label="<3 & more")],
    )
    assert agraph_nodes[0].label == "Don't <b>"
    assert config.groups["n0"] == {"title": 'Don\'t <b>\nsay "hi" & go'}
    assert config.groups["n1"] == {"title": "B"}  # no tooltip: the label is the hover text
    assert agraph_edges[0].label == "<3 & more"


def test_a_tooltip_equal_to_the_label_is_not_repeated() -> None:
    _, _, config, _ = _agraph_parts([GraphNode("a", "Same", tooltip="Same")], [])
    assert config.groups["n0"] == {"title": "Same"}


def test_an_empty_node_has_no_hover_text() -> None:
    _, _, config, _ = _agraph_parts([GraphNode("a", "")], [])
    assert config.groups["n0"] == {}


@pytest.mark.parametrize("text", PAYLOADS)
def test_control_characters_are_dropped_and_long_text_stays_in_the_tooltip(text: str) -> None:
    (node,), _, config, _ = _agraph_parts([GraphNode("a", text)], [])
    hover = config.groups["n0"]["title"]
    for shown in (node.label, hover):
        assert not CONTROL.search(shown)
    assert squeeze(hover) == squeeze(CONTROL.sub("", text))
    assert all(len(line) <= 60 for line in hover.split("\n"))  # vis's tooltip does not wrap
    lines = node.label.split("\n")
    assert len(lines) <= 3 and all(len(line) <= 24 for line in lines)
    if len(text) > 72:
        assert node.label.endswith("…")


def test_the_json_parses_in_a_browser_whatever_the_numbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nodes = [GraphNode("a", "A", size=math.nan), GraphNode("b", "B", level=2, row=1)]
    edges = [GraphEdge("a", "b", width=math.inf), GraphEdge("b", "a", width=-math.inf)]
    data, config, _, _ = sent(monkeypatch, nodes, edges)
    json.dumps([data, config], allow_nan=False)  # JSON.parse rejects NaN and Infinity
    assert data["nodes"][0]["size"] == 25
    assert [e["width"] for e in data["edges"]] == [1.0, 1.0]


@pytest.mark.parametrize(
    "colour", ["red", "#fff", "#12345g", "#1234567", " #123456", "javascript:x", "", None, 0]
)
def test_bad_colours_and_shapes_fall_back(colour) -> None:
    (node, _), (edge,), _, _ = _agraph_parts(
        [GraphNode("a", "A", color=colour, shape="image"), GraphNode("b", "B", shape="dot")],
        [GraphEdge("a", "b", color=colour)],
    )
    assert node.color == "#dddddd" and edge.color == "#888888"
    assert node.shape == "box"


def test_good_colours_and_shapes_are_kept() -> None:
    (node,), (edge,), _, _ = _agraph_parts(
        [GraphNode("a", "A", color="#A1b2C3", shape="diamond")],
        [GraphEdge("a", "a", color="#00ff00", dashed=True, width=3)],
    )
    assert (node.color, node.shape, edge.color) == ("#A1b2C3", "diamond", "#00ff00")
    assert (edge.dashes, edge.width) == (True, 3.0)


def test_layout_is_fixed_and_deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    nodes = [GraphNode(str(i), f"N{i}", level=i // 2, row=i % 2) for i in range(6)]
    edges = [GraphEdge(a.id, b.id) for a, b in itertools.pairwise(nodes)]
    first = sent(monkeypatch, nodes, edges)
    again = sent(monkeypatch, list(nodes), list(edges))
    assert first == again
    data, config, _, _ = first
    assert [(n["x"], n["y"]) for n in data["nodes"]] == [
        ((i // 2) * COLUMN_PX, (i % 2) * ROW_PX) for i in range(6)
    ]
    assert config["physics"]["enabled"] is False
    assert config["layout"]["hierarchical"] == {"enabled": False}


def test_unknown_edge_endpoints_and_duplicate_ids_raise() -> None:
    nodes = [GraphNode("a", "A")]
    with pytest.raises(ValueError, match="unknown node"):
        _agraph_parts(nodes, [GraphEdge("a", "b")])
    with pytest.raises(ValueError, match="unknown node"):
        _agraph_parts(nodes, [GraphEdge("<x>", "a")])
    with pytest.raises(ValueError, match="same id"):
        _agraph_parts([*nodes, GraphNode("a", "again")], [])


@pytest.mark.parametrize(
    ("clicked", "expected"),
    [
        ("n0", "<b>first</b>"),
        ("n1", "javascript:alert(1)"),
        (None, None),
        ("n2", None),
        ("first", None),
        (["n0"], None),
        (0, None),
    ],
)
def test_a_click_maps_back_to_the_callers_id(monkeypatch: pytest.MonkeyPatch, clicked, expected):
    nodes = [GraphNode("<b>first</b>", "First"), GraphNode("javascript:alert(1)", "Second")]
    *_, result = sent(monkeypatch, nodes, [], clicked=clicked)
    assert result == expected


def test_the_component_key_changes_with_the_node_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """A click remembered from an older graph must not land on another node at its place."""
    a, b = GraphNode("a", "A"), GraphNode("b", "B")
    _, _, key_ab, _ = sent(monkeypatch, [a, b], [])
    _, _, key_ab_relabelled, _ = sent(monkeypatch, [a, GraphNode("b", "Renamed")], [])
    _, _, key_ba, _ = sent(monkeypatch, [b, a], [])
    assert key_ab.startswith("g-")
    assert key_ab == key_ab_relabelled
    assert key_ab != key_ba


@settings(max_examples=200, deadline=None)
@given(label=st.text(), tooltip=st.text())
def test_any_text_is_kept_as_text(label: str, tooltip: str) -> None:
    (node,), _, config, _ = _agraph_parts([GraphNode(label, label, tooltip)], [])
    hover = config.groups["n0"].get("title", "")
    assert node.id == "n0" and node.title is None
    assert not CONTROL.search(node.label + hover)
    shown_label, shown_tooltip = clean_text(label), clean_text(tooltip)
    expected = shown_label if shown_tooltip in ("", shown_label) else shown_label + shown_tooltip
    assert squeeze(hover) == squeeze(expected)  # wrapped, but nothing cut
