"""The honest evaluation: repeated grouped cross-validation over all labelled passages, bootstrap 95 % intervals.

    python bench/cv_eval.py                       # the codebook rules (`lhl classify --rules-only`), every gold file
    python bench/cv_eval.py --learned             # also a learned layer (lhl train's model + blend), out of fold
    python bench/cv_eval.py --show-errors         # list the passages the rules get wrong
    python bench/cv_eval.py --write-floors        # pin bench/eval_baseline.json at the lower interval ends
    python bench/cv_eval.py --learned --write-floors   # pin the learned layer's floors (learned_floors) instead

All three gold files of ../shared/data (gold_train, gold_train_2, gold_dev:
538 passages) are one pool; none is a tuning target.  Passages of one page
(`url`) stay together: folds are grouped by URL (stratified on framing), and
the bootstrap resamples URLs, not passages, so a page with ten similar
passages counts as the one piece of evidence it is.

The codebook rules learn nothing, so their out-of-fold predictions are their
predictions; a learned layer (`--learned`) is fitted on the training folds
only (with its own inner cross-validation to choose the blend, as `lhl
train` does) and predicts the held-out fold, `--repeats` times with new
splits.  Every number is the mean over the repeats with the 2.5–97.5 %
percentiles of the URL bootstrap; rows split bokmål/nynorsk and the three
files.  The gate floors (tests/test_classify_eval.py) sit at the lower
interval ends of the rules, so a change that helps overall passes even
when it costs a passage somewhere.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
from pathlib import Path

import numpy as np

from lhl_mining.codebook import AREAS, FRAMINGS
from lhl_mining.nlp.evaluate import f1, macro_f1, micro_f1, nynorsk_share, read_jsonl

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
GOLD_FILES = ("gold_train.jsonl", "gold_train_2.jsonl", "gold_dev.jsonl")
BASELINE = REPO / "bench" / "eval_baseline.json"
HEADLINE = ("reform_f1", "areas_micro_f1", "framing_macro_f1")


def load_gold(data: Path = DATA) -> list[dict]:
    """Every labelled passage, with the file it came from and its written standard."""
    gold = []
    for name in GOLD_FILES:
        for item in read_jsonl(data / name):
            item["file"] = name.removesuffix(".jsonl")
            item["standard"] = "nynorsk" if nynorsk_share(item["text"]) > 0.5 else "bokmål"
            gold.append(item)
    return gold


def classify_input(item: dict) -> dict:
    """The `lhl classify` input line of a gold passage: text and the document context the store knows."""
    line = {"id": item["id"], "text": item["text"]}
    for key in ("heading", "title", "doc_type"):
        if item.get(key):
            line[key] = item[key]
    return line


def rule_predictions(gold: list[dict], codebook: str | None = None) -> list[dict]:
    """`lhl classify --rules-only` (in process, the function the command runs).

    The rules, not the default path: the shipped starter model learned from
    these very passages, so scoring it here would be in-sample; the learned
    layer is measured out of fold instead (`--learned`).
    """
    from lhl_mining.nlp.classify import classify_jsonl, make_labeller

    out = io.StringIO()
    lines = [json.dumps(classify_input(g), ensure_ascii=False) for g in gold]
    classify_jsonl(lines, out.write, make_labeller(codebook=codebook, rules_only=True))
    return [json.loads(line) for line in out.getvalue().splitlines()]


# ---------------------------------------------------------------- metrics on arrays
class Truth:
    """Gold and predictions as arrays: reform (n,), areas (n, 5), framing index (n,)."""

    def __init__(self, items: list[dict]):
        self.reform = np.array([bool(i["reform"]) for i in items])
        self.areas = np.array([[a in i["areas"] for a in AREAS] for i in items])
        self.framing = np.array([FRAMINGS.index(i["framing"]) for i in items])


def metrics(gold: Truth, pred: Truth, index: np.ndarray) -> dict[str, float]:
    """Headline and per-class F1 of the passages at `index` (repeats allowed, as in a bootstrap sample)."""
    g_r, p_r = gold.reform[index], pred.reform[index]
    g_a, p_a = gold.areas[index], pred.areas[index]
    g_f, p_f = gold.framing[index], pred.framing[index]
    result = {"reform_f1": f1((g_r & p_r).sum(), (~g_r & p_r).sum(), (g_r & ~p_r).sum())}
    tp, fp, fn = (g_a & p_a).sum(0), (~g_a & p_a).sum(0), (g_a & ~p_a).sum(0)
    result["areas_micro_f1"] = micro_f1(zip(tp, fp, fn))
    for k, area in enumerate(AREAS):
        result[f"area.{area}"] = f1(tp[k], fp[k], fn[k])
    frames = [
        (((g_f == k) & (p_f == k)).sum(), ((g_f != k) & (p_f == k)).sum(), ((g_f == k) & (p_f != k)).sum())
        for k in range(len(FRAMINGS))
    ]
    for frame, counts in zip(FRAMINGS, frames):
        result[f"framing.{frame}"] = f1(*counts)
    result["framing_macro_f1"] = float(macro_f1(frames))
    result["framing_accuracy"] = float((g_f == p_f).mean()) if len(index) else 0.0
    return result


def group_bootstrap(groups: np.ndarray, resamples: int, seed: int = 0) -> list[np.ndarray]:
    """Passage indices of `resamples` bootstrap samples drawn by group (URL)."""
    rng = np.random.default_rng(seed)
    members: dict[str, list[int]] = {}
    for i, group in enumerate(groups.tolist()):
        members.setdefault(group, []).append(i)
    blocks = [np.array(m) for m in members.values()]
    return [np.concatenate([blocks[b] for b in rng.integers(0, len(blocks), len(blocks))]) for _ in range(resamples)]


def summarise(gold: Truth, runs: list[Truth], rows: np.ndarray, samples: list[np.ndarray]) -> dict[str, tuple]:
    """Per metric: (mean over the repeats, 2.5 %, 97.5 %) on the passages in `rows`."""
    mask = np.zeros(len(gold.framing), dtype=bool)
    mask[rows] = True
    point = [metrics(gold, run, rows) for run in runs]
    boot: list[dict[str, float]] = []
    for sample in samples:
        sample = sample[mask[sample]]
        per_run = [metrics(gold, run, sample) for run in runs]
        boot.append({key: float(np.mean([m[key] for m in per_run])) for key in per_run[0]})
    return {
        key: (
            float(np.mean([p[key] for p in point])),
            float(np.percentile([b[key] for b in boot], 2.5)),
            float(np.percentile([b[key] for b in boot], 97.5)),
        )
        for key in point[0]
    }


# ---------------------------------------------------------------- the learned layer, out of fold
def learned_runs(gold: list[dict], repeats: int, folds: int, blend: str = "starter") -> list[list[dict]]:
    """Out-of-fold labels of the rules+model labeller, one list per repeat (grouped, stratified splits).

    `blend`: ``starter`` is the shipped starter's blend (the codes its model decides, by the rule of
    bench/bench_unseen.py); ``chosen`` is what `lhl train` picks on each fold's training passages.
    """
    from sklearn.model_selection import StratifiedGroupKFold

    from lhl_mining.learn.dataset import coded_passage
    from lhl_mining.learn.files import bundled_models_dir, find_model, read_meta
    from lhl_mining.learn.labellers import default_rule_labeller
    from lhl_mining.learn.model import Blend, Prepared, blended_scores, labels_from_scores
    from lhl_mining.learn.train import build_model
    from lhl_mining.nlp.labeller import DocContext

    rules = default_rule_labeller()
    shipped = Blend.from_dict(read_meta(find_model("starter", bundled_models_dir()).with_suffix(".json"))["blend"])
    passages = [
        coded_passage(g["id"], g["text"], g["reform"], g["areas"], g["framing"], g["url"], DocContext.of(g))
        for g in gold
    ]
    prepared = Prepared.from_texts([p.text for p in passages], rules, [p.context for p in passages])  # rules once
    groups = [g["url"] for g in gold]
    strata = [g["framing"] for g in gold]
    runs = []
    for repeat in range(repeats):
        labels: list[dict | None] = [None] * len(gold)
        splitter = StratifiedGroupKFold(folds, shuffle=True, random_state=repeat)
        for fold, (train, test) in enumerate(splitter.split(np.zeros(len(gold)), strata, groups)):
            print(f"  learned layer: repeat {repeat + 1}/{repeats}, fold {fold + 1}/{folds}", file=sys.stderr)
            trained = build_model(
                [passages[i] for i in train],
                name="cv",
                rules=rules,
                source="cv",
                cv_folds=5 if blend == "chosen" else 0,
                random_state=repeat,
                prepared=prepared.subset(train),
            )
            used = trained.blend if blend == "chosen" else shipped
            part = prepared.subset(test)
            probs = trained.model.probabilities(part)
            scores, dist = blended_scores(probs, part.rule_labels, used, len(test))
            for i, label in zip(test, labels_from_scores(scores, dist, used, part.rule_labels), strict=True):
                labels[i] = label.as_dict()
        runs.append(labels)
    return runs


# ---------------------------------------------------------------- report
def format_table(title: str, stats: dict[str, tuple], keys: list[str]) -> list[str]:
    lines = [title]
    for key in keys:
        mean, low, high = stats[key]
        lines.append(f"  {key:<22}{mean:>7.3f}  [{low:.3f}, {high:.3f}]")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--learned", action="store_true", help="also cross-validate the rules+model layer")
    parser.add_argument(
        "--blend",
        choices=("starter", "chosen"),
        default="starter",
        help="with --learned: the starter's blend (framing by the model) or the one lhl train chooses per fold",
    )
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--codebook", help="another codebook YAML (default: the bundled one)")
    parser.add_argument("--write-floors", action="store_true", help="pin the floors at the lower interval ends")
    args = parser.parse_args(argv)

    gold = load_gold()
    truth = Truth(gold)
    groups = np.array([g["url"] for g in gold])
    samples = group_bootstrap(groups, args.bootstrap)
    default = rule_predictions(gold, args.codebook)
    labellers = {"rules": [Truth(default)]}
    if args.learned:
        labellers["learned"] = [Truth(run) for run in learned_runs(gold, args.repeats, args.folds, args.blend)]

    everything = np.arange(len(gold))
    subsets = {"all": everything}
    for standard in ("bokmål", "nynorsk"):
        subsets[standard] = np.flatnonzero([g["standard"] == standard for g in gold])
    for name in GOLD_FILES:
        subsets[name.removesuffix(".jsonl")] = np.flatnonzero([g["file"] == name.removesuffix(".jsonl") for g in gold])
    print(
        f"{len(gold)} passages from {len(set(groups.tolist()))} URLs ("
        + ", ".join(f"{k} {len(v)}" for k, v in subsets.items() if k != "all")
        + f"); mean [95 % URL-bootstrap interval, {args.bootstrap} resamples]"
        + (f"; learned layer: {args.repeats}×{args.folds}-fold grouped CV" if args.learned else "")
    )
    per_class = [f"area.{a}" for a in AREAS] + [f"framing.{f}" for f in FRAMINGS] + ["framing_accuracy"]
    results: dict[str, dict[str, dict[str, tuple]]] = {}
    for who, runs in labellers.items():
        results[who] = {name: summarise(truth, runs, rows, samples) for name, rows in subsets.items()}
        print()
        print("\n".join(format_table(f"{who}: all passages", results[who]["all"], list(HEADLINE) + per_class)))
        print(f"{who}: by subset (reform F1 / areas micro-F1 / framing macro-F1)")
        for name in subsets:
            if name == "all":
                continue
            cells = "  ".join(
                f"{m:.3f} [{lo:.3f}, {hi:.3f}]" for m, lo, hi in (results[who][name][k] for k in HEADLINE)
            )
            print(f"  {name:<14}{len(subsets[name]):>4}  {cells}")
    if args.learned:
        print("\nlearned − rules (paired over the same URL resamples): gain [95 % interval]")
        for key in HEADLINE + tuple(f"area.{a}" for a in AREAS) + ("framing.samfunn", "framing.begge"):
            gains = []
            for sample in samples:
                a = np.mean([metrics(truth, run, sample)[key] for run in labellers["learned"]])
                b = metrics(truth, labellers["rules"][0], sample)[key]
                gains.append(a - b)
            print(
                f"  {key:<22}{np.mean(gains):>+7.3f}  [{np.percentile(gains, 2.5):+.3f}, "
                f"{np.percentile(gains, 97.5):+.3f}]"
            )
    if args.show_errors:
        print("\npassages the rules get wrong:")
        for g, p in zip(gold, default, strict=True):
            if (g["reform"], sorted(g["areas"]), g["framing"]) != (p["reform"], sorted(p["areas"]), p["framing"]):
                print(
                    f"  {g['id']} [{g['standard']}, {g.get('doc_type')}] gold {g['reform']} {g['areas']} "
                    f"{g['framing']} | predicted {p['reform']} {p['areas']} {p['framing']}"
                )
    if args.write_floors:
        stats = results["rules"]["all"]
        floors = {key: math.floor(stats[key][1] * 100) / 100 for key in HEADLINE}
        baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
        if args.learned:  # the learned layer's floors only; the rules' stay as pinned
            if args.blend != "starter":
                parser.error("--write-floors with --learned pins the shipped starter's blend: drop --blend chosen")
            stats = results["learned"]["all"]
            floors = {key: math.floor(stats[key][1] * 100) / 100 for key in HEADLINE}
            baseline["learned_floors"] = floors
        else:
            baseline["floors"] = floors
        BASELINE.write_text(json.dumps(baseline, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nfloors written to {BASELINE.relative_to(REPO)}: {floors}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
