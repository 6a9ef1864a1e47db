"""ACOS «nye innsyn» / Innsyn Pluss: a React shell whose data comes from a JSON POST API.

The page (``innsynpluss.onacos.no/<slug>/moteoversikt/`` or ``/innsyn/…`` on an
ACOS-CMS kommune site) holds only ``<div class="innsyn-overview" data-mode="1">``.
A GET of that page sets the session cookie; then
``POST /api/presentation/v2/nye-innsyn/overview`` with
``{"type":0,"keyValues":[{"key":"searchTerm",…},{"key":"page",…}]}`` (Referer and
Origin set) searches server-side, and ``GET …/dokument/{identifier}`` lists a
hit's files (``content.model.vedleggGruppe[].vedlegg[].fileUrl``).  The API
sits at the site root on CMS sites and under ``/<slug>`` on Innsyn Pluss
(the latter is unconfirmed; docs/scraping.md says so).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from lhl_mining.errors import FormatChanged, HostStopped, HttpError, Unreachable

from .base import Adapter, DocumentRef, SourceUnusable, document_label, iso_date, require, settled_since

API = "/api/presentation/v2/nye-innsyn"
PUBLIC = frozenset({"", "public", "offentlig", "offentleg", "true", "1", "synlig", "synleg"})
RESTRICTED = frozenset(
    {
        "private",
        "restricted",
        "hidden",
        "false",
        "0",
        "ikke offentlig",
        "ikkje offentleg",
        "unntatt offentlighet",
        "unnateke offentlegheit",
        "skjermet",
        "skjerma",
        "usynlig",
        "usynleg",
    }
)
"""File visibility values; anything else is a format error, so a new wording is not read as «no files»."""
PAGE_SIZE = 100
MIN_FULL_PAGE = 10


def parse_shell(html: str) -> dict[str, str] | None:
    """The ``innsyn-overview`` mount point of a nye-innsyn page, or None when the page has none."""
    tree = HTMLParser(html)
    node = tree.css_first("div.innsyn-overview")
    if node is None:
        return None
    title = tree.css_first("title")
    return {"mode": node.attributes.get("data-mode") or "", "title": title.text(strip=True) if title else ""}


def parse_overview(data: dict[str, Any], url: str = "overview") -> list[dict[str, Any]]:
    """An ``overview`` answer → hits [{identifier, title, type, date, dokumentID, saksID}].

    Anything but ``content.searchItems.items`` (a list of hits with identifier and title) is a format error.
    """
    content = data.get("content") if isinstance(data, dict) else None
    search_items = content.get("searchItems") if isinstance(content, dict) else None
    items = search_items.get("items") if isinstance(search_items, dict) else None
    require(isinstance(items, list), url, "content.searchItems.items (a list of hits)", data)
    hits = []
    for item in items:
        require(
            isinstance(item, dict) and item.get("identifier") and "title" in item,
            url,
            "hits with identifier and title",
            item,
        )
        props = item.get("properties") or {}
        hits.append(
            {
                "identifier": str(item["identifier"]),
                "title": (item.get("title") or "").strip(),
                "type": (item.get("type") or "").strip(),
                "date": iso_date(props.get("dato")),
                "dokumentID": str(props.get("dokumentID") or ""),
                "saksID": str(props.get("saksID") or ""),
            }
        )
    return hits


def parse_dokument(
    data: dict[str, Any], hit: dict[str, Any], page_url: str, url: str = "dokument"
) -> list[DocumentRef]:
    """A ``dokument/{identifier}`` answer → its public files.

    A hit without ``content.model.vedleggGruppe[].vedlegg[]`` files, or a file whose visibility is
    neither a known public nor a known restricted value, is a format error (never «no files»).
    """
    content = data.get("content") if isinstance(data, dict) else None
    model = content.get("model") if isinstance(content, dict) else None
    groups = model.get("vedleggGruppe") if isinstance(model, dict) else None
    require(isinstance(groups, list), url, "content.model.vedleggGruppe (a list of file groups)", data)
    files = [f for g in groups if isinstance(g, dict) for f in (g.get("vedlegg") or []) if isinstance(f, dict)]
    require(
        bool(files) and all(f.get("fileUrl") for f in files),
        url,
        "a hit with files that have a fileUrl",
        files[0] if files else groups,
    )
    refs = []
    for group in groups:
        for file in group.get("vedlegg") or []:
            visibility = str(file.get("visibility") or "").strip().lower()
            require(
                visibility in PUBLIC or visibility in RESTRICTED,
                url,
                "a visibility of " + ", ".join(sorted(PUBLIC | RESTRICTED - {""})),
                file.get("visibility"),
            )
            if visibility in RESTRICTED:
                continue
            refs.append(
                DocumentRef(
                    url=urljoin(page_url, file["fileUrl"]),
                    title=(file.get("title") or hit["title"]).strip(),
                    doc_type=document_label(hit["type"], on_item=False, otherwise=hit["type"].lower() or "dokument")
                    if not refs
                    else "vedlegg",
                    saksnr=model.get("friendlyId") or None,
                    doc_date=iso_date(model.get("journaldatoFormatted")) or hit["date"],
                    ids={
                        "journalpost_id": hit["dokumentID"],
                        "saksmappe_id": hit["saksID"],
                        "identifier": hit["identifier"],
                    },
                    role="search",
                )
            )
    return refs


class AcosNyeInnsynAdapter(Adapter):
    platform = "acos_nye_innsyn"
    supports_search = True
    expects = "an Innsyn Pluss or ACOS-CMS innsyn page URL"

    def check(self) -> list[str]:
        parts = urlsplit(self.source.base_url)
        if not parts.scheme or not parts.netloc:
            raise SourceUnusable(f"no page URL for ACOS nye innsyn (expected {self.expects})")
        root = f"{parts.scheme}://{parts.netloc}"
        slug = self.source.key
        if not slug and parts.netloc.lower() == "innsynpluss.onacos.no":
            slug = parts.path.strip("/").split("/")[0]
        if slug:  # Innsyn Pluss serves each kommune under /<slug>
            root = f"{root}/{slug}"
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.api = root + API
        return []

    def _open_session(self) -> None:
        """GET the page shell once (it sets the session cookie the API wants), only when the API is asked."""
        if self._session_open:
            return
        page = self.client.get(self.source.base_url)
        if parse_shell(page.text) is None:
            raise SourceUnusable(f"{self.source.base_url} has no innsyn-overview element; not an ACOS nye-innsyn page")
        self._session_open = True

    def search(self, terms: Iterable[str], since: int, until: int) -> list[DocumentRef]:
        """Every term, page by page; once the period is settled a re-run reuses the cached answers."""
        self._session_open = False
        fresh = settled_since(f"{until}-12-31")
        overview = f"{self.api}/overview"
        headers = {"Referer": self.source.base_url, "Origin": self.origin}
        hits: dict[str, dict[str, Any]] = {}
        for term in terms:
            for number in range(1, 1000):
                body = {
                    "type": 0,
                    "keyValues": [
                        {"key": "searchTerm", "value": term},
                        {"key": "page", "value": str(number)},
                        {"key": "pageSize", "value": str(PAGE_SIZE)},
                    ],
                }
                if not self.client.reusable(overview, fresh, payload=body):
                    self._open_session()
                answer = self.client.post_json(overview, body, headers=headers, fresh_since=fresh)
                found = parse_overview(answer.json(), f"{overview} (searchTerm «{term}»)")
                new = [h for h in found if h["identifier"] not in hits]
                for hit in new:
                    hit["term"] = term
                    hits[hit["identifier"]] = hit
                if not new or len(found) < MIN_FULL_PAGE:
                    break
        refs = []
        for hit in hits.values():
            year = int(hit["date"][:4]) if hit["date"] else None
            if year is not None and not since <= year <= until:
                continue
            url = f"{self.api}/dokument/{hit['identifier']}?fromMeeting=false"
            try:
                if not self.client.reusable(url, fresh):
                    self._open_session()
                detail = self.client.get(
                    url, headers={"Accept": "application/json", **headers}, use_cache=True, fresh_since=fresh
                ).json()
            except (HostStopped, Unreachable, FormatChanged):
                raise
            except HttpError as exc:
                self.problems.append(f"hit {hit['identifier']} «{hit['title']}»: {exc}")
                continue
            for ref in parse_dokument(detail, hit, self.origin + "/", url):
                ref.ids["search_term"] = hit["term"]
                ref.ids["hit_title"] = hit["title"]
                ref.meeting = None
                refs.append(ref)
        return refs
