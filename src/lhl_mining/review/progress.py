"""The progress screen: decisions per coder, open assignments, the adjudication tally and agreement per code."""

from __future__ import annotations

import functools
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..store import review as sql
from .adjudicate import adjudication_items, tally
from .auth import gate
from .state import ReviewState


def progress_page(state: ReviewState, request: Request) -> Response:
    coder = gate(state.config, request)
    if isinstance(coder, Response):
        return coder
    store = state.store()
    state.index.sync(store)
    items = adjudication_items(store)
    visible = adjudication_items(store, viewer=coder)  # tallies and agreement never count the viewer's blind sample
    return state.page(
        "progress.html",
        coder=coder,
        rows=sql.coder_counts(store, viewer=coder),
        assigned=sql.assignment_counts(store),
        counts=state.index.counts(coder),
        open_by_coder={c: sum(1 for i in items if c in i["waiting"]) for c in sql.assignment_counts(store)},
        tally=tally(visible),
        agreement=_agreement_by_code(visible),
    )


def _agreement_by_code(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Percent agreement per code over passages with two or more decisions (α/κ are `lhl reliability`'s job)."""
    pairs = [list(i["codes"].values()) for i in items if len(i["codes"]) >= 2]
    rows = []
    fields: list[tuple[str, Any]] = [("reform", lambda c: c.reform)]
    fields += [(f"area.{a}", lambda c, a=a: a in c.areas) for a in sql.AREAS]
    fields += [("framing", lambda c: c.framing)]
    for name, get in fields:
        agree = sum(1 for codes in pairs if len({get(c) for c in codes}) == 1)
        rows.append(
            {
                "code": name,
                "units": len(pairs),
                "agree": agree,
                "percent": round(100 * agree / len(pairs), 1) if pairs else None,
            }
        )
    return rows


def routes(state: ReviewState) -> list[BaseRoute]:
    return [Route("/progress", functools.partial(progress_page, state))]
