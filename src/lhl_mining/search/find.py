"""Running a query: filtered hits as keyword-in-context rows, or counts by kommune, county, document type or year."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from .. import registry
from ..errors import SearchIndexStale, UsageError
from ..store import Store
from . import index
from .query import Node, hit_spans, parse, positive_phrases, to_fts
from .text import words

COUNT_BY = {
    "kommune": ("d.knr", "coalesce(k.name, d.knr)"),
    "county": ("k.county", "k.county"),
    "doc-type": ("d.doc_type", "d.doc_type"),
    "year": (
        "substr(coalesce(d.meeting_date, d.doc_date), 1, 4)",
        "substr(coalesce(d.meeting_date, d.doc_date), 1, 4)",
    ),
}
ORDERS = ("document", "relevance", "newest")
DATE = "coalesce(d.meeting_date, d.doc_date)"
_DATE_ARG = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_HUMAN_DECISION = """
SELECT 1 FROM standing_codings c WHERE c.passage_id = p.id AND c.action IN ('code', 'accept', 'adjudicate') {coder}
{code}"""


@dataclass
class Filters:
    """What the hits are narrowed to; empty means no filter."""

    county: str | None = None
    kommune: str | None = None
    doc_type: str | None = None
    since: str | None = None
    until: str | None = None
    code: str | None = None
    coded_by: str | None = None

    def where(self) -> tuple[list[str], list[Any]]:
        """SQL conditions on passages p, documents d, kommuner k."""
        clauses: list[str] = []
        params: list[Any] = []
        knrs: set[str] | None = None
        if self.county:
            knrs = {k.knr for k in registry.kommuner_in(self.county)}
        if self.kommune:
            one = {registry.resolve_kommune(part.strip(), self.county).knr for part in self.kommune.split(",")}
            knrs = one if knrs is None else knrs & one
        if knrs is not None:
            clauses.append(f"d.knr IN ({','.join('?' * len(knrs))})")
            params += sorted(knrs)
        if self.doc_type:
            clauses.append("d.doc_type = ?")
            params.append(self.doc_type)
        for bound, value, op in (("since", self.since, ">="), ("until", self.until, "<=")):
            if value:
                if not _DATE_ARG.fullmatch(value):
                    raise UsageError(f"--{bound} {value!r}: give a year, YYYY-MM or YYYY-MM-DD.")
                clauses.append(f"substr({DATE}, 1, {len(value)}) {op} ?")
                params.append(value)
        if self.code or self.coded_by:
            clauses.append(self._code_clause(params))
        return clauses, params

    def _code_clause(self, params: list[Any]) -> str:
        """A machine suggestion the tagger selected, or a coder's standing decision, with the code (or by the coder)."""
        from ..nlp import PASSAGE_CODES

        code = self.code
        human_code, human_params = "", []
        if code and code not in PASSAGE_CODES:
            raise UsageError(f"Unknown code {code!r}; use one of {', '.join(PASSAGE_CODES)}.")
        if code == "reform":
            human_code = "AND c.reform = 1"
        elif code and code.startswith("area."):
            human_code, human_params = "AND EXISTS (SELECT 1 FROM json_each(c.areas) WHERE value = ?)", [code[5:]]
        elif code and code.startswith("framing."):
            human_code, human_params = "AND c.framing IN (?, 'begge')", [code[8:]]
        human = _HUMAN_DECISION.format(coder="AND c.coder = ?" if self.coded_by else "", code=human_code)
        human_args = ([self.coded_by] if self.coded_by else []) + human_params
        if self.coded_by:
            params += human_args
            return f"EXISTS ({human})"
        machine = (
            "SELECT 1 FROM suggestions s WHERE s.passage_id = p.id AND s.current = 1 AND s.selected = 1 AND s.code = ?"
        )
        if code == "reform.successor":  # machine-only code: coders do not record it
            params.append(code)
            return f"EXISTS ({machine})"
        params += [code, *human_args]
        return f"(EXISTS ({machine}) OR EXISTS ({human}))"


@dataclass
class Hit:
    passage_id: int | None
    document_id: int
    knr: str | None
    kommune: str | None
    county: str | None
    title: str | None
    doc_type: str | None
    date: str | None
    url: str
    text: str
    spans: list[tuple[int, int]] = field(default_factory=list)  # character offsets of the hits in text
    left: str = ""
    hit: str = ""
    right: str = ""

    def row(self) -> dict[str, Any]:
        return {
            "passage_id": self.passage_id,
            "document_id": self.document_id,
            "knr": self.knr,
            "kommune": self.kommune,
            "county": self.county,
            "document": self.title,
            "doc_type": self.doc_type,
            "date": self.date,
            "left": self.left,
            "hit": self.hit,
            "right": self.right,
            "hits": len(self.spans),
            "url": self.url,
        }


@dataclass
class Result:
    """Hits (search) or counts per group (count_by); `unindexed`: rows changed but not searchable yet."""

    query: str
    total: int
    hits: list[Hit] = field(default_factory=list)
    unindexed: int = 0
    counts: list[dict[str, Any]] = field(default_factory=list)


def prepare(store: Store) -> int:
    """Bring the index up to date when the database is writable; returns how many rows are still unindexed."""
    stale = index.stale_lemmatizer(store)
    if stale:
        raise SearchIndexStale(f"The search index was built with {stale}; rebuild it with `lhl search --reindex`.")
    if not store.readonly:
        try:
            index.refresh(store)
        except sqlite3.OperationalError as exc:  # another process is writing: search what is indexed
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
    return index.pending(store)


