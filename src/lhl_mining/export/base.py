"""The export registry: one `ExportFormat` per format module, found by name.

A new format is one module that builds an `ExportFormat` and calls `register`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..store import Store
from .codebook import CodeTree

LEVELS = ("passage", "document", "kommune")


@dataclass
class ExportOptions:
    level: str = "passage"
    codings: str = "final"
    codebook: CodeTree | None = None
    suffix: str = ""
    progress: Callable[[int], None] | None = None
    target: str = "nvivo"  # qdpx: whose position rule texts with characters above U+FFFF follow
    labels: str = "en"  # csv/xlsx/jsonl headers: stable snake_case (en) or Norwegian (nb)
    notices: list[str] = field(default_factory=list)  # what the export left out, and why
    until: str | None = None
    """ISO date: the kommune table ignores evidence dated later (summary, nvivo-sheet, qdpx case values)."""

    def advance(self, n: int = 1) -> None:
        if self.progress:
            self.progress(n)


@dataclass
class ExportResult:
    path: Path
    format: str
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


Writer = Callable[[Store | None, Path, ExportOptions], dict[str, Any]]


@dataclass(frozen=True)
class ExportFormat:
    """A format: its writer, its help line, and which options make sense for it."""

    name: str
    write: Writer
    help: str
    levels: tuple[str, ...] = ()
    codings: tuple[str, ...] = ("final", "all", "machine")
    suffixes: tuple[str, ...] = ()
    needs_database: bool = True
    needs: str = "passages"  # passages | documents | kommuner | nothing


FORMATS: dict[str, ExportFormat] = {}


def database(store: Store | None) -> Store:
    """The store of a writer whose format has `needs_database` (export() opens it before calling the writer)."""
    if store is None:
        raise RuntimeError("a format with needs_database=True was written without its database")
    return store


def register(fmt: ExportFormat) -> ExportFormat:
    FORMATS[fmt.name] = fmt
    return fmt
