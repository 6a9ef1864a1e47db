// lhl review: what the coding screens share: the code keys, one message line, one request at a time.
(function () {
  "use strict";
  window.LHL_KEYS = {
    AREAS: ["aldersvennlig", "aktivitet", "mat", "helsehjelp", "sammenheng"],
    FRAMING_KEYS: { s: "samfunn", t: "sektor", b: "begge", n: "ingen" },
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
