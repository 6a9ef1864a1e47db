"""Reading order for PDF pages from positioned text pieces.

Extractors (pypdfium2 or pdfplumber words) hand over pieces
with a box in top-down page coordinates.  They are grouped into lines, lines
are cut into chunks at wide gaps, and chunks are ordered by finding column
gutters: a vertical band of white space with prose on both sides.  Chunks that
cross the gutter (titles, footers) stay where they are; between them the left
column is read before the right one.  Where no gutter qualifies (tables, forms,
label/value grids) the chunks of one line are joined with « | » so table rows
stay readable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import HEADING, LIST_ITEM, PARAGRAPH, TABLE_ROW, Block

CELL_SEPARATOR = " | "
BULLET_CHARS = "•●◦○▪▫■□►▸‣⁃∙·➢➤✓✔-–"


@dataclass
class Piece:
    x0: float
    top: float
    x1: float
    bottom: float
    text: str
    size: float = 0.0  # font size in points (0 when unknown)
    bold: bool = False

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 0.1)

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class Rule:
    """A thin drawn line (a table border or rule) in top-down page coordinates."""

    x0: float
    top: float
    x1: float
    bottom: float


@dataclass
class Line:
    """Text on one baseline within one column, with the box it covers."""

    x0: float
    top: float
    x1: float
    bottom: float
    text: str
    height: float
    size: float = 0.0
    bold: bool = False


def is_bullet_start(text: str) -> bool:
    """True when a line starts with a bullet glyph (incl. Symbol-font private-use glyphs)."""
    stripped = text.lstrip()
    if not stripped:
        return False
    first = stripped[0]
    if "\ue000" <= first <= "\uf8ff":
        return True
    if first in BULLET_CHARS:
        return len(stripped) > 1 and stripped[1] in " \t\u00a0"
    return False


def _is_bullet_glyph(text: str) -> bool:
    text = text.strip()
    return (len(text) == 1 and (text in BULLET_CHARS or "\ue000" <= text <= "\uf8ff")) or text in ("o", "-", "–")


SAME_SIZE = 1.15  # text more than this much taller or smaller is another line (a label beside the text)


def _similar_height(a: float, b: float) -> bool:
    return max(a, b) <= SAME_SIZE * min(a, b)


def _group_lines(pieces: list[Piece]) -> list[list[Piece]]:
    """Pieces of a similar height whose vertical middles fall inside each other's span share a line.

    A big diagram label beside two body lines is a line of its own; it does not pull the
    two lines into one (which would interleave their words).
    """
    lines: list[list[Piece]] = []
    spans: list[list[float]] = []  # top, bottom, height of the line's first piece
    for piece in sorted(pieces, key=lambda p: (p.top, p.x0)):
        piece_top, piece_bottom = piece.top, piece.bottom
        piece_height = piece_bottom - piece_top if piece_bottom - piece_top > 0.1 else 0.1
        middle = (piece_top + piece_bottom) / 2
        glyph = len(piece.text) <= 2 and not any(c.isalpha() for c in piece.text)
        placed = False
        for index in range(len(lines) - 1, max(len(lines) - 6, -1), -1):
            span = spans[index]
            top, bottom, height = span
            if not (top <= middle <= bottom or piece_top <= (top + bottom) / 2 <= piece_bottom):
                continue
            ratio = piece_height / height
            if not glyph and not 1 / SAME_SIZE <= ratio <= SAME_SIZE:
                continue  # bullets and footnote numbers may be smaller; words of another size may not
            lines[index].append(piece)
            if 1 / 1.05 <= ratio <= 1.05:  # only text of its own size widens a line
                span[0] = top if top < piece_top else piece_top
                span[1] = bottom if bottom > piece_bottom else piece_bottom
            placed = True
            break
        if not placed:
            lines.append([piece])
            spans.append([piece_top, piece_bottom, piece_height])
    return lines


def _median(values: list[float]) -> float:
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def _chunks(line: list[Piece]) -> list[Line]:
    """Cut one line into chunks at gaps wider than about a glyph height."""
    line = sorted(line, key=lambda p: p.x0)
    heights = [p.height for p in line if p.text.strip()]
    height = _median(heights) if heights else 1.0
    chunks: list[Line] = []
    current: list[Piece] = []
    right = 0.0
    wide = max(0.9 * height, 4.0)
    for piece in line:
        if current and piece.x0 - right > wide:
            chunks.append(_join(current))
            current = []
        right = max(right, piece.x1) if current else piece.x1
        current.append(piece)
    if current:
        chunks.append(_join(current))
    return [c for c in chunks if c.text]


def _join(pieces: list[Piece]) -> Line:
    """One chunk of words (sorted left to right) as a line."""
    heights = [p.bottom - p.top for p in pieces if p.text not in ("-", "–", "—")] or [p.height for p in pieces]
    # pieces are words: the extractor already decided where words end, so no gap rule
    # guesses spaces inside them (Distiller kerning reads «mi dlertidig» otherwise)
    text = " ".join(piece.text for piece in pieces)
    if "\t" in text or "  " in text:
        text = re.sub(r"[ \t]+", " ", text)
    return Line(
        x0=pieces[0].x0,
        top=min(p.top for p in pieces),
        x1=max(p.x1 for p in pieces),
        bottom=max(p.bottom for p in pieces),
        text=text.strip(),
        height=max(_median(heights), 0.1),
        size=_font_size(pieces),
        bold=all(p.bold for p in pieces if len(p.text) > 1),
    )


def _font_size(items: list) -> float:
    """Size of most of the text, weighted by characters; 0 when the producer hid it."""
    first = items[0].size if items else 0.0
    if all(item.size == first for item in items):
        return round(first, 1)
    weights: dict[float, int] = {}
    for item in items:
        size = round(item.size, 1)
        weights[size] = weights.get(size, 0) + len(item.text.strip())
    return max(weights, key=weights.__getitem__) if weights else 0.0


def _ruled(gap_start: float, gap_end: float, top: float, bottom: float, rules: list[Rule]) -> bool:
    """True when table borders run through the gap: rules that separate rows, not just a frame.

    A vertical rule in the gap makes a table when a row rule crosses it inside its length;
    without one, three rules across the gap do (top, at least one between rows, bottom).  A box
    framed on its four sides with one divider is two columns of text, read one after the other.
    """
    middle = (gap_start + gap_end) / 2
    dividers = [
        rule for rule in rules
        if rule.x1 - rule.x0 <= 3 and gap_start - 1 <= rule.x0 <= gap_end + 1 and rule.bottom - rule.top >= 8
        and rule.bottom >= top and rule.top <= bottom
    ]  # fmt: skip
    across = [
        rule for rule in rules
        if rule.bottom - rule.top <= 3 and rule.x0 < middle < rule.x1 and rule.bottom >= top and rule.top <= bottom
    ]  # fmt: skip
    if any(divider.top + 3 < row.top < divider.bottom - 3 for divider in dividers for row in across):
        return True
    return len(across) >= 3


def _find_gutter(chunks: list[Line], x0: float, x1: float, rules: list[Rule]) -> float | None:
    """x of a column gutter with prose on both sides and no table borders in it, or None."""
    width = x1 - x0
    if width <= 0 or len(chunks) < 4:
        return None
    heights = sorted(c.height for c in chunks)
    min_gap = max(6.0, 0.8 * heights[len(heights) // 2])
    # chunks crossing each 1-pt slice; titles and footers may cross a real gutter
    crossings = [0] * (int(width) + 2)
    for chunk in chunks:
        for x in range(int(chunk.x0 - x0), int(chunk.x1 - x0) + 1):
            crossings[x] += 1
    allowed = max(2, len(chunks) // 8)
    gaps: list[tuple[float, float]] = []
    start = None
    for x, count in enumerate(crossings):
        if count <= allowed and start is None:
            start = x
        elif count > allowed and start is not None:
            gaps.append((x0 + start, x0 + x))
            start = None
    best: tuple[float, float] | None = None
    for gap_start, gap_end in gaps:
        if gap_end - gap_start < min_gap:
            continue
        middle = (gap_start + gap_end) / 2
        if not (x0 + 0.2 * width <= middle <= x1 - 0.2 * width):
            continue
        left_side = [c for c in chunks if c.x1 <= middle]
        right_side = [c for c in chunks if c.x0 >= middle]
        if min(len(left_side), len(right_side)) < 2:
            continue
        if min(_mean_len(left_side), _mean_len(right_side)) < 18:
            continue
        top, bottom = min(c.top for c in chunks), max(c.bottom for c in chunks)
        if _ruled(gap_start, gap_end, top, bottom, rules):
            continue
        score = min(len(left_side), len(right_side))
        if best is None or score > best[1]:
            best = (middle, score)
    return best[0] if best else None


def _mean_len(chunks: list[Line]) -> float:
    return sum(len(c.text) for c in chunks) / len(chunks)


def _order(chunks: list[Line], rules: list[Rule], depth: int = 0) -> list[list[Line]]:
    """Ordered rows; each row is the chunks read as one line (table cells side by side)."""
    if not chunks:
        return []
    x0 = min(c.x0 for c in chunks)
    x1 = max(c.x1 for c in chunks)
    gutter = _find_gutter(chunks, x0, x1, rules) if depth < 3 else None
    if gutter is None:
        return _rows(chunks)
    result: list[list[Line]] = []
    band: list[Line] = []

    def flush() -> None:
        if band:
            result.extend(_order([c for c in band if c.x1 <= gutter], rules, depth + 1))
            result.extend(_order([c for c in band if c.x1 > gutter], rules, depth + 1))
            band.clear()

    for chunk in sorted(chunks, key=lambda c: (c.top, c.x0)):
        if chunk.x0 < gutter < chunk.x1:
            flush()
            result.append([chunk])
        else:
            band.append(chunk)
    flush()
    return result


def _rows(chunks: list[Line]) -> list[list[Line]]:
    rows: list[list[Line]] = []
    for chunk in sorted(chunks, key=lambda c: (c.top, c.x0)):
        if rows:
            last = rows[-1]
            top = min(c.top for c in last)
            bottom = max(c.bottom for c in last)
            if top <= (chunk.top + chunk.bottom) / 2 <= bottom and _similar_height(chunk.height, last[0].height):
                last.append(chunk)
                continue
        rows.append([chunk])
    return [sorted(row, key=lambda c: c.x0) for row in rows]


MARGIN_SHARE = 0.07  # lines in the top or bottom 7 % of a page may be running headers/footers


def page_blocks(
    pieces: list[Piece], page_height: float, rules: list[Rule] | None = None
) -> tuple[list[Block], list[str], list[str]]:
    """Blocks of a page in reading order, plus the header and footer lines found in its margins.

    `rules` are thin drawn lines (table borders) in the same coordinates; a gap they run
    through is a table column, read row by row, not a text column.
    """
    lines = _group_lines([p for p in pieces if p.text.strip()])
    body: list[Line] = []
    header: list[Line] = []
    footer: list[Line] = []
    for line in lines:
        middle = (min(p.top for p in line) + max(p.bottom for p in line)) / 2
        zone = (
            header
            if middle < MARGIN_SHARE * page_height
            else footer
            if middle > (1 - MARGIN_SHARE) * page_height
            else body
        )
        zone.extend(_chunks(line))
    ordered = _ordered_lines(_order(body, rules or []))
    labels = _diagram_labels(ordered)
    blocks = _blocks([line for line in ordered if line not in labels])
    if labels:  # read after the text they stand beside, all in one row, so no sentence is cut by them
        blocks.append(Block(lines=[CELL_SEPARATOR.join(line.text for line in labels)], kind=TABLE_ROW))
    return blocks, _row_texts(header), _row_texts(footer)


def _diagram_labels(lines: list[Line]) -> list[Line]:
    """Short lines of another size beside body text with no text under them: labels of a slide's diagram.

    They are no headings, and read where they stand they would cut the sentence beside them in two.
    """
    body_size = _font_size(lines)
    if not body_size:
        return []
    body = [line for line in lines if line.size and abs(line.size - body_size) <= 0.1 * body_size]
    labels = []
    for line in lines:
        other_size = line.size and not 0.85 * body_size < line.size < 1.2 * body_size
        if not other_size or len(line.text.split()) > 5 or CELL_SEPARATOR in line.text:
            continue
        beside = any(  # body text within a line's height above or below, left or right of it
            other.top < line.bottom + other.height and other.bottom > line.top - other.height
            and (other.x1 <= line.x0 or other.x0 >= line.x1)
            for other in body
        )  # fmt: skip
        under = any(  # a heading has its text under it, starting below it (not a long line from the left)
            0 <= other.top - line.bottom <= 2 * line.height and line.x0 - 2 * line.height <= other.x0 < line.x1
            for other in body
        )
        if beside and not under:
            labels.append(line)
    return labels


def _row_texts(chunks: list[Line]) -> list[str]:
    return [line.text for line in _ordered_lines(_rows(chunks))]


def _ordered_lines(rows: list[list[Line]]) -> list[Line]:
    lines: list[Line] = []
    for row in rows:
        if len(row) > 1 and _is_bullet_glyph(row[0].text):  # a bullet set apart from its text by a tab
            bullet, first = row[0], row[1]
            row = [Line(bullet.x0, min(bullet.top, first.top), first.x1, max(bullet.bottom, first.bottom),
                        f"{bullet.text} {first.text}", first.height, first.size, first.bold), *row[2:]]  # fmt: skip
        if len(row) == 1:
            lines.append(row[0])
        else:
            lines.append(
                Line(
                    x0=row[0].x0,
                    top=min(c.top for c in row),
                    x1=row[-1].x1,
                    bottom=max(c.bottom for c in row),
                    text=CELL_SEPARATOR.join(c.text for c in row),
                    height=_median([c.height for c in row]),
                    size=_font_size(row),
                    bold=all(c.bold for c in row),
                )
            )
    return lines


def _blocks(lines: list[Line]) -> list[Block]:
    if not lines:
        return []
    body_size = _font_size(lines)
    blocks: list[Block] = []
    previous: Line | None = None
    for line in lines:
        kind = TABLE_ROW if CELL_SEPARATOR in line.text else LIST_ITEM if is_bullet_start(line.text) else PARAGRAPH
        start_new = True
        if previous is not None and blocks:
            current = blocks[-1]
            gap = line.top - previous.bottom
            same_style = (
                not line.size
                or not previous.size
                or abs(line.size - previous.size) <= 0.1 * max(line.size, previous.size)
            ) and (line.bold == previous.bold or len(line.text) < 4)
            spacing = max(line.size, previous.size) or max(line.height, previous.height)
            close = -0.5 * line.height <= gap <= 0.8 * spacing
            if kind == TABLE_ROW and current.kind == TABLE_ROW and gap <= 2.5 * line.height:
                start_new = False
            elif kind == PARAGRAPH and current.kind == TABLE_ROW and close and same_style:
                start_new = False  # the wrapped end of one cell, alone on its line
            elif kind == PARAGRAPH and current.kind in (PARAGRAPH, LIST_ITEM) and close and same_style:
                # a list item goes on over its indented lines; a paragraph over aligned or ragged ones
                start_new = current.kind == LIST_ITEM and line.x0 < previous.x0 - 2 and len(current.lines) > 1
        if start_new:
            blocks.append(Block(lines=[line.text], kind=kind, size=line.size, bold=line.bold))
        else:
            blocks[-1].lines.append(line.text)
            blocks[-1].bold = blocks[-1].bold and line.bold
        previous = line
    for block in blocks:
        if block.kind != PARAGRAPH or len(block.text) > 160 or block.text.rstrip().endswith((".", ",", ";")):
            continue
        if not re.search(r"[^\W\d_]{2}", block.text):
            continue
        if body_size and block.size > 1.15 * body_size:
            block.kind = HEADING
            block.level = 1 if block.size > 1.5 * body_size else 2
        elif block.bold and len(block.lines) <= 2 and body_size:
            block.kind = HEADING
            block.level = 3
    return blocks
