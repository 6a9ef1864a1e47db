"""The adjudication screen: passages coded by two or more coders side by side, and the final code.

`/adjudicate` lists them by status (disagree, unanimous, adjudicated, waiting) and shows
one; `/api/adjudicate` records its final code, `/api/adjudicate/undo` takes it back and
`/api/adjudicate/unanimous` adopts every unanimous one.  A coder never sees, nor
adjudicates, their own blind double-coding sample.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..errors import OwnBlindPassage, UnknownPassage
from ..store import Store
from ..store import review as sql
from .auth import check_write, gate
from .coding import source_href
from .fields import codes_from_form, int_or_none, required_int, row_json
from .render import highlight
from .state import ReviewState

STATUSES = ("disagree", "unanimous", "adjudicated", "waiting")


def adjudication_items(store: Store, viewer: str | None = None) -> list[dict[str, Any]]:
    """Passages coded by two or more coders, with their status; a viewer never gets their own blind sample."""
    items = []
    for item in sql.multi_coded(store):
        if viewer is not None and viewer in item["assigned"]:
            continue
        decided = {c: r for c, r in item["coders"].items() if r["action"] in sql.DECISIONS}
        if not item["assigned"] and len(decided) < 2:
            continue  # its decisions were undone: no longer coded twice, nobody to wait for
        codes = {c: sql.codes_of_row(r) for c, r in decided.items()}
        waiting = [c for c in item["assigned"] if c not in decided]
        distinct = set(codes.values())
        if len(decided) < 2:
            status = "waiting"
        elif item["final"] is not None:
            status = "adjudicated"
        elif len(distinct) == 1:
            status = "unanimous"
        else:
            status = "disagree"
        items.append({**item, "decided": decided, "codes": codes, "waiting": waiting, "status": status})
    return items


def tally(items: list[dict[str, Any]]) -> dict[str, int]:
    """How many of the items have each status."""
    return {s: sum(1 for i in items if i["status"] == s) for s in STATUSES}


def adjudicate_page(state: ReviewState, request: Request) -> Response:
    coder = gate(state.config, request)
    if isinstance(coder, Response):
        return coder
    store = state.store()
    show = request.query_params.get("show") or "disagree"
    items = adjudication_items(store, viewer=coder)
    own_sample = len(sql.double_sample_of(store, coder))
    listed = [i for i in items if show == "all" or i["status"] == show]
    requested = int_or_none(request.query_params.get("p"))
    current = next((i for i in listed if i["passage_id"] == requested), None) or next(iter(listed), None)
    if requested is not None and current is None:
        current = next((i for i in items if i["passage_id"] == requested), None)
    detail = _detail(store, current, coder) if current else None
    at = listed.index(current) if current in listed else 0
    window = listed[max(0, at - 100) : at + 200]  # the sidebar around the current passage, not thousands of rows
    return state.page(
        "adjudicate.html",
        coder=coder,
        items=listed,
        window=window,
        tally=tally(items),
        show=show,
        current=current,
        detail=detail,
        own_sample=own_sample,
    )


def _detail(store: Store, item: dict[str, Any], coder: str) -> dict[str, Any]:
    """The passage, each coder's codes, the machine's, and the final code the keys start from."""
    context = sql.passage_context(store, item["passage_id"])
    if context is None:
        raise UnknownPassage(f"There is no passage {item['passage_id']} (it may have been re-ingested).")
    suggestions = sql.current_suggestions(store, item["passage_id"])
    suggested = sql.suggested_codes(suggestions)
    coders = sorted(item["decided"])
    codes = [item["codes"][c] for c in coders]
    final = (sql.codes_of_row(item["final"]) if item["final"] else None) or _proposal(codes, suggested)
    ui_state = {
        "passage_id": item["passage_id"],
        "base": sql.latest_final_row_id(store, item["passage_id"]),
        "codes": final.as_dict(),
        "columns": [c.as_dict() for c in codes],
        "final_id": item["final"]["id"] if item["final"] and item["final"]["coder"] == coder else 0,
    }
    evidence = [e for s in suggestions for e in s["evidence"]]
    return {
        "p": context,
        "text_html": highlight(context["text"], evidence),
        "coders": coders,
        "codes": codes,
        "rows": item["decided"],
        "suggested": suggested,
        "final": final,
        "disputed": _disputed(codes),
        "state_json": json.dumps(ui_state, ensure_ascii=False),
        "source_href": source_href(context),
    }


def _proposal(codes: list[sql.Codes], suggested: sql.Codes | None) -> sql.Codes:
    """What the final code starts as: each field the coders agree on, else the first coder's value."""
    first = codes[0] if codes else (suggested or sql.Codes(False, (), "ingen"))
    return sql.Codes.of(first.reform, first.areas, first.framing)


def _disputed(codes: list[sql.Codes]) -> set[str]:
    """Fields on which the coders differ: 'reform', 'framing' and area names."""
    out = set()
    if len({c.reform for c in codes}) > 1:
        out.add("reform")
    if len({c.framing for c in codes}) > 1:
        out.add("framing")
    for area in sql.AREAS:
        if len({area in c.areas for c in codes}) > 1:
            out.add(area)
    return out


async def api_adjudicate(state: ReviewState, request: Request) -> Response:
    coder = check_write(state.config, request)
    form = await request.form()
    passage_id = required_int(form, "passage_id")
    base = required_int(form, "base")
    codes = codes_from_form(form)
    memo = str(form.get("memo") or "").strip()[:2000]

    def work() -> dict[str, Any]:
        store = state.store()
        if sql.is_blind(store, passage_id, coder):
            raise OwnBlindPassage(
                f"Passage {passage_id} is in {coder}'s own blind double-coding sample: another coder adjudicates it. "
                "Nothing was saved."
            )
        return sql.record_adjudication(
            store, passage_id=passage_id, adjudicator=coder, codes=codes, memo=memo, base_id=base
        )

    return JSONResponse({"saved": row_json(await run_in_threadpool(work))})


async def api_adjudicate_undo(state: ReviewState, request: Request) -> Response:
    coder = check_write(state.config, request)
    form = await request.form()
    target = required_int(form, "target")
    row = await run_in_threadpool(lambda: sql.undo_adjudication(state.store(), adjudicator=coder, target_id=target))
    return JSONResponse({"saved": row_json(row)})


async def api_unanimous(state: ReviewState, request: Request) -> Response:
    coder = check_write(state.config, request)

    def work() -> int:
        store = state.store()
        agreed = [
            (i["passage_id"], next(iter(i["codes"].values())), sql.latest_final_row_id(store, i["passage_id"]))
            for i in adjudication_items(store, viewer=coder)
            if i["status"] == "unanimous"
        ]
        return sql.record_unanimous(store, adjudicator=coder, passages=agreed)

    return JSONResponse({"written": await run_in_threadpool(work)})


def routes(state: ReviewState) -> list[BaseRoute]:
    return [
        Route("/adjudicate", functools.partial(adjudicate_page, state)),
        Route("/api/adjudicate", functools.partial(api_adjudicate, state), methods=["POST"]),
        Route("/api/adjudicate/undo", functools.partial(api_adjudicate_undo, state), methods=["POST"]),
        Route("/api/adjudicate/unanimous", functools.partial(api_unanimous, state), methods=["POST"]),
    ]
