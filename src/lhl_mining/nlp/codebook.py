"""The codebook: codes and their terms as data (codebooks/lhl.yaml), validated and compiled.

A term is one of
- `lemma`: words separated by spaces, matched on lemmas (case-insensitive).
  A single word may be a glob (`eldre*`, `*omsorg`, `*samfunn*`, `?` = one
  character), which is tested against the lemma and the lowercase form, so
  compounds such as «eldrerådet» or «lokalsamfunnet» match.  Multi-word
  phrases follow quanteda: each word is a lemma, the longest match wins.
- `regex`: a Python regular expression over the passage text (for names that
  PDF line breaks split, white-paper references, case-sensitive «LHL»).

Lemma phrases compile to spaCy SpanRuler phrase patterns on NORM (the
lowercase lemma key set by the `lhl_lemmatizer` component) with the term id as
pattern id; globs compile to SpanRuler token patterns (`{"NORM": {"REGEX":
…}}`) for inspection, and run in the `lhl_codebook_extra` component with a
per-word cache, because the Matcher would test every regex on every token.
Every span in ``doc.spans["codebook"]`` carries its code as label and its term
id as `id_`.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import hashlib
import json
import marshal
import re
import warnings

try:  # the regex parser's internals, to inspect a pattern's structure
    import re._constants as _sre
    import re._parser as _sre_parse
except ImportError:  # Python < 3.11
    import sre_constants as _sre  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:  # spaCy is imported where matching needs it: reading a codebook (export, report) does not
    from spacy.language import Language
    from spacy.pipeline import SpanRuler
    from spacy.tokens import Doc, Span

try:  # Python ≥ 3.11
    import re._constants as _c
    import re._parser as _sre_parser
except ImportError:  # pragma: no cover - Python 3.10 and older
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _sre_parser  # type: ignore[no-redef]

from .. import __version__
from ..cachedir import cache_dir, write_atomic
from ..errors import CodebookInvalid
from .labeller import AREAS, PASSAGE_CODES

SPANS_KEY = "codebook"
TEXT_KEY = "lhl_text"
"""`doc.user_data` key where the labeller leaves the text (rebuilding `doc.text` costs a Token per token)."""
RULER_NAME = "lhl_codebook"
EXTRA_NAME = "lhl_codebook_extra"
GLOB_CHARS = frozenset("*?")
MAX_WORD_CHARS = 80
"""Longer tokens (URLs, table debris, text without spaces) are not words: no glob or lemma look-up."""


def default_codebook_path() -> Path:
    """The codebook shipped with the package (codebooks/lhl.yaml)."""
    return Path(str(resources.files("lhl_mining.codebooks").joinpath("lhl.yaml")))


def schema_path() -> Path:
    return Path(str(resources.files("lhl_mining.codebooks").joinpath("codebook.schema.json")))


@dataclass(frozen=True)
class Context:
    """Words (lemma globs), regexes or codes that must (or must not) occur near a hit."""

    words: tuple[str, ...] = ()
    regexes: tuple[re.Pattern, ...] = ()
    codes: tuple[str, ...] = ()
    window: str = "sentence"
    doc_types: tuple[str, ...] = ()
    """Window `document` only: the condition also holds in a document of one of these types."""

    def __bool__(self) -> bool:
        return bool(self.words or self.regexes or self.codes or self.doc_types)


@dataclass(frozen=True)
class Term:
    id: str
    code: str
    kind: str  # "lemma" | "glob" | "regex"
    pattern: str
    lemmas: tuple[str, ...] = ()
    """Lemma terms: every alternative (a lemma, a lemma phrase or a one-word glob); the term hits on any."""
    weight: float = 1.0
    also: tuple[tuple[str, float], ...] = ()
    solution: str | None = None
    context: Context = Context()
    unless: Context = Context()
    exclude: bool = False
    case_sensitive: bool = False
    pos: frozenset[str] = frozenset()
    note: str = ""
    line: int = 0

    def weights(self) -> dict[str, float]:
        """Weight this term adds to each code it counts for."""
        return {self.code: self.weight, **dict(self.also)}


@dataclass
class Code:
    code: str
    label: str
    description: str = ""
    threshold: float = 0.5
    frame: str | None = None
    solutions: dict[str, str] = field(default_factory=dict)
    terms: list[Term] = field(default_factory=list)


@dataclass
class Codebook:
    """A validated codebook: codes, terms by id, decision settings and a content digest."""

    name: str
    version: str
    path: Path
    codes: dict[str, Code]
    terms: dict[str, Term]
    decision: dict[str, Any]
    digest: str

    @property
    def version_id(self) -> str:
        """What suggestions record as `codebook_version`: name, version and content digest."""
        return f"{self.name}@{self.version}+{self.digest[:8]}"

    def threshold(self, code: str) -> float:
        entry = self.codes.get(code)
        return entry.threshold if entry else float(self.decision.get("threshold", 0.5))

    def ruler_patterns(self) -> list[dict[str, Any]]:
        """SpanRuler patterns: lemma phrases (strings on NORM) and globs (token patterns)."""
        patterns: list[dict[str, Any]] = []
        for term in self.terms.values():
            label = term.code
            for lemma in term.lemmas:
                if GLOB_CHARS & set(lemma):
                    patterns.append(
                        {"label": label, "pattern": [{"NORM": {"REGEX": glob_to_regex(lemma)}}], "id": term.id}
                    )
                else:
                    patterns.append({"label": label, "pattern": lemma, "id": term.id})
        return patterns

    def regex_terms(self) -> list[Term]:
        return [t for t in self.terms.values() if t.kind == "regex"]

    def glob_patterns(self) -> list[tuple[str, str]]:
        """(glob, term id) of every one-word glob alternative."""
        return [(lemma, t.id) for t in self.terms.values() for lemma in t.lemmas if GLOB_CHARS & set(lemma)]


def glob_to_regex(glob: str) -> str:
    return "^" + "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in glob) + "$"


# ---------------------------------------------------------------- loading and validation
class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping (for error messages)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _line_of(document: Any, path: Iterable[Any]) -> int:
    """Line of the deepest mapping on `path` inside the line-annotated document."""
    line = 1
    node = document
    for key in path:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "__line__" in node:
            line = node["__line__"]
    return line


MAX_YAML_NODES = 100_000  # values after aliases are expanded; lhl.yaml has about 3 000
MAX_YAML_DEPTH = 40  # lhl.yaml nests 6 deep; thousands of levels would exhaust the stack


def _refuse_yaml_bombs(text: str, path: Path) -> None:
    """Size and nesting from the parser's events, before anything is built: a few aliases of aliases
    ("billion laughs") expand to billions of values, and deep nesting exhausts the stack."""
    sizes: dict[str, int] = {}  # anchor -> values under it, aliases expanded
    stack: list[list[Any]] = [[None, 0]]  # [anchor, values so far] per open collection
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            stack.append([event.anchor, 0])
            if len(stack) > MAX_YAML_DEPTH:
                raise CodebookInvalid(
                    f"{path} line {event.start_mark.line + 1}: nested more than {MAX_YAML_DEPTH} levels deep."
                )
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, size = stack.pop()
            size += 1
            if anchor:
                sizes[anchor] = size
        elif isinstance(event, yaml.AliasEvent):
            size = sizes.get(event.anchor, 1)
        elif isinstance(event, yaml.ScalarEvent):
            size = 1
        else:
            continue
        stack[-1][1] += size
        if stack[-1][1] > MAX_YAML_NODES:
            raise CodebookInvalid(
                f"{path} line {event.start_mark.line + 1}: more than {MAX_YAML_NODES} values "
                "once its aliases (*name) are expanded; write the values out."
            )


def _refuse_catastrophic(pattern: str, where: str) -> None:
    """Refuse a repeat inside a repeat (`(a+)+$`, `(\\w*)*`): it backtracks exponentially on a near-miss."""

    def nested(items: Any, inside: bool) -> bool:
        for op, av in items:
            if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
                _low, high, sub = av
                many = high == _sre.MAXREPEAT or high > 50
                if (many and inside) or nested(sub, inside or many):
                    return True
            elif op is _sre.SUBPATTERN:
                if nested(av[-1], inside):
                    return True
            elif op is _sre.BRANCH:
                if any(nested(branch, inside) for branch in av[1]):
                    return True
            elif op in (_sre.ASSERT, _sre.ASSERT_NOT) and nested(av[1], inside):
                return True
        return False  # atomic groups and possessive repeats never backtrack

    if nested(_sre_parse.parse(pattern), False):
        raise CodebookInvalid(
            f"{where}: regex {pattern!r} repeats a repeat (like (a+)+), which can take "
            "exponential time on a near-miss; write it without the nesting."
        )


@functools.lru_cache(maxsize=1)
def _schema() -> dict:
    return json.loads(schema_path().read_text(encoding="utf-8"))


_COMPILED: dict[tuple[str, bytes], Codebook] = {}
"""Codebooks compiled in this process, by path and content: the labeller and its matcher component share one."""


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read, validate and compile a codebook; `CodebookInvalid` names file, line and problem."""
    path = Path(path) if path is not None else default_codebook_path()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CodebookInvalid(f"Cannot read the codebook {path}: {exc.strerror}.") from None
    key = (str(path), raw)
    if key not in _COMPILED:
        _COMPILED.clear()  # one codebook at a time is the rule; an edited file replaces the old entry
        _COMPILED[key] = _load(path, raw)
    return _COMPILED[key]


