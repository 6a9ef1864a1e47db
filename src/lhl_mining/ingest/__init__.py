"""Document ingestion: text from PDF, HTML, DOCX and plain text, cleaned, split into passages, typed.

`ingest_download` (used by the scrapers for every download) and `ingest_path`
(local files and folders, `lhl ingest`) store the file in the corpus by
content hash, extract and clean its text, find its type and printed metadata,
split meeting bundles into one section per sak, and write paragraph-level
passages whose offsets point into the stored text.
"""

from .doctype import DOC_TYPES
from .ocr import missing_tools_message as ocr_missing_tools_message
from .pdf import PDF_ENGINES
from .pipeline import (
    DEFAULT_CORPUS,
    IngestLimits,
    IngestResult,
    discover_files,
    ingest_download,
    ingest_file,
    ingest_files,
    ingest_path,
)
from .stored import segment_stored

__all__ = [
    "DEFAULT_CORPUS",
    "DOC_TYPES",
    "PDF_ENGINES",
    "IngestLimits",
    "IngestResult",
    "discover_files",
    "ingest_download",
    "ingest_file",
    "ingest_files",
    "ingest_path",
    "ocr_missing_tools_message",
    "segment_stored",
]
