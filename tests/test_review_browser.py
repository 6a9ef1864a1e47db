"""The review screen in a real browser (Playwright driving Debian's chromium): keyboard only, rows checked in the DB."""

from __future__ import annotations

import json
import shutil

import httpx
import pytest
import review_data
from playwright.sync_api import Page, sync_playwright

from lhl_mining.review.assign import assign_double
from lhl_mining.review.render import AREA_KEYS, FRAMING_KEYS
from lhl_mining.store import Store

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    assert executable, "chromium is missing: scripts/bootstrap installs it (apt-get install chromium)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def shown_passage(page: Page) -> int | None:
    state = page.locator("#passage article").get_attribute("data-state")
    return json.loads(state)["passage_id"] if state and state != "null" else None


def press_and_wait_for_new_passage(page: Page, key: str) -> int:
    before = shown_passage(page)
    page.keyboard.press(key)
    page.wait_for_function(
        "before => { const a = document.querySelector('#passage article');"
        " const s = a && JSON.parse(a.dataset.state || 'null'); return (s ? s.passage_id : null) !== before; }",
        arg=before,
    )
    return shown_passage(page)


def sign_in(page: Page, url: str, coder: str) -> None:
    """Sign in by keyboard: type the name, Enter."""
    page.goto(url + "/code")
    assert "/login" in page.url
    page.wait_for_function("document.activeElement && document.activeElement.name === 'coder'")  # autofocus
    page.keyboard.type(coder)
    page.keyboard.press("Enter")
    page.wait_for_url("**/code**")


def test_coding_by_keyboard_only_with_undo_and_going_back(browser, server, seeded, db_path, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, server.url, "anne")
    first = shown_passage(page)
    assert first == seeded[7]
    # highlights and their labels come from the suggestion evidence; the legend is on screen
    assert page.locator("#passage mark.hl").count() == 2
    assert page.locator("#passage .hl-tag").all_inner_texts() == ["reform", "sektor"]
    assert page.locator(".legend").is_visible()
    page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
    assert (tmp_path / "review.png").stat().st_size > 20_000

    page.keyboard.press("3")  # + mat
    page.keyboard.press("b")  # framing begge
    page.keyboard.press("r")  # reform off
    assert page.locator("[data-area=mat]").get_attribute("class").count(" on") == 1
    second = press_and_wait_for_new_passage(page, "Enter")
    third = press_and_wait_for_new_passage(page, "Enter")  # accept as shown
    fourth = press_and_wait_for_new_passage(page, "x")
    fifth = press_and_wait_for_new_passage(page, " ")
    assert len({first, second, third, fourth, fifth}) == 5
    assert page.locator("#count-reviewed").inner_text() == "3"  # the top bar follows without a reload

    written = review_data.codings_in(db_path)
    assert [(r["passage_id"], r["action"]) for r in written] == [
        (first, "code"),
        (second, "accept"),
        (third, "not_relevant"),
        (fourth, "skip"),
    ]
    assert json.loads(written[0]["areas"]) == ["mat"] and written[0]["framing"] == "begge" and written[0]["reform"] == 0

    # u takes back the skip and shows that passage again
    assert press_and_wait_for_new_passage(page, "u") == fourth
    assert (
        review_data.codings_in(db_path)[-1]["action"] == "undo"
        and review_data.codings_in(db_path)[-1]["undoes_id"] == written[-1]["id"]
    )
    assert page.locator("#history li.undone").count() == 1

    # ← goes back to the not-relevant passage: it shows anne's decision; a memo and a new code replace it
    assert press_and_wait_for_new_passage(page, "ArrowLeft") == third
    assert "not relevant" in page.locator(".codes .status").inner_text()
    page.keyboard.press("m")
    page.keyboard.type("Nynorsk omtale av reforma i tenestene")
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    assert press_and_wait_for_new_passage(page, "Enter") == fourth  # back to where the coder was
    latest = review_data.codings_in(db_path)[-1]
    assert latest["passage_id"] == third and latest["action"] == "code"
    assert latest["memo"] == "Nynorsk omtale av reforma i tenestene" and json.loads(latest["areas"]) == [
        "aldersvennlig"
    ]

    # c shows the neighbouring passages of the document
    page.keyboard.press("c")
    page.wait_for_selector("#passage .neighbour.current")
    assert page.locator("#passage .neighbour").count() >= 3
    assert errors == []
    page.close()


def test_refusals_show_a_message_and_write_nothing(browser, server, seeded, db_path):
    page = browser.new_page()
    sign_in(page, server.url, "anne")
    passage = shown_passage(page)
    with Store.open(db_path) as store:
        store.db.execute("UPDATE suggestions SET current = 0 WHERE passage_id = ?", [passage])
        store.db.conn.commit()
        review_data.add_suggestions(store, passage, {"area.mat": 0.7}, run_id=None, text="")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#flash').textContent.includes('reloaded')")
    assert "re-tagged" in page.locator("#flash").inner_text()
    assert review_data.codings_in(db_path) == []
    # the screen now shows the new suggestion (area mat, no reform), and Enter accepts that one
    assert shown_passage(page) == passage
    assert page.locator("[data-area=mat].on").count() == 1 and page.locator("[data-field=reform].on").count() == 0
    press_and_wait_for_new_passage(page, "Enter")
    (row,) = review_data.codings_in(db_path)
    assert row["passage_id"] == passage and row["action"] == "accept" and json.loads(row["areas"]) == ["mat"]
    page.close()


