"""The kommune table in the shape of the OsloMet evaluation's Vedlegg 2.

Columns: Knr, Kommune, Fylke, Vedtak LHL (2/1/0/.) and, for planstrategi,
samfunnsdel, arealdel, delplan for helse og omsorg and handlings- og
økonomiplan, 1/0/. for whether such a plan mentions the reform.  Every cell
carries the documents it rests on.

How the cells are derived (documented in docs/export.md):
- a document "mentions the reform" when at least one of its passages is coded
  `reform` (the final human code where there is one, else the machine's
  suggestion; `--codings machine` uses suggestions only);
- plan columns: `.` no document of that type, `1` one of them mentions the
  reform, `0` none does;
- Vedtak LHL: `2` a Leve hele livet plan (handlingsplan/plan for LHL) that
  mentions the reform, `1` no such plan but the reform appears in political
  case documents (saksframlegg, protokoll, innkalling, særutskrift), `0`
  political documents exist but none mentions the reform, `.` neither kind of
  document was found.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import groupby
from pathlib import Path
from typing import Any

from .. import registry
from ..errors import ExportOptionError, NothingToExport
from ..store import Store
from ..store import exports as sql
from .base import ExportFormat, ExportOptions, register
from .model import PassageRecord, passage_records

PLAN_COLUMNS: tuple[tuple[str, str], ...] = (
    ("planstrategi", "Planstrategi"),
    ("samfunnsdel", "Samfunnsdel"),
    ("arealdel", "Arealdel"),
    ("delplan_helse_omsorg", "Delplan for helse og omsorg"),
    ("handlings_okonomiplan", "Handlings- og økonomiplan"),
)
VEDTAK_LABELS = {
    "2": "vedtatt plan",
    "1": "behandlet, ikke vedtatt plan",
    "0": "ikke behandlet",
    ".": "",
}
PLAN_LABELS = {"1": "nevner reformen", "0": "nevner ikke reformen", ".": ""}

_POLITICAL_CUES = (
    "saksframlegg", "saksfremlegg", "saksframstilling", "sakspapir", "saksutgreiing", "saksutredning",
    "saksprotokoll", "saerutskrift", "saksutskrift", "protokoll", "motebok", "moteinnkalling", "innkalling",
    "sakliste", "saksliste", "vedtak",
)


def doc_category(doc_type: str | None) -> str | None:
    """Vedlegg-2 category of a document type: ingest's names (lhl_mining.ingest.doctype), or free text."""
    folded = registry.fold(doc_type or "")
    if not folded:
        return None
    if any(cue in folded for cue in ("levehelelivet", "leveheilelivet", "eldreplan", "seniorplan", "aldersvennlig")) \
            or folded.startswith("lhl"):
        return "lhl_plan"
    for cue, category in (("planstrategi", "planstrategi"), ("samfunnsdel", "samfunnsdel"), ("arealdel", "arealdel")):
        if cue in folded:
            return category
    if ("helse" in folded and "omsorg" in folded) or "omsorgsplan" in folded:
        return "delplan_helse_omsorg"
    if any(cue in folded for cue in ("okonomiplan", "handlingsprogram", "budsjett", "handlingsdel")):
        return "handlings_okonomiplan"
    if any(cue in folded for cue in _POLITICAL_CUES):
        return "political"
    return None


@cache
def _labels() -> dict[str, str]:
    return {k.knr: k.label for k in registry.kommuner()}


def kommune_label(knr: str | None, name: str | None) -> str:
    """The nationally unique kommune name (NVivo case name)."""
    return _labels().get(knr or "", name or knr or "(unknown kommune)")


@dataclass(frozen=True)
class Evidence:
    document_id: int
    url: str
    title: str
    doc_type: str
    mentions: bool

    def as_dict(self) -> dict[str, Any]:
        return {"document_id": self.document_id, "url": self.url, "title": self.title, "doc_type": self.doc_type,
                "mentions_reform": self.mentions}

    def as_text(self) -> str:
        return f"#{self.document_id} {self.url}"


@dataclass
class KommuneSummary:
    knr: str
    kommune: str
    county: str
    cells: dict[str, str] = field(default_factory=dict)
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)
    n_documents: int = 0
    n_passages: int = 0
    n_reform_passages: int = 0
    n_human_coded: int = 0

    @property
    def label(self) -> str:
        return kommune_label(self.knr, self.kommune)


