"""The trained passage classifier: calibrated logistic regressions over `PassageFeaturizer` features.

One binary classifier per code for `reform` and the five areas (one-vs-rest),
one multinomial classifier for framing (samfunn / sektor / begge / ingen).
Probabilities are calibrated (sigmoid, cross-validated), so a score of 0.8
means about 80 % of such passages carry the code, which is what the review
queue and the rules blend rely on.  Framing probabilities are calibrated and
then balanced over the four classes (`balanced`), as framing is scored by
macro-F1.

The model is combined with the rules per code: ``p = (1 - w) * model + w * rules``
with the weight `w` and the decision threshold chosen on cross-validated
predictions at training time (`choose_blend`), so the rules keep the codes
where they are precise and the model takes over where the coders taught it
clearly more (`min_gain`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..codebook import AREA_CODES, AREAS, FRAMINGS
from ..nlp.labeller import PassageLabel
from .dataset import CodedPassage
from .features import PassageFeaturizer, lemma_text, rule_features

if TYPE_CHECKING:
    from sklearn.calibration import CalibratedClassifierCV

BINARY_CODES: tuple[str, ...] = ("reform", *AREA_CODES)
"""Codes with a one-vs-rest classifier (reform.successor is left to the rules: the coders do not code it)."""

MIN_PER_CLASS = 5
"""A code is learned only when the coded passages hold at least this many of each of its classes."""

MIN_PASSAGES = 20
"""Fewer coded passages than this cannot support cross-validated calibration at all."""

REGULARISATION_C = 8.0
CALIBRATION_FOLDS = 5
BLEND_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)


def min_gain(n_passages: int) -> float:
    """Cross-validated F1 gain a blend needs before the model takes a code over from the rules.

    About two standard errors of an F1 near 0.8 measured on `n_passages` (0.8 / √n; at least
    0.02): smaller gains are noise, and the rules' own decisions can be explained.  One
    standard error was not enough: on the 538 gold passages it let the best of 45 blends
    take framing and two areas over, and out of fold (bench/cv_eval.py --learned, grouped by
    URL) that layer changed framing macro-F1 by −0.003 [−0.011, +0.003].
    25 passages: 0.16; 259: 0.05; 538: 0.034; 1,600: 0.02.
    """
    return max(0.02, 0.8 / math.sqrt(max(n_passages, 1)))


@dataclass
class Prepared:
    """The per-passage inputs the featurizer needs, computed once (lemmas and the rules' labels)."""

    texts: list[str]
    lemmas: list[str]
    rule_labels: list[PassageLabel] | None

    @classmethod
    def from_texts(cls, texts: Sequence[str], rules=None, contexts=None) -> Prepared:
        """`contexts`: the passages' document contexts (`DocContext`), which the rules read."""
        texts = list(texts)
        return cls.from_rule_labels(texts, rules.label(texts, contexts) if rules is not None else None)

    @classmethod
    def from_rule_labels(cls, texts: Sequence[str], rule_labels: Sequence[PassageLabel] | None) -> Prepared:
        texts = list(texts)
        return cls(texts, [lemma_text(t) for t in texts], list(rule_labels) if rule_labels is not None else None)

    def subset(self, index: Sequence[int] | np.ndarray) -> Prepared:
        return Prepared(
            [self.texts[i] for i in index],
            [self.lemmas[i] for i in index],
            [self.rule_labels[i] for i in index] if self.rule_labels is not None else None,
        )

    def rule_matrix(self) -> np.ndarray | None:
        return rule_features(self.rule_labels) if self.rule_labels is not None else None


def binary_targets(passages: Sequence[CodedPassage], code: str) -> np.ndarray:
    if code == "reform":
        return np.array([p.reform for p in passages], dtype=int)
    area = code.removeprefix("area.")
    return np.array([area in p.areas for p in passages], dtype=int)


def trainable_framings(passages: Sequence[CodedPassage], min_per_class: int = MIN_PER_CLASS) -> list[str]:
    """Framing classes with enough examples to learn; the others get probability 0 from the model."""
    counts = {f: sum(p.framing == f for p in passages) for f in FRAMINGS}
    return [f for f in FRAMINGS if counts[f] >= min_per_class]


def _calibrated(n_minority: int, *, random_state: int) -> CalibratedClassifierCV:
    """Balanced logistic regression (newton-cg: a few iterations on these sparse features) with sigmoid calibration."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression

    base = LogisticRegression(
        C=REGULARISATION_C,
        class_weight="balanced",
        max_iter=3000,
        random_state=random_state,
        solver="newton-cg",
    )
    return CalibratedClassifierCV(base, method="sigmoid", cv=min(CALIBRATION_FOLDS, n_minority), ensemble=False)


@dataclass
class PassageModel:
    """Featurizer plus classifiers; `probabilities` gives per-code model probabilities."""

    featurizer: PassageFeaturizer
    binary: dict[str, CalibratedClassifierCV]
    framing: CalibratedClassifierCV | None
    framing_classes: list[str] = field(default_factory=list)
    framing_priors: list[float] | None = None
    """Share of each learned framing class in the training data; `probabilities` divides it out."""

    @classmethod
    def fit(
        cls,
        prepared: Prepared,
        passages: Sequence[CodedPassage],
        *,
        random_state: int = 0,
        min_per_class: int = MIN_PER_CLASS,
    ) -> PassageModel:
        featurizer = PassageFeaturizer(use_rules=prepared.rule_labels is not None)
        x = featurizer.fit_transform(prepared.lemmas, prepared.texts, prepared.rule_matrix())
        binary: dict[str, CalibratedClassifierCV] = {}
        for code in BINARY_CODES:
            y = binary_targets(passages, code)
            n_minority = int(min(y.sum(), len(y) - y.sum()))
            if n_minority >= min_per_class:
                binary[code] = _calibrated(n_minority, random_state=random_state).fit(x, y)
        classes = trainable_framings(passages, min_per_class)
        framing = None
        if len(classes) >= 2:
            keep = [i for i, p in enumerate(passages) if p.framing in classes]
            y = np.array([classes.index(passages[i].framing) for i in keep])
            counts = np.bincount(y, minlength=len(classes))
            framing = _calibrated(int(counts.min()), random_state=random_state).fit(x[keep], y)
            priors = (counts / counts.sum()).tolist()
        return cls(
            featurizer, binary, framing, classes if framing is not None else [], priors if framing is not None else None
        )

    @property
    def uses_rules(self) -> bool:
        """Whether the features include the rules' labels (then the rules must label first)."""
        return self.featurizer.use_rules

    def probabilities(self, prepared: Prepared) -> dict[str, np.ndarray]:
        """`{code: P(code)}` for learned binary codes and `"framing"`: an (n, 4) array in `FRAMINGS` order."""
        x = self.featurizer.transform(prepared.lemmas, prepared.texts, prepared.rule_matrix())
        result = {code: clf.predict_proba(x)[:, 1] for code, clf in self.binary.items()}
        if self.framing is not None:
            probs = np.zeros((x.shape[0], len(FRAMINGS)))
            probs[:, [FRAMINGS.index(f) for f in self.framing_classes]] = balanced(
                self.framing.predict_proba(x), getattr(self, "framing_priors", None)
            )
            result["framing"] = probs
        return result


def balanced(probabilities: np.ndarray, priors: Sequence[float] | None) -> np.ndarray:
    """Calibrated class probabilities as if every class were equally common (rows renormalised).

    The calibration learns the training set's class shares (framing: `begge` is
    the rarest), so its argmax under-predicts rare classes; framing is scored
    by macro-F1, where every class counts the same, and the classifier itself is
    trained with balanced class weights.  Dividing the shares out gives the
    decision that fits both (cross-validated on gold_train: model-alone framing
    macro-F1 0.755 → 0.778, mean of 3 repeats).
    """
    if priors is None:
        return probabilities
    weighted = probabilities / np.asarray(priors, dtype=float)
    return weighted / weighted.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------- blending with the rules


def rule_binary(label: PassageLabel, code: str) -> float:
    """The rules' belief in a code: their decision, with their score breaking ties."""
    if code == "reform":
        decided = label.reform
        score = max(label.scores.get("reform", 0.0), label.scores.get("reform.successor", 0.0))
    else:
        decided = code.removeprefix("area.") in label.areas
        score = label.scores.get(code, 0.0)
    return 0.5 * (float(decided) + float(score))


def rule_framing(label: PassageLabel) -> np.ndarray:
    """The rules' framing decision as a distribution over `FRAMINGS`."""
    return np.array([1.0 if f == label.framing else 0.0 for f in FRAMINGS])


@dataclass
class Blend:
    """Per-code rule weight and threshold (binary codes) and the framing rule weight."""

    weights: dict[str, float]
    thresholds: dict[str, float]
    framing_weight: float

    def as_dict(self) -> dict:
        return {"weights": self.weights, "thresholds": self.thresholds, "framing_weight": self.framing_weight}

    @classmethod
    def from_dict(cls, data: dict) -> Blend:
        return cls(dict(data["weights"]), dict(data["thresholds"]), float(data["framing_weight"]))

    @classmethod
    def model_only(cls) -> Blend:
        return cls({code: 0.0 for code in BINARY_CODES}, {code: 0.5 for code in BINARY_CODES}, 0.0)


def blended_scores(
    probs: dict[str, np.ndarray], rule_labels: Sequence[PassageLabel] | None, blend: Blend, n: int
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Blend model probabilities with the rules: per binary code an array of scores, and framing (n, 4).

    Where the blend leaves a code to the rules (weight 1) the decision is still theirs, but the
    score is ``0.5 * decision + 0.5 * model``, so a passage where model and rules disagree scores
    near 0.5 and comes early in the review queue's least-confident order.
    """
    scores: dict[str, np.ndarray] = {}
    for code in BINARY_CODES:
        rules = np.array([rule_binary(label, code) for label in rule_labels]) if rule_labels is not None else None
        model = probs.get(code)
        if model is None:
            scores[code] = rules if rules is not None else np.zeros(n)
        elif rules is None:
            scores[code] = model
        else:
            w = blend.weights.get(code, 0.0)
            if w == 1.0:
                # The rules decide; the model's probability says how sure (disagreement lands near 0.5).
                decided = (rules >= 0.5).astype(float)
                scores[code] = 0.5 * decided + 0.5 * np.minimum(model, 0.999)
            else:
                scores[code] = (1 - w) * model + w * rules
    rules_f = np.array([rule_framing(label) for label in rule_labels]) if rule_labels is not None else None
    model_f = probs.get("framing")
    if model_f is None:
        framing = rules_f if rules_f is not None else np.tile([0.0, 0.0, 0.0, 1.0], (n, 1))
    elif rules_f is None:
        framing = model_f
    elif blend.framing_weight == 1.0:
        # The rules' framing wins the argmax; the model's probabilities shade the framing scores.
        framing = 0.5 * rules_f + 0.5 * model_f
    else:
        framing = (1 - blend.framing_weight) * model_f + blend.framing_weight * rules_f
    return scores, framing


def labels_from_scores(
    scores: dict[str, np.ndarray],
    framing: np.ndarray,
    blend: Blend,
    rule_labels: Sequence[PassageLabel] | None,
) -> list[PassageLabel]:
    """Turn blended scores into `PassageLabel`s; the rules' evidence is kept, and their successor flag."""
    labels = []
    for i in range(framing.shape[0]):
        rule = rule_labels[i] if rule_labels is not None else None
        decided = {code: bool(scores[code][i] >= blend.thresholds.get(code, 0.5)) for code in BINARY_CODES}
        dist = framing[i]
        areas = [a for a in AREAS if decided[f"area.{a}"]]
        # A passage about an area has a frame (LABELING.md: «ingen» always has no areas), as in the rules.
        choice = dist if not areas else np.where(np.arange(len(FRAMINGS)) == FRAMINGS.index("ingen"), -1.0, dist)
        code_scores = {code: float(scores[code][i]) for code in BINARY_CODES}
        code_scores["reform.successor"] = float(rule.scores.get("reform.successor", 0.0)) if rule else 0.0
        code_scores["framing.samfunn"] = float(dist[FRAMINGS.index("samfunn")] + dist[FRAMINGS.index("begge")])
        code_scores["framing.sektor"] = float(dist[FRAMINGS.index("sektor")] + dist[FRAMINGS.index("begge")])
        evidence = [dict(item) for item in rule.evidence] if rule else []
        labels.append(
            PassageLabel(
                reform=decided["reform"],
                areas=areas,
                framing=FRAMINGS[int(np.argmax(choice))],
                scores=code_scores,
                evidence=evidence,
            )
        )
    return labels


def choose_blend(
    passages: Sequence[CodedPassage], probs: dict[str, np.ndarray], rule_labels: Sequence[PassageLabel] | None
) -> Blend:
    """Pick rule weights and thresholds that maximise F1 (macro-F1 for framing) on out-of-fold predictions.

    The rules' own decision (weight 1, threshold 0.5) stays unless a blend beats it by `min_gain`.
    """
    from sklearn.metrics import f1_score

    if rule_labels is None:
        weights_grid: tuple[float, ...] = (0.0,)
    else:
        weights_grid = BLEND_WEIGHTS
    weights: dict[str, float] = {}
    thresholds: dict[str, float] = {}
    for code in BINARY_CODES:
        y = binary_targets(passages, code)
        best = (-1.0, 1.0, 0.5)
        grid = weights_grid if code in probs else (1.0,)
        for w in sorted(grid, reverse=True):
            one = Blend({code: w}, {code: 0.5}, 0.0)
            blended, _ = blended_scores({k: v for k, v in probs.items() if k == code}, rule_labels, one, len(y))
            for t in sorted(THRESHOLDS, key=lambda value: abs(value - 0.5)):
                f1 = f1_score(y, blended[code] >= t, zero_division=0.0)
                # Prefer the rules (interpretable) and 0.5 on ties: the first best wins, so scan in that order.
                if f1 > best[0] + 1e-9:
                    best = (f1, w, t)
        if rule_labels is not None and code in probs:
            rules_alone = f1_score(
                y, blended_scores({}, rule_labels, Blend.model_only(), len(y))[0][code] >= 0.5, zero_division=0.0
            )
            if best[0] < rules_alone + min_gain(len(passages)):
                best = (rules_alone, 1.0, 0.5)
        weights[code], thresholds[code] = best[1], best[2]
    truth = [p.framing for p in passages]
    best_framing = (-1.0, 1.0)
    framing_grid = weights_grid if "framing" in probs else (1.0,)
    for w in sorted(framing_grid, reverse=True):
        _, dist = blended_scores(
            {"framing": probs["framing"]} if "framing" in probs else {}, rule_labels, Blend({}, {}, w), len(passages)
        )
        predicted = [FRAMINGS[int(i)] for i in dist.argmax(axis=1)]
        f1 = f1_score(truth, predicted, labels=list(FRAMINGS), average="macro", zero_division=0.0)
        if w == 1.0:
            rules_alone = f1
        if f1 > best_framing[0] + 1e-9:
            best_framing = (f1, w)
    if rule_labels is not None and "framing" in probs and best_framing[0] < rules_alone + min_gain(len(passages)):
        best_framing = (rules_alone, 1.0)
    return Blend(weights, thresholds, best_framing[1])
