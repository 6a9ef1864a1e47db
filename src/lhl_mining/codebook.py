"""The codebook model: codes, terms and their display, read from YAML (codebooks/lhl.yaml) and validated.

Everything that names a code lives in the codebook file; Python reads it here.
This module imports no spaCy: exports, the report, the review screens and the
store use the model (`load_codebook`) and the code sets of the bundled
codebook (`AREAS`, `AREA_TITLES`, `FRAMINGS` …, defined once below).  The
spaCy compilation of the terms (SpanRuler patterns, the glob/regex matcher)
lives in `lhl_mining.nlp.codebook`.

A term is one of
- `lemma`: words separated by spaces, matched on lemmas (case-insensitive).
  A single word may be a glob (`eldre*`, `*omsorg`, `*samfunn*`, `?` = one
  character), which is tested against the lemma and the lowercase form, so
  compounds such as «eldrerådet» or «lokalsamfunnet» match.  Multi-word
  phrases follow quanteda: each word is a lemma, the longest match wins.
- `regex`: a Python regular expression over the passage text (for names that
  PDF line breaks split, white-paper references, case-sensitive «LHL»).

The `display:` section (colours, short names, groupings, review keys) and the
`prefilter:` section (scraping vocabulary) are left out of the tagging digest
(`tagging_part`): editing them leaves tags and trained models current.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import marshal
import re

try:  # the regex parser's internals, to inspect a pattern's structure
    import re._constants as _sre
    import re._parser as _sre_parse
except ImportError:  # Python < 3.11
    import sre_constants as _sre  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from . import __version__
from .cachedir import cache_dir, write_atomic
from .errors import CodebookInvalid

GLOB_CHARS = frozenset("*?")
GREY = "#7F7F7F"
"""The colour of a code or grouping the codebook gives none."""

REFORM_CODES: tuple[str, ...] = ("reform", "reform.successor")
FRAMING_CODES: tuple[str, ...] = ("framing.samfunn", "framing.sektor")
"""The codes the labelling rules decide by name: every codebook defines them (the areas are the codebook's own)."""
FRAMINGS: tuple[str, ...] = (*(code.split(".", 1)[1] for code in FRAMING_CODES), "begge", "ingen")
"""A passage's framing: one of the frames, both («begge») or none («ingen»)."""


def framing_from_flags(samfunn: bool, sektor: bool) -> str:
    """The framing of the two frame decisions (the one rule; `framing_codes` is its inverse)."""
    return "begge" if samfunn and sektor else "samfunn" if samfunn else "sektor" if sektor else "ingen"


def framing_codes(framing: str) -> list[str]:
    """The frame codes a framing asserts: «begge» both, «ingen» none."""
    return [code for code in FRAMING_CODES if framing in (code.split(".", 1)[1], "begge")]


def framing_of_codes(selected: Collection[str]) -> str:
    """The framing that a set of selected codes asserts."""
    return framing_from_flags(FRAMING_CODES[0] in selected, FRAMING_CODES[1] in selected)


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
    colour: str = GREY
    short: str = ""
    """The name report charts use for an area (its label when empty)."""


@dataclass(frozen=True)
class Group:
    """A non-codable parent of dotted codes (`area` above `area.mat`) as exports show it."""

    name: str
    colour: str = GREY
    description: str = ""


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
    groups: dict[str, Group] = field(default_factory=dict)
    framing_keys: dict[str, str] = field(default_factory=dict)
    """Review-screen key of each framing value («s» → «samfunn»)."""

    @property
    def version_id(self) -> str:
        """What suggestions record as `codebook_version`: name, version and content digest."""
        return f"{self.name}@{self.version}+{self.digest[:8]}"

    def threshold(self, code: str) -> float:
        entry = self.codes.get(code)
        return entry.threshold if entry else float(self.decision.get("threshold", 0.5))

    @property
    def areas(self) -> tuple[str, ...]:
        """The innsatsområder (`area.<id>` codes) by id, in codebook order: the order labels list them."""
        return tuple(code[len("area.") :] for code in self.codes if code.startswith("area."))

    @property
    def area_titles(self) -> dict[str, str]:
        """Each area's label («Mat og måltider»), by area id."""
        return {area: self.codes[f"area.{area}"].label for area in self.areas}

    @property
    def area_keys(self) -> dict[str, str]:
        """The review screens' key of each area: its position, «1» for the first."""
        return {str(i + 1): area for i, area in enumerate(self.areas)}

    def regex_terms(self) -> list[Term]:
        return [t for t in self.terms.values() if t.kind == "regex"]

    def glob_patterns(self) -> list[tuple[str, str]]:
        """(glob, term id) of every one-word glob alternative."""
        return [(lemma, t.id) for t in self.terms.values() for lemma in t.lemmas if GLOB_CHARS & set(lemma)]


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


_UNTAGGED_SECTIONS = re.compile(
    rb"(?:^[ \t]*(?:#[^\n]*)?\n)*^(?:prefilter|display):[^\n]*\n(?:(?:[ \t]*\n)*[ \t]+\S[^\n]*(?:\n|\Z))*",
    re.MULTILINE,
)
"""The `prefilter:` and `display:` keys, each with its indented body and the comment lines just above it."""


def tagging_part(raw: bytes) -> bytes:
    """The codebook bytes tagging depends on: all but the `prefilter:` section (scraping vocabulary), the
    `display:` section (how exports and screens show the codes) and the comments just above them, so editing
    what the scraper fetches or a code's colour does not make tags or models stale."""
    return _UNTAGGED_SECTIONS.sub(b"", raw)


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
    defined = {entry["code"] for entry in document["codes"]}
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
                    if other not in defined:
                        raise CodebookInvalid(f"{path} line {line}: term {term.id!r} names unknown code {other!r}.")
                if term.solution and term.solution not in code.solutions:
                    raise CodebookInvalid(
                        f"{path} line {line}: term {term.id!r} names solution {term.solution!r}, "
                        f"which code {code_name!r} does not list under `solutions`."
                    )
                terms[term.id] = term
                code.terms.append(term)
        codes[code_name] = code
    missing = [c for c in REFORM_CODES + FRAMING_CODES if c not in codes]
    if missing:
        raise CodebookInvalid(f"{path}: the codebook lacks the code(s) {', '.join(missing)}.")
    areas = [c for c in codes if c.startswith("area.")]
    if not areas:
        raise CodebookInvalid(f"{path}: the codebook has no innsatsområde (an `area.<id>` code).")
    for area in areas:
        if codes[area].frame is None:
            raise CodebookInvalid(f"{path}: code {area} needs a `frame` (samfunn or sektor).")
    decision = dict(document.get("decision", {}))
    enumeration_area = decision.get("enumeration_area")
    if enumeration_area is not None and enumeration_area not in areas:
        raise CodebookInvalid(
            f"{path} line {_line_of(annotated, ['decision'])}: decision.enumeration_area {enumeration_area!r} "
            "is not an area code of this codebook."
        )
    groups, framing_keys = _display(document.get("display", {}), annotated, codes, path)
    return Codebook(
        name=document["name"],
        version=str(document["version"]),
        path=path,
        codes=codes,
        terms=terms,
        decision=decision,
        digest=digest,
        groups=groups,
        framing_keys=framing_keys,
    )


def _display(display: dict, annotated: dict, codes: dict[str, Code], path: Path) -> tuple[dict[str, Group], dict]:
    """Apply the `display:` section (colours, short names) to `codes`; its groupings and review keys."""
    for code_name, shown in display.get("codes", {}).items():
        if code_name not in codes:
            line = _line_of(annotated, ["display", "codes"])
            raise CodebookInvalid(f"{path} line {line}: display names unknown code {code_name!r}.")
        codes[code_name].colour = shown.get("colour", GREY)
        codes[code_name].short = shown.get("short", "")
    groups = {
        group: Group(shown["name"], shown.get("colour", GREY), shown.get("description", ""))
        for group, shown in display.get("groups", {}).items()
    }
    keys = display.get("framing_keys", {})
    if keys and sorted(keys.values()) != sorted(FRAMINGS):
        line = _line_of(annotated, ["display", "framing_keys"])
        raise CodebookInvalid(f"{path} line {line}: framing_keys needs one key for each of {', '.join(FRAMINGS)}.")
    return groups, dict(keys)


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


def codebook_rows(codebook: Codebook, code: str | None = None) -> list[dict[str, Any]]:
    """One row per term (exclusions included) of every code, or of `code`: what `lhl codebook show` prints."""
    rows = []
    for entry in codebook.codes.values():
        if code is not None and entry.code != code:
            continue
        for term in entry.terms:
            conditions = []
            if term.context:
                conditions.append(
                    "needs "
                    + ", ".join(
                        term.context.words + tuple(r.pattern for r in term.context.regexes) + term.context.codes
                    )[:60]
                )
            if term.unless:
                conditions.append("unless " + ", ".join(term.unless.words)[:60])
            rows.append(
                {
                    "code": entry.code,
                    "label": entry.label,
                    "term": term.id,
                    "kind": "exclude" if term.exclude else term.kind,
                    "pattern": term.pattern,
                    "weight": term.weight,
                    "also": ", ".join(f"{c} {w:g}" for c, w in term.also),
                    "solution": f"{term.solution} {entry.solutions[term.solution]}" if term.solution else "",
                    "conditions": "; ".join(conditions),
                    "line": term.line,
                }
            )
    return rows


# ---------------------------------------------------------------- the code sets, from the bundled codebook
BUNDLED = load_codebook()
"""The codebook shipped with the package; the code sets below are its codes, so a new area is added in the YAML only."""
AREAS: tuple[str, ...] = BUNDLED.areas
"""The innsatsområder, in the order labels list them."""
AREA_CODES: tuple[str, ...] = tuple(f"area.{area}" for area in AREAS)
AREA_TITLES: dict[str, str] = BUNDLED.area_titles
AREA_KEYS: dict[str, str] = BUNDLED.area_keys
FRAMING_KEYS: dict[str, str] = BUNDLED.framing_keys
PASSAGE_CODES: tuple[str, ...] = REFORM_CODES + AREA_CODES + FRAMING_CODES
"""Every code a passage can carry; a label's `scores` has one entry per code."""
