"""A journey graph drawn with streamlit-agraph, with user text kept out of its HTML traps.

What streamlit-agraph 0.0.45 does with a node (its frontend, `main.*.chunk.js`, and the
vis-network 9.1.2 it bundles), and how this module closes each trap:

- Its frontend puts every truthy node `title` into `div.innerHTML` (a detached div, which is
  enough for `<img src=x onerror=...>` to run), and on a double-click it `window.open()`s that
  div's `innerHTML`: `javascript:...` runs script, `https://...` opens any site, and any other
  text opens a junk relative URL in a new window (the component iframe allows popups).
  Python's `Node` even falls back to `title = id`. So no node gets a title here (`title` is
  null, and an empty `div` stand-in makes the double-click handler open nothing), and ids are
  opaque (`n0`, `n1`, ... in the given order), mapped back to the caller's ids on a click.
  HTML-escaping the title would not be enough: the double-click still opens a window (on
  `javascript:` text, unchanged by escaping, it runs script), and the hover shows entities.
- The hover text still reaches vis-network, through a one-node group per node
  (`groups = {"n0": {"title": ...}}`): vis copies a group's options into a node without a title
  of its own and shows a string title with `innerText`, as text. Labels are drawn on the canvas,
  also as text. Neither is an HTML sink, so that text is *not* HTML-escaped: escaping would show
  "Don&#x27;t" to the user. It is only cleaned of control characters; labels are wrapped and
  shortened with an ellipsis, and the full label (plus the tooltip) is the hover text.
- Colours must be "#rrggbb", shapes come from a short list (no `image`, which loads a URL), and
  numbers are clamped to finite ranges (a NaN would make the component's JSON unparsable).
- The layout is fixed: physics and hierarchical layout off, x/y from (level, row), so the same
  input always gives the same picture.
- agraph() takes no key; the component is called with one that includes a digest of the node
  ids, so a click remembered from an older graph is never mapped onto a different node.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import streamlit_agraph
from streamlit_agraph import Config, Edge, Node

COLUMN_PX = 220
ROW_PX = 110
SHAPES = frozenset({"box", "ellipse", "circle", "dot", "diamond", "square", "triangle", "star"})
LABEL_WIDTH, LABEL_LINES = 24, 3  # characters per canvas line, lines before the ellipsis
EDGE_LABEL_CHARS = 40
TOOLTIP_WIDTH = 60  # vis-network's tooltip does not wrap (white-space: nowrap): we do

_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # keeps \n (and \t, made a space)


@dataclass(frozen=True)
class GraphNode:
    id: str  # any text; the wrapper maps it to a safe opaque id ("n0", "n1", ...)
    label: str  # user text, shown on the canvas
    tooltip: str = ""  # user text, shown on hover (multi-line allowed)
    level: int = 0  # column, left to right (deterministic layout)
    row: int = 0  # position within the column, top to bottom
    color: str = "#dddddd"  # "#rrggbb" only; anything else falls back to the default
    size: int = 25
    shape: str = "box"  # one of SHAPES; anything else falls back to "box"


@dataclass(frozen=True)
class GraphEdge:
    source: str  # GraphNode.id
    target: str
    label: str = ""  # user text / numbers
    width: float = 1.0  # e.g. scaled by people
    dashed: bool = False
    color: str = "#888888"
    curve: float = 0.0  # bend (-1..1, clockwise when positive): keeps loops and skips apart


def clean_text(value: object) -> str:
    """Text without control characters (newlines kept) or lone surrogates; None is ""."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    return _CONTROL.sub("", text).encode("utf-8", "replace").decode("utf-8")


def canvas_label(text: str, width: int = LABEL_WIDTH, lines: int = LABEL_LINES) -> str:
    """Wrapped to `lines` lines of about `width` characters, ending in "…" when cut."""
    wrapped = [row for line in text.split("\n") for row in textwrap.wrap(line, width) or [""]]
    if len(wrapped) > lines:
        wrapped = [*wrapped[: lines - 1], wrapped[lines - 1][: width - 2].rstrip() + " …"]
    return "\n".join(wrapped)


def hover_text(label: str, tooltip: str) -> str:
    """The full label, then the tooltip when it says more; long lines wrapped, nothing cut."""
    paragraphs = [label] if tooltip in ("", label) else [label, tooltip]
    lines = "\n".join(p for p in paragraphs if p).split("\n")
    return "\n".join(
        "\n".join(textwrap.wrap(line, TOOLTIP_WIDTH, break_on_hyphens=False)) for line in lines
    ).strip("\n")


