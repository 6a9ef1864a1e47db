"""The coding screen: `/code` shows one passage of a queue, and the keyboard loop's JSON endpoints
(`/api/passage`, `/api/decide`, `/api/undo`, `/api/context`, `/api/remaining`) move through it.

Every write goes through `lhl_mining.store.review`, one short transaction that refuses
(4xx, nothing written) when what the coder saw is no longer true.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..codebook import AREA_CODES, FRAMING_CODES
from ..errors import MalformedDecision, UnknownPassage, WrongToken
from ..store import Store
from ..store import review as sql
from .auth import check_write, gate, token_ok
from .fields import codes_from_form, int_or_none, required_int, row_json
from .queue import LEASE_SECONDS, QUEUES, QueueFilter
from .render import highlight
from .state import ReviewState


def filter_of(params: Any) -> QueueFilter:
    queue = params.get("queue") or "todo"
    if queue not in QUEUES:
        raise MalformedDecision(f"Unknown queue {queue!r}; choose one of {', '.join(QUEUES)}.")
    return QueueFilter(queue, params.get("knr") or "", params.get("doc_type") or "", params.get("code") or "")


def source_href(context: dict[str, Any]) -> str | None:
    """The passage's source document on the web, at its page for a PDF; None unless it is an http(s) link."""
    url = context.get("url")
    if not url or not str(url).startswith(("http://", "https://")):
        return None
    if context.get("page_no") and str(url).lower().split("?")[0].endswith(".pdf"):
        return f"{url}#page={context['page_no']}"
    return str(url)


def passage_screen(state: ReviewState, store: Store, passage_id: int | None, coder: str) -> dict[str, Any]:
    """Everything the coding screen shows for one passage, and the state its keys start from."""
    if passage_id is None:
        return {"html": state.fragment("_done.html"), "state": None}
    context = sql.passage_context(store, passage_id)
    if context is None:
        raise UnknownPassage(f"There is no passage {passage_id} (it may have been re-ingested).")
    suggestions = sql.current_suggestions(store, passage_id)
    suggested = sql.suggested_codes(suggestions)
    standing = sql.standing_row(store, passage_id, coder)
    latest = sql.latest_row(store, passage_id, coder)
    mine = sql.codes_of_row(standing) if standing else None
    shown = mine or suggested or sql.Codes(False, (), "ingen")
    evidence = [e for s in suggestions for e in s["evidence"]]
    scores = {s["code"]: s["score"] for s in suggestions}
    ui_state = {
        "passage_id": passage_id,
        "shown": sql.suggestion_version(suggestions),
        "base": latest["id"] if latest else 0,
        "codes": shown.as_dict(),
        "suggested": suggested.as_dict() if suggested else None,
        "mine": standing["action"] if standing else None,
    }
    html = state.fragment(
        "_passage.html",
        p=context,
        text_html=highlight(context["text"], evidence),
        scores=scores,
        suggestions=suggestions,
        codes=shown,
        suggested=suggested,
        standing=standing,
        blind=sql.is_blind(store, passage_id, coder),
        state_json=json.dumps(ui_state, ensure_ascii=False),
        source_href=source_href(context),
    )
    return {"html": html, "state": ui_state}


def queue_screen(
    state: ReviewState, store: Store, coder: str, flt: QueueFilter, after: int | None = None
) -> dict[str, Any]:
    """The next passage of the queue; if it has vanished (re-ingested document), reload the queues once."""

    def claim(passage_id: int, who: str, force: bool = False) -> tuple[str, float] | None:
        return sql.claim_lease(store, passage_id, who, LEASE_SECONDS, force=force)

    try:
        return passage_screen(state, store, state.index.next_passage(coder, flt, after=after, claim=claim), coder)
    except UnknownPassage:
        state.index.rebuild(store)
        state.index.sync(store)
        return passage_screen(state, store, state.index.next_passage(coder, flt, after=after, claim=claim), coder)


def _extras(state: ReviewState, store: Store, coder: str) -> dict[str, Any]:
    """The coder's recent decisions and queue counts, shown beside every passage."""
    return {
        "history_html": state.fragment(
            "_history.html",
            history=sql.recent_rows(store, coder),
            undo_target=(sql.latest_undoable(store, coder) or {}).get("id", ""),
        ),
        "counts": state.index.counts(coder),
    }


# ------------------------------------------------------------ the page
def home(state: ReviewState, request: Request) -> Response:
    return RedirectResponse("/code", 303)


def code_page(state: ReviewState, request: Request) -> Response:
    coder = gate(state.config, request)
    if isinstance(coder, Response):
        return coder
    store = state.store()
    state.index.sync(store)
    flt = filter_of(request.query_params)
    requested = int_or_none(request.query_params.get("p"))
    if requested is not None:
        screen = passage_screen(state, store, requested, coder)
    else:
        screen = queue_screen(state, store, coder, flt)
    return state.page(
        "code.html",
        coder=coder,
        flt=flt,
        screen=screen,
        facets=sql.facets(store),
        codes_filter=["reform", *AREA_CODES, *FRAMING_CODES],
        remaining=state.index.remaining(coder, flt),
        **_extras(state, store, coder),
    )


