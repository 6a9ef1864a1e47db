"""`RuleLabeller`: passage labels from the codebook's terms (the rules tier of `Labeller`).

Each hit in ``doc.spans["codebook"]`` is checked against the codebook's
exclusions and the term's `context`/`unless` conditions; the surviving hits
give each code a score (noisy-or of the distinct terms' weights) and the
decision settings turn scores into `reform`, `areas` and `framing`.  On the
built-in pipeline `_Prefilter` produces the same spans with less work (only
passages that can have a hit are matched; see docs/nlp.md, Speed).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import numpy
from spacy.attrs import LOWER, NORM, ORTH
from spacy.language import Language
from spacy.pipeline import SpanRuler
from spacy.tokens import Doc, Span

from .. import __version__
from ..codebook import AREAS, PASSAGE_CODES, Codebook, Context, Term, framing_from_flags, load_codebook
from ..processes import end_with_parent
from .codebook import EXTRA_NAME, RULER_NAME, SPANS_KEY, TEXT_KEY, CodebookExtraMatcher, GlobIndex, attach_codebook
from .labeller import DocContext, Labeller, PassageLabel
from .pipeline import NorwegianLemmatizer, SentenceSplitter, load_pipeline, pipeline_id

MAX_CHUNK_CHARS = 100_000
"""Longer texts are labelled in chunks cut at blank lines (spaCy's limit is 1M characters per doc)."""

MEMO_MAX_CHARS, MEMO_SIZE = 10_000, 50_000
"""Labels of passages up to this length are remembered (this many): boilerplate recurs on every page of a site."""

MAX_EVIDENCE_PER_TERM = 20
"""Evidence lists the first hits of each term per code; scores use every hit (a 10 MB text stays readable)."""


T = TypeVar("T")


def _hashes(doc: Doc) -> list[int]:
    """NORM, LOWER of each token, flat: the hashes a context condition compares."""
    return cast(list[int], doc.to_array([NORM, LOWER]).ravel().tolist())  # spaCy types the array as floats


_worker_labeller: RuleLabeller | None = None


def _init_worker(inherited: RuleLabeller | None, codebook_path: str, model: str | None, parent_pid: int) -> None:
    """A forked worker takes over the parent's labeller (no start-up, warm caches); a spawned one builds its own.
    Either ends when the command that started it is killed."""
    global _worker_labeller
    end_with_parent(parent_pid)
    # only a labeller on a named pipeline spawns (model set); one on a caller's own pipeline forks (inherited)
    _worker_labeller = inherited if inherited is not None else RuleLabeller(codebook_path, model=model or "auto")


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _label_batch(pairs: list[tuple[str, DocContext | None]]) -> list[PassageLabel]:
    assert _worker_labeller is not None
    texts, contexts = [text for text, _ in pairs], [context for _, context in pairs]
    return list(_worker_labeller.label_stream(texts, batch_size=len(texts) or 1, contexts=contexts))


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True)
class Hit:
    term: Term
    start: int
    end: int
    text: str


class _ContextTest:
    """Does a window of a doc contain any of a context's words, regexes or codes?"""

    def __init__(self, context: Context):
        self.context = context
        exact = [w for w in context.words if "*" not in w and "?" not in w]
        self.exact = frozenset(exact)
        self.globs = GlobIndex((w, w) for w in context.words if w not in self.exact)
        self._decided: set[int] = set()
        self._words_found: set[int] = set()

    def _has_word(self, strings: Any, keys: set[int]) -> bool:
        """Is one of these (NORM or LOWER) hashes a context word?  Decided once per hash."""
        for key in keys - self._decided:
            word = strings[key]
            found = word in self.exact or bool(self.globs.find(word))
            if len(self._decided) < 500_000:
                self._decided.add(key)
                if found:
                    self._words_found.add(key)
            if found:
                return True
        return not self._words_found.isdisjoint(keys)

    def __call__(
        self, doc: Doc, start: int, end: int, span: Span, keys: list[int], codes_at: list[tuple[int, int, set[str]]]
    ) -> bool:
        """Does the token window [start, end) around `span` hold the context?

        `keys` holds each token's NORM and LOWER hashes, one after the other.
        """
        context = self.context
        if context.words and self._has_word(doc.vocab.strings, set(keys[2 * start : 2 * end])):
            return True
        if context.regexes:
            text = ""  # the window's text, as doc[start:end].text
            if start < end:
                text = (doc.user_data.get(TEXT_KEY) or doc.text)[doc[start].idx : doc[end - 1].idx + len(doc[end - 1])]
            if any(regex.search(text) for regex in context.regexes):
                return True
        if context.codes:
            lo, hi = doc[start].idx if start < len(doc) else 0, doc[end - 1].idx + len(doc[end - 1]) if end else 0
            for hit_start, hit_end, codes in codes_at:
                inside = hit_start >= lo and hit_end <= hi
                itself = hit_start == span.start_char and hit_end == span.end_char
                if inside and not itself and codes.intersection(context.codes):
                    return True
        return False


