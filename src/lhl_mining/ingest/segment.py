"""Segmentation: paragraph-level passages with their heading path, and one section per sak.

Passages are what coders review, so they follow the author's paragraphs: a
list stays together, a lone short line («Vedtak:») joins the paragraph it
introduces, and very long paragraphs are cut at sentence ends.  Meeting
bundles (møteinnkalling, sakspapirer, protokoll) hold many saker; each sak
heading («Sak 12/21», «PS 12/21», «K-sak 12/21») starts a section.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from .clean import Unit, page_of
from .model import HEADING, LIST_ITEM, PARAGRAPH, TABLE_ROW

MAX_PASSAGE_WORDS = 250
MIN_PASSAGE_WORDS = 6
HEADING_SEPARATOR = " > "

NUMBERED_HEADING = re.compile(r"^(?:kapittel\s+)?(\d{1,2}(?:\.\d{1,2}){0,4})\.?\s+\S.*$", re.IGNORECASE)
SAK_START = re.compile(
    r"^(?:(?P<prefix>PS|RS|FO|DS|OS|MS|[A-ZÆØÅ]{1,4}-sak|[A-ZÆØÅ]{1,4}-|Sak(?:\s*nr\.?)?)\s*[:.|]?\s*)"
    r"(?P<nr>\d{1,4})\s*/\s*(?P<year>\d{2}|\d{4})\b[\s:.|–—-]*(?P<title>.*)$",
    re.IGNORECASE,
)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[«\"(]?[A-ZÆØÅ0-9])")


@dataclass
class PassageSpan:
    start: int
    end: int
    heading: str | None
    page_no: int | None


@dataclass
class SectionSpan:
    seq: int
    saksnr: str
    title: str | None
    start: int
    end: int
    kind: str = "sak"


def _is_text_heading(unit: Unit, following: Unit | None) -> bool:
    """Headings in text without font information: numbered or capitalised short lines before a paragraph."""
    text = unit.text
    if unit.kind != PARAGRAPH or "\n" in text or len(text) > 90 or text.endswith((".", ",", ";", ":")):
        return False
    if following is None or following.kind == HEADING:
        return False
    words = text.split()
    if len(words) > 12:
        return False
    numbered = NUMBERED_HEADING.match(text)
    letters = [c for c in text if c.isalpha()]
    capitals = len(letters) >= 4 and all(c.isupper() for c in letters)
    if numbered and not re.match(r"^\d+\.\d+\.\d{2,4}", text):  # not a date
        return capitals or len(following.text) > len(text)
    return capitals and len(following.text.split()) >= 8


def heading_level(unit: Unit) -> int:
    numbered = NUMBERED_HEADING.match(unit.text)
    if numbered:
        return numbered.group(1).count(".") + 1
    return unit.level or 2


def mark_headings(units: list[Unit]) -> None:
    for index, unit in enumerate(units):
        following = units[index + 1] if index + 1 < len(units) else None
        if unit.kind in (PARAGRAPH, HEADING) and "\n" not in unit.text and SAK_START.match(unit.text):
            unit.kind, unit.level = HEADING, 1  # «Sak 12/21 Tittel» heads everything up to the next sak
        elif unit.kind == PARAGRAPH and _is_text_heading(unit, following):
            unit.kind = HEADING
            unit.level = heading_level(unit)
        elif unit.kind == HEADING:
            unit.level = heading_level(unit)


def passages(units: list[Unit], text: str, page_ranges: list[tuple[int, int]]) -> list[PassageSpan]:
    """Paragraph-level passages in text order."""
    mark_headings(units)
    path: list[tuple[int, str]] = []
    groups: list[tuple[list[Unit], str | None]] = []
    for unit in units:
        if unit.kind == HEADING:
            while path and path[-1][0] >= unit.level:
                path.pop()
            path.append((unit.level, " ".join(unit.text.split())[:200]))
            continue
        heading = HEADING_SEPARATOR.join(title for _, title in path) or None
        if groups:
            last_units, last_heading = groups[-1]
            last = last_units[-1]
            same_context = last_heading == heading
            words = sum(len(u.text.split()) for u in last_units)
            list_goes_on = unit.kind == LIST_ITEM and last.kind == LIST_ITEM
            table_goes_on = unit.kind == TABLE_ROW and last.kind == TABLE_ROW
            lead_in = len(last.text.split()) < MIN_PASSAGE_WORDS and last.kind == PARAGRAPH and len(last_units) == 1
            if (
                same_context
                and words + len(unit.text.split()) <= MAX_PASSAGE_WORDS
                and (list_goes_on or table_goes_on or lead_in or (unit.kind == LIST_ITEM and last.text.endswith(":")))
            ):
                last_units.append(unit)
                continue
        groups.append(([unit], heading))
    spans: list[PassageSpan] = []
    for group, heading in groups:
        start, end = group[0].start, group[-1].end
        for piece_start, piece_end in _split_long(text, start, end):
            spans.append(PassageSpan(piece_start, piece_end, heading, page_of(piece_start, page_ranges)))
    return spans


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a long stretch at sentence ends into pieces of at most MAX_PASSAGE_WORDS words."""
    if len(text[start:end].split()) <= MAX_PASSAGE_WORDS:
        return [(start, end)]
    boundaries = [start] + [start + m.end() for m in SENTENCE_END.finditer(text[start:end])] + [end]
    pieces: list[tuple[int, int]] = []
    piece_start = start
    words = 0
    for left, right in itertools.pairwise(boundaries):
        sentence_words = len(text[left:right].split())
        if words and words + sentence_words > MAX_PASSAGE_WORDS:
            pieces.append((piece_start, left))
            piece_start, words = left, 0
        words += sentence_words
    pieces.append((piece_start, end))
    return [(s, e - (len(text[s:e]) - len(text[s:e].rstrip()))) for s, e in pieces]


def sections(units: list[Unit], text: str, *, bundle: bool) -> list[SectionSpan]:
    """One section per sak when a document holds saker; the saksliste entries are not saker.

    A sak heading only starts a section when real text follows it before the
    next sak heading (the saksliste at the top is a run of headings with nothing
    between them).  A single sak is only a section in a meeting bundle.
    """
    candidates: list[tuple[int, Unit, re.Match]] = []
    for index, unit in enumerate(units):
        first_line = unit.text.split("\n", 1)[0].strip()
        match = SAK_START.match(first_line)
        if match and len(first_line) <= 200:
            candidates.append((index, unit, match))
    starts: list[tuple[Unit, re.Match]] = []
    for position, (index, unit, match) in enumerate(candidates):
        next_index = candidates[position + 1][0] if position + 1 < len(candidates) else len(units)
        body_words = sum(len(u.text.split()) for u in units[index + 1 : next_index])
        if body_words < 25:
            continue
        if starts and _saksnr(starts[-1][1]) == _saksnr(match):
            continue  # the sak heading repeated on each of its pages: still the same sak
        starts.append((unit, match))
    if len(starts) < (1 if bundle else 2):
        return []
    result: list[SectionSpan] = []
    for seq, (unit, match) in enumerate(starts, start=1):
        end = starts[seq][0].start if seq < len(starts) else len(text)
        while end > unit.end and text[end - 1].isspace():
            end -= 1
        saksnr = _saksnr(match)
        title = re.sub(r"\s*\|.*$", "", match.group("title")).strip(" .:–-") or None
        result.append(SectionSpan(seq=seq, saksnr=saksnr, title=title, start=unit.start, end=end))
    return result


def _saksnr(match: re.Match) -> str:
    return f"{int(match.group('nr'))}/{match.group('year')}"
