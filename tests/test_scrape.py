"""`scrape` end to end against replayed portals over real sockets: provenance, pre-filter, idempotence, gaps."""

from __future__ import annotations

import pytest
from lhl_mining.scrapers.replay import ReplayServer, Reply
from scrape_support import FAST, YEARS, documents, lhl_doc, report_of, run_scrape, write_sources

from lhl_mining import registry
from lhl_mining.demo import texts
from lhl_mining.demo.portals import (
    acos_classic_routes,
    acos_nye_innsyn_routes,
    elements_routes,
    framsikt_routes,
    opengov_routes,
    plans_page_routes,
)
from lhl_mining.errors import CorpusNotWritable, SourcesFileInvalid, UsageError
from lhl_mining.prefilter import default_prefilter
from lhl_mining.scrape import title_matches
from lhl_mining.sources import load_overrides
from lhl_mining.store import sources as source_sql

TENANT = "970169717_PROD-970169717"
DATABASE = "5f1c2a9e-3d4b-4c8a-9e21-7a6b0d3c1e55"
API = "/publikum/api/"


def stange_server() -> ReplayServer:
    return ReplayServer(elements_routes("Stange", TENANT, DATABASE, texts.STANGE_MEETINGS, YEARS))


def stange_sources(tmp_path, server):
    return write_sources(
        tmp_path, {"3413": [{"platform": "elements", "url": server.url(f"/publikum/{TENANT}/Dmb"), "key": TENANT}]}
    )


def test_elements_scrape_stores_documents_with_provenance(store, tmp_path):
    with stange_server() as server:
        result = run_scrape(store, tmp_path, stange_sources(tmp_path, server), ["Stange"])
        hits = dict(server.hits)
    report = report_of(result, "3413")
    assert report.platforms == ["elements"] and report.meetings_seen == 3
    # saksframlegg + vedlegg (shared by two meetings), budget saksframlegg, two protocols
    assert (report.documents_found, report.downloaded, report.failed) == (5, 5, 0)
    assert report.confirmed == 4  # the budget case does not name the reform
    docs = {d["title"]: d for d in documents(store)}
    lhl = docs["Leve hele livet - handlingsplan for et aldersvennlig Stange 2020-2023"]
    assert lhl["platform"] == "elements" and lhl["knr"] == "3413" and lhl["status"] == "extracted"
    assert lhl["doc_type"] == "saksframlegg" and lhl["saksnr"] == "PS 1/2020" and lhl["utvalg"] == "Eldrerådet"
    assert lhl["meeting_date"] == "2020-02-11" and lhl["moetemappe_id"] == "1240" and lhl["journalpost_id"]
    assert lhl["platform_ids"]["database"] == DATABASE and lhl["run_id"] == result.run_id
    # every board that treated the case, from AdditionalDmbHandlings
    assert lhl["platform_ids"]["boards"] == "Eldrerådet 2020-02-11 PS 1/2020; Kommunestyret 2020-02-26 PS 1/2020"
    assert lhl["source_id"] and lhl["fetched_at"] and lhl["etag"]
    assert lhl["url"].endswith(f"{API}Documents/ShowDocument/{DATABASE}/455700/768700")
    text = store.db.execute("SELECT text FROM document_texts WHERE document_id = ?", [lhl["id"]]).fetchone()[0]
    assert "helse- og omsorgstjenestene" in text
    assert store.db.execute("SELECT count(*) FROM passages WHERE document_id = ?", [lhl["id"]]).fetchone()[0] > 3
    # the same document in two meetings is fetched once; the pre-filter skips the zoning case
    assert hits[f"{API}Documents/ShowDocument/{DATABASE}/455700/768700"] == 1
    assert not [k for k in hits if "/455701/" in k]  # Detaljregulering for Ottestad næringspark
    assert docs["Møteprotokoll Eldrerådet 2020-02-11"]["doc_type"] == "moteprotokoll"
    coverage = source_sql.coverage_of_run(store, result.run_id)
    assert coverage[0]["downloaded"] == 5 and "365 days" in " ".join(coverage[0]["gaps"])


def test_unchanged_rerun_downloads_nothing(store, tmp_path):
    with stange_server() as server:
        sources = stange_sources(tmp_path, server)
        run_scrape(store, tmp_path, sources, ["Stange"])
        pdf_hits = {k: v for k, v in server.hits.items() if "Documents/" in k}
        second = run_scrape(store, tmp_path, sources, ["Stange"])
        assert {k: v for k, v in server.hits.items() if "Documents/" in k} == pdf_hits
        refreshed = run_scrape(store, tmp_path, sources, ["Stange"], refresh=True)
        listing_requests = [h for m, p, h, b in server.requests if "PredefinedQuery" in p]
    report = report_of(second, "3413")
    assert (report.downloaded, report.unchanged, report.confirmed) == (0, 5, 4)
    assert second.requests == 0 and second.reused >= 10  # 2019–2022 are settled: every listing from the cache
    assert refreshed.not_modified >= 10  # --refresh revalidates every listing: 304
    assert listing_requests[-1].get("If-None-Match")
    assert len(documents(store)) == 5


