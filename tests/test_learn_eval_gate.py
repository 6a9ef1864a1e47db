"""The shipped starter model: trained on every labelled passage, and deciding only where CV shows a real gain.

No gold file is held out for it: bench/cv_eval.py --learned measures the learned
layer out of fold, grouped by URL, and the quality gate (tests/test_classify_eval.py)
checks the default path on all passages.  Here: what it learned from, and that
its blend hands a decision to the model only where the cross-validated gain
over the rules reached `min_gain` (two standard errors); otherwise it stays off
the default `classify`/`tag` path (`decides_anything`).
"""

from __future__ import annotations

import numpy as np
import pytest

from lhl_mining.learn.dataset import read_gold, training_set_hash
from lhl_mining.learn.files import bundled_models_dir, decides_anything, find_model, load_model
from lhl_mining.learn.model import balanced, min_gain

GOLD_FILES = ("gold_train.jsonl", "gold_train_2.jsonl", "gold_dev.jsonl")


@pytest.fixture(scope="module")
def starter():
    return load_model(find_model("starter"))


@pytest.fixture
def gold(shared):
    return [p for name in GOLD_FILES for p in read_gold(shared / "data" / name)]


def test_starter_model_is_shipped_small_and_trained_on_all_gold(starter, gold):
    assert (bundled_models_dir() / "starter.joblib").stat().st_size < 3_000_000
    assert len(gold) == 538 and len({p.group for p in gold}) == 385  # grouped by URL in its CV
    assert starter.meta["training_set_hash"] == training_set_hash(gold)
    assert starter.meta["n_passages"] == 538
    assert starter.meta["source"] == "gold:" + "+".join(GOLD_FILES)


def test_the_model_decides_only_where_its_cross_validated_gain_beats_two_standard_errors(starter):
    meta = starter.meta
    cv, blend, n = meta["cross_validation"], starter.blend, meta["n_passages"]
    assert min_gain(n) == pytest.approx(0.8 / np.sqrt(n))
    for code, weight in blend.weights.items():
        rules_f1 = cv["rules"]["codes"][code]["f1"]
        if weight < 1.0:
            assert cv["combined"]["codes"][code]["f1"] >= rules_f1 + min_gain(n) - 1e-4, code
    if blend.framing_weight < 1.0:
        assert (
            cv["combined"]["summary"]["framing_macro_f1"]
            >= cv["rules"]["summary"]["framing_macro_f1"] + min_gain(n) - 1e-4
        )
    assert decides_anything(meta) == (min(blend.weights.values()) < 1.0 or blend.framing_weight < 1.0)


def test_framing_probabilities_are_balanced_over_the_training_shares(starter, gold):
    """The rarest framing (begge) is not under-predicted: the training shares are divided out of the probabilities."""
    shares = [sum(p.framing == f for p in gold) / len(gold) for f in starter.model.framing_classes]
    assert starter.model.framing_priors == pytest.approx(shares)
    calibrated = np.array([[0.40, 0.30, 0.20, 0.10]])
    result = balanced(calibrated, [0.4, 0.3, 0.1, 0.2])
    assert result.sum() == pytest.approx(1.0)
    assert int(result.argmax()) == 2  # a 20 % probability of a class seen in 10 % of training passages wins
    assert balanced(calibrated, None) is calibrated
