"""`lhl classify` and `lhl tag` as library functions: choose a labeller, label JSONL or stored passages.

`classify_jsonl` is the scripting contract: JSONL lines ``{"id", "text"}`` (optionally
``"heading"``, ``"title"``, ``"doc_type"``: the passage's document context) in,
``{"id", "reform", "areas", "framing", "scores", "evidence"}`` out, no
database.  `tag_store` labels the store's passages that lack current
suggestions from this labeller/codebook/pipeline and stores one suggestion
row per passage and code; `run_tag` is `lhl tag` (and the demo's tagging):
that, recorded as a run.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from ..codebook import PASSAGE_CODES
from ..errors import ClassifyInputInvalid, ClassifyIOError
from ..partfiles import atomic_path
from .labeller import CONTEXT_FIELDS, DocContext, Labeller, PassageLabel
from .rules import RuleLabeller

if TYPE_CHECKING:  # the store is imported by `tag_store` only: `lhl classify` needs no database
    from ..store import Store


_SURROGATE = re.compile("[\ud800-\udfff]")


def make_labeller(
    model: str = "auto",
    *,
    codebook: str | None = None,
    trained: str | None = None,
    rules_only: bool = False,
    models_dir: Path | None = None,
) -> Labeller:
    """The labeller `lhl classify`/`lhl tag` use.

    The codebook rules on the spaCy pipeline `model`, combined with the newest
    trained model in `models_dir` (default: beside the database) or the shipped
    starter (or the one named by `trained`) when one exists and its blend lets
    it change a decision, unless `rules_only`.  A model that leaves every
    decision to the rules (the shipped starter: its cross-validated gain was
    noise) is not on the default path; named with `trained` it is used.  A
    named `trained` model that is missing is an error; no model at all just
    means rules alone.
    """
    rules = RuleLabeller(codebook, model=model)
    if rules_only:
        return rules
    # the trained tier is optional: no model file means rules alone
    from ..errors import ModelNotFound
    from ..learn.files import decides_anything, find_model, read_meta

    try:
        path = find_model(trained, models_dir)
    except ModelNotFound:
        if trained:
            raise
        return rules
    if trained is None and not decides_anything(read_meta(path.with_suffix(".json"))):
        return rules
    from ..learn.files import load_predictor
    from ..learn.labellers import CombinedLabeller

    return CombinedLabeller(load_predictor(path), rules)


def stale_model_note(labeller: Labeller) -> str | None:
    """A model that learned its rule features on an older codebook still works, but should be retrained."""
    if not getattr(labeller, "codebook_changed", False):
        return None
    trained = labeller.trained  # type: ignore[attr-defined]  # a CombinedLabeller: only it has codebook_changed
    return (
        f"the trained model {trained.name} learned from codebook "
        f"{trained.meta.get('codebook_version')}, not {labeller.codebook_version}; retrain it "
        "(`lhl train`, or `python bench/build_starter_model.py` for the starter) to weigh the new rules."
    )


@contextlib.contextmanager
def start_up_frozen() -> Iterator[None]:
    """Garbage collection skips what start-up left (pipeline, codebook, caches) until the block ends.

    Those objects live all run, yet every collection during labelling walked
    them again: 0.05–0.1 s of `lhl classify` on the bench corpus, and the
    per-word dictionary look-ups of new text twice as slow.  `gc.freeze`
    before forking workers also keeps their copy-on-write pages shared.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


# ---------------------------------------------------------------- classify (JSONL)
@dataclass
class ClassifyStats:
    read: int = 0
    written: int = 0
    invalid: list[tuple[int, str]] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len(self.invalid)


