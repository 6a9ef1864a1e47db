"""Spreadsheets and JSON lines at passage, document or kommune level (csv, xlsx, jsonl).

Passage level has one row per passage (`--codings final` or `machine`) or per
passage and coder (`all`), with the codes as 0/1 columns ready for pivot
tables.  Document and kommune levels count coded passages; the count columns
name their basis (`_human` for final human codes, `_machine` for suggestions).
CSV is UTF-8 with a byte-order mark so Excel shows æøå, and a text cell that a
spreadsheet would run as a formula gets a leading apostrophe (OWASP); xlsx is
streamed by `xlsx.write_xlsx` with dates as date cells and kommune numbers
as text cells; jsonl keeps lists as lists and text exactly.
`--labels nb` gives Norwegian headers in place of the stable snake_case names.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from itertools import groupby
from pathlib import Path
from typing import Any

from ..codebook import AREA_TITLES, AREAS, FRAMINGS
from ..store import Store
from ..store import exports as sql
from .base import LEVELS, ExportFormat, ExportOptions, database, register
from .model import Decision, PassageRecord, passage_records
from .summary import kommune_label
from .xlsx import write_xlsx

CODE_COLUMNS = ["reform", "reform_successor", *[f"area_{a}" for a in AREAS], "areas", "framing"]
PASSAGE_COLUMNS = [
    "passage_id",
    "document_id",
    "knr",
    "kommune",
    "county",
    "doc_type",
    "title",
    "date",
    "url",
    "page_no",
    "seq",
    "char_start",
    "char_end",
    "n_words",
    "coder",
    "code_status",
    *CODE_COLUMNS,
    "memo",
    "provenance",
    "text",
]
_COUNTED = [
    "n_coded",
    "n_reform",
    "n_reform_successor",
    *[f"n_area_{a}" for a in AREAS],
    *[f"n_framing_{f}" for f in FRAMINGS],
]
COUNT_COLUMNS = ["n_passages", *_COUNTED]
DOCUMENT_COLUMNS = [
    "document_id",
    "knr",
    "kommune",
    "county",
    "doc_type",
    "title",
    "date",
    "utvalg",
    "saksnr",
    "platform",
    "url",
    "status",
    "n_pages",
    "fetched_at",
    *COUNT_COLUMNS,
]
KOMMUNE_COLUMNS = ["knr", "kommune", "county", "n_documents", *COUNT_COLUMNS, "samfunn_share"]
BASIS = {"final": "human", "machine": "machine"}
LABELS = ("en", "nb")
_DATE_COLUMNS = {"date"}
_DATETIME_COLUMNS = {"fetched_at"}
_TEXT_COLUMNS = {"knr"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_NB_BASIS = {"human": "menneske", "machine": "maskin"}
_NB = {
    "passage_id": "Passasje-id",
    "document_id": "Dokument-id",
    "knr": "Kommunenummer",
    "kommune": "Kommune",
    "county": "Fylke",
    "doc_type": "Dokumenttype",
    "title": "Tittel",
    "date": "Dato",
    "url": "URL",
    "page_no": "Side",
    "seq": "Nr. i dokumentet",
    "char_start": "Tegn fra",
    "char_end": "Tegn til",
    "n_words": "Ord",
    "coder": "Koder",
    "code_status": "Kodestatus",
    "reform": "Leve hele livet",
    "reform_successor": "Bo trygt hjemme",
    **{f"area_{a}": title for a, title in AREA_TITLES.items()},
    "areas": "Innsatsområder",
    "framing": "Framing",
    "memo": "Memo",
    "provenance": "Opphav",
    "text": "Tekst",
    "utvalg": "Utvalg",
    "saksnr": "Saksnummer",
    "platform": "Plattform",
    "status": "Status",
    "n_pages": "Sider",
    "fetched_at": "Hentet",
    "n_documents": "Dokumenter",
    "n_passages": "Passasjer",
    "n_coded": "Kodede passasjer",
    "n_reform": "Passasjer om reformen",
    "n_reform_successor": "Passasjer om Bo trygt hjemme",
    **{f"n_area_{a}": f"Passasjer: {title}" for a, title in AREA_TITLES.items()},
    **{f"n_framing_{f}": f"Passasjer: framing {f}" for f in FRAMINGS},
    "samfunn_share": "Andel samfunnsreform",
}


def count_columns(columns: list[str], mode: str) -> list[str]:
    """Column names with the basis of each code count in it: `n_reform_human`, `n_reform_machine`."""
    return [f"{c}_{BASIS[mode]}" if c in _COUNTED else c for c in columns]


def header(column: str, labels: str) -> str:
    """A column's header: the snake_case name, or its Norwegian label (with the count basis)."""
    if labels != "nb":
        return column
    for basis, word in _NB_BASIS.items():
        if column.endswith(f"_{basis}") and column[: -len(basis) - 1] in _COUNTED:
            return f"{_NB[column[: -len(basis) - 1]]} ({word})"
    return _NB.get(column, column)


