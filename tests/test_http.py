"""The polite HTTP client against a real local server: pacing, retries, robots, stop rules, caching."""

from __future__ import annotations

import itertools
import threading
import time

import httpx
import pytest
from lhl.cli import app
from lhl_mining.scrapers.http import (
    HostStopped,
    HttpError,
    NotJson,
    PoliteClient,
    Politeness,
    RetryAfterTooLong,
    RobotsDisallowed,
    Unreachable,
    check_rate,
    user_agent,
)
from lhl_mining.scrapers.replay import ReplayServer, Reply

from lhl_mining.errors import UsageError
from lhl_mining.store.sources import StoreCache

FAST = Politeness(rate=0, backoff_s=0.01, retries=3, timeout=2.0)


def test_default_politeness_is_one_request_per_second_with_a_contact(monkeypatch):
    monkeypatch.setenv("LHL_CONTACT", "forsker@example.no")
    assert Politeness().rate <= 1.0
    assert Politeness().robots is True
    assert "forsker@example.no" in user_agent()
    assert user_agent().startswith("lhl-mining/")


def test_requests_to_one_host_are_spaced_by_the_rate():
    with (
        ReplayServer({"/a": Reply.json({"ok": 1})}) as server,
        PoliteClient(Politeness(rate=5, robots=False)) as client,
    ):
        start = time.monotonic()
        for _ in range(4):
            client.get(server.url("/a"))
        elapsed = time.monotonic() - start
    assert elapsed >= 0.55  # 3 gaps of 0.2 s
    assert server.hits["/a"] == 4


def test_user_agent_is_sent(monkeypatch):
    monkeypatch.setenv("LHL_CONTACT", "ola@example.no")
    with ReplayServer({"/a": Reply.json({})}) as server, PoliteClient(FAST) as client:
        client.get(server.url("/a"))
    ua = next(h for m, p, h, b in server.requests if p == "/a")["User-Agent"]
    assert "ola@example.no" in ua


def test_429_with_retry_after_is_honoured_then_succeeds():
    pauses: list[float] = []
    routes = {
        "/x": [
            Reply(b"slow down", status=429, content_type="text/plain", headers={"Retry-After": "3"}),
            Reply.json({"page": 1}),
        ]
    }
    with ReplayServer(routes) as server, PoliteClient(FAST, sleep=pauses.append) as client:
        assert client.get(server.url("/x")).json() == {"page": 1}
    assert pauses == [pytest.approx(3.0, abs=0.05)]


def test_500_then_success_backs_off_and_retries():
    pauses: list[float] = []
    routes = {
        "/y": [
            Reply(b"oops", status=500, content_type="text/plain"),
            Reply(b"oops", status=503, content_type="text/plain"),
            Reply.json([1, 2]),
        ]
    }
    with ReplayServer(routes) as server, PoliteClient(Politeness(rate=0, backoff_s=0.5), sleep=pauses.append) as client:
        assert client.get(server.url("/y")).json() == [1, 2]
    assert pauses == [pytest.approx(0.5, abs=0.05), pytest.approx(1.0, abs=0.05)]


def test_persistent_500_gives_a_clear_error():
    with (
        ReplayServer({"/z": Reply(b"x", status=500, content_type="text/plain")}) as server,
        PoliteClient(FAST) as client,
        pytest.raises(HttpError, match="kept answering 500"),
    ):
        client.get(server.url("/z"))
    assert server.hits["/z"] == 4


def test_timeouts_are_retried_then_reported_as_unreachable():
    routes = {"/slow": [Reply.json({}, delay_s=2.5), Reply.json({"late": True})]}
    with ReplayServer(routes) as server, PoliteClient(Politeness(rate=0, backoff_s=0.01, timeout=1.0)) as client:
        assert client.get(server.url("/slow")).json() == {"late": True}
    routes = {"/never": Reply.json({}, delay_s=1.0)}
    with (
        ReplayServer(routes) as server,
        PoliteClient(Politeness(rate=0, backoff_s=0.01, retries=1, timeout=0.2)) as client,
        pytest.raises(Unreachable, match="did not answer"),
    ):
        client.get(server.url("/never"))


def test_html_where_json_is_expected_is_an_error():
    app_page = "<!DOCTYPE html><html><head><title>Publikum</title></head><body><div id='root'></div></body></html>"
    with (
        ReplayServer({"/publikum/api/Wrong": Reply.html(app_page)}) as server,
        PoliteClient(FAST) as client,
        pytest.raises(NotJson, match="HTML where JSON was expected"),
    ):
        client.get(server.url("/publikum/api/Wrong")).json()


def test_403_stops_the_host_for_the_rest_of_the_run():
    routes = {"/forbidden": Reply(b"no", status=403, content_type="text/plain"), "/other": Reply.json({})}
    with ReplayServer(routes) as server, PoliteClient(FAST) as client:
        with pytest.raises(HostStopped):
            client.get(server.url("/forbidden"))
        with pytest.raises(HostStopped, match="stopped earlier"):
            client.get(server.url("/other"))
    assert server.hits["/other"] == 0