def _scope(titles: bool) -> str:
    return "f.rowid < 0 AND d.id = -f.rowid" if titles else "f.rowid > 0 AND p.id = f.rowid AND d.id = p.document_id"


def _from(titles: bool) -> str:
    joins = "search_fts f, documents d" if titles else "search_fts f, passages p, documents d"
    return f"{joins} LEFT JOIN kommuner k ON k.knr = d.knr"


def search(
    store: Store,
    text: str,
    filters: Filters | None = None,
    *,
    titles: bool = False,
    limit: int = 20,
    offset: int = 0,
    context: int = 8,
    order: str = "document",
    count: bool = True,
) -> Result:
    """Passages (or, with `titles`, documents by title) matching the query, as keyword-in-context hits."""
    filters = filters or Filters()
    if titles and (filters.code or filters.coded_by):
        raise UsageError("--code and --coded-by apply to passages, not to document titles.")
    if order not in ORDERS:
        raise UsageError(f"Unknown order {order!r}; use one of {', '.join(ORDERS)}.")
    node = parse(text)
    unindexed = prepare(store)
    clauses, params = filters.where()
    where = " AND ".join(["search_fts MATCH ?", _scope(titles), *clauses])
    args = [to_fts(node), *params]
    sort = {
        "document": "f.rowid DESC" if titles else "f.rowid",
        "relevance": "f.rank",
        "newest": f"{DATE} DESC, f.rowid",
    }[order]
    rows = store.db.execute(
        f"SELECT f.rowid FROM {_from(titles)} WHERE {where} ORDER BY {sort} LIMIT ? OFFSET ?", [*args, limit, offset]
    ).fetchall()
    total = len(rows) + offset
    if count and (len(rows) == limit or offset):
        if clauses:
            total = store.db.execute(f"SELECT count(*) FROM {_from(titles)} WHERE {where}", args).fetchone()[0]
        else:  # every indexed row is a passage or title (the triggers and refresh keep it so): count in the index
            scope = "rowid < 0" if titles else "rowid > 0"
            total = store.db.execute(
                f"SELECT count(*) FROM search_fts WHERE search_fts MATCH ? AND {scope}", args[:1]
            ).fetchone()[0]
    hits = [_hit(store, rowid, node, context) for (rowid,) in rows]
    return Result(text, total, hits, unindexed)


def count_by(store: Store, text: str, by: str, filters: Filters | None = None, *, titles: bool = False) -> Result:
    """How many passages (or documents, with `titles`) match, per kommune, county, document type or year."""
    if by not in COUNT_BY:
        raise UsageError(f"--count-by {by!r}: use one of {', '.join(COUNT_BY)}.")
    filters = filters or Filters()
    node = parse(text)
    unindexed = prepare(store)
    key, label = COUNT_BY[by]
    clauses, params = filters.where()
    where = " AND ".join(["search_fts MATCH ?", _scope(titles), *clauses])
    unit = "documents" if titles else "passages"
    rows = store.db.execute(
        f"SELECT {key}, {label}, count(*), count(DISTINCT d.id) FROM {_from(titles)} WHERE {where} "
        f"GROUP BY {key} ORDER BY 3 DESC, 2",
        [to_fts(node), *params],
    ).fetchall()
    counted = [
        {
            by: value if value is not None else "(unknown)",
            "name": name if name is not None else "(unknown)",
            unit: n,
            "documents": docs,
        }
        for value, name, n, docs in rows
    ]
    return Result(text, sum(r[unit] for r in counted), unindexed=unindexed, counts=counted)


def _hit(store: Store, rowid: int, node: Node, context: int) -> Hit:
    if rowid > 0:
        row = store.db.execute(
            "SELECT p.id, d.id, d.knr, k.name, k.county, d.title, d.doc_type, coalesce(d.meeting_date, d.doc_date), "
            "d.url, p.text FROM passages p JOIN documents d ON d.id = p.document_id "
            "LEFT JOIN kommuner k ON k.knr = d.knr WHERE p.id = ?",
            [rowid],
        ).fetchone()
    else:
        row = store.db.execute(
            "SELECT NULL, d.id, d.knr, k.name, k.county, d.title, d.doc_type, coalesce(d.meeting_date, d.doc_date), "
            "d.url, d.title FROM documents d LEFT JOIN kommuner k ON k.knr = d.knr WHERE d.id = ?",
            [-rowid],
        ).fetchone()
    hit = Hit(*row)
    found = list(words(hit.text))
    spans = hit_spans(found, positive_phrases(node))
    hit.spans = [(found[a].start, found[b - 1].end) for a, b in spans]
    if context:
        hit.left, hit.hit, hit.right = kwic(hit.text, found, spans[0] if spans else None, context)
    return hit


def kwic(text: str, found: list, span: tuple[int, int] | None, context: int) -> tuple[str, str, str]:
    """(left context, the hit, right context) with `context` words either side, on one line."""

    def flat(piece: str) -> str:
        return " ".join(piece.split())

    if span is None:  # matched through a form the highlighter does not see: show the start
        end = found[min(len(found), 2 * context) - 1].end if found else len(text)
        return "", "", flat(text[:end]) + (" …" if end < len(text) else "")
    a, b = span
    start = found[max(0, a - context)].start
    end = found[min(len(found), b + context) - 1].end
    left = flat(text[start : found[a].start])
    right = flat(text[found[b - 1].end : end])
    return (
        ("… " if start > 0 else "") + left,
        flat(text[found[a].start : found[b - 1].end]),
        right + (" …" if end < len(text) else ""),
    )
