"""Storing decisions for the documents of a database, and reading them back for the kommune table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from ..store import Store
from ..store import decisions as sql
from .extract import EXTRACTOR, extract_decisions


def build(
    store: Store,
    *,
    rebuild: bool = False,
    document_ids: Iterable[int] | None = None,
    run_id: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Counter:
    """(Re)read the decisions of stored documents; only texts not yet read by this extractor unless `rebuild`.

    Returns counts: documents read, decisions, and decisions per kind and outcome.
    """
    counts: Counter = Counter()
    for doc in list(sql.texts_to_read(store, EXTRACTOR, rebuild=rebuild, document_ids=document_ids)):
        found = extract_decisions(doc["text"], doc)
        sql.save_decisions(
            store,
            doc["document_id"],
            doc["text_sha256"],
            EXTRACTOR,
            [d.as_row(doc["document_id"]) for d in found],
            run_id,
        )
        counts["documents"] += 1
        counts["decisions"] += len(found)
        for d in found:
            counts[f"{d.kind}:{d.outcome}"] += 1
        if progress:
            progress(1)
    return counts


def run_build(store: Store, *, rebuild: bool = False) -> Counter:
    """`lhl decisions`: `build` recorded as a `decisions` run with its counts."""
    with store.run("decisions", {"rebuild": rebuild}) as run:
        counts = build(store, rebuild=rebuild, run_id=run.id)
        for key, n in counts.items():
            run.count(key, n)
    return counts


def current_decisions(store: Store, knr: str | None = None) -> list[dict[str, Any]]:
    """Every decision of the database's documents (of kommune `knr` only, when given): stored ones where the
    read is current, and read in memory (nothing written, so read-only exports work) for texts not yet read
    by this extractor."""
    stored = list(sql.stored_decisions(store, EXTRACTOR))
    stale = list(sql.texts_to_read(store, EXTRACTOR))
    for doc in stale:
        text = doc.pop("text")
        doc.pop("text_sha256", None)
        doc["doc_meeting_date"] = doc.get("meeting_date")
        for d in extract_decisions(text, doc):
            stored.append({**doc, **d.as_row(doc["document_id"])})
    stored.sort(key=lambda r: (r["document_id"], r["seq"]))
    return [r for r in stored if knr is None or r.get("knr") == knr]
