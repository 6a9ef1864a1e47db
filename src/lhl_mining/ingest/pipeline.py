"""From bytes to stored passages: corpus file, extraction, cleaning, type, sections, passages.

`ingest_download` is what the scrapers call for every download; `ingest_path`
does the same for local files and folders, and `run_ingest` is `lhl ingest`
(the files recorded as one run).  All of them take one `IngestOptions`.  A bad
file never stops a batch: it gets status `failed` and a one-line error in the
store.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import multiprocessing
import os
import re
import stat
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

try:
    import resource
except ImportError:  # Windows has no `resource`: the worker then runs without a memory cap
    resource = None  # type: ignore[assignment]  # mypy checks the POSIX branch; callers test `resource is None`

from .. import registry
from ..errors import (
    ChangedAfterCoding,
    CorpusNotWritable,
    CorruptDocument,
    DocumentTooLarge,
    EmptyDocument,
    ExtractionTimeout,
    IngestError,
    IngestPathMissing,
    UnreadableFile,
    UsageError,
)
from ..partfiles import remove_stale
from ..processes import end_with_parent
from ..search import index as search_index
from ..store import Store, utcnow
from ..store import documents as doc_store
from . import ocr as ocr_tools
from .clean import Unit, clean_pages
from .doctype import BUNDLE_TYPES, DOC_TYPES, detect_doc_type, detect_metadata
from .formats import (
    DOCX,
    HTML,
    PDF,
    TEXT,
    extract_docx,
    extract_html,
    extract_text,
    sniff_format,
)
from .model import Extraction
from .pdf import PDF_ENGINES, extract_pdf
from .segment import NUMBERED_HEADING, noise_of
from .segment import passages as cut_passages
from .segment import sections as cut_sections

DEFAULT_CORPUS = Path("corpus")
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", HTML: ".html", TEXT: ".txt"}
METADATA_KEYS = {
    "moetemappe_id", "moetesak_id", "saksmappe_id", "journalpost_id", "dokument_id", "saksnr", "title", "doc_type",
    "utvalg", "meeting_date", "doc_date", "saksbehandler", "platform_ids",
}  # fmt: skip


@dataclass(frozen=True)
class IngestLimits:
    """Refuse inputs beyond these sizes (each refusal is a `failed` document with a clear error).

    Kept apart from `IngestOptions` because it is all an extraction worker needs.
    """

    max_bytes: int = 200 * 1024 * 1024
    max_pages: int = 3000
    max_docx_unpacked: int = 300 * 1024 * 1024
    pdf_engine: str = "pypdfium2"
    timeout_s: float | None = 600.0  # per file; extraction runs in a worker process when set
    max_memory_mb: int | None = 4096  # address-space cap of that worker

    @classmethod
    def of(cls, *, max_mb: float, max_pages: int, pdf_engine: str, timeout_s: float) -> IngestLimits:
        """The limits from command-line values, range-checked (an unknown engine, NaN, negative or absurd values are E002)."""
        if pdf_engine not in PDF_ENGINES:
            raise UsageError(f"Unknown PDF engine «{pdf_engine}»; choose {' or '.join(PDF_ENGINES)}.")
        if not (math.isfinite(max_mb) and 0 < max_mb <= 100_000):
            raise UsageError(f"--max-mb must be a size between 0 and 100000 MB, not {max_mb}.")
        if not 1 <= max_pages <= 1_000_000:
            raise UsageError(f"--max-pages must be between 1 and 1000000, not {max_pages}.")
        if not (math.isfinite(timeout_s) and 0 < timeout_s <= 86_400):
            raise UsageError(f"--timeout must be between 0 and 86400 seconds, not {timeout_s}.")
        return cls(max_bytes=int(max_mb * 1024 * 1024), max_pages=max_pages, pdf_engine=pdf_engine, timeout_s=timeout_s)

    @property
    def max_mb(self) -> float:
        return self.max_bytes / (1024 * 1024)


@dataclass(frozen=True)
class IngestOptions:
    """How files are ingested: the same for every file of a batch, or every download of a scrape run."""

    corpus_dir: Path = DEFAULT_CORPUS
    """Folder keeping a copy of every file by content hash."""
    knr: str | None = None
    """Kommune the files belong to (number or name; kept as its number)."""
    doc_type: str | None = None
    """Document type for every file instead of detecting it."""
    ocr: bool = False
    """OCR scanned PDFs (a document waiting for OCR is read again)."""
    retry_failed: bool = False
    """Read files that failed before again."""
    run_id: int | None = None
    """The `runs` row the documents are recorded under."""
    limits: IngestLimits = field(default_factory=IngestLimits)
    jobs: int = 1
    """Files extracted at once (local files; one core each)."""

    def __post_init__(self) -> None:
        if self.doc_type is not None and self.doc_type not in DOC_TYPES:
            raise UsageError(f"Unknown document type «{self.doc_type}»; choose one of {', '.join(DOC_TYPES)}.")
        if self.knr is not None:
            object.__setattr__(self, "knr", registry.resolve_kommune(self.knr).knr)
        object.__setattr__(self, "corpus_dir", Path(self.corpus_dir))

    def run_parameters(self, paths: Sequence[str | os.PathLike]) -> dict[str, Any]:
        """What `runs.parameters` records for `lhl ingest` of `paths`."""
        return {
            "paths": [str(p) for p in paths], "kommune": self.knr, "doc_type": self.doc_type, "ocr": self.ocr,
            "retry_failed": self.retry_failed, "corpus": str(self.corpus_dir), "max_mb": self.limits.max_mb,
            "max_pages": self.limits.max_pages, "pdf_engine": self.limits.pdf_engine, "timeout": self.limits.timeout_s,
            "jobs": self.jobs,
        }  # fmt: skip

    def provenance(self, **facts: Any) -> dict[str, Any]:
        """The document fields a file gets from these options and `facts`; unknown (None) values are left out,
        so a later ingest never wipes what was stored before."""
        fields = {"knr": self.knr, "run_id": self.run_id, "doc_type": self.doc_type, **facts}
        return {key: value for key, value in fields.items() if value is not None}


@dataclass(frozen=True)
class Download:
    """What a scraper knows about one download besides its bytes."""

    url: str
    platform: str
    source_id: int | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    """Document columns from the portal (`METADATA_KEYS`)."""
    fetched_at: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    mime_type: str | None = None


@dataclass
class IngestResult:
    """What happened to one file or download."""

    document_id: int | None
    status: str  # documents.status: extracted, needs_ocr, duplicate, failed, …
    error: str | None = None
    n_passages: int = 0
    duplicate_of: int | None = None
    url: str = ""
    path: str | None = None
    doc_type: str | None = None
    n_pages: int | None = None
    action: str = "added"  # added, updated, unchanged (already done, no work), retried
    warnings: list[str] = field(default_factory=list)


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def store_in_corpus(content: bytes, sha256: str, extension: str, corpus_dir: Path) -> Path:
    """Write the bytes once under corpus/<2 hex>/<sha256><ext>; same content, same file."""
    target = corpus_dir / sha256[:2] / f"{sha256}{extension}"
    if not target.exists():
        partial = target.with_name(f".{target.name}.{os.getpid()}.part")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            remove_stale(target)
            partial.write_bytes(content)
            partial.replace(target)
        except OSError as exc:  # disk full, read-only, no permission: stop the run, keep what is stored
            with contextlib.suppress(OSError):
                partial.unlink()
            raise CorpusNotWritable.of(corpus_dir, exc) from None
    return target


def ingest_download(store: Store, content: bytes, download: Download, options: IngestOptions) -> IngestResult:
    """Store one downloaded file and everything extracted from it; idempotent per (url, content)."""
    unknown = set(download.metadata) - METADATA_KEYS
    if unknown:
        raise UsageError(f"Unknown document metadata keys: {', '.join(sorted(unknown))}.")
    provenance = options.provenance(
        platform=download.platform,
        source_id=download.source_id,
        fetched_at=download.fetched_at or utcnow(),
        etag=download.etag,
        last_modified=download.last_modified,
        **download.metadata,
    )
    planned = _plan(
        store, content, url=download.url, provenance=provenance, declared_mime=download.mime_type, options=options
    )
    if isinstance(planned, IngestResult):
        return planned
    return _finish(store, planned, planned.extract_here, options)


# Data and project files that sit beside documents in a download folder (manifests, notes,
# spreadsheets of metadata) are not documents; files named on the command line are always read.
NOT_DOCUMENTS_IN_FOLDERS = frozenset(
    {
        ".json",
        ".jsonl",
        ".csv",
        ".tsv",
        ".md",
        ".yaml",
        ".yml",
        ".db",
        ".sqlite",
        ".log",
        ".py",
        ".sh",
        ".db-wal",
        ".db-shm",
        ".db-journal",
        ".sqlite-wal",
        ".sqlite-shm",
        ".sqlite-journal",
    }
)


def _regular(path: Path) -> bool:
    """A plain file (symlinks followed): FIFOs and devices would block a read or never end."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def discover_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files named, and documents inside the folders named (hidden and data files skipped), sorted."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if _regular(path):
            found.append(path)
        elif path.exists() and not path.is_dir():
            raise IngestPathMissing(f"{path} is not a regular file (a FIFO, device or socket); nothing was read.")
        elif path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(
                    Path(root) / name
                    for name in sorted(files)
                    if not name.startswith(".")
                    and Path(name).suffix.lower() not in NOT_DOCUMENTS_IN_FOLDERS
                    and _regular(Path(root) / name)
                )
        else:
            raise IngestPathMissing(f"No file or folder at {path}.")
    return found


