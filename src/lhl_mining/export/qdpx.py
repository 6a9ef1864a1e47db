"""REFI-QDA Project Exchange (`.qdpx`) for NVivo, ATLAS.ti, MAXQDA and QualCoder.

The zip holds `project.qde` (XML in the `urn:QDA-XML:project:1.0` namespace,
elements in the schema's order) and one `sources/<guid>.txt` per document.
Each text file is written as NVivo writes its own: UTF-8 with a BOM and CRLF
line ends.  Selection positions follow NVivo's rules, measured on a real
export: 0-based, end-exclusive UTF-16 code units into the text after the BOM,
CR and LF counted separately, computed against exactly the characters written.

GUIDs are uuid5 of stable keys (document URL, code id, coder name, kommune
number, passage span), so a re-export keeps every identity and an analyst can
merge a newer export into an existing project.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import re
import tempfile
import uuid
import zipfile
from collections.abc import Iterable
from itertools import groupby
from pathlib import Path
from typing import Any

from .. import __version__
from ..store import Store, utcnow
from ..store import exports as sql
from .base import ExportFormat, ExportOptions, register
from .codebook import Codebook, CodeDef, load_codebook
from .model import MACHINE, Decision, passage_records
from .summary import (
    CELL_COLUMNS,
    HEADINGS,
    PLAN_LABELS,
    VEDTAK_LABELS,
    KommuneSummary,
    SummaryBuilder,
    counts_for_summary,
    document_facts,
    kommune_label,
)

PROJECT_NS = "urn:QDA-XML:project:1.0"
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/lhl-mining/lhl-mining#refi-qda")
MACHINE_USER = "lhl-mining (machine suggestions)"
SOURCES_FOLDER = "sources"

_NEWLINE = re.compile(r"\r\n|\r|\n")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


_NAMESPACE_BYTES = GUID_NAMESPACE.bytes


def guid(kind: str, key: str) -> str:
    """Deterministic GUID for an object of `kind` identified by `key`: `uuid.uuid5`, computed directly
    (the same value, without building UUID objects a million times)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{kind}:{key}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_cached_guid = functools.lru_cache(maxsize=4096)(guid)


def nvivo_text(text: str) -> str:
    """The text as written into the source file: every line break as CRLF."""
    return _NEWLINE.sub("\r\n", text)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def nvivo_positions(text: str, positions: Iterable[int]) -> dict[int, int]:
    """Map code-point offsets in `text` to UTF-16 offsets in `nvivo_text(text)`.

    Walks the text once in order; a position between CR and LF moves past the LF
    so a line break is never split.
    """
    out: dict[int, int] = {}
    previous, units = 0, 0
    for position in sorted(set(positions)):
        cut = min(max(position, 0), len(text))
        if 0 < cut < len(text) and text[cut - 1] == "\r" and text[cut] == "\n":
            cut += 1
        if cut > previous:
            units += utf16_units(nvivo_text(text[previous:cut]))
            previous = cut
        out[position] = units
    return out


def _clean(text: str | None) -> str:
    return _XML_ILLEGAL.sub("", text or "")


def _datetime(value: str | None) -> str | None:
    """An xsd:dateTime (with zone) or None."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.isoformat(timespec="seconds")


class _Xml:
    """A small streaming XML writer (SAX's generator is several times slower on 10⁶ elements)."""

    _NEEDS_WORK = re.compile('[&<>"\x00-\x1f\ufffe\uffff]')

    def __init__(self, fh: Any, *, declaration: bool = True) -> None:
        self.fh = io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=False) \
            if not isinstance(fh, io.TextIOBase) else fh
        if declaration:
            self.fh.write('<?xml version="1.0" encoding="utf-8"?>\n')

    def _open(self, element: str, attrs: dict[str, Any]) -> str:
        parts = [f' {k}="{self._attribute(v)}"' for k, v in attrs.items() if v is not None]
        return f"<{element}{''.join(parts)}"

    def _attribute(self, value: Any) -> str:
        text = str(value)
        if not self._NEEDS_WORK.search(text):
            return text
        text = _clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
        return text.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")

    def start(self, element: str, /, **attrs: Any) -> None:
        self.fh.write(self._open(element, attrs) + ">")

    def end(self, element: str) -> None:
        self.fh.write(f"</{element}>")

    def leaf(self, element: str, /, text: str | None = None, **attrs: Any) -> None:
        if text is None:
            self.fh.write(self._open(element, attrs) + "/>")
        else:
            body = _clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
            self.fh.write(f"{self._open(element, attrs)}>{body}</{element}>")

    def close(self) -> None:
        self.fh.flush()
        if isinstance(self.fh, io.TextIOWrapper):
            self.fh.detach()


