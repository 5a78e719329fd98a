"""The map meets the data, in real Chromium on the sample workshop: stage headers with their
numbers, a date range that changes them, a stage's detail dialog and its download, a blind
spot turned into a pain point, the journey graph, and a stage name that is markup."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import BrowserContext, Frame, Locator, Page, expect

from journeymap import open_store
from journeymap.sample import ensure_sample

FIRST_RENDER_MS = 30_000  # as in conftest.py: the first render runs 3-4 s of JavaScript

CMS_BOUND = ["Awareness", "Consideration", "Purchase", "Adoption", "Retention", "Expansion"]
CMS_UNBOUND = "Advocacy"
CMS_DATASET = "Canvas: GA4 export, Sep-Oct 2026"
AWARENESS_EVENT = "first_visit"  # the sample binds the CMS map's Awareness to it
PEOPLE = re.compile(r"^([\d,]+) (?:people|person)$")
FROM_PREVIOUS = re.compile(r"^(\d+)% from previous \(\d+%-\d+%\), ([\d,]+) lost$")

XSS = '<img src=x onerror="window.__xss=1">'
RENAMED = "Review"  # the Loop Store map's last stage; no other test here looks at it

STAGE_COLOUR, UNBOUND_COLOUR = "#dbeafe", "#f1f5f9"  # components/journey_graph.py
AGRAPH = 'iframe[title="streamlit_agraph.agraph"]'

# The boxes drawn in one exact colour on the agraph canvas, left to right, as
# [left, top, right, bottom] in page coordinates (x runs of that colour; runs closer than
# 4 px are one box, so an edge or a letter drawn across a node does not split it), or null
# while fewer than `count` boxes are drawn, so that wait_for_function keeps polling.
FIND_BOXES_JS = """([colour, count]) => {
    const canvas = document.querySelector("canvas");
    if (!canvas || !canvas.width) return null;
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    const [r, g, b] = [1, 3, 5].map(i => parseInt(colour.slice(i, i + 2), 16));
    const columns = new Map();
    for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] !== 255 || data[i] !== r || data[i + 1] !== g || data[i + 2] !== b) continue;
        const x = (i / 4) % canvas.width, y = Math.floor(i / 4 / canvas.width);
        const c = columns.get(x) || {top: y, bottom: y};
        c.top = Math.min(c.top, y); c.bottom = Math.max(c.bottom, y);
        columns.set(x, c);
    }
    const boxes = [];
    for (const x of [...columns.keys()].sort((a, b) => a - b)) {
        const c = columns.get(x), last = boxes[boxes.length - 1];
        if (last && x - last.right < 4) {
            last.right = x; last.top = Math.min(last.top, c.top);
            last.bottom = Math.max(last.bottom, c.bottom);
        } else {
            boxes.push({left: x, right: x, top: c.top, bottom: c.bottom});
        }
    }
    const big = boxes.filter(b => b.right - b.left >= 5 && b.bottom - b.top >= 5);
    if (big.length < count) return null;
    const frame = canvas.getBoundingClientRect();
    const scale = frame.width / canvas.width;
    return big.map(b => [b.left, b.top, b.right, b.bottom].map(v => v * scale));
}"""


# --- helpers --------------------------------------------------------------------------------


def stage_head(page: Page, name: str) -> Locator:
    return page.get_by_role("button", name=f"Stage {name}: open its details", exact=True)


def metric_lines(head: Locator) -> list[str]:
    return head.get_by_test_id("jm-stage-metrics").locator(".jm-metric").all_inner_texts()


def people_on(head: Locator) -> int:
    """The people count a stage header shows (its first number line)."""
    metrics = head.get_by_test_id("jm-stage-metrics")
    expect(metrics.locator(".jm-metric").first).to_have_text(PEOPLE)
    return int(PEOPLE.match(metrics.locator(".jm-metric").first.inner_text())[1].replace(",", ""))


def data_caption(page: Page) -> Locator:
    return page.get_by_test_id("stCaptionContainer").filter(has_text=" people in ")


def watch(page: Page) -> list[str]:
    """Record (and dismiss) every alert/confirm/prompt; popups are checked on the context."""
    fired: list[str] = []
    page.on("dialog", lambda dialog: (fired.append(dialog.message), dialog.dismiss()))
    return fired


def graph_boxes(page: Page, colour: str, count: int) -> tuple[Frame, list[list[float]]]:
    """The agraph iframe and the boxes of `colour` in page coordinates, once drawn."""
    iframe = page.locator(AGRAPH)
    expect(iframe).to_be_visible(timeout=FIRST_RENDER_MS)
    frame = iframe.element_handle().content_frame()
    assert frame is not None
    found = frame.wait_for_function(
        FIND_BOXES_JS, arg=[colour, count], timeout=FIRST_RENDER_MS
    ).json_value()
    offset = iframe.bounding_box()
    assert offset is not None
    return frame, [
        [offset["x"] + left, offset["y"] + top, offset["x"] + right, offset["y"] + bottom]
        for left, top, right, bottom in found
    ]


def centre(box: list[float]) -> tuple[float, float]:
    left, top, right, bottom = box
    return (left + right) / 2, (top + bottom) / 2


def open_graph(page: Page, ui, title: str) -> None:
    ui.go(page, "Journey graph")
    expect(page.get_by_role("heading", name=f"Journey graph: {title}", level=1)).to_be_visible()


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(app_server) -> Iterator:
    """The server's own database, holding the sample (loaded here if no page asked yet)."""
    store = open_store(app_server.db_path)
    ensure_sample(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def awareness_people(store):
    """Per actor, the days they did the Awareness event: counted here without the app."""
    [workspace] = store.list_workspaces()
    [dataset] = [d for d in store.list_datasets(workspace.id) if d.name == CMS_DATASET]
    events = store.read_dataset(dataset)
    seen = events[events["event"] == AWARENESS_EVENT]
    return seen.assign(day=seen["ts"].dt.date)[["actor_id", "day"]]


@pytest.fixture(scope="module")
def xss_stage(store) -> str:
    """The Loop Store map's last stage renamed to markup, through the store, before the test."""
    [workspace] = store.list_workspaces()
    [journey] = [m for m in store.list_maps(workspace.id) if m.title.startswith("Buying school")]
    [stage] = [s for s in store.load_map(journey.id).stages if s.name == RENAMED]
    store.update_stage(stage.id, stage.version, name=XSS, by="Mallory")
    return stage.id


# --- tests ----------------------------------------------------------------------------------


def test_bound_stages_show_people_and_one_largest_drop_off(app_server, page: Page, ui) -> None:
    ui.open_map(page, app_server, ui.SAMPLE_CMS_MAP, "Dana")
    expect(page.get_by_test_id("jm-stage")).to_have_count(len(ui.STAGES))
    expect(page.get_by_test_id("jm-stage-metrics")).to_have_count(len(ui.STAGES))
    expect(data_caption(page)).to_contain_text("6 of 7 stages bound")

    for name in CMS_BOUND:
        head = stage_head(page, name)
        expect(head.get_by_test_id("jm-stage-metrics")).to_be_visible()
        assert people_on(head) > 0, name
        expect(head).not_to_contain_text("Not bound to data")
    # Each stage after the first says how many moved on from the previous one.
    for name in CMS_BOUND[1:]:
        lines = metric_lines(stage_head(page, name))
        assert FROM_PREVIOUS.match(lines[1]), (name, lines)
    # The first stage's people are everyone the data bar counts.
    awareness = people_on(stage_head(page, "Awareness"))
    expect(data_caption(page)).to_contain_text(f"{awareness:,} people in {CMS_DATASET}")

    unbound = stage_head(page, CMS_UNBOUND)
    expect(unbound).to_have_class(re.compile(r"\bjm-unbound\b"))
    expect(unbound.get_by_test_id("jm-stage-metrics").locator(".jm-metric").first).to_have_text(
        "Not bound to data"
    )
    expect(unbound.get_by_test_id("jm-stage-metrics")).not_to_contain_text(
        re.compile(r"\d people|\d person")
    )

    # Exactly one flag, on the stage that loses the biggest share: Purchase (5% move on).
    flagged = page.locator(".jm-stage.jm-worst")
    expect(flagged).to_have_count(1)
    expect(page.get_by_text("Largest drop-off")).to_have_count(1)
    expect(flagged).to_have_attribute("aria-label", "Stage Purchase: open its details")
    expect(flagged.locator(".jm-flag")).to_have_text("⚠ Largest drop-off")
    rates = {
        name: int(FROM_PREVIOUS.match(metric_lines(stage_head(page, name))[1])[1])
        for name in CMS_BOUND[1:]
    }
    assert min(rates, key=rates.get) == "Purchase", rates


def test_a_date_range_changes_the_awareness_count(
    app_server, page: Page, ui, awareness_people
) -> None:
    ui.open_map(page, app_server, ui.SAMPLE_CMS_MAP, "Dana")
    awareness = stage_head(page, "Awareness")
    before = people_on(awareness)
    assert before == awareness_people["actor_id"].nunique()  # the whole range
    expect(data_caption(page)).to_contain_text("01 Sep 2026 to 30 Oct 2026")

    # The range's end date, typed into its month and day fields; Escape closes the
    # calendar the field opens, which commits the range.
    page.get_by_role("spinbutton", name="month, Dates end date").click()
    page.keyboard.type("09")
    expect(page.get_by_role("spinbutton", name="day, Dates end date")).to_be_focused()
    page.keyboard.type("15")
    expect(page.get_by_role("spinbutton", name="day, Dates end date")).to_have_text("15")
    page.keyboard.press("Escape")

    expect(data_caption(page)).to_contain_text("01 Sep 2026 to 15 Sep 2026")
    first_half = awareness_people[
        awareness_people["day"].between(date(2026, 9, 1), date(2026, 9, 15))
    ]["actor_id"].nunique()
    assert 0 < first_half < before
    expect(awareness.get_by_test_id("jm-stage-metrics").locator(".jm-metric").first).to_have_text(
        f"{first_half:,} people"
    )
    after = people_on(awareness)
    assert after != before
    expect(data_caption(page)).to_contain_text(f"{after:,} people in {CMS_DATASET}")


def test_stage_detail_dialog_and_the_dropped_people_download(
    app_server, page: Page, ui, awareness_people
) -> None:
    ui.open_map(page, app_server, ui.SAMPLE_CMS_MAP, "Dana")
    head = stage_head(page, "Consideration")
    people = people_on(head)
    rate, lost = FROM_PREVIOUS.match(metric_lines(head)[1]).groups()
    lost = int(lost.replace(",", ""))

    head.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Stage in detail", exact=True)).to_be_visible()
    expect(dialog.get_by_role("heading", name="Consideration", exact=True)).to_be_visible()
    metrics = dialog.get_by_test_id("stMetric")
    expect(metrics.filter(has_text="People")).to_contain_text(f"{people:,}")
    expect(metrics.filter(has_text="From Awareness")).to_contain_text("%")
    shown = metrics.filter(has_text="From Awareness").get_by_test_id("stMetricValue").inner_text()
    assert round(float(shown.rstrip("%"))) == int(rate), (shown, rate)
    expect(metrics.filter(has_text="Dropped")).to_contain_text(f"{lost:,}")
    for table in ("By channel", "By device"):
        expect(dialog.get_by_text(re.compile(f"^{table}, from Awareness$"))).to_be_visible()
    expect(dialog.get_by_test_id("stDataFrame")).to_have_count(2)

    button = dialog.get_by_role(
        "button",
        name=f"The {lost:,} people who reached Awareness but not Consideration (CSV)",
    )
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == "dropped.csv"
    body = download.value.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["actor_id"]
    dropped = [row[0] for row in rows[1:]]
    assert len(dropped) == lost
    assert len(set(dropped)) == lost
    # They all reached Awareness, and the rest of Awareness reached Consideration.
    reached = set(awareness_people["actor_id"].astype(str))
    assert set(dropped) <= reached
    assert len(reached - set(dropped)) == people

    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)


