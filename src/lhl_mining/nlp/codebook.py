"""The codebook compiled for spaCy: SpanRuler patterns and the glob/regex matcher component.

The codebook itself (codes, terms, YAML loading and validation) is
`lhl_mining.codebook`, which imports no spaCy.  Lemma phrases compile to spaCy
SpanRuler phrase patterns on NORM (the lowercase lemma key set by the
`lhl_lemmatizer` component) with the term id as pattern id; globs compile to
SpanRuler token patterns (`{"NORM": {"REGEX": …}}`) for inspection, and run in
the `lhl_codebook_extra` component with a per-word cache, because the Matcher
would test every regex on every token.  Every span in
``doc.spans["codebook"]`` carries its code as label and its term id as `id_`.
"""

from __future__ import annotations

import bisect
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # spaCy is imported where matching needs it
    from spacy.language import Language
    from spacy.pipeline import SpanRuler
    from spacy.tokens import Doc, Span

try:  # Python ≥ 3.11
    import re._constants as _c
    import re._parser as _sre_parser
except ImportError:  # pragma: no cover - Python 3.10 and older
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _sre_parser  # type: ignore[no-redef]

from ..codebook import GLOB_CHARS, Codebook, Term, load_codebook

SPANS_KEY = "codebook"
TEXT_KEY = "lhl_text"
"""`doc.user_data` key where the labeller leaves the text (rebuilding `doc.text` costs a Token per token)."""
RULER_NAME = "lhl_codebook"
EXTRA_NAME = "lhl_codebook_extra"
MAX_WORD_CHARS = 80
"""Longer tokens (URLs, table debris, text without spaces) are not words: no glob or lemma look-up."""


def glob_to_regex(glob: str) -> str:
    return "^" + "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in glob) + "$"


def ruler_patterns(codebook: Codebook) -> list[dict[str, Any]]:
    """SpanRuler patterns: lemma phrases (strings on NORM) and globs (token patterns)."""
    patterns: list[dict[str, Any]] = []
    for term in codebook.terms.values():
        label = term.code
        for lemma in term.lemmas:
            if GLOB_CHARS & set(lemma):
                patterns.append({"label": label, "pattern": [{"NORM": {"REGEX": glob_to_regex(lemma)}}], "id": term.id})
            else:
                patterns.append({"label": label, "pattern": lemma, "id": term.id})
    return patterns


# ---------------------------------------------------------------- matching
class GlobIndex:
    """Finds every glob term matching a word in a few dict look-ups, cached per word.

    `prefix*`, `*suffix` and `*infix*` globs are looked up by the word's
    prefixes, suffixes and substrings; any other glob falls back to a regex.
    """

    def __init__(self, globs: Iterable[tuple[str, str]]):
        self.prefix: dict[str, list[str]] = {}
        self.suffix: dict[str, list[str]] = {}
        self.infix: dict[str, list[str]] = {}
        self.other: list[tuple[re.Pattern, str]] = []
        for glob, ident in globs:
            core = glob.strip("*")
            if GLOB_CHARS & set(core):
                self.other.append((re.compile(glob_to_regex(glob)), ident))
            elif glob.startswith("*") and glob.endswith("*"):
                self.infix.setdefault(core, []).append(ident)
            elif glob.endswith("*"):
                self.prefix.setdefault(core, []).append(ident)
            elif glob.startswith("*"):
                self.suffix.setdefault(core, []).append(ident)
            else:
                self.other.append((re.compile(glob_to_regex(glob)), ident))
        self.prefix_starts = {core[:i] for core in self.prefix for i in range(1, len(core) + 1)}
        self.suffix_ends = {core[-i:] for core in self.suffix for i in range(1, len(core) + 1)}
        self.has_globs = bool(self.prefix or self.suffix or self.infix or self.other)
        self._cache: dict[str, tuple[str, ...]] = {}

    def find(self, word: str) -> tuple[str, ...]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if len(word) > MAX_WORD_CHARS:
            return ()
        found: list[str] = []
        n = len(word)
        affixes: list[tuple[int, int, list[str]]] = []  # (length, prefix 0 / suffix 1, ids)
        for i in range(1, n + 1):  # stops at the first beginning that no prefix glob starts with
            start = word[:i]
            if start not in self.prefix_starts:
                break
            if start in self.prefix:
                affixes.append((i, 0, self.prefix[start]))
        for i in range(1, n + 1):
            end = word[n - i :]
            if end not in self.suffix_ends:
                break
            if end in self.suffix:
                affixes.append((i, 1, self.suffix[end]))
        for _, _, ids in sorted(affixes, key=lambda item: item[:2]):  # by length, prefix before suffix
            found.extend(ids)
        inside = [(len(core), word.find(core), ids) for core, ids in self.infix.items() if core in word]
        for _, _, ids in sorted(inside, key=lambda item: item[:2]):  # in the order of a scan by length, then position
            found.extend(ids)
        for regex, ident in self.other:
            if regex.match(word):
                found.append(ident)
        result = tuple(dict.fromkeys(found))
        if len(self._cache) < 500_000:
            self._cache[word] = result
        return result