def spreadsheet_text(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a leading apostrophe before `=`, `+`, `-`, `@`, tab or CR
    (OWASP CSV-injection guidance); other values unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _code_values(decision: Decision | None) -> dict[str, Any]:
    if decision is None:
        return {c: None for c in CODE_COLUMNS}
    values: dict[str, Any] = {"reform": int(decision.reform), "reform_successor": int(decision.successor)}
    values.update({f"area_{a}": int(a in decision.areas) for a in AREAS})
    values["areas"] = list(decision.areas)
    values["framing"] = decision.framing
    return values


def _passage_rows(record: PassageRecord, mode: str) -> Iterator[dict[str, Any]]:
    row = record.row
    base = {
        "passage_id": row["passage_id"],
        "document_id": row["document_id"],
        "knr": row["knr"],
        "kommune": kommune_label(row["knr"], row["kommune"]) if row["knr"] else None,
        "county": row["county"],
        "doc_type": row["doc_type"],
        "title": row["title"],
        "date": row["date"],
        "url": row["url"],
        "page_no": row["page_no"],
        "seq": row["seq"],
        "char_start": row["char_start"],
        "char_end": row["char_end"],
        "n_words": row["n_words"],
    }
    decisions = record.decisions(mode)
    if not decisions:
        status = {"machine": "untagged", "final": record.final_status}.get(mode, "uncoded")
        yield {
            **base,
            "coder": None,
            "code_status": status,
            **_code_values(None),
            "memo": None,
            "provenance": None,
            "text": row["text"],
        }
        return
    for decision in decisions:
        if mode == "final":
            coder = "; ".join(decision.coders) if decision.status != "adjudicated" else decision.coder
        else:
            coder = decision.coder
        yield {
            **base,
            "coder": coder,
            "code_status": decision.status,
            **_code_values(decision),
            "memo": decision.memo,
            "provenance": record.machine_provenance if decision.coder == "machine" else decision.coded_at,
            "text": row["text"],
        }


class _Counts:
    def __init__(self) -> None:
        self.values = dict.fromkeys(COUNT_COLUMNS, 0)

    def named(self, mode: str) -> dict[str, int]:
        return dict(zip(count_columns(COUNT_COLUMNS, mode), self.values.values()))

    def add(self, decision: Decision | None) -> None:
        self.values["n_passages"] += 1
        if decision is None:
            return
        v = self.values
        v["n_coded"] += 1
        v["n_reform"] += decision.reform
        v["n_reform_successor"] += decision.successor
        for area in decision.areas:
            if area in AREAS:
                v[f"n_area_{area}"] += 1
        v[f"n_framing_{decision.framing}"] += 1


class _Tally:
    """Passages an export cannot give a code to, by reason, for the notice after the export."""

    def __init__(self, options: ExportOptions) -> None:
        self.options, self.disagreed, self.uncoded = options, 0, 0

    def records(self, store: Store) -> Iterator[PassageRecord]:
        mode = self.options.codings
        for record in passage_records(sql.iter_passage_rows(store)):
            if mode == "final" and record.final_status == "disagreed":
                self.disagreed += 1
            elif not record.decisions(mode):
                self.uncoded += 1
            yield record

    def notices(self) -> list[str]:
        mode, level = self.options.codings, self.options.level
        out = []
        if self.disagreed:
            where = (
                "have code_status «disagreed» and empty code columns"
                if level == "passage"
                else f"are not in the {level} counts (n_coded_human)"
            )
            out.append(
                f"{self.disagreed} passage(s) with open disagreements have no final code and {where}; "
                "adjudicate them in `lhl review` or export every coder with --codings all."
            )
        if self.uncoded:
            what = {"final": "human code", "machine": "machine suggestion", "all": "human code"}[mode]
            out.append(
                f"{self.uncoded} passage(s) have no {what} (empty code columns"
                + (")." if level == "passage" else ", counted in n_passages only).")
            )
        return out


def _single_decision(record: PassageRecord, mode: str) -> Decision | None:
    decisions = record.decisions(mode)
    return decisions[0] if decisions else None


def _document_rows(store: Store, options: ExportOptions, tally: _Tally) -> Iterator[dict[str, Any]]:
    groups = groupby(tally.records(store), key=lambda r: r.row["document_id"])
    current = next(groups, None)
    for doc in sql.iter_documents(store):
        counts = _Counts()
        while current is not None and current[0] < doc["document_id"]:
            current = next(groups, None)
        if current is not None and current[0] == doc["document_id"]:
            for record in current[1]:
                counts.add(_single_decision(record, options.codings))
                options.advance()
            current = next(groups, None)
        row = {c: doc.get(c) for c in DOCUMENT_COLUMNS if c in doc}
        row["kommune"] = kommune_label(doc["knr"], doc["kommune"]) if doc["knr"] else None
        yield {**row, **counts.named(options.codings)}


def _kommune_rows(store: Store, options: ExportOptions, tally: _Tally) -> Iterator[dict[str, Any]]:
    per_kommune: dict[str, _Counts] = {}
    for record in tally.records(store):
        per_kommune.setdefault(record.row["knr"] or "", _Counts()).add(_single_decision(record, options.codings))
        options.advance()
    for kommune in sql.kommuner_in_scope(store):
        counts = per_kommune.get(kommune["knr"], _Counts())
        values = counts.values
        samfunn = values["n_framing_samfunn"] + values["n_framing_begge"]
        sektor = values["n_framing_sektor"] + values["n_framing_begge"]
        yield {
            "knr": kommune["knr"],
            "kommune": kommune_label(kommune["knr"], kommune["name"]),
            "county": kommune["county"],
            "n_documents": kommune["n_documents"],
            **counts.named(options.codings),
            "samfunn_share": round(samfunn / (samfunn + sektor), 3) if samfunn + sektor else None,
        }


def _flat(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value


def _xlsx_value(column: str, value: Any) -> Any:
    """A typed xlsx value: dates as dates, timestamps as (UTC) date-times, kommune numbers as text."""
    if value is None:
        return None
    if column in _DATE_COLUMNS and isinstance(value, str) and len(value) >= 10:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if column in _DATETIME_COLUMNS and isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return parsed.astimezone(dt.UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    if column in _TEXT_COLUMNS:
        return str(value)
    return value


def write_rows(
    rows: Iterable[dict[str, Any]], columns: list[str], path: Path, suffix: str, sheet: str, labels: str = "en"
) -> int:
    """Write rows as csv, xlsx or jsonl (by `suffix`), streaming; returns the number of rows."""
    n = 0
    headers = [header(c, labels) for c in columns]
    if suffix == ".jsonl":
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps({h: row.get(c) for h, c in zip(headers, columns)}, ensure_ascii=False) + "\n")
                n += 1
    elif suffix == ".xlsx":
        typed = {c for c in columns if c in _DATE_COLUMNS | _DATETIME_COLUMNS | _TEXT_COLUMNS}
        n = write_xlsx(
            path,
            sheet,
            headers,
            ([_xlsx_value(c, _flat(row.get(c))) if c in typed else _flat(row.get(c)) for c in columns] for row in rows),
        )
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([spreadsheet_text(h) for h in headers])
            for row in rows:
                writer.writerow([spreadsheet_text(_flat(row.get(c))) for c in columns])
                n += 1
    return n


def _writer(suffix: str):
    def write(store: Store | None, path: Path, options: ExportOptions) -> dict[str, Any]:
        store = database(store)
        tally = _Tally(options)
        if options.level == "passage":
            rows: Iterable[dict[str, Any]] = (
                out
                for record in tally.records(store)
                for out in _advancing(_passage_rows(record, options.codings), options)
            )
            columns = PASSAGE_COLUMNS
        elif options.level == "document":
            rows, columns = _document_rows(store, options, tally), count_columns(DOCUMENT_COLUMNS, options.codings)
        else:
            rows, columns = _kommune_rows(store, options, tally), count_columns(KOMMUNE_COLUMNS, options.codings)
        n = write_rows(rows, columns, path, suffix, sheet=f"{options.level}s", labels=options.labels)
        options.notices.extend(tally.notices())
        return {"rows": n}

    return write


def _advancing(rows: Iterator[dict[str, Any]], options: ExportOptions) -> Iterator[dict[str, Any]]:
    yield from rows
    options.advance()


for _suffix, _help in ((".csv", "CSV (UTF-8 with BOM)"), (".xlsx", "Excel workbook"), (".jsonl", "JSON lines")):
    register(
        ExportFormat(
            name=_suffix[1:],
            write=_writer(_suffix),
            help=f"{_help} at passage, document or kommune level (--level).",
            levels=LEVELS,
            suffixes=(_suffix,),
        )
    )
