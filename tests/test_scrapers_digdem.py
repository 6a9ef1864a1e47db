"""The Digdem (ELM møteportal) adapter against a replayed GraphQL server over real sockets with real httpx.

No real Digdem response has been captured (`../shared/real/portal_captures/` holds none), so the
replay answers in the shapes docs/platforms §1.5 documents, and behaves like the server is
reported to: it refuses requests without ``apollo-require-preflight``, a motekalender Referer and
fragment syntax, and filters meetings by ``date_gt``/``date_lt``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from lhl_mining.scrapers.base import Source, adapter_class
from lhl_mining.scrapers.digdem import DigdemAdapter
from lhl_mining.scrapers.http import PoliteClient
from lhl_mining.scrapers.replay import ReplayServer, Reply, Request
from scrape_support import FAST, documents, lhl_doc, report_of, run_scrape, write_sources

from lhl_mining.demo import texts
from lhl_mining.demo.pdf import render_pdf
from lhl_mining.errors import HttpError, NotJson
from lhl_mining.scrape import ScrapeOptions, scrape
from lhl_mining.sources import load_overrides

VALER = "3419"


def _doc(id_: str, title: str, kind: str, classified: bool = False) -> dict[str, Any]:
    return {"id": id_, "title": title, "type": kind, "classified": classified, "__typename": "Document"}


def _meeting(id_: str, when: str, board: str, *, published: bool = True) -> dict[str, Any]:
    return {
        "id": id_,
        "date": when,
        "meetingName": board,
        "published": published,
        "commission": {"id": f"c-{board[:4].lower()}", "name": board, "__typename": "Commission"},
        "__typename": "Meeting",
    }


LHL_CASE = "Leve hele livet - handlingsplan for et aldersvennlig Våler"
MEETINGS = [
    # 23:30 UTC on New Year's Eve is 00:30 on 1 January in Norway: a 2020 meeting
    _meeting("m-eldre", "2019-12-31T23:30:00.000Z", "Eldrerådet"),
    _meeting("m-ks", "2020-03-12T16:00:00.000Z", "Kommunestyret"),
    _meeting("m-future", "2020-12-10T16:00:00.000Z", "Kommunestyret", published=False),
    _meeting("m-hou", "2021-06-08T10:00:00.000Z", "Hovedutvalg for helse og omsorg"),
]
MODALS: dict[str, dict[str, Any]] = {
    "m-ks": {
        "id": "m-ks",
        "documents": [
            _doc("d-innk", "Møteinnkalling", "Innkalling"),
            _doc("d-prot", "Møteprotokoll", "Protokoll"),
        ],
        "proceedings": [
            {
                "id": "p-lhl",
                "title": LHL_CASE,
                "sequenceNumber": "PS 12/20",
                "classified": False,
                "type": "PS",
                "documents": [
                    _doc("d-sf", LHL_CASE, "Saksframlegg"),
                    _doc("d-vedlegg", "Innspill fra eldrerådet", "Vedlegg"),
                    _doc("d-secret", "Vedlegg unntatt offentlighet", "Vedlegg", classified=True),
                ],
                "relatedProceedings": [{"id": "p-eldre", "title": LHL_CASE, "sequenceNumber": "PS 3/20"}],
            },
            {
                "id": "p-secret",
                "title": "Tilsettingssak helse og omsorg",
                "sequenceNumber": "PS 13/20",
                "classified": True,
                "type": "PS",
                "documents": [_doc("d-person", "Innstilling", "Saksframlegg")],
                "relatedProceedings": [],
            },
            {
                "id": "p-regulering",
                "title": "Detaljregulering for Haslemoen næringsområde",
                "sequenceNumber": "PS 14/20",
                "classified": False,
                "type": "PS",
                "documents": [_doc("d-regulering", "Planbeskrivelse", "Saksframlegg")],
                "relatedProceedings": [],
            },
        ],
        "mergedPdf": {"url": "/api/doc/merged/m-ks"},
    },
    "m-eldre": {
        "id": "m-eldre",
        "documents": [],
        "proceedings": [
            {
                "id": "p-eldre",
                "title": LHL_CASE,
                "sequenceNumber": "PS 3/20",
                "classified": False,
                "type": "PS",
                "documents": [_doc("d-sf", LHL_CASE, "Saksframlegg")],  # the same document as in Kommunestyret
                "relatedProceedings": [{"id": "p-lhl", "title": LHL_CASE, "sequenceNumber": "PS 12/20"}],
            }
        ],
        "mergedPdf": None,
    },
    "m-hou": {
        "id": "m-hou",
        "documents": [_doc("d-prot-hou", "Protokoll", "Møteprotokoll")],
        "proceedings": [
            {
                "id": "p-heile",
                "title": "Leve heile livet - status for dagaktivitetstilbodet",
                "sequenceNumber": "PS 21/21",
                "classified": False,
                "type": "PS",
                "documents": [_doc("d-nn", "Leve heile livet - status", "Saksframlegg")],
                "relatedProceedings": [],
            }
        ],
        "mergedPdf": None,
    },
}
DOCS = {
    "d-sf": lhl_doc("valer-sf", LHL_CASE, "2020-03-12"),
    "d-vedlegg": texts.DemoDoc(
        "valer-vedlegg",
        "Innspill fra eldrerådet",
        "vedlegg",
        "2020-02-20",
        ["Eldrerådet ber om flere møteplasser og bedre matombringing i helse- og omsorgstjenestene."],
    ),
    "d-prot": texts.DemoDoc(
        "valer-prot",
        "Møteprotokoll Kommunestyret",
        "moteprotokoll",
        "2020-03-12",
        ["## Møteprotokoll", f"PS 12/20 {LHL_CASE}. Vedtak: Handlingsplanen for Leve hele livet vedtas."],
    ),
    "d-nn": texts.DemoDoc(
        "valer-nn",
        "Leve heile livet - status",
        "saksframlegg",
        "2021-06-08",
        ["## Saksframlegg", "Kommunen følgjer opp Leve heile livet med dagaktivitetstilbod for eldre."],
    ),
    "d-prot-hou": texts.DemoDoc(
        "valer-prot-hou",
        "Protokoll",
        "moteprotokoll",
        "2021-06-08",
        ["## Møteprotokoll", "Saka vart teken til orientering."],
    ),
}
NEVER_FETCHED = ("d-secret", "d-person", "d-regulering", "d-innk")


def _header(request: Request, name: str) -> str:
    return next((v for k, v in request.headers.items() if k.lower() == name.lower()), "")


def _graphql_error(message: str, status: int = 200) -> Reply:
    return Reply.json(
        {"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}], "data": None}, status=status
    )


def graphql(meetings: list[dict[str, Any]], modals: dict[str, dict[str, Any]]):
    """The ``POST /graphql`` route: checks the headers and fragment syntax, then answers both operations."""

    def answer(request: Request) -> Reply:
        if _header(request, "apollo-require-preflight") != "true" or not _header(request, "Referer").endswith(
            "/motekalender"
        ):
            return _graphql_error("This operation has been blocked as a potential Cross-Site Request Forgery", 400)
        body = request.json()
        if "fragment " not in body.get("query", ""):
            return _graphql_error("Forbidden query shape", 400)
        variables = body.get("variables") or {}
        if body.get("operationName") == "GetYearMeetings":
            where = variables["where"]
            low, high = (dt.datetime.fromisoformat(where[k]) for k in ("date_gt", "date_lt"))
            rows = [m for m in meetings if low < dt.datetime.fromisoformat(m["date"]) < high]
            return Reply.json({"data": {"meetings": sorted(rows, key=lambda m: m["date"])}})
        if body.get("operationName") == "ModalMeeting":
            return Reply.json({"data": {"meeting": modals.get(variables["id"])}})
        return _graphql_error(f"Unknown operation {body.get('operationName')}")

    return answer


def digdem_routes(meetings=MEETINGS, modals=MODALS, docs=DOCS) -> dict:
    routes: dict = {"POST /graphql": graphql(meetings, modals)}
    for doc_id, doc in docs.items():
        routes[f"/api/doc/{doc_id}"] = Reply.pdf(render_pdf(doc, "Våler"), filename=f"{doc.key}.pdf")
    return routes


def valer_sources(tmp_path, server: ReplayServer):
    return write_sources(
        tmp_path, {VALER: [{"platform": "digdem", "url": server.url("/motekalender"), "key": "valer"}]}
    )


def adapter_for(client: PoliteClient, server: ReplayServer) -> DigdemAdapter:
    adapter = DigdemAdapter(client, Source(VALER, "Våler", "digdem", server.url("/motekalender"), "valer"))
    adapter.check()
    return adapter


def test_digdem_is_a_registered_adapter_that_builds_its_endpoints_from_the_tenant():
    assert adapter_class("digdem") is DigdemAdapter
    registry_source = Source(VALER, "Våler", "digdem", "https://valer.digdem.no/motekalender", "valer")
    with PoliteClient(FAST) as client:
        adapter = DigdemAdapter(client, registry_source)
        adapter.check()
        only_key = DigdemAdapter(client, Source("1103", "Stavanger", "digdem", "", "stavanger-elm"))
        only_key.check()
        assert client.requests_sent == 0
    assert (adapter.graphql, adapter.page, adapter.tenant) == (
        "https://valer.digdem.no/graphql",
        "https://valer.digdem.no/motekalender",
        "valer",
    )
    assert only_key.graphql == "https://stavanger-elm.digdem.no/graphql"


def test_meetings_per_year_in_norwegian_time_without_unpublished_ones():
    with ReplayServer(digdem_routes()) as server, PoliteClient(FAST) as client:
        adapter = adapter_for(client, server)
        in_2020 = adapter.meetings(2020)
        in_2019 = adapter.meetings(2019)
        posts = [(h, b) for m, p, h, b in server.requests if m == "POST"]
    assert [(m.id, m.utvalg, m.date) for m in in_2020] == [
        ("m-eldre", "Eldrerådet", "2020-01-01"),
        ("m-ks", "Kommunestyret", "2020-03-12"),
    ]
    assert in_2019 == []  # the New Year's Eve row belongs to 2020 in Norway
    assert in_2020[1].raw["commission_id"] == "c-komm" and in_2020[1].url == server.url("/motekalender/m-ks")
    headers, body = posts[0]
    assert {k.lower(): v for k, v in headers.items()}["apollo-require-preflight"] == "true"
    assert b'"operationName": "GetYearMeetings"' in body and b"fragment YearMeeting on Meeting" in body
    assert b'"date_gt": "2019-12-31T00:00:00.000Z"' in body and b'"searchTerm": ""' in body


def test_meeting_with_proceedings_and_documents_skips_classified_items():
    with ReplayServer(digdem_routes()) as server, PoliteClient(FAST) as client:
        adapter = adapter_for(client, server)
        meeting = next(m for m in adapter.meetings(2020) if m.id == "m-ks")
        items = adapter.agenda(meeting)
        refs = [ref for item in items for ref in adapter.item_documents(item)]
        protocols = adapter.meeting_documents(meeting)
        modal_posts = [b for m, p, h, b in server.requests if m == "POST" and b'"ModalMeeting"' in b]
    assert [i.id for i in items] == ["p-lhl", "p-regulering"]  # the classified proceeding is skipped
    assert len(modal_posts) == 1  # agenda and protocols read the same answer
    assert [(r.url, r.doc_type) for r in refs] == [
        (server.url("/api/doc/d-sf"), "saksframlegg"),
        (server.url("/api/doc/d-vedlegg"), "vedlegg"),
        (server.url("/api/doc/d-regulering"), "saksframlegg"),
    ]  # the classified attachment is skipped
    sf = refs[0].metadata()
    assert (sf["moetemappe_id"], sf["moetesak_id"], sf["dokument_id"]) == ("m-ks", "p-lhl", "d-sf")
    assert (sf["utvalg"], sf["meeting_date"], sf["doc_type"]) == ("Kommunestyret", "2020-03-12", "saksframlegg")
    assert sf["platform_ids"] == {
        "moetemappe_id": "m-ks",
        "moetesak_id": "p-lhl",
        "dokument_id": "d-sf",
        "tenant": "valer",
        "commission_id": "c-komm",
        "sequence_number": "PS 12/20",
        "proceeding_type": "PS",
        "related_proceedings": "p-eldre",
        "platform_doc_type": "saksframlegg",
    }
    assert [(r.url, r.doc_type, r.title) for r in protocols] == [
        (server.url("/api/doc/d-prot"), "møteprotokoll", "Møteprotokoll Kommunestyret 2020-03-12")
    ]  # the innkalling and the merged PDF repeat the proceedings' documents


def test_graphql_errors_answer_is_an_error_not_data():
    routes = digdem_routes()
    routes["POST /graphql"] = _graphql_error('Variable "$where" got invalid value; field "date_gt" is not defined')
    with (
        ReplayServer(routes) as server,
        PoliteClient(FAST) as client,
        pytest.raises(HttpError, match="GraphQL errors to GetYearMeetings: Variable") as raised,
    ):
        adapter_for(client, server).meetings(2020)
    assert raised.value.code == "E300"


def test_html_instead_of_json_is_an_error_not_data():
    routes = digdem_routes()
    routes["POST /graphql"] = Reply.html("<!DOCTYPE html><html><head><title>Digdem</title></head><body></body></html>")
    with ReplayServer(routes) as server, PoliteClient(FAST) as client, pytest.raises(NotJson, match="HTML where JSON"):
        adapter_for(client, server).meetings(2020)


def test_scrape_of_a_digdem_kommune_stores_documents_with_provenance(store, tmp_path):
    with ReplayServer(digdem_routes()) as server:
        sources = valer_sources(tmp_path, server)
        result = run_scrape(store, tmp_path, sources, ["Våler (Innlandet)"])
        hits = dict(server.hits)
        again = run_scrape(store, tmp_path, sources, ["Våler (Innlandet)"])
        hits_again = {k: v for k, v in server.hits.items() if k.startswith("/api/doc/")}
    report = report_of(result, VALER)
    assert report.platforms == ["digdem"] and report.meetings_seen == 3
    # saksframlegg (in two meetings, fetched once) + vedlegg + protocol (2020); saksframlegg + protocol (2021)
    assert (report.documents_found, report.downloaded, report.failed) == (5, 5, 0)
    assert report.confirmed == 3 and report.status == "partial"
    assert "no meetings listed for 2019, 2022" in " ".join(report.gaps)
    assert hits["/api/doc/d-sf"] == 1 and not [d for d in NEVER_FETCHED if f"/api/doc/{d}" in hits]
    docs = {d["dokument_id"]: d for d in documents(store)}
    sf = docs["d-sf"]  # stored with the first meeting that lists it; the other proceeding is recorded as related
    assert (sf["platform"], sf["knr"], sf["status"], sf["doc_type"]) == ("digdem", VALER, "extracted", "saksframlegg")
    assert (sf["moetemappe_id"], sf["moetesak_id"], sf["title"]) == ("m-eldre", "p-eldre", LHL_CASE)
    assert (sf["utvalg"], sf["meeting_date"]) == ("Eldrerådet", "2020-01-01")
    ids = sf["platform_ids"]
    assert (ids["sequence_number"], ids["commission_id"], ids["related_proceedings"]) == ("PS 3/20", "c-eldr", "p-lhl")
    assert sf["url"] == server.url("/api/doc/d-sf") and sf["run_id"] == result.run_id
    assert sf["source_id"] and sf["fetched_at"] and sf["etag"]
    text = store.db.execute("SELECT text FROM document_texts WHERE document_id = ?", [sf["id"]]).fetchone()[0]
    assert "Leve hele livet" in text
    assert docs["d-prot"]["doc_type"] == "moteprotokoll" and docs["d-prot"]["moetesak_id"] is None
    assert docs["d-nn"]["utvalg"] == "Hovedutvalg for helse og omsorg"
    # a re-run finds everything stored and downloads nothing
    assert report_of(again, VALER).downloaded == 0 and report_of(again, VALER).unchanged == 5
    assert hits_again == {k: v for k, v in hits.items() if k.startswith("/api/doc/")}


def test_graphql_error_for_one_meeting_fails_that_meeting_and_the_rest_is_stored(store, tmp_path):
    routes = digdem_routes()
    answer = routes["POST /graphql"]

    def one_meeting_fails(request: Request) -> Reply:
        if b'"id": "m-hou"' in request.body:
            return _graphql_error("Cannot return null for non-nullable field Meeting.proceedings")
        return answer(request)

    routes["POST /graphql"] = one_meeting_fails
    with ReplayServer(routes) as server:
        result = run_scrape(store, tmp_path, valer_sources(tmp_path, server), ["Våler (Innlandet)"])
    report = report_of(result, VALER)
    assert (report.downloaded, report.failed, report.status) == (3, 1, "partial")
    assert "meeting m-hou" in report.failures[0] and "GraphQL errors to ModalMeeting" in report.failures[0]
    assert {d["dokument_id"] for d in documents(store)} == {"d-sf", "d-vedlegg", "d-prot"}


def test_a_portal_answering_html_or_graphql_errors_stores_nothing(store, tmp_path):
    routes = digdem_routes()
    routes["POST /graphql"] = Reply.html("<!DOCTYPE html><html><head><title>Digdem</title></head><body></body></html>")
    with ReplayServer(routes) as server:
        result = run_scrape(store, tmp_path, valer_sources(tmp_path, server), ["Våler (Innlandet)"])
    report = report_of(result, VALER)
    assert report.status == "failed" and "E303" in report.gaps[-1] and documents(store) == []
    refused = digdem_routes()
    refused["POST /graphql"] = _graphql_error("Forbidden query shape")
    with ReplayServer(refused) as server:
        result = run_scrape(store, tmp_path, valer_sources(tmp_path, server), ["Våler (Innlandet)"])
    report = report_of(result, VALER)
    assert report.status == "failed" and "GraphQL errors to GetYearMeetings: Forbidden" in report.gaps[-1]
    assert documents(store) == []


def test_registry_digdem_kommune_without_tenant_is_a_gap_without_requests(store, tmp_path):
    options = ScrapeOptions(since=2019, until=2022, corpus_dir=tmp_path / "corpus", politeness=FAST)
    result = scrape(store, "Trøndelag", ["Trondheim"], options=options, overrides=load_overrides(None))
    report = result.reports[0]
    assert report.platforms == ["digdem"] and report.status == "gap" and result.requests == 0
    assert "no Digdem tenant known" in report.gaps[0]
