"""Coded passages as training and evaluation data: from a gold JSONL file or the coders' decisions.

A gold file has one JSON object per line with at least `id`, `text`, `reform`,
`areas` and `framing` (the `lhl classify` output shape plus the text), and
optionally `heading`, `title` and `doc_type` (what the rules read), e.g.
``../shared/data/gold_train.jsonl``.  The training-set hash identifies exactly
which texts and labels a model learned from, so a model file can say so.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..codebook import AREAS, FRAMINGS
from ..errors import GoldFileInvalid
from ..nlp.labeller import DocContext


@dataclass(frozen=True)
class CodedPassage:
    """One passage with a human decision: the unit the model learns from and is scored on."""

    key: str
    text: str
    reform: bool
    areas: tuple[str, ...]
    framing: str
    group: str = ""
    """Passages of one page (a gold file's `url`) share a group; cross-validation keeps a group in one fold."""
    context: DocContext | None = None
    """Heading, title and document type, as `lhl tag` passes them to the rules (None: not known)."""

    def as_dict(self) -> dict:
        return {"id": self.key, "reform": self.reform, "areas": list(self.areas), "framing": self.framing}


def coded_passage(
    key: str,
    text: str,
    reform: bool,
    areas: list[str] | tuple[str, ...],
    framing: str,
    group: str = "",
    context: DocContext | None = None,
) -> CodedPassage:
    """Build a `CodedPassage`, checking the labels against the codebook's areas and framings."""
    unknown = [a for a in areas if a not in AREAS]
    if unknown:
        raise ValueError(f"unknown area(s) {', '.join(unknown)}; expected a subset of {', '.join(AREAS)}")
    if framing not in FRAMINGS:
        raise ValueError(f"unknown framing {framing!r}; expected one of {', '.join(FRAMINGS)}")
    return CodedPassage(
        str(key), text, bool(reform), tuple(a for a in AREAS if a in areas), framing, group, context or None
    )


def read_gold(path: str | Path) -> list[CodedPassage]:
    """Read a gold JSONL file; any bad line stops with its line number (nothing is half-read)."""
    path = Path(path)
    if not path.is_file():
        raise GoldFileInvalid(f"No gold file at {path}.")
    passages: list[CodedPassage] = []
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise GoldFileInvalid(f"{path}:{line_no}: not valid JSON ({exc.msg}).") from None
            missing = [k for k in ("text", "reform", "areas", "framing") if k not in row]
            if not isinstance(row, dict) or missing:
                raise GoldFileInvalid(
                    f"{path}:{line_no}: missing key(s) {', '.join(missing)}; each line needs id, text, reform, areas, framing."
                )
            if not isinstance(row["text"], str) or not row["text"].strip():
                raise GoldFileInvalid(f"{path}:{line_no}: `text` is empty.")
            if not isinstance(row["reform"], bool) or not isinstance(row["areas"], list):
                raise GoldFileInvalid(f"{path}:{line_no}: `reform` must be true/false and `areas` a list.")
            try:
                passages.append(
                    coded_passage(
                        row.get("id", f"line{line_no}"),
                        row["text"],
                        row["reform"],
                        row["areas"],
                        row["framing"],
                        str(row.get("url") or ""),
                        DocContext.of(row),  # the rules read it at tagging time, so training passes it too
                    )
                )
            except ValueError as exc:
                raise GoldFileInvalid(f"{path}:{line_no}: {exc}.") from None
    if not passages:
        raise GoldFileInvalid(f"{path} holds no passages.")
    return passages


def training_set_hash(passages: list[CodedPassage]) -> str:
    """sha256 over the sorted (text, labels) pairs: the same data gives the same hash in any order."""
    lines = sorted(json.dumps([p.text, p.reform, list(p.areas), p.framing], ensure_ascii=False) for p in passages)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def text_keys(passages: Sequence[CodedPassage]) -> list[str]:
    """Short digests of the passages' texts: a model's metadata lists those it learned from, so scoring it on
    one of them can be flagged as in-sample (`learned_from`)."""
    return sorted({_text_key(p.text) for p in passages})


def learned_from(meta: dict, passages: Sequence[CodedPassage]) -> int:
    """How many of `passages` a model (its metadata) learned from: scores on those are in-sample."""
    seen = set(meta.get("trained_on_texts") or ())
    return sum(_text_key(p.text) in seen for p in passages)


def label_counts(passages: Sequence[CodedPassage]) -> dict[str, dict[str, int]]:
    """Positives and negatives per binary code, and the count per framing class."""
    n = len(passages)
    counts: dict[str, dict[str, int]] = {}
    n_reform = sum(p.reform for p in passages)
    counts["reform"] = {"positive": n_reform, "negative": n - n_reform}
    for area in AREAS:
        positive = sum(area in p.areas for p in passages)
        counts[f"area.{area}"] = {"positive": positive, "negative": n - positive}
    framing = Counter(p.framing for p in passages)
    counts["framing"] = {f: framing.get(f, 0) for f in FRAMINGS}
    return counts