def _combine(hits: list[tuple[int, int, str, float]]) -> float:
    """Score of one code: overlapping hits are one piece of evidence (their best weight), a term counts once,
    and the distinct pieces combine as a noisy-or, 1 − Π(1 − weight)."""
    pieces: list[tuple[str, float]] = []
    cluster_end = -1
    for start, end, term_id, weight in sorted(hits):
        if pieces and start < cluster_end:
            if weight > pieces[-1][1]:
                pieces[-1] = (term_id, weight)
            cluster_end = max(cluster_end, end)
        else:
            pieces.append((term_id, weight))
            cluster_end = end
    per_term: dict[str, float] = {}
    for term_id, weight in pieces:
        per_term[term_id] = max(per_term.get(term_id, 0.0), weight)
    miss = 1.0
    for weight in per_term.values():
        miss *= 1.0 - weight
    return 1.0 - miss


PHRASE_START, GLOB_OR_REGEX = 1, 2
"""Prefilter flags of a word form: it is the first word of a lemma phrase; it matches a glob or triggers a regex."""


class _Prefilter:
    """The built-in pipeline's components run as the labeller needs them, batch by batch.

    Whether a token can take part in a codebook hit depends on its form alone:
    its matching key (the lemmatizer's lowercase lemma) starts a lemma phrase,
    or its key or lowercase form matches a glob or contains a regex trigger piece.
    That is worked out once per distinct form (ORTH) of a batch, so a piece
    without any such token skips the SpanRuler, the glob/regex matcher and the
    checks: none of them could find anything in it.  The lemmas (`lemma_`) and
    sentence boundaries the labeller does not read are not set; sentences are
    split on demand.  The spans are exactly those the full pipeline would put
    in ``doc.spans["codebook"]`` (checked by tests/test_classify_prefilter.py).
    """

    def __init__(
        self,
        nlp: Language,
        splitter: SentenceSplitter,
        lemmatizer: NorwegianLemmatizer,
        ruler: Any,
        extra: CodebookExtraMatcher,
    ):
        self.splitter, self.lemmatizer, self.ruler, self.extra = splitter, lemmatizer, ruler, extra
        self.vocab = nlp.vocab
        self.phrase_starts: frozenset[int] = frozenset()
        if ruler is not None:
            patterns = [p["pattern"] for p in ruler.patterns if isinstance(p["pattern"], str)]
            with nlp.select_pipes(disable=[RULER_NAME, EXTRA_NAME]):
                self.phrase_starts = frozenset(doc[0].norm for doc in nlp.pipe(patterns) if len(doc))
        self.every_piece = bool(extra.always)  # a regex without trigger pieces runs on every non-empty piece
        self._forms: dict[int, tuple[int, int, int]] = {}

    @classmethod
    def for_pipeline(cls, nlp: Language) -> _Prefilter | None:
        """The prefilter for the built-in pipeline's components, or None for any other pipeline."""
        names = [name for name in nlp.pipe_names if name != RULER_NAME]
        if names != ["lhl_sentences", "lhl_lemmatizer", EXTRA_NAME]:
            return None
        splitter = cast(SentenceSplitter, nlp.get_pipe("lhl_sentences"))
        lemmatizer = cast(NorwegianLemmatizer, nlp.get_pipe("lhl_lemmatizer"))
        extra = cast(CodebookExtraMatcher, nlp.get_pipe(EXTRA_NAME))
        if not splitter.punctuation or lemmatizer.mode != "simplemma":
            return None
        ruler = cast(SpanRuler, nlp.get_pipe(RULER_NAME)) if RULER_NAME in nlp.pipe_names else None
        if ruler is not None and (ruler.key != SPANS_KEY or ruler.spans_filter or ruler.annotate_ents):
            return None
        return cls(nlp, splitter, lemmatizer, ruler, extra)

    def _form(self, orth: int) -> tuple[int, int, int]:
        """(NORM, LOWER, flags) of a word form."""
        norm = self.lemmatizer.matching_key(orth)
        lower = self.vocab[orth].lower
        flags = (PHRASE_START if norm in self.phrase_starts else 0) | (
            GLOB_OR_REGEX if self.extra.matters(self.vocab.strings, norm, lower) else 0
        )
        entry = (norm, lower, flags)
        if len(self._forms) < 500_000:
            self._forms[orth] = entry
        return entry

    def spans(self, docs: list[Doc]) -> list[list[Span]]:
        """The codebook spans of each doc; NORM is set on the docs that have any."""
        sizes = [len(doc) for doc in docs]
        if not any(sizes):
            return [[] for _ in docs]
        orths = numpy.concatenate([doc.to_array(ORTH) for doc in docs])
        forms, inverse = numpy.unique(orths, return_inverse=True)
        known = self._forms
        table = numpy.asarray([known.get(orth) or self._form(orth) for orth in forms.tolist()], dtype="uint64")
        norms, flags = table[inverse, 0], table[inverse, 2]
        ends = numpy.cumsum(sizes, dtype=numpy.int64)
        starts = ends - sizes
        filled = numpy.flatnonzero(sizes)
        doc_flags = numpy.zeros(len(docs), dtype="uint64")
        doc_flags[filled] = numpy.bitwise_or.reduceat(flags, starts[filled])
        if self.every_piece:
            doc_flags[filled] |= GLOB_OR_REGEX
        marked = numpy.flatnonzero(flags & GLOB_OR_REGEX)  # tokens that can give a glob hit or trigger a regex
        cuts = [*numpy.searchsorted(marked, starts).tolist(), len(marked)]
        marked_norms, marked_lowers = table[inverse[marked], 0].tolist(), table[inverse[marked], 1].tolist()
        marked = (marked - numpy.repeat(starts, numpy.diff(cuts))).tolist()  # positions within their doc
        result: list[list[Span]] = []
        for index, (doc, doc_flag, start, end) in enumerate(
            zip(docs, doc_flags.tolist(), starts.tolist(), ends.tolist(), strict=True)
        ):
            if not doc_flag:
                result.append([])
                continue
            doc.from_array([NORM], norms[start:end].reshape(-1, 1))
            spans: list[Span] = self.ruler.match(doc) if doc_flag & PHRASE_START else []
            lo, hi = cuts[index], cuts[index + 1]
            tokens = zip(marked[lo:hi], marked_norms[lo:hi], marked_lowers[lo:hi])
            result.append(self.extra.add_spans(doc, tokens, spans))
        return result


