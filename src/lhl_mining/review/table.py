"""The kommune table in `lhl review`: coders confirm or correct each cell with its evidence shown.

`/table` lists every kommune in scope with its cells; `/table/{knr}` shows each
cell's value, confidence, reason and evidence (a decision opens its text and
the case's papers) with a form to set the value.  A coder's value is stored in
`table_cell_codings` and replaces the machine's in every export; choosing
«maskinens verdi» stores a NULL that reverts the cell.
"""

from __future__ import annotations

import functools
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..errors import MalformedDecision
from ..export.summary import CELL_COLUMNS, HEADINGS, PLAN_LABELS, VEDTAK_LABELS, KommuneSummary, build_summary
from ..registry import resolve_kommune
from ..store import decisions as sql
from .auth import check_write, gate
from .state import ReviewState

MAX_MEMO = 2000


def _summaries(store: Any) -> list[KommuneSummary]:
    return build_summary(store, "final", required=False)


def cell_choices(column: str) -> dict[str, str]:
    return VEDTAK_LABELS if column == "vedtak_lhl" else PLAN_LABELS


def save_cell(store: Any, *, knr: str, column: str, value: str | None, coder: str, memo: str | None) -> dict[str, Any]:
    """Validate and store one coder value; returns the kommune's cell as it now stands."""
    if column not in CELL_COLUMNS:
        raise MalformedDecision(
            f"Unknown table column {column!r}; choose one of {', '.join(CELL_COLUMNS)}. Nothing was saved."
        )
    if value is not None and value not in cell_choices(column):
        raise MalformedDecision(
            f"{HEADINGS[column]} takes {', '.join(cell_choices(column))}, not {value!r}. Nothing was saved."
        )
    summary = next((s for s in _summaries(store) if s.knr == knr), None)
    if summary is None:
        raise MalformedDecision(f"Kommune {knr} is not in this project's table. Nothing was saved.")
    machine = summary.machine_cells.get(column, summary.cells[column])
    sql.add_cell_coding(
        store,
        knr=knr,
        column=column,
        value=value,
        machine_value=machine,
        coder=coder,
        memo=(memo or "").strip()[:MAX_MEMO] or None,
    )
    after = next(s for s in _summaries(store) if s.knr == knr)
    return {
        "knr": knr,
        "column": column,
        "value": after.cells[column],
        "machine_value": machine,
        "confidence": after.confidence[column],
        "coder": after.coded_by.get(column),
    }


def table_page(state: ReviewState, request: Request) -> Response:
    coder = gate(state.config, request)
    if isinstance(coder, Response):
        return coder
    return state.page(
        "table.html",
        coder=coder,
        active="table",
        summaries=_summaries(state.store()),
        columns=CELL_COLUMNS,
        headings=HEADINGS,
    )


def kommune_page(state: ReviewState, request: Request) -> Response:
    coder = gate(state.config, request)
    if isinstance(coder, Response):
        return coder
    knr = request.path_params["knr"]
    store = state.store()
    summary = next((s for s in _summaries(store) if s.knr == knr), None)
    if summary is None:
        raise MalformedDecision(f"Kommune {knr} is not in this project's table.")
    return state.page(
        "table_kommune.html",
        coder=coder,
        active="table",
        s=summary,
        columns=CELL_COLUMNS,
        headings=HEADINGS,
        choices={c: cell_choices(c) for c in CELL_COLUMNS},
        history=sql.cell_history(store, knr),
    )


async def api_cell(state: ReviewState, request: Request) -> Response:
    coder = check_write(state.config, request)
    form = await request.form()
    knr = resolve_kommune(str(form.get("knr") or "")).knr if form.get("knr") else ""
    value = str(form.get("value") or "")
    saved = save_cell(
        state.store(),
        knr=knr,
        column=str(form.get("column") or ""),
        value=None if value in ("", "machine") else value,
        coder=coder,
        memo=memo if isinstance(memo := form.get("memo"), str) else None,  # never an uploaded file
    )
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"saved": saved})
    return RedirectResponse(f"/table/{knr}#{saved['column']}", 303)


def routes(state: ReviewState) -> list[BaseRoute]:
    return [
        Route("/table", functools.partial(table_page, state)),
        Route("/table/{knr}", functools.partial(kommune_page, state)),
        Route("/api/table/cell", functools.partial(api_cell, state), methods=["POST"]),
    ]
