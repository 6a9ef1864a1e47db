"""Fingerprint kommune web pages for the portals they link to.

The host and path patterns come from docs/platforms (§5.2): ``elementscloud.no``
with a tenant in the path → Elements; ``wfinnsyn.ashx``, ``innsyn.onacos.no`` or
``acossky.no`` → ACOS classic; ``innsynpluss.onacos.no/<slug>`` or an
``innsyn-overview`` element on the page itself → ACOS nye innsyn;
``360online.com/Meetings/<client>`` → OpenGov; ``digdem.no``; ``einnsyn.no``;
``pub.framsikt.net/<år>/<kunde>/<slug>`` → Framsikt (plans).  Nothing is
guessed: every finding carries the link and the page it was seen on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from .acos_nye_innsyn import parse_shell

NAV_WORDS = re.compile(r"politikk|politisk|innsyn|m[øo]teplan|m[øo]tekalender|postliste|sakspapir|planer", re.I)


@dataclass(frozen=True)
class Finding:
    platform: str
    base_url: str
    key: str
    role: str
    evidence: str


def _classify(url: str) -> tuple[str, str, str, str] | None:
    """(platform, base_url, key, role) for a portal link, or None."""
    parts = urlsplit(url)
    host = parts.netloc.lower()
    path = parts.path
    if host.endswith("elementscloud.no"):
        match = re.search(r"/publikum/([^/]+)", path, re.I)
        if match and match.group(1).lower() != "api":
            return (
                "elements",
                f"{parts.scheme}://{parts.netloc}/publikum/{match.group(1)}/Dmb",
                match.group(1),
                "meetings",
            )
        return None
    if "wfinnsyn.ashx" in path.lower():
        base = url.split("?")[0] + "?response=moteplan"
        slug = path.strip("/").split("/")[0] if host in ("innsyn.onacos.no", "innsyn.acossky.no") else ""
        return "acos_classic", base, slug, "meetings"
    if host == "innsynpluss.onacos.no":
        slug = path.strip("/").split("/")[0] if path.strip("/") else ""
        if slug:
            slug = re.sub(r"-(byggesaker|planer|postliste|gard)$", "", slug)
            return "acos_nye_innsyn", f"{parts.scheme}://{host}/{slug}/moteoversikt/", slug, "meetings"
        return None
    if host in ("innsyn.onacos.no", "innsyn.acossky.no"):
        slug = path.strip("/").split("/")[0] if path.strip("/") else ""
        if slug:
            return "acos_classic", f"{parts.scheme}://{host}/{slug}/wfinnsyn.ashx?response=moteplan", slug, "meetings"
        return None
    if host.endswith("360online.com") or host.endswith("opengov.cloudapp.net"):
        match = re.match(r"/Meetings/([^/]+)", path, re.I)
        if match:
            return "opengov360", f"{parts.scheme}://{host}/Meetings/{match.group(1)}", match.group(1), "meetings"
        return None
    if host.endswith(".digdem.no"):
        return "digdem", f"{parts.scheme}://{host}/motekalender", host.split(".")[0], "meetings"
    if host in ("einnsyn.no", "www.einnsyn.no"):
        return "einnsyn", url, "", "meetings"
    if host.endswith("framsikt.net"):
        segments = [s for s in path.split("/") if s]
        if len(segments) >= 3 and segments[0].isdigit():
            return "framsikt", f"{parts.scheme}://{host}/{'/'.join(segments[:3])}", segments[1], "plans"
    return None


def fingerprint_page(html: str, page_url: str) -> list[Finding]:
    """Portals linked from (or embedded in) one page."""
    findings: dict[tuple[str, str], Finding] = {}
    shell = parse_shell(html)
    if shell is not None:
        findings[("acos_nye_innsyn", page_url)] = Finding(
            "acos_nye_innsyn",
            page_url,
            "",
            "meetings",
            f"innsyn-overview element (data-mode={shell['mode']}) on {page_url}",
        )
    for link in HTMLParser(html).css("a[href], iframe[src]"):
        href = link.attributes.get("href") or link.attributes.get("src") or ""
        if not href or href.startswith(("#", "mailto:", "javascript:")):
            continue
        url = urljoin(page_url, href)
        found = _classify(url)
        if found:
            platform, base, key, role = found
            findings.setdefault((platform, base), Finding(platform, base, key, role, f"link {url} on {page_url}"))
    return list(findings.values())


def navigation_links(html: str, page_url: str, limit: int = 4) -> list[str]:
    """Same-site links whose text points to politics, innsyn or plans (pages worth fingerprinting too)."""
    site = urlsplit(page_url).netloc
    out: list[str] = []
    for link in HTMLParser(html).css("a[href]"):
        url = urljoin(page_url, link.attributes.get("href") or "").split("#")[0]
        text = " ".join(link.text(separator=" ").split())
        if urlsplit(url).netloc == site and NAV_WORDS.search(text) and url not in out and url != page_url:
            out.append(url)
        if len(out) >= limit:
            break
    return out
