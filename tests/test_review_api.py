"""The review server over real HTTP: the keyboard loop's endpoints, refusals that write nothing, many coders at once."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import review_data

from lhl_mining.errors import PortInUse, ReviewUsageError
from lhl_mining.review import server as review_server
from lhl_mining.review.assign import assign_double
from lhl_mining.review.render import AREA_KEYS, FRAMING_KEYS
from lhl_mining.review.server import BackgroundServer
from lhl_mining.review.state import HERE, ReviewConfig
from lhl_mining.store import Store


def client(url: str, coder: str, token: str | None = None) -> httpx.Client:
    headers = {"x-lhl-coder": coder}
    if token:
        headers["x-lhl-token"] = token
    return httpx.Client(base_url=url, headers=headers, timeout=20)


def screen(http: httpx.Client, **params) -> dict:
    response = http.get("/api/passage", params=params)
    assert response.status_code == 200, response.text
    return response.json()["passage"]["state"]


def decide(http: httpx.Client, state: dict, action: str = "decide", **fields) -> httpx.Response:
    form = {
        "passage_id": state["passage_id"],
        "action": action,
        "shown": state["shown"],
        "base": state["base"],
        "reform": "1" if state["codes"]["reform"] else "0",
        "areas": ",".join(state["codes"]["areas"]),
        "framing": state["codes"]["framing"],
        "memo": "",
        "then": "queue",
    }
    form.update({k: str(v) for k, v in fields.items()})
    return http.post("/api/decide", data=form)


def test_least_confident_first_and_accept_records_the_suggestion_it_answered(server, seeded, db_path):
    with client(server.url, "anne") as http:
        first = screen(http)
        # passage 8 has a framing score of 0.51: the machine's least sure call comes first
        assert first["passage_id"] == seeded[7]
        assert first["codes"] == {"reform": True, "areas": [], "framing": "sektor"}
        response = decide(http, first)
        assert response.status_code == 200
        body = response.json()
        assert body["saved"]["action"] == "accept"
        assert body["passage"]["state"]["passage_id"] == seeded[6]  # next least sure: 0.52
    (row,) = review_data.codings_in(db_path)
    assert row["coder"] == "anne" and row["action"] == "accept" and row["reform"] == 1
    assert json.loads(row["areas"]) == [] and row["framing"] == "sektor"
    assert row["answered_run_id"] is not None and row["answered_source"] == "rules; codebook lhl-2024.1"
    assert row["blind"] == 0 and row["coded_at"].endswith("+00:00")


def test_changed_codes_are_a_code_row_and_not_relevant_stores_empty_codes(server, seeded, db_path):
    with client(server.url, "anne") as http:
        state = screen(http)
        assert decide(http, state, areas="mat,aktivitet", framing="begge", memo="nynorsk: «reforma»").status_code == 200
        state = screen(http)
        assert decide(http, state, action="not_relevant").status_code == 200
    first, second = review_data.codings_in(db_path)
    assert first["action"] == "code" and json.loads(first["areas"]) == ["aktivitet", "mat"]
    assert first["framing"] == "begge" and first["memo"] == "nynorsk: «reforma»"
    assert second["action"] == "not_relevant" and second["reform"] == 0 and second["areas"] == "[]"


def test_undo_takes_back_the_latest_decision_and_the_passage_returns_to_the_queue(server, seeded, db_path):
    with client(server.url, "anne") as http:
        state = screen(http)
        saved = decide(http, state).json()["saved"]
        response = http.post("/api/undo", data={"target": saved["id"]})
        assert response.status_code == 200
        body = response.json()
        assert body["saved"]["action"] == "undo" and body["saved"]["undoes_id"] == saved["id"]
        assert body["passage"]["state"]["passage_id"] == state["passage_id"]
        assert body["passage"]["state"]["mine"] is None
        assert screen(http)["passage_id"] == state["passage_id"]
        # pressing u twice must not undo a second decision that was never shown as the latest
        again = http.post("/api/undo", data={"target": saved["id"]})
        assert again.status_code == 409 and again.json()["error"] == "E405"
    assert [r["action"] for r in review_data.codings_in(db_path)] == ["accept", "undo"]


def test_skip_moves_on_and_skipped_passages_wait_in_their_own_queue(server, seeded, db_path):
    with client(server.url, "anne") as http:
        state = screen(http)
        body = decide(http, state, action="skip").json()
        assert body["saved"]["action"] == "skip" and body["saved"]["reform"] is None
        assert body["passage"]["state"]["passage_id"] != state["passage_id"]
        assert screen(http, queue="skipped")["passage_id"] == state["passage_id"]
    with client(server.url, "bjorn") as other:
        # anne's skip is not a decision: the passage stays in everyone else's queue
        assert screen(other)["passage_id"] in (state["passage_id"], seeded[6])


def test_filters_by_kommune_document_type_and_code(db_path, seeded):
    with Store.open(db_path) as store:
        oslo = review_data.add_document(
            store,
            knr="0301",
            title="Budsjett Oslo",
            doc_type="budsjett",
            texts=["Oslo kommune styrker hjemmetjenesten i 2025."],
        )
    with BackgroundServer(ReviewConfig(db_path)) as running, client(running.url, "anne") as http:
        assert screen(http, knr="0301")["passage_id"] == oslo[0]
        assert screen(http, doc_type="budsjett")["passage_id"] == oslo[0]
        assert screen(http, code="area.mat")["passage_id"] == seeded[2]
        remaining = http.get("/api/remaining", params={"code": "reform"}).json()["remaining"]
        assert remaining == 2
        assert http.get("/api/passage", params={"queue": "nonsense"}).status_code == 400


def test_two_coders_are_not_shown_the_same_passage_at_once(server, seeded):
    with client(server.url, "anne") as anne, client(server.url, "bjorn") as bjorn:
        assert screen(anne)["passage_id"] != screen(bjorn)["passage_id"]


def test_unknown_passage_is_404_and_writes_nothing(server, db_path):
    with client(server.url, "anne") as http:
        response = decide(
            http,
            {"passage_id": 999999, "shown": 0, "base": 0, "codes": {"reform": False, "areas": [], "framing": "ingen"}},
        )
        assert response.status_code == 404
        assert response.json()["error"] == "E402" and "999999" in response.json()["message"]
        assert http.get("/api/passage", params={"p": 999999}).status_code == 404
        assert http.get("/api/context", params={"p": 999999}).status_code == 404
    assert review_data.codings_in(db_path) == []


def test_stale_suggestion_is_refused_after_retagging(server, seeded, db_path):
    with client(server.url, "anne") as http:
        state = screen(http)
        with Store.open(db_path) as store:
            store.db.execute("UPDATE suggestions SET current = 0 WHERE passage_id = ?", [state["passage_id"]])
            store.db.conn.commit()
            review_data.add_suggestions(store, state["passage_id"], {"reform": 0.99}, run_id=None, text="")
        response = decide(http, state)
        assert response.status_code == 409
        assert response.json()["error"] == "E403" and "re-tagged" in response.json()["message"]
        assert decide(http, screen(http, p=state["passage_id"])).status_code == 200
    assert len(review_data.codings_in(db_path)) == 1


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("framing", "tverrsektoriell", "framing"),
        ("areas", "mat,eldreomsorg", "eldreomsorg"),
        ("reform", "ja", "reform"),
        ("passage_id", "abc", "passage_id"),
        ("shown", "", "shown"),
        ("action", "approve", "approve"),
        ("then", "next please", "then"),
    ],
)
def test_malformed_form_is_400_with_the_field_named_and_writes_nothing(server, seeded, db_path, field, value, fragment):
    with client(server.url, "anne") as http:
        state = screen(http)
        response = decide(http, state, **{field: value})
        assert response.status_code == 400
        body = response.json()
        assert body["error"] == "E401" and fragment in body["message"]
    assert review_data.codings_in(db_path) == []


def test_double_submission_is_refused_not_doubled(server, seeded, db_path):
    with client(server.url, "anne") as http:
        state = screen(http)
        assert decide(http, state).status_code == 200
        again = decide(http, state, framing="samfunn")
        assert again.status_code == 409 and again.json()["error"] == "E404"
    assert len(review_data.codings_in(db_path)) == 1


def test_token_is_required_when_set_and_a_wrong_one_is_refused(db_path, seeded):
    config = ReviewConfig(db_path, token="s3cret-token", local_only=False)
    with BackgroundServer(config) as running:
        with client(running.url, "anne", token="wrong") as http:
            response = decide(
                http,
                {
                    "passage_id": seeded[0],
                    "shown": 0,
                    "base": 0,
                    "codes": {"reform": False, "areas": [], "framing": "ingen"},
                },
            )
            assert response.status_code == 403 and response.json()["error"] == "E406"
            assert http.get("/code", follow_redirects=False).status_code == 303
        login = httpx.post(running.url + "/login", data={"coder": "anne", "token": "nope", "next": "/code"})
        assert login.status_code == 403 and "Wrong access token" in login.text
        with httpx.Client(base_url=running.url, follow_redirects=True) as browser:
            ok = browser.post("/login", data={"coder": "anne", "token": "s3cret-token", "next": "/code"})
            assert ok.status_code == 200 and "lhl review" in ok.text and "anne" in ok.text
            state = browser.get("/api/passage").json()["passage"]["state"]
            assert decide(browser, state).status_code == 200
    assert [r["coder"] for r in review_data.codings_in(db_path)] == ["anne"]


def test_writes_from_a_foreign_site_are_refused(server, seeded, db_path):
    with client(server.url, "anne") as http:
        state = screen(http)
        response = http.post(
            "/api/decide",
            headers={"origin": "https://evil.example"},
            data={"passage_id": state["passage_id"], "action": "skip", "shown": state["shown"], "base": 0},
        )
        assert response.status_code == 403 and response.json()["error"] == "E407"
        sandboxed = http.post("/api/undo", headers={"origin": "null"}, data={"target": 1})
        assert sandboxed.status_code == 403 and sandboxed.json()["error"] == "E407"
        wrong_host = http.get("/code", headers={"host": "attacker.example"})
        assert wrong_host.status_code == 400
    assert review_data.codings_in(db_path) == []


def test_parallel_coders_lose_and_double_nothing(db_path):
    with Store.open(db_path, create=True) as store:
        run_id = review_data.add_tag_run(store)
        texts = [f"Sak {i}: tiltak i Leve hele livet for hjemmetjenesten og måltidsvertskap." for i in range(120)]
        for doc in range(4):
            chunk = texts[doc * 30 : (doc + 1) * 30]
            ids = review_data.add_document(
                store, title=f"Plan {doc}", texts=chunk, url=f"https://example.kommune.no/{doc}.pdf"
            )
            for pid, text in zip(ids, chunk, strict=True):
                review_data.add_suggestions(store, pid, {"reform": 0.6 + (pid % 7) / 20}, run_id=run_id, text=text)
    coders = [f"coder{i}" for i in range(6)]
    errors: list[str] = []
    done: dict[str, list[int]] = {c: [] for c in coders}
    barrier = threading.Barrier(len(coders))

    def work(url: str, coder: str) -> None:
        with client(url, coder) as http:
            state = screen(http)
            barrier.wait()
            for _ in range(15):
                response = decide(http, state)
                if response.status_code != 200:
                    errors.append(response.text)
                    return
                done[coder].append(state["passage_id"])
                state = response.json()["passage"]["state"]

    with BackgroundServer(ReviewConfig(db_path)) as running:
        threads = [threading.Thread(target=work, args=(running.url, c)) for c in coders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    written = review_data.codings_in(db_path)
    assert len(written) == 6 * 15
    assert len({(r["passage_id"], r["coder"]) for r in written}) == 90
    assert len({r["passage_id"] for r in written}) == 90  # leases kept the coders on different passages
    for coder in coders:
        assert sorted(r["passage_id"] for r in written if r["coder"] == coder) == sorted(done[coder])


def test_the_same_decision_sent_from_many_threads_is_written_once(server, seeded, db_path):
    with client(server.url, "anne") as http:
        state = screen(http)
    answers: list[tuple[int, bool]] = []

    def send() -> None:
        with client(server.url, "anne") as http:
            response = decide(http, state)
            answers.append((response.status_code, response.json().get("saved") is not None))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # one request writes; each other one finds that decision standing (200, nothing saved) or, if it read
    # before the write, is refused as based on an outdated screen (409)
    assert sum(saved for _, saved in answers) == 1
    assert all(status == 200 or (status == 409 and not saved) for status, saved in answers)
    assert len(review_data.codings_in(db_path)) == 1


def test_blind_double_coding_and_adjudication_over_http(server, seeded, db_path):
    with Store.open(db_path) as store:
        result = assign_double(store, ["anne", "bjorn"], share=0.25, seed=3)
        assert result == {"population": 8, "target": 2, "already": 0, "added": 2}
        assert assign_double(store, ["anne", "bjorn"], share=0.25, seed=3)["added"] == 0
        sample = sorted(r[0] for r in store.db.execute("SELECT DISTINCT passage_id FROM assignments"))
    with client(server.url, "anne") as anne, client(server.url, "bjorn") as bjorn, client(server.url, "cora") as cora:
        # the sample comes first for both coders; others never see it
        first_anne, first_bjorn = screen(anne), screen(bjorn)
        assert first_anne["passage_id"] in sample and first_bjorn["passage_id"] in sample
        waiting = cora.get("/adjudicate", params={"show": "waiting"})
        assert waiting.status_code == 200 and "Still waiting for: anne, bjorn." in waiting.text
        html = anne.get("/api/passage", params={"p": sample[0]}).json()["passage"]["html"]
        assert "blind double coding" in html
        for _ in range(2):
            state = screen(anne)
            assert decide(anne, state, areas="mat", framing="sektor").status_code == 200
            state = screen(bjorn)
            assert (
                decide(
                    bjorn, state, areas="mat", framing="samfunn" if state["passage_id"] == sample[0] else "sektor"
                ).status_code
                == 200
            )
        seen_by_cora = set()
        for _ in range(8):
            state = screen(cora)
            if state is None:
                break
            seen_by_cora.add(state["passage_id"])
            decide(cora, state, action="skip")
        assert not seen_by_cora & set(sample)
        # the blind coders never see each other's codes, and cannot set the final code of their own sample
        own = anne.get("/adjudicate?show=all").text
        assert "0</b> disagree" in own and "2 passages of your own blind sample" in own and "bjorn" not in own
        refused = anne.post(
            "/api/adjudicate",
            data={"passage_id": sample[0], "base": 0, "reform": "0", "areas": "", "framing": "sektor"},
        )
        assert refused.status_code == 403 and refused.json()["error"] == "E408"
        page = cora.get("/adjudicate").text
        assert "1</b> disagree" in page and "1</b> unanimous" in page
        base = 0
        response = cora.post(
            "/api/adjudicate",
            data={
                "passage_id": sample[0],
                "base": base,
                "reform": "0",
                "areas": "mat",
                "framing": "begge",
                "memo": "begge perspektiv",
            },
        )
        assert response.status_code == 200
        stale = cora.post(
            "/api/adjudicate",
            data={"passage_id": sample[0], "base": base, "reform": "0", "areas": "", "framing": "ingen"},
        )
        assert stale.status_code == 409
        assert cora.post("/api/adjudicate/unanimous").json() == {"written": 1}
        assert "2</b> adjudicated" in cora.get("/adjudicate").text
        progress = cora.get("/progress").text
        assert "anne" in progress and "bjorn" in progress
    written = review_data.codings_in(db_path)
    blind = [r for r in written if r["blind"]]
    assert len(blind) == 4 and {r["coder"] for r in blind} == {"anne", "bjorn"}
    finals = [r for r in written if r["action"] == "adjudicate"]
    assert [(r["passage_id"], r["coder"], r["framing"]) for r in finals] == [
        (sample[0], "cora", "begge"),
        (sample[1], "cora", "sektor"),
    ]


def test_cli_assign_needs_two_coders_and_a_sane_share(db_path, seeded, runner):
    from lhl.cli import app

    result = runner.invoke(app, ["--db", str(db_path), "review", "assign", "--coder", "anne", "--double", "0.15"])
    assert result.exit_code == 2 and "E420" in result.output
    result = runner.invoke(
        app, ["--db", str(db_path), "review", "assign", "--coder", "a", "--coder", "b", "--double", "1.5"]
    )
    assert result.exit_code == 2 and "between 0 and 1" in result.output
    result = runner.invoke(
        app,
        [
            "--db",
            str(db_path),
            "review",
            "assign",
            "--coder",
            "anne",
            "--coder",
            "bjorn",
            "--double",
            "0.5",
            "--code",
            "reform",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1 passages newly assigned" in result.output
    with Store.open(db_path) as store:
        assert store.db["assignments"].count == 2
        (run,) = store.db.query("SELECT * FROM runs WHERE command = 'review assign'")
        assert json.loads(run["parameters"])["share"] == 0.5 and run["outcome"] == "ok"


def test_prepare_refuses_a_busy_port_and_gives_a_non_local_bind_a_token(db_path, seeded):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(PortInUse):
            review_server.prepare(db_path, host="127.0.0.1", port=busy.getsockname()[1], coder=None, token=None)
    with pytest.raises(ReviewUsageError):
        review_server.prepare(db_path, host="127.0.0.1", port=8765, coder="<script>", token=None)
    with pytest.raises(ReviewUsageError):
        review_server.prepare(db_path, host="127.0.0.1", port=0, coder="anne", token=None)
    with socket.socket() as probe:
        probe.bind(("0.0.0.0", 0))
        free = probe.getsockname()[1]
    config = review_server.prepare(db_path, host="0.0.0.0", port=free, coder="anne", token=None)
    assert config.token and len(config.token) >= 12 and not config.local_only and config.default_coder is None


def test_an_empty_database_says_there_is_nothing_to_code(db_path):
    Store.open(db_path, create=True).close()
    with BackgroundServer(ReviewConfig(db_path, default_coder="anne")) as running:
        page = httpx.get(running.url + "/code")
        assert page.status_code == 200 and "Nothing left in this queue" in page.text
        assert httpx.get(running.url + "/adjudicate").status_code == 200
        assert httpx.get(running.url + "/progress").status_code == 200


def test_lhl_review_command_serves_the_coding_screen(db_path, seeded):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "lhl"),
            "--db",
            str(db_path),
            "review",
            "--coder",
            "anne",
            "--port",
            str(port),
            "--no-browser",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/code", timeout=5)
                break
            except httpx.ConnectError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert response.status_code == 200
        assert "Leve he" in response.text and "anne" in response.text
    finally:
        process.terminate()
        process.wait(timeout=10)
    with Store.open(db_path) as store:
        (run,) = store.db.query("SELECT * FROM runs WHERE command = 'review'")
    assert json.loads(run["parameters"])["coder"] == "anne" and run["outcome"] == "ok"


def test_every_page_carries_the_code_keys_the_python_side_defines(server, seeded):
    """The scripts read their keys from the page; what the page says must be render.AREA_KEYS and FRAMING_KEYS."""
    with client(server.url, "anne") as http:
        for path in ("/code", "/adjudicate", "/search/code?q=hjemmetjenesten", "/progress"):
            response = http.get(path)
            assert response.status_code == 200, path
            found = re.search(r'<script type="application/json" id="lhl-keys">(.*?)</script>', response.text, re.S)
            assert found, path
            assert json.loads(found.group(1)) == {"AREA_KEYS": AREA_KEYS, "FRAMING_KEYS": FRAMING_KEYS}, path


def test_no_script_writes_out_a_code_list_of_its_own():
    """A script naming an area or a framing would drift from the codebook: the names come only from the page."""
    names = [*AREA_KEYS.values(), *FRAMING_KEYS.values()]
    scripts = sorted((HERE / "static").glob("*.js"))
    assert len(scripts) >= 4
    for script in scripts:
        text = script.read_text(encoding="utf-8")
        named = [name for name in names if re.search(rf"[\"'`]{re.escape(name)}[\"'`]", text)]
        assert not named, f"{script.name} writes out codes of its own: {named}"
