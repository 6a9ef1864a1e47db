"""`lhl report`: one self-contained HTML file whose charts really draw in a browser."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from _export_data import build_project, code
from lhl.cli import app
from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _render(path: Path, screenshot: Path) -> tuple[dict[str, int], list[str]]:
    """Open the report in headless chromium: drawn marks per chart, and every non-file request made."""
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is needed (scripts/bootstrap installs it)"
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda r: None if r.url.startswith("file:") else requests.append(r.url))
            page.goto(path.resolve().as_uri())
            marks = page.evaluate(
                """() => Object.fromEntries([...document.querySelectorAll('section.chart')].map(s => [s.id,
                    [...s.querySelectorAll('svg rect.mark')].filter(r => {
                        const b = r.getBoundingClientRect(); return b.width > 0 && b.height > 0; }).length]))"""
            )
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return marks, requests


def test_report_draws_every_chart_offline(runner, db_path, store, tmp_path):
    build_project(store)
    run_id = store.db["runs"].insert({"command": "scrape", "started_at": "2024-03-01T10:00:00+00:00"}).last_pk
    store.db["scrape_coverage"].insert(
        {
            "run_id": run_id,
            "knr": "1804",
            "platform": "einnsyn",
            "status": "gap",
            "since": 2018,
            "until": 2024,
            "created_at": "2024-03-01T10:00:00+00:00",
            "gaps": '["portalen viser bare de siste 365 dagene"]',
        }
    )
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["--db", str(db_path), "report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    # self-contained: no scripts, stylesheets, images or fonts from elsewhere
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|<img[^>]+src=|url\(", page)
    marks, requests = _render(out, tmp_path / "report.png")
    assert requests == []
    # 3 kommuner × 5 years of documents; 3 years × 2 series of reform bars; one county and one doc type × 5 areas;
    # Hamar and Bodø framing segments; Risør's failed download in the coverage chart
    assert marks["documents"] == 15
    assert marks["reform"] == 6
    assert marks["areas-county"] == 5 and marks["areas-doctype"] == 5
    assert marks["framing"] == 4
    assert marks["coverage"] == 1
    assert (tmp_path / "report.png").stat().st_size > 10_000
    # the Vedlegg-2 table links its evidence, and the gaps name the kommuner without documents
    assert 'href="https://hamar.example/lhl-plan.pdf"' in page
    assert "Herøy (Nordland)" in page and "Risør" in page
    assert "portalen viser bare de siste 365 dagene" in page  # the scrape's coverage gap
    # two coders decided the same passages: the reliability table is there, in Norwegian with code names, and
    # a handful of units is never «reliable», whatever α says
    assert "Krippendorff" in page and '<td title="area.mat">Mat og måltider</td>' in page
    assert "Vurdering" in page and ">pålitelig<" not in page and ">for få enheter<" in page


def test_report_without_double_coding_says_so(runner, db_path, store, tmp_path):
    ids = build_project(store)
    store.db.execute("DELETE FROM codings WHERE coder != 'ane'")
    store.db.conn.commit()
    code(store, ids["okonomi_p"][1], "ane", areas=["helsehjelp"], framing="sektor")
    out = tmp_path / "report.html"
    assert runner.invoke(app, ["--db", str(db_path), "report", "--out", str(out)]).exit_code == 0
    assert "Reliabilitet krever koding fra minst to kodere." in out.read_text(encoding="utf-8")


def test_report_refuses_empty_database_and_existing_file(runner, db_path, store, tmp_path):
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["--db", str(db_path), "report", "--out", str(out)])
    assert result.exit_code == 1 and "E600" in result.output
    assert not out.exists()
    build_project(store)
    out.write_text("old", encoding="utf-8")
    result = runner.invoke(app, ["--db", str(db_path), "report", "--out", str(out)])
    assert result.exit_code == 1 and "E601" in result.output
    assert out.read_text(encoding="utf-8") == "old"
    assert runner.invoke(app, ["--db", str(db_path), "report", "--out", str(out), "--force"]).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_report_of_documents_without_kommune(runner, db_path, store, shared, tmp_path):
    from _export_data import add_text_document

    for path in sorted((shared / "seeds").glob("*.txt")):
        add_text_document(store, path.resolve().as_uri(), path.read_text(encoding="utf-8"))
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["--db", str(db_path), "report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "Ingen dokumenter er knyttet til en kommune" in page
    assert "(uten kommune)" in page  # the documents still count in the per-year chart


def test_reliability_flag_accounts_for_the_interval_and_ticks_are_round():
    from lhl_mining.export.report import interval_flag, nice_step, number

    assert interval_flag(0.82, 0.0, 1.0, 15) == "too-few"  # the case: α .82, CI 0–1 on 15 units
    assert interval_flag(1.0, 1.0, 1.0, 4) == "too-few"  # a degenerate bootstrap on four units
    assert interval_flag(0.9, 0.83, 0.95, 200) == "reliable"
    assert interval_flag(0.85, 0.75, 0.92, 200) == "tentative"
    assert interval_flag(0.5, 0.4, 0.6, 200) == "unreliable"
    assert interval_flag(0.8, 0.6, 0.9, 200) == "too-few"
    assert interval_flag(None, None, None, 0) == "undefined"
    assert [nice_step(p) for p in (3, 9, 2406, 4812, 40, 999)] == [1, 5, 1000, 2000, 10, 250]
    assert number(12500) == "12\u202f500"


def test_report_fits_a_phone_screen(runner, db_path, store, tmp_path):
    """At 390 px (an iPhone's CSS width) in chromium nothing is cut off: the page does not scroll sideways and
    every chart and table lies inside the screen or inside its own scrolling box."""
    build_project(store)
    out = tmp_path / "report.html"
    assert runner.invoke(app, ["--db", str(db_path), "report", "--out", str(out)]).exit_code == 0
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is needed (scripts/test installs it)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            page.goto(out.resolve().as_uri())
            layout = page.evaluate(
                """() => ({
                    page: document.documentElement.scrollWidth,
                    charts: [...document.querySelectorAll('svg.chart-svg')].map(s => {
                        const b = s.getBoundingClientRect(), box = s.closest('.scroll');
                        const r = box.getBoundingClientRect();
                        return {left: b.left, right: b.right, boxRight: r.right,
                                scrolls: box.scrollWidth > box.clientWidth}; }),
                    boxes: [...document.querySelectorAll('section.chart')].map(s => s.getBoundingClientRect().right),
                    smallest: Math.min(...[...document.querySelectorAll('svg.chart-svg text')].map(
                        t => t.getBoundingClientRect().height).filter(h => h > 0)),
                })"""
            )
            page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
        finally:
            browser.close()
    assert layout["page"] <= 390  # the page never scrolls sideways
    assert all(right <= 390 for right in layout["boxes"])
    # each chart fits the screen, or scrolls inside its own box (which fits)
    assert layout["charts"] and all(
        c["left"] >= 0 and (c["right"] <= 390 or (c["scrolls"] and c["boxRight"] <= 390)) for c in layout["charts"]
    )
    assert sum(c["right"] <= 390 for c in layout["charts"]) >= 2  # the two bar charts fit without scrolling
    assert layout["smallest"] >= 8  # chart labels stay legible: charts shrink to 75 % at most


def test_undated_documents_are_ukjent_in_every_chart(runner, db_path, store, tmp_path):
    """One year rule: meeting date, else document date; never the download year (Risør's plan is undated and
    was fetched in 2024; a reform passage in an undated document counts under «ukjent» too)."""
    ids = build_project(store)
    store.db.execute("UPDATE documents SET meeting_date = NULL, doc_date = NULL WHERE id = ?", [ids["sak"]])
    store.db.conn.commit()
    out = tmp_path / "report.html"
    assert runner.invoke(app, ["--db", str(db_path), "report", "--out", str(out)]).exit_code == 0
    page = out.read_text(encoding="utf-8")
    documents = page[page.index('id="documents"') : page.index('id="reform"')]
    reform = page[page.index('id="reform"') : page.index('id="areas-county"')]
    assert ">ukjent</text>" in documents and ">2024</text>" not in documents
    assert ">ukjent</text>" in reform and ">2024</text>" not in reform
    assert page.count("dokumenter uten dato står under «ukjent»") == 2