def test_dry_run_plans_without_downloading(store, tmp_path):
    with stange_server() as server:
        result = run_scrape(store, tmp_path, stange_sources(tmp_path, server), ["Stange"], dry_run=True)
        assert not [k for k in server.hits if "Documents/" in k]
    planned = report_of(result, "3413").planned
    assert len(planned) == 5 and {p["utvalg"] for p in planned} == {"Eldrerådet", "Kommunestyret"}
    assert documents(store) == []


def test_acos_classic_scrape(store, tmp_path):
    with ReplayServer(acos_classic_routes("Grue", "/grue", texts.GRUE_MEETINGS, YEARS)) as server:
        sources = write_sources(
            tmp_path,
            {"Grue": [{"platform": "acos_classic", "url": server.url("/grue/wfinnsyn.ashx?response=moteplan")}]},
        )
        result = run_scrape(store, tmp_path, sources, ["3417"])
    report = report_of(result, "3417")
    assert (report.meetings_seen, report.downloaded, report.confirmed) == (2, 3, 2)
    docs = {d["title"]: d for d in documents(store)}
    sf = docs["Leve hele livet - status for arbeidet i Grue kommune"]
    assert sf["saksnr"] == "21/00412" and sf["utvalg"] == "Hovedutvalg for helse og omsorg"
    assert sf["journalpost_id"] and sf["dokument_id"] and sf["platform"] == "acos_classic"
    assert docs["Møteprotokoll Hovedutvalg for helse og omsorg 02.03.2021"]["doc_type"] == "moteprotokoll"


def test_acos_nye_innsyn_search_with_session_cookie_and_pages(store, tmp_path):
    hits = [(lhl_doc(f"sl-{n}", f"Leve hele livet - sak nummer {n}"), "Saksframlegg") for n in range(12)]
    routes = acos_nye_innsyn_routes("Søndre Land", "/sondre-land", "/sondre-land/moteoversikt/", hits, page_size=10)
    with ReplayServer(routes) as server:
        sources = write_sources(
            tmp_path,
            {
                "3447": [
                    {
                        "platform": "acos_nye_innsyn",
                        "key": "sondre-land",
                        "url": server.url("/sondre-land/moteoversikt/"),
                    }
                ]
            },
        )
        result = run_scrape(store, tmp_path, sources, ["Søndre Land"])
        posts = [b for m, p, h, b in server.requests if m == "POST"]
        cookies = [h.get("Cookie", "") for m, p, h, b in server.requests if m == "POST"]
    report = report_of(result, "3447")
    assert (report.documents_found, report.downloaded, report.failed) == (12, 12, 0)
    assert any(b'"page", "value": "2"' in b for b in posts)  # the second page was asked for
    assert all("ASP.NET_SessionId" in c for c in cookies)
    doc = documents(store)[0]
    assert doc["saksnr"] == "22/00877" and doc["platform_ids"]["search_term"] == "Leve hele livet"


def test_opengov_scrape_skips_unpublished_meetings(store, tmp_path):
    meeting = texts.DemoMeeting(
        "Kommunestyret",
        "2019-11-21",
        [
            texts.DemoItem(
                "Helse- og omsorgsplan 2019-2030 - sluttbehandling",
                "19/01234",
                [texts.SOR_ODAL_SF, texts.SOR_ODAL_VEDTAK],
            ),
            texts.DemoItem("Godkjenning av protokoll", "19/01200", []),
        ],
    )
    routes = opengov_routes("Sør-Odal", "sorodal", [meeting], YEARS, unpublished=[("Kommunestyret", "2020-12-10")])
    with ReplayServer(routes) as server:
        sources = write_sources(
            tmp_path, {"3415": [{"platform": "opengov360", "url": server.url("/Meetings/sorodal")}]}
        )
        result = run_scrape(store, tmp_path, sources, ["3415"])
    report = report_of(result, "3415")
    assert (report.meetings_seen, report.downloaded) == (1, 2)
    docs = {d["title"]: d for d in documents(store)}
    sf = docs["Helse- og omsorgsplan 2019-2030 - sluttbehandling"]
    assert sf["saksnr"] == "19/01234" and sf["saksbehandler"] == "Per Haugen" and sf["doc_type"] == "saksframlegg"
    assert "no meetings listed for 2020" in " ".join(report.gaps)


