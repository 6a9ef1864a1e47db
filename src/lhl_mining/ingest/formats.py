"""HTML, DOCX and plain-text extraction, and telling formats apart by content, not by name."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import docx
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

from ..errors import CorruptDocument, NotADocument, UndecodableText, UnsupportedFormat, ZipBomb
from .layout import CELL_SEPARATOR, is_bullet_start
from .model import HEADING, LIST_ITEM, PARAGRAPH, TABLE_ROW, Block, Extraction, Page
from .segment import SAK_START

PDF, DOCX, HTML, TEXT = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "text/html",
    "text/plain",
)


def sniff_format(data: bytes) -> str:
    """MIME type from the first bytes; a wrongly named file is read as what it is."""
    head = data[:2048]
    if head.lstrip(b"\x00\t\r\n \xef\xbb\xbf")[:5] == b"%PDF-" or b"%PDF-" in data[:1024]:
        return PDF
    if head[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            raise CorruptDocument(
                "The file looks like a ZIP/Office file but the archive is damaged or truncated."
            ) from None
        if "word/document.xml" in names:
            return DOCX
        raise UnsupportedFormat(
            "ZIP archive that is not a Word document (.docx); unpack it and ingest the files inside."
        )
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnsupportedFormat(
            "Old binary Word/Excel file (.doc/.xls); convert it first, e.g. `libreoffice --headless --convert-to docx FILE`."
        )
    if head[:4] in (b"\x89PNG", b"GIF8") or head[:3] == b"\xff\xd8\xff" or head[:4] in (b"II*\x00", b"MM\x00*"):
        raise UnsupportedFormat("Image file; convert it to PDF and run `lhl ingest --ocr` on the PDF.")
    if head.startswith(b"{\\rtf"):
        raise UnsupportedFormat("RTF file; convert it first, e.g. `libreoffice --headless --convert-to docx FILE`.")
    text_head = head.decode("latin-1").lower()
    if re.search(r"<!doctype\s+html|<html[\s>]|<body[\s>]|<head[\s>]", text_head):
        return HTML
    return TEXT


# ------------------------------------------------------------------ plain text
TEXT_ENCODINGS = ("cp1252", "iso8859_15", "mac_roman", "cp850")
PLAUSIBLE = set("æøåÆØÅéèêáàüöäÜÖÄóòôíç«»–—‘’“”•§°½€")


def decode_text(data: bytes) -> str:
    """Text in UTF-8/16/32 or a common 8-bit Western encoding; raises for binary or unknown bytes."""
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                raise UndecodableText(
                    f"The text says it is {codec} (byte-order mark) but is not valid {codec}."
                ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        if "\x00" in text:
            raise UndecodableText("The file holds NUL bytes: it is binary, not text.")
        return text
    if data.count(b"\x00") > len(data) // 100:
        raise UndecodableText("The file holds binary data (NUL bytes), not text in a known encoding.")
    best: tuple[float, str] | None = None
    for codec in TEXT_ENCODINGS:
        try:
            candidate = data.decode(codec)
        except UnicodeDecodeError:
            continue
        non_ascii = [c for c in candidate if ord(c) > 127]
        odd = sum(1 for c in candidate if (ord(c) < 32 and c not in "\r\n\t\f") or "\x7f" <= c <= "\x9f")
        score = (
            sum(1 for c in non_ascii if c in PLAUSIBLE) - 3 * sum(1 for c in non_ascii if c not in PLAUSIBLE) - 5 * odd
        )
        if best is None or score > best[0]:
            best = (score, candidate)
    if best is None or best[0] < 0:
        raise UndecodableText(
            "The text is in no known encoding (tried UTF-8/16/32, Windows-1252, ISO-8859-15, Mac Roman, CP850); "
            "save it as UTF-8 and ingest it again."
        )
    return best[1]


def extract_text(data: bytes) -> Extraction:
    """Plain text: form feeds separate pages, blank lines separate paragraphs."""
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    pages = []
    for page_text in text.split("\f"):
        blocks = []
        for chunk in re.split(r"\n[ \t]*\n", page_text):
            lines = [line.strip() for line in chunk.split("\n") if line.strip()]
            if lines:
                blocks.extend(_text_blocks(lines))
        pages.append(Page(blocks=blocks))
    return Extraction(pages=pages, extractor="text", mime_type=TEXT, paginated=len(pages) > 1)


def _text_blocks(lines: list[str]) -> list[Block]:
    """Bullets start their own list item inside a blank-line-separated chunk; a sak line stands alone."""
    blocks: list[Block] = []
    for line in lines:
        starts_sak = SAK_START.match(line) is not None
        after_sak = bool(blocks) and SAK_START.match(blocks[-1].lines[0]) is not None
        if is_bullet_start(line) or starts_sak or after_sak or not blocks:
            kind = LIST_ITEM if is_bullet_start(line) else PARAGRAPH
            blocks.append(Block(lines=[line], kind=kind))
        else:
            blocks[-1].lines.append(line)
    return blocks


# ------------------------------------------------------------------ HTML
BOILERPLATE_TAGS = "script, style, noscript, template, svg, nav, header, footer, aside, form, iframe, button, select"
BOILERPLATE_HINT = re.compile(
    r"\b(?:nav|navbar|menu|meny|breadcrumbs?|brødsmule|footer|bunn|cookie|sidebar|skip|share|del-|social|banner|"
    r"search|søk|related|relaterte)\b",
    re.IGNORECASE,
)
MAIN_SELECTORS = (
    "main",
    "[role=main]",
    "article",
    "#content",
    "#main",
    "#innhold",
    ".content",
    ".main-content",
    "#maincontent",
)
BLOCK_TAGS = {
    "p",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "pre",
    "blockquote",
    "dt",
    "dd",
    "caption",
    "figcaption",
    "td",
    "th",
    "div",
    "section",
}


NOT_A_DOCUMENT = re.compile(
    r"\blogg?\s*inn\b|\binnlogging\b|\blog\s*in\b|\bsign\s*in\b|\bid-porten\b|\btilgang\s+nektet\b|"
    r"\baccess\s+denied\b|\bforbidden\b|\bikke\s+funnet\b|\bfinnes\s+ikke\b|\bnot\s+found\b|"
    r"(?:^|\|\s)(?:http\s*|error\s*|feil\s*)?(?:400|401|403|404|410|500|502|503)\b|"
    r"\binternal\s+server\s+error\b|\bservice\s+unavailable\b|"
    r"\bøkt(?:en)?\s+(?:er\s+)?utløpt\b|\bsession\s+(?:has\s+)?expired\b|\bfeil(?:side)?\b|\berror\b",
    re.IGNORECASE,
)
NOT_A_DOCUMENT_WORDS = 150  # a login or error page says little; a real page that links «Logg inn» says more


def _refuse_login_or_error_page(tree: HTMLParser, title: str | None) -> None:
    """A login, error or expired-session page saved in place of the document is no document."""
    password = tree.css_first("input[type=password]") is not None
    head = " | ".join(filter(None, [title] + [" ".join(n.text().split()) for n in tree.css("h1, h2")[:3]]))
    cue = NOT_A_DOCUMENT.search(head)
    body = tree.body.text(separator=" ") if tree.body is not None else ""
    if (password or cue) and len(body.split()) < NOT_A_DOCUMENT_WORDS * (2 if password else 1):
        what = f"«{cue.group(0)}»" if cue else "a password field"
        raise NotADocument(
            f"The file is a saved login or error page ({what} in «{title or head or 'untitled'}»), not a document; "
            "download the document itself (log in first, or check the address)."
        )


def extract_html(data: bytes) -> Extraction:
    """Main content of a web page: menus, headers, footers, cookie banners and scripts left out."""
    tree = HTMLParser(decode_html(data))
    title_node = tree.css_first("title")
    title = " ".join(title_node.text().split()) if title_node else None
    _refuse_login_or_error_page(tree, title)
    for node in tree.css(BOILERPLATE_TAGS):
        node.decompose()
    for node in tree.css("br"):
        node.replace_with(" ")
    for node in tree.css("[role=navigation], [role=banner], [role=contentinfo], [aria-hidden=true], [hidden]"):
        node.decompose()
    for node in tree.css("div, section, ul, span, p"):
        hint = f"{node.attributes.get('class') or ''} {node.attributes.get('id') or ''}"
        if BOILERPLATE_HINT.search(hint.replace("-", " ").replace("_", " ")):
            node.decompose()
    root = next(
        (main for selector in MAIN_SELECTORS if (main := tree.css_first(selector)) is not None),
        None,
    )
    root = root or tree.body or tree.root
    blocks: list[Block] = []
    if root is not None:
        _html_blocks(root, blocks)
    return Extraction(
        pages=[Page(blocks=blocks)],
        extractor="selectolax",
        mime_type=HTML,
        title=title,
        paginated=False,
    )


def decode_html(data: bytes) -> str:
    match = re.search(rb"""<meta[^>]+charset=["']?([\w-]+)""", data[:4096], re.IGNORECASE)
    if match:
        try:
            return data.decode(match.group(1).decode("ascii"), errors="strict")
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)


