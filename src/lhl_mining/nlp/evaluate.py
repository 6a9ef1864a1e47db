"""Score passage labels (the `lhl classify` JSONL shape) against gold labels (LABELING.md shape).

Reports per-code precision/recall/F1 (reform, reform.successor where gold has
it, each area, each framing value), areas micro-F1, framing macro-F1 and
accuracy, and the framing confusion matrix.  Used by bench/eval_classify.py
and the eval-gate test.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..codebook import AREAS, FRAMINGS

_NYNORSK_ONLY = frozenset(
    [
        "ikkje",
        "eg",
        "kva",
        "korleis",
        "kvar",
        "frå",
        "berre",
        "dei",
        "desse",
        "mykje",
        "saman",
        "heile",
        "eit",
        "vere",
        "vore",
        "vert",
        "verte",
        "hjå",
        "noko",
        "nokon",
        "sjølv",
        "fleire",
        "meir",
        "medan",
        "difor",
        "òg",
        "tenester",
        "tenesta",
        "tenestene",
        "teneste",
        "heime",
        "bu",
        "gjer",
        "gjere",
    ]
)
_BOKMAL_ONLY = frozenset(
    [
        "ikke",
        "jeg",
        "hva",
        "hvordan",
        "hvor",
        "fra",
        "bare",
        "de",
        "disse",
        "mye",
        "sammen",
        "hele",
        "et",
        "være",
        "vært",
        "hos",
        "noe",
        "noen",
        "selv",
        "flere",
        "mer",
        "mens",
        "derfor",
        "også",
        "tjenester",
        "tjenesten",
        "tjenestene",
        "tjeneste",
        "hjemme",
        "bo",
        "gjør",
        "gjøre",
    ]
)


def nynorsk_share(text: str) -> float:
    """Share of the written-standard marker words in `text` that are nynorsk (0.5 when there are none).

    Function words and a few domain forms that only one standard uses
    («ikkje/ikke», «frå/fra», «tenester/tjenester»); enough to split the gold
    passages into bokmål and nynorsk for the evaluation.
    """
    words = [w.strip(".,:;!?()«»\"'–-") for w in text.lower().split()]
    nn = sum(w in _NYNORSK_ONLY for w in words)
    nb = sum(w in _BOKMAL_ONLY for w in words)
    return nn / (nn + nb) if nn + nb else 0.5


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "support": tp + fn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def score(gold: Iterable[dict[str, Any]], predicted: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Compare by `id`; every gold id must have a prediction."""
    by_id = {p["id"]: p for p in predicted}
    gold = list(gold)
    missing = [g["id"] for g in gold if g["id"] not in by_id]
    if missing:
        raise ValueError(f"{len(missing)} gold passage(s) have no prediction, e.g. {missing[:3]}")
    counts: dict[str, list[int]] = {}

    def add(code: str, truth: bool, guess: bool) -> None:
        tp_fp_fn = counts.setdefault(code, [0, 0, 0])
        if truth and guess:
            tp_fp_fn[0] += 1
        elif guess:
            tp_fp_fn[1] += 1
        elif truth:
            tp_fp_fn[2] += 1

    confusion = {g: {p: 0 for p in FRAMINGS} for g in FRAMINGS}
    errors: list[dict[str, Any]] = []
    for item in gold:
        pred = by_id[item["id"]]
        add("reform", bool(item["reform"]), bool(pred["reform"]))
        for area in AREAS:
            add(f"area.{area}", area in item["areas"], area in pred["areas"])
        for framing in FRAMINGS:
            add(f"framing.{framing}", item["framing"] == framing, pred["framing"] == framing)
        confusion[item["framing"]][pred["framing"]] += 1
        if (
            bool(item["reform"]) != bool(pred["reform"])
            or sorted(item["areas"]) != sorted(pred["areas"])
            or item["framing"] != pred["framing"]
        ):
            errors.append(
                {
                    "id": item["id"],
                    "gold": {k: item[k] for k in ("reform", "areas", "framing")},
                    "predicted": {k: pred[k] for k in ("reform", "areas", "framing")},
                }
            )
    per_code = {code: _prf(*c) for code, c in counts.items()}
    area_totals = [sum(counts[f"area.{a}"][i] for a in AREAS) for i in range(3)]
    framing_f1 = [per_code[f"framing.{f}"]["f1"] for f in FRAMINGS]
    n = len(gold)
    return {
        "n": n,
        "per_code": per_code,
        "reform_f1": per_code["reform"]["f1"],
        "areas_micro_f1": _prf(*area_totals)["f1"],
        "framing_macro_f1": round(sum(framing_f1) / len(framing_f1), 4),
        "framing_accuracy": round(sum(confusion[f][f] for f in FRAMINGS) / n, 4) if n else 0.0,
        "framing_confusion": confusion,
        "errors": errors,
    }


def format_report(result: dict[str, Any]) -> str:
    """A plain-text report: per-code table, headline numbers, framing confusion matrix."""
    lines = [f"{'code':<24}{'P':>7}{'R':>7}{'F1':>7}{'support':>9}"]
    for code, m in result["per_code"].items():
        lines.append(f"{code:<24}{m['precision']:>7.3f}{m['recall']:>7.3f}{m['f1']:>7.3f}{m['support']:>9}")
    lines += [
        "",
        f"passages            {result['n']}",
        f"reform F1           {result['reform_f1']:.3f}",
        f"areas micro-F1      {result['areas_micro_f1']:.3f}",
        f"framing macro-F1    {result['framing_macro_f1']:.3f}",
        f"framing accuracy    {result['framing_accuracy']:.3f}",
        "",
        "framing confusion (rows gold, columns predicted)",
        f"{'':<10}" + "".join(f"{f:>9}" for f in FRAMINGS),
    ]
    for g in FRAMINGS:
        lines.append(f"{g:<10}" + "".join(f"{result['framing_confusion'][g][p]:>9}" for p in FRAMINGS))
    return "\n".join(lines)