def _load(path: Path, raw: bytes) -> Codebook:
    annotated = _checked(path, raw)
    return _compile(_strip_lines(annotated), annotated, path, hashlib.sha256(tagging_part(raw)).hexdigest())


def _checked_cache_path(raw: bytes) -> Path:
    """Cache file of a codebook that passed the YAML and schema checks, named by content, schema and version."""
    key = hashlib.sha256(b"\0".join([raw, schema_path().read_bytes(), __version__.encode()])).hexdigest()[:24]
    return cache_dir() / f"codebook-{key}.marshal"


def _checked(path: Path, raw: bytes) -> dict:
    """The line-annotated codebook document, parsed and schema-checked.

    YAML parsing and the schema check (and importing jsonschema) were a tenth
    of `lhl classify`'s start-up, for a file that rarely changes: a codebook
    that passed them is kept in the user cache, keyed by its bytes, the schema
    and the lhl version; an unreadable cache file is just checked again.
    """
    cached = _checked_cache_path(raw)
    try:
        annotated = marshal.loads(cached.read_bytes())
        if isinstance(annotated, dict):
            return annotated
    except (OSError, EOFError, ValueError, TypeError):
        pass
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CodebookInvalid(f"{path}: not UTF-8 text (byte {exc.start}).") from None
    try:
        _refuse_yaml_bombs(text, path)
        annotated = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and context_mark:
            problem += f"; {context} on line {context_mark.line + 1}"
        raise CodebookInvalid(f"{path}{where}: not valid YAML ({problem}).") from None
    document = _strip_lines(annotated)
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        problems = [
            f"line {_line_of(annotated, e.absolute_path)}: {'/'.join(str(p) for p in e.absolute_path) or '(top)'}: "
            f"{e.message}"
            for e in errors[:3]
        ]
        more = f"; and {len(errors) - 3} more problem(s)" if len(errors) > 3 else ""
        raise CodebookInvalid(f"{path} " + "; ".join(problems) + more + ".")
    # an unwritable cache, or YAML values marshal cannot keep: checked each time
    with contextlib.suppress(OSError, ValueError):
        write_atomic(cached, marshal.dumps(annotated))
    return annotated


