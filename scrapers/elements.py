"""Sikri Elements Publikum: the JSON API behind ``prodNN.elementscloud.no/publikum/<tenant>/Dmb``.

Chain: ``PredefinedQuery/DmbMeetings?year=`` → ``DmbHandlings/GetByMeetingId/{MO_ID}``
→ ``DmbHandlings/{Id}`` → document URLs built from ``Database`` and ids
(the JSON holds none).  Every API call carries the ``Tenant`` header; a wrong
path answers 200 with the app's HTML, which `Fetched.json` turns into an error.
The portal shows about 365 days by default (``DateIntervalRelative``), which
is reported as a coverage gap for older years.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

from lhl_mining.errors import HostStopped, HttpError, RobotsDisallowed, Unreachable

from .base import Adapter, AgendaItem, DocumentRef, Meeting, SourceUnusable, iso_date, require, settled_since, week_ago

# DocumentLinkTypeId of a registry entry's documents
LINK_TYPES = {"H": "hoveddokument", "SF": "saksframlegg", "V": "vedlegg"}
# MeetingDocuments types: MI innkalling, MP møteprotokoll, SP saksprotokoll, SF saksframlegg, FI other
MEETING_DOC_TYPES = {"MP": "møteprotokoll", "SP": "saksprotokoll"}
MEETING_KEYS = frozenset({"MO_ID", "MO_START", "UT_NAVN"})
HANDLING_KEYS = frozenset({"Id", "Title"})
TENANT_IN_PATH = re.compile(r"/publikum/([^/]+)/", re.IGNORECASE)


def parse_meetings(rows: list[dict[str, Any]], api: str, url: str = "DmbMeetings") -> list[Meeting]:
    """Rows of ``DmbMeetings?year=`` → meetings (all boards); a row without MO_ID/MO_START/UT_NAVN is a format error."""
    require(isinstance(rows, list), url, "a list of meetings", rows)
    meetings = []
    for row in rows:
        require(
            isinstance(row, dict) and row.keys() >= MEETING_KEYS,
            url,
            "meeting rows with " + ", ".join(sorted(MEETING_KEYS)),
            row,
        )
        if row.get("MO_ID") is None:
            continue
        meetings.append(
            Meeting(
                id=str(row["MO_ID"]),
                utvalg=(row.get("UT_NAVN") or "").strip(),
                date=iso_date(row.get("MO_START")) or "",
                url=f"{api}Meetings/{row['MO_ID']}",
                raw={"database": row.get("Database"), "board_id": row.get("UT_ID")},
            )
        )
    return meetings


def parse_agenda(rows: list[dict[str, Any]] | None, meeting: Meeting, url: str = "GetByMeetingId") -> list[AgendaItem]:
    """Rows of ``DmbHandlings/GetByMeetingId/{id}`` (or full handlings) → agenda items; untitled rows are skipped.

    No saksliste yet is null or [] (a real capture shows it); rows without Id/Title are a format error.
    """
    require(rows is None or isinstance(rows, list), url, "a list of agenda items (DmbHandlings)", rows)
    items = []
    for row in rows or []:
        require(
            isinstance(row, dict) and row.keys() >= HANDLING_KEYS,
            url,
            "agenda items with " + ", ".join(sorted(HANDLING_KEYS)),
            row,
        )
        title = row.get("Title")
        if row.get("Id") is None or not title:
            continue
        items.append(
            AgendaItem(
                id=str(row["Id"]),
                title=title.strip(),
                meeting=meeting,
                case_type=row.get("MeetingCaseTypeId"),
                raw={
                    "database": row.get("Database") or meeting.raw.get("database"),
                    "sequence": sequence_number(row),
                },
            )
        )
    return items


def sequence_number(row: dict[str, Any]) -> str | None:
    """«PS 1/2026»: the item's type, sequence number and year, the saksnr Elements shows on the saksliste."""
    if row.get("SequenceNumber") is None or not row.get("Year"):
        return None
    return " ".join(filter(None, [row.get("MeetingCaseTypeId"), f"{row['SequenceNumber']}/{row['Year']}"]))


