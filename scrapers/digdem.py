"""Sikri Digdem (ELM møteportal): a GraphQL API behind ``<tenant>.digdem.no/motekalender``.

Chain: ``POST /graphql`` ``GetYearMeetings`` (meetings of a year, all boards)
→ ``ModalMeeting`` (the meeting's documents and proceedings with their
documents, one request per meeting) → ``GET /api/doc/{docId}``.  The server
reportedly accepts only requests that carry ``apollo-require-preflight: true``
and a Referer of the motekalender and whose query uses fragment syntax, so
every query is written as a fragment on ``Meeting``.  Classified proceedings
and documents are skipped; unpublished meetings have no public documents and
are skipped too.  A GraphQL ``errors`` answer is an error, never data.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any
from urllib.parse import urlsplit

from lhl_mining.errors import HttpError

from .base import Adapter, AgendaItem, DocumentRef, Meeting, SourceUnusable, document_label, iso_date, require

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
MEETING_PROTOCOL = "møteprotokoll"

YEAR_MEETINGS_QUERY = """query GetYearMeetings($where: MeetingListWhere) {
  meetings(where: $where, orderBy: date_ASC) {
    ...YearMeeting
  }
}

fragment YearMeeting on Meeting {
  id
  date
  meetingName
  published
  commission {
    id
    name
  }
}
"""

MODAL_MEETING_QUERY = """query ModalMeeting($id: ID!) {
  meeting(id: $id) {
    ...ModalMeetingContent
  }
}

fragment ModalMeetingContent on Meeting {
  id
  documents {
    id
    title
    type
    classified
  }
  proceedings {
    id
    title
    sequenceNumber
    classified
    type
    documents {
      id
      title
      type
      classified
    }
    relatedProceedings {
      id
      title
      sequenceNumber
    }
  }
  mergedPdf {
    url
  }
}
"""


def year_window(year: int) -> dict[str, str]:
    """``where`` for `year`: a day's margin on both sides, since dates are UTC and meetings are in Norwegian time."""
    return {
        "searchTerm": "",
        "date_gt": f"{year - 1}-12-31T00:00:00.000Z",
        "date_lt": f"{year + 1}-01-02T00:00:00.000Z",
    }


def local_date(value: str | None) -> str | None:
    """``2021-03-09T23:30:00.000Z`` → ``2021-03-10`` (the date in Norway); a plain date stays as it is."""
    if not value:
        return None
    text = value.strip()
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return iso_date(text)
    if moment.tzinfo is None:
        return moment.date().isoformat()
    return moment.astimezone(OSLO).date().isoformat()


def parse_meetings(rows: list[dict[str, Any]], page: str) -> list[Meeting]:
    """``meetings`` of ``GetYearMeetings`` → published meetings; the board is the commission's name."""
    meetings = []
    for row in rows:
        require(
            isinstance(row, dict) and {"id", "date", "published"} <= row.keys(),
            page,
            "GetYearMeetings rows with id, date and published",
            row,
        )
        if row.get("id") is None or not row.get("published"):
            continue
        commission = row.get("commission") or {}
        name = (row.get("meetingName") or "").strip()
        meetings.append(
            Meeting(
                id=str(row["id"]),
                utvalg=(commission.get("name") or "").strip() or name,
                date=local_date(row.get("date")) or "",
                url=f"{page.rstrip('/')}/{row['id']}",
                raw={"commission_id": str(commission.get("id") or ""), "meeting_name": name},
            )
        )
    return meetings


def parse_agenda(detail: dict[str, Any], meeting: Meeting) -> list[AgendaItem]:
    """A ``ModalMeeting`` meeting → its proceedings; classified ones (and untitled ones) are skipped."""
    require(isinstance(detail.get("proceedings", []), list | None), meeting.url, "a proceedings list", detail)
    items = []
    for row in detail.get("proceedings") or []:
        require(
            isinstance(row, dict) and {"id", "title"} <= row.keys(), meeting.url, "proceedings with id and title", row
        )
        title = (row.get("title") or "").strip()
        if row.get("id") is None or row.get("classified") or not title:
            continue
        items.append(
            AgendaItem(
                id=str(row["id"]),
                title=title,
                meeting=meeting,
                case_type=row.get("type") or None,
                raw=row,
            )
        )
    return items


def document_type(kind: str | None, *, in_meeting: bool) -> str:
    """Digdem's document label → the label the other adapters use (saksframlegg, vedlegg, …)."""
    return document_label(kind, on_item=not in_meeting, otherwise=(kind or "").lower() or "dokument")


def _common_ids(meeting: Meeting, tenant: str) -> dict[str, str]:
    ids = {"moetemappe_id": meeting.id, "tenant": tenant}
    if meeting.raw.get("commission_id"):
        ids["commission_id"] = meeting.raw["commission_id"]
    return ids


