"""SQL for machine suggestions written by `lhl tag`: which passages need tagging, and storing labels.

A passage's current suggestions are the rows with `current = 1`: one per code,
all from one labeller run.  Re-tagging under another labeller, codebook or
pipeline version marks the old rows `current = 0` (kept as history, still
identifiable by `source`, `codebook_version`, `pipeline` and `run_id`) and
inserts the new ones, one short transaction per batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from . import Store, utcnow

_NEEDS_TAGGING = """
SELECT p.id, p.text, p.heading, d.title, d.doc_type FROM passages p JOIN documents d ON d.id = p.document_id
WHERE p.id > :after
  AND NOT EXISTS (
    SELECT 1 FROM suggestions s
    WHERE s.passage_id = p.id AND s.current = 1
      AND s.source = :source AND s.codebook_version = :codebook_version
      AND coalesce(s.pipeline, '') = :pipeline
  )
ORDER BY p.id
LIMIT :limit
"""


def count_passages_to_tag(store: Store, *, source: str, codebook_version: str, pipeline: str) -> int:
    """Passages without current suggestions from this labeller, codebook and pipeline."""
    sql = _NEEDS_TAGGING.replace("SELECT p.id, p.text, p.heading, d.title, d.doc_type", "SELECT count(*)").replace(
        "ORDER BY p.id\nLIMIT :limit", ""
    )
    params = {"after": 0, "source": source, "codebook_version": codebook_version, "pipeline": pipeline}
    return store.db.execute(sql, params).fetchone()[0]


def passages_to_tag(
    store: Store, *, source: str, codebook_version: str, pipeline: str, batch_size: int = 1000, limit: int | None = None
) -> Iterator[list[tuple[int, str, dict[str, str]]]]:
    """Batches of (passage id, text, {heading, title, doc_type}) that need tagging, in id order (keyset pagination)."""
    after, remaining = 0, limit
    while remaining is None or remaining > 0:
        size = batch_size if remaining is None else min(batch_size, remaining)
        rows = store.db.execute(
            _NEEDS_TAGGING,
            {
                "after": after,
                "source": source,
                "codebook_version": codebook_version,
                "pipeline": pipeline,
                "limit": size,
            },
        ).fetchall()
        if not rows:
            return
        yield [
            (row[0], row[1], {"heading": row[2] or "", "title": row[3] or "", "doc_type": row[4] or ""}) for row in rows
        ]
        after = rows[-1][0]
        if remaining is not None:
            remaining -= len(rows)


def documents_without_passages(store: Store) -> list[int]:
    """Documents whose text is stored but that have no passages yet."""
    return [
        row[0]
        for row in store.db.execute(
            "SELECT t.document_id FROM document_texts t WHERE NOT EXISTS "
            "(SELECT 1 FROM passages p WHERE p.document_id = t.document_id) ORDER BY t.document_id"
        ).fetchall()
    ]


def store_suggestions(store: Store, rows_by_passage: Mapping[int, Sequence[dict[str, Any]]]) -> int:
    """Make `rows_by_passage` the current suggestions of those passages, in one transaction.

    Each row has code, score, selected, evidence (JSON text), source,
    codebook_version, pipeline, run_id.  Returns the number of rows inserted.
    """
    now = utcnow()
    ids = list(rows_by_passage)
    rows = [
        {**row, "passage_id": pid, "current": 1, "created_at": now}
        for pid, batch in rows_by_passage.items()
        for row in batch
    ]
    with store.db.atomic():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            store.db.execute(f"UPDATE suggestions SET current = 0 WHERE current = 1 AND passage_id IN ({marks})", chunk)
        if rows:
            store.db.table("suggestions").insert_all(rows, batch_size=1000)
    return len(rows)


def current_suggestions(store: Store, passage_id: int) -> list[dict[str, Any]]:
    """The current suggestion rows of one passage, by code."""
    return [
        dict(row)
        for row in store.db.query(
            "SELECT * FROM suggestions WHERE passage_id = ? AND current = 1 ORDER BY code", [passage_id]
        )
    ]


def suggestion_versions(store: Store) -> list[dict[str, Any]]:
    """Rows per (source, codebook_version, pipeline, current): what tagged the store, and when."""
    return list(
        store.db.query(
            "SELECT source, codebook_version, pipeline, current, count(*) AS n, count(DISTINCT passage_id) AS passages, "
            "min(created_at) AS first, max(created_at) AS last FROM suggestions "
            "GROUP BY source, codebook_version, pipeline, current ORDER BY last"
        )
    )
