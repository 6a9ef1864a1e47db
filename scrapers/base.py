"""The interface every portal adapter implements, and the registry of adapters.

An adapter knows one publishing platform: how to list a kommune's meetings for
a year, the agenda items of a meeting, the documents of an item or meeting,
and, where the platform has it, a server-side text search.  It returns plain
records with the platform's own ids; the orchestration in
`lhl_mining.scrape` decides what to download and stores it.  Adding a platform
means one new module that subclasses `Adapter` and is listed in `ADAPTERS`.
"""

from __future__ import annotations

import abc
import datetime as dt
import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from lhl_mining.errors import FormatChanged

from .http import Fetched, PoliteClient


@dataclass(frozen=True)
class Source:
    """Where one kommune publishes: platform, portal URL and the platform's key (tenant, slug, client)."""

    knr: str
    kommune: str
    platform: str
    base_url: str
    key: str = ""
    id: int | None = None


@dataclass
class Meeting:
    id: str
    utvalg: str
    date: str
    """ISO date (YYYY-MM-DD) of the meeting."""
    url: str
    """The page or API URL that describes the meeting (provenance)."""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class AgendaItem:
    id: str
    title: str
    meeting: Meeting
    saksnr: str | None = None
    case_type: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


def document_label(name: str | None, *, on_item: bool, otherwise: str) -> str:
    """A portal's name for a document («Saksfremlegg/innstilling», «Særutskrift») → the label every adapter
    reports (saksframlegg, saksprotokoll, møteprotokoll, …), by the codebook's `prefilter: document_labels:`;
    `on_item` for a document of an agenda item, `otherwise` when no entry matches."""
    from lhl_mining.prefilter import default_document_labels  # the codebook is read on first use

    return default_document_labels().label(name or "", on_item=on_item, otherwise=otherwise)


STORED_DOC_TYPES = {
    "saksframlegg": "saksframlegg",
    "saksprotokoll": "saksprotokoll",
    "vedtak": "saksprotokoll",
    "møteprotokoll": "moteprotokoll",
    "møteinnkalling": "moteinnkalling",
}
"""The platform's document labels that map onto ingest's document types; other labels
(vedlegg, plans) are left to ingest's detection and kept in `platform_ids`."""


@dataclass
class DocumentRef:
    """A downloadable document with everything known about it before download."""

    url: str
    title: str
    doc_type: str | None = None
    meeting: Meeting | None = None
    item: AgendaItem | None = None
    saksnr: str | None = None
    doc_date: str | None = None
    saksbehandler: str | None = None
    ids: dict[str, str] = field(default_factory=dict)
    """Platform ids by name; `moetemappe_id`, `moetesak_id`, `saksmappe_id`, `journalpost_id` and
    `dokument_id` become document columns, the rest goes to `platform_ids`."""
    role: str = "item"
    """'item' (agenda-item documents), 'meeting' (innkalling/protokoll), 'search' or 'plan'."""

    def metadata(self) -> dict[str, Any]:
        """The `documents` columns for ingest, plus `platform_ids` (all ids, JSON)."""
        columns = ("moetemappe_id", "moetesak_id", "saksmappe_id", "journalpost_id", "dokument_id")
        meta: dict[str, Any] = {name: self.ids[name] for name in columns if self.ids.get(name)}
        meta["title"] = self.title
        stored_type = STORED_DOC_TYPES.get(self.doc_type or "")
        if stored_type:
            meta["doc_type"] = stored_type
        saksnr = self.saksnr or (self.item.saksnr if self.item else None)
        if saksnr:
            meta["saksnr"] = saksnr
        if self.meeting:
            meta["utvalg"] = self.meeting.utvalg
            meta["meeting_date"] = self.meeting.date
            meta.setdefault("moetemappe_id", self.meeting.id)
        if self.item:
            meta.setdefault("moetesak_id", self.item.id)
        if self.doc_date:
            meta["doc_date"] = self.doc_date
        if self.saksbehandler:
            meta["saksbehandler"] = self.saksbehandler
        meta["platform_ids"] = {k: v for k, v in self.ids.items() if v}
        if self.doc_type:
            meta["platform_ids"]["platform_doc_type"] = self.doc_type
        return meta