def _is_database(store: Store, file: Path) -> bool:
    """The store's own file or its -wal/-shm/-journal: reading (then closing) them would drop SQLite's locks."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        sidecar = store.path.with_name(store.path.name + suffix)
        with contextlib.suppress(OSError):
            if sidecar.exists() and os.path.samefile(sidecar, file):
                return True
    return False


def ingest_path(store: Store, path: str | os.PathLike, options: IngestOptions) -> list[IngestResult]:
    """Ingest a local file, or every file in a folder; one result per file."""
    return ingest_files(store, discover_files([path]), options)


@dataclass
class IngestSummary:
    """What `run_ingest` did: outcomes counted per file, passages written, the files to look at."""

    files: int
    run_id: int
    outcomes: dict[str, int] = field(default_factory=dict)
    """Files per outcome: a document status, or `unchanged` for files already done."""
    passages: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    """(file, error or warning) of each file that failed, waits for OCR or was read with a warning."""


def run_ingest(
    store: Store,
    paths: Sequence[str | os.PathLike],
    files: Sequence[Path],
    options: IngestOptions,
    *,
    on_file: Callable[[Path, IngestResult], None] | None = None,
) -> IngestSummary:
    """`lhl ingest`: ingest `files` (found in `paths`, see `discover_files`) as one recorded run."""
    with store.run("ingest", options.run_parameters(paths)) as run:
        summary = IngestSummary(files=len(files), run_id=run.id)

        def count(file: Path, result: IngestResult) -> None:
            key = "unchanged" if result.action == "unchanged" else result.status
            summary.outcomes[key] = summary.outcomes.get(key, 0) + 1
            run.count(key)
            run.count("passages", result.n_passages if result.action != "unchanged" else 0)
            if (result.status in ("failed", "needs_ocr") and result.action != "unchanged") or result.warnings:
                summary.problems.append((str(file), result.error or ""))
            if on_file:
                on_file(file, result)

        ingest_files(store, files, replace(options, run_id=run.id), on_file=count)
    summary.passages = (run.counts or {}).get("passages", 0)
    return summary


def ingest_files(
    store: Store,
    files: Iterable[Path],
    options: IngestOptions,
    *,
    on_file: Callable[[Path, IngestResult], None] | None = None,
) -> list[IngestResult]:
    """Ingest local files in order, extracting up to `options.jobs` of them at once.

    Extraction (the slow part) runs in worker processes; everything that reads
    or writes the store stays in this thread, one document per transaction.
    """
    jobs = options.jobs
    files = [file for file in files if not _is_database(store, file)]
    results: list[IngestResult] = []

    def finish(file: Path, planned: IngestResult | _Job, extract: Callable[[], Extraction] | None) -> None:
        if isinstance(planned, _Job):
            planned = _finish(store, planned, extract or planned.extract_here, options)
        planned.path = str(file)
        results.append(planned)
        if on_file:
            on_file(file, planned)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        window: deque[tuple[Path, IngestResult | _Job, Future | None]] = deque()
        for file in files:
            planned = _plan_file(store, file, options)
            future = None
            if isinstance(planned, _Job) and jobs > 1:
                future = pool.submit(_extract_isolated, planned.content, planned.mime, options.limits)
            window.append((file, planned, future))
            while len(window) > max(0, jobs - 1):
                done_file, done, done_future = window.popleft()
                finish(done_file, done, done_future.result if done_future else None)
        for done_file, done, done_future in window:
            finish(done_file, done, done_future.result if done_future else None)
    search_index.refresh(store)  # the new passages become searchable (docs/search.md)
    return results


def ingest_file(store: Store, file: Path, options: IngestOptions) -> IngestResult:
    """Ingest one local file; its URL is the file:// URI of its absolute path."""
    (result,) = ingest_files(store, [file], options)
    return result


