"""Load the Norwegian spaCy pipeline: nb_core_news_* when installed, else a built-in one.

The built-in pipeline needs no model download: `spacy.blank("nb")` with
tokenizer special cases for the abbreviations of Norwegian public documents,
sentence splitting that treats blank lines as hard breaks, and a lemmatizer
built on simplemma with domain overrides (see docs/nlp.md for measurements).
A trained pipeline (nb_core_news_lg/md/sm, or any spaCy pipeline folder) gets
the same tokenizer fixes and lemma overrides on top of its own components, so
the codebook matches the same way on both tiers.  `pipeline_id(nlp)` names the
pipeline for provenance.
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy
import spacy
from spacy.attrs import IS_SPACE, LEMMA, LOWER, NORM, ORTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

if TYPE_CHECKING:
    from spacy.tokenizer import Tokenizer
    from thinc.types import Ints2d

from .. import __version__
from ..errors import PipelineNotFound
from .lexicon import Lexicon

AUTO_MODELS: tuple[str, ...] = ("nb_core_news_lg", "nb_core_news_md", "nb_core_news_sm")
BUILTIN_NAME = "lhl_nb_builtin"
BUILTIN_VERSION = f"{__version__}+simplemma{importlib.metadata.version('simplemma')}"

ABBREVIATIONS: tuple[str, ...] = (
    "Meld.",
    "St.",
    "St.meld.",
    "St.prp.",
    "Ot.prp.",
    "Prop.",
    "Innst.",
    "kap.",
    "Kap.",
    "Prof.",
    "prof.",
    "mrd.",
    "jf.",
    "Jf.",
    "ift.",
    "evt.",
    "Evt.",
    "inkl.",
    "Inkl.",
    "ekskl.",
    "mht.",
    "tlf.",
    "Tlf.",
    "vedr.",
    "Vedr.",
    "ref.",
    "Ref.",
    "iht.",
    "vha.",
    "bl.a.",
    "Bl.a.",
    "m.m.",
    "o.l.",
    "f.o.m.",
    "t.o.m.",
    "pr.",
    "avd.",
    "adm.",
    "forts.",
    "Nr.",
    "stk.",
    "alt.",
    "ev.",
    "mv.",
    "m.v.",
    "sml.",
    "res.",
)
"""Abbreviations that spaCy's nb tokenizer splits off their final period (which then reads as a sentence end)."""

LEMMA_OVERRIDES: dict[str, str] = {
    # simplemma errors on frequent function words (nlp.md §5.1)
    "det": "det",
    "alle": "all",
    "går": "gå",
    # domain words: «eldre» is a noun here, not the comparative of «gammel»
    "eldre": "eldre",
    "eldres": "eldre",
    "eldrerådet": "eldreråd",
    "eldrerådets": "eldreråd",
    "eldreråda": "eldreråd",
    "pårørende": "pårørende",
    "pårørendes": "pårørende",
    "pårørande": "pårørande",
    "ansatte": "ansatt",
    "tilsette": "tilsett",
    "omsorgstrappa": "omsorgstrapp",
    "omsorgstrappen": "omsorgstrapp",
    "livet": "liv",
    "heile": "heil",
    "hele": "hel",
}
"""Forms whose lemma is fixed, on both pipeline tiers."""

MAX_LEMMA_CHARS = 80
"""Longer tokens (URLs, debris, text without spaces) keep their lowercase form as lemma."""

SENTENCE_END = frozenset({".", "!", "?", "…"})
CLOSING = frozenset({"»", '"', "”", "’", "'", ")", "]"})
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v\u00a0]*\n")


@functools.cache
def shared_lexicon() -> Lexicon:
    """simplemma on its dictionaries' disk cache, opened at first use (see lexicon.py)."""
    return Lexicon()


def _simplemma_lemma(lower: str) -> str:
    if lower in LEMMA_OVERRIDES:
        return LEMMA_OVERRIDES[lower]
    if len(lower) > MAX_LEMMA_CHARS or not any(ch.isalpha() for ch in lower):
        return lower
    lexicon = shared_lexicon()
    if lexicon.is_known(lower, "nb"):
        return lexicon.lemmatize(lower, "nb")
    if lexicon.is_known(lower, "nn"):
        return lexicon.lemmatize(lower, "nn")
    return _unknown_form_lemma(lower)


NYNORSK_ENDINGS: tuple[tuple[str, str], ...] = (("heita", "heit"), ("inga", "ing"), ("ane", ""))
"""Regular nynorsk definite/plural endings («meistringa», «frivilligheita», «seniorane»)."""