def _has_block_child(node: Node) -> bool:
    child = node.child
    while child is not None:
        if child.tag in BLOCK_TAGS or child.tag in ("ul", "ol", "table", "tbody", "thead") or _has_block_child(child):
            return True
        child = child.next
    return False


def _html_blocks(node: Node, blocks: list[Block]) -> None:
    child = node.child
    while child is not None:
        tag = child.tag
        if tag == "tr":
            cells = [" ".join(cell.text(separator="").split()) for cell in child.css("td, th")]
            cells = [cell for cell in cells if cell]
            if cells:
                if blocks and blocks[-1].kind == TABLE_ROW:
                    blocks[-1].lines.append(CELL_SEPARATOR.join(cells))
                else:
                    blocks.append(Block(lines=[CELL_SEPARATOR.join(cells)], kind=TABLE_ROW))
        elif tag in BLOCK_TAGS and tag not in ("div", "section", "td", "th") and not _has_block_child(child):
            text = " ".join(child.text(separator="").split())
            if text:
                if tag.startswith("h") and tag[1:].isdigit():
                    blocks.append(Block(lines=[text], kind=HEADING, level=int(tag[1:])))
                elif tag == "li":
                    blocks.append(Block(lines=[f"• {text}"], kind=LIST_ITEM))
                elif tag == "pre":
                    blocks.extend(Block(lines=[line]) for line in text.split("\n") if line.strip())
                else:
                    blocks.append(Block(lines=[text]))
        elif tag not in ("-text", "-comment") and (_has_block_child(child) or tag in BLOCK_TAGS):
            if tag in ("div", "section", "td", "th", "li") and not _has_block_child(child):
                text = " ".join(child.text(separator="").split())
                if text:
                    blocks.append(Block(lines=[text]))
            else:
                _html_blocks(child, blocks)
        elif tag == "-text":
            text = " ".join((child.text_content or "").split())
            if len(text) > 2:
                blocks.append(Block(lines=[text]))
        child = child.next


