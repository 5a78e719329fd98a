"""The journey graph (components/graph.py) in real Chromium: user text in it never runs.

streamlit-agraph puts node titles into innerHTML and window.open()s them on a double-click
(see the module docstring of components/graph.py). A tiny Streamlit script draws a graph
whose labels, tooltips, edge labels and caller ids are markup, script and URLs; the test
hovers every node, double-clicks it and clicks it, and checks that nothing ran, no window
opened, the hover text is the user's text as text, and a click returns the caller's id.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Frame, Page, expect

from benchmarks.appserver import REPO, AppServer, AppServerError

FIRST_RENDER_MS = 30_000  # as in conftest.py: the first render runs 3-4 s of JavaScript

# (caller id, label, tooltip, colour): the colour finds the node on the canvas.
NODES = [
    (
        'id <img src=x onerror="window.__xss=1">',
        '<img src=x onerror="window.__xss=1">',
        "<svg onload=alert(1)>",
        "#e6194b",
    ),
    (
        "id <script>window.__xss=1</script>",
        "<script>window.__xss=1</script>",
        '" onmouseover="window.__xss=1',
        "#3cb44b",
    ),
    ("javascript:window.__xss=1", "javascript:window.__xss=1", "javascript:alert(1)", "#4363d8"),
    ("https://evil.example", "https://evil.example", "", "#f58231"),
]

SCRIPT = f"""
import itertools

import streamlit as st

from components.graph import GraphEdge, GraphNode, journey_graph

NODES = {NODES!r}
nodes = [
    GraphNode(id, label, tooltip, level=i, row=i % 2, color=colour)
    for i, (id, label, tooltip, colour) in enumerate(NODES)
]
edges = [
    GraphEdge(a.id, b.id, label=b.label, width=1 + i)
    for i, (a, b) in enumerate(itertools.pairwise(nodes))
]
clicked = journey_graph(nodes, edges, key="journey")
st.text(f"clicked: {{clicked}}")  # as text: the caller ids are markup too
"""

# Centre (page coordinates) of the box of pixels of each exact colour, or null while any
# colour is not drawn yet, so that wait_for_function keeps polling.
FIND_NODES_JS = """colours => {
    const canvas = document.querySelector("canvas");
    if (!canvas || !canvas.width) return null;
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    const rgb = colours.map(c => [1, 3, 5].map(i => parseInt(c.slice(i, i + 2), 16)));
    const boxes = rgb.map(() => ({left: Infinity, top: Infinity, right: -1, bottom: -1}));
    for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] !== 255) continue;
        rgb.forEach(([r, g, b], k) => {
            if (data[i] === r && data[i + 1] === g && data[i + 2] === b) {
                const x = (i / 4) % canvas.width, y = Math.floor(i / 4 / canvas.width), box = boxes[k];
                box.left = Math.min(box.left, x); box.right = Math.max(box.right, x);
                box.top = Math.min(box.top, y); box.bottom = Math.max(box.bottom, y);
            }
        });
    }
    if (boxes.some(b => b.right - b.left < 5 || b.bottom - b.top < 5)) return null;
    const frame = canvas.getBoundingClientRect();
    const scale = frame.width / canvas.width;
    return boxes.map(b => [
        frame.left + ((b.left + b.right) / 2) * scale,
        frame.top + ((b.top + b.bottom) / 2) * scale,
    ]);
}"""


class ScriptServer(AppServer):
    """`streamlit run <script>` with AppServer's flags, health wait and stop."""

    def __init__(self, script: Path) -> None:
        super().__init__(script.with_suffix(".db"), script.with_suffix(".log"), sample=False)
        self.script = script

    def start(self) -> None:
        self._log = self.log_path.open("a", encoding="utf-8")
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "streamlit", "run", str(self.script)),
                *("--server.headless", "true", "--server.address", "127.0.0.1"),
                *("--server.port", str(self.port), "--browser.gatherUsageStats", "false"),
                *("--server.fileWatcherType", "none"),
            ],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},  # the script imports components
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_healthy()


@pytest.fixture(scope="module")
def graph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScriptServer]:
    script = tmp_path_factory.mktemp("graph") / "graph_app.py"
    script.write_text(SCRIPT, encoding="utf-8")
    server = ScriptServer(script)
    try:
        server.start()
    except AppServerError as err:
        pytest.fail(str(err))
    yield server
    server.stop()


def graph_frame(page: Page) -> tuple[Frame, list[tuple[float, float]]]:
    """The agraph iframe and each node's centre in page coordinates, once drawn."""
    iframe = page.locator('iframe[title="streamlit_agraph.agraph"]')
    expect(iframe).to_be_visible(timeout=FIRST_RENDER_MS)
    frame = iframe.element_handle().content_frame()
    assert frame is not None
    found = frame.wait_for_function(
        FIND_NODES_JS, arg=[colour for *_, colour in NODES], timeout=FIRST_RENDER_MS
    ).json_value()
    offset = iframe.bounding_box()
    assert offset is not None
    return frame, [(offset["x"] + x, offset["y"] + y) for x, y in found]


def expect_nothing_ran(page: Page, frame: Frame, context: BrowserContext, dialogs: list[str]):
    assert dialogs == []
    assert context.pages == [page], [p.url for p in context.pages]
    for where in (page, frame):
        assert where.evaluate("() => typeof window.__xss") == "undefined"
        expect(where.locator("img[src=x], script:has-text('__xss'), svg[onload]")).to_have_count(0)


def test_user_text_in_the_graph_never_runs_or_opens_a_window(
    graph_server: ScriptServer, page: Page, context: BrowserContext
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(graph_server.url())
    frame, centres = graph_frame(page)
    # All labels are on the canvas, not in the DOM.
    expect(frame.locator("body")).not_to_contain_text("__xss")
    tooltip = frame.locator(".vis-tooltip")

    for (caller_id, label, hover, _), (x, y) in zip(NODES, centres, strict=True):
        page.mouse.move(x, y, steps=2)
        shown = f"{label}\n{hover}" if hover else label
        expect(tooltip).to_be_visible()
        expect(tooltip).to_have_text(shown, use_inner_text=True)
        assert tooltip.evaluate("el => el.innerText") == shown  # exactly, as text
        expect(tooltip.locator(":not(br)")).to_have_count(0)  # innerText makes <br> only

        page.mouse.dblclick(x, y)
        # Its first click selects the node; the rerun that shows it comes after the
        # double-click handler (which is where agraph calls window.open).
        expect(page.get_by_text(f"clicked: {caller_id}", exact=True)).to_be_visible()
        expect_nothing_ran(page, frame, context, dialogs)

    # A single click on another node shows that node's caller id.
    page.mouse.click(*centres[0])
    expect(page.get_by_text(f"clicked: {NODES[0][0]}", exact=True)).to_be_visible()
    expect_nothing_ran(page, frame, context, dialogs)


def test_the_same_graph_is_drawn_in_the_same_place(graph_server: ScriptServer, page: Page):
    page.goto(graph_server.url())
    _, first = graph_frame(page)
    page.reload()
    _, again = graph_frame(page)
    assert [c for xy in again for c in xy] == pytest.approx([c for xy in first for c in xy], abs=1)
    # Left to right by level, alternating rows: the layout, not physics, placed them.
    xs = [x for x, _ in first]
    ys = [y for _, y in first]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    assert ys[0] == pytest.approx(ys[2], abs=1) and ys[1] == pytest.approx(ys[3], abs=1)
    assert ys[1] > ys[0] + 10