@dataclass
class _DocumentFacts:
    document_id: int
    knr: str | None
    url: str
    title: str
    doc_type: str
    mentions: bool = False
    n_passages: int = 0
    n_reform: int = 0
    n_human: int = 0


def _reform_decision(record: PassageRecord, mode: str) -> tuple[bool, bool]:
    """(mentions reform, decided by a human) for one passage."""
    if mode == "machine":
        return bool(record.machine and record.machine.reform), False
    final = record.final
    if final:
        return final.reform, True
    return bool(record.machine and record.machine.reform), False


def document_facts(doc: dict[str, Any], records: Iterable[PassageRecord], mode: str,
                   options: ExportOptions | None = None) -> _DocumentFacts:
    """Reform facts of one document from its passages (`records`, consumed)."""
    facts = _DocumentFacts(doc["document_id"], doc["knr"], doc["url"], doc["title"] or "", doc["doc_type"] or "")
    for record in records:
        mentions, human = _reform_decision(record, mode)
        facts.n_passages += 1
        facts.n_reform += mentions
        facts.n_human += human
        if options:
            options.advance()
    facts.mentions = facts.n_reform > 0
    return facts


def counts_for_summary(doc: dict[str, Any], facts: _DocumentFacts) -> bool:
    """Whether a document was read: it has passages, or its text was extracted (and is empty)."""
    return facts.n_passages > 0 or doc["status"] == "extracted"


def _document_facts(store: Store, mode: str, options: ExportOptions | None = None) -> Iterator[_DocumentFacts]:
    """One pass over the passages; yields the facts of every document that was read."""
    groups = groupby(passage_records(sql.iter_passage_rows(store)), key=lambda r: r.row["document_id"])
    current = next(groups, None)
    for doc in sql.iter_documents(store):
        while current is not None and current[0] < doc["document_id"]:
            current = next(groups, None)
        matched = current is not None and current[0] == doc["document_id"]
        facts = document_facts(doc, current[1] if matched else (), mode, options)
        if matched:
            current = next(groups, None)
        if counts_for_summary(doc, facts):
            yield facts


class SummaryBuilder:
    """Collects document facts into the Vedlegg-2 rows of the kommuner in scope."""

    def __init__(self, store: Store, mode: str = "final", *, required: bool = True) -> None:
        if mode == "all":
            raise ExportOptionError(
                "The kommune summary needs one code per passage: use --codings final (default) or machine."
            )
        self.mode = mode
        scope = sql.kommuner_in_scope(store)
        if not scope and required:
            documents = sql.content_counts(store)["documents"]
            if documents:
                raise NothingToExport(
                    f"None of the {documents} documents belongs to a kommune, so there is no kommune table; "
                    "ingest with `lhl ingest --kommune NAME` or scrape by kommune."
                )
            raise NothingToExport(
                "The database has no kommuner with sources or documents yet; run `lhl scrape` or `lhl ingest` first."
            )
        self.summaries = {k["knr"]: KommuneSummary(k["knr"], k["name"], k["county"]) for k in scope}
        self.by_category: dict[str, dict[str, list[Evidence]]] = {knr: {} for knr in self.summaries}

    def add(self, facts: _DocumentFacts) -> None:
        summary = self.summaries.get(facts.knr or "")
        if summary is None:
            return
        summary.n_documents += 1
        summary.n_passages += facts.n_passages
        summary.n_reform_passages += facts.n_reform
        summary.n_human_coded += facts.n_human
        category = doc_category(facts.doc_type)
        if category:
            self.by_category[summary.knr].setdefault(category, []).append(
                Evidence(facts.document_id, facts.url, facts.title, facts.doc_type, facts.mentions)
            )

    def finish(self) -> list[KommuneSummary]:
        for knr, summary in self.summaries.items():
            found = self.by_category[knr]
            for column, _ in PLAN_COLUMNS:
                docs = found.get(column, [])
                mentioning = [e for e in docs if e.mentions]
                summary.cells[column] = "." if not docs else "1" if mentioning else "0"
                summary.evidence[column] = mentioning or docs
            plans = [e for e in found.get("lhl_plan", []) if e.mentions]
            political = found.get("political", [])
            political_mentions = [e for e in political if e.mentions]
            if plans:
                summary.cells["vedtak_lhl"], summary.evidence["vedtak_lhl"] = "2", plans
            elif political_mentions:
                summary.cells["vedtak_lhl"], summary.evidence["vedtak_lhl"] = "1", political_mentions
            elif political or found.get("lhl_plan"):
                summary.cells["vedtak_lhl"], summary.evidence["vedtak_lhl"] = "0", political + found.get("lhl_plan", [])
            else:
                summary.cells["vedtak_lhl"], summary.evidence["vedtak_lhl"] = ".", []
        return list(self.summaries.values())


