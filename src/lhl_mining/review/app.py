"""The review web app: server-rendered pages, small JSON endpoints for the keyboard loop.

Each request uses its own thread's database connection; every write goes through
`lhl_mining.store.review`, one short transaction that refuses (4xx, nothing written)
when what the coder saw is no longer true.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import (
    ForeignOrigin,
    LhlError,
    MalformedDecision,
    OwnBlindPassage,
    ReviewError,
    UnknownPassage,
    WrongToken,
)
from ..store import Store, database_error
from ..store import review as sql
from .queue import LEASE_SECONDS, QUEUES, QueueFilter, QueueIndex
from .render import AREA_KEYS, AREA_TITLES, FRAMING_KEYS, code_class, code_label, highlight
from .search import routes as search_routes
from .table import routes as table_routes

HERE = Path(__file__).resolve().parent  # real files: a strict editable install links them, Starlette serves no links
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
CODER_NAME = re.compile(r"^[\w][\w .@-]{0,39}$")
COOKIE_CODER = "lhl_coder"
COOKIE_TOKEN = "lhl_token"
COOKIE_SESSION = "lhl_session"


def coder_token(master: str, coder: str) -> str:
    """The token that proves `coder` to a non-local server started with `master` (`lhl review` prints it)."""
    digest = hmac.new(master.encode(), f"coder:{coder}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:15]).decode()


def _session_value(master: str, coder: str) -> str:
    name = base64.urlsafe_b64encode(coder.encode()).decode()
    return name + "." + hmac.new(master.encode(), f"session:{coder}".encode(), hashlib.sha256).hexdigest()


def _session_coder(master: str, value: str) -> str | None:
    """The coder a session cookie was signed for, or None when it is forged or from another server's token."""
    name, _, _ = value.partition(".")
    try:
        coder = base64.urlsafe_b64decode(name.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    ok = CODER_NAME.match(coder) and secrets.compare_digest(value.encode(), _session_value(master, coder).encode())
    return coder if ok else None


@dataclass
class ReviewConfig:
    """How the app was started: database, default coder, and the token a non-local bind requires."""

    db_path: Path
    default_coder: str | None = None
    token: str | None = None
    local_only: bool = True


@dataclass
class _State:
    config: ReviewConfig
    index: QueueIndex = field(default_factory=QueueIndex)
    local: threading.local = field(default_factory=threading.local)
    stores: list[Store] = field(default_factory=list)
    stores_lock: threading.Lock = field(default_factory=threading.Lock)

    def store(self) -> Store:
        store = getattr(self.local, "store", None)
        if store is None:
            store = Store.open(self.config.db_path)
            self.local.store = store
            with self.stores_lock:
                self.stores.append(store)
        return store

    def close(self) -> None:
        with self.stores_lock:
            for store in self.stores:
                store.close()
            self.stores.clear()


def _templates() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    env.globals.update(
        AREA_KEYS=AREA_KEYS,
        AREA_TITLES=AREA_TITLES,
        FRAMING_KEYS=FRAMING_KEYS,
        AREAS=sql.AREAS,
        FRAMINGS=sql.FRAMINGS,
        QUEUES=QUEUES,
        code_class=code_class,
        code_label=code_label,
    )
    env.filters["codes_summary"] = _codes_summary
    env.filters["short_time"] = lambda ts: (ts or "")[11:16]
    return env


def _codes_summary(row: dict[str, Any]) -> str:
    codes = sql.codes_of_row(row)
    if codes is None:
        return ""
    parts = (
        (["reform"] if codes.reform else []) + list(codes.areas) + ([codes.framing] if codes.framing != "ingen" else [])
    )
    return ", ".join(parts) or "no codes"


def create_app(config: ReviewConfig) -> Starlette:
    """The review app for one database; `config.token` (if set) must be entered once per browser."""
    state = _State(config)
    env = _templates()

    def page(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**context), status_code=status_code)

    def fragment(name: str, **context: Any) -> str:
        return env.get_template(name).render(**context)

    # ------------------------------------------------------------ who is asking
    # On a non-local bind a coder is who they proved to be: the session cookie signed at sign-in, or (scripts)
    # their name with their own coder token in headers.  A header or cookie merely naming a coder counts for nothing.
    proven = bool(config.token) and not config.local_only

    def proven_coder(request: Request) -> str | None:
        assert config.token
        coder = _session_coder(config.token, request.cookies.get(COOKIE_SESSION) or "")
        if coder:
            return coder
        name, given = request.headers.get("x-lhl-coder") or "", request.headers.get("x-lhl-token") or ""
        if (
            name
            and CODER_NAME.match(name)
            and secrets.compare_digest(given.encode(), coder_token(config.token, name).encode())
        ):
            return name
        return None

    def token_ok(request: Request) -> bool:
        if not config.token:
            return True
        if proven:
            return proven_coder(request) is not None
        given = request.cookies.get(COOKIE_TOKEN) or request.headers.get("x-lhl-token") or ""
        return secrets.compare_digest(given.encode(), config.token.encode())

    def coder_of(request: Request) -> str | None:
        if proven:
            return proven_coder(request)
        name = request.headers.get("x-lhl-coder") or request.cookies.get(COOKIE_CODER) or config.default_coder
        return name if name and CODER_NAME.match(name) else None

    def check_origin(request: Request) -> None:
        origin = request.headers.get("origin")
        if origin and urlsplit(origin).netloc != request.headers.get("host"):  # "null" (sandboxed pages) too
            raise ForeignOrigin(
                f"Refused a request from {origin}: only pages of this review server may sign in or save codes."
            )

    def check_write(request: Request) -> str:
        """Refuse writes without the token, from other sites, or without a coder name."""
        if not token_ok(request):
            raise WrongToken(
                "This review server needs its access token; enter it on the sign-in page. Nothing was saved."
            )
        check_origin(request)
        coder = coder_of(request)
        if coder is None:
            raise MalformedDecision("No coder name: sign in on /login first. Nothing was saved.")
        return coder

    def gate(request: Request) -> str | Response:
        """For pages: the coder, or a redirect to the sign-in page."""
        if not token_ok(request) or (coder := coder_of(request)) is None:
            return RedirectResponse(
                "/login?" + urlencode({"next": str(request.url.path) + "?" + request.url.query}), 303
            )
        return coder

    # ------------------------------------------------------------ building a passage screen
    def filter_of(params: Any) -> QueueFilter:
        queue = params.get("queue") or "todo"
        if queue not in QUEUES:
            raise MalformedDecision(f"Unknown queue {queue!r}; choose one of {', '.join(QUEUES)}.")
        return QueueFilter(queue, params.get("knr") or "", params.get("doc_type") or "", params.get("code") or "")

    def passage_screen(store: Store, passage_id: int | None, coder: str) -> dict[str, Any]:
        """Everything the coding screen shows for one passage, and the state its keys start from."""
        if passage_id is None:
            return {"html": fragment("_done.html"), "state": None}
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
        html = fragment(
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
            source_href=_source_href(context),
        )
        return {"html": html, "state": ui_state}

    def queue_screen(store: Store, coder: str, flt: QueueFilter, after: int | None = None) -> dict[str, Any]:
        """The next passage of the queue; if it has vanished (re-ingested document), reload the queues once."""

        def claim(passage_id: int, who: str, force: bool = False) -> tuple[str, float] | None:
            return sql.claim_lease(store, passage_id, who, LEASE_SECONDS, force=force)

        try:
            return passage_screen(store, state.index.next_passage(coder, flt, after=after, claim=claim), coder)
        except UnknownPassage:
            state.index.rebuild(store)
            state.index.sync(store)
            return passage_screen(store, state.index.next_passage(coder, flt, after=after, claim=claim), coder)

    def extras(store: Store, coder: str) -> dict[str, Any]:
        return {
            "history_html": fragment(
                "_history.html",
                history=sql.recent_rows(store, coder),
                undo_target=(sql.latest_undoable(store, coder) or {}).get("id", ""),
            ),
            "counts": state.index.counts(coder),
        }

    # ------------------------------------------------------------ pages
    def home(request: Request) -> Response:
        return RedirectResponse("/code", 303)

    def login_form(request: Request) -> Response:
        return page(
            "login.html",
            next=request.query_params.get("next") or "/code",
            need_token=bool(config.token),
            coder=coder_of(request) or "",
            error=None,
        )

    def login_token_ok(name: str, given: str) -> bool:
        """The server's token; on a non-local bind a coder already in the database needs their own coder token."""
        if not config.token:
            return True
        if (
            proven
            and CODER_NAME.match(name)
            and secrets.compare_digest(given.encode(), coder_token(config.token, name).encode())
        ):
            return True
        if not secrets.compare_digest(given.encode(), config.token.encode()):
            return False
        return not proven or name not in sql.known_coders(state.store())

    async def login_submit(request: Request) -> Response:
        check_origin(request)  # no login CSRF: another site cannot sign a browser in under its own name
        form = await request.form()
        name = str(form.get("coder") or "").strip()
        given = str(form.get("token") or "")
        target = str(form.get("next") or "/code")
        if not target.startswith("/") or target.startswith("//"):
            target = "/code"
        if not await _in_thread(lambda: login_token_ok(name, given)):
            err: ReviewError = WrongToken(
                "Wrong access token for this coder; ask whoever started `lhl review` for your coder token."
            )
            return page(
                "login.html", status_code=err.http_status, next=target, need_token=True, coder=name, error=str(err)
            )
        if not CODER_NAME.match(name):
            err = MalformedDecision("Enter your coder name (letters, digits, space, . @ - ; at most 40 characters).")
            return page(
                "login.html",
                status_code=err.http_status,
                next=target,
                need_token=bool(config.token),
                coder=name,
                error=str(err),
            )
        response = RedirectResponse(target, 303)
        if proven:
            assert config.token
            response.set_cookie(
                COOKIE_SESSION, _session_value(config.token, name), max_age=30 * 86400, httponly=True, samesite="strict"
            )
            return response
        response.set_cookie(COOKIE_CODER, name, max_age=365 * 86400, httponly=True, samesite="strict")
        if config.token:
            response.set_cookie(COOKIE_TOKEN, config.token, max_age=365 * 86400, httponly=True, samesite="strict")
        return response

    def code_page(request: Request) -> Response:
        coder = gate(request)
        if isinstance(coder, Response):
            return coder
        store = state.store()
        state.index.sync(store)
        flt = filter_of(request.query_params)
        requested = _int_or_none(request.query_params.get("p"))
        screen = passage_screen(store, requested, coder) if requested is not None else queue_screen(store, coder, flt)
        return page(
            "code.html",
            coder=coder,
            flt=flt,
            screen=screen,
            facets=sql.facets(store),
            codes_filter=["reform", *(f"area.{a}" for a in sql.AREAS), "framing.samfunn", "framing.sektor"],
            remaining=state.index.remaining(coder, flt),
            **extras(store, coder),
        )

    # ------------------------------------------------------------ the keyboard loop (JSON)
    def api_passage(request: Request) -> Response:
        coder = gate(request)
        if isinstance(coder, Response):
            raise WrongToken("Sign in first (token or coder name missing).")
        store = state.store()
        state.index.sync(store)
        flt = filter_of(request.query_params)
        requested = _int_or_none(request.query_params.get("p"))
        if requested is None:
            screen = queue_screen(store, coder, flt, after=_int_or_none(request.query_params.get("after")))
        else:
            screen = passage_screen(store, requested, coder)
        return JSONResponse({"passage": screen, **extras(store, coder)})

    async def api_decide(request: Request) -> Response:
        coder = check_write(request)
        form = await request.form()
        passage_id = _required_int(form, "passage_id")
        kind = str(form.get("action") or "")
        shown, base = _required_int(form, "shown"), _required_int(form, "base")
        memo = str(form.get("memo") or "").strip()[:2000]
        flt = filter_of(form)
        then = str(form.get("then") or "queue")
        then_id = None if then == "queue" else _int_or_none(then)
        if then != "queue" and then_id is None:
            raise MalformedDecision(
                f"Field 'then' must be 'queue' or a passage id, not {then[:40]!r}; nothing was saved."
            )
        if kind == "decide":
            _codes_from_form(form)  # refuse malformed codes before anything is read or written
        return await _in_thread(lambda: decide(coder, passage_id, kind, form, shown, base, memo, flt, then_id))

    def decide(
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
            codes = _codes_from_form(form)
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
            screen = queue_screen(store, coder, flt, after=passage_id)
        else:
            screen = passage_screen(store, then_id, coder)
        body = {"saved": _row_json(row), "passage": screen, **extras(store, coder)}
        return JSONResponse(body)

    async def api_undo(request: Request) -> Response:
        coder = check_write(request)
        form = await request.form()
        target = _required_int(form, "target")

        def work() -> Response:
            store = state.store()
            row = sql.record_undo(store, coder=coder, target_id=target)
            state.index.sync(store)
            body = {
                "saved": _row_json(row),
                "passage": passage_screen(store, row["passage_id"], coder),
                **extras(store, coder),
            }
            return JSONResponse(body)

        return await _in_thread(work)

    def api_context(request: Request) -> Response:
        if not token_ok(request):
            raise WrongToken("Sign in first.")
        passage_id = _int_or_none(request.query_params.get("p"))
        store = state.store()
        if passage_id is None or sql.passage_context(store, passage_id) is None:
            raise UnknownPassage(f"There is no passage {request.query_params.get('p')!r}.")
        html = fragment("_context.html", neighbours=sql.neighbour_passages(store, passage_id))
        return JSONResponse({"html": html})

    def api_remaining(request: Request) -> Response:
        coder = gate(request)
        if isinstance(coder, Response):
            raise WrongToken("Sign in first.")
        store = state.store()
        state.index.sync(store)
        flt = filter_of(request.query_params)
        return JSONResponse({"remaining": state.index.remaining(coder, flt), "counts": state.index.counts(coder)})

    # ------------------------------------------------------------ adjudication
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

    def adjudicate_page(request: Request) -> Response:
        coder = gate(request)
        if isinstance(coder, Response):
            return coder
        store = state.store()
        show = request.query_params.get("show") or "disagree"
        items = adjudication_items(store, viewer=coder)
        own_sample = len(sql.double_sample_of(store, coder))
        tally = {
            s: sum(1 for i in items if i["status"] == s) for s in ("disagree", "unanimous", "adjudicated", "waiting")
        }
        listed = [i for i in items if show == "all" or i["status"] == show]
        requested = _int_or_none(request.query_params.get("p"))
        current = next((i for i in listed if i["passage_id"] == requested), None) or next(iter(listed), None)
        if requested is not None and current is None:
            current = next((i for i in items if i["passage_id"] == requested), None)
        detail = adjudication_detail(store, current, coder) if current else None
        at = listed.index(current) if current in listed else 0
        window = listed[max(0, at - 100) : at + 200]  # the sidebar around the current passage, not thousands of rows
        return page(
            "adjudicate.html",
            coder=coder,
            items=listed,
            window=window,
            tally=tally,
            show=show,
            current=current,
            detail=detail,
            own_sample=own_sample,
        )

    def adjudication_detail(store: Store, item: dict[str, Any], coder: str) -> dict[str, Any]:
        context = sql.passage_context(store, item["passage_id"])
        if context is None:
            raise UnknownPassage(f"There is no passage {item['passage_id']} (it may have been re-ingested).")
        suggestions = sql.current_suggestions(store, item["passage_id"])
        suggested = sql.suggested_codes(suggestions)
        coders = sorted(item["decided"])
        codes = [item["codes"][c] for c in coders]
        final = (sql.codes_of_row(item["final"]) if item["final"] else None) or _proposal(codes, suggested)
        disputed = _disputed(codes)
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
            "disputed": disputed,
            "state_json": json.dumps(ui_state, ensure_ascii=False),
            "source_href": _source_href(context),
        }

    async def api_adjudicate(request: Request) -> Response:
        coder = check_write(request)
        form = await request.form()
        passage_id = _required_int(form, "passage_id")
        base = _required_int(form, "base")
        codes = _codes_from_form(form)
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

        return JSONResponse({"saved": _row_json(await _in_thread(work))})

    async def api_adjudicate_undo(request: Request) -> Response:
        coder = check_write(request)
        form = await request.form()
        target = _required_int(form, "target")
        row = await _in_thread(lambda: sql.undo_adjudication(state.store(), adjudicator=coder, target_id=target))
        return JSONResponse({"saved": _row_json(row)})

    async def api_unanimous(request: Request) -> Response:
        coder = check_write(request)

        def work() -> int:
            store = state.store()
            agreed = [
                (i["passage_id"], next(iter(i["codes"].values())), sql.latest_final_row_id(store, i["passage_id"]))
                for i in adjudication_items(store, viewer=coder)
                if i["status"] == "unanimous"
            ]
            return sql.record_unanimous(store, adjudicator=coder, passages=agreed)

        return JSONResponse({"written": await _in_thread(work)})

    # ------------------------------------------------------------ progress
    def progress_page(request: Request) -> Response:
        coder = gate(request)
        if isinstance(coder, Response):
            return coder
        store = state.store()
        state.index.sync(store)
        items = adjudication_items(store)
        visible = adjudication_items(store, viewer=coder)  # tallies and agreement never count the viewer's blind sample
        return page(
            "progress.html",
            coder=coder,
            rows=sql.coder_counts(store, viewer=coder),
            assigned=sql.assignment_counts(store),
            counts=state.index.counts(coder),
            open_by_coder={c: sum(1 for i in items if c in i["waiting"]) for c in sql.assignment_counts(store)},
            tally={
                s: sum(1 for i in visible if i["status"] == s)
                for s in ("disagree", "unanimous", "adjudicated", "waiting")
            },
            agreement=_agreement_by_code(visible),
        )

    # ------------------------------------------------------------ errors
    async def on_review_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, sqlite3.Error):  # locked past the wait, damaged, disk full: a numbered answer, nothing saved
            exc = database_error(exc, config.db_path)
            exc.message += " Nothing was saved."
        assert isinstance(exc, LhlError)
        status = exc.http_status if isinstance(exc, ReviewError) else 500
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.code, "message": exc.message}, status_code=status)
        return page("error.html", status_code=status, error=str(exc))

    middleware = []
    if config.local_only:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost", "[::1]", "::1"]))
    middleware.append(Middleware(_ServerTiming))
    app = Starlette(
        routes=[
            Route("/", home),
            Route("/login", login_form, methods=["GET"]),
            Route("/login", login_submit, methods=["POST"]),
            Route("/code", code_page),
            Route("/adjudicate", adjudicate_page),
            Route("/progress", progress_page),
            Route("/api/passage", api_passage),
            Route("/api/decide", api_decide, methods=["POST"]),
            Route("/api/undo", api_undo, methods=["POST"]),
            Route("/api/context", api_context),
            Route("/api/remaining", api_remaining),
            Route("/api/adjudicate", api_adjudicate, methods=["POST"]),
            Route("/api/adjudicate/undo", api_adjudicate_undo, methods=["POST"]),
            Route("/api/adjudicate/unanimous", api_unanimous, methods=["POST"]),
            *search_routes(state.store, gate, page),
            *table_routes(state, page, gate, check_write),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        middleware=middleware,
        exception_handlers={LhlError: on_review_error, sqlite3.Error: on_review_error},
        lifespan=_closing(state),
    )
    app.state.review = state
    return app


def _closing(state: _State) -> Any:
    """Lifespan: build the queue index at start; close every thread's database connection at the end."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state.index.sync(state.store())  # build the queues before the first coder waits for them
        yield
        state.close()

    return lifespan


class _ServerTiming:
    """Adds `Server-Timing: app;dur=<ms>` so the benchmark can read the server's own time per request."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                ms = (time.perf_counter() - started) * 1000
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"server-timing", f"app;dur={ms:.2f}".encode())],
                }
            await send(message)

        await self.app(scope, receive, timed_send)