def test_login_page_stops_the_host():
    login = (
        "<html><head><title>Logg inn - Innsyn</title></head><body><form><input name='u'>"
        "<input type='password' name='p'></form></body></html>"
    )
    with ReplayServer({"/innsyn": Reply.html(login)}) as server, PoliteClient(FAST) as client:
        with pytest.raises(HostStopped, match="login or captcha"):
            client.get(server.url("/innsyn"))
        assert client.stopped_hosts()


def test_captcha_page_stops_the_host_but_a_page_with_a_side_login_box_does_not():
    captcha = "<html><body><div class='g-recaptcha' data-sitekey='x'></div></body></html>"
    homepage = (
        "<html><head><title>Forsiden - Gran kommune</title></head><body><h1>Velkommen</h1>"
        "<form class='minside'><input type='password' name='p'></form></body></html>"
    )
    with (
        ReplayServer({"/check": Reply.html(captcha), "/": Reply.html(homepage)}) as server,
        PoliteClient(FAST) as client,
    ):
        assert "Velkommen" in client.get(server.url("/")).text
        with pytest.raises(HostStopped):
            client.get(server.url("/check"))


def test_robots_disallow_is_honoured_and_can_be_overridden_per_host():
    routes = {"/robots.txt": Reply(b"User-agent: *\nDisallow: /\n", content_type="text/plain"), "/page": Reply.json({})}
    with ReplayServer(routes) as server:
        with (
            PoliteClient(Politeness(rate=0)) as client,
            pytest.raises(RobotsDisallowed, match=r"--ignore-robots 127\.0\.0\.1"),
        ):
            client.get(server.url("/page"))
        assert server.hits["/page"] == 0
        with PoliteClient(Politeness(rate=0, ignore_robots_hosts=frozenset({"127.0.0.1"}))) as client:
            assert client.get(server.url("/page")).json() == {}


def test_redirects_are_followed():
    routes = {"/old": Reply.redirect("/new"), "/new": Reply.json({"moved": True})}
    with ReplayServer(routes) as server, PoliteClient(FAST) as client:
        fetched = client.get(server.url("/old"))
    assert fetched.json() == {"moved": True}
    assert fetched.url.endswith("/new")


def test_cached_listing_is_revalidated_and_not_downloaded_again(store):
    routes = {"/list": Reply.json({"items": [1, 2, 3]})}
    with ReplayServer(routes) as server:
        with PoliteClient(FAST, cache=StoreCache(store)) as client:
            first = client.get(server.url("/list"), use_cache=True)
        with PoliteClient(FAST, cache=StoreCache(store)) as client:
            second = client.get(server.url("/list"), use_cache=True)
            assert client.not_modified == 1
    assert not first.from_cache and second.from_cache
    assert second.json() == {"items": [1, 2, 3]}
    revalidation = [h for m, p, h, b in server.requests if p == "/list"][1]
    assert revalidation["If-None-Match"]


# ---------------------------------------------------------------------- per-host politeness (issue 15)
def _timed(log: list, reply: Reply):
    """A route that records when each request arrived (monotonic seconds)."""

    def route(request):
        log.append((request.path, time.monotonic()))
        return reply

    return route


def test_retry_after_holds_every_worker_on_the_host():
    log: list = []
    answers = iter([Reply(b"busy", status=429, content_type="text/plain", headers={"Retry-After": "1"})])

    def busy(request):
        log.append((request.path, time.monotonic()))
        return next(answers, Reply.json({"ok": True}))

    routes = {"/a": busy, "/b": _timed(log, Reply.json({"b": 1}))}
    with ReplayServer(routes) as server, PoliteClient(Politeness(rate=0, robots=False, backoff_s=0.01)) as client:
        first = threading.Thread(target=client.get, args=(server.url("/a"),))
        first.start()
        time.sleep(0.2)  # the 429 has been answered; a second worker now asks the same host
        client.get(server.url("/b"))
        first.join(timeout=5)
    start = log[0][1]
    b_at = next(t for path, t in log if path == "/b")
    assert b_at - start >= 0.9  # /b waited for the Retry-After the other worker got


def test_retry_after_above_the_maximum_gives_up_on_the_host_and_says_so():
    routes = {
        "/x": Reply(b"later", status=503, content_type="text/plain", headers={"Retry-After": "3600"}),
        "/y": Reply.json({}),
    }
    polite = Politeness(rate=0, robots=False, max_retry_after_s=60)
    with ReplayServer(routes) as server, PoliteClient(polite) as client:
        with pytest.raises(RetryAfterTooLong, match=r"E306.*3600 s.*maximum of 60 s"):
            client.get(server.url("/x"))
        with pytest.raises(HostStopped, match="Retry-After 3600"):
            client.get(server.url("/y"))
    assert server.hits["/x"] == 1 and server.hits["/y"] == 0


