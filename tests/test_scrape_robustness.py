"""How `scrape` behaves when portals misbehave: 429, 500, timeouts, HTML for JSON, truncated PDFs,
robots, 403, an unreachable host, and a killed process that is resumed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from lhl_mining.scrapers.http import Politeness
from lhl_mining.scrapers.replay import ReplayServer, Reply
from scrape_support import FAST, YEARS, documents, lhl_doc, report_of, run_scrape, write_sources

from lhl_mining.demo import texts
from lhl_mining.demo.pdf import render_pdf
from lhl_mining.demo.portals import elements_routes, plans_page_routes
from lhl_mining.store import Store

TENANT = "970169717_PROD-970169717"
DATABASE = "5f1c2a9e-3d4b-4c8a-9e21-7a6b0d3c1e55"
API = "/publikum/api/"
LHL_SF = f"{API}Documents/ShowDocument/{DATABASE}/455700/768700"
BUDGET_SF = f"{API}Documents/ShowDocument/{DATABASE}/455702/768703"


def elements(**overrides) -> ReplayServer:
    routes = elements_routes("Stange", TENANT, DATABASE, texts.STANGE_MEETINGS, YEARS)
    routes.update(overrides)
    return ReplayServer(routes)


def stange(tmp_path, server, host: str | None = None, **extra):
    base = server.base if host is None else server.base.replace("127.0.0.1", host)
    return {"3413": [{"platform": "elements", "url": f"{base}/publikum/{TENANT}/Dmb", "key": TENANT, **extra}]}


def plans(tmp_path, server):
    return {"3449": [{"platform": "website", "url": server.url("/sor-aurdal/planer/")}]}


def test_429_with_retry_after_and_500_then_success_still_store_everything(store, tmp_path):
    server = elements()
    server.add(
        f"{API}PredefinedQuery/DmbMeetings?year=2020",
        [
            Reply(b"Too many requests", status=429, content_type="text/plain", headers={"Retry-After": "1"}),
            server.routes[f"{API}PredefinedQuery/DmbMeetings?year=2020"][0],
        ],
    )
    pdf = server.routes[LHL_SF][0]
    server.add(LHL_SF, [Reply(b"error", status=500, content_type="text/plain"), pdf])
    with server:
        started = time.monotonic()
        result = run_scrape(store, tmp_path, write_sources(tmp_path, stange(tmp_path, server)), ["Stange"])
        assert time.monotonic() - started >= 1.0  # Retry-After was honoured
        assert server.hits[LHL_SF] == 2
    assert report_of(result, "3413").downloaded == 5 and report_of(result, "3413").failed == 0


def test_html_where_json_is_expected_is_a_gap_not_data(store, tmp_path):
    app_page = Reply.html(
        "<!DOCTYPE html><html><head><title>Elements Publikum</title></head><body><div id=root>"
        "</div><script src='/publikum/static/js/main.js'></script></body></html>"
    )
    with elements(**{f"{API}PredefinedQuery/DmbMeetings?year=2019": app_page}) as server:
        result = run_scrape(store, tmp_path, write_sources(tmp_path, stange(tmp_path, server)), ["Stange"])
    report = report_of(result, "3413")
    assert report.status == "failed" and "E303" in report.gaps[-1] and "HTML where JSON" in report.gaps[-1]
    assert documents(store) == []


def test_truncated_pdfs_are_failures_and_the_rest_is_stored(store, tmp_path):
    whole = render_pdf(texts.STANGE_LHL_SF, "Stange")
    budget = render_pdf(texts.STANGE_BUDGET_SF, "Stange")
    cut_file = Reply.pdf(whole[: len(whole) // 3])  # the portal serves a broken file
    cut_transfer = Reply.pdf(budget, truncate_to=len(budget) // 2)  # the connection breaks mid-body
    with elements(**{LHL_SF: cut_file, BUDGET_SF: cut_transfer}) as server:
        sources = write_sources(tmp_path, stange(tmp_path, server))
        result = run_scrape(store, tmp_path, sources, ["Stange"])
        report = report_of(result, "3413")
        assert report.failed == 2 and report.downloaded == 3
        assert any("broke off mid-transfer" in f for f in report.failures)
        failed = [d for d in documents(store) if d["status"] == "failed"]
        assert len(failed) == 1 and failed[0]["error"]  # the broken file is recorded with its error
        # a later run retries the failures once the portal serves the files whole
        server.add(LHL_SF, Reply.pdf(whole))
        server.add(BUDGET_SF, Reply.pdf(budget))
        again = run_scrape(store, tmp_path, sources, ["Stange"])
    assert report_of(again, "3413").downloaded == 2 and report_of(again, "3413").failed == 0
    assert {d["status"] for d in documents(store)} == {"extracted"}


def test_robots_disallow_is_reported_and_the_override_file_can_lift_it(store, tmp_path):
    robots = Reply(b"User-agent: *\nDisallow: /publikum/\n", content_type="text/plain")
    with elements(**{"/robots.txt": robots}) as server:
        polite = Politeness(rate=0, retries=1, backoff_s=0.01, timeout=2.0)
        result = run_scrape(
            store, tmp_path, write_sources(tmp_path, stange(tmp_path, server)), ["Stange"], politeness=polite
        )
        assert "robots.txt" in report_of(result, "3413").gaps[0]
        assert not [k for k in server.hits if k.startswith(API)]
        sources = write_sources(tmp_path, stange(tmp_path, server), robots_ignore=["127.0.0.1"])
        result = run_scrape(store, tmp_path, sources, ["Stange"], politeness=polite)
    assert report_of(result, "3413").downloaded == 5


def test_403_stops_that_host_and_other_hosts_continue(store, tmp_path):
    forbidden = Reply(b"Forbidden", status=403, content_type="text/plain")
    with elements(**{f"{API}ConfigProvider/GetConfigs": forbidden}) as server:
        routes = plans_page_routes("Sør-Aurdal", "/sor-aurdal/planer/", [texts.SOR_AURDAL_STRATEGY])
        with ReplayServer(routes) as other:
            # "localhost" is another host name for the politeness rules
            sources = write_sources(
                tmp_path,
                {
                    **stange(tmp_path, server),
                    "3449": [
                        {
                            "platform": "website",
                            "url": other.url("/sor-aurdal/planer/").replace("127.0.0.1", "localhost"),
                        }
                    ],
                },
            )
            result = run_scrape(store, tmp_path, sources, ["Stange", "Sør-Aurdal"])
    stange_report = report_of(result, "3413")
    assert stange_report.status == "failed" and "403" in stange_report.gaps[0]
    assert sum(server.hits.values()) == 1  # nothing after the 403
    assert report_of(result, "3449").downloaded == 1


def test_unreachable_host_is_reported_and_the_run_continues(store, tmp_path):
    routes = plans_page_routes("Sør-Aurdal", "/sor-aurdal/planer/", [texts.SOR_AURDAL_STRATEGY])
    with ReplayServer(routes) as server:
        sources = write_sources(
            tmp_path,
            {
                "3413": [{"platform": "elements", "url": f"http://127.0.0.1:9/publikum/{TENANT}/Dmb"}],
                **plans(tmp_path, server),
            },
        )
        result = run_scrape(
            store,
            tmp_path,
            sources,
            ["Stange", "Sør-Aurdal"],
            politeness=Politeness(rate=0, retries=1, backoff_s=0.01, timeout=1.0),
        )
    assert report_of(result, "3413").status == "failed" and "did not answer" in report_of(result, "3413").gaps[0]
    assert report_of(result, "3449").downloaded == 1


def test_slow_document_times_out_and_is_retried(store, tmp_path):
    pdf = render_pdf(lhl_doc("slow", "Leve hele livet - treg fil"), "Sør-Aurdal")
    routes = plans_page_routes("Sør-Aurdal", "/sor-aurdal/planer/", [texts.SOR_AURDAL_STRATEGY])
    href = next(k for k in routes if k.endswith(".pdf"))
    routes[href] = [Reply.pdf(pdf, delay_s=3.0), Reply.pdf(pdf)]
    with ReplayServer(routes) as server:
        result = run_scrape(
            store,
            tmp_path,
            write_sources(tmp_path, plans(tmp_path, server)),
            ["Sør-Aurdal"],
            politeness=Politeness(rate=0, retries=2, backoff_s=0.01, timeout=1.0),
        )
        assert server.hits[href] == 2
    assert report_of(result, "3449").downloaded == 1


def test_killed_scrape_resumes_without_fetching_stored_documents_again(tmp_path):
    db = tmp_path / "lhl.db"
    slow_pdf = render_pdf(texts.STANGE_BUDGET_SF, "Stange")
    with elements(**{BUDGET_SF: Reply.pdf(slow_pdf, delay_s=20)}) as server:
        sources = write_sources(tmp_path, stange(tmp_path, server))
        command = [
            str(Path(sys.executable).parent / "lhl"),
            "--db",
            str(db),
            "scrape",
            "--county",
            "Innlandet",
            "--kommune",
            "Stange",
            "--since",
            "2019",
            "--until",
            "2022",
            "--sources",
            str(sources),
            "--rate",
            "0",
            "--i-know",
            "--workers",
            "1",
            "--corpus",
            str(tmp_path / "corpus"),
        ]
        process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "LHL_CONTACT": "test@example.no"},
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while server.hits.get(BUDGET_SF, 0) == 0 and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.05)
            assert server.hits.get(BUDGET_SF, 0) == 1, "the scrape never reached the slow document"
        finally:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        with Store.open(db) as store:
            stored_before = {d["url"] for d in documents(store) if d["status"] == "extracted"}
            assert len(stored_before) >= 3  # everything before the kill is kept
            server.add(BUDGET_SF, Reply.pdf(slow_pdf))
            hits_before = {url: server.hits.get(url.split(server.base)[1], 0) for url in stored_before}
            result = run_scrape(store, tmp_path, sources, ["Stange"])
            assert {url: server.hits.get(url.split(server.base)[1], 0) for url in stored_before} == hits_before
            report = report_of(result, "3413")
            assert report.unchanged == len(stored_before) and report.downloaded == 5 - len(stored_before)
            assert len([d for d in documents(store) if d["status"] == "extracted"]) == 5
            assert FAST.rate == 0


def test_corpus_failure_mid_run_is_a_clear_error_and_keeps_what_was_stored(store, tmp_path):
    import hashlib

    import pytest

    from lhl_mining.errors import CorpusNotWritable

    budget = render_pdf(texts.STANGE_BUDGET_SF, "Stange")
    shard = hashlib.sha256(budget).hexdigest()[:2]
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / shard).write_text("not a folder: writing the budget PDF fails like a full disk")
    with elements(**{BUDGET_SF: Reply.pdf(budget)}) as server:
        sources = write_sources(tmp_path, stange(tmp_path, server))
        with pytest.raises(CorpusNotWritable, match="Cannot write to the corpus folder"):
            run_scrape(store, tmp_path, sources, ["Stange"], workers=1)
    stored = [d for d in documents(store) if d["status"] == "extracted"]
    assert len(stored) == 4 and not [d for d in documents(store) if d["url"].endswith(BUDGET_SF)]
    outcome = store.db.execute("SELECT outcome FROM runs WHERE command = 'scrape'").fetchone()[0]
    assert outcome == "failed"
