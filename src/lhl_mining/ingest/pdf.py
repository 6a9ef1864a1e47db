"""PDF text with positions, ordered by `layout`, and image-only regions flagged.

Two engines feed the same layout code with words: pypdfium2 (its character
list, the default: about 8× faster, see bench/bench_extract.py) and pdfplumber
(word boxes via pdfminer).  Pages with almost no text but a large image are image
pages: a whole document of them needs OCR.
"""

from __future__ import annotations

import ctypes
import io
import math
import re

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pypdfium2.version import PYPDFIUM_INFO

from ..errors import CorruptDocument, EmptyDocument, EncryptedDocument, TooManyPages
from .layout import MARGIN_SHARE, Piece, Rule, page_blocks
from .model import Extraction, Page

PDF_ENGINES = ("pypdfium2", "pdfplumber")  # the first is the default
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all but tab, line feed and carriage return
MIN_TEXT_CHARS = 10  # fewer visible characters than this: the page has no usable text layer
IMAGE_REGION_SHARE = 0.08  # an image covering this share of the page counts as a region
IMAGE_TEXT_CHARS = 20  # …unless at least this much text lies on top of it (an OCR layer, a caption box)
# a map sheet (plankart) is thousands of drawn paths with a few labels; a page of ruled tables has
# a few paths per word
MAP_PATHS, MAP_PATHS_PER_WORD = 500, 20


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
        pieces = _pdfium_words(textpage, height)
        # running headers/footers stamped on a scan are no text layer for its content
        body = [p for p in pieces if MARGIN_SHARE * height < p.middle < (1 - MARGIN_SHARE) * height]
        visible = sum(len(p.text.strip()) for p in body)
        image_regions = 0
        rules = []
        n_paths = 0
        for kind, (left, bottom, right, top) in _object_bounds(page):
            if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
                n_paths += 1
                if min(right - left, top - bottom) <= 3 and max(right - left, top - bottom) >= 8:
                    rules.append(Rule(left, height - top, right, height - bottom))
                continue
            area = max(0.0, min(right, width) - max(left, 0)) * max(0.0, min(top, height) - max(bottom, 0))
            if area < IMAGE_REGION_SHARE * width * height:
                continue
            covered = len("".join(textpage.get_text_bounded(left, bottom, right, top).split()))
            if covered < IMAGE_TEXT_CHARS:
                image_regions += 1
        textpage.close()
    finally:
        page.close()
    blocks, header, footer = page_blocks(pieces, height, rules)
    return Page(
        noise="map" if n_paths >= MAP_PATHS and n_paths >= MAP_PATHS_PER_WORD * len(pieces) else None,
        blocks=blocks,
        has_text_layer=visible >= MIN_TEXT_CHARS,
        image_regions=image_regions,
        header=header,
        footer=footer,
    )


def _object_bounds(page: pdfium.PdfPage, max_depth: int = 4):
    """(type, (left, bottom, right, top)) of every image and path, also inside forms (raw API: fast)."""
    wanted = (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_PATH)
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    refs = [ctypes.byref(v) for v in (left, bottom, right, top)]
    stack = [(None, i, 0) for i in reversed(range(pdfium_c.FPDFPage_CountObjects(page)))]
    while stack:
        form, index, depth = stack.pop()
        obj = pdfium_c.FPDFPage_GetObject(page, index) if form is None else pdfium_c.FPDFFormObj_GetObject(form, index)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth + 1 < max_depth:
            stack.extend((obj, i, depth + 1) for i in reversed(range(pdfium_c.FPDFFormObj_CountObjects(obj))))
        elif kind in wanted and pdfium_c.FPDFPageObj_GetBounds(obj, *refs):
            yield kind, (left.value, bottom.value, right.value, top.value)


BOLD_FONT = re.compile(r"bold|black|heavy|demi|semibold", re.IGNORECASE)
SPACES = " \t\r\n\u00a0\uf020\u2000\u2001\u2002\u2003\u2009\u202f"
SPACE_CHARS = frozenset(SPACES)
RUN = re.compile(f"[^{SPACES}]+")  # a word as pdfium's text has it


