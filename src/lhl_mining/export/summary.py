"""The kommune table in the shape of the OsloMet evaluation's Vedlegg 2, decided from read decisions.

Columns: Knr, Kommune, Fylke, Vedtak LHL (2/1/0/.) and, for planstrategi,
samfunnsdel, arealdel, delplan for helse og omsorg and handlings- og
økonomiplan, 1/0/. for whether such a plan mentions the reform.  Every cell
carries its evidence (documents, and for Vedtak LHL the decision: body, date,
sak, text, the case's other papers) and a confidence.

The rules (seed 002 §3.1 and Vedlegg 2; docs/export.md):
- Vedtak LHL `2`: a kommunestyre/bystyre vedtak adopts a plan for the reform: an
  LHL plan (the sak or the decision names one), or a plan the decision says
  follows up the reform; `1`: the reform was treated or named without such an
  adoption: a decision, proposal or council statement naming it (incl. a
  decision to make a plan), or a political or planning document mentioning it;
  `0`: political or planning documents exist and none names it; `.`: nothing
  was found (every kommune in scope has a row, gaps included).
- a document "mentions the reform" when one of its passages is coded `reform`
  (the final human code where there is one, else the machine's suggestion;
  `--codings machine` uses suggestions only);
- plan columns by document type: `.` no document of that type, `1` one of them
  mentions the reform, `0` none does;
- `until` drops evidence dated after it (the evaluators stopped at 15 Dec 2021);
- a coder's value for a cell (`lhl review`, /table) replaces the machine's.
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
from ..decisions import OUTCOME_LABELS
from ..decisions.build import current_decisions
from ..decisions.cases import CaseIndex
from ..decisions.extract import reform_spans
from ..errors import ExportOptionError, NothingToExport
from ..store import Store
from ..store import decisions as decisions_sql
from ..store import exports as sql
from ..store.documents import document_text
from .base import ExportFormat, ExportOptions, database, register
from .model import PassageRecord, passage_records

PLAN_COLUMNS: tuple[tuple[str, str], ...] = (
    ("planstrategi", "Planstrategi"),
    ("samfunnsdel", "Samfunnsdel"),
    ("arealdel", "Arealdel"),
    ("delplan_helse_omsorg", "Delplan for helse og omsorg"),
    ("handlings_okonomiplan", "Handlings- og økonomiplan"),
)
VEDTAK_LABELS = {
    "2": "kommunestyret har vedtatt plan for reformen",
    "1": "behandlet eller nevnt, ikke vedtatt plan (inkl. vedtak om å lage plan)",
    "0": "ikke behandlet eller nevnt",
    ".": "ingen opplysninger",
}
PLAN_LABELS = {"1": "nevner reformen", "0": "nevner ikke reformen", ".": "ingen slik plan funnet"}
CONFIDENCE = ("høy", "middels", "lav", "koder")
"""høy: a read decision says so; middels: documents say so, or a decision read with weaker cues; lav: only
machine suggestions in planning documents, or absence; koder: a coder set the cell."""

_POLITICAL_CUES = (
    "saksframlegg",
    "saksfremlegg",
    "saksframstilling",
    "sakspapir",
    "saksutgreiing",
    "saksutredning",
    "saksprotokoll",
    "saerutskrift",
    "saksutskrift",
    "protokoll",
    "motebok",
    "moteinnkalling",
    "innkalling",
    "sakliste",
    "saksliste",
    "vedtak",
)
ADOPTED = ("adopted", "adopted_changed")
DECIDING_BODIES = ("kommunestyre",)


def doc_category(doc_type: str | None) -> str | None:
    """Vedlegg-2 category of a document type: ingest's names (lhl_mining.ingest.doctype), or free text."""
    folded = registry.fold(doc_type or "")
    if not folded:
        return None
    if any(
        cue in folded for cue in ("levehelelivet", "leveheilelivet", "eldreplan", "seniorplan", "aldersvennlig")
    ) or folded.startswith("lhl"):
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
    """A document a cell rests on; for a decision also who decided what, when, in which sak, and the case's papers."""

    document_id: int
    url: str
    title: str
    doc_type: str
    mentions: bool
    decision_id: int | None = None
    body: str | None = None
    meeting_date: str | None = None
    saksnr: str | None = None
    kind: str | None = None
    outcome: str | None = None
    decision_text: str | None = None
    char_start: int | None = None
    char_end: int | None = None
    papers: tuple[tuple[int, str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "document_id": self.document_id,
            "url": self.url,
            "title": self.title,
            "doc_type": self.doc_type,
            "mentions_reform": self.mentions,
        }
        if self.kind:
            out["decision"] = {
                "id": self.decision_id,
                "kind": self.kind,
                "body": self.body,
                "meeting_date": self.meeting_date,
                "saksnr": self.saksnr,
                "outcome": self.outcome,
                "text": self.decision_text,
                "char_start": self.char_start,
                "char_end": self.char_end,
                "case_papers": [{"document_id": i, "url": u, "title": t} for i, u, t in self.papers],
            }
        return out

    def describe(self) -> str:
        """«kommunestyre 2021-06-17 sak 45/21: vedtatt som foreslått» for a decision; the title for a document."""
        if not self.kind:
            return self.title or self.doc_type
        who = {"innstilling": "innstilling", "uttalelse": "uttalelse"}.get(self.kind, "vedtak")
        parts = [p for p in (self.body, self.meeting_date, f"sak {self.saksnr}" if self.saksnr else None) if p]
        return f"{who} {' '.join(parts)}: {OUTCOME_LABELS.get(self.outcome or '', self.outcome)}"

    def as_text(self) -> str:
        if not self.kind:
            return f"#{self.document_id} {self.url}"
        quote = " ".join((self.decision_text or "").split())
        quote = quote if len(quote) <= 160 else quote[:157] + "…"
        papers = "".join(f" +#{i}" for i, _, _ in self.papers)
        return f"#{self.document_id} {self.url} ({self.describe()} «{quote}»){papers}"


@dataclass
class KommuneSummary:
    knr: str
    kommune: str
    county: str
    cells: dict[str, str] = field(default_factory=dict)
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)
    confidence: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    machine_cells: dict[str, str] = field(default_factory=dict)
    coded_by: dict[str, str] = field(default_factory=dict)
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
    date: str | None = None
    in_meeting: bool = False
    n_untagged: int = 0
    read_by_names: bool = False


