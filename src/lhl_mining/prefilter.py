"""The scrape pre-filter: which agenda titles, boards and plans `lhl scrape` fetches, and what it asks search portals.

Before a document is downloaded only its title (and the board that treated it)
is known, so the decision rests on a few words.  The vocabulary is data, in the
codebook's `prefilter:` section, so a codebook edit reaches the scraper and a
researcher can audit every decision (`lhl prefilter` prints the entry that
decided).  Words are matched the way the tagger matches lemma terms: on the
lowercase form, the lemma and, for an unknown compound, its first part joined
to the lemma of its known last part; globs go through the tagger's `GlobIndex`.
The filter leans to recall (docs/scraping.md has the measured recall/precision).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .codebook import GLOB_CHARS, default_codebook_path, load_codebook
from .errors import CodebookInvalid
from .nlp.codebook import GlobIndex, glob_to_regex
from .nlp.pipeline import is_known_word, lemma_key

WORD = re.compile(r"\w+(?:[-‐–]\w+)*-?")
"""A title word: letters/digits with inner hyphens («tt-kort», «e-helse»), or a first conjunct («helse-»)."""
MIN_COMPOUND_PART = 3


@functools.lru_cache(maxsize=200_000)
def word_keys(word: str) -> tuple[str, ...]:
    """Every key a title word is matched on: form, lemma, compound with lemmatised head, hyphen parts."""
    base = word.lower().rstrip("-‐–")
    keys = [base, lemma_key(base), _compound_key(base)]
    parts = re.split(r"[-‐–]", base)
    if len(parts) > 1:
        for part in parts:
            if part:
                keys.extend((part, lemma_key(part), _compound_key(part)))
    return tuple(dict.fromkeys(k for k in keys if k))


def _compound_key(word: str) -> str:
    """«heimetenesta» → «heimeteneste»: the longest known last part is lemmatised, the first part kept."""
    if not word.isalpha() or is_known_word(word):
        return lemma_key(word)
    for start in range(MIN_COMPOUND_PART, len(word) - MIN_COMPOUND_PART + 1):
        head = word[start:]
        if is_known_word(head):
            return word[:start] + lemma_key(head)
    return word


class _Pattern:
    """One entry of a group: a single word (lemma or glob) or several words in a row."""

    def __init__(self, text: str):
        self.text = text
        self.words = [w.lower() for w in text.split()]
        self.tests = [self._word_test(w) for w in self.words]

    @staticmethod
    def _word_test(word: str):
        if GLOB_CHARS & set(word):
            regex = re.compile(glob_to_regex(word))
            return lambda keys: any(regex.match(k) for k in keys)
        wanted = {word.rstrip("-"), lemma_key(word.rstrip("-"))}
        return lambda keys: bool(wanted.intersection(keys))

    def find(self, tokens: list[tuple[str, tuple[str, ...]]]) -> str | None:
        """The title words that match (joined), or None."""
        n = len(self.tests)
        for i in range(len(tokens) - n + 1):
            if all(test(tokens[i + j][1]) for j, test in enumerate(self.tests)):
                return " ".join(word for word, _ in tokens[i : i + n])
        return None


@dataclass
class _Group:
    kind: str
    id: str
    single: GlobIndex
    phrases: list[_Pattern]
    unless_single: GlobIndex
    unless_phrases: list[_Pattern]

    @classmethod
    def build(cls, kind: str, spec: dict[str, Any]) -> _Group:
        def split(entries: list[str]) -> tuple[GlobIndex, list[_Pattern]]:
            single, phrases = [], []
            for entry in entries:
                if len(entry.split()) > 1:
                    phrases.append(_Pattern(entry))
                elif GLOB_CHARS & set(entry):
                    single.append((entry.lower(), entry))
                else:  # a plain word is a lemma: its form and its lemma both match
                    word = entry.lower().rstrip("-")
                    single.extend((key, entry) for key in dict.fromkeys((word, lemma_key(word))))
            return GlobIndex(single), phrases

        single, phrases = split(spec["words"])
        unless_single, unless_phrases = split(spec.get("unless", []))
        return cls(kind, spec["id"], single, phrases, unless_single, unless_phrases)

    @staticmethod
    def _hits(index: GlobIndex, phrases: list[_Pattern], tokens) -> list[tuple[str, str]]:
        hits = []
        for word, keys in tokens:
            for key in keys:
                for pattern in index.find(key):
                    hits.append((pattern, word))
        for phrase in phrases:
            found = phrase.find(tokens)
            if found:
                hits.append((phrase.text, found))
        return list(dict.fromkeys(hits))

    def decide(self, tokens) -> tuple[list[str], list[str]]:
        """(reasons this group makes the text relevant, reasons it was dropped by `unless`)."""
        hits = self._hits(self.single, self.phrases, tokens)
        if not hits:
            return [], []
        pattern, word = hits[0]
        reason = f"{self.kind}.{self.id}: {pattern} «{word}»"
        vetoes = self._hits(self.unless_single, self.unless_phrases, tokens)
        if vetoes:
            return [], [f"{reason} dropped (unless {vetoes[0][0]} «{vetoes[0][1]}»)"]
        return [reason], []


@dataclass(frozen=True)
class DocumentLabels:
    """The `document_labels:` entries: a portal's name for a document → the label the adapters report."""

    entries: tuple[tuple[tuple[str, ...], str, str], ...]
    """(words, label, label for a document of an agenda item), in the codebook's order."""

    @classmethod
    def build(cls, specs: list[dict[str, Any]]) -> DocumentLabels:
        return cls(tuple((tuple(s["words"]), s["label"], s.get("on_item", s["label"])) for s in specs))

    def label(self, name: str, *, on_item: bool, otherwise: str) -> str:
        """The label of the first entry with a word inside the lowercase `name`; `otherwise` when none has."""
        folded = name.lower()
        for words, label, item_label in self.entries:
            if any(word in folded for word in words):
                return item_label if on_item else label
        return otherwise


