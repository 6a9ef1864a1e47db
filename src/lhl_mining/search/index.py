"""Keeping the search index current: lemmatize what the triggers queued, or rebuild everything.

Why triggers plus an explicit refresh: a trigger runs for every writer (ingest,
tag, the review app, a researcher's own sqlite3 session), but lemmas need
Python, which a trigger cannot call without breaking writers that do not load
lhl-mining.  So the triggers of migration 0010 only queue changed rows and take
deleted ones out of the index (plain SQL, a few microseconds per passage, ingest
stays fast), and `refresh` indexes the queue: ingest and tag call it when they
finish, and every search calls it first.  A search on a read-only database says
how many passages are not indexed yet instead of missing them quietly.
"""

from __future__ import annotations

from collections.abc import Callable

from ..store import Store
from .text import lemma_line, lemmatizer_version

META_LEMMATIZER = "search_lemmatizer"
BATCH = 2000


def pending(store: Store) -> int:
    """Passages and titles changed since the last refresh (not yet searchable)."""
    return store.db.execute("SELECT count(*) FROM search_queue").fetchone()[0]


def stale_lemmatizer(store: Store) -> str | None:
    """The lemmatizer that built the index, when it is not the one this release uses (then reindex)."""
    built = store.meta(META_LEMMATIZER)
    return built if built and built != lemmatizer_version() else None


def refresh(store: Store, progress: Callable[[int, int], None] | None = None) -> int:
    """Index every queued passage and title, one transaction per batch; returns how many rows were indexed."""
    total = pending(store)
    done = 0
    if not total:
        return 0
    conn = store.db.conn
    if store.meta(META_LEMMATIZER) is None:
        with conn:
            store.set_meta(META_LEMMATIZER, lemmatizer_version())
    while True:
        ids = [r[0] for r in conn.execute("SELECT id FROM search_queue ORDER BY id LIMIT ?", [BATCH])]
        if not ids:
            break
        marks = ",".join("?" * len(ids))
        rows = conn.execute(
            f"SELECT id, text FROM passages WHERE id IN ({marks}) "
            f"UNION ALL SELECT -id, title FROM documents WHERE id IN ({marks}) AND title IS NOT NULL",
            ids + [-i for i in ids],
        ).fetchall()
        indexed = [(rowid, text, lemma_line(text)) for rowid, text in rows]
        with conn:
            conn.executemany("INSERT INTO search_fts(rowid, text, lemmas) VALUES (?, ?, ?)", indexed)
            conn.executemany("INSERT INTO search_lemmas(id, lemmas) VALUES (?, ?)", [(r, lem) for r, _, lem in indexed])
            conn.execute(f"DELETE FROM search_queue WHERE id IN ({marks})", ids)
        done += len(ids)
        if progress:
            progress(done, total)
    return done


def reindex(store: Store, progress: Callable[[int, int], None] | None = None) -> int:
    """Throw the index away and build it again from every passage and title (after a lemmatizer change)."""
    conn = store.db.conn
    with conn:
        conn.execute("INSERT INTO search_fts(search_fts) VALUES ('delete-all')")
        conn.execute("DELETE FROM search_lemmas")
        conn.execute("INSERT OR IGNORE INTO search_queue(id) SELECT id FROM passages")
        conn.execute("INSERT OR IGNORE INTO search_queue(id) SELECT -id FROM documents WHERE title IS NOT NULL")
        store.set_meta(META_LEMMATIZER, lemmatizer_version())
    done = refresh(store, progress)
    with conn:
        conn.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
    return done