def _plan_file(store: Store, file: Path, options: IngestOptions) -> IngestResult | _Job:
    file = file.resolve()
    url = file.as_uri()
    provenance = options.provenance(platform="local", fetched_at=utcnow())
    limits = options.limits
    try:
        size = file.stat().st_size
        if size > limits.max_bytes:
            raise DocumentTooLarge(
                f"The file is {size / 1e6:.0f} MB, above the limit of {limits.max_bytes / 1e6:.0f} MB (raise it with --max-mb)."
            )
        content = file.read_bytes()
    except IngestError as exc:
        return _failed(store, url, provenance, exc)
    except OSError as exc:
        return _failed(store, url, provenance, UnreadableFile(f"Cannot read {file}: {exc.strerror or exc}."))
    return _plan(store, content, url=url, provenance=provenance, declared_mime=None, options=options)


def _failed(store: Store, url: str, fields: dict[str, Any], error: Exception) -> IngestResult:
    message = str(error)
    document_id = doc_store.save_document(store, url, {**fields, "status": "failed", "error": message})
    return IngestResult(document_id, "failed", message, url=url)


@dataclass
class _Job:
    """A file that needs extracting, with everything decided before extraction."""

    url: str
    content: bytes
    mime: str
    fields: dict[str, Any]
    action: str
    limits: IngestLimits

    def extract_here(self) -> Extraction:
        return _extract_isolated(self.content, self.mime, self.limits)