@dataclass(frozen=True)
class Verdict:
    text: str
    relevant: bool
    because: list[str] = field(default_factory=list)
    """The entries that decided («titles.eldre: eldre* «eldrerådet»»), or why nothing did."""

    def as_json(self) -> dict[str, Any]:
        return {"title": self.text, "relevant": self.relevant, "because": self.because}


class Prefilter:
    """The codebook's `prefilter:` section, compiled."""

    def __init__(self, section: dict[str, Any], source: str = "codebook"):
        self.source = source
        self.titles = [_Group.build("titles", g) for g in section["titles"]]
        self.plans = [_Group.build("plans", g) for g in section["plans"]]
        self.boards = [_Group.build("boards", g) for g in section["boards"]]
        self.document_labels = DocumentLabels.build(section["document_labels"])
        self.reform_queries: tuple[str, ...] = tuple(section["queries"]["reform"])
        self.queries: tuple[str, ...] = tuple(
            dict.fromkeys([*section["queries"]["reform"], *section["queries"]["titles"]])
        )

    @classmethod
    def load(cls, path: str | Path | None = None) -> Prefilter:
        """Validate the codebook (schema, lines) and compile its `prefilter:` section."""
        path = Path(path) if path is not None else default_codebook_path()
        return cls(_section(path), str(path))

    def title(self, title: str) -> Verdict:
        """Is an agenda item (or search hit) with this title worth downloading?"""
        return self._decide(title, self.titles + self.plans)

    def board(self, name: str) -> Verdict:
        """Are the protocols of this board's meetings worth downloading?"""
        return self._decide(name, self.boards)

    def _decide(self, text: str, groups: list[_Group]) -> Verdict:
        tokens = [(w, word_keys(w)) for w in WORD.findall(text)]
        because, dropped = [], []
        for group in groups:
            reasons, vetoed = group.decide(tokens)
            because.extend(reasons)
            dropped.extend(vetoed)
        if because:
            return Verdict(text, True, because)
        return Verdict(text, False, dropped or ["no pre-filter term"])


def _section(path: Path) -> dict[str, Any]:
    """The codebook's `prefilter:` section, the codebook validated first (schema, lines)."""
    load_codebook(path)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if "prefilter" not in document:
        raise CodebookInvalid(
            f"{path} has no `prefilter:` section; `lhl scrape` and `lhl prefilter` need one "
            "(see codebooks/lhl.yaml and docs/scraping.md)."
        )
    return document["prefilter"]


@functools.lru_cache(maxsize=1)
def default_document_labels() -> DocumentLabels:
    """The installed codebook's `document_labels:`, read once per process (no word lists compiled: parsers need
    only these)."""
    return DocumentLabels.build(_section(default_codebook_path())["document_labels"])


@functools.lru_cache(maxsize=4)
def _cached(path: str) -> Prefilter:
    return Prefilter.load(path)


def default_prefilter() -> Prefilter:
    """The pre-filter of the installed codebook, compiled once per process."""
    return _cached(str(default_codebook_path()))


def read_titles(path: str, stdin) -> list[str]:
    """One title per line (blank lines skipped) from a file or `-` (stdin); an unreadable file is a usage error."""
    from .errors import UsageError

    if path == "-":
        text = stdin.read()
    else:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise UsageError(f"Cannot read {path}: {exc.strerror}.") from None
        except UnicodeDecodeError as exc:
            raise UsageError(f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8.") from None
    return [line.strip() for line in text.splitlines() if line.strip()]
