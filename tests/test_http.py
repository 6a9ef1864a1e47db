"""The polite HTTP client against a real local server: pacing, retries, robots, stop rules, caching."""

from __future__ import annotations

import time

import pytest
from lhl_mining.scrapers.http import (
    HostStopped,
    HttpError,
    NotJson,
    PoliteClient,
    Politeness,
    RobotsDisallowed,
    Unreachable,
    user_agent,
)
from lhl_mining.scrapers.replay import ReplayServer, Reply

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
    ua = [h for m, p, h, b in server.requests if p == "/a"][0]["User-Agent"]
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
    assert pauses == [3.0]


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
    assert pauses == [0.5, 1.0]


def test_persistent_500_gives_a_clear_error():
    with (
        ReplayServer({"/z": Reply(b"x", status=500, content_type="text/plain")}) as server,
        PoliteClient(FAST) as client,
    ):
        with pytest.raises(HttpError, match="kept answering 500"):
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
    ):
        with pytest.raises(Unreachable, match="did not answer"):
            client.get(server.url("/never"))


def test_html_where_json_is_expected_is_an_error():
    app_page = "<!DOCTYPE html><html><head><title>Publikum</title></head><body><div id='root'></div></body></html>"
    with ReplayServer({"/publikum/api/Wrong": Reply.html(app_page)}) as server, PoliteClient(FAST) as client:
        with pytest.raises(NotJson, match="HTML where JSON was expected"):
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
    with ReplayServer({"/check": Reply.html(captcha), "/": Reply.html(homepage)}) as server:
        with PoliteClient(FAST) as client:
            assert "Velkommen" in client.get(server.url("/")).text
            with pytest.raises(HostStopped):
                client.get(server.url("/check"))


def test_robots_disallow_is_honoured_and_can_be_overridden_per_host():
    routes = {"/robots.txt": Reply(b"User-agent: *\nDisallow: /\n", content_type="text/plain"), "/page": Reply.json({})}
    with ReplayServer(routes) as server:
        with PoliteClient(Politeness(rate=0)) as client:
            with pytest.raises(RobotsDisallowed, match="--ignore-robots 127.0.0.1"):
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