def parse_line(line: str | bytes, line_no: int) -> tuple[Any, str, DocContext | None] | str:
    """(id, text, document context or None) of one JSONL line, or the reason it is invalid."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            return f"not UTF-8 (byte {exc.start})"
    if line_no == 1:
        line = line.lstrip("\ufeff")
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"not JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(item, dict):
        return "not a JSON object"
    if "id" not in item:
        return 'no "id"'
    if not isinstance(item["id"], (str, int)) or isinstance(item["id"], bool):
        return '"id" must be a string or an integer'
    if not isinstance(item.get("text"), str):
        return '"text" missing or not a string'
    for value in (item["id"], item["text"]):
        if isinstance(value, str) and _SURROGATE.search(value):
            return "a lone surrogate (\\ud800–\\udfff escape) is not text"
    for key in CONTEXT_FIELDS:
        if item.get(key) is not None and not isinstance(item[key], str):
            return f'"{key}" must be a string'
    return item["id"], item["text"], DocContext.of(item)


REPEAT_MAX_CHARS, REPEAT_SIZE = 10_000, 50_000
"""Output of passages up to this length is kept (this many) and reused when the same passage comes again."""

_ENCODER = json.JSONEncoder(ensure_ascii=False)


def input_file(path: str, stdin: BinaryIO) -> BinaryIO:
    """The JSONL input: `stdin` for «-», else the file opened for reading; an unreadable file is E103."""
    if path == "-":
        return stdin
    try:
        return open(path, "rb")
    except OSError as exc:
        raise ClassifyIOError(f"Cannot read {path}: {exc.strerror}.") from None


@contextlib.contextmanager
def output_file(path: str | os.PathLike, *, force: bool = False) -> Iterator[TextIO]:
    """A JSONL output written under a temporary name and renamed when complete, with the usual file mode.

    A folder, an existing file (without `force`) or an unwritable place is E103 before anything is read.
    """
    target = Path(path)
    if target.is_dir():
        raise ClassifyIOError(f"{target} is a folder; give a file name for --output.")
    if target.exists() and not force:
        raise ClassifyIOError(f"{target} exists; add --force to replace it.")
    with atomic_path(target, ClassifyIOError) as tmp, open(tmp, "w", encoding="utf-8") as sink:
        yield sink


def classify_jsonl(
    lines: Iterable[str | bytes],
    write: Callable[[str], None],
    labeller: Labeller,
    *,
    strict: bool = False,
    batch_size: int = 256,
    on_invalid: Callable[[int, str], None] | None = None,
) -> ClassifyStats:
    """Label every valid line and `write` one JSON line per passage, in input order.

    Blank lines are ignored.  An invalid line is skipped and counted (with its
    line number), or, with `strict`, raises `ClassifyInputInvalid`.  A passage
    (text and context) seen before in this run is not labelled nor serialized
    again: its labels are a function of text and context, and boilerplate
    recurs on every page of a site.
    """
    stats = ClassifyStats()
    # one entry per valid line, in input order: (id, its serialized labels if already known, memo key)
    pending: deque[tuple[Any, str | None, tuple[str, DocContext | None] | None]] = deque()
    contexts: deque[DocContext | None] = deque()
    known: dict[tuple[str, DocContext | None], str] = {}

    def texts() -> Iterator[str]:
        for line_no, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            stats.read += 1
            parsed = parse_line(line, line_no)
            if isinstance(parsed, str):
                if strict:
                    raise ClassifyInputInvalid(f"line {line_no}: {parsed}; nothing more was read (--strict).")
                stats.invalid.append((line_no, parsed))
                if on_invalid:
                    on_invalid(line_no, parsed)
                continue
            key = (parsed[1], parsed[2]) if len(parsed[1]) <= REPEAT_MAX_CHARS else None
            body = known.get(key) if key is not None else None
            pending.append((parsed[0], body, key))
            if body is None:
                contexts.append(parsed[2])
                yield parsed[1]

    def emit(item_id: Any, body: str) -> None:
        # `{"id": …, <labels>}`, the same bytes as json.dumps({"id": item_id, **labels}, ensure_ascii=False)
        write(f'{{"id": {_ENCODER.encode(item_id)}, {body}\n')
        stats.written += 1

    def flush_known() -> None:
        while pending and (body := pending[0][1]) is not None:
            emit(pending.popleft()[0], body)

    # `texts()` queues each line's context before the labeller's zip asks for it
    pending_contexts = (contexts.popleft() for _ in itertools.repeat(None))
    for label in labeller.label_stream(texts(), batch_size=batch_size, contexts=pending_contexts):
        flush_known()
        item_id, _, key = pending.popleft()
        body = _ENCODER.encode(label.as_dict())[1:]
        if key is not None and len(known) < REPEAT_SIZE:
            known[key] = body
        emit(item_id, body)
    flush_known()
    return stats


# ---------------------------------------------------------------- tag (store)
def suggestion_rows(label: PassageLabel, labeller: Labeller, run_id: int | None) -> list[dict[str, Any]]:
    """One suggestions row per code: score, selected flag and that code's evidence."""
    selected = label.selected_codes()
    return [
        {
            "code": code,
            "score": round(float(label.scores.get(code, 0.0)), 6),
            "selected": int(code in selected),
            "evidence": json.dumps([e for e in label.evidence if e.get("code") == code], ensure_ascii=False),
            "source": labeller.provenance,
            "codebook_version": labeller.codebook_version,
            "pipeline": labeller.pipeline or None,
            "run_id": run_id,
        }
        for code in PASSAGE_CODES
    ]


