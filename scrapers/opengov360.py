"""Tietoevry 360 OpenGov Meetings (HTML): ``opengov.360online.com/Meetings/<CLIENT>``.

Chain: ``/Boards`` → ``/Boards/Details/{board}?Year=`` → ``/Meetings/Details/{meeting}``
→ ``/Meetings/LoadAgendaItemDetail/{item}`` (an HTML fragment) → ``File/Details/{id}.PDF`` links.
Unpublished meetings («Ikke publisert») have no link and are skipped.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

from .base import (
    Adapter,
    AgendaItem,
    DocumentRef,
    Meeting,
    SourceUnusable,
    document_label,
    iso_date,
    require,
    settled_since,
    week_ago,
)

CLIENT_IN_PATH = re.compile(r"^/Meetings/([^/]+)", re.IGNORECASE)


def _text(node: Node | None) -> str:
    return " ".join(node.text(separator=" ").split()) if node is not None else ""


def parse_boards(html: str, page_url: str) -> list[dict[str, str]]:
    """``/Boards`` → [{id, name, period, url}]."""
    links = HTMLParser(html).css("li.boardLink a[href]")
    require(bool(links), page_url, "a list of boards (li.boardLink links)")
    boards = []
    for link in links:
        match = re.search(r"/Boards/Details/(\d+)", link.attributes.get("href") or "")
        if not match:
            continue
        boards.append(
            {
                "id": match.group(1),
                "name": _text(link.css_first(".boardName")),
                "period": _text(link.css_first(".boardPeriod")),
                "url": urljoin(page_url, link.attributes["href"]),
            }
        )
    return boards


def board_active_in(period: str, year: int) -> bool:
    """«2015 - 2019» covers 2015..2019; an unreadable period is kept."""
    years = [int(y) for y in re.findall(r"\d{4}", period)]
    if len(years) < 2:
        return True
    return years[0] <= year <= years[-1]


def parse_board_meetings(html: str, page_url: str) -> list[Meeting]:
    """``/Boards/Details/{id}?Year=`` → published meetings of the board."""
    tree = HTMLParser(html)
    require(
        tree.css_first("div.meetingTitleHeader") is not None and tree.css_first("div.meetingList") is not None,
        page_url,
        "a board page (div.meetingTitleHeader, div.meetingList)",
    )
    board = _text(tree.css_first("div.meetingTitleHeader h2"))
    meetings = []
    for link in tree.css("div.meetingList li a[href]"):
        match = re.search(r"/Meetings/Details/(\d+)", link.attributes.get("href") or "")
        if not match:
            continue
        date_node = link.css_first("div.meetingDate span")
        meetings.append(
            Meeting(
                id=match.group(1),
                utvalg=board,
                date=iso_date(_text(date_node)) or "",
                url=urljoin(page_url, link.attributes["href"]),
                raw={"name": _text(link.css_first(".meetingName"))},
            )
        )
    return meetings


def parse_meeting(html: str, meeting: Meeting) -> tuple[list[AgendaItem], list[DocumentRef]]:
    """``/Meetings/Details/{id}`` → agenda items and the meeting's own files."""
    tree = HTMLParser(html)
    require(tree.css_first("div.meetingAgendaList") is not None, meeting.url, "a meeting page (div.meetingAgendaList)")
    details = _details(tree)
    if details.get("Utvalg") and not meeting.utvalg:
        meeting.utvalg = details["Utvalg"]
    if details.get("Dato") and not meeting.date:
        meeting.date = iso_date(details["Dato"]) or ""
    items = []
    for anchor in tree.css("div.meetingAgendaList a.accordion"):
        item_id = (anchor.attributes.get("id") or "").removeprefix("agendaItem_")
        heading = _text(anchor.css_first("h5"))
        if not item_id.isdigit() or not heading:
            continue
        number, _, title = heading.partition(" - ")
        if not title:
            number, title = "", heading
        items.append(
            AgendaItem(id=item_id, title=title.strip(), meeting=meeting, case_type="PS", raw={"number": number.strip()})
        )
    files = []
    for li in tree.css("aside div.filesList li"):
        link = li.css_first("a[href]")
        if link is None or "File/Details" not in (link.attributes.get("href") or ""):
            continue
        title = (li.attributes.get("title") or _text(link)).strip()
        files.append(
            DocumentRef(
                url=urljoin(meeting.url, link.attributes["href"]),
                title=title,
                doc_type=document_label(title, on_item=False, otherwise="møtedokument"),
                meeting=meeting,
                ids={"moetemappe_id": meeting.id, "dokument_id": _file_id(link.attributes["href"])},
                role="meeting",
            )
        )
    return items, files


