// lhl review: the keyboard loop. One key per decision; the server renders every passage.
(function () {
  "use strict";
  const { AREA_KEYS, FRAMING_KEYS } = window.LHL_KEYS;
  const filter = window.LHL_FILTER || {};
  const passageBox = document.getElementById("passage");
  const historyBox = document.getElementById("history");
  const flash = document.getElementById("flash");
  const client = window.lhlClient(flash);
  const { say, call } = client;
  let state = null;       // what the current passage's keys start from (server-provided)
  let codes = null;       // the coder's codes as currently shown
  const trail = [];       // passages shown in this session, for ← / →
  let at = -1;

  function readState() {
    const article = passageBox.querySelector("article");
    state = article ? JSON.parse(article.dataset.state || "null") : null;
    codes = state ? { reform: state.codes.reform, areas: state.codes.areas.slice(), framing: state.codes.framing } : null;
    paint();
  }

  function paint() {
    if (!codes) return;
    const form = passageBox.querySelector("form.codes");
    const sug = state.suggested;
    form.querySelector("[data-field=reform]").classList.toggle("on", codes.reform);
    form.querySelectorAll("[data-area]").forEach((b) => {
      const on = codes.areas.includes(b.dataset.area);
      b.classList.toggle("on", on);
      b.classList.toggle("changed", !!sug && on !== sug.areas.includes(b.dataset.area));
    });
    form.querySelectorAll("[data-framing]").forEach((b) => {
      const on = codes.framing === b.dataset.framing;
      b.classList.toggle("on", on);
      b.classList.toggle("changed", !!sug && on && sug.framing !== codes.framing);
    });
    form.querySelector("[data-field=reform]").classList.toggle("changed", !!sug && codes.reform !== sug.reform);
  }

  function show(payload, push) {
    passageBox.innerHTML = payload.passage.html;
    if (payload.history_html !== undefined) historyBox.innerHTML = payload.history_html;
    if (payload.counts) {
      document.getElementById("count-decided").textContent = payload.counts.decided;
      document.getElementById("count-reviewed").textContent = payload.counts.reviewed;
    }
    readState();
    if (state && push) {
      trail.splice(at + 1);
      trail.push(state.passage_id);
      at = trail.length - 1;
    }
    if (state) history.replaceState(null, "", "/code?" + new URLSearchParams({ ...filter, p: state.passage_id }));
    refreshRemaining();
  }



  function memo() {
    const box = passageBox.querySelector("textarea[name=memo]");
    return box ? box.value : "";
  }

  async function decide(action) {
    if (!state) return;
    const then = at < trail.length - 1 ? String(trail[at + 1]) : "queue";
    const form = { ...filter, passage_id: state.passage_id, action: action, shown: state.shown, base: state.base,
      reform: codes.reform ? "1" : "0", areas: codes.areas.join(","), framing: codes.framing, memo: memo(), then: then };
    const body = await call("/api/decide", form);
    if (!body) {
      if (client.lastError === "E403" || client.lastError === "E404") {  // re-tagged, or changed elsewhere: show what is true now
        const message = flash.textContent;
        await go({ p: state.passage_id }, false);
        say(message + " It has been reloaded.", "error");
      }
      return;
    }
    if (body.saved) say(label(body.saved), "info");
    if (then !== "queue") { at += 1; show(body, false); } else { show(body, true); }
  }

  function label(row) {
    if (row.action === "undo") return "Undone: decision on #" + row.passage_id;
    return row.action.replace("_", " ") + " #" + row.passage_id + (row.blind ? " (blind)" : "");
  }

  async function undo() {
    const list = historyBox.querySelector("ol");
    const target = list ? list.dataset.undoTarget : "";
    if (!target) { say("Nothing to undo.", "error"); return; }
    const body = await call("/api/undo", { target: target });
    if (!body) return;
    say(label(body.saved), "info");
    const idx = trail.lastIndexOf(body.saved.passage_id);
    if (idx >= 0) { at = idx; show(body, false); } else { show(body, true); }
  }

  async function go(params, push) {
    const body = await call("/api/passage?" + new URLSearchParams({ ...filter, ...params }));
    if (body) show(body, push);
    return body;
  }

  async function back() {
    if (at > 0) { at -= 1; await go({ p: trail[at] }, false); }
    else say("This is the first passage of this session; the history on the right goes further back.", "info");
  }

  async function forward() {
    if (at < trail.length - 1) { at += 1; await go({ p: trail[at] }, false); }
    else if (state) await go({ after: state.passage_id }, true);
  }

  async function toggleContext() {
    const box = passageBox.querySelector(".context");
    if (!box || !state) return;
    if (!box.hidden) { box.hidden = true; return; }
    if (!box.dataset.loaded) {
      const body = await call("/api/context?p=" + state.passage_id);
      if (!body) return;
      box.innerHTML = body.html;
      box.dataset.loaded = "1";
    }
    box.hidden = false;
  }

  function toggleArea(area) {
    codes.areas = window.LHL_KEYS.toggleArea(codes.areas, area);
    paint();
  }

  document.addEventListener("keydown", (ev) => {
    const target = ev.target;
    if (target.matches && target.matches("textarea, input, select")) {
      if (ev.key === "Escape" || (ev.key === "Enter" && target.matches("textarea") && !ev.shiftKey)) {
        ev.preventDefault();
        target.blur();
      }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const key = ev.key;
    let handled = true;
    if (!codes && !["u", "ArrowLeft", "ArrowRight"].includes(key)) return;
    if (key === "Enter") decide("decide");
    else if (key in AREA_KEYS) toggleArea(AREA_KEYS[key]);
    else if (key in FRAMING_KEYS) { codes.framing = FRAMING_KEYS[key]; paint(); }
    else if (key === "r") { codes.reform = !codes.reform; paint(); }
    else if (key === "x") decide("not_relevant");
    else if (key === " ") decide("skip");
    else if (key === "u") undo();
    else if (key === "ArrowLeft") back();
    else if (key === "ArrowRight") forward();
    else if (key === "c") toggleContext();
    else if (key === "l" && state) window.open("/search?like=" + state.passage_id, "lhl-similar");  // review/search.py
    else if (key === "m") { const box = passageBox.querySelector("textarea[name=memo]"); if (box) box.focus(); }
    else handled = false;
    if (handled) ev.preventDefault();
  });

  passageBox.addEventListener("click", (ev) => {
    const chip = ev.target.closest(".chip");
    if (!chip || !codes) return;
    chip.blur();  // keys stay with the review, not with the clicked button
    if (chip.dataset.area) toggleArea(chip.dataset.area);
    else if (chip.dataset.framing) { codes.framing = chip.dataset.framing; paint(); }
    else if (chip.dataset.field === "reform") { codes.reform = !codes.reform; paint(); }
  });

  historyBox.addEventListener("click", (ev) => {
    const item = ev.target.closest("li[data-passage]");
    if (item) go({ p: item.dataset.passage }, true);
  });

  document.querySelectorAll("#filters select").forEach((s) => s.addEventListener("change", () => {
    const params = new URLSearchParams(new FormData(document.getElementById("filters")));
    for (const [k, v] of [...params]) if (!v) params.delete(k);
    window.location = "/code?" + params;
  }));

  let remainingTimer = null;
  function refreshRemaining() {
    clearTimeout(remainingTimer);
    remainingTimer = setTimeout(async () => {
      const response = await fetch("/api/remaining?" + new URLSearchParams(filter)).catch(() => null);
      if (response && response.ok) {
        const body = await response.json();
        document.getElementById("count-remaining").textContent = body.remaining;
      }
    }, 1500);
  }

  readState();
  if (state) { trail.push(state.passage_id); at = 0; }
})();
