"""SQL for decisions (lhl_mining.decisions) and coders' kommune-table cell codings."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from . import Store, inserted_id, utcnow

_DECISION_DOC = "d.knr, d.url, d.title, d.doc_type, d.utvalg, d.doc_date, d.meeting_date AS doc_meeting_date"
"""The document fields a decision row carries (its own saksnr and meeting_date win)."""
_DOC = """d.id AS document_id, d.knr, d.url, d.title, d.doc_type, d.utvalg, d.saksnr, d.meeting_date, d.doc_date,
d.moetemappe_id, d.moetesak_id, d.saksmappe_id, d.status"""


def texts_to_read(
    store: Store, extractor: str, *, rebuild: bool = False, document_ids: Iterable[int] | None = None
) -> Iterator[dict[str, Any]]:
    """Documents with text whose decisions are missing or were read from another text or extractor."""
    where = "" if rebuild else (" AND (r.document_id IS NULL OR r.extractor != ? OR r.text_sha256 != t.text_sha256)")
    params: list[Any] = [] if rebuild else [extractor]
    if document_ids is not None:
        ids = list(document_ids)
        where += f" AND d.id IN ({','.join('?' * len(ids))})" if ids else " AND 0"
        params += ids
    cursor = store.db.conn.execute(
        f"SELECT {_DOC}, t.text, t.text_sha256 FROM documents d JOIN document_texts t ON t.document_id = d.id "
        f"LEFT JOIN decision_reads r ON r.document_id = d.id WHERE d.duplicate_of IS NULL{where} ORDER BY d.id",
        params,
    )
    names = [c[0] for c in cursor.description]
    for row in cursor:
        yield dict(zip(names, row))


def unread_count(store: Store, extractor: str) -> int:
    """Documents with text whose decisions are missing or stale (exports then read them in memory)."""
    return store.db.execute(
        "SELECT count(*) FROM documents d JOIN document_texts t ON t.document_id = d.id "
        "LEFT JOIN decision_reads r ON r.document_id = d.id WHERE d.duplicate_of IS NULL "
        "AND (r.document_id IS NULL OR r.extractor != ? OR r.text_sha256 != t.text_sha256)",
        [extractor],
    ).fetchone()[0]


def save_decisions(
    store: Store,
    document_id: int,
    text_sha256: str,
    extractor: str,
    rows: list[dict[str, Any]],
    run_id: int | None = None,
) -> None:
    """Replace the document's decisions and record the read, in one transaction."""
    with store.db.atomic():
        store.db.execute("DELETE FROM decisions WHERE document_id = ?", [document_id])
        store.db.table("decisions").insert_all(
            {**r, "evidence": json.dumps(r["evidence"], ensure_ascii=False)} for r in rows
        )
        store.db.execute(
            "INSERT OR REPLACE INTO decision_reads (document_id, extractor, text_sha256, n_decisions, read_at, run_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [document_id, extractor, text_sha256, len(rows), utcnow(), run_id],
        )


def stored_decisions(store: Store, extractor: str) -> Iterator[dict[str, Any]]:
    """Decisions of documents read from their current text by `extractor`, with their document's fields."""
    cursor = store.db.conn.execute(
        f"SELECT x.*, {_DECISION_DOC} FROM decisions x JOIN documents d ON d.id = x.document_id "
        "JOIN decision_reads r ON r.document_id = d.id JOIN document_texts t ON t.document_id = d.id "
        "WHERE d.duplicate_of IS NULL AND r.extractor = ? AND r.text_sha256 = t.text_sha256 "
        "ORDER BY x.document_id, x.seq",
        [extractor],
    )
    names = [c[0] for c in cursor.description]
    for row in cursor:
        record = dict(zip(names, row))
        record["evidence"] = json.loads(record["evidence"] or "{}")
        yield record


def case_documents(store: Store) -> list[dict[str, Any]]:
    """Every non-duplicate document's case keys (no texts), for linking the papers of a case."""
    cursor = store.db.conn.execute(
        f"SELECT {_DOC}, coalesce(d.meeting_date, d.doc_date) AS date FROM documents d "
        "WHERE d.duplicate_of IS NULL ORDER BY d.id"
    )
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor]


def table_kommuner(store: Store) -> list[dict[str, Any]]:
    """The kommune table's rows: every kommune of each county the project touched (a kommune with a source, a
    document or a scrape record), by knr, so a kommune where nothing was found is a «.» row of its county."""
    cursor = store.db.conn.execute(
        "SELECT k.knr, k.name, k.county, k.county_nr FROM kommuner k WHERE k.county_nr IN ("
        "  SELECT county_nr FROM kommuner WHERE knr IN (SELECT knr FROM sources UNION SELECT knr FROM documents "
        "  WHERE knr IS NOT NULL UNION SELECT knr FROM scrape_coverage)) ORDER BY k.knr"
    )
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor]


# ------------------------------------------------------------------ kommune-table cell codings
def add_cell_coding(
    store: Store,
    *,
    knr: str,
    column: str,
    value: str | None,
    machine_value: str | None,
    coder: str,
    memo: str | None = None,
) -> int:
    """Record a coder's value for one cell (None: back to the machine's value)."""
    with store.db.atomic():
        return inserted_id(
            store.db.table("table_cell_codings").insert(
                {
                    "knr": knr,
                    "column_name": column,
                    "value": value,
                    "machine_value": machine_value,
                    "coder": coder,
                    "coded_at": utcnow(),
                    "memo": memo,
                }
            )
        )


def latest_cell_codings(store: Store) -> dict[tuple[str, str], dict[str, Any]]:
    """The latest coding per (knr, column); a row with value NULL means the coder reverted to the machine."""
    if "table_cell_codings" not in store.db.table_names():
        return {}
    cursor = store.db.conn.execute(
        "SELECT * FROM table_cell_codings WHERE id IN (SELECT max(id) FROM table_cell_codings GROUP BY knr, column_name)"
    )
    names = [c[0] for c in cursor.description]
    return {(r["knr"], r["column_name"]): r for r in (dict(zip(names, row)) for row in cursor)}


def cell_history(store: Store, knr: str) -> list[dict[str, Any]]:
    cursor = store.db.conn.execute("SELECT * FROM table_cell_codings WHERE knr = ? ORDER BY id DESC", [knr])
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor]
