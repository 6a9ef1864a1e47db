"""Keeping the search index current: lemmatize what the triggers queued, take out what they marked gone.

Why triggers plus an explicit refresh: a trigger runs for every writer (ingest,
tag, the review app, a researcher's own sqlite3 session), but lemmas need
Python, which a trigger cannot call without breaking writers that do not load
lhl-mining.  So the triggers of migration 0010 only note changed rows (plain
SQL, microseconds per passage: ingest stays fast), and `refresh` does the
indexing: ingest and tag call it when they finish, and every search calls it
first.  A search on a read-only database says how many rows are not indexed
yet instead of missing them quietly.

The index is contentless, so taking a row out needs the words it was indexed
with: the text from `search_gone`, lemmatized again.  That is only right with
the lemmatizer that built the index, so a different one stops `refresh` until
`reindex` rebuilds everything.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator

from ..store import Store
from .text import lemma_line, lemmatizer_version

META_LEMMATIZER = "search_lemmatizer"
BATCH = 500


def pending(store: Store) -> int:
    """Passages and titles changed since the last refresh (not yet searchable as they are now)."""
    return store.db.execute(
        "SELECT count(*) FROM (SELECT id FROM search_queue UNION SELECT id FROM search_gone)"
    ).fetchone()[0]


def stale_lemmatizer(store: Store) -> str | None:
    """The lemmatizer that built the index, when it is not the one this release uses (then reindex)."""
    built = store.meta(META_LEMMATIZER)
    return built if built and built != lemmatizer_version() else None


@contextlib.contextmanager
def _locked(conn: sqlite3.Connection) -> Iterator[None]:
    """A write transaction that takes the lock first: two refreshes (ingest and a search) never index a row twice."""
    if conn.in_transaction:
        conn.commit()
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    else:
        conn.commit()


def refresh(store: Store, progress: Callable[[int, int], None] | None = None) -> int:
    """Take out what is gone, index what is queued, one locked transaction per batch; returns the rows indexed.

    Does nothing while the index needs `reindex` (another lemmatizer built it).
    """
    total = pending(store)
    if not total or stale_lemmatizer(store):
        return 0
    lemma_line("og")  # load the lemmatizer before holding the write lock
    conn = store.db.conn
    if store.meta(META_LEMMATIZER) is None:
        with conn:
            store.set_meta(META_LEMMATIZER, lemmatizer_version())
    done = 0
    while True:
        with _locked(conn):
            gone = conn.execute("SELECT seq, id, text FROM search_gone ORDER BY seq LIMIT ?", [BATCH]).fetchall()
            if not gone:
                break
            conn.executemany(
                "INSERT INTO search_fts(search_fts, rowid, text, lemmas) VALUES ('delete', ?, ?, ?)",
                [(rowid, text, lemma_line(text)) for _, rowid, text in gone],
            )
            conn.execute("DELETE FROM search_gone WHERE seq <= ?", [gone[-1][0]])
    while True:
        with _locked(conn):
            ids = [r[0] for r in conn.execute("SELECT id FROM search_queue ORDER BY id LIMIT ?", [BATCH])]
            if not ids:
                break
            marks = ",".join("?" * len(ids))
            rows = conn.execute(
                f"SELECT id, text FROM passages WHERE id IN ({marks}) "
                f"UNION ALL SELECT -id, title FROM documents WHERE id IN ({marks}) AND title IS NOT NULL",
                ids + [-i for i in ids],
            ).fetchall()
            conn.executemany(
                "INSERT INTO search_fts(rowid, text, lemmas) VALUES (?, ?, ?)",
                [(rowid, text, lemma_line(text)) for rowid, text in rows],
            )
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
        conn.execute("DELETE FROM search_gone")
        conn.execute("INSERT OR IGNORE INTO search_queue(id) SELECT id FROM passages")
        conn.execute("INSERT OR IGNORE INTO search_queue(id) SELECT -id FROM documents WHERE title IS NOT NULL")
        store.set_meta(META_LEMMATIZER, lemmatizer_version())
    done = refresh(store, progress)
    with conn:
        conn.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
    return done