def make_codebook_extra(nlp: Language, name: str, path: str) -> CodebookExtraMatcher:
    return CodebookExtraMatcher(load_codebook(path or None))


class CodebookExtraMatcher:
    """Adds glob and regex hits to ``doc.spans["codebook"]`` (after the SpanRuler's lemma phrases).

    Globs are looked up once per distinct word (by hash).  A regex runs only on
    docs whose tokens contain all the word pieces of one of its triggers
    (`regex_triggers`); which pieces a word contains is decided once per word.
    """

    def __init__(self, codebook: Codebook):
        self.codebook = codebook
        self.globs = GlobIndex(codebook.glob_patterns())
        self.term_codes = {t.id: t.code for t in codebook.terms.values()}
        self.regexes: list[tuple[re.Pattern, Term]] = []
        self.always: list[int] = []
        self.pieces: list[str] = []
        piece_ids: dict[str, int] = {}
        self.triggers_by_piece: dict[int, list[tuple[int, frozenset[int]]]] = {}
        for index, term in enumerate(codebook.regex_terms()):
            self.regexes.append((re.compile(term.pattern, 0 if term.case_sensitive else re.IGNORECASE), term))
            triggers = regex_triggers(term.pattern)
            if triggers is None:
                self.always.append(index)
                continue
            for trigger in triggers:
                ids = frozenset(piece_ids.setdefault(piece, len(piece_ids)) for piece in trigger)
                for piece_id in ids:
                    self.triggers_by_piece.setdefault(piece_id, []).append((index, ids))
        self.pieces = list(piece_ids)
        self.pieces_by_trigram: dict[str, list[tuple[str, int]]] = {}
        for piece, piece_id in piece_ids.items():
            self.pieces_by_trigram.setdefault(piece[:3], []).append((piece, piece_id))
        self._by_hash: dict[int, tuple[str, ...]] = {}
        self._pieces_of: dict[int, frozenset[int]] = {}
        self._tokens: dict[tuple[int, int], tuple[frozenset[int], tuple[tuple[int, int], ...]]] = {}

    def _pieces_in(self, strings: Any, lower: int) -> frozenset[int]:
        """Ids of the trigger pieces that occur inside this (lowercase) word."""
        found = self._pieces_of.get(lower)
        if found is None:
            word = strings[lower]
            if len(word) > MAX_WORD_CHARS:
                return frozenset(piece_id for piece_id, piece in enumerate(self.pieces) if piece in word)
            by_trigram = self.pieces_by_trigram
            found = frozenset(
                piece_id
                for i in range(len(word) - 2)
                for piece, piece_id in by_trigram.get(word[i : i + 3], ())
                if word.startswith(piece, i)
            )
            if len(self._pieces_of) < 500_000:
                self._pieces_of[lower] = found
        return found

    def _glob_ids(self, strings: Any, key: int) -> tuple[str, ...]:
        ids = self._by_hash.get(key)
        if ids is None:
            ids = self.globs.find(strings[key])
            if len(self._by_hash) < 500_000:
                self._by_hash[key] = ids
        return ids

    def _token_entry(self, strings: Any, norm: int, lower: int) -> tuple[frozenset[int], tuple[tuple[int, int], ...]]:
        """(trigger pieces in this word, (label hash, term-id hash) of the globs it matches), cached per word."""
        ids = self._glob_ids(strings, norm) if self.globs.has_globs else ()
        if lower != norm and self.globs.has_globs:
            more = self._glob_ids(strings, lower)
            if more:
                ids = tuple(dict.fromkeys(ids + more))
        entry = (self._pieces_in(strings, lower), tuple((strings.add(self.term_codes[i]), strings.add(i)) for i in ids))
        if len(self._tokens) < 500_000:
            self._tokens[(norm, lower)] = entry
        return entry

    def matters(self, strings: Any, norm: int, lower: int) -> bool:
        """Can a token with these keys give a glob hit or trigger a regex?"""
        entry = self._tokens.get((norm, lower)) or self._token_entry(strings, norm, lower)
        return bool(entry[0] or entry[1])

    def add_spans(self, doc: Doc, tokens: Iterable[tuple[int, int, int]], spans: list[Span]) -> list[Span]:
        """Append the glob and regex hits of `doc` to `spans`.

        `tokens` are (position, NORM, LOWER) of the tokens to look at; a caller
        may leave out tokens for which `matters` is False (they add nothing).
        """
        from spacy.tokens import Span

        strings = doc.vocab.strings
        known = self._tokens
        present: set[int] = set()
        for i, norm, lower in tokens:
            entry = known.get((norm, lower)) or self._token_entry(strings, norm, lower)
            if entry[0]:
                present.update(entry[0])
            for label, ident in entry[1]:
                spans.append(Span(doc, i, i + 1, label=label, span_id=ident))
        triggered: set[int] = set(self.always)
        for piece_id in present:
            for index, trigger in self.triggers_by_piece[piece_id]:
                if index not in triggered and trigger <= present:
                    triggered.add(index)
        if not triggered:
            return spans
        text = doc.user_data.get(TEXT_KEY) or doc.text
        bounds: list[list[int]] = []
        for index in sorted(triggered):
            regex, term = self.regexes[index]
            for match in regex.finditer(text):
                if match.end() == match.start():
                    continue
                if not bounds:
                    bounds = doc.to_array(["IDX", "LENGTH"]).T.tolist()
                start, end = _expand_to_tokens(bounds[0], bounds[1], match.start(), match.end())
                spans.append(Span(doc, start, end, label=term.code, span_id=term.id))
        return spans

    def __call__(self, doc: Doc) -> Doc:
        spans = list(doc.spans[SPANS_KEY]) if SPANS_KEY in doc.spans else []
        rows = doc.to_array(["NORM", "LOWER"]).tolist()
        doc.spans[SPANS_KEY] = self.add_spans(doc, ((i, norm, lower) for i, (norm, lower) in enumerate(rows)), spans)
        return doc