def boards_of(detail: dict[str, Any], item: AgendaItem) -> str:
    """Every board that treated the case: this meeting's and ``AdditionalDmbHandlings`` (board date sequence; …)."""
    own = " ".join(filter(None, [item.meeting.utvalg, item.meeting.date, sequence_number(detail)]))
    others = []
    for other in detail.get("AdditionalDmbHandlings") or []:
        if not isinstance(other, dict):
            continue
        start = iso_date((other.get("Meeting") or {}).get("StartDate"))
        others.append(
            " ".join(
                filter(
                    None,
                    [
                        (other.get("Dmb") or {}).get("Name"),
                        start if start and start > "0001-01-01" else None,
                        sequence_number(other),
                    ],
                )
            )
        )
    return "; ".join(dict.fromkeys([own, *others]))


def handling_documents(
    detail: dict[str, Any], item: AgendaItem, api: str, url: str = "DmbHandlings"
) -> list[DocumentRef]:
    """A ``DmbHandlings/{Id}`` answer → the published documents of the case and its protocol.

    saksnr is the case number, or the item's sequence («PS 1/2026») where Elements gives none (as in
    every real capture); `boards` records every board that treated the case.
    """
    require(
        isinstance(detail, dict) and "Id" in detail and "RegistryEntry" in detail,
        url,
        "a handling with Id and RegistryEntry",
        detail,
    )
    entry = detail.get("RegistryEntry") or {}
    require(
        isinstance(entry, dict) and isinstance(entry.get("Documents", []), list | None),
        url,
        "RegistryEntry as an object with a Documents list",
        entry,
    )
    database = detail.get("Database") or item.raw.get("database")
    if not database:
        raise SourceUnusable(f"DmbHandlings/{item.id} has no Database id; cannot build document URLs.")
    case = detail.get("Case") or {}
    saksnr = (
        (case.get("CaseNumber") if isinstance(case, dict) else None)
        or sequence_number(detail)
        or item.raw.get("sequence")
    )
    caseworker = (detail.get("CaseWorker") or {}).get("Name")
    ids = {
        "moetesak_id": str(detail.get("Id") or item.id),
        "moetemappe_id": item.meeting.id,
        "boards": boards_of(detail, item),
    }
    refs: list[DocumentRef] = []
    if entry.get("Id") is not None and entry.get("IsPublished", True):
        for doc in entry.get("Documents") or []:
            description = doc.get("DocumentDescription") or {}
            if description.get("Id") is None or not description.get("IsPublished", False):
                continue
            link_type = doc.get("DocumentLinkTypeId") or ""
            refs.append(
                DocumentRef(
                    url=f"{api}Documents/ShowDocument/{database}/{entry['Id']}/{description['Id']}",
                    title=(description.get("DocumentTitle") or item.title).strip(),
                    doc_type="saksframlegg"
                    if doc.get("IsMainDocument") and entry.get("RegistryEntryTypeId") == "S"
                    else LINK_TYPES.get(link_type, "vedlegg"),
                    meeting=item.meeting,
                    item=item,
                    saksnr=saksnr,
                    doc_date=iso_date(entry.get("DocumentDate")),
                    saksbehandler=caseworker,
                    ids={
                        **ids,
                        "journalpost_id": str(entry["Id"]),
                        "dokument_id": str(description["Id"]),
                        "link_type": link_type,
                        "database": database,
                    },
                )
            )
    if detail.get("ProtocolPublished") and not detail.get("ProtocolRestricted"):
        refs.append(
            DocumentRef(
                url=f"{api}Documents/ShowDmbHandlingDocument/{database}/{detail.get('Id') or item.id}/Protokoll",
                title=f"Saksprotokoll: {item.title}",
                doc_type="saksprotokoll",
                meeting=item.meeting,
                item=item,
                saksnr=saksnr,
                ids={**ids, "database": database},
            )
        )
    return refs


def other_boards(detail: dict[str, Any]) -> list[tuple[str, str]]:
    """(board name, meeting id) of the same case in other boards (``AdditionalDmbHandlings``)."""
    out = []
    for other in detail.get("AdditionalDmbHandlings") or []:
        board = (other.get("Dmb") or {}).get("Name") or ""
        out.append((board, str(other.get("MeetingId"))))
    return out