def _reform_decision(record: PassageRecord, mode: str) -> tuple[bool, bool]:
    """(mentions reform, decided by a human) for one passage."""
    if mode == "machine":
        return bool(record.machine and record.machine.reform), False
    final = record.final
    if final:
        return final.reform, True
    return bool(record.machine and record.machine.reform), False


def document_facts(
    doc: dict[str, Any], records: Iterable[PassageRecord], mode: str, options: ExportOptions | None = None
) -> _DocumentFacts:
    """Reform facts of one document from its passages (`records`, consumed)."""
    facts = _DocumentFacts(
        doc["document_id"],
        doc["knr"],
        doc["url"],
        doc["title"] or "",
        doc["doc_type"] or "",
        date=doc.get("date"),
        in_meeting=bool(doc.get("utvalg") or doc.get("meeting_date")),
    )
    for record in records:
        mentions, human = _reform_decision(record, mode)
        facts.n_passages += 1
        facts.n_reform += mentions
        facts.n_human += human
        facts.n_untagged += not human and not record.machine_provenance
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
        matched = current if current is not None and current[0] == doc["document_id"] else None
        facts = document_facts(doc, matched[1] if matched else (), mode, options)
        if matched:
            current = next(groups, None)
        if counts_for_summary(doc, facts):
            yield facts


def _after(date: str | None, until: str | None) -> bool:
    return bool(until and date and date[:10] > until)


def _evidence_of(facts: _DocumentFacts) -> Evidence:
    return Evidence(facts.document_id, facts.url, facts.title, facts.doc_type, facts.mentions)