_SCRAPE_SECTION = re.compile(
    rb"(?:^[ \t]*(?:#[^\n]*)?\n)*^prefilter:[^\n]*\n(?:(?:[ \t]*\n)*[ \t]+\S[^\n]*(?:\n|\Z))*", re.MULTILINE
)
"""The `prefilter:` key, its indented body and the comment lines just above it."""


def tagging_part(raw: bytes) -> bytes:
    """The codebook bytes tagging depends on: all but the `prefilter:` section (scraping vocabulary) and the
    comments just above it, so editing what the scraper fetches does not make tags or models stale."""
    return _SCRAPE_SECTION.sub(b"", raw, count=1)


def _context(spec: dict | None, path: Path, line: int) -> Context:
    if not spec:
        return Context()
    regexes = []
    for pattern in spec.get("regex", []):
        try:
            regexes.append(re.compile(pattern, re.IGNORECASE))
        except re.error as exc:
            raise CodebookInvalid(f"{path} line {line}: bad context regex {pattern!r}: {exc}.") from None
        _refuse_catastrophic(pattern, f"{path} line {line}: context regex")
    if spec.get("doc_types") and spec.get("window") != "document":
        raise CodebookInvalid(f"{path} line {line}: doc_types needs window: document.")
    return Context(
        words=tuple(w.lower() for w in spec.get("words", [])),
        regexes=tuple(regexes),
        codes=tuple(spec.get("codes", [])),
        window=spec.get("window", "sentence"),
        doc_types=tuple(spec.get("doc_types", [])),
    )


