"""Exports (REFI-QDA, spreadsheets, kommune summary) and the HTML report.

`export(store, "qdpx", "out.qdpx")` checks the options and the data, writes to
a temporary file beside the target and renames it at the end.  Formats live in
one module each and register themselves in `FORMATS`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

from ..decisions.extract import EXTRACTOR
from ..errors import CodesMissingFromCodebook, ExportOptionError, NothingToExport
from ..store import Store
from ..store import decisions as decisions_sql
from ..store import exports as sql
from . import figures, nvivo_sheet, qdc, qdpx, summary, tabular  # noqa: F401  (each registers its format)
from .base import FORMATS, LEVELS, ExportFormat, ExportOptions, ExportResult
from .codebook import CodeTree, load_code_tree
from .model import CODING_MODES
from .output import atomic_output, check_output
from .qdpx import TARGETS
from .tabular import LABELS

__all__ = [
    "CODING_MODES",
    "FORMATS",
    "LEVELS",
    "ExportFormat",
    "ExportResult",
    "check_codes",
    "export",
    "load_code_tree",
    "prepare_export",
    "total_work",
]

# Codes the tagger may store that name a framing value rather than a codebook code.
_DERIVED_CODES = {"framing.begge", "framing.ingen"}


def check_codes(store: Store, codebook: CodeTree) -> None:
    """Refuse to export codes the codebook does not define (a renamed code, an old tagger)."""
    missing = sorted(sql.used_codes(store) - codebook.ids - _DERIVED_CODES)
    if missing:
        raise CodesMissingFromCodebook(
            f"The database uses code(s) missing from codebook {codebook.version} ({codebook.origin}): "
            f"{', '.join(missing)}. Add them to the codebook, or re-run `lhl tag` with the current codebook."
        )


def prepare_export(
    fmt_name: str,
    out: str | os.PathLike,
    *,
    level: str | None = None,
    codings: str = "final",
    force: bool = False,
    target: str | None = None,
    labels: str | None = None,
    until: str | None = None,
) -> tuple[ExportFormat, ExportOptions]:
    """Validate format, level, codings and the output path before any work is done."""
    fmt = FORMATS.get(fmt_name)
    if fmt is None:
        raise ExportOptionError(f"Unknown export format «{fmt_name}»; choose one of {', '.join(FORMATS)}.")
    path = Path(out)
    check_output(path, force=force)
    suffix = path.suffix.lower()
    if fmt.suffixes and suffix not in fmt.suffixes:
        if fmt.name in ("nvivo-sheet", "summary", "figures") or len(fmt.suffixes) > 1:
            raise ExportOptionError(
                f"--format {fmt.name} writes {', '.join(fmt.suffixes)} files; «{path.name}» has another ending."
            )
        raise ExportOptionError(f"--format {fmt.name} writes {fmt.suffixes[0]} files; name --out «…{fmt.suffixes[0]}».")
    if level is not None and level not in LEVELS:
        raise ExportOptionError(f"Unknown --level «{level}»; choose one of {', '.join(LEVELS)}.")
    if level not in (None, "passage") and not fmt.levels:
        raise ExportOptionError(f"--level applies to csv, xlsx and jsonl, not to --format {fmt.name}.")
    if codings not in CODING_MODES:
        raise ExportOptionError(f"Unknown --codings «{codings}»; choose one of {', '.join(CODING_MODES)}.")
    if fmt.codings and codings not in fmt.codings:
        raise ExportOptionError(f"--format {fmt.name} takes --codings {' or '.join(fmt.codings)}, not «{codings}».")
    if codings == "all" and level in ("document", "kommune"):
        raise ExportOptionError(
            f"--codings all gives several codes per passage; use it with --level passage, or count per {level} "
            "with --codings final or machine."
        )
    if target is not None and (fmt.name != "qdpx" or target not in TARGETS):
        raise ExportOptionError(f"--for applies to --format qdpx and takes {' or '.join(TARGETS)}, not «{target}».")
    if labels is not None and (not fmt.levels or labels not in LABELS):
        raise ExportOptionError(
            f"--labels applies to csv, xlsx and jsonl and takes {' or '.join(LABELS)}, not «{labels}»."
        )
    if until is not None and fmt.needs != "kommuner" and fmt.name != "qdpx":
        raise ExportOptionError(f"--until cuts the kommune table; --format {fmt.name} has none.")
    return fmt, ExportOptions(
        level=level or "passage",
        codings=codings,
        suffix=suffix,
        target=target or "nvivo",
        labels=labels or "en",
        until=check_until(until),
    )


def check_until(until: str | None) -> str | None:
    """`--until` as an ISO date (2021-12-15), or a one-line error."""
    if until is None:
        return None
    try:
        return dt.date.fromisoformat(until.strip()).isoformat()
    except ValueError:
        raise ExportOptionError(f"--until takes a date like 2021-12-15, not «{until}».") from None


def total_work(store: Store, fmt: ExportFormat) -> int:
    """Passages an export walks (for a progress bar); 0 when it reads none."""
    return 0 if fmt.needs == "nothing" else sql.content_counts(store)["passages"]


def _check_content(store: Store, fmt: ExportFormat, options: ExportOptions) -> None:
    counts = sql.content_counts(store)
    needs = fmt.needs if not (fmt.levels and options.level != "passage") else "documents"
    hint = "Run `lhl scrape` or `lhl ingest` to add documents, then `lhl tag`."
    if needs == "passages" and counts["passages"] == 0:
        raise NothingToExport(f"{store.path} has no passages to export. {hint}")
    if needs == "texts" and counts["texts"] == 0:
        raise NothingToExport(f"{store.path} has no documents with extracted text to export. {hint}")
    if needs == "documents" and counts["documents"] == 0:
        raise NothingToExport(f"{store.path} has no documents to export. {hint}")


def export(
    store: Store | None,
    fmt_name: str,
    out: str | os.PathLike,
    *,
    level: str | None = None,
    codings: str = "final",
    force: bool = False,
    codebook: CodeTree | None = None,
    progress: Callable[[int], None] | None = None,
    target: str | None = None,
    labels: str | None = None,
    until: str | None = None,
) -> ExportResult:
    """Write `out` in format `fmt_name`; nothing is left at `out` unless it succeeds.  The result's
    warnings say what the file leaves out and why."""
    fmt, options = prepare_export(
        fmt_name, out, level=level, codings=codings, force=force, target=target, labels=labels, until=until
    )
    options.codebook = codebook or load_code_tree()
    options.progress = progress
    if fmt.needs_database:
        if store is None:
            raise ExportOptionError(f"--format {fmt.name} needs a database (--db).")
        _check_content(store, fmt, options)
        check_codes(store, options.codebook)
    with atomic_output(out, force=force) as tmp:
        counts = fmt.write(store, tmp, options)
    result = ExportResult(path=Path(out), format=fmt.name, counts=counts, warnings=list(options.notices))
    if (
        store is not None
        and (fmt.needs == "kommuner" or fmt.name == "qdpx")
        and (unread := decisions_sql.unread_count(store, EXTRACTOR))
    ):
        result.warnings.append(
            f"The decisions of {unread} document(s) were read in memory for the kommune table; "
            "`lhl decisions` stores them once and makes exports faster."
        )
    if store is not None and codings == "final" and fmt.name == "qdpx" and counts.get("selections") == 0:
        result.warnings.append(
            "No passage has a final human code yet, so the project has no codings; "
            "export the machine's suggestions with --codings machine."
        )
    return result