def _decision_evidence(d: dict[str, Any], cases: CaseIndex) -> Evidence:
    text = (d.get("evidence") or {}).get("effective_text") or d["text"]
    return Evidence(
        d["document_id"],
        d["url"],
        d.get("title") or "",
        d.get("doc_type") or "",
        bool(d["names_reform"]),
        decision_id=d.get("id"),
        body=d.get("body"),
        meeting_date=d.get("meeting_date"),
        saksnr=d.get("saksnr"),
        kind=d["kind"],
        outcome=d["outcome"],
        decision_text=text,
        char_start=d["char_start"],
        char_end=d["char_end"],
        papers=tuple((p["document_id"], p["url"], p.get("title") or "") for p in cases.papers(d)),
    )


def _treatment_rank(d: dict[str, Any]) -> tuple[int, int, str]:
    """Strongest treatment first: vedtak before statements and proposals, kommunestyre first, start_plan first."""
    kind = {"vedtak": 0, "uttalelse": 1, "innstilling": 2}[d["kind"]]
    return (
        kind,
        0 if d["outcome"] == "start_plan" else 1 if d.get("body") in DECIDING_BODIES else 2,
        d.get("meeting_date") or "",
    )


class SummaryBuilder:
    """Collects document facts and decisions into the Vedlegg-2 rows of the kommuner in scope."""

    def __init__(self, store: Store, mode: str = "final", *, required: bool = True, until: str | None = None) -> None:
        if mode == "all":
            raise ExportOptionError(
                "The kommune summary needs one code per passage: use --codings final (default) or machine."
            )
        self.store = store
        self.mode = mode
        self.until = until
        scope = decisions_sql.table_kommuner(store)
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
        self.by_category: dict[str, dict[str, list[_DocumentFacts]]] = {knr: {} for knr in self.summaries}

    def add(self, facts: _DocumentFacts) -> None:
        summary = self.summaries.get(facts.knr or "")
        if summary is None or _after(facts.date, self.until):
            return
        summary.n_documents += 1
        summary.n_passages += facts.n_passages
        summary.n_reform_passages += facts.n_reform
        summary.n_human_coded += facts.n_human
        category = doc_category(facts.doc_type) or ("political" if facts.in_meeting else "other")
        self.by_category[summary.knr].setdefault(category, []).append(facts)

    def _decisions(self) -> dict[str, list[dict[str, Any]]]:
        by_knr: dict[str, list[dict[str, Any]]] = {}
        for d in current_decisions(self.store):
            paper_date = d.get("doc_meeting_date") or d.get("doc_date")
            if (
                d.get("knr") in self.summaries
                and not _after(d.get("meeting_date"), self.until)
                and not _after(paper_date, self.until)
            ):  # a later paper was not there to read
                by_knr.setdefault(d["knr"], []).append(d)
        return by_knr

    def _read_untagged(self) -> None:
        """A document nobody tagged or coded is not evidence of absence: it mentions the reform when the
        codebook's context-free reform names occur in its text (the decisions' rule)."""
        for found in self.by_category.values():
            for facts in (f for group in found.values() for f in group):
                if facts.n_passages and facts.n_untagged == facts.n_passages:
                    text = document_text(self.store, facts.document_id) or ""
                    facts.mentions, facts.read_by_names = bool(reform_spans(text)), True

    def finish(self) -> list[KommuneSummary]:
        self._read_untagged()
        decisions = self._decisions()
        cases = CaseIndex(decisions_sql.case_documents(self.store))
        for knr, summary in self.summaries.items():
            found = self.by_category[knr]
            for column, _ in PLAN_COLUMNS:
                self._plan_cell(summary, column, found.get(column, []))
            self._vedtak_cell(summary, found, decisions.get(knr, []), cases)
        self._apply_codings()
        return list(self.summaries.values())

    @staticmethod
    def _plan_cell(summary: KommuneSummary, column: str, docs: list[_DocumentFacts]) -> None:
        mentioning = [f for f in docs if f.mentions]
        if not docs:
            value, confidence, reason = ".", "", "ingen slik plan funnet"
        elif mentioning:
            human = any(f.n_human for f in mentioning)
            value, confidence = "1", "høy" if human else "middels"
            reason = f"{len(mentioning)} av {len(docs)} plan(er) nevner reformen" + (" (kodet)" if human else "")
        else:
            sure = all(f.n_passages and not f.read_by_names for f in docs)
            value, confidence, reason = (
                "0",
                "middels" if sure else "lav",
                f"{len(docs)} plan(er), ingen nevner reformen",
            )
        summary.cells[column], summary.confidence[column], summary.reasons[column] = value, confidence, reason
        summary.evidence[column] = [_evidence_of(f) for f in (mentioning or docs)]

    @staticmethod
    def _vedtak_cell(
        summary: KommuneSummary,
        found: dict[str, list[_DocumentFacts]],
        decisions: list[dict[str, Any]],
        cases: CaseIndex,
    ) -> None:
        column = "vedtak_lhl"
        adoptions = [
            d
            for d in decisions
            if d["kind"] == "vedtak"
            and d.get("body") in DECIDING_BODIES
            and d["outcome"] in ADOPTED
            and (d.get("plan") == "lhl_plan" or d["implements_reform"])
        ]
        political = found.get("political", []) + found.get("lhl_plan", [])
        planning = [f for c, _ in PLAN_COLUMNS for f in found.get(c, [])]
        if adoptions:
            adoptions.sort(key=lambda d: (d.get("plan") != "lhl_plan", d.get("meeting_date") or ""))
            best = adoptions[0]
            label = (best.get("evidence") or {}).get("label")
            strong = (
                best.get("plan") == "lhl_plan"
                and label
                and label != "reported adoption"
                and (best.get("evidence") or {}).get("body_from", "label") != "subject"
            )
            value, confidence = "2", "høy" if strong else "middels"
            when = " ".join(
                p for p in (best.get("meeting_date"), f"sak {best['saksnr']}" if best.get("saksnr") else None) if p
            )
            reason = (
                "kommunestyret vedtok "
                + ("en plan for reformen" if best.get("plan") == "lhl_plan" else "en plan som følger opp reformen")
                + (f" ({when})" if when else "")
            )
            evidence = [_decision_evidence(d, cases) for d in adoptions]
        else:
            treated = sorted((d for d in decisions if d["names_reform"]), key=_treatment_rank)
            mentioning = [f for f in political + planning if f.mentions]
            others = [f for f in found.get("other", []) if f.mentions]
            if treated or mentioning or others:
                value = "1"
                if treated and treated[0]["kind"] == "vedtak":
                    confidence = "høy"
                    reason = f"{treated[0].get('body') or 'et organ'}: {OUTCOME_LABELS[treated[0]['outcome']]}"
                elif treated or any(f.mentions for f in political):
                    confidence, reason = "middels", "nevnt i politiske saksdokumenter, ingen vedtatt plan funnet"
                elif mentioning:
                    confidence, reason = "lav", "nevnt i plandokumenter, ingen politisk behandling funnet"
                else:
                    confidence, reason = "lav", "nevnt bare i andre dokumenter"
                shown = {d["document_id"] for d in treated}
                evidence = [_decision_evidence(d, cases) for d in treated] + [
                    _evidence_of(f) for f in mentioning + others if f.document_id not in shown
                ]
            elif political or planning:
                value, reason = (
                    "0",
                    f"{len(political) + len(planning)} politiske dokumenter/plandokumenter, ingen nevner reformen",
                )
                confidence = (
                    "middels" if all(f.n_passages and not f.read_by_names for f in political + planning) else "lav"
                )
                evidence = [_evidence_of(f) for f in political + planning]
            else:
                value, confidence, evidence = ".", "", []
                reason = "ingen politiske dokumenter eller plandokumenter funnet"
        summary.cells[column], summary.confidence[column], summary.reasons[column] = value, confidence, reason
        summary.evidence[column] = evidence

    def _apply_codings(self) -> None:
        """A coder's latest value for a cell replaces the machine's (a NULL value reverts to the machine)."""
        for (knr, column), coding in decisions_sql.latest_cell_codings(self.store).items():
            summary = self.summaries.get(knr)
            if summary is None or column not in CELL_COLUMNS:
                continue
            summary.machine_cells[column] = summary.cells[column]
            if coding["value"] is not None:
                summary.cells[column] = coding["value"]
                summary.confidence[column] = "koder"
                summary.coded_by[column] = coding["coder"]
                summary.reasons[column] = f"satt av {coding['coder']}" + (
                    f": {coding['memo']}" if coding["memo"] else ""
                )