# ------------------------------------------------------------------ DOCX
MAX_DOCX_ENTRIES = 5000
MAX_DOCX_RATIO = 200  # uncompressed:compressed; real Word files stay far below


def check_zip(data: bytes, *, max_uncompressed: int) -> None:
    """Refuse archives that would inflate to more than `max_uncompressed` bytes (zip bombs)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise CorruptDocument(f"The Word file is damaged or truncated ({exc}).") from None
    if len(entries) > MAX_DOCX_ENTRIES:
        raise ZipBomb(
            f"The Word file holds {len(entries)} parts (limit {MAX_DOCX_ENTRIES}); refused as a likely zip bomb."
        )
    total = sum(entry.file_size for entry in entries)
    compressed = sum(entry.compress_size for entry in entries) or 1
    if total > max_uncompressed or (total / compressed > MAX_DOCX_RATIO and total > 10_000_000):
        raise ZipBomb(
            f"The Word file would unpack to {total / 1e6:.0f} MB from {len(data) / 1e6:.1f} MB "
            f"(limit {max_uncompressed / 1e6:.0f} MB); refused as a likely zip bomb."
        )


WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TEXT_TAGS = {f"{WORD_NS}{tag}": tag for tag in ("t", "tab", "br", "cr", "noBreakHyphen", "softHyphen")}


def extract_docx(data: bytes, *, max_uncompressed: int) -> Extraction:
    """Body paragraphs and tables in order; page headers and footers (letterheads) are left out.

    Content controls (the fields sak/arkiv templates fill in), tracked insertions
    and fields are read too; deleted text is not.
    """
    check_zip(data, max_uncompressed=max_uncompressed)
    try:
        document: DocxDocument = docx.Document(io.BytesIO(data))
        blocks: list[Block] = []
        for item in _body_items(document.element.body, document._body):
            if isinstance(item, Paragraph):
                _docx_paragraph(item, blocks)
            else:
                _docx_table(item, blocks)
        title = (document.core_properties.title or "").strip() or None
    except Exception as exc:
        raise CorruptDocument(f"The Word file cannot be read ({type(exc).__name__}: {exc}).") from None
    return Extraction(
        pages=[Page(blocks=blocks)],
        extractor=f"python-docx {docx.__version__}",
        mime_type=DOCX,
        title=title,
        paginated=False,
    )


def _body_items(element, parent) -> Iterator[Paragraph | Table]:
    """Paragraphs and tables in document order, also inside block-level content controls."""
    for child in element.iterchildren():
        if child.tag == f"{WORD_NS}p":
            yield Paragraph(child, parent)
        elif child.tag == f"{WORD_NS}tbl":
            yield Table(child, parent)
        elif child.tag in (f"{WORD_NS}sdt", f"{WORD_NS}customXml"):
            content = child.find(f"{WORD_NS}sdtContent") if child.tag == f"{WORD_NS}sdt" else child
            if content is not None:
                yield from _body_items(content, parent)


def _run_text(element) -> str:
    """All text of a paragraph (or cell), content controls and insertions included, deletions left out."""
    parts: list[str] = []
    for node in element.iter(*TEXT_TAGS):
        tag = TEXT_TAGS[node.tag]
        if tag == "t":
            parts.append(node.text or "")
        elif tag == "tab":
            parts.append(" ")
        elif tag in ("br", "cr"):
            parts.append("\n")
        else:
            parts.append("-" if tag == "noBreakHyphen" else "\u00ad")
    return "".join(parts)


def _docx_paragraph(paragraph: Paragraph, blocks: list[Block]) -> None:
    text = _run_text(paragraph._p).strip()
    if not text:
        return
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    heading = re.match(r"(?:heading|overskrift)\s*(\d)", style, re.IGNORECASE)
    if heading or style.lower() in ("title", "tittel"):
        blocks.append(Block(lines=[" ".join(lines)], kind=HEADING, level=int(heading.group(1)) if heading else 1))
    elif len(lines) == 1 and len(text) <= 100 and not text.endswith((".", ",", ";")) and _all_bold(paragraph._p):
        blocks.append(Block(lines=lines, kind=HEADING, level=3))  # a bold line standing alone titles what follows
    elif (paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None) or "list" in style.lower():
        blocks.append(Block(lines=[f"• {' '.join(lines)}"], kind=LIST_ITEM))
    else:
        blocks.append(Block(lines=lines))  # <w:br/> lines are joined by cleaning, like PDF lines (hyphens, addresses)


def _all_bold(paragraph) -> bool:
    """Every run with text is bold (direct formatting, the way templates write headings)."""
    runs = [
        run for run in paragraph.iter(f"{WORD_NS}r") if "".join(t.text or "" for t in run.iter(f"{WORD_NS}t")).strip()
    ]
    if not runs:
        return False
    for run in runs:
        bold = run.find(f"{WORD_NS}rPr/{WORD_NS}b")
        if bold is None or bold.get(f"{WORD_NS}val") in ("0", "false", "off"):
            return False
    return True


def _docx_table(table: Table, blocks: list[Block]) -> None:
    rows: list[str] = []
    for row in table._tbl.iterchildren(f"{WORD_NS}tr"):
        cells: list[str] = []
        for cell in row.iterchildren(f"{WORD_NS}tc"):
            # paragraphs and line breaks in a cell are word boundaries, never glued
            text = " ".join(" ".join(_run_text(p).split()) for p in cell.iter(f"{WORD_NS}p")).strip()
            if text:  # a merged cell is one <w:tc>: a cell equal to its neighbour is a value of its own
                cells.append(text)
        if cells:
            rows.append(CELL_SEPARATOR.join(cells))
    if rows:
        blocks.append(Block(lines=rows, kind=TABLE_ROW))
