"""The metric arithmetic of the project, and scoring of `lhl classify` JSONL against gold labels (LABELING.md shape).

One place computes precision, recall and F1 from counts, the counts per code
(reform, each area, each framing value one against the rest), areas micro-F1
and framing macro-F1 (the mean of the per-value F1s).  `score` reports them
rounded, with framing accuracy, the confusion matrix and the passages that
differ (bench/eval_classify.py, the eval-gate test); `learn.evaluate` scores
labellers and models with the same functions, and bench/cv_eval.py applies
them to its bootstrap counts.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

from ..codebook import AREA_CODES, AREAS, FRAMINGS

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


Labels = tuple[bool, Collection[str], str]
"""What is scored of a passage: reform mention, focus areas, framing."""


def f1(tp: Any, fp: Any, fn: Any) -> Any:
    """F1 from counts (2·tp / (2·tp + fp + fn), 0 without true positives); numpy counts give numpy floats."""
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def prf(tp: int, fp: int, fn: int) -> dict[str, Any]:
    """Precision, recall, F1 and support of one code from its counts (0 where a ratio is undefined)."""
    return {
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "f1": f1(tp, fp, fn),
        "support": tp + fn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def micro_f1(counts: Iterable[Sequence[Any]]) -> Any:
    """F1 of the summed (tp, fp, fn) of several codes: every decision counts alike."""
    tp, fp, fn = (sum(column) for column in zip(*counts))
    return f1(tp, fp, fn)


def macro_f1(counts: Sequence[Sequence[Any]]) -> Any:
    """Mean F1 of several codes: every code counts alike, however rare."""
    return sum(f1(*c) for c in counts) / len(counts)


def code_counts(gold: Iterable[Labels], predicted: Iterable[Labels]) -> dict[str, list[int]]:
    """[tp, fp, fn] per code: `reform`, `area.<a>` and `framing.<f>` (each framing value against the rest)."""
    counts = {code: [0, 0, 0] for code in ("reform", *AREA_CODES, *(f"framing.{f}" for f in FRAMINGS))}

    def add(code: str, truth: bool, guess: bool) -> None:
        if truth or guess:
            counts[code][0 if truth and guess else 1 if guess else 2] += 1

    for (g_reform, g_areas, g_framing), (p_reform, p_areas, p_framing) in zip(gold, predicted, strict=True):
        add("reform", bool(g_reform), bool(p_reform))
        for area in AREAS:
            add(f"area.{area}", area in g_areas, area in p_areas)
        for framing in FRAMINGS:
            add(f"framing.{framing}", g_framing == framing, p_framing == framing)
    return counts


def headline(counts: dict[str, list[int]]) -> dict[str, float]:
    """The three numbers the floors and reports lead with: reform F1, areas micro-F1, framing macro-F1."""
    return {
        "reform_f1": f1(*counts["reform"]),
        "areas_micro_f1": micro_f1(counts[f"area.{a}"] for a in AREAS),
        "framing_macro_f1": macro_f1([counts[f"framing.{f}"] for f in FRAMINGS]),
    }


def framing_confusion(gold: Iterable[str], predicted: Iterable[str]) -> dict[str, dict[str, int]]:
    """Passages per (gold framing, predicted framing)."""
    confusion = {g: {p: 0 for p in FRAMINGS} for g in FRAMINGS}
    for truth, guess in zip(gold, predicted, strict=True):
        confusion[truth][guess] += 1
    return confusion


def _labels(item: dict[str, Any]) -> Labels:
    return item["reform"], item["areas"], item["framing"]


def _rounded(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if k in ("precision", "recall", "f1") else v for k, v in metrics.items()}


def score(gold: Iterable[dict[str, Any]], predicted: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Compare by `id`; every gold id must have a prediction."""
    by_id = {p["id"]: p for p in predicted}
    gold = list(gold)
    missing = [g["id"] for g in gold if g["id"] not in by_id]
    if missing:
        raise ValueError(f"{len(missing)} gold passage(s) have no prediction, e.g. {missing[:3]}")
    paired = [by_id[g["id"]] for g in gold]
    counts = code_counts(map(_labels, gold), map(_labels, paired))
    confusion = framing_confusion((g["framing"] for g in gold), (p["framing"] for p in paired))
    errors = [
        {
            "id": item["id"],
            "gold": {k: item[k] for k in ("reform", "areas", "framing")},
            "predicted": {k: pred[k] for k in ("reform", "areas", "framing")},
        }
        for item, pred in zip(gold, paired)
        if bool(item["reform"]) != bool(pred["reform"])
        or sorted(item["areas"]) != sorted(pred["areas"])
        or item["framing"] != pred["framing"]
    ]
    n = len(gold)
    return {
        "n": n,
        "per_code": {code: _rounded(prf(*c)) for code, c in counts.items()},
        **{name: round(value, 4) for name, value in headline(counts).items()},
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