def test_blind_double_coding_then_adjudication_by_keyboard(browser, server, seeded, db_path):
    with Store.open(db_path) as store:
        assign_double(store, ["anne", "bjorn"], share=0.125, seed=7)
        (sample,) = [r[0] for r in store.db.execute("SELECT DISTINCT passage_id FROM assignments")]
    for coder, keys in (("anne", ["2", "s"]), ("bjorn", ["2", "t"])):
        context = browser.new_context()
        page = context.new_page()
        sign_in(page, server.url, coder)
        assert page.locator(".coder").inner_text() == coder
        assert shown_passage(page) == sample
        assert page.locator(".pill.blind").is_visible()
        for key in keys:
            page.keyboard.press(key)
        press_and_wait_for_new_passage(page, "Enter")
        context.close()
    blind = review_data.codings_in(db_path)
    assert {(r["coder"], r["framing"], r["blind"]) for r in blind} == {("anne", "samfunn", 1), ("bjorn", "sektor", 1)}

    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server.url, "cora")
    page.goto(server.url + "/adjudicate")
    assert page.locator("table.sidebyside tr.disputed").count() == 1  # only framing differs
    assert page.locator("table.sidebyside thead").inner_text().count("blind") == 2
    page.keyboard.press("w")  # adopt bjorn's codes (second column)
    page.keyboard.press("m")
    page.keyboard.type("Hjemmetjenesten: sektor")
    page.keyboard.press("Escape")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    final = review_data.codings_in(db_path)[-1]
    assert final["action"] == "adjudicate" and final["coder"] == "cora" and final["passage_id"] == sample
    assert final["framing"] == "sektor" and final["memo"] == "Hjemmetjenesten: sektor"
    assert final["reform"] == blind[1]["reform"] and final["areas"] == blind[1]["areas"]
    page.goto(server.url + "/adjudicate?show=adjudicated")
    assert "recorded by cora" in page.locator("#adjudication").inner_text()
    context.close()


def test_a_clicked_chip_toggles_once_and_keys_keep_working(browser, server, seeded, db_path):
    page = browser.new_page()
    sign_in(page, server.url, "anne")
    passage = shown_passage(page)
    page.click("[data-area=helsehjelp]")
    page.click("[data-framing=samfunn]")
    press_and_wait_for_new_passage(page, "Enter")
    (row,) = review_data.codings_in(db_path)
    assert row["passage_id"] == passage and row["action"] == "code"
    assert json.loads(row["areas"]) == ["helsehjelp"] and row["framing"] == "samfunn"
    page.close()


def test_the_keys_are_the_ones_the_page_carries_on_the_coding_and_adjudication_screens(
    browser, server, seeded, db_path
):
    """The scripts take their keys from the page (rendered from render.AREA_KEYS / FRAMING_KEYS), not their own copy."""
    page = browser.new_page()
    sign_in(page, server.url, "anne")
    assert page.evaluate("window.LHL_KEYS.AREA_KEYS") == AREA_KEYS
    assert page.evaluate("window.LHL_KEYS.FRAMING_KEYS") == FRAMING_KEYS
    # a page whose keys say otherwise is obeyed: digit 1 then toggles the last area instead of the first
    areas = list(AREA_KEYS.values())
    reversed_keys = {"AREA_KEYS": dict(zip(AREA_KEYS, reversed(areas))), "FRAMING_KEYS": FRAMING_KEYS}

    def rewrite(route):
        response = route.fetch()
        body = response.text().replace(
            json.dumps({"AREA_KEYS": AREA_KEYS, "FRAMING_KEYS": FRAMING_KEYS}, sort_keys=True),
            json.dumps(reversed_keys, sort_keys=True),
        )
        assert body != response.text()
        route.fulfill(response=response, body=body)

    page.route("**/code", rewrite)
    page.goto(server.url + "/code")
    page.keyboard.press("1")
    assert page.locator(f"[data-area={areas[-1]}].on").count() == 1
    assert page.locator(f"[data-area={areas[0]}].on").count() == 0
    page.close()

    passage = seeded[2]
    for coder, framing in (("anne", "sektor"), ("bjorn", "samfunn")):
        with httpx.Client(base_url=server.url, headers={"x-lhl-coder": coder}, timeout=20) as http:
            state = http.get("/api/passage", params={"p": passage}).json()["passage"]["state"]
            form = {"passage_id": passage, "action": "decide", "shown": state["shown"], "base": state["base"]}
            form |= {"reform": "0", "areas": "", "framing": framing, "memo": "", "then": "queue"}
            assert http.post("/api/decide", data=form).status_code == 200
    page = browser.new_page()
    sign_in(page, server.url, "cora")
    page.goto(f"{server.url}/adjudicate?p={passage}")
    for key in AREA_KEYS:
        page.keyboard.press(key)
    for key, framing in FRAMING_KEYS.items():
        page.keyboard.press(key)
        assert page.locator("td.final[data-final=framing]").inner_text() == framing
    assert [page.locator(f"td.final[data-final={a}]").inner_text() for a in areas] == ["●"] * len(areas)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    final = review_data.codings_in(db_path)[-1]
    assert final["action"] == "adjudicate" and final["passage_id"] == passage
    assert sorted(json.loads(final["areas"])) == sorted(areas) and final["framing"] == list(FRAMING_KEYS.values())[-1]
    page.close()