def _plan(
    store: Store,
    content: bytes,
    *,
    url: str,
    provenance: dict[str, Any],
    declared_mime: str | None,
    options: IngestOptions,
) -> IngestResult | _Job:
    """Everything before extraction: skip what is done, refuse what cannot be read, keep the file, find copies."""
    limits = options.limits
    sha256 = sha256_of(content)
    existing = doc_store.document_by_url(store, url)
    action = "added"
    if existing is not None:
        same = existing["sha256"] == sha256
        waiting_for_ocr = existing["status"] == "needs_ocr" and options.ocr
        if same and not waiting_for_ocr and (existing["status"] != "failed" or not options.retry_failed):
            return IngestResult(
                existing["id"], existing["status"], existing["error"],
                n_passages=doc_store.passage_count(store, existing["id"]), duplicate_of=existing["duplicate_of"],
                url=url, doc_type=existing["doc_type"], n_pages=existing["n_pages"], action="unchanged",
            )  # fmt: skip
        if not same and doc_store.has_codings(store, existing["id"]):
            error = ChangedAfterCoding(
                "The file changed since its passages were coded; the coded version is kept. "
                "Ingest the new version under another URL/path to compare."
            )
            doc_store.save_document(store, url, {"error": str(error)})
            return IngestResult(
                existing["id"],
                existing["status"],
                str(error),
                url=url,
                action="unchanged",
            )
        action = "retried" if existing["status"] == "failed" else "updated"
    fields: dict[str, Any] = {
        **provenance,
        "sha256": sha256,
        "size_bytes": len(content),
        "error": None,
    }
    try:
        if len(content) > limits.max_bytes:
            raise DocumentTooLarge(
                f"The file is {len(content) / 1e6:.0f} MB, above the limit of {limits.max_bytes / 1e6:.0f} MB."
            )
        if not content:
            raise EmptyDocument("The file is empty (0 bytes).")
        mime = sniff_format(content)
    except IngestError as exc:
        result = _failed(store, url, {**fields, "mime_type": declared_mime}, exc)
        result.action = action
        return result
    fields["mime_type"] = mime
    fields["corpus_path"] = str(store_in_corpus(content, sha256, EXTENSIONS[mime], options.corpus_dir))

    original = doc_store.original_with_sha256(store, sha256, other_than_url=url)
    if original is not None:
        fields.update(status="duplicate", duplicate_of=original["id"], n_pages=original["n_pages"])
        fields.setdefault("doc_type", original["doc_type"])
        document_id = doc_store.save_document(store, url, fields, drop_extraction=True)
        return IngestResult(
            document_id, "duplicate", None, duplicate_of=original["id"], url=url,
            doc_type=fields.get("doc_type"), n_pages=original["n_pages"], action=action,
        )  # fmt: skip
    fields["duplicate_of"] = None
    return _Job(url=url, content=content, mime=mime, fields=fields, action=action, limits=limits)


