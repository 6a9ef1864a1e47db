"""Search in the review app: a search box whose hits become a coding queue, with the hits marked, and similar passages.

`/search` lists the hits of a query (keyword in context, hits marked) with the
same filters as `lhl search`; «Code these in a row» opens `/search/code`, which
walks the hits one by one with the usual keys and saves through `/api/decide`, so
every check of the coding screen applies.  `l` lists the passages most like the
one on screen (`/api/similar`).
"""

from __future__ import annotations

import functools
import json
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..errors import LhlError, MalformedDecision, UnknownPassage, WrongToken
from ..nlp import PASSAGE_CODES
from ..search import find, similar
from ..store import Store
from .auth import gate
from .state import ReviewState

QUEUE_LIMIT = 500
LIST_LIMIT = 100
FILTER_FIELDS = ("county", "kommune", "doc_type", "since", "until", "code", "coded_by")


def marked(text: str, spans: list[tuple[int, int]]) -> Markup:
    """The text as HTML with each hit in <mark class="hit">."""
    out, at = [], 0
    for start, end in spans:
        out.append(escape(text[at:start]) + Markup('<mark class="hit">') + escape(text[start:end]) + Markup("</mark>"))
        at = end
    out.append(escape(text[at:]))
    return Markup("").join(out)


def _kwic_html(hit: find.Hit) -> dict[str, Any]:
    return {
        **hit.row(),
        "left": hit.left,
        "hit_html": marked(hit.hit, [(0, len(hit.hit))] if hit.hit else []),
        "right": hit.right,
    }


def _filters(params: Any) -> tuple[find.Filters, dict[str, str]]:
    given = {k: str(params.get(k)).strip() for k in FILTER_FIELDS if str(params.get(k) or "").strip()}
    return find.Filters(**given), given


def search_page(state: ReviewState, request: Request) -> Response:
    coder = gate(state.config, request)
    if isinstance(coder, Response):
        return coder
    params = request.query_params
    query = (params.get("q") or "").strip()
    flt, given = _filters(params)
    like = params.get("like")
    context: dict[str, Any] = {
        "coder": coder,
        "q": query,
        "given": given,
        "codes_filter": PASSAGE_CODES,
        "hits": [],
        "total": None,
        "error": None,
        "like": None,
    }
    store = state.store()
    try:
        if like:
            if not like.isdigit():
                raise MalformedDecision(f"«like» must be a passage id, not {like[:20]!r}.")
            found = similar.like(store, int(like), limit=20, filters=flt)
            context.update(
                like=int(like), hits=[{**_kwic_html(s.hit), "score": s.score} for s in found], total=len(found)
            )
        elif query:
            result = find.search(store, query, flt, limit=LIST_LIMIT)
            context.update(
                hits=[_kwic_html(h) for h in result.hits],
                total=result.total,
                unindexed=result.unindexed,
                code_url="/search/code?" + urlencode({"q": query, **given}),
            )
    except LhlError as exc:  # a query the coder can fix: show it on the page, keep what they typed
        context["error"] = str(exc)
    return state.page("search.html", **context)


def search_code_page(state: ReviewState, request: Request) -> Response:
    coder = gate(state.config, request)
    if isinstance(coder, Response):
        return coder
    query = (request.query_params.get("q") or "").strip()
    flt, given = _filters(request.query_params)
    store = state.store()
    try:
        result = find.search(store, query, flt, limit=QUEUE_LIMIT, context=0, count=False)
    except LhlError as exc:
        return state.page(
            "search.html",
            coder=coder,
            q=query,
            given=given,
            codes_filter=PASSAGE_CODES,
            hits=[],
            total=None,
            error=str(exc),
            like=None,
        )
    ids = [h.passage_id for h in result.hits]
    decided = _decided_by(store, coder, ids)
    start = next((i for i, pid in enumerate(ids) if pid not in decided), 0)
    plan = [{"id": h.passage_id, "spans": h.spans} for h in result.hits]
    return state.page(
        "search_code.html",
        coder=coder,
        q=query,
        given=given,
        plan_json=json.dumps(plan),
        start=start,
        n=len(ids),
        n_decided=len(decided),
        back_url="/search?" + urlencode({"q": query, **given}),
    )


def api_similar(state: ReviewState, request: Request) -> Response:
    if isinstance(gate(state.config, request), Response):
        raise WrongToken("Sign in first (token or coder name missing).")
    passage = request.query_params.get("p") or ""
    if not passage.isdigit():
        raise UnknownPassage(f"There is no passage {passage[:20]!r}.")
    found = similar.like(state.store(), int(passage), limit=10)
    return JSONResponse(
        {
            "passages": [
                {
                    "passage_id": s.passage_id,
                    "score": s.score,
                    "kommune": s.hit.kommune,
                    "date": s.hit.date,
                    "document": s.hit.title,
                    "left": s.hit.left,
                    "hit": s.hit.hit,
                    "right": s.hit.right,
                    "shared": s.shared,
                }
                for s in found
            ]
        }
    )


def routes(state: ReviewState) -> list[BaseRoute]:
    return [
        Route("/search", functools.partial(search_page, state)),
        Route("/search/code", functools.partial(search_code_page, state)),
        Route("/api/similar", functools.partial(api_similar, state)),
    ]


def _decided_by(store: Store, coder: str, ids: list[int | None]) -> set[int]:
    """Passages of the queue the coder already has a row for (the queue starts at the first one without)."""
    found: set[int] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        found.update(
            r[0]
            for r in store.db.execute(
                f"SELECT DISTINCT passage_id FROM codings WHERE coder = ? AND passage_id IN ({','.join('?' * len(chunk))})",
                [coder, *chunk],
            )
        )
    return found
