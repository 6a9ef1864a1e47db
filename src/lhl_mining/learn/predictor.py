"""A trained `PassageModel` as plain arrays, applied with numpy alone: what `lhl classify`/`lhl tag` load.

Applying the model needs only the fitted numbers: the TF-IDF vocabularies
and idf weights, each logistic regression's coefficients and the sigmoid
calibration's two parameters per class.  Importing scikit-learn (and the
scipy.stats it pulls in) and unpickling its objects costs about 1.3 s per
command, more than everything else `lhl classify` starts with (docs/nlp.md,
Speed).  `compile_model` copies those numbers out of a fitted model once, when
it is saved (`<name>.npz` beside `<name>.joblib`); `Predictor.probabilities`
gives the same probabilities as `PassageModel.probabilities` (checked to 1e-6
on every gold passage by tests/test_predictor.py).

The analyzers repeat scikit-learn's `TfidfVectorizer` rules for the settings
`PassageFeaturizer` uses (lowercase; words: ``\\S+`` tokens, 1–2-grams;
characters: ``char_wb`` n-grams inside word boundaries), sublinear tf, idf,
l2 norm.  `compile_model` refuses a featurizer with other settings rather than
apply it differently.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..codebook import FRAMINGS

WORD_TOKEN = re.compile(r"\S+")
SPACES = re.compile(r"\s\s+")
EXPECTED = {
    "words": {"analyzer": "word", "token_pattern": r"\S+", "lowercase": True, "sublinear_tf": True, "norm": "l2"},
    "chars": {"analyzer": "char_wb", "lowercase": True, "sublinear_tf": True, "norm": "l2"},
}
"""The vectorizer settings the analyzers below reproduce."""

NO_COLUMNS, NO_VALUES = np.zeros(0, dtype=np.intp), np.zeros(0)

BATCH = 256
"""Passages per matrix product: bounds memory on long inputs."""


def word_ngrams(lemmas: str, low: int, high: int) -> list[str]:
    tokens = WORD_TOKEN.findall(lemmas.lower())
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """Character n-grams of each word padded with one space; a word shorter than n gives itself once."""
    grams: list[str] = []
    for word in SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        for n in range(low, high + 1):
            grams.extend(padded[i : i + n] for i in range(max(1, len(padded) - n + 1)))
            if len(padded) <= n:
                break
    return grams


class _Vocabulary:
    """One vectorizer's vocabulary and idf, from arrays (terms in column order)."""

    def __init__(self, terms: np.ndarray, idf: np.ndarray, low: int, high: int, offset: int):
        self.index = {str(term): i + offset for i, term in enumerate(terms.tolist())}
        self.idf, self.offset = idf.astype(np.float32).astype(np.float64), offset
        self.low, self.high = low, high
        self._word_columns: dict[str, list[int]] = {}

    def columns(self, grams: list[str]) -> list[int]:
        index = self.index
        return [column for column in map(index.get, grams) if column is not None]

    def word_columns(self, word: str) -> list[int]:
        """The char_wb columns of one word (remembered: words recur, and their n-grams never change)."""
        found = self._word_columns.get(word)
        if found is None:
            found = self.columns(char_wb_ngrams(word, self.low, self.high))
            if len(self._word_columns) < 200_000:
                self._word_columns[word] = found
        return found

    def tfidf(self, owners: list[int], columns: list[int], n_rows: int) -> tuple[np.ndarray, ...]:
        """Sublinear tf × idf, l2-normalised per row, of a batch's n-gram hits: (rows, columns, values)."""
        if not columns:
            return NO_COLUMNS, NO_COLUMNS, NO_VALUES
        width = len(self.idf) + self.offset
        keys, counts = np.unique(np.asarray(owners, dtype=np.int64) * width + np.asarray(columns), return_counts=True)
        rows, found = np.divmod(keys, width)
        values = (1.0 + np.log(counts)) * self.idf[found - self.offset]
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n_rows))
        return rows, found, values / norms[rows]


