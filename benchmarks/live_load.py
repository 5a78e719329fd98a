"""Many real browsers on one live wall: how fast a note reaches the other screens, under load.

    .venv/bin/python -m benchmarks.live_load [--sessions 10] [--seconds 60] [--every 3]

The script starts the app server itself (a temporary SQLite file; the sample
workshop loads on the first visit), then `--sessions` browser sessions, each in
its own process with its own Playwright and Debian's Chromium. Session 1 opens
the Journey map page and picks "Choosing a CMS for the studio" in the sidebar's
Map box; every other session opens that map's URL. Each signs in as "Load <n>".

For `--seconds`, every session adds a note about every `--every` seconds (jitter
x0.5..x1.5) in a cell picked by a seeded RNG, through the wall's "+" form, with a
unique text `load-<session>-<n>-<uuid8>`. A script injected in every page (a
MutationObserver, also hooked into the shadow roots the wall draws in) records,
with `Date.now()`, the first time each confirmed note (`.jm-note:not(.jm-pending)`)
appears on that wall. So for a note saved by A:

- save latency: Enter pressed in A -> the note confirmed on A's wall;
- visibility latency: confirmed on A's wall -> first seen on B's wall, for every
  other session B (all browsers run on this machine: one clock);
- the same path split at the database row (its `created_at`): Enter -> stored,
  stored -> seen by another session.

A note never confirmed is classified by what its page saw: dropped (Enter and the
pending echo seen, never stored), refused (the cell's alert), stored but never
shown, or never sent.

After the run the sessions keep watching for a few seconds (the last refresh),
then the script reads the map from the database and prints: notes saved, the
p50/p95/max visibility latency, errors (failed gestures, notes never confirmed,
JavaScript page errors, app exceptions on the page, tracebacks in the server
log, sessions that failed), lost edits (confirmed on the author's wall but not
in the database), never-seen (note, other session) pairs, and the server's RSS
(VmRSS from /proc) at start, once every session joined and at the end. Memory
growth is judged from "joined" to "end": "start" is the bare server, before the
first page imported pandas and altair. Exit status 1 when a target is missed.

Everything the script starts (server, workers, their Playwright drivers and
browsers) is stopped at the end, on errors and on Ctrl-C; the whole run is
bounded by `--seconds` plus a fixed margin.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import multiprocessing as mp
import os
import queue
import random
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from benchmarks.appserver import AppServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [  # STACK.md's list, plus what keeps many browsers light on 2 cores
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--mute-audio",
    # Keep the 2 s fragment timer honest in every page.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
VIEWPORT = {"width": 1280, "height": 800}
MAP_TITLE = "Choosing a CMS for the studio"

JOIN_BUDGET_S = 180  # every session signed in with the map on screen, or it counts as failed
ACTION_MS = 20_000  # one click / fill / press under load
CONFIRM_MS = 20_000  # Enter -> the note confirmed on the author's own wall
SETTLE_S = 6.0  # after the last note: three ticks of the 2 s live refresh
GRACE_S = 20  # for a worker process to exit once it reported its result
STOP_GRACE_S = 8  # on Ctrl-C or an error: then the rest is terminated, then killed
MARGIN_S = JOIN_BUDGET_S + CONFIRM_MS / 1000 + SETTLE_S + 3 * GRACE_S + 30  # fixed
TARGET_P95_S = 3.0
TARGET_GROWTH_MB = 100.0

# Injected before any page script, on every document of every session. It hooks
# attachShadow because the wall is a components.v2 component drawn in a shadow
# root, where a MutationObserver on the document does not look.
WATCH_JS = r"""
(() => {
  if (window.__jmLoad) return;
  const seen = {};
  const submits = {};
  const pending = {};
  const messages = {};
  const stats = { redraws: 0 };
  window.__jmLoad = { seen, submits, pending, messages, stats };
  const roots = new Set([document]);
  let grid = null;
  const scan = () => {
    const now = Date.now();
    let current = null;
    for (const root of roots) {
      if (root !== document && !root.host.isConnected) continue;
      current = current || root.querySelector(".jm-grid");
      for (const t of root.querySelectorAll(".jm-note:not(.jm-pending) .jm-text")) {
        const text = t.textContent;
        if (text.startsWith("load-") && !(text in seen)) seen[text] = now;
      }
      for (const p of root.querySelectorAll(".jm-note.jm-pending")) {
        const text = p.textContent;
        if (text.startsWith("load-") && !(text in pending)) pending[text] = now;
      }
      // A note the server refused (the cell's alert) and the app's toasts.
      for (const m of root.querySelectorAll(".jm-error, [data-testid=stToast]")) {
        const text = m.textContent.trim();
        if (text && !(text in messages)) messages[text] = now;
      }
    }
    if (current && current !== grid) {
      grid = current;
      stats.redraws += 1;
    }
  };
  const options = { childList: true, subtree: true, characterData: true,
                    attributes: true, attributeFilter: ["class"] };
  const observer = new MutationObserver(scan);
  observer.observe(document, options);
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const shadow = attach.call(this, init);
    roots.add(shadow);
    observer.observe(shadow, options);
    return shadow;
  };
  // Enter in the wall's textarea: the moment the note is submitted (capture: before
  // the wall's own handler empties the textarea).
  window.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || e.shiftKey || e.isComposing) return;
    const target = e.composedPath()[0];
    if (!target || target.tagName !== "TEXTAREA") return;
    const text = target.value.trim();
    if (text.startsWith("load-") && !(text in submits)) submits[text] = Date.now();
  }, true);
})();
"""

HARVEST_JS = "() => window.__jmLoad || null"


# --- small process helpers -----------------------------------------------------------------


def _die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Linux prctl(PR_SET_PDEATHSIG): if the process that started us dies, so do we."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, sig)


def _server_preexec() -> None:
    _die_with_parent()


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat from field 3 (state) on: the command name may hold spaces."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()


def _cpu_seconds(pid: int) -> float | None:
    fields = _stat_fields(pid)
    if fields is None:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _start_time(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return None if fields is None else int(fields[19])


def _descendants(pids: list[int]) -> set[tuple[int, int]]:
    """(pid, start time) of every process below these, from /proc (no psutil here)."""
    children: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(int(entry))
        if fields is not None:
            children[int(fields[1])].append((int(entry), int(fields[19])))
    found: set[tuple[int, int]] = set()
    stack = list(pids)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child[0])
    return found


def _load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _pct(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def _s(ms: float | None) -> str:
    return "-" if ms is None else f"{ms / 1000:.2f} s"


# --- one browser session (runs in its own process) -----------------------------------------


def _session(index: int, cfg: dict, shared) -> None:
    """Join the map, add notes on a schedule, watch the wall, report everything on a queue."""
    os.setpgrp()  # Ctrl-C in the terminal reaches only the parent, which stops us cleanly
    _die_with_parent()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect, sync_playwright

    name = f"Load {index}"
    rng = random.Random(cfg["seed"] * 1000 + index)
    result: dict = {
        "index": index,
        "joined": False,
        "join_s": None,
        "adds": [],
        "seen": {},
        "submits": {},
        "redraws": 0,
        "errors": [],
        "page_errors": [],
        "pending": {},
        "messages": {},
        "console_errors": [],
        "app_exceptions": [],
        "finished": False,
    }
    seen, submits, pending = result["seen"], result["submits"], result["pending"]

    def stopping() -> bool:
        return shared["stop"].is_set() or time.time() > cfg["hard_deadline"]

    def harvest(page) -> None:
        data = page.evaluate(HARVEST_JS)
        if not data:
            return
        for mine, theirs in (
            (seen, data["seen"]),
            (submits, data["submits"]),
            (pending, data["pending"]),
            (result["messages"], data["messages"]),
        ):
            for text, ms in theirs.items():
                if text not in mine or ms < mine[text]:
                    mine[text] = ms
        result["redraws"] = max(result["redraws"], data["stats"]["redraws"])

    def note(cell, text):
        exact = re.compile("^" + re.escape(text) + "$")
        return cell.locator(".jm-note:not(.jm-pending)").filter(
            has=cell.page.locator(".jm-text").filter(has_text=exact)
        )

    def join(page) -> None:
        remaining = lambda: max(1_000, (cfg["join_deadline"] - time.time()) * 1000)  # noqa: E731
        if index == 1:
            page.goto(cfg["base_url"] + "/journey_map", timeout=remaining())
        else:
            while not shared["url_ready"].wait(0.5):
                if stopping() or time.time() > cfg["join_deadline"]:
                    raise RuntimeError("the map URL never came from session 1")
            page.goto(shared["url"].value.decode(), timeout=remaining())
        field = page.get_by_label("Your name")
        expect(field).to_be_visible(timeout=remaining())
        field.fill(name)
        page.get_by_role("button", name="Continue").click(timeout=remaining())
        expect(page.get_by_label("Your name")).to_have_count(0, timeout=remaining())
        expect(page.locator(".jm-cell").first).to_be_visible(timeout=remaining())
        if index == 1:  # like the e2e Ui.open_map: pick the map in the sidebar's Map box
            page.get_by_test_id("stSidebar").get_by_label("Map").click(timeout=remaining())
            page.get_by_role("option", name=cfg["title"], exact=True).click(timeout=remaining())
            expect(page).to_have_url(
                re.compile(r"/journey_map\?ws=\w+&map=\w+"), timeout=remaining()
            )
        heading = page.get_by_role("heading", name=cfg["title"], level=1)
        expect(heading).to_be_visible(timeout=remaining())
        expect(page.locator(".jm-note").first).to_be_visible(timeout=remaining())
        if index == 1:
            shared["url"].value = page.url.encode()
            shared["url_ready"].set()

    def add_notes(page, cells: list[str]) -> None:
        go_at = shared["go_at"].value
        end = go_at + cfg["seconds"]
        every = cfg["every"]
        next_at = go_at + rng.uniform(0, every)  # sessions start out of step
        last_harvest = time.time()
        failures_in_a_row = 0
        n = 0
        while not stopping():
            now = time.time()
            if now >= end:
                break
            if now - last_harvest > 5:
                harvest(page)  # a reload would wipe the page's record
                last_harvest = now
            if now < next_at:
                page.wait_for_timeout(min(next_at - now, 0.5) * 1000)
                continue
            n += 1
            label = rng.choice(cells)
            text = f"load-{index}-{n}-{uuid.uuid4().hex[:8]}"
            add = {
                "text": text,
                "cell": label,
                "submit_ms": None,
                "confirm_ms": None,
                "error": None,
            }
            result["adds"].append(add)
            cell = page.locator(f".jm-cell[aria-label={json.dumps(label)}]")
            try:
                area = cell.locator("textarea")
                if area.count() == 0:  # the form stays open after a note: reuse it
                    cell.locator(".jm-add").click()
                area.fill(text)
                add["submit_ms"] = time.time() * 1000
                area.press("Enter")
                confirmed = note(cell, text)
                refused = cell.get_by_role("alert")
                expect(confirmed.or_(refused).first).to_be_visible(timeout=CONFIRM_MS)
                if confirmed.count() == 0 and refused.count() > 0:
                    raise AssertionError("refused: " + refused.first.inner_text())
                add["confirm_ms"] = time.time() * 1000
                failures_in_a_row = 0
            except (PlaywrightError, AssertionError) as err:
                add["error"] = f"{type(err).__name__}: {str(err).splitlines()[0][:200]}"
                failures_in_a_row += 1
                if failures_in_a_row >= 5:
                    result["errors"].append(
                        f"gave up after 5 failed notes in a row: {add['error']}"
                    )
                    break
            next_at += every * rng.uniform(0.5, 1.5)
            next_at = max(next_at, time.time())  # late: no burst to catch up

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            page = None
            try:
                context = browser.new_context(viewport=VIEWPORT)
                context.add_init_script(WATCH_JS)
                page = context.new_page()
                page.set_default_timeout(ACTION_MS)
                page.on("pageerror", lambda err: result["page_errors"].append(str(err)[:300]))
                page.on(
                    "console",
                    lambda msg: (
                        msg.type == "error"
                        and len(result["console_errors"]) < 20
                        and result["console_errors"].append(msg.text[:200])
                    ),
                )
                started = time.time()
                join(page)
                result["join_s"] = time.time() - started
                result["joined"] = True
                shared["events"].put(("joined", index, result["join_s"]))
                cells = sorted(
                    page.locator(".jm-cell").evaluate_all(
                        "els => els.map(e => e.getAttribute('aria-label'))"
                    )
                )
                while not shared["go"].is_set() and not stopping():
                    page.wait_for_timeout(250)
                while time.time() < shared["go_at"].value and not stopping():
                    page.wait_for_timeout(100)
                add_notes(page, cells)
                shared["events"].put(("done", index, time.time()))
                # Keep watching until the parent says the last note had time to spread.
                while not stopping():
                    until = shared["watch_until"].value
                    if until and time.time() >= until:
                        break
                    page.wait_for_timeout(250)
                harvest(page)
                shown = page.get_by_test_id("stException")
                result["app_exceptions"] = [t[:300] for t in shown.all_inner_texts()]
                result["finished"] = not shared["stop"].is_set()
            finally:
                if page is not None and not result["finished"]:
                    with contextlib.suppress(Exception):
                        harvest(page)  # what this page saw before it failed
                with contextlib.suppress(Exception):
                    browser.close()
    except Exception as err:  # report it: one broken session must not hide the others
        result["errors"].append(f"{type(err).__name__}: {str(err).splitlines()[0][:300]}")
    finally:
        shared["events"].put(("result", index, result))


# --- the parent ----------------------------------------------------------------------------


class Run:
    def __init__(self, args: argparse.Namespace, folder: Path) -> None:
        self.args = args
        self.server = AppServer(
            folder / "journeys.db", folder / "server.log", preexec=_server_preexec
        )
        self.ctx = mp.get_context("spawn")
        self.shared = {
            "events": self.ctx.Queue(),
            "stop": self.ctx.Event(),
            "url_ready": self.ctx.Event(),
            "url": self.ctx.Array("c", 4096),
            "go": self.ctx.Event(),
            "go_at": self.ctx.Value("d", 0.0),
            "watch_until": self.ctx.Value("d", 0.0),
        }
        self.procs: dict[int, mp.Process] = {}
        self.tracked: set[tuple[int, int]] = set()  # every process the workers started
        self.rss: dict[str, float | None] = {}
        self.rss_peak = 0.0
        self.cpu: dict[str, float | None] = {}
        self.client_cpu: dict[str, float] = {}  # workers, their drivers and browsers
        self.when: dict[str, float] = {}
        self.results: dict[int, dict] = {}
        self.joined: dict[int, float] = {}
        self.done: dict[int, float] = {}
        self._sampling = threading.Event()
        self._sampler: threading.Thread | None = None
        self.started = time.monotonic()
        self.hard_deadline = time.time() + args.seconds + MARGIN_S

    # -- bookkeeping

    def _sample(self) -> None:
        while not self._sampling.wait(1.0):
            pid = self.server.pid
            if pid is not None:
                self.rss_peak = max(self.rss_peak, _rss_mb(pid) or 0.0)
            pids = [p.pid for p in self.procs.values() if p.pid is not None]
            if pids:
                self.tracked |= _descendants(pids)

    def _note_rss(self, label: str) -> None:
        self.rss[label] = _rss_mb(self.server.pid)
        self.cpu[label] = _cpu_seconds(self.server.pid)
        self.when[label] = time.monotonic()
        pids = [p.pid for p in self.procs.values() if p.pid is not None]
        if pids:
            self.tracked |= _descendants(pids)
        alive = [pid for pid, start in self.tracked if _start_time(pid) == start] + pids
        self.client_cpu[label] = sum(_cpu_seconds(pid) or 0.0 for pid in alive)
        self.rss_peak = max(self.rss_peak, self.rss[label] or 0.0)

    def _drain(self, timeout: float) -> None:
        try:
            kind, index, value = self.shared["events"].get(timeout=timeout)
        except queue.Empty:
            return
        if kind == "joined":
            self.joined[index] = value
        elif kind == "done":
            self.done[index] = value
        elif kind == "result":
            self.results[index] = value

    def _alive(self) -> list[int]:
        """Sessions still running that have not reported their result."""
        return [i for i, p in self.procs.items() if i not in self.results and p.is_alive()]

    def _check_deadline(self) -> None:
        if time.time() > self.hard_deadline:
            raise TimeoutError("the run went past its time bound")

    # -- phases

    def run(self) -> None:
        args = self.args
        self.server.start()
        self._note_rss("start")
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        cfg = {
            "base_url": self.server.base_url,
            "title": MAP_TITLE,
            "seed": args.seed,
            "seconds": args.seconds,
            "every": args.every,
            "join_deadline": time.time() + JOIN_BUDGET_S,
            "hard_deadline": self.hard_deadline,
        }
        for index in range(1, args.sessions + 1):
            proc = self.ctx.Process(
                target=_session, args=(index, cfg, self.shared), name=f"live_load-{index}"
            )
            proc.start()
            self.procs[index] = proc

        # Join: every session signed in with the map on screen (or failed).
        t_join = time.monotonic()
        while time.time() < cfg["join_deadline"] + 5:
            pending = [i for i in self._alive() if i not in self.joined]
            if not pending:
                break
            self._drain(0.5)
        self.join_wall_s = time.monotonic() - t_join
        if not self.joined:
            raise RuntimeError("no session joined the map")
        self._note_rss("joined")
        # Go: the same start for everyone, 2 s from now.
        self.shared["go_at"].value = time.time() + 2
        self.shared["go"].set()
        go_at = self.shared["go_at"].value

        # Edit: wait for every session to finish its last note.
        done_by = go_at + args.seconds + CONFIRM_MS / 1000 + 10
        while time.time() < done_by:
            self._check_deadline()
            if not [i for i in self._alive() if i in self.joined and i not in self.done]:
                break
            self._drain(0.5)
        self.shared["watch_until"].value = time.time() + SETTLE_S
        while time.time() < self.shared["watch_until"].value:
            self._drain(0.2)
        self._note_rss("end")  # still connected: what the server holds for live sessions

        # Results, then the browsers close.
        while self._alive():
            self._check_deadline()
            self._drain(0.5)
        while True:  # results put just before a process exited
            before = len(self.results)
            self._drain(0.2)
            if len(self.results) == before:
                break
        for proc in self.procs.values():
            proc.join(timeout=GRACE_S)
        time.sleep(2)
        self._note_rss("closed")

    def stop(self) -> None:
        """Stop everything this run started: workers, their drivers and browsers, the server."""
        self.shared["stop"].set()
        deadline = time.monotonic() + STOP_GRACE_S
        while any(p.is_alive() for p in self.procs.values()) and time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                self._drain(0.2)  # a worker blocked on a full queue cannot exit
        pids = [p.pid for p in self.procs.values() if p.pid is not None and p.is_alive()]
        self.tracked |= _descendants(pids)
        for proc in self.procs.values():
            if proc.is_alive():
                proc.terminate()
        for proc in self.procs.values():
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)
        self._sampling.set()
        if self._sampler is not None:
            self._sampler.join(timeout=5)
        # Drivers and browsers that outlived their worker, by pid and start time only.
        for pid, start in self.tracked:
            if _start_time(pid) == start:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        self.server.stop()

    # -- report

    def report(self) -> bool:
        from journeymap import open_store

        args = self.args
        results = self.results
        map_id = None
        url = self.shared["url"].value.decode()
        if url:
            map_id = parse_qs(urlparse(url).query).get("map", [None])[0]
        db_texts: list[str] = []
        stored_ms: dict[str, float] = {}
        if map_id:
            store = open_store(self.server.db_path)
            try:
                db_notes = store.load_map(map_id).notes
                db_texts = [n.text for n in db_notes]
                for n in db_notes:  # the server's clock: this machine's
                    made = n.created_at
                    if made.tzinfo is None:
                        made = made.replace(tzinfo=UTC)
                    stored_ms[n.text] = made.timestamp() * 1000
            finally:
                store.close()
        in_db = set(db_texts)

        joined = sorted(i for i, r in results.items() if r["joined"])
        watchers = [i for i in joined if results[i]["finished"]]
        crashed = [i for i in range(1, args.sessions + 1) if i not in results]

        submitted, saved, never_confirmed, late, gesture_errors = [], {}, [], 0, []
        unconfirmed: list[tuple[str, dict, dict]] = []
        save_ms = []
        for i in joined:
            r = results[i]
            for add in r["adds"]:
                text = add["text"]
                if add["submit_ms"] is None and text not in r["seen"]:
                    gesture_errors.append(f"session {i}: {add['error']}")  # never sent
                    continue
                submitted.append(text)
                confirmed_at = r["seen"].get(text, add["confirm_ms"])
                if confirmed_at is None:
                    never_confirmed.append(f"session {i}: {text} ({add['error']})")
                    unconfirmed.append((text, r, add))
                    continue
                if add["error"]:
                    late += 1  # the wait gave up, but the note showed later
                saved[text] = (i, confirmed_at)
                sent_at = r["submits"].get(text, add["submit_ms"])
                if sent_at is not None:
                    save_ms.append(confirmed_at - sent_at)

        latencies, never_seen, never_seen_notes = [], 0, set()
        sent_to_stored, stored_to_seen = [], []  # the same path, split at the database row
        for text, (author, confirmed_at) in saved.items():
            stored_at = stored_ms.get(text)
            sent_at = results[author]["submits"].get(text)
            if stored_at is not None and sent_at is not None:
                sent_to_stored.append(stored_at - sent_at)
            for i in watchers:
                if i == author:
                    continue
                first = results[i]["seen"].get(text)
                if first is None:
                    never_seen += 1
                    never_seen_notes.add(text)
                else:
                    latencies.append(first - confirmed_at)
                    if stored_at is not None:
                        stored_to_seen.append(first - stored_at)

        lost = sorted(t for t in saved if t not in in_db)
        why: dict[str, int] = defaultdict(int)  # what became of the notes never confirmed
        for text, r, add in unconfirmed:
            if text in in_db:
                why["stored but never shown to its author"] += 1
            elif (add["error"] or "").startswith("AssertionError: refused"):
                why["refused with a message"] += 1
            elif text in r["submits"] and text in r["pending"]:
                why["dropped: sent (Enter, pending echo shown) but never stored"] += 1
            elif text in r["submits"]:
                why["Enter seen but no pending echo, never stored"] += 1
            else:
                why["never sent (no Enter with that text reached the page)"] += 1
        duplicates = sorted(
            {t for t in db_texts if t.startswith("load-") and db_texts.count(t) > 1}
        )
        unconfirmed_but_stored = [t for t in submitted if t not in saved and t in in_db]
        page_errors = [f"session {i}: {e}" for i in joined for e in results[i]["page_errors"]]
        app_exceptions = [f"session {i}: {e}" for i in joined for e in results[i]["app_exceptions"]]
        session_errors = [
            f"session {i}: {e}" for i, r in sorted(results.items()) for e in r["errors"]
        ]
        session_errors += [f"session {i}: no result (the process died)" for i in crashed]
        log = self.server.log_text()
        tracebacks = log.count("Traceback (most recent call last)")
        errors = (
            len(gesture_errors)
            + len(never_confirmed)
            + len(page_errors)
            + len(app_exceptions)
            + len(session_errors)
            + tracebacks
        )

        rss = self.rss
        growth = (
            rss["end"] - rss["joined"]
            if rss.get("end") is not None and rss.get("joined") is not None
            else None
        )
        total = rss["end"] - rss["start"] if rss.get("end") and rss.get("start") else None
        p50, p95, worst = _pct(latencies, 50), _pct(latencies, 95), max(latencies, default=None)
        cpu = self.cpu
        mb = lambda v: "-" if v is None else f"{v:.1f} MB"  # noqa: E731

        print()
        print(
            f"sessions              {len(joined)} joined of {args.sessions}"
            f" (all joined in {self.join_wall_s:.1f} s; each: "
            + ", ".join(f"{results[i]['join_s']:.0f}" for i in joined)
            + " s)"
        )
        print(f"notes submitted       {len(submitted)}")
        print(
            f"notes saved           {len(saved)} (confirmed on the author's own wall;"
            f" {late} only after the {CONFIRM_MS // 1000} s wait)"
        )
        print(
            f"notes in the database {sum(t.startswith('load-') for t in db_texts)}"
            f" of the run, {len(db_texts)} on the map"
        )
        print(
            f"save latency          p50 {_s(_pct(save_ms, 50))}  p95 {_s(_pct(save_ms, 95))}"
            f"  max {_s(max(save_ms, default=None))}  (Enter -> confirmed on the author's wall)"
        )
        print(
            f"visibility latency    p50 {_s(p50)}  p95 {_s(p95)}  max {_s(worst)}"
            f"  over {len(latencies)} (note, other session) pairs"
        )
        print(
            f"  split at the row    Enter -> row stored p50 {_s(_pct(sent_to_stored, 50))}"
            f" p95 {_s(_pct(sent_to_stored, 95))}; row stored -> seen by another session"
            f" p50 {_s(_pct(stored_to_seen, 50))} p95 {_s(_pct(stored_to_seen, 95))}"
        )
        print(
            f"never seen            {never_seen} (note, other session) pairs,"
            f" {len(never_seen_notes)} notes"
        )
        print(
            f"errors                {errors}: failed gestures {len(gesture_errors)},"
            f" never confirmed {len(never_confirmed)}, page errors {len(page_errors)},"
            f" app exceptions {len(app_exceptions)}, session failures {len(session_errors)},"
            f" server tracebacks {tracebacks}"
        )
        print(
            f"lost edits            {len(lost)}"
            + (f" (+{len(duplicates)} duplicated)" if duplicates else "")
            + (
                f"; {len(unconfirmed_but_stored)} unconfirmed notes are stored"
                if unconfirmed_but_stored
                else ""
            )
        )
        print(
            f"server RSS            start {mb(rss.get('start'))}, joined {mb(rss.get('joined'))},"
            f" end {mb(rss.get('end'))}, peak {mb(self.rss_peak)},"
            f" after the browsers closed {mb(rss.get('closed'))}"
        )
        print(f"memory growth         joined->end {mb(growth)}; start->end {mb(total)}")
        if cpu.get("joined") is not None and cpu.get("end") is not None:
            busy = cpu["end"] - cpu["joined"]
            span = self.when["end"] - self.when["joined"]
            print(
                f"server CPU            {busy:.1f} s in the {span:.0f} s from joined to end"
                f" (~{100 * busy / span:.0f}%"
                f" of one core)"
            )
        if "joined" in self.client_cpu and "end" in self.client_cpu:
            busy = self.client_cpu["end"] - self.client_cpu["joined"]
            span = self.when["end"] - self.when["joined"]
            print(
                f"browsers CPU          {busy:.1f} s in the same {span:.0f} s"
                f" (~{100 * busy / span:.0f}%"
                f" of one core; workers, Playwright drivers, Chromium)"
            )
        redraws = [results[i]["redraws"] for i in watchers]
        if redraws:
            print(
                f"wall redraws          {min(redraws)}..{max(redraws)} per session"
                f" ({sum(redraws) / len(redraws) / (args.seconds + SETTLE_S) * 60:.0f}/min avg)"
            )
        print(
            "per session           "
            + "  ".join(
                f"{i}:{sum(1 for a in results[i]['adds'] if a['text'] in saved)}"
                f"/{len(results[i]['adds'])}"
                for i in joined
            )
            + "  (saved/tried)"
        )

        details = gesture_errors + never_confirmed + page_errors + app_exceptions + session_errors
        if details:
            print("\nerror details (first 15):")
            for line in details[:15]:
                print("  " + line)
        if why:
            print("\nnotes never confirmed, by what the pages saw:")
            for label, count in sorted(why.items(), key=lambda kv: -kv[1]):
                print(f"  {count:4}  {label}")
        if lost:
            print("lost: " + ", ".join(lost[:10]))
        messages: dict[str, int] = defaultdict(int)
        consoles: dict[str, int] = defaultdict(int)
        for i in joined:
            for text in results[i]["messages"]:
                messages[text[:160]] += 1
            for text in results[i]["console_errors"]:
                consoles[re.sub(r"\d+", "#", text)[:160]] += 1
        if messages:
            print("\nmessages shown by the app (toasts, refusals), sessions that saw each:")
            for text, count in sorted(messages.items(), key=lambda kv: -kv[1])[:8]:
                print(f"  {count:4}  {text}")
        if consoles:
            print("\nbrowser console errors (not counted as errors), sessions that logged each:")
            for text, count in sorted(consoles.items(), key=lambda kv: -kv[1])[:8]:
                print(f"  {count:4}  {text}")
        problems = [
            line
            for line in log.splitlines()
            if re.search(r"Traceback|Error|Exception|WARNING", line)
        ]
        if problems:
            print(f"\nserver log: {len(problems)} lines with errors/warnings (first 10):")
            for line in problems[:10]:
                print("  " + line[:200])

        checks = [
            (
                f"p95 visibility <= {TARGET_P95_S:.0f} s",
                p95 is not None and p95 <= TARGET_P95_S * 1000,
                _s(p95),
            ),
            ("errors == 0", errors == 0, str(errors)),
            ("lost edits == 0", not lost and bool(saved), str(len(lost))),
            (
                f"memory growth < {TARGET_GROWTH_MB:.0f} MB",
                growth is not None and growth < TARGET_GROWTH_MB,
                f"{mb(growth)} joined->end",
            ),
        ]
        print("\ntargets")
        for label, ok, value in checks:
            print(f"  {label:26} {'PASS' if ok else 'FAIL'}  ({value})")
        return all(ok for _, ok, _ in checks)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=10, help="browser sessions (default 10)")
    parser.add_argument("--seconds", type=float, default=60, help="length of the editing phase")
    parser.add_argument("--every", type=float, default=3, help="seconds between a session's notes")
    parser.add_argument("--seed", type=int, default=0, help="seed of the cell choices")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (db, server log)")
    args = parser.parse_args()
    if args.sessions < 1 or args.seconds <= 0 or args.every <= 0:
        parser.error("--sessions, --seconds and --every must be positive")
    if not Path(CHROMIUM).exists():
        sys.exit(f"Debian's Chromium is missing at {CHROMIUM} (apt-get install chromium).")

    def _terminated(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminated)
    folder = Path(tempfile.mkdtemp(prefix="live_load-"))
    run = Run(args, folder)
    print(
        f"live load: {args.sessions} browser sessions x {args.seconds:g} s, a note every"
        f" ~{args.every:g} s each (seed {args.seed}); map {MAP_TITLE!r}"
    )
    print(f"load average at start: {_load_average()} ({os.cpu_count()} cores)")
    ok = False
    try:
        run.run()
        run.stop()
        ok = run.report()
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the browsers and the server", file=sys.stderr)
    except Exception as err:
        print(f"\nrun failed: {type(err).__name__}: {err}", file=sys.stderr)
        print(run.server.tail(), file=sys.stderr)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip cleanup
        run.stop()
        if args.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print(
        f"total run time {time.monotonic() - run.started:.1f} s;"
        f" load average at end: {_load_average()}"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
