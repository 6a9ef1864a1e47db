"""The platform parsers on the real captured portal responses in ../shared/real/portal_captures/ (read in place)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from lhl_mining.scrapers import acos_classic, acos_nye_innsyn, einnsyn, elements, opengov360
from lhl_mining.scrapers.base import Meeting, iso_date

from lhl_mining.errors import FormatChanged

API = "https://prod01.elementscloud.no/publikum/api/"


@pytest.fixture
def captures(shared: Path) -> Path:
    return shared / "real" / "portal_captures"


def test_every_capture_in_the_manifest_is_covered_by_a_test(captures):
    files = [json.loads(line)["file"] for line in (captures / "MANIFEST.jsonl").read_text().splitlines() if line]
    covered = {
        "elements/dmbmeetings_steinkjer_2026.json",
        "elements/meeting_bundle_steinkjer_eldreradet_2026-03-11_mo1249.json",
        "acos_classic/moteplan_baerum_2018.html",
        "acos_classic/moteplan_utvalg_8_formannskapet_baerum_2018.html",
        "acos_nye_innsyn/politiske_moter_page_shell_sauda_2025.html",
        "acos_nye_innsyn/politisk_motekalender_page_shell_strand_2025.html",
        "opengov360/boards_tfk_2020.html",
        "opengov360/board_216162_fylkestinget_meetings_tfk_2018.html",
        "opengov360/meeting_644324_fylkestinget_2018-03-05_tfk.html",
        "opengov360/agenda_item_detail_211236_tfk_2018.html",
        "opengov360/board_217642_members_tfk_2020.html",
        "einnsyn/einnsyn_openapi_spec_2026.yml",
        "elements/meeting_bundle_steinkjer_kommunestyre_2026-02-04_mo1240.json",
        "elements/meeting_bundle_steinkjer_klagenemnda_2026-02-12_mo1336_screened.json",
        "elements/meeting_bundle_steinkjer_kommunestyre_2026-12-16_mo1311_not_yet_held.json",
        "einnsyn/legacy_api_result_snapshot_datatilsynet_2026-08-11_derived.json",
    }
    assert set(files) == covered


def test_elements_meeting_list(captures):
    rows = json.loads((captures / "elements/dmbmeetings_steinkjer_2026.json").read_text())
    meetings = elements.parse_meetings(rows, API)
    assert len(meetings) == 120
    eldre = next(m for m in meetings if m.id == "1249")
    assert (eldre.utvalg, eldre.date) == ("Eldrerådet", "2026-03-11")
    assert eldre.raw["database"] == "b069d4f5-192a-4fee-be37-dc006441e271"
    assert eldre.url == API + "Meetings/1249"


def test_elements_meeting_and_case_chain(captures):
    bundle = json.loads((captures / "elements/meeting_bundle_steinkjer_eldreradet_2026-03-11_mo1249.json").read_text())
    meeting = elements.parse_meetings([bundle["mote"]], API)[0]
    protocols = elements.meeting_documents(bundle["detaljer"], meeting, API)
    assert [(d.doc_type, d.url) for d in protocols] == [
        ("møteprotokoll", API + "Documents/ShowMeetingDocument/b069d4f5-192a-4fee-be37-dc006441e271/1249/MP/5121")
    ]
    items = elements.parse_agenda(bundle["behandlinger"], meeting)
    assert [i.id for i in items] == ["7943", "7944", "7923", "7906", "7902", "7901", "7757", "7662", "7678", "7805"]
    malm = items[2]
    docs = elements.handling_documents(bundle["behandlinger"][2], malm, API)
    database = "b069d4f5-192a-4fee-be37-dc006441e271"
    assert [d.url for d in docs] == [
        f"{API}Documents/ShowDocument/{database}/455713/768718",
        f"{API}Documents/ShowDocument/{database}/455713/769191",
        f"{API}Documents/ShowDocument/{database}/455713/768748",
        f"{API}Documents/ShowDmbHandlingDocument/{database}/7923/Protokoll",
    ]
    assert [d.doc_type for d in docs] == ["saksframlegg", "vedlegg", "vedlegg", "saksprotokoll"]
    meta = docs[0].metadata()
    assert meta["moetesak_id"] == "7923" and meta["moetemappe_id"] == "1249" and meta["journalpost_id"] == "455713"
    assert meta["utvalg"] == "Eldrerådet" and meta["meeting_date"] == "2026-03-11" and meta["doc_date"] == "2026-03-04"
    assert meta["title"] == "Malm legekontor, alternativanalyse og anbefaling"
    # the same case is on the agenda of four other boards
    assert [b for b, _ in elements.other_boards(bundle["behandlinger"][2])] == [
        "Ungdomsrådet",
        "Rådet for personer med funksjonsnedsettelse, inkludering og mangfold",
        "Hovedutvalg helse og omsorg",
        "Formannskap",
        "Kommunestyre",
    ]
    # «Eventuelt» has no registry entry: no documents, no protocol link invented
    assert elements.handling_documents(bundle["behandlinger"][6], items[6], API) == [] or all(
        d.doc_type == "saksprotokoll" for d in elements.handling_documents(bundle["behandlinger"][6], items[6], API)
    )


def _bundle(captures: Path, name: str) -> tuple[dict, Meeting]:
    bundle = json.loads((captures / "elements" / name).read_text())
    return bundle, elements.parse_meetings([bundle["mote"]], API)[0]


def test_elements_kommunestyre_bundle_keeps_fo_and_ps_apart(captures):
    bundle, meeting = _bundle(captures, "meeting_bundle_steinkjer_kommunestyre_2026-02-04_mo1240.json")
    database = "b069d4f5-192a-4fee-be37-dc006441e271"
    assert (meeting.id, meeting.utvalg, meeting.date) == ("1240", "Kommunestyre", "2026-02-04")
    # MeetingDocuments titles carry a trailing space; the stored title does not
    [protocol] = elements.meeting_documents(bundle["detaljer"], meeting, API)
    assert protocol.url == f"{API}Documents/ShowMeetingDocument/{database}/1240/MP/5033"
    assert protocol.title == "Møteprotokoll Kommunestyre 2026-02-04"
    items = elements.parse_agenda(bundle["behandlinger"], meeting)
    # array order is the saksliste order (SortOrder 1, 11, 2, 2, 3 is not); FO 1 and PS 1 are two items
    assert [i.id for i in items] == ["7826", "7688", "7741", "7701", "7693"]
    assert [i.raw["sequence"] for i in items] == ["FO 1/2026", "PS 1/2026", "PS 2/2026", "PS 3/2026", "PS 4/2026"]
    # the FO item's registry entry is an incoming letter: its document is no saksframlegg
    fo_docs = elements.handling_documents(bundle["behandlinger"][0], items[0], API)
    assert [(d.doc_type, d.url) for d in fo_docs] == [
        ("hoveddokument", f"{API}Documents/ShowDocument/{database}/449797/759003"),
        ("saksprotokoll", f"{API}Documents/ShowDmbHandlingDocument/{database}/7826/Protokoll"),
    ]
    docs = elements.handling_documents(bundle["behandlinger"][2], items[2], API)
    assert [d.doc_type for d in docs] == ["saksframlegg", "vedlegg", "vedlegg", "vedlegg", "vedlegg", "saksprotokoll"]
    # other boards' handlings have RegistryEntry null and Meeting.DMB null, but their board is named
    assert elements.other_boards(bundle["behandlinger"][1]) == [
        ("Hovedutvalg helse og omsorg", "1131"),
        ("Hovedutvalg oppvekst og kultur", "1130"),
        ("Hovedutvalg plan næring og miljø", "1132"),
        ("Formannskap", "1129"),
        ("Kommunestyre", "1128"),
    ]


def test_elements_screened_cases_give_no_document_urls(captures):
    bundle, meeting = _bundle(captures, "meeting_bundle_steinkjer_klagenemnda_2026-02-12_mo1336_screened.json")
    items = elements.parse_agenda(bundle["behandlinger"], meeting)
    assert [i.id for i in items] == ["7650", "7651"]
    # every document is a placeholder (DocumentDescription.Id 0, unpublished) and the protocol is restricted
    for detail, item in zip(bundle["behandlinger"], items):
        assert elements.handling_documents(detail, item, API) == []
    # the meeting's own protocol is still public
    assert [d.ids["dokument_id"] for d in elements.meeting_documents(bundle["detaljer"], meeting, API)] == ["5049"]


def test_elements_meeting_without_saksliste_yet_is_empty_not_an_error(captures):
    bundle, meeting = _bundle(captures, "meeting_bundle_steinkjer_kommunestyre_2026-12-16_mo1311_not_yet_held.json")
    assert (meeting.utvalg, meeting.date) == ("Kommunestyre", "2026-12-16")
    assert elements.parse_agenda(bundle["behandlinger"], meeting) == []
    assert elements.meeting_documents(bundle["detaljer"], meeting, API) == []


def test_einnsyn_legacy_value_formats(captures):
    snapshot = json.loads(
        (captures / "einnsyn/legacy_api_result_snapshot_datatilsynet_2026-08-11_derived.json").read_text()
    )
    posts = snapshot["posts"]
    assert len(posts) == 50
    # ISO dates with offsets and fractions, and plain dates, all read as calendar dates
    for post in posts:
        for key in ("publisertDato", "oppdatertDato", "journaldato"):
            if post.get(key):
                assert iso_date(post[key]) == post[key][:10]
    # a derived snapshot is not a /search page: refused, never read as «no hits»
    with pytest.raises(FormatChanged, match=r"E305.*items list"):
        einnsyn.parse_search_page(snapshot, "https://api.einnsyn.no")


def test_acos_classic_year_grid(captures):
    url = "https://www.baerum.kommune.no/innsyn/politikk/wfinnsyn.ashx?response=moteplan"
    html = (captures / "acos_classic/moteplan_baerum_2018.html").read_text(encoding="utf-8")
    meetings = acos_classic.parse_moteplan(html, url)
    by_id = {m.id: m for m in meetings}
    assert by_id["2865"].utvalg == "Eldrerådet" and by_id["2865"].date == "2018-01-09"
    assert by_id["2889"].utvalg == "Eierutvalget"
    assert by_id["2865"].url == "https://www.baerum.kommune.no/innsyn/politikk/wfinnsyn.ashx?response=mote&moteid=2865&"
    assert all(m.date.startswith("2018") for m in meetings)
    assert len([m for m in meetings if m.utvalg == "Eldrerådet"]) == 11
    boards = acos_classic.parse_boards(html, url)
    assert {"id": "7", "name": "Eldrerådet"}.items() <= next(b for b in boards if b["id"] == "7").items()


def test_acos_classic_board_page(captures):
    url = (
        "https://www.baerum.kommune.no/innsyn/politikk/wfinnsyn.ashx?response=moteplan_utvalg"
        "&fradato=2018-01-01T00:00:00&utvalg=8"
    )
    html = (captures / "acos_classic/moteplan_utvalg_8_formannskapet_baerum_2018.html").read_text(encoding="utf-8")
    meetings = acos_classic.parse_moteplan(html, url)
    assert len(meetings) == 20
    assert all(
        m.url.startswith("https://www.baerum.kommune.no/innsyn/politikk/wfinnsyn.ashx?response=mote&moteid=")
        for m in meetings
    )


@pytest.mark.parametrize(
    "name", ["politiske_moter_page_shell_sauda_2025.html", "politisk_motekalender_page_shell_strand_2025.html"]
)
def test_acos_nye_innsyn_page_shells_are_recognised(captures, name):
    shell = acos_nye_innsyn.parse_shell((captures / "acos_nye_innsyn" / name).read_text(encoding="utf-8"))
    assert shell is not None and shell["mode"] == "1"
    assert "kommune" in shell["title"].lower()
    # a page shell holds no meetings; an overview answer without searchItems is a format error, not «no hits»
    with pytest.raises(FormatChanged, match=r"content\.searchItems\.items"):
        acos_nye_innsyn.parse_overview({})


def test_opengov_chain_boards_meetings_agenda_files(captures):
    root = "http://opengov.cloudapp.net/Meetings/tfk"
    boards = opengov360.parse_boards((captures / "opengov360/boards_tfk_2020.html").read_text(), f"{root}/Boards")
    assert len(boards) == 48
    fylkestinget = next(b for b in boards if b["id"] == "216162")
    assert fylkestinget["name"] == "Fylkestinget" and opengov360.board_active_in(fylkestinget["period"], 2018)

    url = f"{root}/Boards/Details/216162?Year=2018"
    meetings = opengov360.parse_board_meetings(
        (captures / "opengov360/board_216162_fylkestinget_meetings_tfk_2018.html").read_text(), url
    )
    assert [(m.id, m.date) for m in meetings] == [
        ("644324", "2018-03-05"),
        ("627172", "2018-04-24"),
        ("627173", "2018-06-05"),
    ]
    assert meetings[0].utvalg == "Fylkestinget"

    items, files = opengov360.parse_meeting(
        (captures / "opengov360/meeting_644324_fylkestinget_2018-03-05_tfk.html").read_text(), meetings[0]
    )
    assert len(items) == 9
    item = next(i for i in items if i.id == "211236")
    assert item.title == "Ny Skien videregående skole utgreiing om Inventar"
    assert [(f.doc_type, f.ids["dokument_id"]) for f in files] == [
        ("møteinnkalling", "845680"),
        ("møteprotokoll", "849355"),
    ]
    assert files[1].url.startswith("http://opengov.cloudapp.net/Meetings/tfk/File/Details/849355.PDF?fileName=")

    detail_url = f"{root}/Meetings/LoadAgendaItemDetail/211236"
    docs = opengov360.parse_agenda_item(
        (captures / "opengov360/agenda_item_detail_211236_tfk_2018.html").read_text(), item, detail_url
    )
    assert [(d.doc_type, d.ids["dokument_id"]) for d in docs] == [
        ("vedtak", "851214"),
        ("saksprotokoll", "851213"),
        ("saksframlegg", "842415"),
    ]
    assert item.saksnr == "18/03563" and docs[2].saksbehandler == "Mona Kluck"
    assert docs[2].metadata()["saksnr"] == "18/03563"


def test_opengov_members_page_has_one_meeting_link_and_no_files(captures):
    url = "http://opengov.cloudapp.net/Meetings/tfk/Boards/Details/217642"
    meetings = opengov360.parse_board_meetings(
        (captures / "opengov360/board_217642_members_tfk_2020.html").read_text(), url
    )
    assert [m.id for m in meetings] == ["326234"]


def test_einnsyn_parameter_names_exist_in_the_openapi_spec(captures):
    spec = yaml.safe_load((captures / "einnsyn/einnsyn_openapi_spec_2026.yml").read_text())
    refs = spec["paths"]["/search"]["get"]["parameters"]
    names = {spec["components"]["parameters"][r["$ref"].rsplit("/", 1)[-1]]["name"] for r in refs}
    assert set(einnsyn.SEARCH_PARAMETERS) <= names
    assert "/dokumentobjekt/{id}" in spec["paths"]  # the /download sub-path lives in the backend controller
    moetesak = spec["components"]["schemas"]["Moetesak.Moetesak"]["properties"]
    assert {"moetesaksaar", "moetesakssekvensnummer", "utvalg", "moetemappe"} <= set(moetesak)


def test_einnsyn_search_page_with_cursor():
    page = {
        "items": [
            {
                "entity": "Moetesak",
                "id": "ms_01abc",
                "offentligTittel": "Leve hele livet - handlingsplan",
                "moetesaksaar": 2020,
                "moetesakssekvensnummer": 14,
                "utvalg": "Kommunestyret",
                "moetemappe": {"id": "mm_01x", "moetedato": "2020-05-12T00:00:00Z", "utvalg": "Kommunestyret"},
                "dokumentbeskrivelse": [
                    {
                        "id": "db_01",
                        "tittel": "Saksframlegg",
                        "tilknyttetRegistreringSom": "hoveddokument",
                        "dokumentobjekt": [{"id": "do_01", "format": "PDF"}],
                    }
                ],
            }
        ],
        "next": "/search?startingAfter=abc",
    }
    refs, next_url = einnsyn.parse_search_page(page, "https://api.einnsyn.no")
    assert next_url == "https://api.einnsyn.no/search?startingAfter=abc"
    assert refs[0].url == "https://api.einnsyn.no/dokumentobjekt/do_01/download"
    assert refs[0].metadata()["meeting_date"] == "2020-05-12" and refs[0].saksnr == "14/20"
    assert isinstance(refs[0].meeting, Meeting)
