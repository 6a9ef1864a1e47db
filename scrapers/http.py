"""One polite HTTP client shared by every portal adapter.

Politeness is the default, not an option, and it is per host: one clock of
request slots per host shared by every worker (at most `rate` requests per
second, or the robots.txt Crawl-delay if longer), a User-Agent that says who
is asking and how to reach them, robots.txt honoured unless the user overrides
it per host (5xx means disallow, 4xx allow; its fetch takes a slot too),
growing pauses on 429/5xx/timeouts that hold the whole host (``Retry-After``
wins up to a maximum, beyond which the host is given up), and a host is left
alone for the rest of the run after a 403, a login or a captcha page.
`session()` gives each kommune its own cookie jar on the shared hosts.
Responses can be cached with their validators; a listing of a settled period
is reused without a request.
"""

from __future__ import annotations

import dataclasses
import email.utils
import hashlib
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
from lhl_mining.errors import (
    HostStopped,
    HttpError,
    NotJson,
    RetryAfterTooLong,
    RobotsDisallowed,
    Unreachable,
    UsageError,
)

__all__ = [
    "HostStopped",
    "HttpError",
    "NotJson",
    "PoliteClient",
    "Politeness",
    "RetryAfterTooLong",
    "RobotsDisallowed",
    "Unreachable",
    "check_rate",
]

DEFAULT_RATE = 1.0  # requests per second per host
MAX_RATE = 2.0
"""The fastest `--rate` accepted without `--i-know` (at least half a second between requests to a host)."""
DEFAULT_RETRIES = 4
MAX_RETRY_AFTER_S = 600.0
MAX_BACKOFF_S = 120.0
PAGE_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)|<\?xml[^>]+encoding\s*=\s*["']([\w-]+)""", re.IGNORECASE
)
"""The charset a page declares itself, used when the Content-Type header names none."""
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
    final: bool = False
    """Keep the body even without validators: a listing of a settled period, reused without asking."""


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
        """The body decoded by the header's charset, else the page's own (``<meta charset>``, XML declaration), else UTF-8."""
        header = re.search(r"charset=([\w-]+)", self.headers.get("content-type", ""))
        declared = PAGE_CHARSET.search(self.content[:4096])
        if header:
            encoding = header.group(1)
        elif declared:
            encoding = (declared.group(1) or declared.group(2)).decode("ascii")
        else:
            encoding = "utf-8"
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
    max_retry_after_s: float = MAX_RETRY_AFTER_S
    """The longest Retry-After honoured; a host asking for more is given up for the run (E306), not cut short."""

    @classmethod
    def of(
        cls,
        rate: float,
        *,
        contact: str | None,
        ignore_robots: list[str] | None = None,
        i_know: bool = False,
        max_retry_after: float | None = None,
    ) -> Politeness:
        """The settings a user asked for (`--rate`, `--contact`, `--ignore-robots`, `--i-know`, `--max-retry-after`), checked."""
        check_rate(rate, i_know)
        return cls(
            rate=rate,
            contact=contact,
            ignore_robots_hosts=frozenset(h.lower() for h in ignore_robots or []),
            max_retry_after_s=max_retry_after or MAX_RETRY_AFTER_S,
        )


def check_rate(rate: float, i_know: bool = False) -> None:
    """`--rate` must leave a pause between requests to a host: 0 < rate ≤ MAX_RATE unless the user says `--i-know`."""
    if not math.isfinite(rate) or (i_know and rate < 0):
        raise UsageError(f"--rate must be a number of requests per second, 0 or more, not {rate}.")
    if i_know:
        return
    if rate <= 0 or rate > MAX_RATE:
        raise UsageError(
            f"--rate {rate:g} is not polite: use a rate above 0 and at most {MAX_RATE:g} requests per second per "
            "host (0 means no pause at all). Add --i-know if you have the portal owner's consent."
        )