def test_crawl_delay_spaces_the_requests():
    log: list = []
    robots = b"User-agent: googlebot\nCrawl-delay: 30\n\nUser-agent: *\nDisallow: /private\nCrawl-delay: 0.4\n"
    routes = {"/robots.txt": Reply(robots, content_type="text/plain"), "/p": _timed(log, Reply.json({}))}
    with ReplayServer(routes) as server, PoliteClient(Politeness(rate=0)) as client:
        for _ in range(3):
            client.get(server.url("/p"))
    gaps = [b[1] - a[1] for a, b in itertools.pairwise(log)]
    assert len(gaps) == 2 and min(gaps) >= 0.38 and max(gaps) < 5  # the * group's 0.4 s, not googlebot's 30 s


@pytest.mark.parametrize("status", [500, 503])
def test_robots_5xx_disallows_the_host_unless_overridden(status):
    routes = {"/robots.txt": Reply(b"down", status=status, content_type="text/plain"), "/page": Reply.json({})}
    with ReplayServer(routes) as server:
        with (
            PoliteClient(Politeness(rate=0, retries=0)) as client,
            pytest.raises(RobotsDisallowed, match=rf"E302.*answered {status}.*RFC 9309.*--ignore-robots 127.0.0.1"),
        ):
            client.get(server.url("/page"))
        assert server.hits["/page"] == 0
        with PoliteClient(Politeness(rate=0, ignore_robots_hosts=frozenset({"127.0.0.1"}))) as client:
            assert client.get(server.url("/page")).json() == {}


@pytest.mark.parametrize("status", [401, 404, 410])
def test_robots_4xx_allows(status):
    routes = {"/robots.txt": Reply(b"no", status=status, content_type="text/plain"), "/page": Reply.json({"ok": 1})}
    with ReplayServer(routes) as server, PoliteClient(Politeness(rate=0)) as client:
        assert client.get(server.url("/page")).json() == {"ok": 1}


def test_the_robots_fetch_is_paced_like_any_request():
    log: list = []
    routes = {
        "/robots.txt": _timed(log, Reply(b"User-agent: *\nAllow: /\n", content_type="text/plain")),
        "/page": _timed(log, Reply.json({})),
    }
    with ReplayServer(routes) as server, PoliteClient(Politeness(rate=4)) as client:
        client.get(server.url("/page"))
    assert [path for path, _ in log] == ["/robots.txt", "/page"]
    assert log[1][1] - log[0][1] >= 0.23  # one 0.25 s slot between robots.txt and the page


def test_rate_has_a_floor_unless_i_know(runner):
    check_rate(1.0)
    check_rate(0, i_know=True)
    check_rate(10, i_know=True)
    for rate in (0, -1, 5):
        with pytest.raises(UsageError, match="not polite"):
            check_rate(rate)
    result = runner.invoke(app, ["scrape", "--county", "Innlandet", "--rate", "0", "--dry-run"])
    assert result.exit_code == 2 and "--i-know" in result.output


def test_cookies_are_kept_per_kommune_session():
    counter = iter(range(1, 100))

    def login(request):
        return Reply.json({}, headers={"Set-Cookie": f"ASP.NET_SessionId=s{next(counter)}; Path=/"})

    routes = {"/start": login, "/api": Reply.json({})}
    with ReplayServer(routes) as server, PoliteClient(FAST) as client:
        one, two = client.session(), client.session()
        one.get(server.url("/start"))
        two.get(server.url("/start"))
        one.get(server.url("/api"))
        two.get(server.url("/api"))
        assert client.requests_sent == 5  # sessions share the counts (and the host's pacing): 4 + robots.txt
        one.close()
        two.close()
    sent = [h.get("Cookie") for m, p, h, b in server.requests if p == "/api"]
    assert sent == ["ASP.NET_SessionId=s1", "ASP.NET_SessionId=s2"]


@pytest.mark.parametrize(
    "declaration",
    [b'<meta charset="windows-1252">', b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'],
)
def test_page_charset_is_used_when_the_header_has_none(declaration):
    body = b"<html><head>" + declaration + b"</head><body>" + "Eldrerådet på Ås".encode("cp1252") + b"</body></html>"
    routes = {"/side": Reply(body, content_type="text/html")}
    with ReplayServer(routes) as server, PoliteClient(FAST) as client:
        assert "Eldrerådet på Ås" in client.get(server.url("/side")).text


def test_replay_server_takes_a_client_hanging_up_quietly(capfd):
    """`lhl demo` serves its portals in-process: a client that resets its connection is no traceback on the terminal."""
    import socket
    import struct

    with ReplayServer({"/x": Reply(b"{}")}) as server:
        host, port = server._httpd.server_address[:2]
        for _ in range(3):
            client = socket.create_connection((host, port), timeout=5)
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
            client.send(b"GET /x HTTP/1.1\r\nHost: x\r\n")  # half a request, then the reset
            client.close()
        time.sleep(0.5)
        assert httpx.get(server.url("/x"), timeout=5).status_code == 200  # and it still serves
    assert "Traceback" not in capfd.readouterr().err
