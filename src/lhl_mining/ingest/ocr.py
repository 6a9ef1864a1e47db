"""OCR of scanned PDFs with ocrmypdf and Tesseract's Norwegian model, when they are installed."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import OcrFailed, OcrUnavailable

OCR_LANGUAGES = "nor+eng"
OCR_TIMEOUT_S = 1800
INSTALL_HINT = (
    "OCR needs ocrmypdf and Tesseract with Norwegian: `sudo apt-get install ocrmypdf tesseract-ocr-nor` "
    "(macOS: `brew install ocrmypdf tesseract-lang`), then run `lhl ingest --ocr` again."
)


def ocr_available() -> bool:
    return shutil.which("ocrmypdf") is not None and shutil.which("tesseract") is not None


def missing_tools_message() -> str | None:
    """None when OCR can run; otherwise what is missing and how to install it."""
    if ocr_available():
        languages = subprocess.run(
            ["tesseract", "--list-langs"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        ).stdout.split()
        if "nor" not in languages:
            return "Tesseract has no Norwegian model: `sudo apt-get install tesseract-ocr-nor`."
        return None
    return INSTALL_HINT


def ocr_version() -> str:
    result = subprocess.run(
        ["ocrmypdf", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return f"ocrmypdf {result.stdout.strip()}"


def ocr_pdf(content: bytes) -> bytes:
    """A copy of the PDF with a text layer added to pages that have none."""
    problem = missing_tools_message()
    if problem:
        raise OcrUnavailable(problem)
    with tempfile.TemporaryDirectory(prefix="lhl-ocr-") as folder:
        source, target = Path(folder) / "in.pdf", Path(folder) / "out.pdf"
        source.write_bytes(content)
        try:
            result = subprocess.run(
                ["ocrmypdf", "-l", OCR_LANGUAGES, "--skip-text", "--quiet", str(source), str(target)],
                capture_output=True, text=True, timeout=OCR_TIMEOUT_S, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise OcrFailed(f"OCR took longer than {OCR_TIMEOUT_S // 60} minutes and was stopped.") from None
        if result.returncode != 0 or not target.exists():
            detail = (result.stderr.strip().splitlines() or ["no message"])[-1]
            raise OcrFailed(f"ocrmypdf failed (exit {result.returncode}): {detail}")
        return target.read_bytes()


def needs_ocr_message(n_scanned: int, n_pages: int) -> str:
    return (
        f"Scanned document: {n_scanned} of {n_pages} pages are images without a text layer. "
        f"Run `lhl ingest --ocr` on it. {missing_tools_message() or ''}"
    ).strip()


def partial_ocr_message(pages: list[int]) -> str:
    listed = ", ".join(str(p) for p in pages[:10]) + (" …" if len(pages) > 10 else "")
    which = f"Page {listed} is an image" if len(pages) == 1 else f"Pages {listed} are images"
    return f"{which} without a text layer; that text is missing (run `lhl ingest --ocr`)."
