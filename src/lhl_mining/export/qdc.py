"""REFI-QDA Codebook Exchange (`.qdc`): the code tree alone, for importing into a new project."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import __version__
from ..store import Store
from .base import ExportFormat, ExportOptions, register
from .codebook import load_code_tree
from .qdpx import _Xml, write_codebook_codes

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"


def _write_qdc(store: Store | None, path: Path, options: ExportOptions) -> dict[str, Any]:
    codebook = options.codebook or load_code_tree()
    with path.open("wb") as fh:
        xml = _Xml(fh)
        xml.start("CodeBook", xmlns=CODEBOOK_NS, origin=f"lhl-mining {__version__} (codebook {codebook.version})")
        write_codebook_codes(xml, codebook)
        xml.end("CodeBook")
        xml.close()
    return {"codes": len(codebook.codes)}


register(
    ExportFormat(
        name="qdc",
        write=_write_qdc,
        help="REFI-QDA codebook only (codes, hierarchy, colours, descriptions).",
        codings=(),
        suffixes=(".qdc",),
        needs_database=False,
        needs="nothing",
    )
)
