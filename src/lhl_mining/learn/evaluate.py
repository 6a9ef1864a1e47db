"""Scoring labellers against coded passages: per-code precision, recall, F1 and confusion matrices.

The same numbers are used for a model's cross-validated metrics (stored in its
metadata), for `lhl evaluate` (rules, model and combined side by side) and for
the evaluation gate on ``gold_dev.jsonl``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..codebook import AREA_CODES, AREAS, FRAMINGS
from ..nlp.evaluate import code_counts, framing_confusion, headline, prf
from ..nlp.labeller import PassageLabel
from .dataset import CodedPassage


def score_labels(gold: Sequence[CodedPassage], predicted: Sequence[PassageLabel]) -> dict[str, Any]:
    """Per-code metrics and confusion matrices of `predicted` against `gold` (same order); the arithmetic is
    `nlp.evaluate`'s."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold passages but {len(predicted)} predictions")
    n = len(gold)
    counts = code_counts(
        ((g.reform, g.areas, g.framing) for g in gold), ((p.reform, p.areas, p.framing) for p in predicted)
    )
    codes = {code: prf(*counts[code]) | {"tn": n - sum(counts[code])} for code in ("reform", *AREA_CODES)}
    areas = prf(*(sum(counts[f"area.{a}"][i] for a in AREAS) for i in range(3)))
    summary = headline(counts)
    confusion = framing_confusion((g.framing for g in gold), (p.framing for p in predicted))
    return {
        "n": n,
        "codes": codes,
        "areas_micro": {k: areas[k] for k in ("precision", "recall", "f1")},
        "framing": {
            "macro_f1": summary["framing_macro_f1"],
            "accuracy": sum(confusion[f][f] for f in FRAMINGS) / n if n else 0.0,
            "classes": {
                f: {k: prf(*counts[f"framing.{f}"])[k] for k in ("precision", "recall", "f1", "support")}
                for f in FRAMINGS
            },
            "confusion": {"labels": list(FRAMINGS), "matrix": [[confusion[g][p] for p in FRAMINGS] for g in FRAMINGS]},
        },
        "summary": summary,
    }


def evaluate_labellers(gold: Sequence[CodedPassage], labellers: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Score each named labeller (`Labeller` instances) on the gold passages."""
    texts, contexts = [g.text for g in gold], [g.context for g in gold]
    return {name: score_labels(gold, labeller.label(texts, contexts)) for name, labeller in labellers.items()}


def format_report(results: dict[str, dict[str, Any]]) -> str:
    """A plain-text report: per-code P/R/F1 per labeller, summary lines and framing confusion matrices."""
    names = list(results)
    lines = []
    header = f"{'code':<22}" + "".join(f"{name:>24}" for name in names)
    lines.append(header)
    lines.append(f"{'':<22}" + "".join(f"{'P     R     F1   n':>24}" for _ in names))
    first = results[names[0]]
    for code in first["codes"]:
        cells = []
        for name in names:
            m = results[name]["codes"][code]
            cells.append(f"{m['precision']:.2f}  {m['recall']:.2f}  {m['f1']:.2f} {m['support']:>3}")
        lines.append(f"{code:<22}" + "".join(f"{c:>24}" for c in cells))
    for f in FRAMINGS:
        cells = []
        for name in names:
            m = results[name]["framing"]["classes"][f]
            cells.append(f"{m['precision']:.2f}  {m['recall']:.2f}  {m['f1']:.2f} {m['support']:>3}")
        lines.append(f"{'framing=' + f:<22}" + "".join(f"{c:>24}" for c in cells))
    lines.append("")
    for key, title in (
        ("reform_f1", "reform F1"),
        ("areas_micro_f1", "areas micro-F1"),
        ("framing_macro_f1", "framing macro-F1"),
    ):
        lines.append(f"{title:<22}" + "".join(f"{results[name]['summary'][key]:>24.3f}" for name in names))
    for name in names:
        lines.append("")
        reform = results[name]["codes"]["reform"]
        lines.append(
            f"{name}: reform confusion (rows gold, columns predicted) "
            f"[[tn {reform['tn']}, fp {reform['fp']}], [fn {reform['fn']}, tp {reform['tp']}]]"
        )
        lines.append(f"{name}: framing confusion (rows gold, columns predicted)")
        lines.append(f"{'':<10}" + "".join(f"{f:>9}" for f in FRAMINGS))
        for f, row in zip(FRAMINGS, results[name]["framing"]["confusion"]["matrix"]):
            lines.append(f"{f:<10}" + "".join(f"{v:>9}" for v in row))
    return "\n".join(lines)