def parse_agenda_item(html: str, item: AgendaItem, page_url: str) -> list[DocumentRef]:
    """``LoadAgendaItemDetail/{id}`` fragment → files with category, saksnr and saksansvarlig."""
    tree = HTMLParser(html)
    details = _details(tree)
    saksnr = details.get("Saksnr.") or details.get("Saksnr")
    if saksnr:
        item.saksnr = saksnr
    refs = []
    for li in tree.css("div.filesList li"):
        link = li.css_first("a[href]")
        if link is None or "File/Details" not in (link.attributes.get("href") or ""):
            continue
        name = _text(li.css_first(".fileNameDetail")) or (li.attributes.get("title") or "").strip()
        category = _text(li.css_first(".fileDocumentCategory"))
        refs.append(
            DocumentRef(
                url=urljoin(page_url, link.attributes["href"]),
                title=name,
                doc_type=document_label(f"{category} {name}", on_item=True, otherwise="vedlegg"),
                meeting=item.meeting,
                item=item,
                saksnr=saksnr,
                saksbehandler=details.get("Saksansvarlig"),
                ids={
                    "moetemappe_id": item.meeting.id,
                    "moetesak_id": item.id,
                    "dokument_id": _file_id(link.attributes["href"]),
                    "category": category,
                },
            )
        )
    return refs


def _details(tree: HTMLParser) -> dict[str, str]:
    out = {}
    for block in tree.css("div.detailsList"):
        header = _text(block.css_first(".detailHeader"))
        if header:
            out[header] = _text(block.css_first(".detailContent"))
    return out


def _file_id(href: str) -> str:
    match = re.search(r"File/Details/(\d+)", href)
    return match.group(1) if match else ""


class OpenGovAdapter(Adapter):
    platform = "opengov360"
    expects = "https://opengov.360online.com/Meetings/<CLIENT>"

    def check(self) -> list[str]:
        parts = urlsplit(self.source.base_url)
        match = CLIENT_IN_PATH.match(parts.path)
        client = self.source.key or (match.group(1) if match else "")
        if not parts.scheme or not client:
            raise SourceUnusable(f"not an OpenGov Meetings URL (expected {self.expects}): {self.source.base_url}")
        self.root = f"{parts.scheme}://{parts.netloc}/Meetings/{client}"
        self._boards: list[dict[str, str]] | None = None
        self._meeting_pages: dict[str, str] = {}
        return []

    def _html(self, url: str, fresh_since: str | None = None) -> str:
        return self.client.get(url, use_cache=True, fresh_since=fresh_since).text

    def meetings(self, year: int) -> list[Meeting]:
        if self._boards is None:
            url = f"{self.root}/Boards"
            self._boards = parse_boards(self._html(url, week_ago()), url)
        found = []
        for board in self._boards:
            if not board_active_in(board["period"], year):
                continue
            url = f"{self.root}/Boards/Details/{board['id']}?Year={year}"
            for meeting in parse_board_meetings(self._html(url, settled_since(f"{year}-12-31")), url):
                meeting.utvalg = meeting.utvalg or board["name"]
                meeting.raw["board_id"] = board["id"]
                if meeting.date.startswith(str(year)):
                    found.append(meeting)
        return found

    def _meeting(self, meeting: Meeting) -> tuple[list[AgendaItem], list[DocumentRef]]:
        if meeting.id not in self._meeting_pages:
            self._meeting_pages = {
                meeting.id: self._html(meeting.url, settled_since(meeting.date))
            }  # only the meeting at hand is kept
        return parse_meeting(self._meeting_pages[meeting.id], meeting)

    def agenda(self, meeting: Meeting) -> list[AgendaItem]:
        return self._meeting(meeting)[0]

    def meeting_documents(self, meeting: Meeting) -> list[DocumentRef]:
        return [f for f in self._meeting(meeting)[1] if f.doc_type == "møteprotokoll"]

    def item_documents(self, item: AgendaItem) -> list[DocumentRef]:
        url = f"{self.root}/Meetings/LoadAgendaItemDetail/{item.id}"
        return parse_agenda_item(self._html(url, settled_since(item.meeting.date)), item, url)