def _expand_to_tokens(starts: list[int], lengths: list[int], start_char: int, end_char: int) -> tuple[int, int]:
    """Token range of the characters [start_char, end_char), as `Doc.char_span(..., alignment_mode="expand")`.

    spaCy's tokens (with their trailing whitespace) cover the text without
    gaps, so the token holding a character is found by bisecting the token
    starts; a range that starts on a token's trailing space begins at the next
    token.
    """
    start = bisect.bisect_right(starts, start_char) - 1
    if start_char == starts[start] + lengths[start]:
        start += 1
    end = bisect.bisect_right(starts, end_char - 1)
    return start, end


def regex_triggers(pattern: str, min_length: int = 3) -> list[frozenset[str]] | None:
    """Sets of lowercase word pieces such that every match of `pattern` contains all pieces of one set.

    A piece is a run of at least `min_length` word characters of a literal in
    the pattern, so a token of the text contains it.  None when some match
    needs no such piece (the regex then runs on every doc).  Lets the matcher
    skip a regex with a few substring tests per distinct word.
    """
    try:
        parsed = _sre_parser.parse(pattern)
    except re.error:
        return None
    triggers = _sequence_triggers(list(parsed), min_length)
    if any(not trigger for trigger in triggers):
        return None
    return sorted(set(triggers), key=sorted)


MAX_TRIGGERS = 64
"""A sequence whose trigger sets would multiply beyond this leaves out the factor (still a necessary condition)."""


def _sequence_triggers(items: list, min_length: int) -> list[frozenset[str]]:
    """Trigger sets of a parsed sequence: the pieces of its literals, times those of its groups and branches."""
    required: set[str] = set()
    factors: list[list[frozenset[str]]] = []
    run: list[str] = []

    def flush() -> None:
        required.update(piece for piece in re.findall(r"\w+", "".join(run).lower()) if len(piece) >= min_length)
        run.clear()

    for op, value in items:
        if op is _c.LITERAL:
            run.append(chr(value))
            continue
        flush()
        found: list[frozenset[str]] | None = None
        if op is _c.SUBPATTERN:
            found = _sequence_triggers(list(value[-1]), min_length)
        elif op is _c.BRANCH:
            found = [trigger for branch in value[1] for trigger in _sequence_triggers(list(branch), min_length)]
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and value[0] >= 1:
            found = _sequence_triggers(list(value[2]), min_length)
        if found and all(found):
            factors.append(found)
    flush()
    triggers = [frozenset(required)]
    for factor in factors:
        product = [trigger | other for trigger in triggers for other in factor]
        if len(product) <= MAX_TRIGGERS:
            triggers = product
    return triggers


