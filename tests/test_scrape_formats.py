"""A portal that answers in another shape ends in a numbered format error (E305) and coverage `error`, never found=0."""

from __future__ import annotations

import json

import pytest
from lhl_mining.scrapers import acos_nye_innsyn, einnsyn, elements
from lhl_mining.scrapers.base import AgendaItem, Meeting
from lhl_mining.scrapers.replay import ReplayServer, Reply
from scrape_support import YEARS, lhl_doc, report_of, run_scrape, write_sources

from lhl_mining.demo import texts
from lhl_mining.demo.portals import acos_nye_innsyn_routes, elements_routes
from lhl_mining.errors import FormatChanged

TENANT = "970169717_PROD-970169717"
DATABASE = "5f1c2a9e-3d4b-4c8a-9e21-7a6b0d3c1e55"
MEETING = Meeting("1", "Eldrerådet", "2021-03-01", "u", {"database": DATABASE})


def coverage(store, knr):
    return store.db.execute("SELECT status, gaps FROM scrape_coverage WHERE knr = ?", [knr]).fetchone()


def elements_run(store, tmp_path, change):
    routes = elements_routes("Stange", TENANT, DATABASE, texts.STANGE_MEETINGS, YEARS)
    for key in [k for k in routes if "GetByMeetingId" in k]:
        routes[key] = change
    with ReplayServer(routes) as server:
        url = server.url(f"/publikum/{TENANT}/Dmb")
        sources = write_sources(tmp_path, {"3413": [{"platform": "elements", "url": url, "key": TENANT}]})
        return run_scrape(store, tmp_path, sources, ["Stange"])


@pytest.mark.parametrize(
    "change",
    [
        Reply.json({"Items": [{"Id": 1, "Title": "Leve hele livet"}]}),  # wrapped in an object
        Reply.json([{"HandlingId": 1, "Heading": "Leve hele livet"}]),  # renamed keys
        Reply.json([]),  # every meeting held, not one agenda item
    ],
)
def test_elements_changed_agenda_shape_is_an_error_for_the_kommune(store, tmp_path, change):
    report = report_of(elements_run(store, tmp_path, change), "3413")
    assert report.status == "error" and report.documents_found == 0
    assert "E305" in " ".join(report.gaps) and "expected" in " ".join(report.gaps)
    status, gaps = coverage(store, "3413")
    assert status == "error" and any("E305" in gap for gap in json.loads(gaps))


def test_elements_parsers_name_url_and_expectation():
    with pytest.raises(FormatChanged, match=r"E305.*DmbMeetings.*MO_ID, MO_START, UT_NAVN"):
        elements.parse_meetings([{"Id": 1, "Start": "2021-01-01"}], "https://x/api/", "https://x/api/DmbMeetings")
    with pytest.raises(FormatChanged, match="a handling with Id and RegistryEntry"):
        elements.handling_documents({"Handling": {}}, AgendaItem("7", "t", MEETING), "https://x/api/")
    with pytest.raises(FormatChanged, match="MeetingDocuments list"):
        elements.meeting_documents({"MeetingDocuments": {"MI": 1}}, MEETING, "https://x/api/")
    assert elements.parse_agenda(None, MEETING) == []  # no saksliste yet (a real capture) is normal


def test_elements_saksnr_from_the_item_sequence():
    row = {"Id": 7, "Title": "Budsjett 2021", "MeetingCaseTypeId": "PS", "SequenceNumber": 4, "Year": 2021}
    item = elements.parse_agenda([row], MEETING)[0]
    detail = {
        **row,
        "RegistryEntry": None,
        "Case": None,
        "ProtocolPublished": True,
        "AdditionalDmbHandlings": [
            {
                "Dmb": {"Name": "Kommunestyret"},
                "Meeting": {"StartDate": "2021-03-20T18:00:00+01:00"},
                "MeetingCaseTypeId": "PS",
                "SequenceNumber": 12,
                "Year": 2021,
            }
        ],
    }
    [protocol] = elements.handling_documents(detail, item, "https://x/api/")
    assert protocol.metadata()["saksnr"] == "PS 4/2021"
    assert protocol.ids["boards"] == "Eldrerådet 2021-03-01 PS 4/2021; Kommunestyret 2021-03-20 PS 12/2021"


HIT = {
    "identifier": "1",
    "title": "Leve hele livet",
    "type": "Saksframlegg",
    "date": None,
    "dokumentID": "",
    "saksID": "",
}


def dokument(files):
    return {"content": {"model": {"vedleggGruppe": [{"vedlegg": files}]}}}


def test_acos_nye_innsyn_visibility_and_files():
    ok = acos_nye_innsyn.parse_dokument(dokument([{"fileUrl": "/f/1", "visibility": "Offentleg"}]), HIT, "https://k/")
    assert [r.url for r in ok] == ["https://k/f/1"]
    hidden = acos_nye_innsyn.parse_dokument(
        dokument([{"fileUrl": "/f/1", "visibility": "Skjermet"}]), HIT, "https://k/"
    )
    assert hidden == []
    with pytest.raises(FormatChanged, match="visibility"):
        acos_nye_innsyn.parse_dokument(dokument([{"fileUrl": "/f/1", "visibility": "Intern"}]), HIT, "https://k/")
    with pytest.raises(FormatChanged, match="a hit with files"):
        acos_nye_innsyn.parse_dokument(dokument([]), HIT, "https://k/", "https://k/dokument/1")
    with pytest.raises(FormatChanged, match=r"content\.searchItems\.items"):
        acos_nye_innsyn.parse_overview({"content": {"results": []}}, "https://k/overview")