class Adapter(abc.ABC):
    """One publishing platform.  Subclasses set `platform` and implement the listing methods."""

    platform: ClassVar[str]
    supports_search: ClassVar[bool] = False
    """True when `search` asks the portal (server-side full-text search)."""
    reads_listing: ClassVar[bool] = False
    """True when `search` reads a page of plans or publications instead of querying (terms are not sent)."""
    expects: ClassVar[str] = ""
    """What `base_url` must look like, for the error message when it doesn't."""

    def __init__(self, client: PoliteClient, source: Source):
        self.client = client
        self.source = source
        self.problems: list[str] = []
        """Single listings or hits that failed while the rest went on (reported as failures)."""

    def check(self) -> list[str]:
        """Validate the source before any request; return coverage notes known up-front.

        Raise `SourceUnusable` when the source cannot be scraped with this adapter.
        """
        return []

    def coverage_notes(self, since: int, until: int) -> list[str]:
        """Coverage gaps the portal itself declares (e.g. «shows only the last 365 days»)."""
        return []

    def meetings(self, year: int) -> list[Meeting]:
        """Meetings of all boards in `year`."""
        raise SourceUnusable(f"{self.platform} lists no meetings; it is searched or read as a page.")

    def agenda(self, meeting: Meeting) -> list[AgendaItem]:
        return []

    def item_documents(self, item: AgendaItem) -> list[DocumentRef]:
        return []

    def meeting_documents(self, meeting: Meeting) -> list[DocumentRef]:
        return []

    def search(self, terms: Iterable[str], since: int, until: int) -> list[DocumentRef]:
        """Server-side search for `terms` in [since, until]; only when `supports_search`."""
        raise SourceUnusable(f"{self.platform} has no server-side search.")

    def fetch(self, ref: DocumentRef, conditional: dict[str, str | None] | None = None) -> Fetched:
        """Download one document; `conditional` carries stored validators (a 304 has status 304)."""
        return self.client.get(ref.url, headers=self.download_headers(), conditional=conditional)

    def download_headers(self) -> dict[str, str]:
        """Extra headers for document downloads (e.g. the Elements tenant)."""
        return {}


class SourceUnusable(Exception):
    """The source's URL or key does not fit the adapter (reported as a coverage gap)."""


ADAPTERS: dict[str, str] = {
    "elements": "elements:ElementsAdapter",
    "acos_classic": "acos_classic:AcosClassicAdapter",
    "acos_nye_innsyn": "acos_nye_innsyn:AcosNyeInnsynAdapter",
    "einnsyn": "einnsyn:EinnsynAdapter",
    "opengov360": "opengov360:OpenGovAdapter",
    "website": "website:WebsiteAdapter",
    "framsikt": "website:FramsiktAdapter",
    "digdem": "digdem:DigdemAdapter",
}
"""Platform name → ``module:Class`` inside `lhl_mining.scrapers`."""


def adapter_class(platform: str) -> type[Adapter] | None:
    """The adapter for `platform`, or None where the toolkit has none."""
    target = ADAPTERS.get(platform)
    if not target:
        return None
    module_name, class_name = target.split(":")
    module = importlib.import_module(f"{__package__}.{module_name}")
    return getattr(module, class_name)


def shape_of(value: Any) -> str:
    """A short description of a JSON value for format errors: its type, or a dict's first keys."""
    if isinstance(value, dict):
        return "an object with keys " + (", ".join(sorted(map(str, value))[:8]) or "none")
    if isinstance(value, list):
        return f"a list of {len(value)}" + (f" ({shape_of(value[0])})" if value else "")
    return type(value).__name__


def require(ok: bool, url: str, expected: str, got: Any = None) -> None:
    """Raise the numbered format error (E305) when a response lacks the shape an adapter depends on."""
    if not ok:
        raise FormatChanged(url, expected, shape_of(got) if got is not None else "")


SETTLE_DAYS = 90
"""A listing about a day is final this many days later (protocols are approved and published by then)."""
CONFIG_FRESH_DAYS = 7
"""Portal configuration and board lists are re-read at most once a week."""


def settled_since(day: str | None) -> str | None:
    """The date from which a cached listing about `day` (ISO date) is reused without asking; None if unknown."""
    try:
        return (dt.date.fromisoformat((day or "")[:10]) + dt.timedelta(days=SETTLE_DAYS)).isoformat()
    except ValueError:
        return None


def week_ago() -> str:
    """`fresh_since` for configuration-like pages: a copy fetched in the last week is reused."""
    return (dt.date.today() - dt.timedelta(days=CONFIG_FRESH_DAYS)).isoformat()


def iso_date(text: str | None) -> str | None:
    """``05.03.2018`` or ``2026-03-11T12:00:00+01:00`` → ``2018-03-05`` / ``2026-03-11``."""
    if not text:
        return None
    text = text.strip()
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    if m:
        return "-".join(m.groups())
    m = re.match(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    if m:
        day, month, year = m.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return None
