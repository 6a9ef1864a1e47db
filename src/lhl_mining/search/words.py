"""Word frequencies over lemmas, without Norwegian (bokmål and nynorsk) stop words, and keyness of a group.

Keyness follows quanteda's `textstat_keyness` (chi² with Yates' correction on
the 2×2 table: the lemma in the group, in the rest): positive for lemmas a group
uses more than the rest, with the p value.  A word counts under the lemma the
search index gives it (heimetenesta → heimeteneste).
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..store import Store
from .find import COUNT_BY, Filters
from .text import lemma_line, lemma_of

HERE = Path(__file__).parent
GROUPS = ("kommune", "county", "doc-type", "year")


@functools.lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """spaCy's bokmål list, the nynorsk list shipped here, and the lemmas of both."""
    from spacy.lang.nb.stop_words import STOP_WORDS

    nynorsk = {
        line.strip()
        for line in (HERE / "stopwords_nn.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    words = {w.lower() for w in STOP_WORDS} | nynorsk
    return frozenset(words | {lemma_of(w) for w in words})


def _counted(lemma: str, stops: frozenset[str]) -> bool:
    return len(lemma) > 1 and not lemma.isdigit() and lemma not in stops


@dataclass
class Frequencies:
    by: str | None
    groups: dict[str, Counter]  # group value -> lemma counts ("" when not grouped)
    names: dict[str, str]
    passages: int


def count(store: Store, by: str | None = None, filters: Filters | None = None) -> Frequencies:
    """Lemma counts of the passages (narrowed by `filters`), per group when `by` is given."""
    if by is not None and by not in GROUPS:
        raise UsageError(f"--by {by!r}: use one of {', '.join(GROUPS)}.")
    clauses, params = (filters or Filters()).where()
    key, label = COUNT_BY[by] if by else ("''", "''")
    where = " AND ".join(clauses) or "1"
    stops = stop_words()
    groups: dict[str, Counter] = {}
    names: dict[str, str] = {}
    n = 0
    rows = store.db.execute(
        f"SELECT {key}, {label}, p.text FROM passages p "
        f"JOIN documents d ON d.id = p.document_id LEFT JOIN kommuner k ON k.knr = d.knr WHERE {where}",
        params,
    )
    for value, name, text in rows:
        value = value if value is not None else "(unknown)"
        names.setdefault(value, name if name is not None else "(unknown)")
        counter = groups.setdefault(value, Counter())
        counter.update(w for w in lemma_line(text).split() if _counted(w, stops))
        n += 1
    return Frequencies(by, groups, names, n)


def top_words(freq: Frequencies, top: int = 20) -> list[dict[str, Any]]:
    """The `top` most frequent lemmas overall, or per group."""
    rows = []
    for value in sorted(freq.groups):
        counter = freq.groups[value]
        total = sum(counter.values())
        for rank, (lemma, n) in enumerate(counter.most_common(top), 1):
            row = {freq.by: value, "name": freq.names[value]} if freq.by else {}
            rows.append(
                {
                    **row,
                    "rank": rank,
                    "lemma": lemma,
                    "count": n,
                    "per_1000": round(1000 * n / total, 2) if total else 0.0,
                }
            )
    return rows


def chi2_yates(a: int, b: int, c: int, d: int) -> float:
    """Signed chi² with Yates' correction of [[a, b], [c, d]]: + when a/(a+c) exceeds b/(b+d)."""
    n = a + b + c + d
    denominator = (a + b) * (c + d) * (a + c) * (b + d)
    if not denominator:
        return 0.0
    value = n * max(0.0, abs(a * d - b * c) - n / 2) ** 2 / denominator
    return value if a * d >= b * c else -value


def keyness(freq: Frequencies, target: str | None = None, top: int = 20) -> list[dict[str, Any]]:
    """Lemmas most over-represented in `target` (or in each group) compared with all other groups."""
    if not freq.by:
        raise UsageError("Keyness compares groups: give --by kommune, county, doc-type or year.")
    if target is not None and target not in freq.groups:
        raise UsageError(f"No passages in group {target!r}; groups here: {', '.join(sorted(freq.groups))}.")
    overall: Counter = Counter()
    for counter in freq.groups.values():
        overall.update(counter)
    total = sum(overall.values())
    rows = []
    for value in [target] if target is not None else sorted(freq.groups):
        counter = freq.groups[value]
        size = sum(counter.values())
        scored = []
        for lemma, a in counter.items():
            b = overall[lemma] - a
            score = chi2_yates(a, b, size - a, total - size - b)
            if score > 0:
                scored.append((score, lemma, a, b))
        scored.sort(key=lambda s: (-s[0], s[1]))
        for rank, (score, lemma, a, b) in enumerate(scored[:top], 1):
            rows.append(
                {
                    freq.by: value,
                    "name": freq.names[value],
                    "rank": rank,
                    "lemma": lemma,
                    "n_target": a,
                    "n_reference": b,
                    "chi2": round(score, 2),
                    "p": float(f"{math.erfc(math.sqrt(score / 2)):.3g}"),
                }
            )
    return rows
