"""What the review app promises several coders, checked over real HTTP as the coder who must not learn
anything: blind double coding is blind on every page and count, and the counts add up (revisions once,
undone items gone, adjudication undo on the passage shown)."""

from __future__ import annotations

import re

import httpx
import review_data

from lhl_mining.review.assign import assign_double
from lhl_mining.review.server import BackgroundServer
from lhl_mining.review.state import ReviewConfig
from lhl_mining.store import Store
from lhl_mining.store import review as sql


def client(url: str, coder: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"x-lhl-coder": coder}, timeout=20)


def decide(http: httpx.Client, passage_id: int, **codes: str) -> httpx.Response:
    state = http.get("/api/passage", params={"p": passage_id}).json()["passage"]["state"]
    form = {
        "passage_id": passage_id,
        "action": "decide",
        "shown": state["shown"],
        "base": state["base"],
        "reform": "0",
        "areas": "",
        "framing": "ingen",
        "memo": "",
        "then": "queue",
        **codes,
    }
    return http.post("/api/decide", data=form)


def views(http: httpx.Client, passage_id: int) -> dict[str, str]:
    """Every page and endpoint a coder can open about a passage, with the 'passages reviewed' numbers masked
    (that someone decided is public; what they decided is not)."""
    paths = [
        "/code",
        f"/code?p={passage_id}",
        f"/api/passage?p={passage_id}",
        f"/api/context?p={passage_id}",
        "/api/remaining",
        "/api/remaining?queue=assigned",
        "/adjudicate",
        "/adjudicate?show=all",
        "/adjudicate?show=waiting",
        f"/adjudicate?p={passage_id}&show=all",
        "/progress",
    ]
    out = {}
    for path in paths:
        response = http.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        text = re.sub(r'"reviewed": ?\d+', '"reviewed": N', response.text)
        text = re.sub(r'<b id="count-reviewed">\d+</b>', "N", text)
        out[path] = re.sub(r"\d+ of (\d+) passages have a decision", r"N of \1 passages have a decision", text)
    return out


def test_a_blind_coder_learns_nothing_of_the_other_coders_codes(db_path, seeded):
    with Store.open(db_path) as store:
        assign_double(store, ["anne", "bjorn"], share=0.25, seed=3)
        sample = sql.double_sample_of(store, "bjorn")
    target = sample[0]
    with (
        BackgroundServer(ReviewConfig(db_path)) as server,
        client(server.url, "anne") as anne,
        client(server.url, "bjorn") as bjorn,
        client(server.url, "cora") as cora,
    ):
        assert decide(cora, target, reform="1", areas="mat", framing="sektor").status_code == 200  # a third opinion
        before = views(bjorn, target)
        assert decide(anne, target, reform="1", areas="aktivitet,sammenheng", framing="begge").status_code == 200
        after = views(bjorn, target)
        changed = [path for path in before if before[path] != after[path]]
        assert changed == [], f"{changed} changed for bjorn when anne coded his blind passage"
        assert decide(bjorn, target, reform="0", areas="mat", framing="samfunn").status_code == 200
        # once both have decided, the progress page counts it (the adjudication screen stays another's job)
        assert "anne" in bjorn.get("/progress").text


def test_progress_counts_a_revised_decision_once_and_drops_fully_undone_items(db_path, seeded):
    first, second = seeded[0], seeded[1]
    with (
        BackgroundServer(ReviewConfig(db_path)) as server,
        client(server.url, "anne") as anne,
        client(server.url, "cora") as cora,
    ):
        assert decide(anne, first, framing="sektor").status_code == 200
        revised = decide(anne, first, framing="samfunn")
        assert revised.status_code == 200 and revised.json()["counts"]["decided"] == 1
        assert revised.json()["counts"]["reviewed"] == 1  # what the top bar shows, without a reload
        with Store.open(db_path) as store:
            (row,) = sql.coder_counts(store)
        assert (row["coder"], row["decided"], row["code"] + row["accept"]) == ("anne", 1, 1)
        # two coders decide a passage, then both take it back: it is nobody's work any more
        saved = [decide(c, second, framing="sektor").json()["saved"]["id"] for c in (anne, cora)]
        assert "1</b> disagree" in cora.get("/adjudicate").text or "1</b> unanimous" in cora.get("/adjudicate").text
        for http, row_id in zip((anne, cora), saved):
            assert http.post("/api/undo", data={"target": row_id}).status_code == 200
        page = cora.get("/adjudicate?show=all").text
        assert "0</b> waiting" in page and "0</b> unanimous" in page and "0</b> disagree" in page


