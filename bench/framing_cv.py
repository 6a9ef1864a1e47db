"""Can a learned layer beat the codebook rules on framing?  Repeated cross-validation on gold_train.

    python bench/framing_cv.py [--gold PATH] [--repeats 3] [--bootstrap 1000] [--curve]

Framing (samfunn / sektor / begge / ingen) is where the rules are weakest, so
this script compares, on out-of-fold predictions of the training data only
(gold_dev is never read), the ways a trained model could take framing
decisions over from the rules:

* `rules`: the codebook rules alone (no learning; the same numbers in every repeat);
* `model`: the calibrated TF-IDF + rule-feature model alone (`lhl train`'s framing classifier);
* `blend w`: ``(1 - w) * model + w * rules``, the blends `lhl train` chooses from;
* `stack`: a balanced multinomial logistic regression over the rules' decision
  and the model's four probabilities, itself cross-validated (5 inner folds);
* `stack+`: the same with the rules' framing indicators (samfunn and sektor
  scores, their balance, distinct terms per frame, where they come from, areas found);
* `terms`: a balanced logistic regression over which codebook terms fired (per
  code, at their weight), the rules' framing decision and areas: term weights
  learned from the coders instead of written by hand;
* `fill-in`: the rules, but where they find no frame the model may name one.

For each: framing macro-F1 (mean ± sd over the repeats, each a new 5-fold
split), the gain over the rules, the share of bootstrap resamples of the
passages (paired: both labellers scored on the same resample) in which it
beats the rules, and how many decisions it changes.  A layer worth shipping
would gain clearly and win in ≥ 95 % of resamples in every repeat.

`--curve` prints instead the cross-validated learning curve of the model
alone (framing macro-F1, areas micro-F1) on random subsets of the training data.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from lhl_mining.learn.dataset import read_gold
from lhl_mining.learn.evaluate import score_labels
from lhl_mining.learn.labellers import default_rule_labeller
from lhl_mining.learn.model import Blend, Prepared, blended_scores, labels_from_scores
from lhl_mining.learn.train import cross_validated_probabilities
from lhl_mining.nlp.labeller import AREAS, FRAMINGS, PassageLabel

REPO = Path(__file__).resolve().parents[1]
DEFAULT_GOLD = REPO.parent / "shared" / "data" / "gold_train.jsonl"
FRAMES = ("framing.samfunn", "framing.sektor")


def macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    return float(f1_score(truth, predicted, labels=list(range(len(FRAMINGS))), average="macro", zero_division=0.0))


def framing_indicators(label: PassageLabel) -> list[float]:
    """The rules' framing evidence as numbers: scores, balance, distinct terms and their sources per frame."""
    codes_of_hit: dict[tuple, set[str]] = {}
    for item in label.evidence:
        codes_of_hit.setdefault((item["rule_id"], item["start"]), set()).add(item["code"])
    terms: dict[str, set[str]] = {frame: set() for frame in FRAMES}
    sources: dict[str, set[str]] = {frame: set() for frame in FRAMES}
    for item in label.evidence:
        if item["code"] in terms:
            terms[item["code"]].add(item["rule_id"])
            home = sorted(c for c in codes_of_hit[(item["rule_id"], item["start"])] if not c.startswith("framing."))
            sources[item["code"]].add(home[0] if home else "frame term")
    samfunn, sektor = (label.scores.get(frame, 0.0) for frame in FRAMES)
    return [samfunn, sektor, min(samfunn, sektor), samfunn - sektor,
            *(np.log1p(len(terms[frame])) for frame in FRAMES), *(np.log1p(len(sources[frame])) for frame in FRAMES),
            float(len(label.areas)), *(float(area in label.areas) for area in AREAS)]


def term_features(labels: list[PassageLabel]) -> np.ndarray:
    """Which codebook terms fired, per code, at their weight; the rules' framing decision and areas."""
    rows = []
    for label in labels:
        row = {f"decision={label.framing}": 1.0, **{f"area={area}": 1.0 for area in label.areas}}
        for item in label.evidence:
            key = f"{item['code']}|{item['rule_id']}"
            row[key] = max(row.get(key, 0.0), float(item.get("weight", 1.0)))
        rows.append(row)
    return DictVectorizer(sparse=False).fit_transform(rows)


def stacked(features: np.ndarray, truth: np.ndarray, seed: int, c: float = 1.0, scale: bool = True) -> np.ndarray:
    """Out-of-fold predictions of a balanced logistic regression over `features` (5 inner folds)."""
    predicted = np.zeros(len(truth), dtype=int)
    for train, test in StratifiedKFold(5, shuffle=True, random_state=1000 + seed).split(features, truth):
        scaler = StandardScaler(with_std=scale, with_mean=scale).fit(features[train])
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
        model.fit(scaler.transform(features[train]), truth[train])
        predicted[test] = model.predict(scaler.transform(features[test]))
    return predicted