# ------------------------------------------------------------ the keyboard loop (JSON)
def api_passage(state: ReviewState, request: Request) -> Response:
    coder = gate(state.config, request)
    if isinstance(coder, Response):
        raise WrongToken("Sign in first (token or coder name missing).")
    store = state.store()
    state.index.sync(store)
    flt = filter_of(request.query_params)
    requested = int_or_none(request.query_params.get("p"))
    if requested is None:
        screen = queue_screen(state, store, coder, flt, after=int_or_none(request.query_params.get("after")))
    else:
        screen = passage_screen(state, store, requested, coder)
    return JSONResponse({"passage": screen, **_extras(state, store, coder)})


async def api_decide(state: ReviewState, request: Request) -> Response:
    coder = check_write(state.config, request)
    form = await request.form()
    passage_id = required_int(form, "passage_id")
    kind = str(form.get("action") or "")
    shown, base = required_int(form, "shown"), required_int(form, "base")
    memo = str(form.get("memo") or "").strip()[:2000]
    flt = filter_of(form)
    then = str(form.get("then") or "queue")
    then_id = None if then == "queue" else int_or_none(then)
    if then != "queue" and then_id is None:
        raise MalformedDecision(f"Field 'then' must be 'queue' or a passage id, not {then[:40]!r}; nothing was saved.")
    if kind == "decide":
        codes_from_form(form)  # refuse malformed codes before anything is read or written
    return await run_in_threadpool(_decide, state, coder, passage_id, kind, form, shown, base, memo, flt, then_id)


def _decide(
    state: ReviewState,
    coder: str,
    passage_id: int,
    kind: str,
    form: FormData,
    shown: int,
    base: int,
    memo: str,
    flt: QueueFilter,
    then_id: int | None,
) -> Response:
    store = state.store()
    if kind == "decide":
        codes = codes_from_form(form)
        suggested = sql.suggested_codes(sql.current_suggestions(store, passage_id))
        standing = sql.standing_row(store, passage_id, coder)
        if standing and sql.codes_of_row(standing) == codes and (standing["memo"] or "") == memo:
            row = None  # re-confirming one's own decision writes nothing
        else:
            action = "accept" if suggested is not None and codes == suggested else "code"
            row = sql.record_decision(
                store,
                passage_id=passage_id,
                coder=coder,
                action=action,
                codes=codes,
                memo=memo,
                shown_version=shown,
                base_id=base,
            )
    elif kind == "not_relevant":
        standing = sql.standing_row(store, passage_id, coder)
        if standing and standing["action"] == "not_relevant" and (standing["memo"] or "") == memo:
            row = None
        else:
            row = sql.record_decision(
                store,
                passage_id=passage_id,
                coder=coder,
                action="not_relevant",
                codes=sql.NOT_RELEVANT,
                memo=memo,
                shown_version=shown,
                base_id=base,
            )
    elif kind == "skip":
        if sql.standing_row(store, passage_id, coder) is not None:
            row = None  # moving past a passage already decided is not a skip
        else:
            row = sql.record_decision(
                store,
                passage_id=passage_id,
                coder=coder,
                action="skip",
                codes=None,
                memo=memo,
                shown_version=shown,
                base_id=base,
            )
    else:
        raise MalformedDecision(f"Unknown action {kind!r}; use decide, not_relevant or skip.")
    state.index.sync(store)
    if then_id is None:
        screen = queue_screen(state, store, coder, flt, after=passage_id)
    else:
        screen = passage_screen(state, store, then_id, coder)
    body = {"saved": row_json(row), "passage": screen, **_extras(state, store, coder)}
    return JSONResponse(body)


async def api_undo(state: ReviewState, request: Request) -> Response:
    coder = check_write(state.config, request)
    form = await request.form()
    target = required_int(form, "target")

    def work() -> Response:
        store = state.store()
        row = sql.record_undo(store, coder=coder, target_id=target)
        state.index.sync(store)
        body = {
            "saved": row_json(row),
            "passage": passage_screen(state, store, row["passage_id"], coder),
            **_extras(state, store, coder),
        }
        return JSONResponse(body)

    return await run_in_threadpool(work)


def api_context(state: ReviewState, request: Request) -> Response:
    if not token_ok(state.config, request):
        raise WrongToken("Sign in first.")
    passage_id = int_or_none(request.query_params.get("p"))
    store = state.store()
    if passage_id is None or sql.passage_context(store, passage_id) is None:
        raise UnknownPassage(f"There is no passage {request.query_params.get('p')!r}.")
    html = state.fragment("_context.html", neighbours=sql.neighbour_passages(store, passage_id))
    return JSONResponse({"html": html})


def api_remaining(state: ReviewState, request: Request) -> Response:
    coder = gate(state.config, request)
    if isinstance(coder, Response):
        raise WrongToken("Sign in first.")
    store = state.store()
    state.index.sync(store)
    flt = filter_of(request.query_params)
    return JSONResponse({"remaining": state.index.remaining(coder, flt), "counts": state.index.counts(coder)})


def routes(state: ReviewState) -> list[BaseRoute]:
    return [
        Route("/", functools.partial(home, state)),
        Route("/code", functools.partial(code_page, state)),
        Route("/api/passage", functools.partial(api_passage, state)),
        Route("/api/decide", functools.partial(api_decide, state), methods=["POST"]),
        Route("/api/undo", functools.partial(api_undo, state), methods=["POST"]),
        Route("/api/context", functools.partial(api_context, state)),
        Route("/api/remaining", functools.partial(api_remaining, state)),
    ]
