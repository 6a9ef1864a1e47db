"""The review app: server-rendered pages, small JSON endpoints for the keyboard loop.

This module only assembles it: each screen's handlers live in their own module
(auth, coding, adjudicate, progress, search, table) and take the `ReviewState`
that `create_app` binds to them.  Each request uses its own thread's database
connection; a refusal is a numbered error, as JSON under /api/ and as a page elsewhere.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ..errors import LhlError, ReviewError
from ..store import database_error
from . import adjudicate, auth, coding, progress, search, table
from .state import HERE, ReviewConfig, ReviewState


def create_app(config: ReviewConfig) -> Starlette:
    """The review app for one database; `config.token` (if set) must be entered once per browser."""
    state = ReviewState(config)
    middleware = []
    if config.local_only:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=list(auth.LOCAL_HOSTS)))
    middleware.append(Middleware(_ServerTiming))
    app = Starlette(
        routes=[
            *coding.routes(state),
            *auth.routes(state),
            *adjudicate.routes(state),
            *progress.routes(state),
            *search.routes(state),
            *table.routes(state),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        middleware=middleware,
        exception_handlers={LhlError: partial(_on_error, state), sqlite3.Error: partial(_on_error, state)},
        lifespan=_closing(state),
    )
    app.state.review = state
    return app


async def _on_error(state: ReviewState, request: Request, exc: Exception) -> Response:
    if isinstance(exc, sqlite3.Error):  # locked past the wait, damaged, disk full: a numbered answer, nothing saved
        exc = database_error(exc, state.config.db_path)
        exc.message += " Nothing was saved."
    assert isinstance(exc, LhlError)
    status = exc.http_status if isinstance(exc, ReviewError) else 500
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": exc.code, "message": exc.message}, status_code=status)
    return state.page("error.html", status_code=status, error=str(exc))


def _closing(state: ReviewState) -> Any:
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