async def _in_thread(work: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(work)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _required_int(form: Any, name: str) -> int:
    value = form.get(name)
    if value is None or value == "":
        raise MalformedDecision(f"The form lacks the field {name!r}; nothing was saved.")
    number = _int_or_none(value)
    if number is None or number < 0:
        raise MalformedDecision(f"Field {name!r} must be a whole number, not {str(value)[:40]!r}; nothing was saved.")
    return number


def _codes_from_form(form: Any) -> sql.Codes:
    """Codes from the fields reform (0/1), areas (comma-separated area names) and framing; strict."""
    reform = form.get("reform")
    if reform not in ("0", "1"):
        raise MalformedDecision(f"Field 'reform' must be 0 or 1, not {str(reform)[:40]!r}; nothing was saved.")
    areas = [a for a in str(form.get("areas") or "").split(",") if a]
    unknown = [a for a in areas if a not in sql.AREAS]
    if unknown:
        raise MalformedDecision(
            f"Unknown focus area {unknown[0][:40]!r}; use {', '.join(sql.AREAS)}. Nothing was saved."
        )
    framing = form.get("framing")
    if framing not in sql.FRAMINGS:
        raise MalformedDecision(
            f"Field 'framing' must be one of {', '.join(sql.FRAMINGS)}, not {str(framing)[:40]!r}; nothing was saved."
        )
    return sql.Codes.of(reform == "1", areas, str(framing))


def _row_json(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        k: row[k] for k in ("id", "passage_id", "coder", "action", "reform", "areas", "framing", "undoes_id", "blind")
    }


def _source_href(context: dict[str, Any]) -> str | None:
    url = context.get("url")
    if not url or not str(url).startswith(("http://", "https://")):
        return None
    if context.get("page_no") and str(url).lower().split("?")[0].endswith(".pdf"):
        return f"{url}#page={context['page_no']}"
    return str(url)


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