def test_adjudication_undo_takes_back_the_final_code_of_the_passage_shown(db_path, seeded):
    one, two = seeded[2], seeded[3]
    with (
        BackgroundServer(ReviewConfig(db_path)) as server,
        client(server.url, "anne") as anne,
        client(server.url, "bjorn") as bjorn,
        client(server.url, "cora") as cora,
    ):
        for passage in (one, two):
            decide(anne, passage, framing="sektor")
            decide(bjorn, passage, framing="samfunn")
        finals = {}
        for passage in (one, two):
            response = cora.post(
                "/api/adjudicate",
                data={"passage_id": passage, "base": 0, "reform": "0", "areas": "", "framing": "begge"},
            )
            assert response.status_code == 200
            finals[passage] = response.json()["saved"]["id"]
        undone = cora.post("/api/adjudicate/undo", data={"target": finals[one]})  # not the newest final
        assert undone.status_code == 200, undone.text
        again = cora.post("/api/adjudicate/undo", data={"target": finals[one]})
        assert again.status_code == 409
        foreign = anne.post("/api/adjudicate/undo", data={"target": finals[two]})
        assert foreign.status_code == 409 and foreign.json()["error"] == "E405"
    with Store.open(db_path) as store:
        standing = {
            r["passage_id"]
            for r in review_data.codings(store)
            if r["action"] == "adjudicate"
            and not store.first("SELECT 1 AS x FROM codings WHERE undoes_id = ?", [r["id"]])
        }
    assert standing == {two}


def test_on_a_non_local_bind_a_coder_identity_cannot_be_borrowed(db_path, seeded):
    from lhl_mining.review.auth import coder_token

    master = "organiser-token"
    with Store.open(db_path) as store:
        assign_double(store, ["anne", "bjorn"], share=0.25, seed=3)
    anne_token, bjorn_token = coder_token(master, "anne"), coder_token(master, "bjorn")
    with BackgroundServer(ReviewConfig(db_path, token=master, local_only=False)) as server:
        url = server.url
        # a known coder needs their own token; the server token only signs in new names
        assert httpx.post(url + "/login", data={"coder": "anne", "token": master}).status_code == 403
        assert httpx.post(url + "/login", data={"coder": "anne", "token": bjorn_token}).status_code == 403
        assert httpx.post(url + "/login", data={"coder": "dora", "token": master}).status_code == 303
        csrf = httpx.post(
            url + "/login", data={"coder": "anne", "token": anne_token}, headers={"origin": "https://evil.example"}
        )
        assert csrf.status_code == 403 and "E407" in csrf.text
        with httpx.Client(base_url=url) as anne:
            signed_in = anne.post("/login", data={"coder": "anne", "token": anne_token, "next": "/code"})
            assert signed_in.status_code == 303 and "lhl_session" in signed_in.headers["set-cookie"]
            # a header naming another coder does not make anne bjorn
            state = anne.get("/api/passage", params={"p": seeded[0]}, headers={"x-lhl-coder": "bjorn"}).json()
            form = {
                "passage_id": seeded[0],
                "action": "decide",
                "shown": state["passage"]["state"]["shown"],
                "base": 0,
                "reform": "0",
                "areas": "",
                "framing": "sektor",
                "then": "queue",
            }
            saved = anne.post("/api/decide", data=form, headers={"x-lhl-coder": "bjorn"})
            assert saved.status_code == 200 and saved.json()["saved"]["coder"] == "anne"
        # cookies or headers that merely name a coder, or carry another's token or a forged session, are refused
        forged = {"lhl_session": "Ympvcm4=.0000", "lhl_coder": "bjorn", "lhl_token": master}
        for cookies, headers in [
            (forged, {}),
            ({}, {"x-lhl-coder": "bjorn", "x-lhl-token": anne_token}),
            ({}, {"x-lhl-coder": "bjorn", "x-lhl-token": master}),
        ]:
            with httpx.Client(base_url=url, cookies=cookies, headers=headers) as thief:
                refused = thief.post("/api/decide", data={**form, "passage_id": seeded[1]})
                assert refused.status_code == 403 and refused.json()["error"] == "E406"
                assert thief.get("/progress").status_code == 303
        with httpx.Client(base_url=url, headers={"x-lhl-coder": "bjorn", "x-lhl-token": bjorn_token}) as script:
            assert script.get("/api/remaining").status_code == 200
    coders = [r["coder"] for r in review_data.codings_in(db_path)]
    assert coders == ["anne"]
