"""One polite HTTP client shared by every portal adapter.

Politeness is the default, not an option: at most one request per second per
host (requests to different hosts run in parallel), a User-Agent that says who
is asking and how to reach them, robots.txt honoured unless the user overrides
it per host, growing pauses on 429/5xx/timeouts (``Retry-After`` wins), and a
host is left alone for the rest of the run after a 403, a login or a captcha
page.  Responses can be cached with their validators so an unchanged re-run
sends conditional requests and downloads nothing.
"""

from __future__ import annotations

import email.utils
import json
import math
import os
import re
import threading
import time
import urllib.robotparser
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from lhl_mining import __version__
from lhl_mining.errors import HostStopped, HttpError, NotJson, RobotsDisallowed, Unreachable, UsageError

__all__ = ["HostStopped", "HttpError", "NotJson", "PoliteClient", "Politeness", "RobotsDisallowed", "Unreachable"]

DEFAULT_RATE = 1.0  # requests per second per host
MAX_RATE = 20.0  # a higher --rate is a typo, or a load test on a public portal
DEFAULT_RETRIES = 4
MAX_RETRY_AFTER_S = 120.0
PASSWORD_FIELD = re.compile(r"""<input[^>]+type=["']?password""", re.IGNORECASE)
LOGIN_WORDS = re.compile(r"logg inn|innlogging|log in|login|sign in|brukernavn eller e-post", re.IGNORECASE)
CAPTCHA_MARKERS = re.compile(
    r"""class=["'][^"']*\b(?:g-recaptcha|h-captcha)\b|cf-challenge|captcha-container""", re.IGNORECASE
)


def user_agent(contact: str | None = None) -> str:
    """The User-Agent: product, version, purpose and a contact (``LHL_CONTACT`` or config)."""
    contact = contact or os.environ.get("LHL_CONTACT") or "no contact configured; set LHL_CONTACT"
    return f"lhl-mining/{__version__} (research on Leve hele livet, offentleglova; contact: {contact})"


@dataclass
class CachedResponse:
    """What a cache keeps about a URL: validators and, for listing pages, the body."""

    url: str
    status: int
    content_type: str
    etag: str | None
    last_modified: str | None
    body: bytes | None
    fetched_at: str


class ResponseCache(Protocol):
    def get(self, url: str) -> CachedResponse | None: ...

    def put(self, entry: CachedResponse) -> None: ...


