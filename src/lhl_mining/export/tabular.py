"""Spreadsheets and JSON lines at passage, document or kommune level (csv, xlsx, jsonl).

Passage level has one row per passage (`--codings final` or `machine`) or per
passage and coder (`all`), with the codes as 0/1 columns ready for pivot
tables.  Document and kommune levels count coded passages.  CSV is UTF-8 with a
byte-order mark so Excel shows æøå; xlsx is written in openpyxl's streaming
mode; jsonl keeps lists as lists.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from itertools import groupby
from pathlib import Path
from typing import Any

from ..store import Store
from ..store import exports as sql
from .base import LEVELS, ExportFormat, ExportOptions, register
from .model import AREAS, FRAMINGS, Decision, PassageRecord, passage_records
from .summary import kommune_label

CODE_COLUMNS = ["reform", "reform_successor", *[f"area_{a}" for a in AREAS], "areas", "framing"]
PASSAGE_COLUMNS = [
    "passage_id", "document_id", "knr", "kommune", "county", "doc_type", "title", "date", "url", "page_no",
    "seq", "char_start", "char_end", "n_words", "coder", "code_status", *CODE_COLUMNS, "memo", "provenance", "text",
]
COUNT_COLUMNS = ["n_passages", "n_coded", "n_reform", "n_reform_successor", *[f"n_area_{a}" for a in AREAS],
                 *[f"n_framing_{f}" for f in FRAMINGS]]
DOCUMENT_COLUMNS = ["document_id", "knr", "kommune", "county", "doc_type", "title", "date", "utvalg", "saksnr",
                    "platform", "url", "status", "n_pages", "fetched_at", *COUNT_COLUMNS]
KOMMUNE_COLUMNS = ["knr", "kommune", "county", "n_documents", *COUNT_COLUMNS, "samfunn_share"]


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
        "passage_id": row["passage_id"], "document_id": row["document_id"], "knr": row["knr"],
        "kommune": kommune_label(row["knr"], row["kommune"]) if row["knr"] else None, "county": row["county"],
        "doc_type": row["doc_type"], "title": row["title"], "date": row["date"], "url": row["url"],
        "page_no": row["page_no"], "seq": row["seq"], "char_start": row["char_start"], "char_end": row["char_end"],
        "n_words": row["n_words"],
    }
    decisions = record.decisions(mode)
    if not decisions:
        status = {"machine": "untagged", "final": record.final_status}.get(mode, "uncoded")
        yield {**base, "coder": None, "code_status": status, **_code_values(None), "memo": None,
               "provenance": None, "text": row["text"]}
        return
    for decision in decisions:
        if mode == "final":
            coder = "; ".join(decision.coders) if decision.status != "adjudicated" else decision.coder
        else:
            coder = decision.coder
        yield {**base, "coder": coder, "code_status": decision.status, **_code_values(decision),
               "memo": decision.memo, "provenance": record.machine_provenance if decision.coder == "machine" else
               decision.coded_at, "text": row["text"]}


class _Counts:
    def __init__(self) -> None:
        self.values = dict.fromkeys(COUNT_COLUMNS, 0)

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


def _single_decision(record: PassageRecord, mode: str) -> Decision | None:
    decisions = record.decisions(mode)
    return decisions[0] if decisions else None


def _document_rows(store: Store, options: ExportOptions) -> Iterator[dict[str, Any]]:
    groups = groupby(passage_records(sql.iter_passage_rows(store)), key=lambda r: r.row["document_id"])
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
        yield {**row, **counts.values}


def _kommune_rows(store: Store, options: ExportOptions) -> Iterator[dict[str, Any]]:
    per_kommune: dict[str, _Counts] = {}
    for record in passage_records(sql.iter_passage_rows(store)):
        per_kommune.setdefault(record.row["knr"] or "", _Counts()).add(_single_decision(record, options.codings))
        options.advance()
    for kommune in sql.kommuner_in_scope(store):
        values = per_kommune.get(kommune["knr"], _Counts()).values
        samfunn = values["n_framing_samfunn"] + values["n_framing_begge"]
        sektor = values["n_framing_sektor"] + values["n_framing_begge"]
        yield {"knr": kommune["knr"], "kommune": kommune_label(kommune["knr"], kommune["name"]),
               "county": kommune["county"], "n_documents": kommune["n_documents"], **values,
               "samfunn_share": round(samfunn / (samfunn + sektor), 3) if samfunn + sektor else None}


def _flat(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value


def write_rows(rows: Iterable[dict[str, Any]], columns: list[str], path: Path, suffix: str, sheet: str) -> int:
    """Write rows as csv, xlsx or jsonl (by `suffix`), streaming; returns the number of rows."""
    n = 0
    if suffix == ".jsonl":
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False) + "\n")
                n += 1
    elif suffix == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        book = Workbook(write_only=True)
        ws = book.create_sheet(sheet)
        ws.append(columns)
        for row in rows:
            cells = []
            for c in columns:
                value = _flat(row.get(c))
                if isinstance(value, str):
                    value = ILLEGAL_CHARACTERS_RE.sub("", value)[:32767]
                    if value.startswith("="):  # text, not a formula
                        cell = WriteOnlyCell(ws, value)
                        cell.data_type = "s"
                        value = cell
                cells.append(value)
            ws.append(cells)
            n += 1
        book.save(path)
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_flat(row.get(c)) for c in columns])
                n += 1
    return n


def _writer(suffix: str):
    def write(store: Store | None, path: Path, options: ExportOptions) -> dict[str, Any]:
        if options.level == "passage":
            rows: Iterable[dict[str, Any]] = (
                out for record in passage_records(sql.iter_passage_rows(store))
                for out in _advancing(_passage_rows(record, options.codings), options)
            )
            columns = PASSAGE_COLUMNS
        elif options.level == "document":
            rows, columns = _document_rows(store, options), DOCUMENT_COLUMNS
        else:
            rows, columns = _kommune_rows(store, options), KOMMUNE_COLUMNS
        return {"rows": write_rows(rows, columns, path, suffix, sheet=f"{options.level}s")}

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
