// lhl review: adjudication keys. The final column starts from the coders' codes; Enter records it.
(function () {
  "use strict";
  const { AREA_KEYS, FRAMING_KEYS, toggleArea } = window.LHL_KEYS;
  const article = document.getElementById("adjudication");
  const { say, call: post } = window.lhlClient(document.getElementById("flash"));
  const state = article ? JSON.parse(article.dataset.state) : null;
  const codes = state ? { reform: state.codes.reform, areas: state.codes.areas.slice(), framing: state.codes.framing } : null;

  function paint() {
    if (!codes) return;
    article.querySelector("[data-final=reform]").textContent = codes.reform ? "●" : "·";
    Object.values(AREA_KEYS).forEach((a) => { article.querySelector(`[data-final=${a}]`).textContent = codes.areas.includes(a) ? "●" : "·"; });
    article.querySelector("[data-final=framing]").textContent = codes.framing;
  }

  function neighbour(step) {
    const items = [...document.querySelectorAll(".hist.items li")];
    const i = items.findIndex((li) => li.classList.contains("current"));
    return items[i + step] ? items[i + step].dataset.passage : null;
  }

  function open(passage) {
    const params = new URLSearchParams(window.location.search);
    if (passage) params.set("p", passage); else params.delete("p");
    window.location = "/adjudicate?" + params;
  }

  async function record() {
    const next = neighbour(1);
    const memo = article.querySelector("textarea[name=memo]").value;
    const body = await post("/api/adjudicate", { passage_id: state.passage_id, base: state.base, reform: codes.reform ? "1" : "0",
      areas: codes.areas.join(","), framing: codes.framing, memo: memo });
    if (body) open(next);
  }

  async function undo() {
    if (!state.final_id) { say("You have no final code on this passage to undo.", "error"); return; }
    const body = await post("/api/adjudicate/undo", { target: state.final_id });
    if (body) open(state.passage_id);
  }

  function adopt(column) {
    const c = state.columns[column];
    if (!c) return;
    codes.reform = c.reform; codes.areas = c.areas.slice(); codes.framing = c.framing;
    paint();
  }

  const adoptAll = document.getElementById("adopt-unanimous");
  if (adoptAll) adoptAll.addEventListener("click", async () => {
    const body = await post("/api/adjudicate/unanimous", {});
    if (body) { say(body.written + " unanimous passages adopted as final.", "info"); setTimeout(() => open(null), 600); }
  });

  document.addEventListener("keydown", (ev) => {
    if (ev.target.matches && ev.target.matches("textarea, input, select")) {
      if (ev.key === "Escape") { ev.preventDefault(); ev.target.blur(); }
      return;
    }
    if (!codes || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const key = ev.key;
    let handled = true;
    if (key === "Enter") record();
    else if (key in AREA_KEYS) { codes.areas = toggleArea(codes.areas, AREA_KEYS[key]); paint(); }
    else if (key in FRAMING_KEYS) { codes.framing = FRAMING_KEYS[key]; paint(); }
    else if (key === "r") { codes.reform = !codes.reform; paint(); }
    else if (key === "q" || key === "w" || key === "e") adopt("qwe".indexOf(key));
    else if (key === "ArrowRight") { const n = neighbour(1); if (n) open(n); }
    else if (key === "ArrowLeft") { const n = neighbour(-1); if (n) open(n); }
    else if (key === "u") undo();
    else if (key === "m") article.querySelector("textarea[name=memo]").focus();
    else handled = false;
    if (handled) ev.preventDefault();
  });
})();
