"""ACOS WebSak classic innsyn (server-rendered HTML, ``wfinnsyn.ashx``).

Chain: ``?response=moteplan&fradato=<year>-01-01T00:00:00`` (year grid of boards ×
months, day cells link ``response=mote&moteid=``) → ``?response=mote&moteid=``
(agenda items in ``div#div_sok_resultstable > ul > li``, each with its
documents ``wfdocument.ashx?journalpostid=&dokid=`` and a case link
``arkivsakid=``) → ``?response=arkivsak_detaljer&arkivsakid=`` when an item
lists no documents itself.  The year grid and board pages are parsed from real
captures; the meeting and case pages follow the structure described in
docs/platforms (no public capture exists yet), and parsing is deliberately
tolerant: any ``wfdocument.ashx`` link in an item is a document.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

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
)

MEETING_TITLE = re.compile(r"^(?P<board>.+?) har et møte den (?P<date>\d{1,2}\.\d{1,2}\.\d{4})")
ITEM_NUMBER = re.compile(r"^(?:[A-ZÆØÅ]{1,3}\s+)?\d+/\d+\s*-?\s*")
SAKSNR = re.compile(r"\b(\d{2,4}/\d{1,6})\b")


def _text(node: Node | None) -> str:
    return " ".join(node.text(separator=" ").split()) if node is not None else ""


def _query(href: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(href.replace("&amp;", "&")).query).items()}


def parse_moteplan(html: str, page_url: str) -> list[Meeting]:
    """``response=moteplan`` year grid (or a ``moteplan_utvalg`` board page) → meetings."""
    tree = HTMLParser(html)
    heading = tree.css_first("h1")
    require(heading is not None and "møteplan" in heading.text().lower(), page_url, "a «Møteplan» page (h1)")
    meetings: dict[str, Meeting] = {}
    for link in tree.css("a[href*='moteid=']"):
        href = link.attributes.get("href") or ""
        query = _query(href)
        if query.get("response") != "mote" or not query.get("moteid"):
            continue
        title = link.attributes.get("title") or ""
        match = MEETING_TITLE.match(title)
        board = match.group("board") if match else ""
        if not board:
            row = link.parent
            while row is not None and row.tag != "tr":
                row = row.parent
            board = _text(row.css_first("th a.header-link")) if row is not None else ""
        date = iso_date(match.group("date")) if match else iso_date(_text(link))
        meeting_id = query["moteid"]
        meetings.setdefault(
            meeting_id, Meeting(id=meeting_id, utvalg=board, date=date or "", url=urljoin(page_url, href))
        )
    return list(meetings.values())


def parse_boards(html: str, page_url: str) -> list[dict[str, str]]:
    """Board rows of the year grid: [{id, name, url}]."""
    boards = []
    for link in HTMLParser(html).css("th a.header-link"):
        query = _query(link.attributes.get("href") or "")
        if query.get("utvalg"):
            boards.append(
                {"id": query["utvalg"], "name": _text(link), "url": urljoin(page_url, link.attributes["href"])}
            )
    return boards


def _document_refs(
    nodes: list[Node], page_url: str, meeting: Meeting, item: AgendaItem | None, role: str
) -> list[DocumentRef]:
    refs = []
    seen = set()
    for link in nodes:
        href = link.attributes.get("href") or ""
        query = _query(href)
        url = urljoin(page_url, href)
        if url in seen:
            continue
        seen.add(url)
        title_attr = link.attributes.get("title") or ""
        kind, _, rest = title_attr.partition("|")
        name = _text(link) or rest.strip() or kind.strip()
        refs.append(
            DocumentRef(
                url=url,
                title=name,
                doc_type=document_label(kind or name, on_item=role == "item", otherwise="vedlegg"),
                meeting=meeting,
                item=item,
                saksnr=item.saksnr if item else None,
                ids={
                    "moetemappe_id": meeting.id,
                    "moetesak_id": item.id if item else "",
                    "journalpost_id": query.get("journalpostid", ""),
                    "dokument_id": query.get("dokid", ""),
                    "saksmappe_id": (item.raw.get("arkivsakid", "") if item else ""),
                },
                role=role,
            )
        )
    return refs


def parse_mote(html: str, meeting: Meeting) -> tuple[list[AgendaItem], list[DocumentRef]]:
    """``response=mote`` page → agenda items (with their documents in `raw['documents']`) and protocol links."""
    tree = HTMLParser(html)
    items: list[AgendaItem] = []
    results = tree.css_first("#div_sok_resultstable")
    require(results is not None, meeting.url, "a meeting page with its saksliste (#div_sok_resultstable)")
    for li in results.css("ul > li"):
        anchor = li.css_first("div.det h3 a[id]")
        title_node = li.css_first("a.content-link") or li.css_first("div.det h3")
        title = _text(title_node)
        if not title:
            continue
        item_id = (anchor.attributes.get("id") if anchor is not None else "") or ""
        case_link = li.css_first("a[href*='arkivsakid=']")
        arkivsakid = _query(case_link.attributes.get("href") or "").get("arkivsakid", "") if case_link else ""
        saksnr_match = SAKSNR.search(_text(li.css_first("div.met")) or "")
        item = AgendaItem(
            id=item_id or arkivsakid or title,
            title=ITEM_NUMBER.sub("", title),
            meeting=meeting,
            saksnr=saksnr_match.group(1) if saksnr_match else None,
            raw={
                "arkivsakid": arkivsakid,
                "case_url": urljoin(meeting.url, case_link.attributes["href"]) if case_link else "",
            },
        )
        item.raw["documents"] = _document_refs(li.css("a[href*='wfdocument.ashx']"), meeting.url, meeting, item, "item")
        items.append(item)
    protocol_links = [
        a
        for a in tree.css("a[href*='wfdocument.ashx']")
        if "protokoll" in (_text(a) + " " + (a.attributes.get("title") or "")).lower() and not _inside(a, results)
    ]
    return items, _document_refs(protocol_links, meeting.url, meeting, None, "meeting")


def parse_arkivsak(html: str, item: AgendaItem, page_url: str) -> list[DocumentRef]:
    """``response=arkivsak_detaljer`` → every document of the case's journal posts."""
    return _document_refs(HTMLParser(html).css("a[href*='wfdocument.ashx']"), page_url, item.meeting, item, "item")