def _pdfium_words(textpage: pdfium.PdfTextPage, height: float) -> list[Piece]:
    """Words from pdfium's character list, each glyph read once, with effective size and weight.

    pdfium's own text (with the spaces and line breaks it infers) decides where words
    end; boxes come from each character, so a neighbour glyph is never read twice (as
    `get_text_bounded` on a rectangle does).  Sizes are scaled by the text matrix
    (Distiller writes 1-pt fonts scaled up), and bold comes from the weight or, where
    the producer reports 0 or 400, from the font name («Calibri-Bold», «AptosBold»).
    """
    count = pdfium_c.FPDFText_CountChars(textpage)
    text = textpage.get_text_range(0, count) if count > 0 else ""
    if len(text) != count:  # one character per index, whatever get_text_range made of it
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage, i)) for i in range(count))
    box = pdfium_c.FS_RECTF()
    box_ref = ctypes.byref(box)
    matrix = pdfium_c.FS_MATRIX()
    matrix_ref = ctypes.byref(matrix)
    name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    get_box = pdfium_c.FPDFText_GetLooseCharBox
    get_object = pdfium_c.FPDFText_GetTextObject  # size, matrix and font belong to the text object
    pieces: list[Piece] = []
    seen: dict[str, list[tuple[float, float]]] = {}
    word: list[str] = []
    x0 = top = x1 = bottom = 0.0
    size, bold, rotated = 0.0, False, False

    def flush() -> None:
        clean = "".join(word).strip()
        word.clear()
        if not clean:
            return
        # text overprinted to look bold is read once
        if any(abs(x0 - x) < 3 and abs(top - y) < 3 for x, y in seen.get(clean, ())):
            return
        seen.setdefault(clean, []).append((x0, top))
        pieces.append(Piece(x0, height - top, x1, height - bottom, clean, size=size, bold=bold))

    fonts: dict[int | None, tuple[float, bool, bool]] = {}
    # pdfium marks a hyphen it found at a line end as \x02 or \ufffe; other control characters go
    text = CONTROL_CHARS.sub("\x00", text.replace("\x02", "-").replace("\ufffe", "-"))
    run_ends = {m.start(): m.end() for m in RUN.finditer(text)}
    index, count = 0, len(text)
    while index < count:
        char = text[index]
        if char == "\x00":
            index += 1
            continue
        if char in SPACE_CHARS:
            if word and rotated and char == " ":
                word.append(char)  # a rotated label (map, table head) stays one piece up to its line end
            elif word:
                flush()
            index += 1
            continue
        get_box(textpage, index, box_ref)
        left, right, high, low = box.left, box.right, box.top, box.bottom
        if word and not rotated:
            middle = (high + low) / 2
            # a new line, a jump wider than the glyph height, or text printed over itself
            if not bottom < middle < top or left - x1 > top - bottom or right < x0 + 0.5:
                flush()
        if not word:
            x0, top, x1, bottom = left, high, right, low
            key = ctypes.cast(get_object(textpage, index), ctypes.c_void_p).value
            font = fonts.get(key)
            if font is None:
                font = fonts[key] = _font(textpage, index, matrix, matrix_ref, name, flags)
            size, bold, rotated = font
            end = run_ends.get(index, 0)
            if end - index > 2 and not rotated:
                # fast path: a word whose last glyph lies on the same line, after its first, within
                # the width its letters can take, is read whole (else glyph by glyph, below)
                get_box(textpage, end - 1, box_ref)
                if (
                    bottom < (box.top + box.bottom) / 2 < top
                    and left <= box.left
                    and box.right - left <= (end - index) * (top - bottom)
                ):
                    x1 = max(right, box.right)
                    word.append(text[index:end].replace("\x00", ""))
                    flush()
                    index = end
                    continue
        else:  # rotated words (map labels) run in any direction: their box grows every way
            if left < x0:
                x0 = left
            if right > x1:
                x1 = right
            if high > top:
                top = high
            if low < bottom:
                bottom = low
        word.append(char)
        index += 1
    if word:
        flush()
    return pieces


def _font(textpage, index: int, matrix, matrix_ref, name, flags) -> tuple[float, bool, bool]:
    """(size in points as printed, bold, rotated) of one character."""
    size = pdfium_c.FPDFText_GetFontSize(textpage, index)
    rotated = False
    if pdfium_c.FPDFText_GetMatrix(textpage, index, matrix_ref):
        size *= math.hypot(matrix.c, matrix.d) or 1.0
        rotated = abs(matrix.b) > 0.01 * abs(matrix.a) or matrix.a < 0
    weight = pdfium_c.FPDFText_GetFontWeight(textpage, index)
    bold = weight >= 600
    if not bold and pdfium_c.FPDFText_GetFontInfo(textpage, index, name, len(name), ctypes.byref(flags)):
        bold = bool(BOLD_FONT.search(name.value.decode("latin-1").split("+")[-1]))
    return (size if size >= 3 else 0.0), bold, rotated


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
    except Exception as exc:
        raise CorruptDocument(f"pdfplumber cannot read the PDF ({type(exc).__name__}: {exc}).") from None


def _plumber_text(text: str) -> str:
    """pdfminer writes unmapped glyphs as «(cid:N)»; 127 is the bullet of the standard fonts."""
    return re.sub(r"\(cid:\d+\)", "", text.replace("(cid:127)", "•"))
