"""Plans on kommune websites, and Framsikt publications.

`WebsiteAdapter` reads a plans page named in the sources override file (for
example «Planer og styringsdokumenter») and takes the links whose text or
address names a plan the study needs: planstrategi, samfunnsdel, helse- og
omsorgsplan, handlings- og økonomiplan, eldreplan, Leve hele livet.  Files
(PDF, DOCX) and same-site HTML plan pages are both documents.

`FramsiktAdapter` reads a publication ``pub.framsikt.net/<år>/<kunde>/<slug>``:
the one-page summary view
``content/html/summary/11111111-1111-1111-1111-111111111111/content.html`` holds
the headings and ``dataId`` placeholders, and each text is in
``content/text/<dataId>/description.json`` (field ``description``).  The
assembled HTML is ingested as one document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from lhl_mining.prefilter import default_prefilter

from .base import Adapter, DocumentRef, SourceUnusable, require
from .http import Fetched

FILE_SUFFIXES = (".pdf", ".docx", ".doc", ".odt")
FILE_PATH_MARKERS = ("getfile.php", "/_f/", "aimfiles", "/download", "wfdocument.ashx")
SUMMARY_PATH = "content/html/summary/11111111-1111-1111-1111-111111111111/content.html"
FILE_NOTE = re.compile(r"\s*\((?:pdf|docx?|odt)[^)]*\)\s*$", re.IGNORECASE)
HEADING = re.compile(r"""<div[^>]*class=["'][^"']*\bh1\b[^"']*["'][^>]*>(.*?)</div>""", re.IGNORECASE | re.DOTALL)
DATA_ID = re.compile(r"""dataId=["']([^"']+)["']""", re.IGNORECASE)


def matching_plan_term(text: str) -> str | None:
    """The codebook pre-filter entry (plan types and titles, see `lhl prefilter`) a link text or file name matches."""
    verdict = default_prefilter().title(text)
    return verdict.because[0] if verdict.relevant else None


def parse_plan_links(html: str, page_url: str) -> list[DocumentRef]:
    """Links on a plans page that name a relevant plan, as documents."""
    site = urlsplit(page_url).netloc
    refs: dict[str, DocumentRef] = {}
    for link in HTMLParser(html).css("a[href]"):
        href = (link.attributes.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        url = urljoin(page_url, href).split("#")[0]
        text = " ".join(link.text(separator=" ").split()) or (link.attributes.get("title") or "")
        term = matching_plan_term(text) or matching_plan_term(url.rsplit("/", 1)[-1].replace("-", " "))
        if not term or url == page_url:
            continue
        path = urlsplit(url).path.lower()
        is_file = path.endswith(FILE_SUFFIXES) or any(marker in url.lower() for marker in FILE_PATH_MARKERS)
        if not is_file and urlsplit(url).netloc != site:
            continue
        refs.setdefault(
            url,
            DocumentRef(
                url=url,
                title=FILE_NOTE.sub("", text) or url.rsplit("/", 1)[-1],
                doc_type="plan",
                ids={"page": page_url, "matched": term},
                role="plan",
            ),
        )
    return list(refs.values())


def assemble_framsikt(summary_html: str, texts: dict[str, str]) -> str:
    """Put each ``description`` into its ``dataId`` placeholder; the result is one HTML document."""
    tree = HTMLParser(summary_html)
    for node in tree.css("[dataId], [dataid]"):
        data_id = node.attributes.get("dataId") or node.attributes.get("dataid")
        if data_id in texts:
            fragment = HTMLParser(f"<div>{texts[data_id]}</div>").css_first("div")
            if fragment is not None:
                node.insert_child(fragment)
    body = tree.body.html if tree.body is not None else tree.html
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'></head>{body}</html>"


class WebsiteAdapter(Adapter):
    platform = "website"
    supports_search = True
    reads_listing = True
    expects = "the URL of a kommune web page that links its plans"

    def check(self) -> list[str]:
        if not urlsplit(self.source.base_url).netloc:
            raise SourceUnusable(f"no plans page URL (expected {self.expects})")
        return []

    def search(self, terms: Iterable[str], since: int, until: int) -> list[DocumentRef]:
        page = self.client.get(self.source.base_url, use_cache=True)
        return parse_plan_links(page.text, page.url)


class FramsiktAdapter(Adapter):
    platform = "framsikt"
    supports_search = True
    reads_listing = True
    expects = "https://pub.framsikt.net/<år>/<kunde>/<slug>"

    def check(self) -> list[str]:
        parts = urlsplit(self.source.base_url)
        segments = [s for s in parts.path.split("/") if s]
        if not parts.netloc or len(segments) < 3:
            raise SourceUnusable(f"not a Framsikt publication URL (expected {self.expects}): {self.source.base_url}")
        self.root = f"{parts.scheme}://{parts.netloc}/{'/'.join(segments[:3])}/"
        return []

    def search(self, terms: Iterable[str], since: int, until: int) -> list[DocumentRef]:
        slug = self.root.rstrip("/").rsplit("/", 1)[-1]
        return [DocumentRef(url=self.root, title=slug, doc_type="plan", ids={"framsikt_slug": slug}, role="plan")]

    def fetch(self, ref: DocumentRef, conditional: dict[str, str | None] | None = None) -> Fetched:
        summary = self.client.get(urljoin(self.root, SUMMARY_PATH), use_cache=True)
        data_ids = list(dict.fromkeys(DATA_ID.findall(summary.text)))
        require(bool(data_ids), summary.url, "a summary view with dataId placeholders")
        texts = {}
        for data_id in data_ids:
            answer = self.client.get(urljoin(self.root, f"content/text/{data_id}/description.json"), use_cache=True)
            try:
                texts[data_id] = json.loads(answer.content).get("description") or ""
            except (ValueError, AttributeError):
                texts[data_id] = ""
        html = assemble_framsikt(summary.text, texts)
        heading = HEADING.search(summary.text)
        if heading:  # the publication's own title beats its slug
            ref.title = " ".join(HTMLParser(heading.group(1)).text().split()) or ref.title
        return Fetched(ref.url, 200, html.encode("utf-8"), {"content-type": "text/html; charset=utf-8"})