def proceeding_documents(item: AgendaItem, origin: str, tenant: str) -> list[DocumentRef]:
    """The unclassified documents of one proceeding, with the meeting, proceeding and commission ids."""
    row = item.raw
    related = [str(p.get("id")) for p in row.get("relatedProceedings") or [] if p.get("id") is not None]
    ids = {**_common_ids(item.meeting, tenant), "moetesak_id": item.id}
    if row.get("sequenceNumber") is not None:
        ids["sequence_number"] = str(row["sequenceNumber"])
    if item.case_type:
        ids["proceeding_type"] = str(item.case_type)
    if related:
        ids["related_proceedings"] = ",".join(related)
    refs = []
    for doc in row.get("documents") or []:
        if doc.get("id") is None or doc.get("classified"):
            continue
        refs.append(
            DocumentRef(
                url=f"{origin}/api/doc/{doc['id']}",
                title=(doc.get("title") or item.title).strip(),
                doc_type=document_type(doc.get("type"), in_meeting=False),
                meeting=item.meeting,
                item=item,
                ids={**ids, "dokument_id": str(doc["id"])},
            )
        )
    return refs


def meeting_documents(detail: dict[str, Any], meeting: Meeting, origin: str, tenant: str) -> list[DocumentRef]:
    """The meeting's unclassified protocols (the innkalling and ``mergedPdf`` repeat the proceedings' documents)."""
    refs = []
    for doc in detail.get("documents") or []:
        kind = document_type(doc.get("type"), in_meeting=True)
        if doc.get("id") is None or doc.get("classified") or kind != MEETING_PROTOCOL:
            continue
        refs.append(
            DocumentRef(
                url=f"{origin}/api/doc/{doc['id']}",
                title=" ".join(
                    filter(None, [(doc.get("title") or "Møteprotokoll").strip(), meeting.utvalg, meeting.date])
                ),
                doc_type=kind,
                meeting=meeting,
                ids={**_common_ids(meeting, tenant), "dokument_id": str(doc["id"])},
                role="meeting",
            )
        )
    return refs


class DigdemAdapter(Adapter):
    platform = "digdem"
    expects = "https://<tenant>.digdem.no/motekalender"

    def check(self) -> list[str]:
        url = self.source.base_url
        if not url and self.source.key:
            url = f"https://{self.source.key}.digdem.no/motekalender"
        parts = urlsplit(url)
        if not parts.scheme or not parts.netloc:
            raise SourceUnusable(
                f"no Digdem tenant known (expected {self.expects}); run `lhl sources discover` "
                "or add it to lhl-sources.yaml"
            )
        host = parts.hostname or ""
        self.tenant = self.source.key or (host.split(".")[0] if host.endswith(".digdem.no") else host)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.page = url if parts.path.strip("/") else f"{self.origin}/motekalender"
        self.graphql = f"{self.origin}/graphql"
        return []

    def _query(self, operation: str, query: str, variables: dict[str, Any], field: str) -> Any:
        """POST one GraphQL operation; HTML, an ``errors`` answer or a missing field is an error."""
        headers = {"apollo-require-preflight": "true", "Referer": self.page, "Origin": self.origin}
        payload = {"operationName": operation, "variables": variables, "query": query}
        answer = self.client.post_json(self.graphql, payload, headers=headers).json()
        require(isinstance(answer, dict), self.graphql, f"a GraphQL result to {operation}", answer)
        if answer.get("errors"):
            messages = "; ".join(
                str(error.get("message") if isinstance(error, dict) else error) for error in answer["errors"]
            )
            raise HttpError(f"{self.graphql} answered GraphQL errors to {operation}: {messages}")
        data = answer.get("data")
        require(
            isinstance(data, dict) and data.get(field) is not None,
            self.graphql,
            f"data.{field} in the answer to {operation} {variables}",
            data,
        )
        return data[field]

    def meetings(self, year: int) -> list[Meeting]:
        rows = self._query("GetYearMeetings", YEAR_MEETINGS_QUERY, {"where": year_window(year)}, "meetings")
        require(isinstance(rows, list), self.graphql, f"a list of meetings for {year} (GetYearMeetings)", rows)
        return [m for m in parse_meetings(rows, self.page) if m.date.startswith(str(year))]

    def _detail(self, meeting: Meeting) -> dict[str, Any]:
        """The ``ModalMeeting`` answer, asked once per meeting (agenda and protocols both read it)."""
        if "detail" not in meeting.raw:
            detail = self._query("ModalMeeting", MODAL_MEETING_QUERY, {"id": meeting.id}, "meeting")
            require(isinstance(detail, dict), self.graphql, f"a meeting object for meeting {meeting.id}", detail)
            meeting.raw["detail"] = detail
        return meeting.raw["detail"]

    def agenda(self, meeting: Meeting) -> list[AgendaItem]:
        return parse_agenda(self._detail(meeting), meeting)

    def item_documents(self, item: AgendaItem) -> list[DocumentRef]:
        return proceeding_documents(item, self.origin, self.tenant)

    def meeting_documents(self, meeting: Meeting) -> list[DocumentRef]:
        return meeting_documents(self._detail(meeting), meeting, self.origin, self.tenant)

    def download_headers(self) -> dict[str, str]:
        return {"Referer": self.page}
