"""Words and lemmas for the search index: the same split FTS5's unicode61 tokenizer makes, one lemma per word.

The lemma is the tagger's matching key (`lhl_lemmatizer` of the built-in
pipeline: overrides, then simplemma bokmål falling back to nynorsk), looked up
once per distinct form.  The built-in pipeline is used even when a trained one
is installed, so a query word and a text word of the same form always get the
same lemma, whatever pipeline tagged the passages.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import NamedTuple

WORD = re.compile(r"[^\W_]+")
"""A word as FTS5's unicode61 tokenizer sees it: letters and digits; everything else separates."""

_CACHE_LIMIT = 1_000_000


class Word(NamedTuple):
    start: int
    end: int
    lower: str
    lemma: str


@functools.lru_cache(maxsize=1)
def _lemmatizer():
    from ..nlp import load_pipeline

    nlp = load_pipeline("builtin", cached=True)
    component = nlp.get_pipe("lhl_lemmatizer")
    strings = nlp.vocab.strings
    return component, strings


_lemmas: dict[str, str] = {}


def lemma_of(lower: str) -> str:
    """The lemma of a lowercase word; a lemma FTS5 would split (or an empty one) falls back to the word."""
    found = _lemmas.get(lower)
    if found is not None:
        return found
    component, strings = _lemmatizer()
    lemma = strings[component.matching_key(strings.add(lower))].lower()
    if not lemma or not WORD.fullmatch(lemma):
        lemma = lower
    if len(_lemmas) < _CACHE_LIMIT:
        _lemmas[lower] = lemma
    return lemma


def lemmatizer_version() -> str:
    """Names the lemmatizer in the index, so an index built by another one is noticed."""
    from ..nlp import load_pipeline, pipeline_id

    return pipeline_id(load_pipeline("builtin", cached=True))


def words(text: str) -> Iterator[Word]:
    for match in WORD.finditer(text):
        lower = match.group().lower()
        yield Word(match.start(), match.end(), lower, lemma_of(lower))


def lemma_line(text: str) -> str:
    """The text as lemmas, one per word, so phrases and NEAR work on lemmas too."""
    return " ".join(lemma_of(m.group().lower()) for m in WORD.finditer(text))