def test_framsikt_and_plans_page(store, tmp_path):
    routes = framsikt_routes("/2023/trysil/bm-2023-hop", texts.TRYSIL_FRAMSIKT_SECTIONS, texts.TRYSIL_FRAMSIKT_TEXTS)
    routes.update(
        plans_page_routes(
            "Sør-Aurdal",
            "/sor-aurdal/planer/",
            [texts.SOR_AURDAL_STRATEGY, texts.SOR_AURDAL_HELSE, texts.SOR_AURDAL_OTHER],
        )
    )
    with ReplayServer(routes) as server:
        sources = write_sources(
            tmp_path,
            {
                "3421": [{"platform": "framsikt", "url": server.url("/2023/trysil/bm-2023-hop")}],
                "3449": [{"platform": "website", "url": server.url("/sor-aurdal/planer/")}],
            },
        )
        result = run_scrape(store, tmp_path, sources, ["Trysil", "Sør-Aurdal"])
        assert not [k for k in server.hits if "sor-aurdal-regulering" in k]  # not a plan the study needs
    assert report_of(result, "3421").confirmed == 1
    assert report_of(result, "3449").downloaded == 2
    framsikt = next(d for d in documents(store) if d["platform"] == "framsikt")
    text = store.db.execute("SELECT text FROM document_texts WHERE document_id = ?", [framsikt["id"]]).fetchone()[0]
    assert "Leve hele livet" in text and "Helse og omsorg" in text
    assert framsikt["title"] == "Handlings- og økonomiplan 2023-2026"  # the publication's heading, not its slug
    assert {d["title"] for d in documents(store) if d["platform"] == "website"} == {
        "Kommunal planstrategi 2020-2023",
        "Helse- og omsorgsplan 2021-2030",
    }


def test_einnsyn_cursor_pagination(store, tmp_path):
    def page(n: int, next_url: str | None) -> Reply:
        item = {
            "entity": "Moetesak",
            "id": f"ms_{n}",
            "offentligTittel": f"Leve hele livet {n}",
            "moetesaksaar": 2021,
            "moetesakssekvensnummer": n,
            "utvalg": "Kommunestyret",
            "moetemappe": {"id": f"mm_{n}", "moetedato": "2021-06-10T00:00:00Z"},
            "dokumentbeskrivelse": [
                {
                    "id": f"db_{n}",
                    "tittel": f"Saksframlegg {n}",
                    "tilknyttetRegistreringSom": "hoveddokument",
                    "dokumentobjekt": [{"id": f"do_{n}", "format": "PDF"}],
                }
            ],
        }
        return Reply.json({"items": [item], "next": next_url})

    from lhl_mining.scrapers.einnsyn import search_url

    from lhl_mining.demo.pdf import render_pdf

    with ReplayServer() as server:
        first = search_url("", "Leve hele livet", "enh_demo", 2019, 2022)
        server.add(first, page(1, "/search?startingAfter=cursor1"))
        server.add("/search?startingAfter=cursor1", page(2, None))
        for term in default_prefilter().queries[1:]:  # every codebook query is asked; only the first has hits
            server.add(search_url("", term, "enh_demo", 2019, 2022), Reply.json({"items": []}))
        server.add("/dokumentobjekt/do_1/download", Reply.pdf(render_pdf(lhl_doc("e1", "Leve hele livet 1"), "Hamar")))
        # the second file lives at the publisher: eInnsyn redirects to it
        server.add("/dokumentobjekt/do_2/download", Reply.redirect("/files/leve-hele-livet-2.pdf"))
        server.add("/files/leve-hele-livet-2.pdf", Reply.pdf(render_pdf(lhl_doc("e2", "Leve hele livet 2"), "Hamar")))
        sources = write_sources(tmp_path, {"3403": [{"platform": "einnsyn", "url": server.base, "key": "enh_demo"}]})
        result = run_scrape(store, tmp_path, sources, ["Hamar"])
    report = report_of(result, "3403")
    assert (report.documents_found, report.downloaded, report.confirmed) == (2, 2, 2)
    assert {d["moetesak_id"] for d in documents(store)} == {"ms_1", "ms_2"}
    assert {d["url"].rsplit("/", 2)[-2] for d in documents(store)} == {"do_1", "do_2"}  # stored under the API URL


def test_einnsyn_without_enhet_id_is_a_gap_not_a_national_search(store, tmp_path):
    sources = write_sources(tmp_path, {"3403": [{"platform": "einnsyn", "url": "https://einnsyn.no/kalender"}]})
    result = run_scrape(store, tmp_path, sources, ["Hamar"])
    report = report_of(result, "3403")
    assert report.status == "gap" and "enhet id" in report.gaps[0] and result.requests == 0