def _unknown_form_lemma(lower: str) -> str:
    """The lemma of a word neither word list knows (mostly compounds).

    Nynorsk definite and plural forms of compounds are missing from both lists,
    and simplemma's guess for them is often wrong («kvardagsmeistringa» →
    «kvardagsmeistringe»); their regular endings are stripped instead.
    """
    for ending, replacement in NYNORSK_ENDINGS:
        if lower.endswith(ending) and len(lower) - len(ending) >= 4:
            return lower[: len(lower) - len(ending)] + replacement
    return shared_lexicon().lemmatize(lower, "nb")


def lemma_key(word: str) -> str:
    """The matching key (lowercase lemma) the built-in pipeline gives `word`, for matchers outside spaCy."""
    return _simplemma_lemma(word.lower())


def is_known_word(word: str) -> bool:
    """Whether simplemma knows `word` (Bokmål or Nynorsk), e.g. as the last part of a compound."""
    return shared_lexicon().is_known(word, "nb") or shared_lexicon().is_known(word, "nn")


@Language.factory("lhl_sentences", default_config={"punctuation": True})
def make_sentence_splitter(nlp: Language, name: str, punctuation: bool) -> SentenceSplitter:
    return SentenceSplitter(punctuation=punctuation)


class SentenceSplitter:
    """Blank lines are hard sentence breaks; with `punctuation`, also split after . ! ? …

    Without `punctuation` (in front of a trained parser) it only marks the hard
    breaks and leaves the other boundaries to the parser.
    """

    def __init__(self, punctuation: bool = True):
        self.punctuation = punctuation
        self._kinds: dict[int, tuple[bool, bool, bool, bool, bool]] = {}

    def _kind(self, strings: Any, orth: int) -> tuple[bool, bool, bool, bool, bool]:
        """(blank line, sentence end, closing quote/bracket, ordinal-like «2018.», starts uppercase) of a form."""
        text = strings[orth]
        kind = (
            bool(_BLANK_LINE.search(text)),
            text in SENTENCE_END,
            text in CLOSING,
            text[-1:] == "." and text[:-1].isdigit(),
            text[:1].isupper(),
        )
        if len(self._kinds) < 500_000:
            self._kinds[orth] = kind
        return kind

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        strings = doc.vocab.strings
        kinds = self._kinds
        rows = doc.to_array([ORTH, IS_SPACE]).tolist()
        starts = [0] * len(rows)
        after_end = after_number = False
        after_break = True
        not_start = -1 if self.punctuation else 0
        for i, (orth, is_space) in enumerate(rows):
            blank, end, closing, ordinal, upper = kinds.get(orth) or self._kind(strings, orth)
            if is_space:
                if blank:
                    after_break = True
                starts[i] = 1 if i == 0 else not_start
                continue
            if after_break:
                starts[i] = 1
            elif self.punctuation:
                starts[i] = 1 if (after_end and not closing) or (after_number and upper) else -1
            after_break = False
            after_number = ordinal  # «i 2018. Se …» (also «4. mai»)
            if end:
                after_end = True
            elif not closing:
                after_end = False
        doc.from_array(
            [SENT_START], cast("Ints2d", numpy.asarray(starts, dtype="int64").astype("uint64").reshape(-1, 1))
        )
        return doc


@Language.factory("lhl_lemmatizer", default_config={"mode": "simplemma"})
def make_lemmatizer(nlp: Language, name: str, mode: str) -> NorwegianLemmatizer:
    return NorwegianLemmatizer(nlp, mode=mode)


class NorwegianLemmatizer:
    """Sets `lemma_` and a lowercase matching key in `norm_` for every token.

    mode "simplemma" (built-in tier): overrides, then proper-noun rule (a
    capitalised word that does not start a sentence keeps its form), then
    simplemma (Bokmål, falling back to Nynorsk).  mode "overrides" (trained
    tier): keep the model's lemma, apply the overrides.  The `norm_` key is
    always the lowercase lemma of the lowercase form, so codebook terms match
    headings and title case too.
    """

    def __init__(self, nlp: Language, mode: str = "simplemma"):
        if mode not in ("simplemma", "overrides"):
            raise ValueError(f"unknown lemmatizer mode {mode!r}")
        self.mode = mode
        self.strings = nlp.vocab.strings
        self.overrides = {self.strings.add(form): self.strings.add(lemma) for form, lemma in LEMMA_OVERRIDES.items()}
        self._cache: dict[int, tuple[int, int, int]] = {}

    def _entry(self, orth: int) -> tuple[int, int, int]:
        """(lemma hash sentence-initially, lemma hash mid-sentence, matching-key hash) of a form."""
        text = self.strings[orth]
        lower = text.lower()
        key = self.strings.add(_simplemma_lemma(lower))
        mid = orth if text[:1].isupper() and lower not in LEMMA_OVERRIDES else key
        entry = (key, mid, key)
        if len(self._cache) < 500_000:
            self._cache[orth] = entry
        return entry

    def matching_key(self, orth: int) -> int:
        """The `norm_` hash that mode "simplemma" gives every token with this form."""
        return (self._cache.get(orth) or self._entry(orth))[2]

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        cache = self._cache
        if self.mode == "simplemma":
            rows = doc.to_array([ORTH, SENT_START]).tolist()
            values = []
            for i, (orth, sent_start) in enumerate(rows):
                entry = cache.get(orth) or self._entry(orth)
                values.append((entry[1] if i and sent_start != 1 else entry[0], entry[2]))
        else:
            rows = doc.to_array([ORTH, LOWER, LEMMA]).tolist()
            values = []
            for orth, lower, lemma in rows:
                override = self.overrides.get(lower)
                if override is not None:
                    lemma = override
                if lemma:
                    key = self.strings.add(self.strings[lemma].lower())
                else:
                    key = (cache.get(orth) or self._entry(orth))[2]
                values.append((lemma or key, key))
        doc.from_array([LEMMA, NORM], cast("Ints2d", numpy.asarray(values, dtype="uint64").reshape(-1, 2)))
        return doc


