"""Active learning: score passages nobody has coded yet with the newest model, so coders see the unsure ones first.

The review queue orders «least confident first» by the smallest distance of a
passage's current suggestion scores from 0.5.  `rescore_undecided` writes the
combined labeller's calibrated scores as the current suggestions of every
undecided passage, in the same rows `lhl tag` writes (older suggestions stay,
marked not current), so right after `lhl train` that order follows the new
model's uncertainty.
"""

from __future__ import annotations

from collections.abc import Callable

from ..codebook import PASSAGE_CODES
from ..nlp.classify import suggestion_rows
from ..nlp.labeller import DocContext, Labeller, PassageLabel
from ..store import Store
from ..store import learning as sql
from ..store.suggestions import store_suggestions


def uncertainty(label: PassageLabel) -> float:
    """1 for a passage with some code at exactly 0.5, 0 when every code is certain (0 or 1)."""
    margin = min(abs(label.scores.get(code, 0.0) - 0.5) for code in PASSAGE_CODES)
    return 1.0 - 2.0 * margin


def rescore_undecided(
    store: Store,
    labeller: Labeller,
    *,
    run_id: int | None = None,
    batch_size: int = 512,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, float | int]:
    """Label every undecided passage with `labeller` and store the result as current suggestions."""
    undecided = sql.undecided_passages(store)
    done, most_unsure = 0, 0
    for start in range(0, len(undecided), batch_size):
        batch = undecided[start : start + batch_size]
        where = sql.passage_texts(store, [pid for pid, _ in batch])  # the rules read heading, title, doc_type
        labels = labeller.label([text for _, text in batch], [DocContext.of(where[pid]) for pid, _ in batch])
        rows = {pid: suggestion_rows(label, labeller, run_id) for (pid, _), label in zip(batch, labels)}
        store_suggestions(store, rows)
        most_unsure += sum(uncertainty(label) >= 0.8 for label in labels)
        done += len(batch)
        if progress:
            progress(done, len(undecided))
    return {"passages": done, "unsure": most_unsure}