def test_acos_nye_innsyn_changed_overview_is_an_error_end_to_end(store, tmp_path):
    hits = [(lhl_doc("sl-1", "Leve hele livet - sak"), "Saksframlegg")]
    routes = acos_nye_innsyn_routes("Søndre Land", "/sondre-land", "/sondre-land/moteoversikt/", hits)
    routes["POST /sondre-land/api/presentation/v2/nye-innsyn/overview"] = Reply.json({"data": {"hits": []}})
    with ReplayServer(routes) as server:
        url = server.url("/sondre-land/moteoversikt/")
        sources = write_sources(tmp_path, {"3447": [{"platform": "acos_nye_innsyn", "key": "sondre-land", "url": url}]})
        report = report_of(run_scrape(store, tmp_path, sources, ["Søndre Land"]), "3447")
    assert report.status == "error" and "E305" in report.gaps[0] and "/overview" in report.gaps[0]
    assert coverage(store, "3447")[0] == "error"


def test_einnsyn_changed_shapes():
    with pytest.raises(FormatChanged, match="an items list"):
        einnsyn.parse_search_page({"results": []}, "https://api.einnsyn.no", "https://api.einnsyn.no/search?q")
    with pytest.raises(FormatChanged, match="hits with an id"):
        einnsyn.parse_search_page({"items": [{"tittel": "x"}]}, "https://api.einnsyn.no")


def test_opengov_changed_pages():
    from lhl_mining.scrapers import opengov360

    page = "<html><body><ul><li class='board'><a href='/Meetings/x/Boards/Details/1'>Eldrerådet</a></li></ul></body></html>"
    with pytest.raises(FormatChanged, match=r"E305.*/Boards.*li.boardLink"):
        opengov360.parse_boards(page, "https://og/Meetings/x/Boards")
    with pytest.raises(FormatChanged, match="a board page"):
        opengov360.parse_board_meetings("<html><body><ul></ul></body></html>", "https://og/Meetings/x/Boards/Details/1")
    with pytest.raises(FormatChanged, match=r"Meetings/Details/5.*meetingAgendaList"):
        opengov360.parse_meeting(
            "<html><body><div class='agenda'></div></body></html>",
            Meeting("5", "Eldrerådet", "2021-01-01", "https://og/Meetings/x/Meetings/Details/5"),
        )


def test_acos_classic_changed_pages():
    from lhl_mining.scrapers import acos_classic

    with pytest.raises(FormatChanged, match="Møteplan"):
        acos_classic.parse_moteplan(
            "<html><body><h1>Kalender</h1></body></html>", "https://k/wfinnsyn.ashx?response=moteplan"
        )
    with pytest.raises(FormatChanged, match="div_sok_resultstable"):
        acos_classic.parse_mote(
            "<html><body><ol><li>Sak 1/21</li></ol></body></html>",
            Meeting("9", "Eldrerådet", "2021-01-01", "https://k/wfinnsyn.ashx?response=mote&moteid=9"),
        )


def test_digdem_changed_shapes():
    from lhl_mining.scrapers import digdem

    with pytest.raises(FormatChanged, match="id, date and published"):
        digdem.parse_meetings([{"meetingId": 1, "when": "2021-01-01"}], "https://k.digdem.no/motekalender")
    with pytest.raises(FormatChanged, match="proceedings with id and title"):
        digdem.parse_agenda({"proceedings": [{"name": "Sak"}]}, MEETING)


def test_website_plan_links_come_from_the_codebook_prefilter():
    from lhl_mining.scrapers import website

    html = (
        "<a href='/planer/planstrategi.pdf'>Kommunal planstrategi 2024-2027 (pdf)</a>"
        "<a href='/planer/regulering.pdf'>Reguleringsplan Sentrum</a>"
        "<a href='/planer/hop.pdf'>Helse- og omsorgsplan</a>"
    )
    refs = website.parse_plan_links(html, "https://k.kommune.no/planer/")
    assert [r.title for r in refs] == ["Kommunal planstrategi 2024-2027", "Helse- og omsorgsplan"]
    assert refs[0].ids["matched"].startswith("plans.planstrategi")


def test_framsikt_summary_without_placeholders_is_an_error_for_the_kommune(store, tmp_path):
    from lhl_mining.scrapers.website import SUMMARY_PATH

    from lhl_mining.demo.portals import framsikt_routes

    routes = framsikt_routes("/2023/trysil/bm-2023-hop", texts.TRYSIL_FRAMSIKT_SECTIONS, texts.TRYSIL_FRAMSIKT_TEXTS)
    routes[f"/2023/trysil/bm-2023-hop/{SUMMARY_PATH}"] = Reply.html(
        "<html><body><section id='app'></section></body></html>"
    )
    with ReplayServer(routes) as server:
        sources = write_sources(
            tmp_path, {"3421": [{"platform": "framsikt", "url": server.url("/2023/trysil/bm-2023-hop")}]}
        )
        report = report_of(run_scrape(store, tmp_path, sources, ["Trysil"]), "3421")
    assert report.status == "error" and "E305" in report.gaps[-1] and "dataId" in report.gaps[-1]
    assert coverage(store, "3421")[0] == "error"
