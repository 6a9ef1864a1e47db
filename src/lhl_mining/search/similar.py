"""Passages like this one: TF-IDF over lemmas, found through the index so it stays fast on a million passages.

The passage's most distinctive lemmas (tf × idf, stop words out) become an OR
query on the lemma column; FTS5's bm25 picks the best candidates, which are
re-ranked by the cosine of their full TF-IDF vectors.  Document frequencies come
from the index itself (fts5vocab), so nothing has to be trained or stored.
Passages of the same document are left out: the point is the other kommuner.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from ..errors import UnknownPassage
from ..store import Store
from .find import Filters, Hit, _hit, prepare
from .query import Node, Op, Phrase, Term
from .text import lemma_line
from .words import _counted, stop_words

QUERY_TERMS = 12
CANDIDATES = 200


@dataclass
class Similar:
    passage_id: int
    score: float
    hit: Hit
    shared: list[str]


class _Idf:
    """Inverse document frequency of lemmas, read from the index's vocabulary (cached per call)."""

    def __init__(self, store: Store):
        self.db = store.db
        self.db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_vocab USING fts5vocab(main, search_fts, 'col')")
        self.n = self.db.execute("SELECT count(*) FROM passages").fetchone()[0] or 1
        self.cache: dict[str, float] = {}

    def __call__(self, lemma: str) -> float:
        value = self.cache.get(lemma)
        if value is None:
            row = self.db.execute(
                "SELECT doc FROM temp.search_vocab WHERE term = ? AND col = 'lemmas'", [lemma]
            ).fetchone()
            value = self.cache[lemma] = math.log((1 + self.n) / (1 + (row[0] if row else 0))) + 1
        return value


def _vector(lemmas: str, idf: _Idf) -> dict[str, float]:
    stops = stop_words()
    tf = Counter(w for w in lemmas.split() if _counted(w, stops))
    vector = {w: (1 + math.log(n)) * idf(w) for w, n in tf.items()}
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {w: v / norm for w, v in vector.items()}


def like(
    store: Store, passage_id: int, limit: int = 10, filters: Filters | None = None, context: int = 8
) -> list[Similar]:
    """The `limit` passages of other documents most similar to `passage_id`, best first."""
    prepare(store)
    row = store.db.execute("SELECT document_id, text FROM passages WHERE id = ?", [passage_id]).fetchone()
    if row is None:
        raise UnknownPassage(f"There is no passage {passage_id}; check the id with `lhl search`.")
    document_id, lemmas = row[0], lemma_line(row[1])
    idf = _Idf(store)
    target = _vector(lemmas, idf)
    terms = sorted(target, key=lambda w: (-target[w], w))[:QUERY_TERMS]
    if not terms:
        return []
    match = "lemmas : (" + " OR ".join('"' + t.replace('"', '""') + '"' for t in terms) + ")"
    clauses, params = (filters or Filters()).where()
    where = " AND ".join(
        ["search_fts MATCH ?", "f.rowid > 0", "p.id = f.rowid", "d.id = p.document_id", "p.document_id != ?", *clauses]
    )
    candidates = store.db.execute(
        f"SELECT f.rowid, p.text FROM search_fts f, passages p, documents d LEFT JOIN kommuner k ON k.knr = d.knr "
        f"WHERE {where} ORDER BY f.rank LIMIT ?",
        [match, document_id, *params, CANDIDATES],
    ).fetchall()
    scored = []
    for pid, other in candidates:
        vector = _vector(lemma_line(other), idf)
        shared = [w for w in target if w in vector]
        score = sum(target[w] * vector[w] for w in shared)
        scored.append((score, pid, sorted(shared, key=lambda w: -target[w] * vector[w])[:5]))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [
        Similar(pid, round(score, 4), _hit(store, pid, _any(shared or terms[:1]), context), shared)
        for score, pid, shared in scored[:limit]
    ]


def _any(lemmas: list[str]) -> Node:
    """A query node for any of the lemmas (what the keyword-in-context line centres on)."""
    node: Node = Phrase((Term(lemmas[0]),))
    for lemma in lemmas[1:]:
        node = Op("OR", node, Phrase((Term(lemma),)))
    return node
