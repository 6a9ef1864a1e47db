"""eInnsyn's typed API (``api.einnsyn.no``): server-side search with cursor pagination.

``GET /search?query=…&entity=Moetesak&administrativEnhet=<enh_…>&moetedatoFrom=&moetedatoTo=
&expand=dokumentbeskrivelse.dokumentobjekt&expand=moetemappe&limit=100`` answers
``{"items": [...], "next": url}``; files come from ``/dokumentobjekt/{id}/download``.
Unknown parameters are silently ignored by the API, so every name used here is
checked against the OpenAPI file in the tests.  The kommune's enhet id
(``enh_…``) is its source key; without it the search would cover all of Norway,
so the source is reported as unusable instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from .base import Adapter, DocumentRef, Meeting, SourceUnusable, document_label, iso_date, require, settled_since

DEFAULT_API = "https://api.einnsyn.no"
PAGE_LIMIT = 100
MAX_PAGES = 200
SEARCH_PARAMETERS = ("query", "entity", "administrativEnhet", "moetedatoFrom", "moetedatoTo", "expand", "limit")


def search_url(api: str, term: str, enhet: str, since: int, until: int) -> str:
    params = [
        ("query", f'"{term}"'),
        ("entity", "Moetesak"),
        ("administrativEnhet", enhet),
        ("moetedatoFrom", f"{since}-01-01"),
        ("moetedatoTo", f"{until}-12-31"),
        ("expand", "dokumentbeskrivelse.dokumentobjekt"),
        ("expand", "moetemappe"),
        ("limit", str(PAGE_LIMIT)),
    ]
    return f"{api}/search?{urlencode(params)}"


def parse_search_page(data: dict[str, Any], api: str, url: str = "") -> tuple[list[DocumentRef], str | None]:
    """One ``/search`` page of Moetesak items → documents (one per dokumentobjekt) and the next-page URL."""
    require(
        isinstance(data, dict) and isinstance(data.get("items"), list),
        url or f"{api}/search",
        "an items list (Moetesak hits)",
        data,
    )
    refs: list[DocumentRef] = []
    for item in data["items"]:
        require(isinstance(item, dict) and "id" in item, url or f"{api}/search", "hits with an id", item)
        if item.get("entity", "Moetesak") != "Moetesak":
            continue
        mappe = item.get("moetemappe") if isinstance(item.get("moetemappe"), dict) else {}
        mappe_id = mappe.get("id") or (item.get("moetemappe") if isinstance(item.get("moetemappe"), str) else "")
        utvalg = item.get("utvalg") or mappe.get("utvalg") or ""
        meeting = Meeting(
            id=str(mappe_id or ""),
            utvalg=str(utvalg),
            date=iso_date(mappe.get("moetedato")) or "",
            url=f"{api}/moetemappe/{mappe_id}" if mappe_id else "",
        )
        saksnr = None
        if item.get("moetesaksaar") and item.get("moetesakssekvensnummer"):
            saksnr = f"{item['moetesakssekvensnummer']}/{str(item['moetesaksaar'])[-2:]}"
        for beskrivelse in item.get("dokumentbeskrivelse") or []:
            if not isinstance(beskrivelse, dict):
                continue
            for objekt in beskrivelse.get("dokumentobjekt") or []:
                if not isinstance(objekt, dict) or not objekt.get("id"):
                    continue
                role = (beskrivelse.get("tilknyttetRegistreringSom") or "").lower()
                refs.append(
                    DocumentRef(
                        url=f"{api}/dokumentobjekt/{objekt['id']}/download",
                        title=(beskrivelse.get("tittel") or item.get("offentligTittel") or "").strip(),
                        doc_type=document_label(role, on_item=True, otherwise=role or "vedlegg"),
                        meeting=meeting if meeting.id else None,
                        saksnr=saksnr,
                        ids={
                            "moetesak_id": str(item.get("id") or ""),
                            "moetemappe_id": str(mappe_id or ""),
                            "dokument_id": str(beskrivelse.get("id") or ""),
                            "dokumentobjekt_id": str(objekt["id"]),
                            "source_file": str(objekt.get("referanseDokumentfil") or ""),
                            "hit_title": str(item.get("offentligTittel") or ""),
                        },
                        role="search",
                    )
                )
    next_url = data.get("next")
    return refs, (urljoin(api + "/", next_url) if next_url else None)


class EinnsynAdapter(Adapter):
    platform = "einnsyn"
    supports_search = True
    expects = "the kommune's eInnsyn enhet id (enh_…) as key; base URL https://api.einnsyn.no"

    def check(self) -> list[str]:
        parts = urlsplit(self.source.base_url)
        web_only = parts.netloc.lower() in ("", "einnsyn.no", "www.einnsyn.no")  # calendar links: use the API host
        self.api = DEFAULT_API if web_only else f"{parts.scheme}://{parts.netloc}"
        if not self.source.key.startswith("enh_"):
            raise SourceUnusable(
                "eInnsyn needs the kommune's enhet id (enh_…) as key in the sources override file; "
                "without it a search would cover every publisher"
            )
        return []

    def search(self, terms: Iterable[str], since: int, until: int) -> list[DocumentRef]:
        found: dict[str, DocumentRef] = {}
        fresh = settled_since(f"{until}-12-31")
        for term in terms:
            url: str | None = search_url(self.api, term, self.source.key, since, until)
            pages = 0
            while url and pages < MAX_PAGES:
                data = self.client.get(
                    url, headers={"Accept": "application/json"}, use_cache=True, fresh_since=fresh
                ).json()
                refs, url = parse_search_page(data, self.api, url)
                pages += 1
                for ref in refs:
                    ref.ids["search_term"] = term
                    found.setdefault(ref.url, ref)
        return list(found.values())