_WORD = r"[^\W\d_]+"
_PLAIN_ALTERNATIVE = re.compile(rf"(?:\\b)?(?P<words>{_WORD}(?:\\s\+{_WORD})*)(?P<glob>\\w\*|\\w\+)?(?:\\b)?")


def lemma_alternatives(pattern: str) -> list[str] | None:
    """The lemma terms a regex could be written as, or None when it needs a regex.

    A regex whose alternatives are all plain words or phrases («\\bpårørende\\w*»,
    «\\bkoordinerende\\s+enhet») says nothing a `lemma:` term could not: one word
    becomes a glob (`pårørende*`), which matches inflected and compound forms on the
    lemma and the lowercase form; a phrase becomes a lemma phrase, which also
    matches its inflections («koordinerende enheter»).  A glob ending a phrase
    («tilpasning av bolig\\w*») is not a lemma term, so such a regex stays.
    """
    body = pattern
    if body.startswith("(?:") and body.endswith(")") and body.count("(") == 1:
        body = body[3:-1]
    if any(c in body for c in "()[]{}?.^$"):
        return None
    terms = []
    for alternative in body.split("|"):
        match = _PLAIN_ALTERNATIVE.fullmatch(alternative)
        if match is None:
            return None
        words = match["words"].split("\\s+")
        if match["glob"] and len(words) > 1:
            return None
        terms.append(" ".join(words) + ("*" if match["glob"] else ""))
    return terms


def lemma_warnings(codebook: Codebook) -> list[str]:
    """`lhl codebook check` warnings: regex terms a lemma pattern could express (case-sensitive ones excepted)."""
    found = []
    for term in codebook.regex_terms():
        lemmas = None if term.case_sensitive else lemma_alternatives(term.pattern)
        if lemmas:
            found.append(
                f"line {term.line}: {term.id}: the regex could be lemma term(s) "
                + ", ".join(f"«{lemma}»" for lemma in lemmas)
                + " (lemmas also match inflected, nynorsk-lemmatised and compound forms)"
            )
    return found


@dataclass(frozen=True)
class CodebookCheck:
    """What `lhl codebook check` reports: the codebook, its term counts and the warnings."""

    codebook: Codebook
    n_terms: int
    n_exclusions: int
    warnings: list[str]


def check_codebook(path: str | None = None) -> CodebookCheck:
    """Validate a codebook and compile it for the built-in pipeline (`CodebookInvalid` names the line)."""
    from .rules import RuleLabeller

    book = load_codebook(path)
    RuleLabeller(book, model="builtin")
    n_exclusions = sum(t.exclude for t in book.terms.values())
    return CodebookCheck(book, len(book.terms) - n_exclusions, n_exclusions, lemma_warnings(book))


def attach_codebook(nlp: Language, codebook: Codebook) -> Language:
    """Add the SpanRuler (lemma phrases) and the glob/regex matcher for `codebook` to `nlp`."""
    from spacy.language import Language

    if not Language.has_factory(EXTRA_NAME):
        Language.factory(EXTRA_NAME, default_config={"path": ""}, func=make_codebook_extra)
    for name in (RULER_NAME, EXTRA_NAME):
        if name in nlp.pipe_names:
            nlp.remove_pipe(name)
    phrases = [p for p in ruler_patterns(codebook) if isinstance(p["pattern"], str)]
    if phrases:
        ruler: SpanRuler = nlp.add_pipe(  # type: ignore[assignment]  # add_pipe is typed as returning a callable
            "span_ruler",
            name=RULER_NAME,
            config={"spans_key": SPANS_KEY, "phrase_matcher_attr": "NORM", "validate": True, "overwrite": True},
        )
        with warnings.catch_warnings():
            # W012: pattern docs pass through the lemmatizer on purpose (NORM is the lemma key)
            warnings.filterwarnings("ignore", message=r"\[W012\]")
            ruler.add_patterns(phrases)
    nlp.add_pipe(EXTRA_NAME, config={"path": str(codebook.path)})
    return nlp