def _write_code(xml: _Xml, codebook: Codebook, code: CodeDef) -> None:
    xml.start("Code", guid=guid("code", code.id), name=code.name, isCodable="true" if code.codable else "false",
              color=code.color)
    description = f"{code.description} [code {code.id}, codebook {codebook.version}]".strip()
    xml.leaf("Description", description)
    for child in codebook.children(code.id):
        _write_code(xml, codebook, child)
    xml.end("Code")


def write_codebook_codes(xml: _Xml, codebook: Codebook) -> None:
    xml.start("Codes")
    for code in codebook.children(None):
        _write_code(xml, codebook, code)
    xml.end("Codes")


CASE_VARIABLES: tuple[tuple[str, str], ...] = (
    ("Kommunenummer", "Text"),
    ("Fylke", "Text"),
    *[(HEADINGS[c], "Text") for c in CELL_COLUMNS],
    ("Dokumenter", "Integer"),
    ("Passasjer om reformen", "Integer"),
)
SOURCE_VARIABLES: tuple[tuple[str, str], ...] = (("Dokumenttype", "Text"), ("Dato", "Text"), ("URL", "Text"))


def cell_label(column: str, value: str) -> str | None:
    """Text label for a Vedlegg-2 cell (NVivo prefers labels to numeric codes); None when unknown (`.`)."""
    if value == ".":
        return None
    labels = VEDTAK_LABELS if column == "vedtak_lhl" else PLAN_LABELS
    return f"{value}: {labels[value]}"


def _variable_value(xml: _Xml, name: str, kind: str, value: Any) -> None:
    if value is None or value == "":
        return
    xml.start("VariableValue")
    xml.leaf("VariableRef", targetGUID=guid("variable", name))
    xml.leaf("IntegerValue" if kind == "Integer" else "TextValue", str(value))
    xml.end("VariableValue")


def _user_name(coder: str) -> str:
    return MACHINE_USER if coder == MACHINE else coder


def _write_qdpx(store: Store | None, path: Path, options: ExportOptions) -> dict[str, Any]:
    """One pass over documents and passages; the kommune cases (which the schema puts before the sources)
    are written last into the head part, then the parts are joined inside the zip."""
    codebook = options.codebook or load_codebook()
    mode = options.codings
    summary_mode = "machine" if mode == "machine" else "final"
    builder = SummaryBuilder(store, summary_mode, required=False, until=options.until)
    users = [MACHINE_USER] if mode == "machine" else [_user_name(c) for c in sql.coders(store)]
    counts = {"sources": 0, "selections": 0, "codings": 0, "cases": 0, "users": len(users)}
    now = utcnow()

    with tempfile.TemporaryFile(dir=path.parent) as head_file, tempfile.TemporaryFile(dir=path.parent) as body_file, \
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        body = _Xml(body_file, declaration=False)
        passages = groupby(passage_records(sql.iter_passage_rows(store)), key=lambda r: r.row["document_id"])
        current = next(passages, None)
        for doc in sql.iter_document_texts(store):
            while current is not None and current[0] < doc["document_id"]:
                current = next(passages, None)
            records = []
            if current is not None and current[0] == doc["document_id"]:
                records = list(current[1])
                current = next(passages, None)
            facts = document_facts(doc, records, summary_mode)
            if counts_for_summary(doc, facts):
                builder.add(facts)
            text = doc.pop("text")
            source_guid = guid("source", doc["url"])
            archive.writestr(f"{SOURCES_FOLDER}/{source_guid}.txt", "\ufeff" + nvivo_text(text))
            if not counts["sources"]:
                body.start("Sources")
            _write_source(body, doc, source_guid, text, records, mode, counts)
            options.advance(len(records))
            counts["sources"] += 1
        if counts["sources"]:
            body.end("Sources")
        body.leaf("Description", f"Exported by lhl-mining {__version__} on {now}: codebook {codebook.version} "
                  f"({codebook.origin}), codings: {mode}.")
        body.end("Project")
        body.close()

        head = _Xml(head_file)
        head.start("Project", xmlns=PROJECT_NS, name="Leve hele livet (lhl-mining)",
                   origin=f"lhl-mining {__version__}", creationDateTime=now, modifiedDateTime=now)
        if users:
            head.start("Users")
            for name in users:
                head.leaf("User", guid=guid("user", name), name=name)
            head.end("Users")
        head.start("CodeBook")
        write_codebook_codes(head, codebook)
        head.end("CodeBook")
        head.start("Variables")
        for name, kind in CASE_VARIABLES + SOURCE_VARIABLES:
            head.start("Variable", guid=guid("variable", name), name=name, typeOfVariable=kind)
            head.leaf("Description", "Kommune attribute (case)" if (name, kind) in CASE_VARIABLES else
                      "Document attribute (source)")
            head.end("Variable")
        head.end("Variables")
        counts["cases"] = _write_cases(head, store, {s.knr: s for s in builder.finish()})
        head.close()

        entry_info = zipfile.ZipInfo("project.qde", date_time=dt.datetime.now().timetuple()[:6])
        entry_info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(entry_info, "w") as entry:
            for part in (head_file, body_file):
                part.seek(0)
                while chunk := part.read(1 << 20):
                    entry.write(chunk)
    return counts