def build_summary(
    store: Store,
    mode: str = "final",
    options: ExportOptions | None = None,
    *,
    required: bool = True,
    until: str | None = None,
) -> list[KommuneSummary]:
    """The Vedlegg-2 table for every kommune of the counties in scope (touched by a source, document or scrape).

    With `required`, no kommune in scope is an error (the table would be empty); else it is an empty list.
    `until` (ISO date) drops documents and decisions dated later; the options' `until` is used when not given.
    """
    until = until or (options.until if options else None)
    builder = SummaryBuilder(store, mode, required=required, until=until)
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


def cell_label(column: str, value: str) -> str:
    """«2: kommunestyret har vedtatt plan for reformen»: the code with what it means under this column."""
    labels = VEDTAK_LABELS if column == "vedtak_lhl" else PLAN_LABELS
    return f"{value}: {labels[value]}" if value in labels else value


def _write_summary(store: Store | None, path: Path, options: ExportOptions) -> dict[str, Any]:
    store = database(store)
    summaries = build_summary(store, options.codings, options)
    if options.suffix == ".xlsx":
        _write_xlsx(summaries, path)
    elif options.suffix == ".jsonl":
        with path.open("w", encoding="utf-8") as fh:
            for s in summaries:
                record = summary_row(s)
                record["labels"] = {c: cell_label(c, s.cells[c]) for c in CELL_COLUMNS}
                record["confidence"] = {c: s.confidence[c] for c in CELL_COLUMNS}
                record["reasons"] = {c: s.reasons[c] for c in CELL_COLUMNS}
                record["evidence"] = {c: [e.as_dict() for e in s.evidence[c]] for c in CELL_COLUMNS}
                record["coded_by"] = s.coded_by
                record["machine_values"] = s.machine_cells
                record.update(
                    n_documents=s.n_documents,
                    n_passages=s.n_passages,
                    n_reform_passages=s.n_reform_passages,
                    n_human_coded_passages=s.n_human_coded,
                )
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(
                [HEADINGS[c] for c in SUMMARY_COLUMNS]
                + [f"{HEADINGS[c]} (evidens)" for c in CELL_COLUMNS]
                + [f"{HEADINGS[c]} (sikkerhet)" for c in CELL_COLUMNS]
            )
            for s in summaries:
                row = summary_row(s)
                writer.writerow(
                    [row[c] for c in SUMMARY_COLUMNS]
                    + [" | ".join(e.as_text() for e in s.evidence[c]) for c in CELL_COLUMNS]
                    + [s.confidence[c] for c in CELL_COLUMNS]
                )
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
    evidence.append(
        [
            "Knr",
            "Kommune",
            "Kolonne",
            "Verdi",
            "Dokument-id",
            "Dokumenttype",
            "Nevner reformen",
            "Tittel",
            "URL",
            "Sikkerhet",
            "Begrunnelse",
            "Vedtak",
            "Vedtakstekst",
            "Saksdokumenter",
        ]
    )
    for s in summaries:
        for column in CELL_COLUMNS:
            cell_evidence: list[Evidence | None] = [*s.evidence[column]] or [None]
            for e in cell_evidence:
                if e is None:
                    evidence.append(
                        [
                            s.knr,
                            s.label,
                            HEADINGS[column],
                            s.cells[column],
                            None,
                            None,
                            None,
                            None,
                            None,
                            s.confidence[column],
                            s.reasons[column],
                            None,
                            None,
                            None,
                        ]
                    )
                    continue
                evidence.append(
                    [
                        s.knr,
                        s.label,
                        HEADINGS[column],
                        s.cells[column],
                        e.document_id,
                        e.doc_type,
                        int(e.mentions),
                        e.title,
                        e.url,
                        s.confidence[column],
                        s.reasons[column],
                        e.describe() if e.kind else None,
                        e.decision_text,
                        " ".join(f"#{i} {u}" for i, u, _ in e.papers) or None,
                    ]
                )
    legend = book.create_sheet("Koder")
    legend.append(["Kolonne", "Kode", "Betydning"])
    for column in CELL_COLUMNS:
        for value, label in (VEDTAK_LABELS if column == "vedtak_lhl" else PLAN_LABELS).items():
            legend.append([HEADINGS[column], value, label])
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