def paired_win_share(truth: np.ndarray, candidate: np.ndarray, rules: np.ndarray, resamples: int) -> float:
    """Share of bootstrap resamples of the passages in which the candidate's macro-F1 beats the rules'."""
    rng = np.random.default_rng(0)
    wins = 0
    for _ in range(resamples):
        index = rng.integers(0, len(truth), len(truth))
        wins += macro_f1(truth[index], candidate[index]) > macro_f1(truth[index], rules[index])
    return wins / resamples


def learning_curve(passages, prepared: Prepared, repeats: int) -> None:
    """Model-alone framing macro-F1 and areas micro-F1, 5-fold CV on random subsets (mean of the repeats)."""
    print(f"{'passages':>9} {'framing mF1':>12} {'areas µF1':>10}   (model alone, {repeats} subsets per size)")
    sizes = [n for n in (50, 100, 150, 200) if n < len(passages)] + [len(passages)]
    for size in sizes:
        framing, areas = [], []
        for seed in range(repeats if size < len(passages) else 1):
            index = sorted(np.random.default_rng(seed).choice(len(passages), size, replace=False).tolist())
            subset = [passages[i] for i in index]
            probs = cross_validated_probabilities(prepared.subset(index), subset, 5, random_state=seed)
            scores, dist = blended_scores(probs, None, Blend.model_only(), size)
            summary = score_labels(subset, labels_from_scores(scores, dist, Blend.model_only(), None))["summary"]
            framing.append(summary["framing_macro_f1"])
            areas.append(summary["areas_micro_f1"])
        print(f"{size:>9} {np.mean(framing):>12.3f} {np.mean(areas):>10.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--curve", action="store_true", help="the model's cross-validated learning curve instead")
    args = parser.parse_args()
    if "dev" in args.gold.name:
        parser.error("this is a development signal for training data; gold_dev stays held out")
    passages = read_gold(args.gold)
    prepared = Prepared.from_texts([p.text for p in passages], default_rule_labeller())
    if args.curve:
        learning_curve(passages, prepared, args.repeats)
        return
    truth = np.array([FRAMINGS.index(p.framing) for p in passages])
    rules_onehot = np.array([[float(label.framing == f) for f in FRAMINGS] for label in prepared.rule_labels])
    rules = rules_onehot.argmax(axis=1)
    indicators = np.array([framing_indicators(label) for label in prepared.rule_labels])
    terms = term_features(prepared.rule_labels)
    results: dict[str, list[tuple[float, float, int]]] = {}
    for seed in range(args.repeats):
        model = cross_validated_probabilities(prepared, passages, 5, random_state=seed)["framing"]
        fill_in = rules.copy()
        silent = (rules == FRAMINGS.index("ingen")) & (model.argmax(axis=1) != FRAMINGS.index("ingen"))
        fill_in[silent] = model[silent].argmax(axis=1)
        candidates = {
            "rules": rules,
            "model": model.argmax(axis=1),
            **{f"blend w={w}": ((1 - w) * model + w * rules_onehot).argmax(axis=1) for w in (0.25, 0.5, 0.75)},
            "stack": stacked(np.hstack([rules_onehot, model]), truth, seed),
            "stack+": stacked(np.hstack([rules_onehot, model, indicators]), truth, seed),
            "terms": stacked(terms, truth, seed, c=0.3, scale=False),
            "fill-in": fill_in,
        }
        for name, predicted in candidates.items():
            win = paired_win_share(truth, predicted, rules, args.bootstrap) if name != "rules" else 0.0
            results.setdefault(name, []).append((macro_f1(truth, predicted), win, int((predicted != rules).sum())))
    print(f"{args.gold.name}: {len(passages)} passages, framing "
          + ", ".join(f"{f} {int((truth == i).sum())}" for i, f in enumerate(FRAMINGS))
          + f"; {args.repeats} repeats of 5-fold CV\n")
    print(f"{'labeller':<12} {'macro-F1':>15} {'gain':>7} {'wins (per repeat)':>24} {'changed':>8}")
    base = float(np.mean([f for f, _, _ in results["rules"]]))
    for name, rows in results.items():
        f1s = [f for f, _, _ in rows]
        wins = " ".join(f"{w:.2f}" for _, w, _ in rows) if name != "rules" else "-"
        changed = np.mean([c for _, _, c in rows])
        print(f"{name:<12} {np.mean(f1s):>8.3f} ± {np.std(f1s):.3f} {np.mean(f1s) - base:>+7.3f} {wins:>24} {changed:>8.1f}")


if __name__ == "__main__":
    main()