class Predictor:
    """The arrays of a compiled model; `probabilities` has `PassageModel.probabilities`' contract."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = arrays
        self.uses_rules = bool(arrays["uses_rules"])
        low, high = arrays["word_ngrams"].tolist()
        self.words = _Vocabulary(arrays["word_terms"], arrays["word_idf"], low, high, 0)
        low, high = arrays["char_ngrams"].tolist()
        self.chars = _Vocabulary(arrays["char_terms"], arrays["char_idf"], low, high, len(arrays["word_terms"]))
        self.rules_offset = len(arrays["word_terms"]) + len(arrays["char_terms"])
        self.binary_codes = [str(code) for code in arrays["binary_codes"].tolist()]
        self.framing_classes = [str(f) for f in arrays["framing_classes"].tolist()]
        self.coef = arrays["coef"]  # (binary codes + framing classes, features)
        self.intercept, self.a, self.b = arrays["intercept"], arrays["a"], arrays["b"]
        self.framing_priors: list[float] | None = arrays["framing_priors"].tolist() or None

    def _features(
        self, lemmas: Sequence[str], texts: Sequence[str], rules: np.ndarray | None
    ) -> tuple[np.ndarray, ...]:
        """The non-zero features of a batch of passages: (rows, columns, values)."""
        words, chars = self.words, self.chars
        word_owners: list[int] = []
        word_columns: list[int] = []
        char_owners: list[int] = []
        char_columns: list[int] = []
        for row, (lemma_text, text) in enumerate(zip(lemmas, texts, strict=True)):
            found = words.columns(word_ngrams(lemma_text, words.low, words.high))
            word_columns.extend(found)
            word_owners.extend([row] * len(found))
            before = len(char_columns)
            for word in SPACES.sub(" ", text.lower()).split():
                char_columns.extend(chars.word_columns(word))
            char_owners.extend([row] * (len(char_columns) - before))
        parts = [words.tfidf(word_owners, word_columns, len(texts)), chars.tfidf(char_owners, char_columns, len(texts))]
        if rules is not None:
            rows, columns = np.nonzero(rules)
            parts.append((rows, columns + self.rules_offset, rules[rows, columns]))
        return tuple(np.concatenate([part[k] for part in parts]) for k in range(3))

    def decisions(self, prepared: Any) -> np.ndarray:
        """Each classifier's decision function per passage: (n, binary codes + framing classes)."""
        rules = prepared.rule_matrix() if self.uses_rules else None
        if self.uses_rules and rules is None:
            raise ValueError("this model was trained with rule features; pass the rules' labels")
        n = len(prepared.texts)
        out = np.zeros((n, self.coef.shape[0]))
        for start in range(0, n, BATCH):
            stop = min(n, start + BATCH)
            rows, columns, values = self._features(
                prepared.lemmas[start:stop],
                prepared.texts[start:stop],
                rules[start:stop] if rules is not None else None,
            )
            weighted = self.coef[:, columns] * values.astype(np.float32)  # the features' dtype in training
            for k in range(self.coef.shape[0]):
                out[start:stop, k] = np.bincount(rows, weights=weighted[k], minlength=stop - start)
        return out + self.intercept

    def probabilities(self, prepared: Any) -> dict[str, np.ndarray]:
        from .model import balanced

        calibrated = 1.0 / (1.0 + np.exp(self.a * self.decisions(prepared) + self.b))
        k = len(self.binary_codes)
        result = {code: calibrated[:, i] for i, code in enumerate(self.binary_codes)}
        if self.framing_classes:
            proba = calibrated[:, k:]
            total = proba.sum(axis=1, keepdims=True)
            proba = np.divide(proba, total, out=np.full_like(proba, 1 / proba.shape[1]), where=total != 0)
            probs = np.zeros((proba.shape[0], len(FRAMINGS)))
            probs[:, [FRAMINGS.index(f) for f in self.framing_classes]] = balanced(proba, self.framing_priors)
            result["framing"] = probs
        return result

    def save(self, path: Path) -> None:
        with path.open("wb") as fh:
            np.savez_compressed(fh, allow_pickle=False, **self.arrays)

    @classmethod
    def load(cls, path: Path) -> Predictor:
        with np.load(path, allow_pickle=False) as data:
            return cls({key: data[key] for key in data.files})


def _linear(calibrated: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients, intercepts and sigmoid parameters of a fitted `CalibratedClassifierCV` (ensemble=False)."""
    (fitted,) = calibrated.calibrated_classifiers_
    if fitted.method != "sigmoid":
        raise ValueError(f"cannot compile a {fitted.method!r} calibration")
    estimator = fitted.estimator
    a = np.array([c.a_ for c in fitted.calibrators], dtype=np.float64)
    b = np.array([c.b_ for c in fitted.calibrators], dtype=np.float64)
    return np.asarray(estimator.coef_, dtype=np.float64), np.asarray(estimator.intercept_, dtype=np.float64), a, b


def _terms(vectorizer: Any) -> np.ndarray:
    terms = [""] * len(vectorizer.vocabulary_)
    for term, column in vectorizer.vocabulary_.items():
        terms[column] = term
    return np.asarray(terms, dtype=str)


def compile_model(model: Any) -> Predictor:
    """Copy the numbers a fitted `PassageModel` applies into a `Predictor`."""
    featurizer = model.featurizer
    for name, expected in EXPECTED.items():
        params = getattr(featurizer, name).get_params()
        wrong = {k: params.get(k) for k, v in expected.items() if params.get(k) != v}
        if wrong or params.get("strip_accents") or params.get("stop_words") or params.get("preprocessor"):
            raise ValueError(f"cannot compile a featurizer with {name} settings {wrong or params}")
    coefs, intercepts, a_list, b_list = [], [], [], []
    codes: Sequence[str] = list(model.binary)
    for code in codes:
        coef, intercept, a, b = _linear(model.binary[code])
        coefs.append(coef[0])
        intercepts.append(intercept[0])
        a_list.append(a[0])
        b_list.append(b[0])
    if model.framing is not None:
        coef, intercept, a, b = _linear(model.framing)
        coefs.extend(coef)
        intercepts.extend(intercept)
        a_list.extend(a)
        b_list.extend(b)
    arrays = {
        "uses_rules": np.asarray(featurizer.use_rules),
        "word_terms": _terms(featurizer.words),
        "word_idf": np.asarray(featurizer.words.idf_, dtype=np.float32),
        "word_ngrams": np.asarray(featurizer.words.ngram_range),
        "char_terms": _terms(featurizer.chars),
        "char_idf": np.asarray(featurizer.chars.idf_, dtype=np.float32),
        "char_ngrams": np.asarray(featurizer.chars.ngram_range),
        "binary_codes": np.asarray(codes, dtype=str),
        "framing_classes": np.asarray(model.framing_classes if model.framing is not None else [], dtype=str),
        "framing_priors": np.asarray(getattr(model, "framing_priors", None) or [], dtype=np.float64),
        "coef": np.vstack(coefs).astype(np.float64) if coefs else np.zeros((0, featurizer.n_features)),
        "intercept": np.asarray(intercepts, dtype=np.float64),
        "a": np.asarray(a_list, dtype=np.float64),
        "b": np.asarray(b_list, dtype=np.float64),
    }
    return Predictor(arrays)


__all__ = ["Predictor", "compile_model"]
