"""Search in the review app: hits marked, a coding queue built from a query (real browser), similar passages."""

from __future__ import annotations

import shutil

import httpx
import pytest
import search_data
from playwright.sync_api import sync_playwright
from test_review_browser import CHROMIUM_ARGS

from lhl_mining.review.server import BackgroundServer
from lhl_mining.review.state import ReviewConfig
from lhl_mining.store import Store


@pytest.fixture
def corpus(db_path):
    with Store.open(db_path, create=True) as store:
        return search_data.build(store)


@pytest.fixture
def search_server(db_path, corpus):
    with BackgroundServer(ReviewConfig(db_path)) as running:
        yield running


def test_search_page_lists_hits_marked_and_reports_bad_queries(search_server, corpus):
    with httpx.Client(base_url=search_server.url, headers={"x-lhl-coder": "anne"}, timeout=20) as http:
        page = http.get("/search", params={"q": "trygghetsalarm", "county": "Innlandet"})
        assert page.status_code == 200
        assert page.text.count('<mark class="hit">') == 2
        assert '<mark class="hit">trygghetsalarmer</mark>' in page.text and "Bergen" not in page.text
        assert "/search/code?q=trygghetsalarm&amp;county=Innlandet" in page.text
        bad = http.get("/search", params={"q": '"mat til'})
        assert bad.status_code == 200 and "E700" in bad.text and 'value="&#34;mat til"' in bad.text
        bad_queue = http.get("/search/code", params={"q": "eldre AND"})
        assert bad_queue.status_code == 200 and "E700" in bad_queue.text
        similar = http.get("/api/similar", params={"p": corpus["3447"][1]}).json()["passages"]
        assert similar and similar[0]["kommune"] == "Stange"
        assert http.get("/api/similar", params={"p": "x"}).status_code == 404


def test_coding_every_hit_of_a_query_in_a_row_by_keyboard(search_server, corpus, db_path):
    executable = shutil.which("chromium")
    assert executable, "chromium is missing: scripts/bootstrap installs it"
    hits = [corpus["3403"][0], corpus["3447"][0], corpus["4601"][0]]  # «trygghetsalarm» in three forms
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.context.add_cookies([{"name": "lhl_coder", "value": "anne", "url": search_server.url}])
            page.goto(search_server.url + "/search")
            # the query box takes the keyboard by itself (autofocus), once the page has settled
            page.wait_for_function("document.activeElement && document.activeElement.name === 'q'")
            page.keyboard.type("trygghetsalarm")
            page.keyboard.press("Enter")
            page.wait_for_selector("#code-these")
            assert page.locator("#search-total").inner_text() == "3"
            page.click("#code-these")
            page.wait_for_selector("#passage article")

            def shown() -> int:
                return int(page.locator("#passage .pid").inner_text().lstrip("#"))

            assert shown() == hits[0]
            assert page.locator("#passage .text mark.hit").all_inner_texts() == ["trygghetsalarmer"]
            page.keyboard.press("3")  # area mat
            page.keyboard.press("Enter")
            page.wait_for_function(f"document.querySelector('#passage .pid').textContent === '#{hits[1]}'")
            assert page.locator("#passage .text mark.hit").all_inner_texts() == ["trygghetsalarmen"]
            page.keyboard.press("l")
            page.wait_for_selector("#similar li a")
            assert "#" in page.locator("#similar li a").first.inner_text()
            page.keyboard.press("x")
            page.wait_for_function(f"document.querySelector('#passage .pid').textContent === '#{hits[2]}'")
            assert page.locator("#plan-at").inner_text() == "3"
            page.keyboard.press("Enter")
            page.wait_for_selector("#passage .done")
            assert errors == []
        finally:
            browser.close()
    with Store.open(db_path) as store:
        rows = store.db.execute(
            "SELECT passage_id, action, areas FROM codings WHERE coder = 'anne' ORDER BY id"
        ).fetchall()
    assert [(p, a) for p, a, _ in rows] == [(hits[0], "code"), (hits[1], "not_relevant"), (hits[2], "code")]
    assert rows[0][2] == '["mat"]'


def test_the_l_key_of_the_coding_screen_opens_similar_passages(search_server, corpus):
    executable = shutil.which("chromium")
    assert executable, "chromium is missing: scripts/bootstrap installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.context.add_cookies([{"name": "lhl_coder", "value": "anne", "url": search_server.url}])
            page.goto(f"{search_server.url}/code?p={corpus['3447'][1]}")
            page.wait_for_selector("#passage article")
            with page.expect_popup() as popup:
                page.keyboard.press("l")
            similar = popup.value
            similar.wait_for_selector("ol.kwic li")
            assert f"Passages like #{corpus['3447'][1]}" in similar.content()
            assert "Stange" in similar.locator("ol.kwic li").first.inner_text()
        finally:
            browser.close()
