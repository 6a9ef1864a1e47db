"""Source discovery: fingerprinting kommune pages for portal links, stored with evidence and date."""

from __future__ import annotations

import datetime as dt

from lhl.cli import app
from lhl_mining.scrapers.discover import fingerprint_page, navigation_links
from lhl_mining.scrapers.http import PoliteClient
from lhl_mining.scrapers.replay import ReplayServer, Reply
from scrape_support import FAST

from lhl_mining import registry
from lhl_mining.sources import discover, discovery_targets
from lhl_mining.store import sources as source_sql

HOMEPAGE = """<!DOCTYPE html><html><body><nav>
<a href="/politikk/">Politikk og innsyn</a> <a href="/skole/">Skole</a>
<a href="https://pub.framsikt.net/2024/gran/bm-2024-okonomiplan_2024_2027/#/home">Økonomiplan</a>
</nav></body></html>"""
POLITICS = """<html><body>
<a href="https://prod01.elementscloud.no/publikum/961381001_PROD-961381001/Dmb">Politiske møter</a>
<a href="https://innsynpluss.onacos.no/gran-postliste/postliste/">Postliste</a>
<a href="https://opengov.360online.com/Meetings/GRAN/Boards">Gamle møter</a>
</body></html>"""


def test_fingerprints_of_portal_links():
    findings = {f.platform: f for f in fingerprint_page(POLITICS, "https://www.gran.kommune.no/politikk/")}
    assert findings["elements"].base_url == "https://prod01.elementscloud.no/publikum/961381001_PROD-961381001/Dmb"
    assert findings["elements"].key == "961381001_PROD-961381001"
    assert findings["acos_nye_innsyn"].key == "gran"  # the -postliste suffix is stripped
    assert findings["opengov360"].base_url == "https://opengov.360online.com/Meetings/GRAN"
    assert "link https://prod01.elementscloud.no" in findings["elements"].evidence
    framsikt = fingerprint_page(HOMEPAGE, "https://www.gran.kommune.no/")[0]
    assert (framsikt.platform, framsikt.role) == ("framsikt", "plans")
    assert framsikt.base_url == "https://pub.framsikt.net/2024/gran/bm-2024-okonomiplan_2024_2027"
    assert navigation_links(HOMEPAGE, "https://www.gran.kommune.no/") == ["https://www.gran.kommune.no/politikk/"]


def test_acos_nye_innsyn_shell_capture_is_fingerprinted(shared):
    page = shared / "real/portal_captures/acos_nye_innsyn/politiske_moter_page_shell_sauda_2025.html"
    url = "https://www.sauda.kommune.no/innsyn/politiske-moter/"
    findings = fingerprint_page(page.read_text(encoding="utf-8"), url)
    assert [(f.platform, f.base_url) for f in findings if f.platform == "acos_nye_innsyn"] == [("acos_nye_innsyn", url)]


def test_acos_classic_capture_is_fingerprinted(shared):
    page = shared / "real/portal_captures/acos_classic/moteplan_baerum_2018.html"
    url = "https://www.baerum.kommune.no/innsyn/politikk/wfinnsyn.ashx?response=moteplan"
    platforms = {(f.platform, f.base_url) for f in fingerprint_page(page.read_text(encoding="utf-8"), url)}
    assert ("acos_classic", url) in platforms


def test_discover_stores_findings_with_evidence_and_date(store):
    gran = registry.resolve_kommune("Gran")
    with ReplayServer({"/": Reply.html(HOMEPAGE), "/politikk/": Reply.html(POLITICS)}) as server:
        kommune = registry.Kommune(**{**gran.as_dict(), "website": server.url("/")})
        with PoliteClient(FAST) as client:
            results = discover(store, client, [kommune])
    assert results[0].error is None and len(results[0].pages) == 2
    rows = {r["platform"]: r for r in source_sql.list_sources(store, ["3446"])}
    assert (
        rows["elements"]["origin"] == "discovered" and rows["elements"]["checked_date"] == dt.date.today().isoformat()
    )
    assert "/politikk/" in rows["elements"]["evidence"]
    assert set(rows) == {"elements", "acos_nye_innsyn", "opengov360", "framsikt"}


def test_discover_reports_an_unreachable_website(store):
    gran = registry.resolve_kommune("Gran")
    kommune = registry.Kommune(**{**gran.as_dict(), "website": "127.0.0.1:9"})
    with PoliteClient(FAST) as client:
        results = discover(store, client, [kommune])
    assert results[0].error and results[0].findings == []
    assert source_sql.list_sources(store, ["3446"]) == []


def test_sources_list_cli_shows_registry_and_override_rows(runner, db_path, tmp_path):
    sources = tmp_path / "s.yaml"
    sources.write_text(
        "kommuner:\n  Gran:\n    - platform: website\n      url: https://www.gran.kommune.no/planer/\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        [
            "--db",
            str(db_path),
            "sources",
            "list",
            "--county",
            "Innlandet",
            "--sources",
            str(sources),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    import json

    rows = json.loads(result.output)
    assert {"knr": "3446", "platform": "website", "origin": "override"}.items() <= next(
        r for r in rows if r["knr"] == "3446"
    ).items()
    assert len([r for r in rows if r["origin"] == "registry"]) == 45  # Gran alone has no registry platform


def test_discovery_probes_kommuner_without_a_known_portal_unless_named_or_all():
    innlandet = registry.kommuner_in("Innlandet")
    unknown = [k.knr for k in innlandet if not k.has_meetings_source]
    assert unknown and len(unknown) < len(innlandet)
    assert [k.knr for k in discovery_targets("Innlandet", None)] == unknown
    assert len(discovery_targets("Innlandet", None, every=True)) == len(innlandet)
    assert [k.name for k in discovery_targets("Innlandet", ["Hamar"])] == ["Hamar"]  # named: probed though known