@dataclass
class TagStats:
    to_tag: int = 0
    tagged: int = 0
    rows: int = 0
    segmented_documents: int = 0
    segmented_passages: int = 0
    documents_without_passages: int = 0
    selected: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TagOptions:
    """`lhl tag`'s choices: which labeller (as for `make_labeller`) and how the passages are worked through."""

    model: str = "auto"
    codebook: str | None = None
    trained: str | None = None
    rules_only: bool = False
    workers: int = 1
    """Processes for nlp.pipe (rules)."""
    batch_size: int = 1000
    """Passages per stored batch."""
    limit: int | None = None
    """Tag at most this many passages."""

    def labeller(self, models_dir: Path | None) -> Labeller:
        """The labeller these options choose (`models_dir`: where trained models are looked for)."""
        return make_labeller(
            self.model, codebook=self.codebook, trained=self.trained, rules_only=self.rules_only, models_dir=models_dir
        )


def run_tag(
    store: Store,
    labeller: Labeller,
    options: TagOptions,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> TagStats:
    """`lhl tag`: `tag_store` recorded as a `tag` run with the options, the labeller's versions and the counts."""
    versions = {"labeller": labeller.provenance, "codebook": labeller.codebook_version, "pipeline": labeller.pipeline}
    with store.run("tag", asdict(options), versions) as run:
        with start_up_frozen():
            stats = tag_store(
                store,
                labeller,
                run_id=run.id,
                workers=options.workers,
                batch_size=options.batch_size,
                limit=options.limit,
                progress=progress,
            )
        run.count("passages", stats.tagged)
        run.count("suggestions", stats.rows)
        run.count("segmented_documents", stats.segmented_documents)
        for code, n in stats.selected.items():
            run.count(f"selected.{code}", n)
    return stats


def tag_store(
    store: Store,
    labeller: Labeller,
    *,
    run_id: int | None = None,
    workers: int = 1,
    batch_size: int = 1000,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TagStats:
    """Tag the passages that need it; each batch is stored in one transaction (Ctrl-C loses at most one batch).

    Documents with stored text but no passages are segmented first (`segment_stored`).
    """
    from ..ingest.stored import segment_stored
    from ..search import index as search_index
    from ..store import suggestions as sql

    stats = TagStats()
    for document_id in sql.documents_without_passages(store):
        written = segment_stored(store, document_id)
        stats.segmented_documents += bool(written)
        stats.segmented_passages += written
        stats.documents_without_passages += not written
    key = {
        "source": labeller.provenance,
        "codebook_version": labeller.codebook_version,
        "pipeline": labeller.pipeline or "",
    }
    stats.to_tag = sql.count_passages_to_tag(store, **key)
    if limit is not None:
        stats.to_tag = min(stats.to_tag, limit)
    if progress:
        progress(0, stats.to_tag)
    for batch in sql.passages_to_tag(store, **key, batch_size=batch_size, limit=limit):
        texts = [text for _, text, _ in batch]
        contexts = [DocContext.of(context) for _, _, context in batch]
        if workers > 1:
            labels = labeller.label_parallel(texts, contexts, workers)
        else:
            labels = list(labeller.label_stream(texts, batch_size=len(texts), contexts=contexts))
        rows = {pid: suggestion_rows(label, labeller, run_id) for (pid, _, _), label in zip(batch, labels, strict=True)}
        stats.rows += sql.store_suggestions(store, rows)
        stats.tagged += len(batch)
        for label in labels:
            for code in label.selected_codes():
                stats.selected[code] = stats.selected.get(code, 0) + 1
        if progress:
            progress(stats.tagged, stats.to_tag)
    search_index.refresh(store)  # passages segmented here become searchable (docs/search.md)
    return stats
