"""Scoring labellers against coded passages: per-code precision, recall, F1 and confusion matrices.

The same numbers are used for a model's cross-validated metrics (stored in its
metadata), for `lhl evaluate` (rules, model and combined side by side) and for
the evaluation gate on ``gold_dev.jsonl``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from ..codebook import AREAS, FRAMINGS
from ..nlp.labeller import PassageLabel
from .dataset import CodedPassage


def _binary(truth: list[bool], predicted: list[bool]) -> dict[str, Any]:
    tp = sum(t and p for t, p in zip(truth, predicted))
    fp = sum(p and not t for t, p in zip(truth, predicted))
    fn = sum(t and not p for t, p in zip(truth, predicted))
    tn = len(truth) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "support": tp + fn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
    }


def score_labels(gold: Sequence[CodedPassage], predicted: Sequence[PassageLabel]) -> dict[str, Any]:
    """Per-code metrics and confusion matrices of `predicted` against `gold` (same order)."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold passages but {len(predicted)} predictions")
    codes: dict[str, dict[str, Any]] = {"reform": _binary([g.reform for g in gold], [p.reform for p in predicted])}
    for area in AREAS:
        codes[f"area.{area}"] = _binary([area in g.areas for g in gold], [area in p.areas for p in predicted])
    tp = sum(codes[f"area.{a}"]["tp"] for a in AREAS)
    fp = sum(codes[f"area.{a}"]["fp"] for a in AREAS)
    fn = sum(codes[f"area.{a}"]["fn"] for a in AREAS)
    micro_p = tp / (tp + fp) if tp + fp else 0.0
    micro_r = tp / (tp + fn) if tp + fn else 0.0
    micro_f1 = 2 * micro_p * micro_r / (micro_p + micro_r) if micro_p + micro_r else 0.0
    truth_f = [g.framing for g in gold]
    pred_f = [p.framing for p in predicted]
    precision, recall, f1, support = precision_recall_fscore_support(
        truth_f, pred_f, labels=list(FRAMINGS), zero_division=0.0
    )
    framing_classes = {
        f: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, f in enumerate(FRAMINGS)
    }
    return {
        "n": len(gold),
        "codes": codes,
        "areas_micro": {"precision": micro_p, "recall": micro_r, "f1": micro_f1},
        "framing": {
            "macro_f1": float(f1_score(truth_f, pred_f, labels=list(FRAMINGS), average="macro", zero_division=0.0)),
            "accuracy": sum(t == p for t, p in zip(truth_f, pred_f)) / len(gold) if gold else 0.0,
            "classes": framing_classes,
            "confusion": {
                "labels": list(FRAMINGS),
                "matrix": confusion_matrix(truth_f, pred_f, labels=list(FRAMINGS)).tolist(),
            },
        },
        "summary": {
            "reform_f1": codes["reform"]["f1"],
            "areas_micro_f1": micro_f1,
            "framing_macro_f1": float(
                f1_score(truth_f, pred_f, labels=list(FRAMINGS), average="macro", zero_division=0.0)
            ),
        },
    }


def evaluate_labellers(gold: Sequence[CodedPassage], labellers: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Score each named labeller (`Labeller` instances) on the gold passages."""
    texts = [g.text for g in gold]
    return {name: score_labels(gold, labeller.label(texts)) for name, labeller in labellers.items()}


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
