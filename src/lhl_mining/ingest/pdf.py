"""PDF text with positions, ordered by `layout`, and image-only regions flagged.

Two engines feed the same layout code: pypdfium2 (text rectangles, the
default: about 8× faster, see bench/bench_extract.py) and pdfplumber (word
boxes via pdfminer).  Pages with almost no text but a large image are image
pages: a whole document of them needs OCR.
"""

from __future__ import annotations

import io
import re

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pypdfium2.version import PYPDFIUM_INFO

from ..errors import CorruptDocument, EmptyDocument, EncryptedDocument, TooManyPages
from .layout import MARGIN_SHARE, Piece, Rule, page_blocks
from .model import Extraction, Page

PDF_ENGINES = ("pypdfium2", "pdfplumber")  # the first is the default
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MIN_TEXT_CHARS = 10  # fewer visible characters than this: the page has no usable text layer
IMAGE_REGION_SHARE = 0.08  # an image covering this share of the page counts as a region
IMAGE_TEXT_CHARS = 20  # …unless at least this much text lies on top of it (an OCR layer, a caption box)


def extract_pdf(data: bytes, *, max_pages: int, engine: str = "pypdfium2") -> Extraction:
    """Pages of blocks from PDF bytes; raises an `IngestError` for unreadable files."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message:
            raise EncryptedDocument(
                "The PDF is password-protected; ask the kommune for an open copy or remove the password "
                "(e.g. `qpdf --decrypt --password=… in.pdf out.pdf`)."
            ) from None
        if re.search(rb"/Type\s*/Pages\b[^>]*?/Count\s+0\b", data):
            raise EmptyDocument("The PDF has no pages.") from None
        raise CorruptDocument(f"The PDF cannot be read ({exc}); the file is damaged or truncated.") from None
    try:
        n_pages = len(document)
        if n_pages == 0:
            raise EmptyDocument("The PDF has no pages.")
        if n_pages > max_pages:
            raise TooManyPages(
                f"The PDF has {n_pages} pages, above the limit of {max_pages} (raise it with --max-pages)."
            )
        title = (document.get_metadata_dict().get("Title") or "").strip() or None
        pages = [_pdfium_page(document, index) for index in range(n_pages)]
        if engine == "pdfplumber":
            _replace_text_with_pdfplumber(data, pages)
            extractor = f"pdfplumber {pdfplumber.__version__}"
        else:
            extractor = f"pypdfium2 {PYPDFIUM_INFO}"
    finally:
        document.close()
    return Extraction(pages=pages, extractor=extractor, mime_type="application/pdf", title=title)


def _pdfium_page(document: pdfium.PdfDocument, index: int) -> Page:
    try:
        page = document[index]
    except pdfium.PdfiumError as exc:
        raise CorruptDocument(f"Page {index + 1} of the PDF cannot be read ({exc}).") from None
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        pieces: list[Piece] = []
        seen: dict[str, list[tuple[float, float]]] = {}
        for rect_index in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(rect_index)
            text = textpage.get_text_bounded(left, bottom, right, top)
            if not text.strip():
                continue
            char = pdfium_c.FPDFText_GetCharIndexAtPos(textpage, left + 1, (bottom + top) / 2, 3, 3)
            size = pdfium_c.FPDFText_GetFontSize(textpage, char) if char >= 0 else 0.0
            bold = char >= 0 and pdfium_c.FPDFText_GetFontWeight(textpage, char) >= 600
            # pdfium marks a line-end hyphen as \x02; \uf020 is the Symbol font's space
            clean = text.replace("\x02", "-").replace("\r", "").replace("\n", " ").replace("\uf020", " ")
            clean = CONTROL_CHARS.sub("", clean)
            # text overprinted several times to look bold is read once
            if any(abs(left - x) < 3 and abs(top - y) < 3 for x, y in seen.get(clean, ())):
                continue
            seen.setdefault(clean, []).append((left, top))
            if size < 3:  # some producers scale a 1-pt font by the text matrix; the box height is closer
                size = 0.0
            pieces.append(
                Piece(
                    left,
                    height - top,
                    right,
                    height - bottom,
                    clean,
                    size=size,
                    bold=bold,
                )
            )
        # running headers/footers stamped on a scan are no text layer for its content
        body = [p for p in pieces if MARGIN_SHARE * height < p.middle < (1 - MARGIN_SHARE) * height]
        visible = sum(len(p.text.strip()) for p in body)
        image_regions = 0
        for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4):
            left, bottom, right, top = image.get_bounds()
            area = max(0.0, min(right, width) - max(left, 0)) * max(0.0, min(top, height) - max(bottom, 0))
            if area < IMAGE_REGION_SHARE * width * height:
                continue
            covered = len("".join(textpage.get_text_bounded(left, bottom, right, top).split()))
            if covered < IMAGE_TEXT_CHARS:
                image_regions += 1
        rules = []
        for path in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=4):
            left, bottom, right, top = path.get_bounds()
            if min(right - left, top - bottom) <= 3 and max(right - left, top - bottom) >= 8:
                rules.append(Rule(left, height - top, right, height - bottom))
        textpage.close()
    finally:
        page.close()
    blocks, header, footer = page_blocks(pieces, height, rules)
    return Page(
        blocks=blocks,
        has_text_layer=visible >= MIN_TEXT_CHARS,
        image_regions=image_regions,
        header=header,
        footer=footer,
    )


def _replace_text_with_pdfplumber(data: bytes, pages: list[Page]) -> None:
    """Re-read the text of every page from pdfplumber's word boxes (image flags stay from pdfium)."""
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page, plumber_page in zip(pages, pdf.pages):
                words = plumber_page.extract_words(extra_attrs=["size", "fontname"])
                pieces = [
                    Piece(w["x0"], w["top"], w["x1"], w["bottom"], _plumber_text(w["text"]), size=w["size"],
                          bold="bold" in w["fontname"].lower())
                    for w in words
                ]  # fmt: skip
                rules = [Rule(e["x0"], e["top"], e["x1"], e["bottom"]) for e in plumber_page.edges]
                page.blocks, page.header, page.footer = page_blocks(pieces, plumber_page.height, rules)
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many unrelated types on damaged files
        raise CorruptDocument(f"pdfplumber cannot read the PDF ({type(exc).__name__}: {exc}).") from None


def _plumber_text(text: str) -> str:
    """pdfminer writes unmapped glyphs as «(cid:N)»; 127 is the bullet of the standard fonts."""
    return re.sub(r"\(cid:\d+\)", "", text.replace("(cid:127)", "•"))