def _inside(node: Node, ancestor: Node) -> bool:
    current = node.parent
    while current is not None:
        if current.mem_id == ancestor.mem_id:
            return True
        current = current.parent
    return False


class AcosClassicAdapter(Adapter):
    platform = "acos_classic"
    expects = "https://innsyn.onacos.no/<slug>/wfinnsyn.ashx?response=moteplan (or a self-hosted wfinnsyn.ashx)"

    def check(self) -> list[str]:
        parts = urlsplit(self.source.base_url)
        if not parts.scheme or "wfinnsyn.ashx" not in parts.path.lower():
            raise SourceUnusable(f"not a wfinnsyn.ashx portal (expected {self.expects}): {self.source.base_url}")
        path = parts.path[: parts.path.lower().index("wfinnsyn.ashx") + len("wfinnsyn.ashx")]
        self.endpoint = f"{parts.scheme}://{parts.netloc}{path}"
        self._pages: dict[str, tuple[list[AgendaItem], list[DocumentRef]]] = {}
        return []

    def meetings(self, year: int) -> list[Meeting]:
        url = f"{self.endpoint}?response=moteplan&fradato={year}-01-01T00:00:00&visalle=true"
        page = self.client.get(url, use_cache=True, fresh_since=settled_since(f"{year}-12-31")).text
        return [m for m in parse_moteplan(page, url) if m.date.startswith(str(year))]

    def _mote(self, meeting: Meeting) -> tuple[list[AgendaItem], list[DocumentRef]]:
        if meeting.id not in self._pages:
            # only the meeting at hand is kept: agenda() and meeting_documents() ask for the same page
            page = self.client.get(meeting.url, use_cache=True, fresh_since=settled_since(meeting.date)).text
            self._pages = {meeting.id: parse_mote(page, meeting)}
        return self._pages[meeting.id]

    def agenda(self, meeting: Meeting) -> list[AgendaItem]:
        return self._mote(meeting)[0]

    def meeting_documents(self, meeting: Meeting) -> list[DocumentRef]:
        return self._mote(meeting)[1]

    def item_documents(self, item: AgendaItem) -> list[DocumentRef]:
        documents = item.raw.get("documents") or []
        if documents or not item.raw.get("case_url"):
            return documents
        url = item.raw["case_url"]
        page = self.client.get(url, use_cache=True, fresh_since=settled_since(item.meeting.date)).text
        return parse_arkivsak(page, item, url)
