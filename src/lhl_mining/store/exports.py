"""SQL behind `lhl export` and `lhl report`: streaming reads of passages, documents,
suggestions and codings.

Every iterator walks one cursor in a stable order and yields plain dicts, so an
export of a million passages holds one passage (or one document text) in memory
at a time.  Suggestions and codings ride along with their passage as JSON arrays
(one correlated sub-query each, served by the passage indexes).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from . import Store

_PASSAGE_SQL = """
SELECT p.id AS passage_id, p.document_id, p.seq, p.char_start, p.char_end, p.page_no,
       p.heading, p.text, p.n_words,
       d.knr, k.name AS kommune, k.county, d.doc_type, d.title, d.url, d.platform,
       coalesce(d.meeting_date, d.doc_date) AS date, d.saksnr, d.utvalg,
       (SELECT group_concat(s.code, ' ') FROM suggestions s
          WHERE s.passage_id = p.id AND s.current AND s.selected) AS machine_codes,
       (SELECT group_concat(DISTINCT s.source || ' codebook ' || s.codebook_version || coalesce(' ' || s.pipeline, ''))
          FROM suggestions s WHERE s.passage_id = p.id AND s.current) AS machine_provenance,
       (SELECT json_group_array(json_object(
                 'id', c.id, 'coder', c.coder, 'coded_at', c.coded_at, 'action', c.action,
                 'reform', c.reform, 'areas', c.areas, 'framing', c.framing, 'memo', c.memo))
          FROM standing_codings c WHERE c.passage_id = p.id) AS codings_json
FROM passages p
JOIN documents d ON d.id = p.document_id
LEFT JOIN kommuner k ON k.knr = d.knr
WHERE d.duplicate_of IS NULL
ORDER BY p.document_id, p.seq
"""

_DOCUMENT_COLUMNS = """
d.id AS document_id, d.knr, k.name AS kommune, k.county, d.platform, d.url, d.title, d.doc_type,
d.utvalg, d.saksnr, d.meeting_date, d.doc_date, coalesce(d.meeting_date, d.doc_date) AS date,
d.status, d.mime_type, d.n_pages, d.fetched_at, d.sha256
"""


def _rows(store: Store, sql: str, params: list[Any] | tuple = ()) -> Iterator[dict[str, Any]]:
    cursor = store.db.conn.execute(sql, params)
    names = [c[0] for c in cursor.description]
    for row in cursor:
        yield dict(zip(names, row))


def iter_passage_rows(store: Store) -> Iterator[dict[str, Any]]:
    """Every passage of a non-duplicate document, by document and position, with its
    current selected suggestion codes (`machine_codes`, space-separated; NULL when none is
    selected), their provenance (`machine_provenance`; NULL when untagged) and the
    standing coding rows (`codings_json`: each coder's, and each adjudicator's)."""
    return _rows(store, _PASSAGE_SQL)


def iter_documents(store: Store) -> Iterator[dict[str, Any]]:
    """Every non-duplicate document with its kommune, by id (texts not included)."""
    return _rows(
        store,
        f"SELECT {_DOCUMENT_COLUMNS} FROM documents d LEFT JOIN kommuner k ON k.knr = d.knr "
        "WHERE d.duplicate_of IS NULL ORDER BY d.id",
    )


def iter_document_texts(store: Store) -> Iterator[dict[str, Any]]:
    """Documents that have extracted text, by id, each with its full `text`."""
    return _rows(
        store,
        f"SELECT {_DOCUMENT_COLUMNS}, t.text FROM documents d JOIN document_texts t ON t.document_id = d.id "
        "LEFT JOIN kommuner k ON k.knr = d.knr WHERE d.duplicate_of IS NULL ORDER BY d.id",
    )


def kommuner_in_scope(store: Store) -> list[dict[str, Any]]:
    """Kommuner the project looked at: those with a source or a document, by knr."""
    return list(
        _rows(
            store,
            "SELECT k.knr, k.name, k.county, k.county_nr, "
            "(SELECT count(*) FROM documents d WHERE d.knr = k.knr AND d.duplicate_of IS NULL) AS n_documents, "
            "(SELECT count(*) FROM sources s WHERE s.knr = k.knr AND s.active) AS n_sources "
            "FROM kommuner k WHERE k.knr IN (SELECT knr FROM sources UNION SELECT knr FROM documents "
            "WHERE knr IS NOT NULL) ORDER BY k.knr",
        )
    )


def kommune(store: Store, knr: str) -> dict[str, Any] | None:
    return store.first("SELECT * FROM kommuner WHERE knr = ?", [knr])


def content_counts(store: Store) -> dict[str, int]:
    """How much there is to export: documents, documents with text, passages, codings, suggestions."""
    row = store.db.conn.execute(
        "SELECT (SELECT count(*) FROM documents WHERE duplicate_of IS NULL), "
        "(SELECT count(*) FROM document_texts), (SELECT count(*) FROM passages), "
        "(SELECT count(*) FROM codings), (SELECT count(*) FROM suggestions WHERE current)"
    ).fetchone()
    return dict(zip(("documents", "texts", "passages", "codings", "suggestions"), row))


def used_codes(store: Store) -> set[str]:
    """Every code that current suggestions or coders' area lists use (codebook form: `area.x`)."""
    suggested = {r[0] for r in store.db.conn.execute("SELECT DISTINCT code FROM suggestions WHERE current")}
    coded = {
        f"area.{r[0]}"
        for r in store.db.conn.execute(
            "SELECT DISTINCT j.value FROM codings c, json_each(c.areas) j "
            "WHERE c.areas IS NOT NULL AND json_valid(c.areas) AND json_type(c.areas) = 'array'"
        )
    }
    return suggested | coded


