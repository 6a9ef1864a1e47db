"""The compiled model (`learn.predictor`) labels exactly as the scikit-learn model it was compiled from.

`lhl classify`/`lhl tag` apply the compiled arrays so they need not import
scikit-learn; a difference in an analyzer or in the calibration would change
suggestions silently, so every gold passage is checked against the original.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from lhl_mining.learn.files import find_model, load_model, load_predictor, save_model
from lhl_mining.learn.labellers import default_rule_labeller
from lhl_mining.learn.model import Prepared
from lhl_mining.learn.predictor import char_wb_ngrams, compile_model, word_ngrams
from lhl_mining.nlp.evaluate import read_jsonl
from lhl_mining.nlp.labeller import DocContext

GOLD_FILES = ("gold_train.jsonl", "gold_train_2.jsonl", "gold_dev.jsonl")


@pytest.fixture
def gold(shared):
    return [g for name in GOLD_FILES for g in read_jsonl(shared / "data" / name)]


def test_analyzers_give_scikit_learns_ngrams(gold):
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).build_analyzer()
    words = TfidfVectorizer(token_pattern=r"\S+", ngram_range=(1, 2)).build_analyzer()
    samples = [g["text"] for g in gold] + ["", "a", "ab", "abc", "x  y\n\tz", "Hverdagsrehabilitering – «LEVE»"]
    for text in samples:
        assert char_wb_ngrams(text, 3, 5) == chars(text.lower())
        assert word_ngrams(text, 1, 2) == words(text)


def test_compiled_starter_gives_the_same_probabilities_on_every_gold_passage(gold):
    trained = load_model(find_model("starter"))
    compiled = load_predictor(find_model("starter")).model
    prepared = Prepared.from_texts([g["text"] for g in gold], default_rule_labeller(), [DocContext.of(g) for g in gold])
    expected, got = trained.model.probabilities(prepared), compiled.probabilities(prepared)
    assert set(got) == set(expected)
    for code in expected:
        assert np.allclose(got[code], expected[code], atol=1e-5), code
    framing = expected["framing"].argmax(axis=1)
    assert (got["framing"].argmax(axis=1) == framing).all()


def test_a_model_saved_without_compiled_arrays_is_compiled_on_load(tmp_path):
    trained = load_model(find_model("starter"))
    trained.name = "older"
    save_model(trained, tmp_path)
    (tmp_path / "older.npz").unlink()  # as saved by a version before compiled models
    loaded = load_predictor(tmp_path / "older.joblib")
    assert loaded.model.uses_rules
    again = compile_model(trained.model)
    assert loaded.model.binary_codes == again.binary_codes
    assert np.array_equal(loaded.model.coef, again.coef)


def test_a_damaged_compiled_file_is_refused_with_a_numbered_error(tmp_path):
    from lhl_mining.errors import ModelIncompatible

    trained = load_model(find_model("starter"))
    trained.name = "damaged"
    save_model(trained, tmp_path)
    (tmp_path / "damaged.npz").write_bytes(b"not a numpy archive")
    with pytest.raises(ModelIncompatible, match="Cannot load model"):
        load_predictor(tmp_path / "damaged.joblib")
