"""Portal responses for the demo documents, in the shapes the real platforms answer with.

Each builder turns demo meetings or documents into replay routes for one
platform: Elements' JSON API (field names as in the Steinkjer capture), ACOS
classic ``wfinnsyn.ashx`` HTML, ACOS nye-innsyn's shell page and JSON POST API,
OpenGov 360's HTML chain, a Framsikt publication and a kommune plans page.  The
tests use the same builders, then script failures on top.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from lhl_mining.scrapers.replay import Reply, Request, Route

from .pdf import render_pdf
from .texts import DemoDoc, DemoMeeting

Routes = dict[str, Route]
PdfFn = Callable[[DemoDoc, str], bytes]


def _pdf_reply(doc: DemoDoc, kommune: str, pdf: PdfFn) -> Reply:
    return Reply.pdf(pdf(doc, kommune), filename=f"{doc.key}.pdf")


# ---------------------------------------------------------------------- Elements


def elements_routes(
    kommune: str,
    tenant: str,
    database: str,
    meetings: list[DemoMeeting],
    years: range,
    *,
    pdf: PdfFn = render_pdf,
    interval_days: int = -365,
) -> Routes:
    api = "/publikum/api/"
    routes: Routes = {
        f"{api}ConfigProvider/GetConfigs": Reply.json(
            {"Configs": {"DateIntervalRelative": interval_days, "DefaultModule": "Dmb"}}
        )
    }
    handling_ids = itertools.count(7900)
    registry_entries: dict[str, tuple[int, dict[str, int]]] = {}
    entry_ids = itertools.count(455700)
    description_ids = itertools.count(768700)
    rows_by_year: dict[int, list[dict]] = {year: [] for year in years}
    handlings_by_case: dict[str, list[tuple[int, int, str, dict]]] = {}
    meeting_rows = []
    for n, meeting in enumerate(meetings):
        mo_id = 1240 + n
        start = f"{meeting.date}T12:00:00"
        row = {
            "Database": database,
            "MO_ID": mo_id,
            "MO_ROM": "Kommunestyresalen",
            "MO_SLUTT": f"{meeting.date}T15:00:00",
            "MO_START": start,
            "MO_STED": f"{kommune} rådhus",
            "Type": 4,
            "UT_ID": 10 + n,
            "UT_NAVN": meeting.board,
        }
        rows_by_year.setdefault(int(meeting.date[:4]), []).append(row)
        meeting_rows.append((mo_id, meeting, row))
        summary = []
        for seq, item in enumerate(meeting.items, start=1):
            handling_id = next(handling_ids)
            detail: dict[str, Any] = {
                "AccessCode": None,
                "AdditionalDmbHandlings": [],
                "Case": None,  # real Elements handlings give no case number and no caseworker name
                "CaseWorker": {"AdministrativeUnit": None, "Id": 0, "Name": None},
                "Database": database,
                "Dmb": {"Description": None, "Id": 10 + n, "Name": meeting.board, "ShortCode": ""},
                "Id": handling_id,
                "MatchedFields": None,
                "MeetingCaseTypeId": item.case_type,
                "MeetingId": mo_id,
                "ProtocolPublished": False,
                "ProtocolRestricted": False,
                "Pursuant": None,
                "RegistryEntry": None,
                "SequenceNumber": seq,
                "SortOrder": seq,
                "Title": item.title,
                "Year": int(meeting.date[:4]),
                "Meeting": {
                    "DMB": None,
                    "Database": None,
                    "DmbHandlings": None,
                    "DmbId": 10 + n,
                    "StartDate": f"{start}+01:00",
                    "Id": mo_id,
                    "MeetingDocuments": [],
                },
            }
            if item.docs:
                if item.saksnr not in registry_entries:
                    registry_entries[item.saksnr] = (next(entry_ids), {d.key: next(description_ids) for d in item.docs})
                entry_id, descriptions = registry_entries[item.saksnr]
                detail["RegistryEntry"] = {
                    "Database": database,
                    "DocumentDate": f"{item.docs[0].date}T00:00:00",
                    "DocumentNumber": 1,
                    "Id": entry_id,
                    "IsPublished": True,
                    "RegistryEntryType": "Saksframlegg/innstilling",
                    "RegistryEntryTypeId": "S",
                    "Title": item.title,
                    "Documents": [
                        {
                            "DocumentDescription": {
                                "AccessCodeId": None,
                                "DocumentTitle": d.title,
                                "FileFormatId": "RA-PDF",
                                "Id": descriptions[d.key],
                                "IsPublicVariantAvailable": False,
                                "IsPublished": True,
                            },
                            "DocumentLinkTypeId": "SF" if i == 0 else "V",
                            "IsMainDocument": i == 0,
                        }
                        for i, d in enumerate(item.docs)
                    ],
                }
                for d in item.docs:
                    routes[f"{api}Documents/ShowDocument/{database}/{entry_id}/{descriptions[d.key]}"] = _pdf_reply(
                        d, kommune, pdf
                    )
            handlings_by_case.setdefault(item.saksnr, []).append((handling_id, mo_id, meeting.board, detail))
            summary.append(
                {
                    k: detail[k]
                    for k in (
                        "Id",
                        "MeetingCaseTypeId",
                        "SequenceNumber",
                        "Year",
                        "Title",
                        "ProtocolPublished",
                        "ProtocolRestricted",
                        "Database",
                        "MeetingId",
                    )
                }
            )
        routes[f"{api}DmbHandlings/GetByMeetingId/{mo_id}"] = Reply.json(summary)
        documents = [
            {
                "DmbDocumentTypeId": "MI",
                "Id": 5100 + 2 * n,
                "IsRestricted": False,
                "MeetingId": mo_id,
                "StatusId": "G",
                "Title": "Møteinnkalling ",
                "TitleRestricted": "Møteinnkalling ",
            }
        ]
        if meeting.protocol:
            documents.append(
                {
                    "DmbDocumentTypeId": "MP",
                    "Id": 5101 + 2 * n,
                    "IsRestricted": False,
                    "MeetingId": mo_id,
                    "StatusId": "G",
                    "Title": "Møteprotokoll ",
                    "TitleRestricted": "Møteprotokoll ",
                }
            )
            routes[f"{api}Documents/ShowMeetingDocument/{database}/{mo_id}/MP/{5101 + 2 * n}"] = _pdf_reply(
                meeting.protocol, kommune, pdf
            )
        routes[f"{api}Meetings/{mo_id}"] = Reply.json(
            {
                "DMB": {"Description": None, "Id": 10 + n, "Name": meeting.board, "ShortCode": ""},
                "Database": database,
                "DmbHandlings": None,
                "DmbId": 10 + n,
                "EndDate": f"{meeting.date}T15:00:00+01:00",
                "Id": mo_id,
                "MeetingDocuments": documents,
                "MeetingLocation": f"{kommune} rådhus",
                "MeetingNumber": n + 1,
                "MeetingRoom": "Kommunestyresalen",
                "StartDate": f"{start}+01:00",
            }
        )
    for entries in handlings_by_case.values():
        for handling_id, _mo_id, _board, detail in entries:
            detail["AdditionalDmbHandlings"] = [  # the real shape: the other board, its meeting and sequence
                {
                    "Case": None,
                    "CaseWorker": None,
                    "Database": other["Database"],
                    "Dmb": other["Dmb"],
                    "Id": other_id,
                    "Meeting": other["Meeting"],
                    "MeetingCaseTypeId": other["MeetingCaseTypeId"],
                    "MeetingId": other_mo,
                    "RegistryEntry": None,
                    "SequenceNumber": other["SequenceNumber"],
                    "Title": other["Title"],
                    "Year": other["Year"],
                }
                for other_id, other_mo, _, other in entries
                if other_id != handling_id
            ]
            routes[f"{api}DmbHandlings/{handling_id}"] = Reply.json(detail)
    for year, rows in rows_by_year.items():
        routes[f"{api}PredefinedQuery/DmbMeetings?year={year}"] = Reply.json(sorted(rows, key=lambda r: r["MO_START"]))
    return routes


# ---------------------------------------------------------------------- ACOS classic


ACOS_HEAD = (
    '<!DOCTYPE html><html lang="no"><head><meta charset="utf-8"><meta name="robots" '
    'content="noindex,nofollow,noarchive,nosnippet"><title>{title}</title></head><body><div class="sec">'
)


def acos_classic_routes(
    kommune: str, prefix: str, meetings: list[DemoMeeting], years: range, *, pdf: PdfFn = render_pdf
) -> Routes:
    """``prefix`` is the folder of ``wfinnsyn.ashx`` (e.g. ``/grue``)."""
    routes: Routes = {}
    ids = {id(m): 3100 + n for n, m in enumerate(meetings)}
    boards = sorted({m.board for m in meetings})
    journal = itertools.count(21400)
    for year in years:
        body = [
            ACOS_HEAD.format(title=f"Møteplan {year}"),
            f'<h1>Møteplan    {year}</h1><div id="moteplan_content" class="content"><table class="table">'
            f"<caption>Møteplan    {year}</caption><tbody>",
        ]
        for board_no, board in enumerate(boards, start=1):
            cells = []
            for month in range(1, 13):
                links = [
                    f'<a title="{escape(board)} har et møte den {m.date[8:10]}.{m.date[5:7]}.{m.date[:4]}. Du kan klikke '
                    f'på ruten for å få mer informasjon om møtet." href="{prefix}/wfinnsyn.ashx?response=mote&amp;'
                    f'moteid={ids[id(m)]}&amp;">{m.date[8:10]}</a>'
                    for m in meetings
                    if m.board == board and m.date.startswith(f"{year}-{month:02d}")
                ]
                cells.append(f'<td class="mtm">{", ".join(links)} </td>')
            body.append(
                f'<tr><th class="header-cell"><a class="header-link" href="{prefix}/wfinnsyn.ashx?response='
                f'moteplan_utvalg&amp;fradato={year}-01-01T00:00:00&amp;utvalg={board_no}&amp;">{escape(board)}'
                f"</a></th>{''.join(cells)}</tr>"
            )
        body.append("</tbody></table></div></div></body></html>")
        routes[f"{prefix}/wfinnsyn.ashx?response=moteplan&fradato={year}-01-01T00:00:00&visalle=true"] = Reply.html(
            "".join(body)
        )
    for meeting in meetings:
        mote_id = ids[id(meeting)]
        parts = [
            ACOS_HEAD.format(title=f"{meeting.board} {meeting.date}"),
            f"<h1>{escape(meeting.board)} {meeting.date[8:10]}.{meeting.date[5:7]}.{meeting.date[:4]}</h1>",
            '<div id="div_sok_resultstable"><ul>',
        ]
        for seq, item in enumerate(meeting.items, start=1):
            case_id = int(item.saksnr.split("/")[1])
            doc_links = []
            for doc in item.docs:
                jp, dok = next(journal), next(journal)
                href = f"{prefix}/wfdocument.ashx?journalpostid={jp}&amp;dokid={dok}&amp;versjon=1&amp;variant=P&amp;"
                routes[href.replace("&amp;", "&")] = _pdf_reply(doc, kommune, pdf)
                label = "Saksframlegg" if doc.kind == "saksframlegg" else "Vedlegg"
                doc_links.append(
                    f'<li><a href="{href}" title="{label} | {escape(doc.title)}">{escape(doc.title)}</a></li>'
                )
            parts.append(
                f'<li><div class="det"><h3><a id="{9000 + case_id}"></a><a class="content-link" href="#">PS {seq}/'
                f'{meeting.date[2:4]} {escape(item.title)}</a></h3></div><div class="met i-exp i-hs"><div>'
                f'<a href="{prefix}/wfinnsyn.ashx?response=arkivsak_detaljer&amp;arkivsakid={case_id}&amp;">Sak '
                f"{item.saksnr}</a></div></div>"
                + (f"<h3>Dokumenter</h3><ul>{''.join(doc_links)}</ul>" if doc_links else "")
                + "</li>"
            )
            routes[f"{prefix}/wfinnsyn.ashx?response=arkivsak_detaljer&arkivsakid={case_id}&"] = Reply.html(
                ACOS_HEAD.format(title=f"Sak {item.saksnr}") + f"<h1>Sak {item.saksnr} {escape(item.title)}</h1>"
                "<p>Ingen offentlige dokumenter.</p></div></body></html>"
            )
        parts.append("</ul></div>")
        if meeting.protocol:
            jp, dok = next(journal), next(journal)
            href = f"{prefix}/wfdocument.ashx?journalpostid={jp}&amp;dokid={dok}&amp;versjon=1&amp;variant=P&amp;"
            routes[href.replace("&amp;", "&")] = _pdf_reply(meeting.protocol, kommune, pdf)
            parts.append(
                f'<div class="motedokumenter"><h3>Møtedokumenter</h3><ul><li><a href="{href}" '
                f'title="Møteprotokoll | {escape(meeting.protocol.title)}">{escape(meeting.protocol.title)}'
                "</a></li></ul></div>"
            )
        parts.append("</div></body></html>")
        routes[f"{prefix}/wfinnsyn.ashx?response=mote&moteid={mote_id}&"] = Reply.html("".join(parts))
    return routes


# ---------------------------------------------------------------------- ACOS nye innsyn / Innsyn Pluss


def acos_nye_innsyn_routes(
    kommune: str,
    prefix: str,
    page: str,
    hits: list[tuple[DemoDoc, str]],
    *,
    pdf: PdfFn = render_pdf,
    page_size: int | None = None,
) -> Routes:
    """`hits`: (document, document type as the portal names it), found by searchTerm «Leve hele livet».

    ``prefix`` is where the API lives (``/<slug>`` on Innsyn Pluss); ``page`` the portal page path.
    """
    api = f"{prefix}/api/presentation/v2/nye-innsyn"
    routes: Routes = {
        page: Reply.html(
            '<!DOCTYPE html><html lang="nb"><head><meta charset="utf-8"><meta name="robots" content="noindex, nofollow, '
            f'nosnippet, noarchive"><title>Møteoversikt - {escape(kommune)} kommune</title></head><body><main>'
            '<div class="innsyn-overview" data-mode="1"> </div></main></body></html>',
            headers={"Set-Cookie": "ASP.NET_SessionId=demo0session; path=/; HttpOnly"},
        ),
    }
    items = []
    for n, (doc, kind) in enumerate(hits):
        identifier = f"2022{n:06d}"
        items.append(
            {
                "title": doc.title,
                "type": kind,
                "identifier": identifier,
                "status": "J",
                "properties": {
                    "dato": f"{doc.date[8:10]}.{doc.date[5:7]}.{doc.date[:4]}",
                    "dokumentID": str(22000 + n),
                    "saksID": "22/00877",
                    "avsender": "",
                    "mottaker": "",
                    "synlighet": "Offentlig",
                },
            }
        )
        file_url = f"{api}/fil/{22000 + n}"
        routes[f"{api}/dokument/{identifier}?fromMeeting=false"] = Reply.json(
            {
                "content": {
                    "model": {
                        "friendlyId": "22/00877",
                        "journaldatoFormatted": f"{doc.date[8:10]}.{doc.date[5:7]}.{doc.date[:4]}",
                        "fra": [],
                        "til": [],
                        "vedleggGruppe": [
                            {
                                "title": "Dokumenter",
                                "vedlegg": [
                                    {
                                        "title": doc.title,
                                        "filtype": "pdf",
                                        "filstorrelseFormatted": "120 kB",
                                        "visibility": "Public",
                                        "fileUrl": file_url,
                                    }
                                ],
                            }
                        ],
                    }
                }
            }
        )
        routes[file_url] = _pdf_reply(doc, kommune, pdf)
    size = page_size or max(len(items), 1)

    def overview(request: Request) -> Reply:
        if "ASP.NET_SessionId" not in request.headers.get("Cookie", ""):
            return Reply.json({"error": "Mangler sesjon"}, status=400)
        values = {kv["key"]: kv["value"] for kv in (request.json() or {}).get("keyValues", [])}
        term = values.get("searchTerm", "").lower()
        number = int(values.get("page", "1"))
        found = items if "leve hele livet" in term or "leve heile livet" in term else []
        chunk = found[(number - 1) * size : number * size]
        return Reply.json({"content": {"searchItems": {"items": chunk, "totalCount": len(found)}}})

    routes[f"POST {api}/overview"] = overview
    return routes


# ---------------------------------------------------------------------- OpenGov 360


def opengov_routes(
    kommune: str,
    client: str,
    meetings: list[DemoMeeting],
    years: range,
    *,
    pdf: PdfFn = render_pdf,
    unpublished: Sequence[tuple[str, str]] = (),
) -> Routes:
    root = f"/Meetings/{client}"
    routes: Routes = {}
    boards = {
        board: 300100 + n for n, board in enumerate(sorted({m.board for m in meetings} | {b for b, _ in unpublished}))
    }
    board_items = "".join(
        f'<li class="boardLink"><a href="{root}/Boards/Details/{board_id}"><div class="boardName"><span>{escape(board)}'
        f'</span></div><div class="boardPeriod"><span>{years.start} - {years.stop - 1}</span></div></a></li>'
        for board, board_id in boards.items()
    )
    routes[f"{root}/Boards"] = Reply.html(
        f'<html><body><section class="meetingsSection"><div class="boardList"><ul>{board_items}</ul></div></section>'
        "</body></html>"
    )
    meeting_ids = {id(m): 644300 + n for n, m in enumerate(meetings)}
    files = itertools.count(842400)
    for board, board_id in boards.items():
        for year in years:
            entries = []
            for m in meetings:
                if m.board == board and m.date.startswith(str(year)):
                    date = f"{m.date[8:10]}.{m.date[5:7]}.{m.date[:4]}"
                    entries.append(
                        f'<li class="boardLink"><a href="{root}/Meetings/Details/{meeting_ids[id(m)]}">'
                        f'<div class="meetingName"><span>{escape(board)} ({date})</span></div>'
                        f'<div class="meetingDate"><span>{date}</span><span>18:00</span></div></a></li>'
                    )
            for unpublished_board, date in unpublished:
                if unpublished_board == board and date.startswith(str(year)):
                    shown = f"{date[8:10]}.{date[5:7]}.{date[:4]}"
                    entries.append(
                        f'<li title="Under forberedelse" class="boardLink unpublishedMeeting"><div '
                        f'class="meetingName"><span>{escape(board)} ({shown})</span></div><div '
                        f'class="meetingDate"><span>{shown}</span><span>Ikke publisert</span></div></li>'
                    )
            routes[f"{root}/Boards/Details/{board_id}?Year={year}"] = Reply.html(
                f'<html><body><div class="meetingTitleHeader"><h2>{escape(board)}</h2></div><section '
                f'class="meetingsSection"><div class="meetingList"><ul>{"".join(entries)}</ul></div></section>'
                "</body></html>"
            )
    for m in meetings:
        meeting_id = meeting_ids[id(m)]
        agenda = []
        for seq, item in enumerate(m.items, start=1):
            item_id = 211200 + meeting_id % 100 * 10 + seq
            agenda.append(
                f'<div class="meetingAgendaList"><ul><li><a class="accordion" id="agendaItem_{item_id}" '
                f"onclick=\"loadAgendaItem('{root}/Meetings/LoadAgendaItemDetail/{item_id}','{item_id}')\">"
                f'<div class="accordionTitle"><h5 class="accordionTitleText">{seq}/{m.date[2:4]} - '
                f"{escape(item.title)}</h5></div></a></li></ul></div>"
            )
            file_items = []
            for doc in item.docs:
                file_id = next(files)
                href = f"{root}/File/Details/{file_id}.PDF?fileName={quote(doc.title)}&fileSize=120000"
                routes[href] = _pdf_reply(doc, kommune, pdf)
                category = {"saksframlegg": "Saksfremlegg/innstilling", "saksprotokoll": "Vedtak"}.get(
                    doc.kind, "Vedlegg"
                )
                file_items.append(
                    f'<li class="boardLink " title="{escape(doc.title)}"><a href="{href.replace("&", "&amp;")}">'
                    f'<div class="fileDetails"><div class="fileName"><div class="fileNameDetail">'
                    f'{escape(doc.title)}</div><div class="fileDocumentCategory">{category}</div></div>'
                    '<div class="fileType"><span class="size">117 KB</span></div></div></a></li>'
                )
            saksbehandler = item.docs[0].saksbehandler if item.docs else ""
            routes[f"{root}/Meetings/LoadAgendaItemDetail/{item_id}"] = Reply.html(
                f'<div class="meetingsDetails"><div class="filesList"><ul>{"".join(file_items)}</ul></div>'
                '<div class="detailsSection"><div class="details">'
                f'<div class="detailsList"><div class="detailHeader"><span>Saksansvarlig</span></div><div '
                f'class="detailContent"><p>{escape(saksbehandler)}</p></div></div>'
                f'<div class="detailsList"><div class="detailHeader"><span>Saksnr.</span></div><div class="detailContent">'
                f"<p>{item.saksnr}</p></div></div></div></div></div>"
            )
        meeting_files = ""
        if m.protocol:
            file_id = next(files)
            href = f"{root}/File/Details/{file_id}.PDF?fileName={quote(m.protocol.title)}&fileSize=90000"
            routes[href] = _pdf_reply(m.protocol, kommune, pdf)
            meeting_files = (
                f'<li class="boardLink " title="{escape(m.protocol.title)}"><a href="{href.replace("&", "&amp;")}">'
                f"{escape(m.protocol.title)}</a></li>"
            )
        date = f"{m.date[8:10]}.{m.date[5:7]}.{m.date[:4]}"
        routes[f"{root}/Meetings/Details/{meeting_id}"] = Reply.html(
            f'<html><body><section>{"".join(agenda)}</section><aside role="complementary" id="about" '
            f'class="meetingsDocumentSection"><div class="filesList"><ul>{meeting_files}</ul></div><div class="details">'
            f'<div class="detailsList"><div class="detailHeader"><span>Utvalg</span></div><div class="detailContent">'
            f'<p>{escape(m.board)}</p></div></div><div class="detailsList"><div class="detailHeader"><span>Dato</span>'
            f'</div><div class="detailContent"><p>{date}</p></div></div></div></aside></body></html>'
        )
    return routes


# ---------------------------------------------------------------------- Framsikt and plans pages

SUMMARY_GUID = "11111111-1111-1111-1111-111111111111"


def framsikt_routes(publication: str, sections: list[tuple[str, str, str | None]], texts: dict[str, str]) -> Routes:
    """`publication` is ``/<år>/<kunde>/<slug>``; sections are (heading level, heading, dataId)."""
    rows = []
    for level, heading, data_id in sections:
        rows.append(f'<div class="row {level}">{escape(heading)}</div>')
        if data_id:
            rows.append(f'<div class="row text" dataId="{data_id}"></div>')
    routes: Routes = {
        f"{publication}/content/html/summary/{SUMMARY_GUID}/content.html": Reply.html(
            f'<div class="summary">{"".join(rows)}</div>'
        )
    }
    for data_id, html in texts.items():
        routes[f"{publication}/content/text/{data_id}/description.json"] = Reply.json(
            {"dataId": data_id, "description": html}
        )
    return routes


def plans_page_routes(kommune: str, page: str, docs: list[DemoDoc], *, pdf: PdfFn = render_pdf) -> Routes:
    routes: Routes = {}
    links = []
    for n, doc in enumerate(docs):
        href = f"{page.rstrip('/').rsplit('/', 1)[0]}/_f/p12/i{n:08d}-demo/{doc.key}.pdf"
        routes[href] = _pdf_reply(doc, kommune, pdf)
        links.append(f'<li><a href="{href}">{escape(doc.title)} (PDF)</a></li>')
    links.append('<li><a href="/kontakt/">Kontakt oss</a></li>')
    routes[page] = Reply.html(
        f'<!DOCTYPE html><html lang="nb"><head><meta charset="utf-8"><title>Planer og styringsdokumenter - '
        f"{escape(kommune)} kommune</title></head><body><main><h1>Planer og styringsdokumenter</h1><ul>{''.join(links)}"
        "</ul></main></body></html>"
    )
    return routes
