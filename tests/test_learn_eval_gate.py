"""The shipped starter model: trained on every labelled passage, deciding only where it beat the rules on unseen text.

No gold file is held out for it: bench/cv_eval.py --learned measures the learned
layer out of fold, grouped by URL, and the quality gates (tests/test_classify_eval.py)
check the rules and the learned layer on all passages.  Here: what it learned
from, and that its blend hands a code to the model only where the model's gain
over the rules had an interval above 0 on passages the codebook was never tuned
on (bench/bench_unseen.py, stored in its metadata); a model that decides nothing
stays off the default `classify`/`tag` path (`decides_anything`).
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


def test_the_model_decides_only_codes_it_won_on_text_the_codebook_was_not_tuned_on(starter):
    meta, blend = starter.meta, starter.blend
    check = meta["unseen_check"]
    assert check["passages"] == 233 and check["trained_on"] == 305  # gold_train_2 held out from both
    decided = {**blend.weights, "framing": blend.framing_weight}
    assert set(decided) == set(check["gains"])
    for code, weight in decided.items():
        gain = check["gains"][code]
        assert gain["level"] >= 0.95
        assert (weight < 1.0) == (gain["low"] > 0), code  # the model only where the whole interval is a gain
    assert blend.framing_weight == 0.0  # framing: +0.086 [+0.013, +0.143] when the starter was built
    assert check["rules+model"]["framing_macro_f1"] > check["rules"]["framing_macro_f1"]
    assert decides_anything(meta) == (min(blend.weights.values()) < 1.0 or blend.framing_weight < 1.0)


def test_lhl_train_keeps_the_rules_unless_the_gain_beats_two_standard_errors():
    """User-trained models: the codebook was not tuned on the coders' passages, so the in-fold gate is fair."""
    from lhl_mining.codebook import FRAMINGS
    from lhl_mining.learn.dataset import coded_passage
    from lhl_mining.learn.model import choose_blend
    from lhl_mining.nlp.labeller import PassageLabel

    n = 400
    truth = [FRAMINGS[i % 4] for i in range(n)]
    passages = [coded_passage(str(i), "tekst", False, [], f) for i, f in enumerate(truth)]
    wrong = {f: FRAMINGS[(FRAMINGS.index(f) + 1) % 4] for f in FRAMINGS}
    rules = [PassageLabel(False, [], wrong[f] if i % 5 == 0 else f) for i, f in enumerate(truth)]  # 80 % right

    def model_right(share: float) -> dict[str, np.ndarray]:
        framing = np.array(
            [
                [0.9 if (g if i % 100 < share * 100 else wrong[g]) == f else 0.1 / 3 for f in FRAMINGS]
                for i, g in enumerate(truth)
            ]
        )
        return {"framing": framing}

    assert min_gain(n) == pytest.approx(0.04)
    assert choose_blend(passages, model_right(0.82), rules).framing_weight == 1.0  # +0.02: noise
    assert choose_blend(passages, model_right(0.95), rules).framing_weight < 1.0  # +0.15: the model decides


def test_framing_probabilities_are_balanced_over_the_training_shares(starter, gold):
    """The rarest framing (begge) is not under-predicted: the training shares are divided out of the probabilities."""
    shares = [sum(p.framing == f for p in gold) / len(gold) for f in starter.model.framing_classes]
    assert starter.model.framing_priors == pytest.approx(shares)
    calibrated = np.array([[0.40, 0.30, 0.20, 0.10]])
    result = balanced(calibrated, [0.4, 0.3, 0.1, 0.2])
    assert result.sum() == pytest.approx(1.0)
    assert int(result.argmax()) == 2  # a 20 % probability of a class seen in 10 % of training passages wins
    assert balanced(calibrated, None) is calibrated
