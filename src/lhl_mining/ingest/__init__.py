"""Document ingestion: text from PDF, HTML, DOCX and plain text, cleaned, split into passages, typed.

`ingest_download` (used by the scrapers for every download), `ingest_path`
(local files and folders) and `run_ingest` (`lhl ingest`, recorded as a run),
all driven by one `IngestOptions`, store the file in the corpus by
content hash, extract and clean its text, find its type and printed metadata,
split meeting bundles into one section per sak, and write paragraph-level
passages whose offsets point into the stored text.
"""

from .doctype import DOC_TYPES
from .ocr import missing_tools_message as ocr_missing_tools_message
from .pdf import PDF_ENGINES
from .pipeline import (
    DEFAULT_CORPUS,
    Download,
    IngestLimits,
    IngestOptions,
    IngestResult,
    IngestSummary,
    discover_files,
    ingest_download,
    ingest_file,
    ingest_files,
    ingest_path,
    run_ingest,
)
from .stored import segment_stored

__all__ = [
    "DEFAULT_CORPUS",
    "DOC_TYPES",
    "PDF_ENGINES",
    "Download",
    "IngestLimits",
    "IngestOptions",
    "IngestResult",
    "IngestSummary",
    "discover_files",
    "ingest_download",
    "ingest_file",
    "ingest_files",
    "ingest_path",
    "ocr_missing_tools_message",
    "run_ingest",
    "segment_stored",
]