class RuleLabeller(Labeller):
    """Labels passages with the codebook rules on a spaCy pipeline (built-in or trained)."""

    name = "rules"
    version = __version__

    def __init__(
        self,
        codebook: Codebook | str | None = None,
        model: str = "auto",
        nlp: Language | None = None,
        *,
        prefilter: bool = True,
    ):
        """`prefilter=False` runs every pipeline component on every passage (same labels, slower)."""
        self.codebook = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
        self.model = None if nlp is not None else model
        self.nlp = nlp if nlp is not None else load_pipeline(model)
        attach_codebook(self.nlp, self.codebook)
        self.nlp.max_length = max(self.nlp.max_length, MAX_CHUNK_CHARS * 2)
        self.codebook_version = self.codebook.version_id
        self.pipeline = pipeline_id(self.nlp)
        self._context_tests: dict[Context, _ContextTest] = {}
        self._prefilter = _Prefilter.for_pipeline(self.nlp) if prefilter else None
        self._context_docs: dict[str, tuple[Doc, list[int]]] = {}
        self._memo: dict[tuple[str, DocContext | None], PassageLabel] = {}
        self._no_hits = self.decide([])

    @property
    def prefiltered(self) -> bool:
        """True when passages without a possible codebook hit skip the matching (built-in pipeline)."""
        return self._prefilter is not None

    # ------------------------------------------------------------------ interface
    def label(self, texts: Sequence[str], contexts: Sequence[DocContext | None] | None = None) -> list[PassageLabel]:
        return list(self.label_stream(texts, contexts=contexts))

    def label_parallel(
        self, texts: Sequence[str], contexts: Sequence[DocContext | None] | None, workers: int
    ) -> list[PassageLabel]:
        return list(self.label_stream(texts, contexts=contexts, n_process=workers))

    def label_stream(
        self,
        texts: Iterable[str],
        batch_size: int = 256,
        contexts: Iterable[DocContext | None] | None = None,
        n_process: int = 1,
    ) -> Iterator[PassageLabel]:
        """Label texts in order, in batches; `n_process` > 1 spreads batches over worker processes.

        `contexts` (parallel to `texts`) gives each passage's heading, title and
        document type, which codebook conditions with ``window: document`` read.
        """
        pairs = zip(texts, contexts) if contexts is not None else ((text, None) for text in texts)
        if n_process > 1 and (_can_fork() or self.model is not None):
            yield from self._label_parallel(pairs, batch_size, n_process)
            return
        memo = self._memo
        for batch in _batches(pairs, batch_size):
            fresh: list[tuple[str, DocContext | None]] = []
            first: dict[tuple[str, DocContext | None], int] = {}  # a repeated passage is labelled once
            slots: list[int | PassageLabel] = []
            for pair in batch:
                key = pair if len(pair[0]) <= MEMO_MAX_CHARS else None
                known = memo.get(key) if key is not None else None
                if known is not None:
                    slots.append(known)
                elif key is not None and key in first:
                    slots.append(first[key])
                else:
                    if key is not None:
                        first[key] = len(fresh)
                    slots.append(len(fresh))
                    fresh.append(pair)
            labels = list(self._label_fresh(fresh, batch_size))
            for key, position in first.items():
                if len(memo) < MEMO_SIZE:
                    memo[key] = labels[position]
            for slot in slots:
                yield (labels[slot] if isinstance(slot, int) else slot).copy()

    def _label_fresh(self, pairs: Iterable[tuple[str, DocContext | None]], batch_size: int) -> Iterator[PassageLabel]:
        """Labels of passages not seen before, in order."""
        current: list[Hit] = []
        current_index = -1  # no text yet
        for index, hits in self._piece_hits(self._pieces(pairs), batch_size):
            if index != current_index:
                if current_index >= 0:
                    yield self._decide(current)
                current, current_index = [], index
            current.extend(hits)
        if current_index >= 0:
            yield self._decide(current)

    def _piece_hits(
        self, pieces: Iterable[tuple[int, int, str, DocContext | None]], batch_size: int
    ) -> Iterator[tuple[int, list[Hit]]]:
        """(text index, accepted hits) of every piece.

        On the built-in pipeline the prefilter sends only pieces with a token
        that can take part in a hit through the SpanRuler, the glob/regex
        matcher and the checks (the others have no hits on any component), and
        sentences are split only where a sentence-window condition is tested.
        A trained pipeline runs every component on every piece (`nlp.pipe`).
        """
        prefilter = self._prefilter
        if prefilter is None:
            docs = self.nlp.pipe(
                ((self._make_doc(chunk), (index, offset, context)) for index, offset, chunk, context in pieces),
                as_tuples=True,
                batch_size=batch_size,
            )
            for doc, (index, offset, context) in docs:
                spans = list(doc.spans[SPANS_KEY]) if SPANS_KEY in doc.spans else []
                yield index, self.hits(doc, spans, offset, context=context)
            return
        for batch in _batches(pieces, batch_size):
            batch_docs = [self._make_doc(chunk) for _, _, chunk, _ in batch]
            for (index, offset, _, context), doc, spans in zip(
                batch, batch_docs, prefilter.spans(batch_docs), strict=True
            ):
                yield (
                    index,
                    (
                        self.hits(doc, spans, offset, split_sentences=prefilter.splitter, context=context)
                        if spans
                        else []
                    ),
                )

    def _decide(self, hits: list[Hit]) -> PassageLabel:
        if hits:
            return self.decide(hits)
        empty = self._no_hits
        return PassageLabel(
            reform=empty.reform, areas=list(empty.areas), framing=empty.framing, scores=dict(empty.scores), evidence=[]
        )

    def _label_parallel(
        self, pairs: Iterable[tuple[str, DocContext | None]], batch_size: int, n_process: int
    ) -> Iterator[PassageLabel]:
        """Worker processes label whole batches (texts in, labels out) with a copy of this labeller."""
        forking = _can_fork()
        context = multiprocessing.get_context("fork" if forking else None)
        with ProcessPoolExecutor(
            n_process,
            mp_context=context,
            initializer=_init_worker,
            initargs=(self if forking else None, str(self.codebook.path), self.model, os.getpid()),
        ) as pool:
            pending: deque = deque()
            for batch in _batches(pairs, batch_size):
                pending.append(pool.submit(_label_batch, batch))
                if len(pending) >= n_process * 2:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()

    # ------------------------------------------------------------------ steps
    def _make_doc(self, text: str) -> Doc:
        doc = self.nlp.make_doc(text)
        doc.user_data[TEXT_KEY] = text
        return doc

    def _context_doc(self, text: str) -> tuple[Doc, list[int]]:
        """A heading/title text as a doc with its NORM and LOWER hashes (cached: a document's passages share them)."""
        found = self._context_docs.get(text)
        if found is None:
            doc = self.nlp(text)
            found = (doc, _hashes(doc))
            if len(self._context_docs) < 10_000:
                self._context_docs[text] = found
        return found

    @staticmethod
    def _pieces(pairs: Iterable[tuple[str, DocContext | None]]) -> Iterator[tuple[int, int, str, DocContext | None]]:
        for index, (text, context) in enumerate(pairs):
            if len(text) <= MAX_CHUNK_CHARS:
                yield index, 0, text, context
                continue
            start = 0
            while start < len(text):
                end = min(len(text), start + MAX_CHUNK_CHARS)
                if end < len(text):
                    cut = text.rfind("\n\n", start + MAX_CHUNK_CHARS // 2, end)
                    if cut == -1:
                        cut = text.rfind(" ", start + MAX_CHUNK_CHARS // 2, end)
                    end = cut + 1 if cut != -1 else end
                yield index, start, text[start:end], context
                start = end

    def hits(
        self,
        doc: Doc,
        spans: list[Span],
        offset: int = 0,
        split_sentences: Callable[[Doc], Doc] | None = None,
        context: DocContext | None = None,
    ) -> list[Hit]:
        """The accepted hits among a doc's codebook `spans`, with offsets shifted by `offset`.

        `split_sentences` marks sentence boundaries the first time a
        sentence-window condition needs them (None: the doc has them).  A
        ``window: document`` condition holds in the passage, in `context`'s
        heading and title, or by its document type.
        """
        terms = self.codebook.terms
        candidates: list[tuple[Span, Term, int, int]] = []
        excluded: dict[str, list[tuple[int, int]]] = {}
        for span in spans:
            term = terms.get(span.id_)
            if term is None:
                continue
            if term.exclude:
                excluded.setdefault(term.code, []).append((span.start_char, span.end_char))
            else:
                candidates.append((span, term, span.start_char, span.end_char))
        kept = [
            (span, term, start, end)
            for span, term, start, end in candidates
            if not excluded or not any(s < end and start < e for s, e in excluded.get(term.code, ()))
        ]
        plain = [(start, end, set(term.weights())) for _, term, start, end in kept if not term.context]
        has_pos = doc.has_annotation("POS")
        accepted: list[Hit] = []
        memo: dict[tuple, bool] = {}
        keys: list[int] = []

        def window(context: Context, span: Span) -> tuple[int, int]:
            nonlocal split_sentences
            if context.window != "sentence":
                return 0, len(doc)
            if split_sentences is not None:
                split_sentences(doc)
                split_sentences = None
            sentence = doc[span.start].sent
            return sentence.start, sentence.end

        def holds(condition: Context, span: Span) -> bool:
            if not keys:
                keys.extend(_hashes(doc))
            test = self._test(condition)
            start, end = window(condition, span)
            if condition.codes:
                return test(doc, start, end, span, keys, plain) or in_document(condition, span)
            key = (condition, start, end)
            if key not in memo:
                memo[key] = test(doc, start, end, span, keys, plain) or in_document(condition, span)
            return memo[key]

        def in_document(condition: Context, span: Span) -> bool:
            """A `document` condition met by the passage's document type, heading or title."""
            if condition.window != "document" or not context:
                return False
            if context.doc_type and context.doc_type in condition.doc_types:
                return True
            if not context.text:
                return False
            heading_doc, heading_keys = self._context_doc(context.text)
            return bool(len(heading_doc)) and self._test(condition)(
                heading_doc, 0, len(heading_doc), span, heading_keys, []
            )

        text = doc.user_data.get(TEXT_KEY) or doc.text
        for span, term, start, end in kept:
            if term.pos and has_pos and span[0].pos_ not in term.pos:
                continue
            if term.context and not holds(term.context, span):
                continue
            if term.unless and holds(term.unless, span):
                continue
            accepted.append(Hit(term, start + offset, end + offset, text[start:end]))
        return accepted

    def _test(self, context: Context) -> _ContextTest:
        test = self._context_tests.get(context)
        if test is None:
            test = self._context_tests[context] = _ContextTest(context)
        return test

    def decide(self, hits: list[Hit]) -> PassageLabel:
        """Turn accepted hits into scores and labels."""
        evidence: list[dict[str, Any]] = []
        by_code: dict[str, list[tuple[int, int, str, float]]] = {}
        shown: dict[tuple[str, str], int] = {}
        for hit in sorted(hits, key=lambda h: (h.start, h.end, h.term.id)):
            for code, weight in hit.term.weights().items():
                by_code.setdefault(code, []).append((hit.start, hit.end, hit.term.id, weight))
                key = (code, hit.term.id)
                shown[key] = shown.get(key, 0) + 1
                if shown[key] > MAX_EVIDENCE_PER_TERM:
                    continue
                item: dict[str, Any] = {
                    "code": code,
                    "term": hit.text,
                    "rule_id": hit.term.id,
                    "start": hit.start,
                    "end": hit.end,
                    "weight": weight,
                }
                if hit.term.solution and code == hit.term.code:
                    item["solution"] = hit.term.solution
                evidence.append(item)
        scores = {code: round(_combine(by_code[code]), 4) if code in by_code else 0.0 for code in PASSAGE_CODES}
        codebook = self.codebook
        reform = scores["reform"] >= codebook.threshold("reform") or scores["reform.successor"] >= codebook.threshold(
            "reform.successor"
        )
        if scores["reform.successor"] >= codebook.threshold("reform.successor"):
            scores["reform"] = max(scores["reform"], scores["reform.successor"])
        areas = [a for a in AREAS if scores[f"area.{a}"] >= codebook.threshold(f"area.{a}")]
        framing = self._framing(scores, areas)
        return PassageLabel(reform=reform, areas=areas, framing=framing, scores=scores, evidence=evidence)

    def _framing(self, scores: dict[str, float], areas: list[str]) -> str:
        codebook = self.codebook
        decision = codebook.decision
        needed = decision.get("enumeration_area")  # the society area, named in the codebook
        if len(areas) >= int(decision.get("enumeration_min_areas", 4)) and (
            needed is None or needed in {f"area.{area}" for area in areas}
        ):
            return "begge"  # the innsatsområder listed, the codebook's enumeration_area among them
        samfunn_score, sektor_score = scores["framing.samfunn"], scores["framing.sektor"]
        samfunn = samfunn_score >= codebook.threshold("framing.samfunn")
        sektor = sektor_score >= codebook.threshold("framing.sektor")
        margin = float(decision.get("frame_margin", 1.0))
        if samfunn and sektor and abs(samfunn_score - sektor_score) > margin:
            samfunn, sektor = samfunn_score > sektor_score, sektor_score > samfunn_score
        framing = framing_from_flags(samfunn, sektor)
        if framing == "ingen" and areas:
            framing = self._framing_of_areas(areas)
        return framing

    def _framing_of_areas(self, areas: list[str]) -> str:
        """No frame term decided: the areas found vote with their default frame, a tie is «begge».

        Three service areas next to aktivitet («aktivitet, helsehjelp og sammenheng i
        tjenestene») read as a sector text, not as both frames (LABELING.md: only full
        enumerations, the codebook's `enumeration_area` among them, are «begge»).
        """
        votes = [self.codebook.codes[f"area.{area}"].frame for area in areas]
        samfunn, sektor = votes.count("samfunn"), votes.count("sektor")
        return framing_from_flags(samfunn >= sektor, sektor >= samfunn)