def _finish(store: Store, job: _Job, extract: Callable[[], Extraction], options: IngestOptions) -> IngestResult:
    """Extraction (with OCR when asked and needed), then cleaning, typing, segmentation and the store."""
    url, content, mime, fields, action = job.url, job.content, job.mime, job.fields, job.action
    warnings: list[str] = []
    try:
        extraction = extract()
        wants_ocr = mime == PDF and options.ocr and any(not p.has_text_layer for p in extraction.pages)
        if wants_ocr and ocr_tools.missing_tools_message() is None:  # else it stays needs_ocr, with the hint
            ocr_content = ocr_tools.ocr_pdf(content)
            extraction = _extract_isolated(ocr_content, mime, options.limits)
            extraction.extractor = f"{ocr_tools.ocr_version()} + {extraction.extractor}"
        return _store_extraction(store, url, fields, extraction, action=action, warnings=warnings)
    except IngestError as exc:
        result = _failed(store, url, fields, exc)
    except Exception as exc:
        where = traceback.extract_tb(exc.__traceback__)[-1]
        error = CorruptDocument(
            f"Unexpected {type(exc).__name__} while reading the file ({exc}; at {Path(where.filename).name}:{where.lineno})."
        )
        result = _failed(store, url, fields, error)
    result.action = action
    return result


def _extract_isolated(content: bytes, mime: str, limits: IngestLimits) -> Extraction:
    """Extract in a forked worker, so a hang, a crash or runaway memory costs one file, not the batch."""
    if not limits.timeout_s or "fork" not in multiprocessing.get_all_start_methods():
        return _extract(content, mime, limits)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_extract_worker, args=(sender, content, mime, limits, os.getpid()), daemon=True)
    worker.start()
    sender.close()
    try:
        if not receiver.poll(limits.timeout_s):
            worker.kill()
            raise ExtractionTimeout(
                f"Extraction took longer than {limits.timeout_s:g} s and was stopped (raise the limit with --timeout)."
            )
        try:
            outcome, payload = receiver.recv()
        except EOFError:
            worker.join(5)
            raise CorruptDocument(
                f"The extractor crashed on this file (worker exit code {worker.exitcode}); the file is probably damaged."
            ) from None
    finally:
        receiver.close()
        worker.join(5)
    if outcome == "error":
        raise payload
    return payload


def _extract_worker(sender, content: bytes, mime: str, limits: IngestLimits, parent_pid: int) -> None:
    end_with_parent(parent_pid)  # a killed `lhl ingest` does not leave a worker extracting a large file
    if limits.max_memory_mb and resource is not None:
        cap = limits.max_memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:  # under `prlimit --as` / Slurm: never ask for more than the hard limit
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        sender.send(("ok", _extract(content, mime, limits)))
    except IngestError as exc:
        sender.send(("error", exc))
    except MemoryError:
        sender.send(
            (
                "error",
                DocumentTooLarge(f"Extraction needed more than {limits.max_memory_mb} MB of memory."),
            )
        )
    except Exception as exc:
        sender.send(
            (
                "error",
                CorruptDocument(f"Unexpected {type(exc).__name__} while reading the file ({exc})."),
            )
        )
    finally:
        sender.close()