def coders(store: Store) -> list[str]:
    """Coders with at least one coding row, by name."""
    return [r[0] for r in store.db.conn.execute("SELECT DISTINCT coder FROM codings ORDER BY coder")]


def document_status_by_kommune(store: Store) -> list[dict[str, Any]]:
    """Documents per kommune and status (coverage: failed, needs_ocr, …)."""
    return list(
        _rows(
            store,
            "SELECT d.knr, k.name AS kommune, d.status, count(*) AS n FROM documents d "
            "LEFT JOIN kommuner k ON k.knr = d.knr WHERE d.duplicate_of IS NULL "
            "GROUP BY d.knr, d.status ORDER BY d.knr, d.status",
        )
    )


def documents_per_kommune_year(store: Store) -> list[dict[str, Any]]:
    """Documents per kommune and year of the document's date (meeting date, else document date; NULL when
    undated: the download year says nothing about the document)."""
    return list(
        _rows(
            store,
            "SELECT d.knr, k.name AS kommune, k.county, "
            "substr(coalesce(d.meeting_date, d.doc_date), 1, 4) AS year, count(*) AS n "
            "FROM documents d LEFT JOIN kommuner k ON k.knr = d.knr WHERE d.duplicate_of IS NULL "
            "GROUP BY d.knr, year ORDER BY d.knr, year",
        )
    )


def scrape_gaps(store: Store) -> list[dict[str, Any]]:
    """The latest scrape coverage per kommune and source when it was not complete (partial, gap, failed)."""
    if "scrape_coverage" not in store.db.table_names():
        return []
    rows = list(
        _rows(
            store,
            "SELECT c.knr, k.name AS kommune, c.platform, c.status, c.since, c.until, c.gaps, c.created_at "
            "FROM scrape_coverage c JOIN kommuner k ON k.knr = c.knr "
            "WHERE c.id IN (SELECT max(id) FROM scrape_coverage "
            "               GROUP BY knr, coalesce(source_id, -1), coalesce(platform, '')) "
            "AND c.status IN ('partial', 'gap', 'failed') ORDER BY c.knr, c.platform",
        )
    )
    for row in rows:
        try:
            row["gaps"] = json.loads(row["gaps"] or "[]")
        except ValueError:
            row["gaps"] = [row["gaps"]]
    return rows
