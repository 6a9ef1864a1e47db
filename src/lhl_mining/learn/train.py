"""Training a model from coded passages: checks, cross-validation, the rules blend, saving.

`train_model` is what `lhl train` (through `train_from_store` and
`train_from_gold`) and the starter-model build call.  It refuses
data it cannot learn from (too few passages, only one class everywhere) before
anything is written, cross-validates to report honest per-code metrics and to
choose how much to trust the rules per code, then fits on everything.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.model_selection import KFold, StratifiedGroupKFold, StratifiedKFold

from .. import __version__
from ..codebook import FRAMINGS
from ..errors import ModelExists, ModelNotFound, SingleClass, TooFewCoded
from ..nlp.labeller import Labeller
from ..processes import end_with_parent
from ..store import utcnow
from .dataset import CodedPassage, label_counts, read_gold, text_keys, training_set_hash
from .evaluate import score_labels
from .files import MODEL_FORMAT, TrainedModel, bundled_models_dir, check_name, find_model, load_model, save_model
from .model import (
    BINARY_CODES,
    MIN_PASSAGES,
    MIN_PER_CLASS,
    Blend,
    PassageModel,
    Prepared,
    blended_scores,
    choose_blend,
    labels_from_scores,
    trainable_framings,
)

CV_MIN_PER_CLASS = 2
"""Inside a cross-validation fold a code is fitted from this many examples per class (the full model needs 5)."""


@dataclass
class TrainingPlan:
    """Which codes the data can teach, and why the others fall back to the rules."""

    learned: list[str]
    left_to_rules: dict[str, str]
    framing_classes: list[str]


def plan_training(passages: Sequence[CodedPassage]) -> TrainingPlan:
    """Check the coded passages; raise when nothing can be learned, say per code what is missing."""
    counts = label_counts(passages)
    if len(passages) < MIN_PASSAGES:
        raise TooFewCoded(
            f"Only {len(passages)} coded passage(s); training needs at least {MIN_PASSAGES}, and per code at least "
            f"{MIN_PER_CLASS} passages with and {MIN_PER_CLASS} without it (framing: {MIN_PER_CLASS} per class). "
            "Code more passages with `lhl review`."
        )
    learned, left_to_rules = [], {}
    for code in BINARY_CODES:
        positive, negative = counts[code]["positive"], counts[code]["negative"]
        if min(positive, negative) >= MIN_PER_CLASS:
            learned.append(code)
        else:
            left_to_rules[code] = f"{positive} with / {negative} without (needs {MIN_PER_CLASS} of each)"
    framing_classes = trainable_framings(passages)
    if len(framing_classes) >= 2:
        learned.append("framing")
        short = [f"{f} {counts['framing'][f]}" for f in FRAMINGS if f not in framing_classes]
        if short:
            left_to_rules["framing"] = f"classes left to the rules: {', '.join(short)} (needs {MIN_PER_CLASS} each)"
    else:
        left_to_rules["framing"] = (
            ", ".join(f"{f} {counts['framing'][f]}" for f in FRAMINGS)
            + f" (needs 2+ classes with {MIN_PER_CLASS} each)"
        )
    if not learned:
        raise SingleClass(
            "Nothing to learn: every code has (almost) only one class among the coded passages ("
            + "; ".join(f"{code}: {why}" for code, why in left_to_rules.items())
            + "). Code passages with and without each code."
        )
    return TrainingPlan(learned, left_to_rules, framing_classes)


def cross_validated_probabilities(
    prepared: Prepared, passages: Sequence[CodedPassage], folds: int, random_state: int = 0
) -> dict[str, np.ndarray]:
    """Out-of-fold model probabilities per code (stratified on framing so every fold sees each frame).

    When every passage has a `group` (a gold file's URL) a page's passages stay in one fold: passages of
    one page resemble each other, and splitting them makes the model look better than it is on a new page.
    """
    n = len(passages)
    probs: dict[str, np.ndarray] = {code: np.full(n, np.nan) for code in BINARY_CODES}
    probs["framing"] = np.full((n, len(FRAMINGS)), np.nan)
    strata = [p.framing for p in passages]
    smallest = min(strata.count(f) for f in set(strata))
    groups = [p.group for p in passages]
    if smallest >= 2 and all(groups) and len(set(groups)) >= folds:
        splits = StratifiedGroupKFold(n_splits=min(folds, smallest), shuffle=True, random_state=random_state).split(
            np.zeros(n), strata, groups
        )
    elif smallest >= 2:
        splits = StratifiedKFold(n_splits=min(folds, smallest), shuffle=True, random_state=random_state).split(
            np.zeros(n), strata
        )
    else:
        splits = KFold(n_splits=folds, shuffle=True, random_state=random_state).split(np.zeros(n))

    def fold(train_index: np.ndarray, test_index: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        model = PassageModel.fit(
            prepared.subset(train_index),
            [passages[i] for i in train_index],
            random_state=random_state,
            min_per_class=CV_MIN_PER_CLASS,
        )
        return test_index, model.probabilities(prepared.subset(test_index))

    workers = max(1, min(folds, os.cpu_count() or 1))
    # Each worker ends with this process: a killed `lhl train` leaves no worker waiting minutes for work.
    with joblib.parallel_config(backend="loky", initializer=end_with_parent, initargs=(os.getpid(),)):
        results = joblib.Parallel(n_jobs=workers)(joblib.delayed(fold)(a, b) for a, b in splits)
    for test_index, fold_probs in results:
        for code, values in fold_probs.items():
            probs[code][test_index] = values
    # A fold too small to fit a code leaves NaN: those codes count as not learned in the CV metrics.
    return {code: values for code, values in probs.items() if not np.isnan(values).any()}


def default_model_name() -> str:
    """lhl-<UTC time>: each training gets a new name, so no model is replaced."""
    return f"lhl-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}"


def _quick_retrain(models_dir: Path, quick: bool, cv_folds: int) -> tuple[int, TrainedModel | None]:
    """The folds to cross-validate and the model whose rules blend is kept: `quick` skips the
    cross-validation and keeps the newest model's blend (the retrain between review sittings)."""
    if not quick:
        return cv_folds, None
    newest = find_model(None, models_dir)
    if newest.parent.resolve() == bundled_models_dir().resolve():
        # The starter's blend rests on its own evidence (docs/learning.md), not on these coders' passages.
        raise ModelNotFound(
            f"--quick keeps the blend of your newest model, and {models_dir} holds none yet: "
            "run `lhl train` once without --quick."
        )
    return 0, load_model(newest)


def train_from_gold(
    gold: Path,
    *,
    name: str,
    models_dir: Path,
    rules: Labeller | None,
    cv_folds: int = 5,
    quick: bool = False,
    progress: Callable[[str], None] | None = None,
) -> TrainedModel:
    """Train from a gold JSONL file (`quick` as for `train_from_store`)."""
    cv_folds, previous = _quick_retrain(models_dir, quick, cv_folds)
    return train_model(
        read_gold(gold),
        name=name,
        models_dir=models_dir,
        rules=rules,
        source=f"gold:{gold.name}",
        cv_folds=cv_folds,
        progress=progress,
        reuse_blend_of=previous,
    )


def train_model(passages: Sequence[CodedPassage], *, name: str, models_dir: Path, **options: Any) -> TrainedModel:
    """Train, cross-validate and save a model (`options` as for `build_model`); nothing is written on error."""
    check_name(name)
    if (models_dir / f"{name}.joblib").exists() or (models_dir / f"{name}.json").exists():
        raise ModelExists(f"A model named {name!r} already exists in {models_dir}; choose another --name.")
    trained = build_model(passages, name=name, **options)
    save_model(trained, models_dir)
    return trained


def build_model(
    passages: Sequence[CodedPassage],
    *,
    name: str,
    rules: Labeller | None,
    source: str,
    cv_folds: int = 5,
    random_state: int = 0,
    progress: Callable[[str], None] | None = None,
    reuse_blend_of: TrainedModel | None = None,
    prepared: Prepared | None = None,
) -> TrainedModel:
    """Check the data, cross-validate (metrics and rules blend) and fit on everything; writes nothing.

    `reuse_blend_of` with `cv_folds=0` is the quick retrain between review sittings: no
    cross-validation, the rules blend of the earlier model is kept.  `prepared` passes lemmas
    and rule labels computed once for many fits (bench/cv_eval.py's folds).
    """
    passages = list(passages)
    plan = plan_training(passages)
    say = progress or (lambda message: None)
    started = time.perf_counter()
    say(f"Preparing {len(passages)} passages (lemmas{', codebook rules' if rules is not None else ''})")
    if prepared is None:
        prepared = Prepared.from_texts([p.text for p in passages], rules, [p.context for p in passages])
    cv: dict[str, Any] = {"folds": 0}
    blend = Blend.model_only()
    if reuse_blend_of is not None and rules is not None and cv_folds < 2:
        blend = reuse_blend_of.blend
        cv["blend_from"] = reuse_blend_of.name
    if cv_folds >= 2:
        say(f"Cross-validating ({cv_folds} folds)")
        oof = cross_validated_probabilities(prepared, passages, cv_folds, random_state)
        blend = choose_blend(passages, oof, prepared.rule_labels) if rules is not None else Blend.model_only()
        model_only = Blend.model_only()
        scores, framing = blended_scores(oof, None, model_only, len(passages))
        cv["folds"] = cv_folds
        cv["model"] = _compact(score_labels(passages, labels_from_scores(scores, framing, model_only, None)))
        if rules is not None and prepared.rule_labels is not None:
            scores, framing = blended_scores(oof, prepared.rule_labels, blend, len(passages))
            cv["combined"] = _compact(
                score_labels(passages, labels_from_scores(scores, framing, blend, prepared.rule_labels))
            )
            cv["rules"] = _compact(score_labels(passages, prepared.rule_labels))
    say("Fitting the final model")
    model = PassageModel.fit(prepared, passages, random_state=random_state)
    seconds = time.perf_counter() - started
    meta = {
        "name": name,
        "format": MODEL_FORMAT,
        "created_at": utcnow(),
        "lhl_mining_version": __version__,
        "sklearn_version": sklearn.__version__,
        "python_version": platform.python_version(),
        "source": source,
        "training_set_hash": training_set_hash(passages),
        "trained_on_texts": text_keys(passages),
        "n_passages": len(passages),
        "label_counts": label_counts(passages),
        "codebook_version": rules.codebook_version if rules is not None else None,
        "rules": rules.provenance if rules is not None else None,
        "learned_codes": plan.learned,
        "left_to_rules": plan.left_to_rules,
        "n_features": model.featurizer.n_features,
        "blend": blend.as_dict(),
        "cross_validation": cv,
        "train_seconds": round(seconds, 2),
        # Which database passages it learned from, so `lhl evaluate` can score on the held-out ones.
        "trained_on_passages": sorted(
            int(p.key.removeprefix("passage:")) for p in passages if p.key.startswith("passage:")
        ),
    }
    return TrainedModel(name, model, blend, meta)


def _compact(result: dict[str, Any]) -> dict[str, Any]:
    """Per-code P/R/F1 rounded for the metadata file."""
    codes = {
        code: {k: round(m[k], 4) for k in ("precision", "recall", "f1")} | {"support": m["support"]}
        for code, m in result["codes"].items()
    }
    framing = {
        f: {k: round(m[k], 4) for k in ("precision", "recall", "f1")} | {"support": m["support"]}
        for f, m in result["framing"]["classes"].items()
    }
    return {
        "summary": {k: round(v, 4) for k, v in result["summary"].items()},
        "codes": codes,
        "framing": framing,
        "framing_confusion": result["framing"]["confusion"],
    }


@dataclass
class StoreTraining:
    """What `train_from_store` did: the model, the coded set it learned from, and the re-scoring counts."""

    trained: TrainedModel
    coded: Any
    rescored: dict[str, Any] | None
    run_id: int


def train_from_store(
    store,
    *,
    name: str,
    models_dir: Path,
    rules: Labeller | None,
    cv_folds: int = 5,
    quick: bool = False,
    rescore: bool = True,
    progress: Callable[[str], None] | None = None,
) -> StoreTraining:
    """Train from the coders' decisions (recorded as a `train` run), then re-score the undecided passages.

    `quick` skips cross-validation and keeps the newest model's rules blend: the
    retrain to run between review sittings.  Re-scoring stores the new
    rules+model suggestions for passages nobody has decided, so the review
    queue's least-confident order follows the new model.
    """
    from .active import rescore_undecided
    from .coded import coded_passages
    from .labellers import CombinedLabeller, default_rule_labeller

    say = progress or (lambda message: None)
    coded = coded_passages(store)
    cv_folds, previous = _quick_retrain(models_dir, quick, cv_folds)
    parameters = {
        "name": name,
        "models_dir": str(models_dir),
        "cv_folds": cv_folds,
        "quick": quick,
        "rules": rules is not None,
        "rescore": rescore,
    }
    with store.run("train", parameters, {"sklearn": sklearn.__version__}) as run:
        run.count("coded", len(coded.passages))
        run.count("disagreed", len(coded.disagreed))
        trained = train_model(
            coded.passages,
            name=name,
            models_dir=models_dir,
            rules=rules,
            source=f"db:{store.path.name}",
            cv_folds=cv_folds,
            progress=say,
            reuse_blend_of=previous,
        )
        rescored: dict[str, Any] | None = None
        if rescore:
            labeller = CombinedLabeller(trained, rules if rules is not None else default_rule_labeller())
            counts = rescore_undecided(
                store,
                labeller,
                run_id=run.id,
                progress=lambda done, total: say(f"Re-scoring undecided passages {done}/{total}"),
            )
            rescored = {**counts, "labeller": labeller.provenance}
            run.count("rescored", int(rescored["passages"]))
    return StoreTraining(trained, coded, rescored, run.id)