def _extract(content: bytes, mime: str, limits: IngestLimits) -> Extraction:
    if mime == PDF:
        return extract_pdf(content, max_pages=limits.max_pages, engine=limits.pdf_engine)
    if mime == DOCX:
        return extract_docx(content, max_uncompressed=limits.max_docx_unpacked)
    if mime == HTML:
        return extract_html(content)
    return extract_text(content)


def _store_extraction(
    store: Store,
    url: str,
    fields: dict[str, Any],
    extraction: Extraction,
    *,
    action: str,
    warnings: list[str],
) -> IngestResult:
    pages = extraction.pages
    n_pages = len(pages) if extraction.paginated else None
    fields.update(n_pages=n_pages, extractor=extraction.extractor, extracted_at=utcnow())
    scanned = [no for no, page in enumerate(pages, start=1) if not page.has_text_layer and page.image_regions]
    cleaned = clean_pages(pages)
    page_rows = [
        doc_store.PageRow(no, start, end, page.has_text_layer, page.image_regions, page.noise)
        for no, (page, (start, end)) in enumerate(zip(pages, cleaned.page_ranges), start=1)
        if extraction.paginated
    ]
    if not cleaned.text.strip():
        if scanned:
            fields.update(
                status="needs_ocr",
                error=ocr_tools.needs_ocr_message(len(scanned), len(pages)),
            )
            document_id, _ = doc_store.save_extraction(
                store, url, fields, text="", pages=page_rows, sections=[], passages=[]
            )
            return IngestResult(
                document_id,
                "needs_ocr",
                fields["error"],
                url=url,
                n_pages=n_pages,
                action=action,
            )
        raise EmptyDocument("No text found in the document.")
    if scanned:
        warnings.append(ocr_tools.partial_ocr_message(scanned))
        fields["error"] = warnings[-1]
    same_text = doc_store.original_with_text(store, doc_store.text_sha256(cleaned.text), other_than_url=url)
    if same_text is not None:  # another rendering of a document already stored: count its passages once
        fields.update(status="duplicate", duplicate_of=same_text["id"])
        fields["doc_type"] = fields.get("doc_type") or same_text["doc_type"]
        document_id = doc_store.save_document(store, url, fields, drop_extraction=True)
        return IngestResult(
            document_id, "duplicate", fields.get("error"), duplicate_of=same_text["id"], url=url,
            doc_type=fields["doc_type"], n_pages=n_pages, action=action, warnings=warnings,
        )  # fmt: skip
    first_start, first_end = cleaned.page_ranges[0] if cleaned.page_ranges else (0, len(cleaned.text))
    first_page = cleaned.text[first_start:first_end]
    if len(first_page) < 300:
        first_page = cleaned.text[:3000]
    if not fields.get("doc_type"):
        fields["doc_type"], fields["doc_type_evidence"] = detect_doc_type(first_page, cleaned.text, extraction.title)
    else:
        fields["doc_type_evidence"] = "given by the caller"
    for key, value in detect_metadata(first_page).items():
        if not fields.get(key):
            fields[key] = value
    if not fields.get("title"):
        fields["title"] = _meaningful_title(extraction.title) or _first_heading(cleaned)
    section_rows, passage_rows = segment_rows(
        cleaned.units, cleaned.text, cleaned.page_ranges,
        bundle=fields["doc_type"] in BUNDLE_TYPES, paginated=extraction.paginated,
        page_noise=[page.noise for page in pages],
    )  # fmt: skip
    fields["status"] = "extracted"
    document_id, n_passages = doc_store.save_extraction(
        store,
        url,
        fields,
        text=cleaned.text,
        pages=page_rows,
        sections=section_rows,
        passages=passage_rows,
    )
    from ..decisions.build import build as read_decisions  # decisions use ingest's plan cues: import late

    read_decisions(store, document_ids=[document_id], run_id=fields.get("run_id"))
    return IngestResult(
        document_id, "extracted", fields.get("error"), n_passages=n_passages, url=url, doc_type=fields["doc_type"],
        n_pages=n_pages, action=action, warnings=warnings,
    )  # fmt: skip