def test_a_blind_spot_becomes_a_pain_point_with_its_evidence(app_server, page: Page, ui) -> None:
    ui.open_map(page, app_server, ui.SAMPLE_SHOES_MAP, "Dana")
    expect(stage_head(page, "Product page")).to_be_visible()
    pains = ui.cell(page, "Product page", "Pain points")
    expect(pains.locator(".jm-note")).to_have_count(0)

    spots = ui.expander(page, "Blind spots: where the map and the data disagree")
    expect(spots.locator("summary")).to_contain_text("(2)")
    finding = spots.get_by_test_id("stHorizontalBlock").filter(
        has_text="leave between Product page and Cart"
    )
    expect(finding).to_have_count(1)
    title = finding.get_by_text(re.compile(r"^\d+% leave between Product page and Cart$"))
    expect(title).to_be_visible()
    title_text = title.inner_text()
    finding.get_by_role("button", name="Add as pain point").click()

    note = pains.locator(".jm-note:not(.jm-pending)")
    expect(note).to_have_count(1)
    expect(note.locator(".jm-text")).to_contain_text("Evidence")
    expect(note.locator(".jm-text")).to_contain_text(title_text)
    expect(note.locator(".jm-text")).to_contain_text(
        re.compile(r"Evidence: [\d,]+ of [\d,]+ people who reached Product page did not reach Cart")
    )
    expect(note).to_contain_text("Dana")  # the author
    # The stage has a pain point now: the finding is gone, the other one stays.
    expect(spots.locator("summary")).to_contain_text("(1)")
    expect(spots.get_by_text("leave between Product page and Cart")).to_have_count(0)
    expect(spots.get_by_text("Pain points on Browse, where the data looks healthy")).to_be_visible()
    expect(spots.get_by_role("button", name="Add as pain point")).to_have_count(0)

    # It is a real note: it is still there after a reload.
    page.reload()
    ui.sign_in(page, "Dana")
    expect(pains.locator(".jm-note .jm-text")).to_contain_text(title_text, timeout=FIRST_RENDER_MS)