def build_summary(store: Store, mode: str = "final", options: ExportOptions | None = None, *,
                  required: bool = True) -> list[KommuneSummary]:
    """The Vedlegg-2 table for every kommune in scope (with a source or a document).

    With `required`, no kommune in scope is an error (the table would be empty); else it is an empty list.
    """
    builder = SummaryBuilder(store, mode, required=required)
    if not builder.summaries:
        return []
    for facts in _document_facts(store, mode, options):
        builder.add(facts)
    return builder.finish()


SUMMARY_COLUMNS = ["knr", "kommune", "fylke", "vedtak_lhl", *[c for c, _ in PLAN_COLUMNS]]
HEADINGS = {"knr": "Knr", "kommune": "Kommune", "fylke": "Fylke", "vedtak_lhl": "Vedtak LHL", **dict(PLAN_COLUMNS)}
CELL_COLUMNS = ["vedtak_lhl", *[c for c, _ in PLAN_COLUMNS]]


def summary_row(summary: KommuneSummary) -> dict[str, Any]:
    row: dict[str, Any] = {"knr": summary.knr, "kommune": summary.label, "fylke": summary.county}
    row.update({c: summary.cells[c] for c in CELL_COLUMNS})
    return row


def _write_summary(store: Store | None, path: Path, options: ExportOptions) -> dict[str, Any]:
    summaries = build_summary(store, options.codings, options)
    if options.suffix == ".xlsx":
        _write_xlsx(summaries, path)
    elif options.suffix == ".jsonl":
        with path.open("w", encoding="utf-8") as fh:
            for s in summaries:
                record = summary_row(s)
                record["evidence"] = {c: [e.as_dict() for e in s.evidence[c]] for c in CELL_COLUMNS}
                record.update(n_documents=s.n_documents, n_passages=s.n_passages,
                              n_reform_passages=s.n_reform_passages, n_human_coded_passages=s.n_human_coded)
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([HEADINGS[c] for c in SUMMARY_COLUMNS] + [f"{HEADINGS[c]} (evidens)" for c in CELL_COLUMNS])
            for s in summaries:
                row = summary_row(s)
                writer.writerow([row[c] for c in SUMMARY_COLUMNS]
                                + [" | ".join(e.as_text() for e in s.evidence[c]) for c in CELL_COLUMNS])
    return {"kommuner": len(summaries), "documents": sum(s.n_documents for s in summaries)}


def _write_xlsx(summaries: list[KommuneSummary], path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    table = book.create_sheet("Vedlegg 2")
    table.append([HEADINGS[c] for c in SUMMARY_COLUMNS])
    for s in summaries:
        row = summary_row(s)
        table.append([row[c] for c in SUMMARY_COLUMNS])
    evidence = book.create_sheet("Evidens")
    evidence.append(["Knr", "Kommune", "Kolonne", "Verdi", "Dokument-id", "Dokumenttype", "Nevner reformen",
                     "Tittel", "URL"])
    for s in summaries:
        for column in CELL_COLUMNS:
            for e in s.evidence[column]:
                evidence.append([s.knr, s.label, HEADINGS[column], s.cells[column], e.document_id, e.doc_type,
                                 int(e.mentions), e.title, e.url])
    book.save(path)


register(
    ExportFormat(
        name="summary",
        write=_write_summary,
        help="Vedlegg-2 table per kommune (vedtak 2/1/0/., plans 1/0/.), with evidence documents; .csv, .xlsx or .jsonl.",
        codings=("final", "machine"),
        suffixes=(".csv", ".xlsx", ".jsonl"),
        needs="kommuner",
    )
)
