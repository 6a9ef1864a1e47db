// lhl review: coding the hits of a search in a row. The server renders each passage (/api/passage) and
// checks each decision (/api/decide); this script walks the hits, marks them and keeps the codes keys.
(function () {
  "use strict";
  const { AREA_KEYS, FRAMING_KEYS, toggleArea } = window.LHL_KEYS;
  const plan = window.LHL_PLAN || [];
  const box = document.getElementById("passage");
  const flash = document.getElementById("flash");
  const client = window.lhlClient(flash);
  const { say, call } = client;
  const similarBox = document.getElementById("similar");
  let at = window.LHL_START || 0;
  let state = null;
  let codes = null;



  // Wrap the hit character ranges of the passage text in <mark class="hit">, skipping the code labels.
  function markHits(spans) {
    const text = box.querySelector(".text");
    if (!text || !spans.length) return;
    const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
    const nodes = [];
    let offset = 0;
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (node.parentElement.closest(".hl-tag")) continue;
      nodes.push([node, offset]);
      offset += node.data.length;
    }
    for (const [node, startAt] of nodes.reverse()) {
      const end = startAt + node.data.length;
      for (const [a, b] of spans.slice().reverse()) {
        if (b <= startAt || a >= end) continue;
        const from = Math.max(a, startAt) - startAt, to = Math.min(b, end) - startAt;
        const middle = node.splitText(from);
        middle.splitText(to - from);
        const mark = document.createElement("mark");
        mark.className = "hit";
        middle.parentNode.replaceChild(mark, middle);
        mark.appendChild(middle);
      }
    }
  }

  function paint() {
    const form = box.querySelector("form.codes");
    if (!form || !codes) return;
    form.querySelector("[data-field=reform]").classList.toggle("on", codes.reform);
    form.querySelectorAll("[data-area]").forEach((b) => b.classList.toggle("on", codes.areas.includes(b.dataset.area)));
    form.querySelectorAll("[data-framing]").forEach((b) => b.classList.toggle("on", codes.framing === b.dataset.framing));
  }

  function show(payload) {
    box.innerHTML = payload.passage.html;
    const article = box.querySelector("article");
    state = article ? JSON.parse(article.dataset.state || "null") : null;
    codes = state ? { reform: state.codes.reform, areas: state.codes.areas.slice(), framing: state.codes.framing } : null;
    if (state && plan[at] && plan[at].id === state.passage_id) markHits(plan[at].spans);
    document.getElementById("plan-at").textContent = String(at + 1);
    similarBox.innerHTML = '<li class="muted">Press <kbd>l</kbd>.</li>';
    paint();
  }

  async function open(i) {
    if (i < 0 || i >= plan.length) return;
    const body = await call("/api/passage?p=" + plan[i].id);
    if (body) { at = i; show(body); }
  }

  function done() {
    box.innerHTML = "<p class='done'>That was the last hit of this search.</p>";
    state = null; codes = null;
  }

  async function decide(action) {
    if (!state) return;
    const last = at + 1 >= plan.length;
    const memoBox = box.querySelector("textarea[name=memo]");
    const form = { passage_id: state.passage_id, action: action, shown: state.shown, base: state.base,
      reform: codes.reform ? "1" : "0", areas: codes.areas.join(","), framing: codes.framing,
      memo: memoBox ? memoBox.value : "", then: String(last ? state.passage_id : plan[at + 1].id) };
    const body = await call("/api/decide", form);
    if (!body) return;
    if (body.saved) say(body.saved.action.replace("_", " ") + " #" + body.saved.passage_id, "info");
    if (last) { done(); return; }
    at += 1;
    show(body);
  }

  async function similar() {
    if (!state) return;
    const body = await call("/api/similar?p=" + state.passage_id);
    if (!body) return;
    similarBox.innerHTML = "";
    for (const p of body.passages) {
      const li = document.createElement("li");
      const where = document.createElement("div");
      where.className = "kwic-where";
      where.textContent = p.score.toFixed(3) + " · " + (p.kommune || "?") + " · " + (p.date || "") + " · #" + p.passage_id;
      const line = document.createElement("div");
      line.textContent = p.left + " ";
      const mark = document.createElement("mark");
      mark.className = "hit";
      mark.textContent = p.hit;
      line.append(mark, " " + p.right);
      const link = document.createElement("a");
      link.href = "/code?p=" + p.passage_id;
      link.append(where);
      li.append(link, line);
      similarBox.append(li);
    }
    if (!body.passages.length) similarBox.innerHTML = '<li class="muted">No similar passage in other documents.</li>';
  }

  document.addEventListener("keydown", (ev) => {
    const target = ev.target;
    if (target.matches && target.matches("textarea, input, select")) {
      if (ev.key === "Escape" || (ev.key === "Enter" && target.matches("textarea") && !ev.shiftKey)) { ev.preventDefault(); target.blur(); }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const key = ev.key;
    let handled = true;
    if (key === "ArrowLeft") open(at - 1);
    else if (key === "ArrowRight") open(at + 1);
    else if (!codes) handled = false;
    else if (key === "Enter") decide("decide");
    else if (key in AREA_KEYS) { codes.areas = toggleArea(codes.areas, AREA_KEYS[key]); paint(); }
    else if (key in FRAMING_KEYS) { codes.framing = FRAMING_KEYS[key]; paint(); }
    else if (key === "r") { codes.reform = !codes.reform; paint(); }
    else if (key === "x") decide("not_relevant");
    else if (key === " ") { if (at + 1 < plan.length) open(at + 1); else done(); }
    else if (key === "l") similar();
    else if (key === "m") { const memo = box.querySelector("textarea[name=memo]"); if (memo) memo.focus(); }
    else handled = false;
    if (handled) ev.preventDefault();
  });

  if (plan.length) open(at);
})();