def _write_cases(xml: _Xml, store: Store, summaries: dict[str, KommuneSummary]) -> int:
    """One case per kommune with documents, carrying its Vedlegg-2 values and links to its sources."""
    n = 0
    for knr, docs in groupby(sql.documents_by_kommune(store), key=lambda r: r["knr"]):
        summary = summaries.get(knr)
        if not n:
            xml.start("Cases")
        label = summary.label if summary else kommune_label(knr, None)
        xml.start("Case", guid=guid("kommune", knr), name=label)
        xml.leaf("Description", f"Kommune {knr} {label}" + (f", {summary.county}" if summary else ""))
        if summary:
            _variable_value(xml, "Kommunenummer", "Text", knr)
            _variable_value(xml, "Fylke", "Text", summary.county)
            for column in CELL_COLUMNS:
                _variable_value(xml, HEADINGS[column], "Text", cell_label(column, summary.cells[column]))
            _variable_value(xml, "Dokumenter", "Integer", summary.n_documents)
            _variable_value(xml, "Passasjer om reformen", "Integer", summary.n_reform_passages)
        for doc in docs:
            xml.leaf("SourceRef", targetGUID=guid("source", doc["url"]))
        xml.end("Case")
        n += 1
    if n:
        xml.end("Cases")
    return n


def _source_name(doc: dict[str, Any]) -> str:
    kommune = kommune_label(doc["knr"], doc["kommune"]) if doc["knr"] else "Ukjent kommune"
    parts = [kommune, doc["date"] or "", (doc["title"] or doc["doc_type"] or "dokument")[:120]]
    return " – ".join(p for p in parts if p) + f" [#{doc['document_id']}]"


def _write_source(xml: _Xml, doc: dict[str, Any], source_guid: str, text: str, records: list, mode: str,
                  counts: dict[str, int]) -> None:
    xml.start("TextSource", guid=source_guid, name=_source_name(doc), plainTextPath=f"internal://{source_guid}.txt",
              creationDateTime=_datetime(doc["fetched_at"]))
    details = [doc["url"], f"platform {doc['platform']}", f"type {doc['doc_type'] or 'unknown'}"]
    details += [f"{k} {doc[k]}" for k in ("saksnr", "utvalg", "date") if doc.get(k)]
    xml.leaf("Description", "; ".join(details))
    offsets = nvivo_positions(text, [p for r in records for p in (r.row["char_start"], r.row["char_end"])])
    for record in records:
        for decision in record.decisions(mode):
            codes = decision.codes()
            if not codes:
                continue
            _write_selection(xml, record, decision, codes, offsets, final=mode == "final")
            counts["selections"] += 1
            counts["codings"] += len(codes)
    _variable_value(xml, "Dokumenttype", "Text", doc["doc_type"])
    _variable_value(xml, "Dato", "Text", doc["date"])
    _variable_value(xml, "URL", "Text", doc["url"])
    xml.end("TextSource")


def _write_selection(xml: _Xml, record, decision: Decision, codes: list[str], offsets: dict[int, int],
                     final: bool) -> None:
    row = record.row
    user = _cached_guid("user", _user_name(decision.coder))
    when = _datetime(decision.coded_at)
    # One identity per passage and view: the final code keeps its GUID when a second coder agrees or an
    # adjudication replaces a disagreement; each coder (and the machine) has their own.
    if decision.status in ("adjudicated", "agreed", "single") and final:
        view = "final"
    elif decision.status == "adjudicated":
        view = f"adjudication:{decision.coder}"
    else:
        view = decision.coder
    key = f"{row['url']}|{row['char_start']}|{row['char_end']}|{view}"
    selection = guid("selection", key)
    xml.start("PlainTextSelection", guid=selection, name=f"passage {row['passage_id']}",
              startPosition=offsets[row["char_start"]], endPosition=offsets[row["char_end"]],
              creatingUser=user, creationDateTime=when)
    notes = [f"{decision.status} by {', '.join(decision.coders) or _user_name(decision.coder)}"]
    if decision.coder == MACHINE and record.machine_provenance:
        notes.append(record.machine_provenance)
    if decision.memo:
        notes.append(f"memo: {decision.memo}")
    xml.leaf("Description", "; ".join(notes))
    for code in codes:
        xml.start("Coding", guid=guid("coding", f"{selection}|{code}"), creatingUser=user, creationDateTime=when)
        xml.leaf("CodeRef", targetGUID=_cached_guid("code", code))
        xml.end("Coding")
    xml.end("PlainTextSelection")


register(
    ExportFormat(
        name="qdpx",
        write=_write_qdpx,
        help="REFI-QDA project for NVivo, ATLAS.ti, MAXQDA: codebook, documents, codings, kommune cases.",
        suffixes=(".qdpx",),
        needs="texts",
    )
)