def meeting_documents(
    detail: dict[str, Any], meeting: Meeting, api: str, types: dict[str, str] = MEETING_DOC_TYPES, url: str = "Meetings"
) -> list[DocumentRef]:
    """A ``Meetings/{id}`` answer → its unrestricted protocol documents."""
    require(
        isinstance(detail, dict) and isinstance(detail.get("MeetingDocuments", []), list | None),
        url,
        "a meeting with a MeetingDocuments list",
        detail,
    )
    database = detail.get("Database") or meeting.raw.get("database")
    refs = []
    for doc in detail.get("MeetingDocuments") or []:
        kind = doc.get("DmbDocumentTypeId")
        if kind not in types or doc.get("IsRestricted") or doc.get("Id") is None or not database:
            continue
        refs.append(
            DocumentRef(
                url=f"{api}Documents/ShowMeetingDocument/{database}/{meeting.id}/{kind}/{doc['Id']}",
                title=" ".join(filter(None, [(doc.get("Title") or types[kind]).strip(), meeting.utvalg, meeting.date])),
                doc_type=types[kind],
                meeting=meeting,
                ids={
                    "moetemappe_id": meeting.id,
                    "dokument_id": str(doc["Id"]),
                    "meeting_doc_type": kind,
                    "database": database,
                },
                role="meeting",
            )
        )
    return refs


def find_key(data: Any, key: str) -> Any:
    """First value of `key` anywhere in nested JSON."""
    if isinstance(data, dict):
        for name, value in data.items():
            if name == key:
                return value
            found = find_key(value, key)
            if found is not None:
                return found
    elif isinstance(data, list):
        for value in data:
            found = find_key(value, key)
            if found is not None:
                return found
    return None


class ElementsAdapter(Adapter):
    platform = "elements"
    expects = "https://prodNN.elementscloud.no/publikum/<tenant>/Dmb"

    def check(self) -> list[str]:
        parts = urlsplit(self.source.base_url)
        match = TENANT_IN_PATH.search(parts.path + "/")
        self.tenant = self.source.key or (match.group(1) if match else "")
        if not parts.scheme or not self.tenant or "/publikum" not in parts.path.lower():
            raise SourceUnusable(
                f"not an Elements Publikum URL with a tenant (expected {self.expects}): "
                f"{self.source.base_url or '(none)'}"
            )
        self.api = f"{parts.scheme}://{parts.netloc}/publikum/api/"
        return []

    def _json(self, path: str, fresh_since: str | None = None) -> Any:
        """GET a JSON listing; `fresh_since` lets a settled period's cached answer stand without a request."""
        headers = {"Tenant": self.tenant, "Accept": "application/json"}
        return self.client.get(self.api + path, headers=headers, use_cache=True, fresh_since=fresh_since).json()

    def coverage_notes(self, since: int, until: int) -> list[str]:
        try:
            configs = self._json("ConfigProvider/GetConfigs", week_ago())
        except (HostStopped, Unreachable, RobotsDisallowed):
            raise
        except HttpError as exc:
            return [f"portal configuration unreadable, so its date window is unknown ({exc})"]
        days = find_key(configs, "DateIntervalRelative")
        try:
            days = int(days)
        except (TypeError, ValueError):
            return []
        if days >= 0:
            return []
        cutoff = dt.date.today() + dt.timedelta(days=days)
        if dt.date(since, 1, 1) < cutoff:
            return [
                f"Elements shows only the last {-days} days (DateIntervalRelative {days}): meetings before "
                f"{cutoff.isoformat()} may lack documents"
            ]
        return []

    def meetings(self, year: int) -> list[Meeting]:
        path = f"PredefinedQuery/DmbMeetings?year={year}"
        rows = self._json(path, settled_since(f"{year}-12-31"))
        return [m for m in parse_meetings(rows, self.api, self.api + path) if m.date.startswith(str(year))]

    def agenda(self, meeting: Meeting) -> list[AgendaItem]:
        path = f"DmbHandlings/GetByMeetingId/{meeting.id}"
        return parse_agenda(self._json(path, settled_since(meeting.date)), meeting, self.api + path)

    def item_documents(self, item: AgendaItem) -> list[DocumentRef]:
        path = f"DmbHandlings/{item.id}"
        return handling_documents(self._json(path, settled_since(item.meeting.date)), item, self.api, self.api + path)

    def meeting_documents(self, meeting: Meeting) -> list[DocumentRef]:
        path = f"Meetings/{meeting.id}"
        return meeting_documents(self._json(path, settled_since(meeting.date)), meeting, self.api, url=self.api + path)

    def download_headers(self) -> dict[str, str]:
        return {"Tenant": self.tenant}
