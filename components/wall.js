// The sticky-note wall: stages across, lanes down, notes in cells.
// User text only ever reaches the page through textContent / value, never as HTML.
// Events to Python: add {stage_id, lane_id, text, ...}, move {note_id, version,
// stage_id, lane_id, index}, open {note_id}, vote {note_id}, stage {stage_id}. Drafts and the open add form live on
// the host element, so a redraw (someone else's change) never wipes what is typed.

const FACES = { "-2": "\u{1F623}", "-1": "\u{1F641}", "0": "\u{1F610}", "1": "\u{1F642}", "2": "\u{1F604}" };

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

function cellKey(stageId, laneId) {
  return stageId + "|" + laneId;
}

function signed(score) {
  return score > 0 ? "+" + score : String(score);
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const state = parentElement.__jmWall || (parentElement.__jmWall = { open: null, drafts: {}, extras: {} });
  let root = parentElement.querySelector(".jm-wall");
  if (!root) {
    root = el("div", "jm-wall");
    parentElement.appendChild(root);
  }
  const send = (event, value) => setTriggerValue(event, { ...value, nonce: Date.now() + Math.random() });
  const notesById = new Map(data.notes.map((n) => [n.id, n]));
  const voting = data.voting;
  // A note the server refused (too long, say) comes back: its text returns to the form.
  if (data.rejected && data.rejected.nonce !== state.rejectedNonce) {
    const key = cellKey(data.rejected.stage_id, data.rejected.lane_id);
    state.rejectedNonce = data.rejected.nonce;
    state.drafts[key] = data.rejected.text;
    state.errors = { [key]: data.rejected.message };
    state.open = key;
    state.justOpened = true;
  }
  const lanesById = new Map(data.lanes.map((l) => [l.id, l]));

  // A stage's header: its name, note count and, with data, its numbers; a click (or
  // Enter) opens the stage's detail.
  function stageHead(stage) {
    const head = el("div", "jm-stage");
    head.dataset.testid = "jm-stage";
    head.dataset.id = stage.id;
    head.tabIndex = 0;
    head.setAttribute("role", "button");
    head.setAttribute("aria-label", "Stage " + stage.name + ": open its details");
    const title = el("div", "jm-stage-title");
    title.appendChild(el("span", "jm-stage-name", stage.name));
    title.appendChild(el("span", "jm-count", stage.count));
    head.appendChild(title);
    const metrics = stage.metrics;
    if (metrics) {
      if (metrics.worst) {
        head.classList.add("jm-worst");
        head.appendChild(el("div", "jm-flag", "\u26A0 Largest drop-off"));
      }
      if (!metrics.bound) head.classList.add("jm-unbound");
      const list = el("div", "jm-metrics");
      list.dataset.testid = "jm-stage-metrics";
      for (const line of metrics.lines) list.appendChild(el("div", "jm-metric", line));
      head.appendChild(list);
    }
    const open = () => send("stage", { stage_id: stage.id });
    head.addEventListener("click", open);
    head.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        open();
      }
    });
    return head;
  }

  function noteElement(note) {
    const lane = lanesById.get(note.lane_id);
    const card = el("div", "jm-note");
    card.draggable = !data.readonly;
    card.tabIndex = 0;
    card.dataset.id = note.id;
    card.dataset.testid = "jm-note";
    card.style.background = lane ? lane.colour : "#fff";
    card.setAttribute("role", "button");
    card.setAttribute("aria-label", "Note: " + note.text);
    card.appendChild(el("div", "jm-text", note.text));
    if (note.metric) card.appendChild(el("div", "jm-note-metric", "\u{1F4CA} " + note.metric));
    const meta = el("div", "jm-meta");
    if (note.emotion !== null && note.emotion !== undefined) {
      meta.appendChild(el("span", "jm-chip jm-emotion", FACES[String(note.emotion)] + " " + signed(note.emotion)));
    }
    if (note.channel) meta.appendChild(el("span", "jm-chip", note.channel));
    if (note.resource_status) meta.appendChild(el("span", "jm-chip jm-" + note.resource_status, note.resource_status));
    if (note.comments) meta.appendChild(el("span", "jm-chip", "\u{1F4AC} " + note.comments));
    if (voting && voting.mine.includes(note.id)) {
      card.classList.add("jm-voted");
      meta.appendChild(el("span", "jm-chip jm-dot", "\u25CF my vote"));
    }
    meta.appendChild(el("span", "jm-author", note.author || "anonymous"));
    card.appendChild(meta);
    // While a vote is open a click puts a dot on the note (or takes it back).
    const open = () => send(voting ? "vote" : "open", { note_id: note.id });
    card.addEventListener("click", open);
    card.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        open();
      } else if (e.altKey && ARROWS[e.key] && !data.readonly) {
        e.preventDefault();
        moveByKey(note, ARROWS[e.key]);
      }
    });
    card.addEventListener("dragstart", (e) => {
      e.dataTransfer.setData("text/plain", note.id);
      e.dataTransfer.effectAllowed = "move";
      card.classList.add("jm-dragging");
    });
    card.addEventListener("dragend", () => card.classList.remove("jm-dragging"));
    return card;
  }

  // Alt+arrow moves a focused note to the neighbouring cell: drag and drop for keyboards.
  function moveByKey(note, [dStage, dLane]) {
    const stageIndex = data.stages.findIndex((st) => st.id === note.stage_id) + dStage;
    const laneIndex = data.lanes.findIndex((ln) => ln.id === note.lane_id) + dLane;
    const stage = data.stages[stageIndex];
    const lane = data.lanes[laneIndex];
    if (!stage || !lane) return;
    const index = data.notes.filter((n) => n.stage_id === stage.id && n.lane_id === lane.id).length;
    state.focus = { id: note.id, stage_id: stage.id, lane_id: lane.id, until: Date.now() + 5000 };
    send("move", { note_id: note.id, version: note.version, stage_id: stage.id, lane_id: lane.id, index });
  }

  function dropIndex(cell, clientY, draggedId) {
    const cards = [...cell.querySelectorAll(".jm-note")].filter((c) => c.dataset.id !== draggedId);
    const index = cards.findIndex((c) => {
      const box = c.getBoundingClientRect();
      return clientY < box.top + box.height / 2;
    });
    return index === -1 ? cards.length : index;
  }

  function addForm(stage, lane, key) {
    const form = el("form", "jm-form");
    const area = el("textarea", "jm-input");
    area.rows = 3;
    area.placeholder = "Write a note. Enter adds it, Shift+Enter starts a new line, Esc closes.";
    area.setAttribute("aria-label", "New note in " + stage.name + ", " + lane.name);
    area.value = state.drafts[key] || "";
    area.addEventListener("input", () => (state.drafts[key] = area.value));
    form.appendChild(area);
    if (state.errors && state.errors[key]) {
      const error = el("div", "jm-error", state.errors[key]);
      error.setAttribute("role", "alert");
      form.appendChild(error);
    }
    const extras = state.extras[key] || (state.extras[key] = {});
    if (lane.kind === "emotion") {
      const pick = el("select", "jm-extra");
      pick.setAttribute("aria-label", "Emotion score");
      for (const [value, label] of [["", "Score..."], ...[2, 1, 0, -1, -2].map((s) => [String(s), FACES[String(s)] + " " + signed(s)])]) {
        const option = el("option", null, label);
        option.value = value;
        pick.appendChild(option);
      }
      pick.value = extras.emotion ?? "";
      pick.addEventListener("change", () => (extras.emotion = pick.value));
      form.appendChild(pick);
    } else if (lane.kind === "touchpoint") {
      const channel = el("input", "jm-extra");
      channel.placeholder = "Channel (e.g. Email)";
      channel.setAttribute("aria-label", "Channel");
      channel.value = extras.channel || "";
      channel.addEventListener("input", () => (extras.channel = channel.value));
      form.appendChild(channel);
    } else if (lane.kind === "resource") {
      const pick = el("select", "jm-extra");
      pick.setAttribute("aria-label", "Have or need");
      for (const value of ["have", "need"]) {
        const option = el("option", null, value === "have" ? "We have it" : "We need it");
        option.value = value;
        pick.appendChild(option);
      }
      pick.value = extras.resource_status || "have";
      pick.addEventListener("change", () => (extras.resource_status = pick.value));
      form.appendChild(pick);
    }
    const buttons = el("div", "jm-buttons");
    const save = el("button", "jm-save", "Add");
    save.type = "submit";
    const cancel = el("button", "jm-cancel", "Close");
    cancel.type = "button";
    buttons.append(save, cancel);
    form.appendChild(buttons);
    const close = () => {
      state.open = null;
      state.drafts[key] = area.value;
      draw();
    };
    const submit = () => {
      const text = area.value.trim();
      if (!text) return;
      const value = { stage_id: stage.id, lane_id: lane.id, text };
      if (lane.kind === "emotion" && extras.emotion !== undefined && extras.emotion !== "") value.emotion = Number(extras.emotion);
      if (lane.kind === "touchpoint" && extras.channel) value.channel = extras.channel;
      if (lane.kind === "resource") value.resource_status = extras.resource_status || "have";
      state.drafts[key] = "";
      state.errors = {};
      area.value = "";
      send("add", value);
      const pending = el("div", "jm-note jm-pending", text);
      pending.style.background = lane.colour;
      form.before(pending);
    };
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      submit();
    });
    cancel.addEventListener("click", close);
    area.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        submit();
      } else if (e.key === "Escape") {
        close();
      }
    });
    return form;
  }

  function cellElement(stage, lane, notes) {
    const key = cellKey(stage.id, lane.id);
    const cell = el("div", "jm-cell");
    cell.dataset.stage = stage.id;
    cell.dataset.lane = lane.id;
    cell.dataset.testid = "jm-cell";
    cell.setAttribute("aria-label", stage.name + ", " + lane.name);
    for (const note of notes) cell.appendChild(noteElement(note));
    if (!data.readonly) {
      if (state.open === key) {
        cell.appendChild(addForm(stage, lane, key));
      } else {
        const add = el("button", "jm-add", "+");
        add.type = "button";
        add.title = "Add a note to " + stage.name + " / " + lane.name;
        add.setAttribute("aria-label", "Add a note to " + stage.name + ", " + lane.name);
        add.addEventListener("click", () => {
          state.open = key;
          state.justOpened = true;
          draw();
        });
        cell.appendChild(add);
      }
    }
    cell.addEventListener("dragover", (e) => {
      if (data.readonly) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "move";
      cell.classList.add("jm-over");
    });
    cell.addEventListener("dragleave", () => cell.classList.remove("jm-over"));
    cell.addEventListener("drop", (e) => {
      e.preventDefault();
      cell.classList.remove("jm-over");
      const id = e.dataTransfer.getData("text/plain");
      const note = notesById.get(id);
      if (!note) return;
      const index = dropIndex(cell, e.clientY, id);
      const dragged = root.querySelector('.jm-note[data-id="' + CSS.escape(id) + '"]');
      const sameCell = note.stage_id === stage.id && note.lane_id === lane.id;
      if (sameCell) {
        const siblings = [...cell.querySelectorAll(".jm-note")];
        if (siblings.indexOf(dragged) === index) return;
      }
      if (dragged) {
        const others = [...cell.querySelectorAll(".jm-note")].filter((c) => c !== dragged);
        const anchor = others[index] || cell.querySelector(".jm-add, .jm-form");
        cell.insertBefore(dragged, anchor);
        dragged.style.background = lane.colour;
        dragged.classList.add("jm-pending");
      }
      send("move", { note_id: id, version: note.version, stage_id: stage.id, lane_id: lane.id, index });
    });
    return cell;
  }

  function focusedInside() {
    const active = parentElement.activeElement !== undefined ? parentElement.activeElement : document.activeElement;
    return active && root.contains(active) ? active : null;
  }

  function focusNote(id) {
    const card = root.querySelector('.jm-note[data-id="' + CSS.escape(id) + '"]');
    if (card) card.focus();
  }

  function draw() {
    const scrollLeft = root.scrollLeft;
    // A redraw replaces every element: put the keyboard focus back where it was.
    const active = focusedInside();
    const typing = state.justOpened || (active !== null && active.tagName === "TEXTAREA");
    const focusedNote = active !== null && active.classList.contains("jm-note") ? active.dataset.id : null;
    state.justOpened = false;
    root.replaceChildren();
    if (!data.stages.length || !data.lanes.length) {
      root.appendChild(el("p", "jm-empty", data.empty_message || "Nothing to show."));
      return;
    }
    const grid = el("div", "jm-grid");
    grid.style.gridTemplateColumns = "var(--jm-lane-width) repeat(" + data.stages.length + ", minmax(var(--jm-column-min), 1fr))";
    grid.appendChild(el("div", "jm-corner", data.corner || ""));
    for (const stage of data.stages) {
      grid.appendChild(stageHead(stage));
    }
    const byCell = new Map();
    for (const note of data.notes) {
      const key = cellKey(note.stage_id, note.lane_id);
      if (!byCell.has(key)) byCell.set(key, []);
      byCell.get(key).push(note);
    }
    for (const lane of data.lanes) {
      const head = el("div", "jm-lane");
      head.style.borderLeftColor = lane.border;
      head.style.background = lane.colour;
      head.appendChild(el("span", "jm-lane-name", lane.name));
      grid.appendChild(head);
      for (const stage of data.stages) {
        grid.appendChild(cellElement(stage, lane, byCell.get(cellKey(stage.id, lane.id)) || []));
      }
    }
    root.appendChild(grid);
    root.scrollLeft = scrollLeft;
    // A note moved with Alt+arrow keeps the keyboard until it shows in its new cell.
    const focus = state.focus;
    if (focus && Date.now() < focus.until) {
      focusNote(focus.id);
      const note = notesById.get(focus.id);
      if (!note || (note.stage_id === focus.stage_id && note.lane_id === focus.lane_id)) state.focus = null;
    } else {
      state.focus = null;
      if (focusedNote) focusNote(focusedNote);
    }
    if (state.open) {
      const area = root.querySelector(".jm-form textarea");
      if (area && typing) {
        area.focus();
        area.setSelectionRange(area.value.length, area.value.length);
      } else if (!area) {
        state.open = null;
      }
    }
  }

  draw();
}
