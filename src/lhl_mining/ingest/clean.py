"""Cleaning: page furniture out, glyph oddities normalised, lines joined into paragraphs.

The output is the document text that gets stored (`document_texts.text`) and
the units (headings, paragraphs, list items, tables) with their character
ranges in it, plus each page's range.  Passages and sections are cut from
those units, so their offsets point into the stored text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from .layout import CELL_SEPARATOR, is_bullet_start
from .model import HEADING, LIST_ITEM, PARAGRAPH, TABLE_ROW, Block, Page

LIGATURES = {
    "ﬀ": "ff",
    "ﬁ": "fi",
    "ﬂ": "fl",
    "ﬃ": "ffi",
    "ﬄ": "ffl",
    "ﬅ": "st",
    "ﬆ": "st",
    "Ĳ": "IJ",
    "ĳ": "ij",
}
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f"), None)
SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
PAGE_NUMBER = re.compile(
    r"^(?:(?:side|s\.|page|sida)\s*)?[-–—(]?\s*\d{1,3}\s*[-–—)]?(?:\s*(?:av|of|\/)\s*\d{1,4})?$",
    re.IGNORECASE,
)
SUSPENDED_NEXT = {"og", "eller", "and", "or", "samt", "enn", "til", "à"}
END_OF_SENTENCE = tuple('.!?:;»"”)')
URL_TAIL = re.compile(r"(?:https?://|www\.|[\w.+-]+@)[^\s]*[\w/#%?=&~-]$")  # a web or e-mail address
# text overprinted as fake bold: a phrase with letters, inside one cell, never a number
REPEATED_PHRASE = re.compile(r"(?<!\w)(\w[^|]{4,59}?)(?:\s*\1)+(?!\w)")
LETTERS = re.compile(r"[^\W\d_]{2}")


@dataclass
class Unit:
    """A heading, paragraph, list item or table in the stored text."""

    kind: str
    text: str
    start: int
    end: int
    page_no: int  # 1-based page where it starts
    level: int = 0


@dataclass
class CleanText:
    text: str
    units: list[Unit]
    page_ranges: list[tuple[int, int]]  # (char_start, char_end) per page, in page order


def normalize_line(line: str) -> str:
    """NFC, ligatures spelled out, invisible characters and soft hyphens dropped, bullets unified."""
    for ligature, letters in LIGATURES.items():
        line = line.replace(ligature, letters)
    line = unicodedata.normalize("NFC", line.translate(INVISIBLE))
    # a soft hyphen is kept at the line end only, so the join below drops it with the break
    soft_end = "\u00ad" if line.endswith("\u00ad") else ""
    line = line.removesuffix("\u00ad").replace("\u00ad", "") + soft_end
    line = SPACES.sub(" ", line).strip()
    if (line and "\ue000" <= line[0] <= "\uf8ff") or (is_bullet_start(line) and line[0] not in "-–"):
        line = "• " + line[1:].lstrip()
    line = re.sub(r"[\ue000-\uf8ff]", "", line)
    line = REPEATED_PHRASE.sub(_read_once, line)  # «Møtebok Møtebok Møtebok» printed over itself
    return line


def _read_once(match: re.Match) -> str:
    """A repeated phrase is fake bold only when it is words: repeated numbers are table values."""
    return match.group(1) if LETTERS.search(match.group(1)) else match.group(0)


def _furniture_key(line: str) -> str:
    return re.sub(r"\d+", "#", SPACES.sub(" ", line.lower())).strip(" |")


def clean_pages(pages: list[Page]) -> CleanText:
    """Drop repeated margins and page numbers, normalise, and build the stored text."""
    _strip_furniture(pages)
    vocabulary = _vocabulary(pages)
    builder = _TextBuilder(vocabulary)
    for page_no, page in enumerate(pages, start=1):
        builder.start_page(page_no)
        for block in page.blocks:
            lines = [normalize_line(line) for line in block.lines]
            lines = [line for line in lines if line]
            if lines:
                builder.add(
                    Block(
                        lines=lines,
                        kind=block.kind,
                        level=block.level,
                        size=block.size,
                        bold=block.bold,
                    )
                )
    text, units, ranges = builder.finish()
    return CleanText(text=text, units=units, page_ranges=ranges)


def _strip_furniture(pages: list[Page]) -> None:
    """Remove running headers/footers (margin lines repeated on many pages) and page numbers.

    Margin lines that do not repeat are put back as ordinary text at the top or
    bottom of their page.  Body lines at the very top or bottom of a page are
    checked the same way (some producers put headers inside the body area).
    """
    n_pages = len(pages)
    counts: Counter[str] = Counter()
    for page in pages:
        keys = {_furniture_key(cell) for line in page.header + page.footer for cell in _cells(line)}
        keys |= {_furniture_key(line) for line in _edge_lines(page)}
        counts.update(k for k in keys if k)
    threshold = max(2, round(0.4 * n_pages))

    def is_furniture(line: str) -> bool:
        stripped = normalize_line(line).strip(" |")
        if PAGE_NUMBER.match(stripped):
            return True
        return n_pages >= 2 and counts[_furniture_key(line)] >= threshold

    def keep_cells(line: str) -> str:
        """A margin line without its furniture cells («Side 2 | Plan … | Foto: X» keeps «Foto: X»)."""
        return CELL_SEPARATOR.join(cell for cell in _cells(line) if not is_furniture(cell))

    for page in pages:
        header = [kept for line in page.header if (kept := keep_cells(line))]
        footer = [kept for line in page.footer if (kept := keep_cells(line))]
        for edge in (0, -1):
            while page.blocks:
                block = page.blocks[edge]
                line = block.lines[edge]
                if not is_furniture(line):
                    break
                block.lines.pop(edge)
                if not block.lines:
                    page.blocks.pop(edge)
        page.blocks = [Block(lines=[line]) for line in header] + page.blocks + [Block(lines=[line]) for line in footer]
        page.header, page.footer = [], []


def _cells(line: str) -> list[str]:
    return [cell for cell in line.split(CELL_SEPARATOR) if cell.strip()]


def _edge_lines(page: Page) -> list[str]:
    if not page.blocks:
        return []
    return [page.blocks[0].lines[0], page.blocks[-1].lines[-1]]


WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)


def _vocabulary(pages: list[Page]) -> set[str]:
    """Lower-cased words (hyphenated ones whole) seen anywhere, to decide line-end hyphens."""
    words: set[str] = set()
    for page in pages:
        for block in page.blocks:
            for line in block.lines:
                words.update(w.lower() for w in WORD.findall(line))
    return words


def join_hyphenated(left: str, right: str, vocabulary: set[str]) -> str:
    """Join two pieces of text split at a line end, keeping real hyphens.

    «An-» + «svaret» → «Ansvaret»; «helse-» + «og omsorg» → «helse- og omsorg»;
    «2019-» + «2023» → «2019-2023»; «Sør-» + «Aurdal» → «Sør-Aurdal».
    """
    if left.endswith("\u00ad"):
        return left[:-1] + right
    if URL_TAIL.search(left) and _continues_url(left, right):
        return left + right  # a web address broken at the line end
    hyphenated = re.search(r"(\w+)-$", left)
    if hyphenated is None or not right:
        return left + ("" if left.endswith(" ") else " ") + right
    first_word = re.match(r"[\w]+", right)
    next_word = first_word.group(0) if first_word else ""
    prefix = hyphenated.group(1)
    joined = (prefix + next_word).lower()
    if (next_word.lower() in SUSPENDED_NEXT and joined not in vocabulary) or not right[0].isalpha():
        return left + ("" if right[0].isdigit() else " ") + right  # «helse- og», «2019-2023»
    if right[0].isupper():
        return left + right
    if len(prefix) == 1 or prefix.isupper() or prefix.isdigit():
        return left + right  # «e-post», «IKT-system»
    spelled = f"{prefix}-{next_word}".lower()
    if spelled in vocabulary and joined not in vocabulary:
        return left + right
    return left[:-1] + right


def _continues_url(left: str, right: str) -> bool:
    """The next line goes on with the address: it starts with address characters, not a plain word."""
    token = right.split(maxsplit=1)[0] if right.strip() else ""
    if not token or not re.match(r"[\w/#%?=&.~-]", token):
        return False
    if re.match(r"(?:https?://|www\.)|[\w.+-]+@", token, re.IGNORECASE):
        return False  # an address of its own on the next line (web address above, e-mail below)
    return left.endswith(tuple("/-.=&?#_")) or bool(re.search(r"[/\-.=#&?_%~\d]", token.rstrip(".,;:)")))


class _TextBuilder:
    """Accumulates units into one text, merging paragraphs broken by page ends or stray blank lines."""

    def __init__(self, vocabulary: set[str]):
        self.vocabulary = vocabulary
        self.parts: list[str] = []
        self.length = 0
        self.units: list[Unit] = []
        self.page_starts: dict[int, int] = {}
        self.page_no = 0

    def start_page(self, page_no: int) -> None:
        self.page_no = page_no

    def _append(self, piece: str) -> None:
        self.parts.append(piece)
        self.length += len(piece)

    def add(self, block: Block) -> None:
        kind = block.kind
        if kind == PARAGRAPH and block.lines and is_bullet_start(block.lines[0]):
            kind = LIST_ITEM
        body = self._join_lines(block.lines, keep_lines=kind == TABLE_ROW)
        previous = self.units[-1] if self.units else None
        if previous is not None and self._continues(previous, kind, body):
            merged = join_hyphenated(previous.text, body, self.vocabulary)
            if not merged.startswith(previous.text):  # the line-end hyphen was dropped
                last = self.parts.pop()
                self.length -= len(last)
                self._append(last[:-1])
                tail = merged[len(previous.text) - 1 :]
            else:
                tail = merged[len(previous.text) :]
            self.page_starts.setdefault(self.page_no, self.length + len(tail) - len(body))
            self._append(tail)
            previous.text = merged
            previous.end = self.length
            return
        if self.parts:
            self._append("\n\n")
        self.page_starts.setdefault(self.page_no, self.length)
        start = self.length
        self._append(body)
        level = block.level if kind == HEADING else 0
        self.units.append(
            Unit(
                kind=kind,
                text=body,
                start=start,
                end=self.length,
                page_no=self.page_no,
                level=level,
            )
        )

    def _continues(self, previous: Unit, kind: str, body: str) -> bool:
        """A paragraph cut by a page end or a stray blank line goes on in lower case."""
        if kind != PARAGRAPH or previous.kind not in (PARAGRAPH, LIST_ITEM):
            return False
        return not (previous.text.endswith(END_OF_SENTENCE) or not body[:1].islower())

    def _join_lines(self, lines: list[str], *, keep_lines: bool) -> str:
        text = lines[0]
        for line in lines[1:]:
            if keep_lines or is_bullet_start(line):
                text += "\n" + line
            else:
                text = join_hyphenated(text, line, self.vocabulary)
        return text

    def finish(self) -> tuple[str, list[Unit], list[tuple[int, int]]]:
        text = "".join(self.parts)
        ranges: list[tuple[int, int]] = []
        starts = [self.page_starts.get(no) for no in range(1, self.page_no + 1)]
        for index, start in enumerate(starts):
            if start is None:
                position = ranges[-1][1] if ranges else 0
                ranges.append((position, position))
                continue
            following = next((s for s in starts[index + 1 :] if s is not None), len(text))
            ranges.append((start, following))
        for unit in self.units:
            unit.text = text[unit.start : unit.end]
        return text, self.units, ranges


def page_of(offset: int, page_ranges: list[tuple[int, int]]) -> int | None:
    """1-based page holding the character at `offset`."""
    for page_no, (start, end) in enumerate(page_ranges, start=1):
        if start <= offset < end:
            return page_no
    return None
