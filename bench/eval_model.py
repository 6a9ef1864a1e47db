"""Evaluate the rules, the shipped starter model and both combined on ../shared/data/gold_dev.jsonl.

    python bench/eval_model.py [--model starter] [--no-curve] [--repeats 2]

Prints per-code precision/recall/F1, the reform and framing confusion matrices,
the targets, how well each labeller's scores order the review queue (average
precision per code; how many wrong suggestions land in the least-confident
quarter, which coders see first), and the learning curve (quality on gold_dev vs number of
gold_train passages the model learned from).  Exits 1 when the combined
labeller falls below the pinned floors (the same floors as
tests/test_learn_eval_gate.py).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score

from lhl_mining.learn.active import uncertainty
from lhl_mining.learn.dataset import read_gold
from lhl_mining.learn.evaluate import evaluate_labellers, format_report, score_labels
from lhl_mining.learn.files import find_model, load_model
from lhl_mining.learn.labellers import CombinedLabeller, ModelLabeller, default_rule_labeller
from lhl_mining.learn.train import build_model
from lhl_mining.nlp.labeller import AREAS

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
TARGETS = {"reform_f1": 0.97, "areas_micro_f1": 0.85, "framing_macro_f1": 0.80}
FLOORS = {"reform_f1": 0.97, "areas_micro_f1": 0.94, "framing_macro_f1": 0.80}
CURVE_SIZES = (25, 50, 100, 150, 200, 259)


def learning_curve(train, dev, rules, repeats: int) -> None:
    print("\nLearning curve on gold_dev (mean of", repeats, "random subsets of gold_train per size)")
    print(f"{'passages':>9} {'labeller':>9} {'reform F1':>10} {'areas µF1':>10} {'framing mF1':>12}")
    for size in CURVE_SIZES:
        sums = {"model": [0.0, 0.0, 0.0], "combined": [0.0, 0.0, 0.0]}
        runs = 1 if size >= len(train) else repeats
        for seed in range(runs):
            subset = random.Random(seed).sample(train, min(size, len(train)))
            trained = build_model(subset, name=f"curve-{size}", rules=rules, source="curve", random_state=seed)
            for who, labeller in (("model", ModelLabeller(trained, rules)), ("combined", CombinedLabeller(trained, rules))):
                s = score_labels(dev, labeller.label([p.text for p in dev]))["summary"]
                for i, key in enumerate(("reform_f1", "areas_micro_f1", "framing_macro_f1")):
                    sums[who][i] += s[key] / runs
        for who, (reform, areas, framing) in sums.items():
            print(f"{size:>9} {who:>9} {reform:>10.3f} {areas:>10.3f} {framing:>12.3f}")


def queue_order(dev, labellers: dict) -> None:
    """Scores as a review-queue order: ranking per code, and wrong suggestions among the least confident."""
    labels = {who: labeller.label([p.text for p in dev]) for who, labeller in labellers.items()}
    codes = ["reform", *(f"area.{area}" for area in AREAS)]
    print("\nReview-queue order on gold_dev: average precision of the scores per code")
    print(f"{'code':<20}" + "".join(f"{who:>10}" for who in labels))
    for code in codes:
        truth = [p.reform if code == "reform" else code.split(".", 1)[1] in p.areas for p in dev]
        row = [average_precision_score(truth, [lab.scores[code] for lab in labs]) for labs in labels.values()]
        print(f"{code:<20}" + "".join(f"{ap:>10.3f}" for ap in row))
    quarter = len(dev) // 4
    for who, labs in labels.items():
        wrong = np.array([(lab.reform, list(lab.areas), lab.framing) != (p.reform, list(p.areas), p.framing)
                          for lab, p in zip(labs, dev)])
        first = np.argsort([-uncertainty(lab) for lab in labs], kind="stable")[:quarter]
        print(f"{who}: {int(wrong.sum())} wrong suggestions, {int(wrong[first].sum())} of them among the "
              f"{quarter} least confident (queue order)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="starter")
    parser.add_argument("--models-dir", type=Path, default=REPO / "models")
    parser.add_argument("--no-curve", action="store_true")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    dev = read_gold(DATA / "gold_dev.jsonl")
    rules = default_rule_labeller()
    trained = load_model(find_model(args.model, args.models_dir))
    started = time.perf_counter()
    results = evaluate_labellers(dev, {
        "rules": rules, "model": ModelLabeller(trained, rules), "combined": CombinedLabeller(trained, rules),
    })
    print(f"gold_dev: {len(dev)} passages; model {trained.name} (trained on {trained.meta['source']}, "
          f"{trained.meta['n_passages']} passages, codebook {trained.meta['codebook_version']}; "
          f"rules now {rules.codebook_version}); scored in {time.perf_counter() - started:.1f} s\n")
    print(format_report(results))
    print("\nTargets (combined):", ", ".join(f"{k} ≥ {v}" for k, v in TARGETS.items()))
    combined = results["combined"]["summary"]
    failed = [k for k, floor in FLOORS.items() if combined[k] < floor]
    for key, floor in FLOORS.items():
        mark = "ok" if combined[key] >= TARGETS[key] else "below target"
        print(f"  {key:<18} {combined[key]:.3f}  target {TARGETS[key]:.2f} ({mark}), floor {floor:.2f}")
    queue_order(dev, {"rules": rules, "combined": CombinedLabeller(trained, rules)})
    if not args.no_curve:
        learning_curve(read_gold(DATA / "gold_train.jsonl"), dev, rules, args.repeats)
    if failed:
        print(f"\nFAILED: combined below the pinned floor for {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