def segment_rows(
    units: list[Unit],
    text: str,
    page_ranges: list[tuple[int, int]],
    *,
    bundle: bool,
    paginated: bool,
    page_noise: list[str | None] | None = None,
) -> tuple[list[doc_store.SectionRow], list[doc_store.PassageRow]]:
    """The sections (one per sak) and passages of a document's text, as store rows.

    A decision passage carries the saksnr printed with it, else its section's; a passage on a
    map page or in a letterhead is flagged as noise (`page_noise` per page, from extraction).
    """
    section_spans = cut_sections(units, text, bundle=bundle)
    passage_spans = cut_passages(units, text, page_ranges)
    passage_rows = []
    for seq, span in enumerate(passage_spans, start=1):
        section = next((s for s in section_spans if s.start <= span.start < s.end), None)
        page_flag = page_noise[span.page_no - 1] if page_noise and span.page_no else None
        saksnr = span.saksnr or (section.saksnr if section and span.role else None)
        passage_rows.append(
            doc_store.PassageRow(
                seq, span.start, span.end, span.page_no if paginated else None, span.heading,
                section.seq if section else None, role=span.role, saksnr=saksnr,
                noise=page_flag or noise_of(text[span.start : span.end], span.page_no),
            )
        )  # fmt: skip
    section_rows = [doc_store.SectionRow(s.seq, s.kind, s.saksnr, s.title, s.start, s.end) for s in section_spans]
    return section_rows, passage_rows


def _meaningful_title(title: str | None) -> str | None:
    """Metadata titles are often producer residue («Microsoft Word - x.doc», «Aspose», «GISLINE»): skip those."""
    if not title:
        return None
    if re.match(
        r"(?:microsoft\s+\w+\s+-|untitled|aspose|dokument\d*$|document\d*$)",
        title,
        re.IGNORECASE,
    ):
        return None
    if re.search(r"\.(?:docx?|pdf|rtf|odt|html?)$", title, re.IGNORECASE) or len(title) < 4 or " " not in title.strip():
        return None  # a file name, or one word: the program that wrote the file, not what the document is called
    return title


SUBJECT = re.compile(r"(?:^|\s)(?:emne|subject|tittel|title)\s*:\s*(.{4,200}?)\s*$", re.IGNORECASE | re.MULTILINE)
NOT_A_TITLE = re.compile(
    r"^(?:saksgang|møtebok|saksframlegg|saksfremlegg|saksprotokoll|særutskrift|møteinnkalling|møteprotokoll|"
    r"innholdsfortegnelse|innhold|forord|sammendrag|vedlegg)$",
    re.IGNORECASE,
)


# a plan's name in a map's title block, up to the next label in capitals («… gate 70 SAKSBEHANDLING …»)
PLAN_NAME = re.compile(
    r"\b(?:Detaljregulering|Reguleringsplan|Områderegulering|Kommunedelplan)\s+for\s+(?:(?![A-ZÆØÅ]{2,}\b)[^\n|]){3,80}"
)


def _first_heading(cleaned) -> str | None:
    """The document's own title: an e-mail's subject, else the most prominent heading near the start,
    else a plan's name printed on it (a map's title block).

    Form labels («Saksgang», «Møtebok»), field labels («Kunngjøring av …:»), numbered
    section headings («1. Generelt») and letterheads are passed over.
    """
    units = cleaned.units[:25]
    for unit in units[:6]:
        subject = SUBJECT.search(unit.text)
        if subject:
            return subject.group(1).strip()
    candidates = []
    for position, unit in enumerate(units):
        text = " ".join(unit.text.split())
        if unit.kind != "heading" or text.endswith(":") or ": " in text or NOT_A_TITLE.match(text):
            continue
        if NUMBERED_HEADING.match(text) or noise_of(text, unit.page_no) or len(text.split()) < 2:
            continue
        candidates.append((unit.level or 3, position, text[:200]))
    if candidates:
        return min(candidates)[2]
    plan = PLAN_NAME.search("\n".join(unit.text for unit in units))
    return plan.group(0).strip(" ,.;:-–") if plan else None