def add_abbreviations(nlp: Language) -> None:
    """Keep the final period on Norwegian document abbreviations (Meld. St. 15, kap. 3 …)."""
    tokenizer = cast("Tokenizer", nlp.tokenizer)
    for abbreviation in ABBREVIATIONS:
        tokenizer.add_special_case(abbreviation, [{"ORTH": abbreviation}])


def builtin_pipeline() -> Language:
    """The pipeline that needs no download: tokenizer fixes, sentences, simplemma lemmas."""
    nlp = spacy.blank("nb")
    add_abbreviations(nlp)
    nlp.add_pipe("lhl_sentences", config={"punctuation": True})
    nlp.add_pipe("lhl_lemmatizer", config={"mode": "simplemma"})
    nlp.meta["name"] = BUILTIN_NAME
    nlp.meta["version"] = BUILTIN_VERSION
    nlp.meta["description"] = "spaCy blank nb + abbreviations + blank-line sentences + simplemma lemmatizer"
    return nlp


def adapt_trained(nlp: Language) -> Language:
    """Put the tokenizer fixes, hard sentence breaks and lemma overrides on a trained pipeline."""
    add_abbreviations(nlp)
    has_parser = "parser" in nlp.pipe_names or "senter" in nlp.pipe_names
    first = nlp.pipe_names[0] if nlp.pipe_names else None
    if has_parser:
        # before the parser: hard breaks only, the parser places the other boundaries
        target = "parser" if "parser" in nlp.pipe_names else "senter"
        nlp.add_pipe("lhl_sentences", config={"punctuation": False}, before=target)
    elif first:
        nlp.add_pipe("lhl_sentences", config={"punctuation": True}, before=first)
    else:
        nlp.add_pipe("lhl_sentences", config={"punctuation": True})
    has_lemmas = any(name in nlp.pipe_names for name in ("lemmatizer", "trainable_lemmatizer"))
    nlp.add_pipe("lhl_lemmatizer", config={"mode": "overrides" if has_lemmas else "simplemma"})
    return nlp


def _installed(name: str) -> bool:
    return spacy.util.is_package(name)


@functools.lru_cache(maxsize=4)
def _load_cached(model: str) -> Language:
    return _load(model)


def load_pipeline(model: str = "auto", *, cached: bool = False) -> Language:
    """Load the pipeline named by `model`.

    "auto": nb_core_news_lg, md or sm when installed, else the built-in pipeline.
    "builtin": the built-in pipeline.  A package name or a pipeline folder:
    that pipeline, adapted (`adapt_trained`).  A name that is not installed
    raises `PipelineNotFound` with the install command.
    """
    return _load_cached(model) if cached else _load(model)


def _load(model: str) -> Language:
    if model == "auto":
        for name in AUTO_MODELS:
            if _installed(name):
                return adapt_trained(spacy.load(name))
        return builtin_pipeline()
    if model == "builtin":
        return builtin_pipeline()
    path = Path(model)
    if path.is_dir():
        if not (path / "config.cfg").is_file():
            raise PipelineNotFound(f"{path} is not a spaCy pipeline folder (it has no config.cfg).")
        return adapt_trained(spacy.load(path))
    if _installed(model):
        return adapt_trained(spacy.load(model))
    raise PipelineNotFound(
        f"The spaCy pipeline {model!r} is not installed. Install it with `python -m spacy download {model}` "
        "(needs internet), give a pipeline folder, or use --model auto (built-in pipeline, no download)."
    )


def pipeline_id(nlp: Language) -> str:
    """ "<name>@<version>" of a pipeline, as recorded with every annotation."""
    name = nlp.meta.get("name") or "pipeline"
    lang = nlp.meta.get("lang") or nlp.lang
    if name != BUILTIN_NAME and not name.startswith(f"{lang}_"):
        name = f"{lang}_{name}"
    return f"{name}@{nlp.meta.get('version') or '0.0.0'}"