def _compile(document: dict, annotated: dict, path: Path, digest: str) -> Codebook:
    codes: dict[str, Code] = {}
    terms: dict[str, Term] = {}
    for ci, entry in enumerate(document["codes"]):
        code_name = entry["code"]
        code_line = _line_of(annotated, ["codes", ci])
        if code_name in codes:
            raise CodebookInvalid(f"{path} line {code_line}: code {code_name!r} is defined twice.")
        code = Code(
            code=code_name,
            label=entry["label"],
            description=entry.get("description", ""),
            threshold=entry.get("threshold", document.get("decision", {}).get("threshold", 0.5)),
            frame=entry.get("frame"),
            solutions=dict(entry.get("solutions", {})),
        )
        for section in ("terms", "exclude"):
            for ti, spec in enumerate(entry.get(section, [])):
                line = _line_of(annotated, ["codes", ci, section, ti])
                term = _term(spec, code, section == "exclude", path, line)
                if term.id in terms:
                    raise CodebookInvalid(
                        f"{path} line {line}: term id {term.id!r} is already used on line {terms[term.id].line}."
                    )
                for other in [c for c, _ in term.also] + list(term.context.codes) + list(term.unless.codes):
                    if other not in PASSAGE_CODES:
                        raise CodebookInvalid(f"{path} line {line}: term {term.id!r} names unknown code {other!r}.")
                if term.solution and term.solution not in code.solutions:
                    raise CodebookInvalid(
                        f"{path} line {line}: term {term.id!r} names solution {term.solution!r}, "
                        f"which code {code_name!r} does not list under `solutions`."
                    )
                terms[term.id] = term
                code.terms.append(term)
        codes[code_name] = code
    missing = [c for c in PASSAGE_CODES if c not in codes]
    if missing:
        raise CodebookInvalid(f"{path}: the codebook lacks the code(s) {', '.join(missing)}.")
    for area in AREAS:
        if codes[f"area.{area}"].frame is None:
            raise CodebookInvalid(f"{path}: code area.{area} needs a `frame` (samfunn or sektor).")
    return Codebook(
        name=document["name"],
        version=str(document["version"]),
        path=path,
        codes=codes,
        terms=terms,
        decision=dict(document.get("decision", {})),
        digest=digest,
    )


def _lemma_alternative(pattern: str, term_id: str, path: Path, line: int) -> str:
    """One lemma, lemma phrase or one-word glob of a `lemma:` term, checked and lowercased."""
    words = pattern.split(" ")
    has_glob = any(GLOB_CHARS & set(w) for w in words)
    if has_glob and len(words) > 1:
        raise CodebookInvalid(
            f"{path} line {line}: term {term_id!r}: globs (* ?) are allowed in one-word terms only; "
            "write the phrase with plain lemmas."
        )
    if has_glob and not pattern.strip("*?"):
        raise CodebookInvalid(f"{path} line {line}: term {term_id!r}: a glob needs at least one letter.")
    return pattern.lower()


def _term(spec: dict, code: Code, exclude: bool, path: Path, line: int) -> Term:
    if "regex" in spec:
        kind, pattern = "regex", spec["regex"]
        flags = 0 if spec.get("case_sensitive") else re.IGNORECASE
        try:
            re.compile(pattern, flags)
        except re.error as exc:
            raise CodebookInvalid(f"{path} line {line}: term {spec['id']!r}: bad regex: {exc}.") from None
        _refuse_catastrophic(pattern, f"{path} line {line}: term {spec['id']!r}")
        lemmas: tuple[str, ...] = ()
    else:
        given = spec["lemma"] if isinstance(spec["lemma"], list) else [spec["lemma"]]
        lemmas = tuple(_lemma_alternative(" ".join(value.split()), spec["id"], path, line) for value in given)
        kind = "glob" if all(GLOB_CHARS & set(lemma) for lemma in lemmas) else "lemma"
        pattern = " | ".join(lemmas)
    return Term(
        id=spec["id"],
        code=code.code,
        kind=kind,
        pattern=pattern,
        lemmas=lemmas,
        weight=float(spec.get("weight", 1.0)),
        also=tuple((c, float(w)) for c, w in spec.get("also", {}).items()),
        solution=spec.get("solution"),
        context=_context(spec.get("context"), path, line),
        unless=_context(spec.get("unless"), path, line),
        exclude=exclude,
        case_sensitive=bool(spec.get("case_sensitive", False)),
        pos=frozenset(spec.get("pos", [])),
        note=spec.get("note", ""),
        line=line,
    )


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


def attach_codebook(nlp: Language, codebook: Codebook) -> Language:
    """Add the SpanRuler (lemma phrases) and the glob/regex matcher for `codebook` to `nlp`."""
    from spacy.language import Language

    if not Language.has_factory(EXTRA_NAME):
        Language.factory(EXTRA_NAME, default_config={"path": ""}, func=make_codebook_extra)
    for name in (RULER_NAME, EXTRA_NAME):
        if name in nlp.pipe_names:
            nlp.remove_pipe(name)
    phrases = [p for p in codebook.ruler_patterns() if isinstance(p["pattern"], str)]
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