@dataclass
class Fetched:
    """A response (or a cache hit after a 304) handed to the adapters."""

    url: str
    status: int
    content: bytes
    headers: Mapping[str, str]
    from_cache: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def text(self) -> str:
        charset = re.search(r"charset=([\w-]+)", self.headers.get("content-type", ""))
        encoding = charset.group(1) if charset else "utf-8"
        try:
            return self.content.decode(encoding, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """Parse JSON; HTML or anything that is not JSON is an error, never data."""
        head = self.content.lstrip()[:200].lower()
        if head.startswith(b"<") or "html" in self.content_type:
            raise NotJson(
                f"{self.url} answered HTML where JSON was expected (content-type {self.content_type or 'none'}); "
                "the endpoint path or tenant is probably wrong."
            )
        try:
            return json.loads(self.content)
        except ValueError as exc:
            raise NotJson(f"{self.url} answered something that is not valid JSON ({exc}).") from None


@dataclass
class Politeness:
    """Per-run politeness settings (documented in docs/scraping.md)."""

    rate: float = DEFAULT_RATE
    """Requests per second per host; 0 means no pause (tests, local replay)."""
    retries: int = DEFAULT_RETRIES
    backoff_s: float = 2.0
    """First pause after a 429/5xx/timeout without Retry-After; doubles each time."""
    robots: bool = True
    ignore_robots_hosts: frozenset[str] = frozenset()
    contact: str | None = None
    timeout: float = 30.0
    """Seconds to wait for an answer (connecting gets at most 10 s)."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.rate) and 0 <= self.rate <= MAX_RATE):
            raise UsageError(f"--rate must be between 0 and {MAX_RATE:g} requests per second, not {self.rate}.")


@dataclass
class _HostState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_allowed: float = 0.0
    stopped: str | None = None
    robots: urllib.robotparser.RobotFileParser | None = None
    robots_loaded: bool = False


class PoliteClient:
    """An httpx client with per-host pacing, retries, robots, stop rules and caching.

    Thread-safe: adapters for different hosts may call it from several threads;
    calls to the same host queue behind one lock and are spaced by ``1/rate``.
    """

    def __init__(
        self,
        politeness: Politeness | None = None,
        *,
        cache: ResponseCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ):
        self.politeness = politeness or Politeness()
        self.cache = cache
        self._sleep = sleep
        self._hosts: dict[str, _HostState] = {}
        self._hosts_lock = threading.Lock()
        self.requests_sent = 0
        self.not_modified = 0
        self._client = httpx.Client(
            headers={"User-Agent": user_agent(self.politeness.contact), "Accept-Language": "nb,nn;q=0.9,en;q=0.5"},
            timeout=httpx.Timeout(self.politeness.timeout, connect=min(10.0, self.politeness.timeout)),
            follow_redirects=True,
            transport=transport,
        )

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._client.cookies

    def stopped_hosts(self) -> dict[str, str]:
        return {host: state.stopped for host, state in self._hosts.items() if state.stopped}

    # ------------------------------------------------------------------ requests
    def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        use_cache: bool = False,
        conditional: Mapping[str, str | None] | None = None,
    ) -> Fetched:
        """GET with politeness. `use_cache` stores the body and revalidates it next time.

        `conditional` passes known validators (``etag``, ``last_modified``) of a
        document stored elsewhere; a 304 then comes back as a `Fetched` with
        status 304 and no content.
        """
        return self.request("GET", url, headers=headers, use_cache=use_cache, conditional=conditional)

    def post_json(self, url: str, payload: Any, *, headers: Mapping[str, str] | None = None) -> Fetched:
        merged = {"Content-Type": "application/json", "Accept": "application/json", **(headers or {})}
        return self.request("POST", url, headers=merged, content=json.dumps(payload).encode())

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        use_cache: bool = False,
        conditional: Mapping[str, str | None] | None = None,
    ) -> Fetched:
        host = _host(url)
        state = self._state(host)
        if state.stopped:
            raise HostStopped(f"{host} was stopped earlier in this run: {state.stopped}")
        self._check_robots(url, state)
        send_headers = dict(headers or {})
        cached = self.cache.get(url) if (use_cache and self.cache and method == "GET") else None
        validators = dict(conditional or {})
        if cached and cached.body is not None:
            validators = {"etag": cached.etag, "last_modified": cached.last_modified}
        if validators.get("etag"):
            send_headers["If-None-Match"] = validators["etag"]
        if validators.get("last_modified"):
            send_headers["If-Modified-Since"] = validators["last_modified"]

        attempt = 0
        while True:
            self._pace(state)
            try:
                response = self._client.request(method, url, headers=send_headers, content=content)
                self.requests_sent += 1
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                self.requests_sent += 1
                if attempt >= self.politeness.retries:
                    if isinstance(exc, (httpx.TimeoutException, httpx.ConnectError)):
                        raise Unreachable(
                            f"{host} did not answer {url} after {attempt + 1} tries ({_describe(exc)})."
                        ) from None
                    raise HttpError(
                        f"{url} broke off mid-transfer after {attempt + 1} tries ({_describe(exc)})."
                    ) from None
                self._sleep(self._backoff(attempt, None))
                attempt += 1
                continue
            if response.status_code == 429 or response.status_code >= 500:
                if attempt >= self.politeness.retries:
                    raise HttpError(f"{url} kept answering {response.status_code} after {attempt + 1} tries.")
                self._sleep(self._backoff(attempt, response.headers.get("retry-after")))
                attempt += 1
                continue
            break

        if response.status_code == 304:
            self.not_modified += 1
            if cached and cached.body is not None:
                return Fetched(url, cached.status, cached.body, {"content-type": cached.content_type}, from_cache=True)
            return Fetched(url, 304, b"", response.headers, from_cache=True)
        if response.status_code in (401, 403, 407):
            state.stopped = f"HTTP {response.status_code} on {url}"
            raise HostStopped(f"{host} answered {response.status_code} on {url}; no more requests to it in this run.")
        if response.status_code >= 400:
            raise HttpError(f"{url} answered {response.status_code}.")
        if _looks_like_login(response):
            state.stopped = f"login or captcha page at {response.url}"
            raise HostStopped(
                f"{host} answered a login or captcha page ({response.url}); no more requests to it in this run."
            )
        fetched = Fetched(str(response.url), response.status_code, response.content, response.headers)
        if use_cache and self.cache and method == "GET":
            self.cache.put(
                CachedResponse(
                    url=url,
                    status=response.status_code,
                    content_type=response.headers.get("content-type", ""),
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                    body=response.content,
                    fetched_at=_now(),
                )
            )
        return fetched

    # ------------------------------------------------------------------ internals
    def _state(self, host: str) -> _HostState:
        with self._hosts_lock:
            return self._hosts.setdefault(host, _HostState())

    def _pace(self, state: _HostState) -> None:
        if self.politeness.rate <= 0:
            return
        interval = 1.0 / self.politeness.rate
        with state.lock:
            now = time.monotonic()
            wait = state.next_allowed - now
            state.next_allowed = max(now, state.next_allowed) + interval
        if wait > 0:
            self._sleep(wait)

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        parsed = _parse_retry_after(retry_after)
        if parsed is not None:
            return min(parsed, MAX_RETRY_AFTER_S)
        return min(self.politeness.backoff_s * (2**attempt), MAX_RETRY_AFTER_S)

    def _check_robots(self, url: str, state: _HostState) -> None:
        host = _host(url)
        if not self.politeness.robots or host in self.politeness.ignore_robots_hosts:
            return
        with state.lock:
            if not state.robots_loaded:
                state.robots = self._load_robots(url)
                state.robots_loaded = True
        if state.robots is not None and not state.robots.can_fetch(self._client.headers["User-Agent"], url):
            raise RobotsDisallowed(
                f"robots.txt of {host} disallows {urlsplit(url).path}. If you have a mandate to fetch it, "
                f"rerun with `--ignore-robots {host}` (see docs/scraping.md)."
            )

    def _load_robots(self, url: str) -> urllib.robotparser.RobotFileParser | None:
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        try:
            response = self._client.get(robots_url)
            self.requests_sent += 1
        except httpx.HTTPError:
            return None
        if response.status_code >= 400 or "html" in response.headers.get("content-type", ""):
            return None  # no robots.txt (or an app page in its place): nothing is disallowed
        parser = urllib.robotparser.RobotFileParser(robots_url)
        parser.parse(response.text.splitlines())
        return parser


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _describe(exc: Exception) -> str:
    return type(exc).__name__ + (f": {exc}" if str(exc) else "")


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _looks_like_login(response: httpx.Response) -> bool:
    """A captcha challenge, or a password form on a page that is about logging in (its title or address)."""
    if "html" not in response.headers.get("content-type", ""):
        return False
    text = response.text[:200_000]
    if CAPTCHA_MARKERS.search(text):
        return True
    if not PASSWORD_FIELD.search(text):
        return False
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    return bool(LOGIN_WORDS.search(str(response.url)) or (title and LOGIN_WORDS.search(title.group(1))))


def _now() -> str:
    from lhl_mining.store import utcnow

    return utcnow()
