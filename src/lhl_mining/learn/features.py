"""Passage features for the classifier: TF-IDF over lemmas and character n-grams, plus codebook hits.

Lemmas (simplemma, Bokmål then nynorsk, with the pipeline's domain overrides,
so «eldre» stays «eldre» and does not become «gammel») let «tjenestene» and
«tjenester» share weight; character n-grams inside word boundaries catch Norwegian compounds
(«hverdagsrehabiliteringen», «eldrereforma»); the codebook rules' scores and
hit counts give the model what the researchers wrote down as domain knowledge,
so a few hundred coded passages are enough to beat the rules alone.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..codebook import AREAS, FRAMINGS, PASSAGE_CODES
from ..nlp.labeller import PassageLabel
from ..nlp.pipeline import LEMMA_OVERRIDES, shared_lexicon

if TYPE_CHECKING:
    from scipy import sparse

WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
LEMMA_LANGS = ("nb", "nn")
RULE_FEATURE_WEIGHT = 2.0
"""Rule features are 0–1 like TF-IDF weights; a larger scale lets them count under the same regularisation."""


@functools.lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """The lemma of a lowercase word, as the built-in pipeline makes it: domain overrides, Bokmål, then nynorsk."""
    if word in LEMMA_OVERRIDES:
        return LEMMA_OVERRIDES[word]
    lexicon = shared_lexicon()  # simplemma's lemmas from the pipeline's dictionary cache (no 0.9 s decode)
    for lang in LEMMA_LANGS:
        if lexicon.is_known(word, lang):
            return lexicon.lemmatize(word, lang).lower()
    return lexicon.lemmatize(word, LEMMA_LANGS[0]).lower()


def lemma_text(text: str) -> str:
    """The passage as space-separated lowercase lemmas (what the word n-grams are built from)."""
    return " ".join(lemma(w) for w in WORD_RE.findall(text.lower()))


def rule_feature_names() -> list[str]:
    return (
        [f"rule.score.{code}" for code in PASSAGE_CODES]
        + [f"rule.hits.{code}" for code in PASSAGE_CODES]
        + ["rule.decision.reform"]
        + [f"rule.decision.area.{a}" for a in AREAS]
        + [f"rule.decision.framing.{f}" for f in FRAMINGS]
    )


def rule_features(labels: Sequence[PassageLabel]) -> np.ndarray:
    """Per passage: the rules' score per code, log(1 + hits) per code, and their decisions (reform, areas, framing)."""
    rows = []
    for label in labels:
        hits = {code: 0 for code in PASSAGE_CODES}
        for item in label.evidence:
            if item.get("code") in hits:
                hits[item["code"]] += 1
        rows.append(
            [float(label.scores.get(code, 0.0)) for code in PASSAGE_CODES]
            + [float(np.log1p(hits[code])) for code in PASSAGE_CODES]
            + [float(label.reform)]
            + [float(a in label.areas) for a in AREAS]
            + [float(label.framing == f) for f in FRAMINGS]
        )
    return np.asarray(rows, dtype=np.float64).reshape(len(labels), len(rule_feature_names())) * RULE_FEATURE_WEIGHT


class PassageFeaturizer:
    """Turns lemma strings, raw texts and rule labels into one sparse matrix (fit on training data only)."""

    def __init__(self, *, use_rules: bool, word_max_features: int = 20_000, char_max_features: int = 30_000):
        from sklearn.feature_extraction.text import TfidfVectorizer  # training only: labelling uses learn.predictor

        self.use_rules = use_rules
        self.words = TfidfVectorizer(
            analyzer="word",
            token_pattern=r"\S+",
            ngram_range=(1, 2),
            min_df=2,
            sublinear_tf=True,
            max_features=word_max_features,
            dtype=np.float32,
        )
        self.chars = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(3, 5),
            min_df=2,
            sublinear_tf=True,
            max_features=char_max_features,
            dtype=np.float32,
        )

    def fit_transform(self, lemmas: Sequence[str], texts: Sequence[str], rules: np.ndarray | None) -> sparse.csr_matrix:
        word_part = self.words.fit_transform(lemmas)
        char_part = self.chars.fit_transform([t.lower() for t in texts])
        # stop_words_ lists every pruned term: large, and not needed to transform.
        self.words.stop_words_ = None
        self.chars.stop_words_ = None
        return self._stack(word_part, char_part, rules)

    def transform(self, lemmas: Sequence[str], texts: Sequence[str], rules: np.ndarray | None) -> sparse.csr_matrix:
        return self._stack(self.words.transform(lemmas), self.chars.transform([t.lower() for t in texts]), rules)

    def _stack(self, word_part, char_part, rules: np.ndarray | None) -> sparse.csr_matrix:
        from scipy import sparse

        parts = [word_part, char_part]
        if self.use_rules:
            if rules is None:
                raise ValueError("this featurizer was built with rule features; pass the rules' labels")
            parts.append(sparse.csr_matrix(rules, dtype=np.float32))
        return sparse.hstack(parts, format="csr", dtype=np.float32)

    @property
    def n_features(self) -> int:
        extra = len(rule_feature_names()) if self.use_rules else 0
        return len(self.words.vocabulary_) + len(self.chars.vocabulary_) + extra
