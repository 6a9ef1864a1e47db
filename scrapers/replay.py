"""A local HTTP server that replays portal responses: the offline demo and the tests use it.

Routes map a path with its query string (``/publikum/api/Meetings/12``) and
method to one response, to a sequence of responses served in turn (the last
one repeats) so a test can script «500, then 200», or to a function of the
request (`Request`) for answers that depend on a POST body or a cookie.  Every 200 carries an ETag
and Last-Modified, and a matching conditional request gets 304, like the real
portals' web servers.  A response can also delay (for timeouts), cut its body
short (truncated PDFs) or redirect.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

LAST_MODIFIED = "Mon, 04 Mar 2024 08:00:00 GMT"


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (a closed keep-alive connection, a stopped scrape) is normal, not a traceback
    on the user's terminal; anything else is one line on stderr."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError, TimeoutError)):
            return
        print(f"replay server: {type(error).__name__}: {error} ({client_address})", file=sys.stderr)


@dataclass
class Reply:
    """One scripted response."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    truncate_to: int | None = None
    """Send only this many bytes of the body while announcing its full length."""
    validators: bool = True

    @classmethod
    def json(cls, data: Any, **kwargs: Any) -> Reply:
        return cls(json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"), **kwargs)

    @classmethod
    def html(cls, text: str, **kwargs: Any) -> Reply:
        return cls(text.encode("utf-8"), content_type="text/html; charset=utf-8", **kwargs)

    @classmethod
    def pdf(cls, data: bytes, filename: str = "dokument.pdf", **kwargs: Any) -> Reply:
        headers = {"Content-Disposition": f'inline; filename="{filename}"', **kwargs.pop("headers", {})}
        return cls(data, content_type="application/pdf", headers=headers, **kwargs)

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Reply:
        return cls(b"", status=status, content_type="text/plain", headers={"Location": location}, validators=False)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


Route = Reply | list[Reply] | Callable[[Request], Reply]


class ReplayServer:
    """Serve `routes` on 127.0.0.1 (a free port) in a background thread.

    ``with ReplayServer(routes) as server: server.url("/path")``.  `hits`
    counts requests per route key, so tests can check what was (not) fetched.
    """

    def __init__(self, routes: dict[str, Route] | None = None, *, host: str = "127.0.0.1", port: int = 0):
        self.routes: dict[str, list[Reply] | Callable[[Request], Reply]] = {}
        for key, value in (routes or {}).items():
            self.add(key, value)
        self.hits: dict[str, int] = defaultdict(int)
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self._lock = threading.Lock()
        try:
            self._httpd = _QuietServer((host, port), self._handler())
        except OSError:  # the preferred port is taken: any free port will do
            self._httpd = _QuietServer((host, 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def add(self, key: str, reply: Route) -> None:
        """Route `key` (``"/path?query"`` for GET, ``"POST /path"`` for POST)."""
        if callable(reply):
            self.routes[key] = reply
        else:
            self.routes[key] = list(reply) if isinstance(reply, list) else [reply]

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next(self, key: str, request: Request) -> Reply | None:
        with self._lock:
            replies = self.routes.get(key)
            if replies is None:
                return None
            n = self.hits[key]
            self.hits[key] += 1
        if callable(replies):
            return replies(request)
        return replies[min(n, len(replies) - 1)]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                self._origin_form()
                self._serve(self.path)

            def do_POST(self) -> None:
                self._origin_form()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                self._serve(f"POST {urlsplit(self.path).path}", body)

            def _origin_form(self) -> None:
                """Asked as a forward proxy (``GET http://host/path``): serve the path, whatever the host name."""
                if self.path.startswith(("http://", "https://")):
                    parts = urlsplit(self.path)
                    self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

            def _serve(self, key: str, body: bytes = b"") -> None:
                server.requests.append((self.command, self.path, dict(self.headers), body))
                reply = server._next(key, Request(self.command, self.path, dict(self.headers), body))
                if reply is None:
                    self._send(Reply(b"Not Found", status=404, content_type="text/plain", validators=False))
                    return
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if (
                    reply.validators
                    and reply.status == 200
                    and (
                        self.headers.get("If-None-Match") == reply.etag
                        or (
                            not self.headers.get("If-None-Match")
                            and self.headers.get("If-Modified-Since") == LAST_MODIFIED
                        )
                    )
                ):
                    self._send(Reply(b"", status=304, content_type="", validators=True), etag=reply.etag)
                    return
                self._send(reply, etag=reply.etag if reply.validators else None)

            def _send(self, reply: Reply, etag: str | None = None) -> None:
                try:
                    self.send_response(reply.status)
                    if reply.content_type:
                        self.send_header("Content-Type", reply.content_type)
                    if etag and reply.status in (200, 304):
                        self.send_header("ETag", etag)
                        self.send_header("Last-Modified", LAST_MODIFIED)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body) if reply.status != 304 else 0))
                    if reply.truncate_to is not None:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    if reply.status != 304:
                        payload = reply.body if reply.truncate_to is None else reply.body[: reply.truncate_to]
                        self.wfile.write(payload)
                    if reply.truncate_to is not None:
                        self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        return Handler