@dataclass
class _HostState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_allowed: float = 0.0
    """Monotonic time of the next request slot; shared by every worker, pushed back by Retry-After and backoff."""
    stopped: str | None = None
    robots_lock: threading.Lock = field(default_factory=threading.Lock)
    robots: urllib.robotparser.RobotFileParser | None = None
    robots_loaded: bool = False
    robots_refusal: str | None = None
    """Why robots.txt could not be read (5xx): the host is treated as disallowed, as RFC 9309 says."""
    crawl_delay: float = 0.0


class _Counters:
    """Request counts shared by a client and its per-kommune sessions."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests_sent = 0
        self.not_modified = 0
        self.reused = 0

    def add(self, name: str) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)


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
        reuse_settled: bool = True,
    ):
        self.politeness = politeness or Politeness()
        self.cache = cache
        self.reuse_settled = reuse_settled
        """Answer `fresh_since` requests from the cache without asking (off for `lhl scrape --refresh`)."""
        self._sleep = sleep
        self._hosts: dict[str, _HostState] = {}
        self._hosts_lock = threading.Lock()
        self._counters = _Counters()
        self._transport = transport
        self._client = self._new_client()

    def _new_client(self) -> httpx.Client:
        return httpx.Client(
            headers={"User-Agent": user_agent(self.politeness.contact), "Accept-Language": "nb,nn;q=0.9,en;q=0.5"},
            timeout=httpx.Timeout(self.politeness.timeout, connect=min(10.0, self.politeness.timeout)),
            follow_redirects=True,
            transport=self._transport,
        )

    def session(self) -> PoliteClient:
        """A client with its own cookie jar (one per kommune: kommuner on a shared host get separate portal
        sessions) that shares this one's host pacing, stop rules, robots, cache and counts.  Close it after use."""
        child = object.__new__(PoliteClient)
        child.__dict__.update(self.__dict__)
        child._client = self._new_client()
        return child

    @property
    def requests_sent(self) -> int:
        return self._counters.requests_sent

    @property
    def not_modified(self) -> int:
        return self._counters.not_modified

    @property
    def reused(self) -> int:
        """Answers taken from the cache without a request (listings of settled periods)."""
        return self._counters.reused

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
        fresh_since: str | None = None,
    ) -> Fetched:
        """GET with politeness. `use_cache` stores the body and revalidates it next time.

        `conditional` passes known validators (``etag``, ``last_modified``) of a
        document stored elsewhere; a 304 then comes back as a `Fetched` with
        status 304 and no content.  `fresh_since` (ISO date) marks a listing
        whose content is final once fetched on or after that date: such a
        cached answer is reused without any request.
        """
        return self.request(
            "GET", url, headers=headers, use_cache=use_cache, conditional=conditional, fresh_since=fresh_since
        )

    def post_json(
        self, url: str, payload: Any, *, headers: Mapping[str, str] | None = None, fresh_since: str | None = None
    ) -> Fetched:
        """POST JSON; with `fresh_since` the answer is cached under the URL and body and reused like a settled GET."""
        merged = {"Content-Type": "application/json", "Accept": "application/json", **(headers or {})}
        key = _post_key(url, payload) if fresh_since else None
        return self.request(
            "POST",
            url,
            headers=merged,
            content=json.dumps(payload).encode(),
            use_cache=bool(key),
            cache_key=key,
            fresh_since=fresh_since,
        )

    def reusable(self, url: str, fresh_since: str | None, *, payload: Any = None) -> bool:
        """Would a request for this listing be answered from the cache without asking the host?"""
        return self._settled(url if payload is None else _post_key(url, payload), fresh_since) is not None

    def _settled(self, key: str, fresh_since: str | None) -> CachedResponse | None:
        if not (fresh_since and self.cache and self.reuse_settled):
            return None
        cached = self.cache.get(key)
        if cached and cached.body is not None and cached.status == 200 and cached.fetched_at[:10] >= fresh_since:
            return cached
        return None

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        use_cache: bool = False,
        conditional: Mapping[str, str | None] | None = None,
        fresh_since: str | None = None,
        cache_key: str | None = None,
    ) -> Fetched:
        key = cache_key or url
        if use_cache:
            settled = self._settled(key, fresh_since)
            if settled is not None:
                self._counters.add("reused")
                return Fetched(
                    url, settled.status, settled.body or b"", {"content-type": settled.content_type}, from_cache=True
                )
        host = _host(url)
        state = self._state(host)
        if state.stopped:
            raise HostStopped(f"{host} was stopped earlier in this run: {state.stopped}")
        self._check_robots(url, state)
        send_headers = dict(headers or {})
        cached = self.cache.get(key) if (use_cache and self.cache and method == "GET") else None
        validators = dict(conditional or {})
        if cached and cached.body is not None:
            validators = {"etag": cached.etag, "last_modified": cached.last_modified}
        if validators.get("etag"):
            send_headers["If-None-Match"] = validators["etag"]
        if validators.get("last_modified"):
            send_headers["If-Modified-Since"] = validators["last_modified"]

        attempt = 0
        while True:
            if state.stopped:  # another worker gave up on this host while we waited
                raise HostStopped(f"{host} was stopped earlier in this run: {state.stopped}")
            self._pace(state)
            try:
                response = self._client.request(method, url, headers=send_headers, content=content)
                self._counters.add("requests_sent")
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                self._counters.add("requests_sent")
                if attempt >= self.politeness.retries:
                    if isinstance(exc, (httpx.TimeoutException, httpx.ConnectError)):
                        raise Unreachable(
                            f"{host} did not answer {url} after {attempt + 1} tries ({_describe(exc)})."
                        ) from None
                    raise HttpError(
                        f"{url} broke off mid-transfer after {attempt + 1} tries ({_describe(exc)})."
                    ) from None
                self._hold_host(state, self._backoff(attempt, None))
                attempt += 1
                continue
            if response.status_code == 429 or response.status_code >= 500:
                if attempt >= self.politeness.retries:
                    raise HttpError(f"{url} kept answering {response.status_code} after {attempt + 1} tries.")
                self._hold_host(state, self._retry_pause(url, state, attempt, response))
                attempt += 1
                continue
            break

        if response.status_code == 304:
            self._counters.add("not_modified")
            if cached and cached.body is not None:
                if self.cache:  # revalidated now: the date a settled period is judged by
                    self.cache.put(dataclasses.replace(cached, fetched_at=_now(), final=bool(fresh_since)))
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
        if use_cache and self.cache and (method == "GET" or cache_key):
            self.cache.put(
                CachedResponse(
                    url=key,
                    status=response.status_code,
                    content_type=response.headers.get("content-type", ""),
                    etag=response.headers.get("etag") if method == "GET" else None,
                    last_modified=response.headers.get("last-modified") if method == "GET" else None,
                    body=response.content,
                    fetched_at=_now(),
                    final=bool(fresh_since),
                )
            )
        return fetched

    # ------------------------------------------------------------------ internals
    def _state(self, host: str) -> _HostState:
        with self._hosts_lock:
            return self._hosts.setdefault(host, _HostState())

    def _pace(self, state: _HostState) -> None:
        """Take the host's next request slot (shared by all workers): 1/rate apart, or the Crawl-delay if longer."""
        interval = max(1.0 / self.politeness.rate if self.politeness.rate > 0 else 0.0, state.crawl_delay)
        with state.lock:
            now = time.monotonic()
            wait = state.next_allowed - now
            state.next_allowed = max(now, state.next_allowed) + interval
        if wait > 0:
            self._sleep(wait)

    @staticmethod
    def _hold_host(state: _HostState, pause: float) -> None:
        """Push the host's next slot back by `pause`: every worker on the host waits, not only the one that was told."""
        with state.lock:
            state.next_allowed = max(state.next_allowed, time.monotonic() + pause)

    def _retry_pause(self, url: str, state: _HostState, attempt: int, response: httpx.Response) -> float:
        retry_after = _parse_retry_after(response.headers.get("retry-after"))
        if retry_after is None:
            return self._backoff(attempt, None)
        if retry_after > self.politeness.max_retry_after_s:
            state.stopped = f"Retry-After {retry_after:.0f} s on {url}"
            raise RetryAfterTooLong(
                f"{_host(url)} asked to wait {retry_after:.0f} s (Retry-After on {url}), more than the maximum of "
                f"{self.politeness.max_retry_after_s:.0f} s; no more requests to it in this run "
                "(raise --max-retry-after to wait longer)."
            )
        return retry_after

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        parsed = _parse_retry_after(retry_after)
        if parsed is not None:
            return min(parsed, self.politeness.max_retry_after_s)
        return min(self.politeness.backoff_s * (2**attempt), MAX_BACKOFF_S)

    def _check_robots(self, url: str, state: _HostState) -> None:
        host = _host(url)
        if not self.politeness.robots or host in self.politeness.ignore_robots_hosts:
            return
        with state.robots_lock:
            if not state.robots_loaded:
                self._load_robots(url, state)
                state.robots_loaded = True
        if state.robots_refusal:
            raise RobotsDisallowed(
                f"{state.robots_refusal}, so {host} is treated as disallowing everything (RFC 9309). If you have "
                f"a mandate to fetch it, rerun with `--ignore-robots {host}` (see docs/scraping.md)."
            )
        if state.robots is not None and not state.robots.can_fetch(self._client.headers["User-Agent"], url):
            raise RobotsDisallowed(
                f"robots.txt of {host} disallows {urlsplit(url).path}. If you have a mandate to fetch it, "
                f"rerun with `--ignore-robots {host}` (see docs/scraping.md)."
            )

    def _load_robots(self, url: str, state: _HostState) -> None:
        """Fetch robots.txt in the host's pace: 4xx (none) allows all, 5xx disallows all, Crawl-delay is kept."""
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        self._pace(state)
        try:
            response = self._client.get(robots_url)
            self._counters.add("requests_sent")
        except httpx.HTTPError:
            return  # unreachable: the request itself will fail and say so
        if response.status_code >= 500:
            state.robots_refusal = f"robots.txt of {parts.hostname} answered {response.status_code}"
            return
        if response.status_code >= 400 or "html" in response.headers.get("content-type", ""):
            return  # no robots.txt (or an app page in its place): nothing is disallowed
        parser = urllib.robotparser.RobotFileParser(robots_url)
        parser.parse(response.text.splitlines())
        state.robots = parser
        state.crawl_delay = _crawl_delay(response.text)


def _crawl_delay(robots: str) -> float:
    """The Crawl-delay (seconds, decimals allowed) of the group for our agent, else of ``*``; 0 if none."""
    delays: dict[str, float] = {}
    agents: list[str] = []
    in_rules = False
    for raw in robots.splitlines():
        line = raw.split("#", 1)[0].strip()
        field_name, _, value = line.partition(":")
        field_name, value = field_name.strip().lower(), value.strip()
        if field_name == "user-agent":
            if in_rules:
                agents, in_rules = [], False
            agents.append(value.lower())
        elif field_name:
            in_rules = True
            if field_name == "crawl-delay":
                try:
                    for agent in agents:
                        delays[agent] = float(value)
                except ValueError:
                    continue
    own = [delay for agent, delay in delays.items() if agent and agent != "*" and agent in "lhl-mining"]
    return max(own) if own else delays.get("*", 0.0)


def _post_key(url: str, payload: Any) -> str:
    """The cache key of a POST: method, URL and a digest of the JSON body."""
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]
    return f"POST {url} {digest}"


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
