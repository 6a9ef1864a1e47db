"""The search language, turned into an FTS5 MATCH expression and into hit spans for keyword-in-context.

    eldre                 the word in any inflection (lemma): eldre, eldres
    =eldres               exactly this form
    eldre*                words (or lemmas) starting with eldre: eldres, eldreråd
    "mat til eldre"       a phrase, each word in any inflection («» quotes too)
    a AND b, a b          both;  a OR b: either;  a NOT b: a without b;  ( ) groups
    NEAR(a b, 10)         the words within 10 words of each other (default 10)

AND, OR, NOT and NEAR are operators only in capitals; in lowercase they are words.
A word is matched on its lemma (the lemma column holds every word's lemma, so it
finds every form of that lemma), and also as written on the lemma column, for
dictionary forms the lemmatizer takes further (røyst → røyse); `=` and `*` use
the surface column too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import QuerySyntaxError
from .text import WORD, Word, lemma_of

DEFAULT_NEAR = 10
_TOKEN = re.compile(r'\s*(?:(?P<op>\(|\)|,)|(?P<quote>"[^"]*"|«[^»]*»)|(?P<word>[^\s()",«»]+))')


@dataclass(frozen=True)
class Term:
    """One word of a query: `kind` is "word" (any inflection), "exact" or "prefix"."""

    word: str
    kind: str = "word"

    @property
    def lemma(self) -> str:
        return lemma_of(self.word) if self.kind == "word" else self.word

    def matches(self, w: Word) -> bool:
        if self.kind == "exact":
            return w.lower == self.word
        if self.kind == "prefix":
            return w.lower.startswith(self.word) or w.lemma.startswith(self.word)
        return w.lemma == self.lemma or w.lower == self.word or w.lemma == self.word


@dataclass(frozen=True)
class Phrase:
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Near:
    items: tuple[Phrase, ...]
    distance: int


@dataclass(frozen=True)
class Op:
    op: str  # AND | OR | NOT
    left: Node
    right: Node


Node = Phrase | Near | Op


def _terms(text: str) -> tuple[Term, ...]:
    """The words of a bare word or a quoted phrase; a hyphenated word is a phrase of its parts, like in FTS5."""
    exact = text.startswith("=")
    prefix = text.endswith("*")
    words = WORD.findall(text.lower())
    if not words:
        return ()
    terms = [Term(w, "exact" if exact else "word") for w in words]
    if prefix:
        terms[-1] = Term(words[-1], "prefix")
    return tuple(terms)


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                if text[pos:].strip() == "":
                    break
                raise QuerySyntaxError(f"Cannot read the query at «{text[pos : pos + 20]}»: close every quote.")
            pos = m.end()
            if m.group("op"):
                self.tokens.append(("op", m.group("op")))
            elif m.group("quote"):
                self.tokens.append(("phrase", m.group("quote")[1:-1]))
            elif m.group("word"):
                word = m.group("word")
                if word in ("AND", "OR", "NOT"):
                    self.tokens.append(("op", word))
                elif word.startswith("NEAR(") or word == "NEAR":
                    self.tokens.append(("op", "NEAR"))
                    if word.startswith("NEAR("):
                        self.tokens.append(("op", "("))
                        if word[5:]:
                            self.tokens.append(("word", word[5:]))
                else:
                    self.tokens.append(("word", word))
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def fail(self, what: str) -> QuerySyntaxError:
        return QuerySyntaxError(f"Query «{self.text}»: {what}. See `lhl search --help` for the syntax.")

    def parse(self) -> Node:
        if not self.tokens:
            raise self.fail("it is empty")
        node = self.or_expr()
        if (extra := self.peek()) is not None:
            raise self.fail(f"unexpected «{extra[1]}»")
        return node

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.peek() == ("op", "OR"):
            self.take()
            node = Op("OR", node, self.and_expr())
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while True:
            token = self.peek()
            if token == ("op", "AND"):
                self.take()
            elif token is None or token in (("op", "OR"), ("op", ")")):
                return node
            node = Op("AND", node, self.not_expr())

    def not_expr(self) -> Node:
        node = self.unary()
        while self.peek() == ("op", "NOT"):
            self.take()
            node = Op("NOT", node, self.unary())
        return node

    def unary(self) -> Node:
        token = self.peek()
        if token is None:
            raise self.fail("it ends where a word was expected")
        kind, value = self.take()
        if kind == "op" and value == "(":
            node = self.or_expr()
            if self.peek() != ("op", ")"):
                raise self.fail("a bracket is not closed")
            self.take()
            return node
        if kind == "op" and value == "NEAR":
            return self.near()
        if kind == "op":
            raise self.fail(
                f"«{value}» needs a word before it" if value in ("AND", "OR", "NOT") else f"unexpected «{value}»"
            )
        terms = _terms(value)
        if not terms:
            raise self.fail(f"«{value}» has no letters or digits")
        return Phrase(terms)

    def near(self) -> Near:
        if self.peek() != ("op", "("):
            raise self.fail("NEAR needs brackets: NEAR(word word, 10)")
        self.take()
        items: list[Phrase] = []
        distance = DEFAULT_NEAR
        while True:
            token = self.peek()
            if token is None:
                raise self.fail("NEAR( is not closed")
            kind, value = self.take()
            if (kind, value) == ("op", ")"):
                break
            if (kind, value) == ("op", ","):
                number = self.take() if self.peek() else ("", "")
                if not number[1].isdigit() or self.peek() != ("op", ")"):
                    raise self.fail("NEAR(…, N) needs a whole number of words before the closing bracket")
                distance = int(number[1])
                continue
            if kind not in ("word", "phrase"):
                raise self.fail(f"«{value}» cannot stand inside NEAR()")
            terms = _terms(value)
            if terms:
                items.append(Phrase(terms))
        if len(items) < 2:
            raise self.fail("NEAR() needs at least two words")
        return Near(tuple(items), distance)


def parse(text: str) -> Node:
    """Parse a query; a mistake raises `QuerySyntaxError` (E700) naming it."""
    return _Parser(text.strip()).parse()


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _phrase_fts(phrase: Phrase, column: str, as_typed: bool = False) -> str:
    """The phrase in one column: lemmas (or, `as_typed`, the words as written) or surface forms."""
    parts = []
    for term in phrase.terms:
        word = term.lemma if column == "lemmas" and not as_typed else term.word
        parts.append(_quote(word) + ("*" if term.kind == "prefix" else ""))
    return " + ".join(parts)


def _leaf_fts(phrase: Phrase) -> str:
    kinds = {t.kind for t in phrase.terms}
    if kinds == {"word"}:
        lemmas = f"lemmas : ({_phrase_fts(phrase, 'lemmas')})"
        if all(t.lemma == t.word for t in phrase.terms):
            return lemmas
        # a word typed in its dictionary form may lemmatize further (røyst → røyse): match it as a lemma too
        return f"({lemmas} OR lemmas : ({_phrase_fts(phrase, 'lemmas', as_typed=True)}))"
    if "exact" in kinds and "prefix" not in kinds and kinds != {"exact"}:
        kinds = {"exact"}
    if kinds == {"exact"} or "exact" in kinds:
        return f"text : ({_phrase_fts(phrase, 'text')})"
    # prefix: the surface forms and the lemmas (eldre* finds «eldres» and lemma «eldreråd»)
    return f"(text : ({_phrase_fts(phrase, 'text')}) OR lemmas : ({_phrase_fts(phrase, 'lemmas')}))"


def to_fts(node: Node) -> str:
    """The FTS5 MATCH expression for a parsed query."""
    if isinstance(node, Phrase):
        return _leaf_fts(node)
    if isinstance(node, Near):
        column = "lemmas" if all(t.kind != "exact" for p in node.items for t in p.terms) else "text"
        near = f"{column} : NEAR({' '.join(_phrase_fts(p, column) for p in node.items)}, {node.distance})"
        typed = (
            f"{column} : NEAR({' '.join(_phrase_fts(p, column, as_typed=True) for p in node.items)}, {node.distance})"
        )
        return near if typed == near else f"({near} OR {typed})"
    return f"({to_fts(node.left)} {node.op} {to_fts(node.right)})"


def positive_phrases(node: Node) -> list[Phrase]:
    """The phrases whose hits are shown (everything except what follows a NOT)."""
    if isinstance(node, Phrase):
        return [node]
    if isinstance(node, Near):
        return list(node.items)
    return positive_phrases(node.left) + ([] if node.op == "NOT" else positive_phrases(node.right))


def hit_spans(words: list[Word], phrases: list[Phrase]) -> list[tuple[int, int]]:
    """(first word, last word + 1) of every occurrence of the phrases, in text order, without overlaps."""
    spans = set()
    for phrase in phrases:
        n = len(phrase.terms)
        for i in range(len(words) - n + 1):
            if all(term.matches(words[i + k]) for k, term in enumerate(phrase.terms)):
                spans.add((i, i + n))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
