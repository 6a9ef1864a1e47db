// lhl review: what the coding and adjudication screens share: the code keys, one message line, one request at a time.
(function () {
  "use strict";
  // The code keys come from the server (the page's #lhl-keys): digit → focus area, letter → framing.
  const { AREA_KEYS, FRAMING_KEYS } = JSON.parse(document.getElementById("lhl-keys").textContent);
  const AREAS = Object.keys(AREA_KEYS).sort((a, b) => a - b).map((k) => AREA_KEYS[k]);
  window.LHL_KEYS = {
    AREA_KEYS,
    FRAMING_KEYS,
    // The areas with `area` switched on or off, in the codebook's order.
    toggleArea: (areas, area) => AREAS.filter((a) => (a === area) !== areas.includes(a)),
  };

  // A client for one screen: `say` shows a message in `flash`; `call` GETs (or POSTs `form`) and answers the
  // JSON body, or null after saying why; `client.lastError` keeps the error code of the last refusal (E403 …).
  window.lhlClient = function (flash) {
    let busy = false;
    const client = { lastError: null };
    client.say = function say(message, kind) {
      flash.textContent = message;
      flash.className = "flash " + (kind || "info");
      flash.hidden = false;
      clearTimeout(say.timer);
      say.timer = setTimeout(() => { flash.hidden = true; }, kind === "error" ? 8000 : 2500);
    };
    client.call = async function (url, form) {
      if (busy) return null;
      busy = true;
      try {
        const init = form ? { method: "POST", body: new URLSearchParams(form), headers: { "X-Requested-With": "lhl-review" } } : {};
        const response = await fetch(url, init);
        const body = await response.json().catch(() => ({ message: "The server answered " + response.status }));
        client.lastError = body.error || null;
        if (!response.ok) { client.say(body.message || ("Error " + response.status), "error"); return null; }
        return body;
      } catch (err) {
        client.say("The review server cannot be reached (" + err.message + "). Nothing was saved.", "error");
        return null;
      } finally {
        busy = false;
      }
    };
    return client;
  };
})();