def test_the_journey_graph_shows_a_clicked_stage_with_its_notes(app_server, page: Page, ui) -> None:
    ui.open_map(page, app_server, ui.SAMPLE_CMS_MAP, "Dana")
    open_graph(page, ui, ui.SAMPLE_CMS_MAP)
    # Six bound stages in one colour, left to right, and the unbound one in another.
    frame, stages = graph_boxes(page, STAGE_COLOUR, len(CMS_BOUND))
    assert len(stages) == len(CMS_BOUND), stages
    _, unbound = graph_boxes(page, UNBOUND_COLOUR, 1)
    assert len(unbound) == 1 and unbound[0][0] > stages[-1][2], (unbound, stages)
    awareness = centre(stages[0])

    page.mouse.move(*awareness, steps=2)
    tooltip = frame.locator(".vis-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text(re.compile(r"^Awareness\n[\d,]+ people\n"), use_inner_text=True)

    page.mouse.click(*awareness)
    details = page.get_by_test_id("stMain")
    expect(details.locator("strong").filter(has_text=re.compile("^Awareness$"))).to_be_visible()
    expect(details.get_by_test_id("stText").filter(has_text=PEOPLE)).to_have_count(1)
    for lane, text in [
        ("Customer actions", "Taps an Instagram ad while scrolling in the evening"),
        ("Pain points", "Ad doesn't say what the free tier includes"),
        ("Resources", "Targeted ad set for design studios with 6 template creatives"),
    ]:
        expect(details.locator("em").filter(has_text=re.compile(f"^{lane}$"))).to_be_visible()
        expect(details.get_by_text(f"• {text}", exact=True)).to_be_visible()
    # Only Awareness's notes: none of the next stage's.
    expect(details.get_by_text("• Demo booking form on the pricing page")).to_have_count(0)


def test_a_stage_named_with_markup_is_text_on_the_wall_and_the_graph(
    app_server, xss_stage: str, page: Page, context: BrowserContext, ui
) -> None:
    fired = watch(page)

    def expect_nothing_ran(*frames: Page | Frame) -> None:
        assert fired == []
        assert context.pages == [page], [p.url for p in context.pages]
        for where in frames:
            assert where.evaluate("() => typeof window.__xss") == "undefined"
            expect(where.locator("img[src=x], img[src='x']")).to_have_count(0)

    ui.open_map(page, app_server, ui.SAMPLE_SHOES_MAP, "Mallory")
    head = page.locator(f'.jm-stage[data-id="{xss_stage}"]')
    expect(head).to_have_attribute("aria-label", f"Stage {XSS}: open its details")
    name = head.locator(".jm-stage-name")
    expect(name).to_have_text(XSS)
    assert name.evaluate("el => el.textContent") == XSS
    expect(name.locator("*")).to_have_count(0)  # no element was parsed from it
    expect(ui.wall(page).locator("img")).to_have_count(0)
    cells = page.locator(f'.jm-cell[data-stage="{xss_stage}"]')
    expect(cells).to_have_count(len(ui.LANES))
    assert cells.first.get_attribute("aria-label") == f"{XSS}, {ui.LANES[0]}"

    # Its detail dialog titles it as text too.
    head.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name=XSS, exact=True)).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect_nothing_ran(page)

    # The graph: the renamed stage (Review, left unbound in the sample) is the one box
    # drawn in the unbound colour.
    open_graph(page, ui, ui.SAMPLE_SHOES_MAP)
    frame, stages = graph_boxes(page, UNBOUND_COLOUR, 1)
    assert len(stages) == 1, stages
    x, y = centre(stages[-1])
    expect(frame.locator("body")).not_to_contain_text("__xss")  # labels are on the canvas

    page.mouse.move(x, y, steps=2)
    tooltip = frame.locator(".vis-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text(XSS, use_inner_text=True)
    assert tooltip.evaluate("el => el.innerText").split("\n")[0] == XSS
    expect(tooltip.locator(":not(br)")).to_have_count(0)
    expect_nothing_ran(page, frame)

    page.mouse.dblclick(x, y)
    # The first click selects the node; its details come with the rerun, after the
    # double-click handler (where agraph would window.open its title).
    details = page.get_by_test_id("stMain").locator("strong").filter(has_text=XSS)
    expect(details).to_be_visible()
    assert details.evaluate("el => el.textContent") == XSS
    expect(
        page.get_by_text("• Review request arrived before the return was processed", exact=True)
    ).to_be_visible()
    expect_nothing_ran(page, frame)
