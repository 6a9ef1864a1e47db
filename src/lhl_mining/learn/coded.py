"""Training data from the database: the coders' decisions turned into `CodedPassage`s.

Per passage the adjudicated code wins; otherwise the coders' standing
decisions are used when they agree.  Passages where coders disagree and no one
has adjudicated are left out (and counted), so the model never learns a coin flip.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..nlp.labeller import DocContext
from ..store import Store
from ..store import learning as sql
from .dataset import CodedPassage, coded_passage


@dataclass
class CodedSet:
    passages: list[CodedPassage]
    adjudicated: int = 0
    agreed: int = 0
    disagreed: list[int] = field(default_factory=list)


def _key(decision: dict) -> tuple:
    return (decision["reform"], tuple(sorted(decision["areas"])), decision["framing"])


def coded_passages(store: Store) -> CodedSet:
    """The coded passages the model can learn from (see the module docstring for the rule)."""
    final = sql.adjudications(store)
    by_passage: dict[int, list[dict]] = {}
    for decision in sql.coder_decisions(store):
        by_passage.setdefault(decision["passage_id"], []).append(decision)
    chosen: dict[int, dict] = {}
    result = CodedSet([])
    for passage_id in sorted(set(final) | set(by_passage)):
        if passage_id in final:
            chosen[passage_id] = final[passage_id]
            result.adjudicated += 1
            continue
        decisions = by_passage[passage_id]
        if len({_key(d) for d in decisions}) == 1:
            chosen[passage_id] = decisions[-1]
            result.agreed += 1
        else:
            result.disagreed.append(passage_id)
    texts = sql.passage_texts(store, chosen)
    result.passages = [
        coded_passage(
            f"passage:{pid}",
            texts[pid]["text"],
            d["reform"],
            d["areas"],
            d["framing"],
            context=DocContext.of(texts[pid]),
        )
        for pid, d in chosen.items()
        if pid in texts
    ]
    return result


def held_out_passages(store: Store, trained) -> list[CodedPassage]:
    """Coded passages the model did not learn from (coded after it was trained, or by another project)."""
    from ..errors import TooFewCoded

    seen = {f"passage:{pid}" for pid in trained.meta.get("trained_on_passages", [])}
    coded = coded_passages(store).passages
    held_out = [p for p in coded if p.key not in seen]
    if not coded:
        raise TooFewCoded(
            "The database holds no coded passages to evaluate on. Code some with `lhl review`, "
            "or evaluate on a gold file with --gold."
        )
    if not held_out:
        raise TooFewCoded(
            f"No coded passage is held out from model {trained.name!r}: it learned from all {len(coded)} of them. "
            "Code more passages and evaluate before retraining, or evaluate on a gold file with --gold."
        )
    return held_out