def test_kommune_without_source_is_a_gap_with_the_discover_command(store, tmp_path):
    result = run_scrape(store, tmp_path, write_sources(tmp_path, {}), ["Gran"])
    report = report_of(result, "3446")
    assert report.status == "gap"
    assert "lhl sources discover --county Innlandet --kommune 3446" in report.gaps[0]
    assert documents(store) == []


def test_unknown_county_and_kommune_name_the_closest_match():
    with pytest.raises(UsageError, match="Innlandet"):
        registry.resolve_kommuner("Innlandt", None)
    with pytest.raises(UsageError, match="Stange"):
        registry.resolve_kommuner("Innlandet", ["Stangee"])


def test_bad_sources_file_is_a_clear_error(tmp_path):
    path = write_sources(tmp_path, {"Atlantis": [{"platform": "elements", "url": "https://x"}]})
    with pytest.raises(SourcesFileInvalid, match="Atlantis"):
        load_overrides(path)
    path.write_text("kommuner:\n  Hamar:\n    - platform: teletext\n", encoding="utf-8")
    with pytest.raises(SourcesFileInvalid, match="platform"):
        load_overrides(path)


def test_unwritable_corpus_fails_before_any_request_and_leaves_the_db_consistent(store, tmp_path):
    blocker = tmp_path / "corpus"
    blocker.write_text("a file where the corpus folder should be")
    with stange_server() as server:
        with pytest.raises(CorpusNotWritable, match="corpus folder"):
            run_scrape(store, tmp_path, stange_sources(tmp_path, server), ["Stange"])
        assert sum(server.hits.values()) == 0
    assert documents(store) == []


def test_title_prefilter_speaks_bokmal_and_nynorsk():
    assert title_matches("Leve heile livet - plan for eldre")
    assert title_matches("Handlings- og økonomiplan 2021-2024")
    assert title_matches("Kvalitetsreformen for eldre")
    assert not title_matches("Detaljregulering for Ottestad næringspark")


def test_sources_override_replaces_registry_sources_of_that_kommune(store, tmp_path):
    sources = write_sources(
        tmp_path, {"Hamar": [{"platform": "website", "url": "https://www.hamar.kommune.no/planer/"}]}
    )
    from lhl_mining.sources import prepare_sources

    prepare_sources(store, load_overrides(sources))
    active = source_sql.sources_for(store, "3403")
    assert [(s.platform, s.origin) for s in active] == [("website", "override")]
    prepare_sources(store, load_overrides(None))  # the override is gone: the registry source is back
    assert [(s.platform, s.origin) for s in source_sql.sources_for(store, "3403")] == [("elements", "registry")]
    assert FAST.rate == 0


def test_cli_unknown_county_and_kommune_exit_2(runner, db_path):
    from lhl.cli import app

    result = runner.invoke(app, ["--db", str(db_path), "scrape", "--county", "Innlandt"])
    assert result.exit_code == 2 and "Innlandet" in result.output
    result = runner.invoke(app, ["--db", str(db_path), "scrape", "--county", "Innlandet", "--kommune", "Stangee"])
    assert result.exit_code == 2 and "Stange" in result.output


def test_cli_dry_run_prints_the_plan_and_the_summary(runner, db_path, tmp_path):
    from lhl.cli import app

    with stange_server() as server:
        sources = stange_sources(tmp_path, server)
        result = runner.invoke(
            app,
            [
                "--db",
                str(db_path),
                "scrape",
                "--county",
                "innlandet",
                "--kommune",
                "Stange",
                "--since",
                "2019",
                "--until",
                "2022",
                "--dry-run",
                "--rate",
                "0",
                "--i-know",
                "--sources",
                str(sources),
                "--corpus",
                str(tmp_path / "corpus"),
            ],
        )
        assert not [k for k in server.hits if "Documents/" in k]
    assert result.exit_code == 0, result.output
    assert "Plan (dry run)" in result.output and "ShowDocument" in result.output
    assert "365 days" in result.output  # the coverage gap is printed
    assert not (tmp_path / "corpus").exists()


def test_refresh_revalidates_stored_documents_with_conditional_requests(store, tmp_path):
    with stange_server() as server:
        sources = stange_sources(tmp_path, server)
        run_scrape(store, tmp_path, sources, ["Stange"])
        result = run_scrape(store, tmp_path, sources, ["Stange"], refresh=True)
        document_requests = [h for m, p, h, b in server.requests if "Documents/" in p]
    report = report_of(result, "3413")
    assert (report.downloaded, report.unchanged, report.failed) == (0, 5, 0)
    assert len(document_requests) == 10 and all(h.get("If-None-Match") for h in document_requests[5:])
