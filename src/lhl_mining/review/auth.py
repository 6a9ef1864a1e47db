"""Who is asking the review app, and the sign-in page.

On a local bind a coder is who they say they are (cookie, header, or `--coder`).
On a non-local bind a coder is who they proved to be: the session cookie signed
at sign-in, or (scripts) their name with their own coder token in headers.  Every
write also refuses requests from pages another site served.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import re
import secrets
from urllib.parse import urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..errors import ForeignOrigin, MalformedDecision, ReviewError, WrongToken
from ..store import review as sql
from .state import ReviewConfig, ReviewState

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


def _proven_coder(config: ReviewConfig, request: Request) -> str | None:
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


def token_ok(config: ReviewConfig, request: Request) -> bool:
    if not config.token:
        return True
    if config.needs_proof:
        return _proven_coder(config, request) is not None
    given = request.cookies.get(COOKIE_TOKEN) or request.headers.get("x-lhl-token") or ""
    return secrets.compare_digest(given.encode(), config.token.encode())


def coder_of(config: ReviewConfig, request: Request) -> str | None:
    if config.needs_proof:
        return _proven_coder(config, request)
    name = request.headers.get("x-lhl-coder") or request.cookies.get(COOKIE_CODER) or config.default_coder
    return name if name and CODER_NAME.match(name) else None


def check_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host"):  # "null" (sandboxed pages) too
        raise ForeignOrigin(
            f"Refused a request from {origin}: only pages of this review server may sign in or save codes."
        )


def check_write(config: ReviewConfig, request: Request) -> str:
    """Refuse writes without the token, from other sites, or without a coder name."""
    if not token_ok(config, request):
        raise WrongToken("This review server needs its access token; enter it on the sign-in page. Nothing was saved.")
    check_origin(request)
    coder = coder_of(config, request)
    if coder is None:
        raise MalformedDecision("No coder name: sign in on /login first. Nothing was saved.")
    return coder


def gate(config: ReviewConfig, request: Request) -> str | Response:
    """For pages: the coder, or a redirect to the sign-in page."""
    if not token_ok(config, request) or (coder := coder_of(config, request)) is None:
        return RedirectResponse("/login?" + urlencode({"next": str(request.url.path) + "?" + request.url.query}), 303)
    return coder


# ------------------------------------------------------------ the sign-in page
def login_form(state: ReviewState, request: Request) -> Response:
    return state.page(
        "login.html",
        next=request.query_params.get("next") or "/code",
        need_token=bool(state.config.token),
        coder=coder_of(state.config, request) or "",
        error=None,
    )


def _login_token_ok(state: ReviewState, name: str, given: str) -> bool:
    """The server's token; on a non-local bind a coder already in the database needs their own coder token."""
    config = state.config
    if not config.token:
        return True
    if (
        config.needs_proof
        and CODER_NAME.match(name)
        and secrets.compare_digest(given.encode(), coder_token(config.token, name).encode())
    ):
        return True
    if not secrets.compare_digest(given.encode(), config.token.encode()):
        return False
    return not config.needs_proof or name not in sql.known_coders(state.store())


async def login_submit(state: ReviewState, request: Request) -> Response:
    config = state.config
    check_origin(request)  # no login CSRF: another site cannot sign a browser in under its own name
    form = await request.form()
    name = str(form.get("coder") or "").strip()
    given = str(form.get("token") or "")
    target = str(form.get("next") or "/code")
    if not target.startswith("/") or target.startswith("//"):
        target = "/code"
    if not await run_in_threadpool(_login_token_ok, state, name, given):
        err: ReviewError = WrongToken(
            "Wrong access token for this coder; ask whoever started `lhl review` for your coder token."
        )
        return state.page(
            "login.html", status_code=err.http_status, next=target, need_token=True, coder=name, error=str(err)
        )
    if not CODER_NAME.match(name):
        err = MalformedDecision("Enter your coder name (letters, digits, space, . @ - ; at most 40 characters).")
        return state.page(
            "login.html",
            status_code=err.http_status,
            next=target,
            need_token=bool(config.token),
            coder=name,
            error=str(err),
        )
    response = RedirectResponse(target, 303)
    if config.needs_proof:
        assert config.token
        response.set_cookie(
            COOKIE_SESSION, _session_value(config.token, name), max_age=30 * 86400, httponly=True, samesite="strict"
        )
        return response
    response.set_cookie(COOKIE_CODER, name, max_age=365 * 86400, httponly=True, samesite="strict")
    if config.token:
        response.set_cookie(COOKIE_TOKEN, config.token, max_age=365 * 86400, httponly=True, samesite="strict")
    return response


def routes(state: ReviewState) -> list[BaseRoute]:
    return [
        Route("/login", functools.partial(login_form, state), methods=["GET"]),
        Route("/login", functools.partial(login_submit, state), methods=["POST"]),
    ]