def _colour(value: object, default: str) -> str:
    return value if isinstance(value, str) and _HEX_COLOUR.fullmatch(value) else default


def _number(value: object, default: float, low: float, high: float) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return min(max(number, low), high) if math.isfinite(number) else default


def _agraph_parts(
    nodes: Sequence[GraphNode], edges: Sequence[GraphEdge], *, height: int = 520
) -> tuple[list[Node], list[Edge], Config, dict[str, str]]:
    """agraph's nodes, edges and config, and the map from opaque ids back to caller ids."""
    opaque = {node.id: f"n{i}" for i, node in enumerate(nodes)}
    if len(opaque) != len(nodes):
        raise ValueError("Two graph nodes have the same id.")
    agraph_nodes, groups = [], {}
    for node in nodes:
        nid = opaque[node.id]
        label = clean_text(node.label)
        text = hover_text(label, clean_text(node.tooltip))
        groups[nid] = {"title": text} if text else {}
        shown = Node(
            nid,
            label=canvas_label(label),
            color=_colour(node.color, GraphNode.color),
            shape=node.shape if node.shape in SHAPES else GraphNode.shape,
            size=int(_number(node.size, GraphNode.size, 5, 100)),
            x=int(_number(node.level, 0, -1000, 1000)) * COLUMN_PX,
            y=int(_number(node.row, 0, -1000, 1000)) * ROW_PX,
            group=nid,  # the hover text comes from here (see the module docstring)
            # agraph's double-click window.open()s div.innerHTML: {} has none, so nothing
            # opens (with no div at all it throws, and vis then stops showing tooltips).
            div={},
        )
        shown.title = None  # Node() sets title = id when given none
        agraph_nodes.append(shown)
    agraph_edges = []
    for edge in edges:
        if edge.source not in opaque or edge.target not in opaque:
            raise ValueError(f"Graph edge {edge.source!r} -> {edge.target!r}: unknown node.")
        agraph_edges.append(
            Edge(
                opaque[edge.source],
                opaque[edge.target],
                color=_colour(edge.color, GraphEdge.color),
                label=canvas_label(clean_text(edge.label), EDGE_LABEL_CHARS, 1),
                width=_number(edge.width, GraphEdge.width, 0.5, 30),
                dashes=bool(edge.dashed),
                **_bend(edge.curve),
            )
        )
    config = Config(
        height=int(_number(height, 520, 100, 4000)),
        directed=True,
        physics=False,
        hierarchical=False,
        layout={"hierarchical": {"enabled": False}, "randomSeed": 1},
        interaction={"dragNodes": False, "tooltipDelay": 150},
        edges={"smooth": {"type": "cubicBezier", "forceDirection": "horizontal"}},
        groups=groups,
    )
    config.width = "100%"
    return agraph_nodes, agraph_edges, config, {v: k for k, v in opaque.items()}


def _bend(curve: object) -> dict:
    """vis-network's per-edge curve, for an edge that must not hide behind others."""
    roundness = _number(curve, 0.0, -1.0, 1.0)
    if not roundness:
        return {}
    kind = "curvedCW" if roundness > 0 else "curvedCCW"
    return {"smooth": {"type": kind, "roundness": abs(roundness)}}


def journey_graph(
    nodes: Sequence[GraphNode], edges: Sequence[GraphEdge], *, key: str, height: int = 520
) -> str | None:
    """Draw the graph; return the GraphNode.id the user clicked (None when nothing)."""
    agraph_nodes, agraph_edges, config, caller_ids = _agraph_parts(nodes, edges, height=height)
    data = {
        "nodes": [n.to_dict() for n in agraph_nodes],
        "edges": [e.to_dict() for e in agraph_edges],
    }
    digest = hashlib.sha256(json.dumps([n.id for n in nodes]).encode()).hexdigest()[:16]
    # What streamlit_agraph.agraph() does, plus a key (agraph() takes none).
    clicked = streamlit_agraph._agraph(
        data=json.dumps(data),
        config=json.dumps(config.__dict__),
        key=f"{key}-{digest}",
        default=None,
    )
    return caller_ids.get(clicked) if isinstance(clicked, str) else None
