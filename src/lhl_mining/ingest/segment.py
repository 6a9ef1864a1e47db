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
# the decision text of a sak starts at «Vedtak:», «Innstilling:», «Kommunestyrets vedtak», «Tilråding»,
# nynorsk «Rådmannen si tilråding», «Vedtak i kommunestyret – 17.12.2012», optionally after the sak
# number («HO-13/21 Vedtak: …»)
DECISION = re.compile(
    r"^(?:(?P<sak>(?:[A-ZÆØÅ]{1,4}-?(?:sak)?\s?)?\d{1,4}\s*/\s*\d{2,4})\s*[:.|–-]?\s*)?"
    r"(?:[\w.-]+s\s+|[\w.-]+\s+(?:si|sitt|sine)\s+)?"
    r"(?:vedtak|innstilling(?:\s+til\s+vedtak)?|tilråding|fr[ae]mlegg\s+til\s+vedtak|"
    r"forslag\s+til\s+vedtak)\b(?:\s+(?:i|frå|fra)\s+(?:[^:\n|.]|\.(?=\d)){1,80})?\s*(?::|\||$)",
    re.IGNORECASE | re.MULTILINE,
)
# a label that opens the next part of a sak (the decision text ends there)
NEXT_PART = re.compile(
    r"^(?:behandling|votering|avstemming|saksopplysninger|saksframstilling|saksutgreiing|saksomtale|vurdering|"
    r"bakgrunn|vedlegg|protokolltilførsel|merknad)\b|^[^.\n]{1,40}:$",
    re.IGNORECASE,
)
DECISION_ROLE = "decision"
KOMMUNE_NAME = re.compile(r"^[A-ZÆØÅ][\w.-]*(?:\s[\w.-]+){0,2}\s(?:fylkes)?kommune$")
# what a letterhead or contact footer is made of: labels, addresses, numbers, the kommune's name
CONTACT = re.compile(
    r"\b(?:(?:post|besøks|faktura|leverings)?adresse|telefon|tlf|telefaks|sentralbord|e-?post|internett|nettside|"
    r"org\.?\s*nr|organisasjonsnummer|bankkonto|bankgiro|konto(?:nr|nummer)|iban|swift)\b\.?:?"
    r"|\b(?:postboks|pb\.?)\s*\d+|(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\+?\d[\d ]{6,14}\d|\b\d{4}\s+[A-ZÆØÅ][\w-]+|\b[A-ZÆØÅ][\w.-]*(?:\s[A-ZÆØÅ][\w.-]*)?\s(?:fylkes)?kommune\b"
    r"|\b[A-ZÆØÅ][\w.-]*(?:\s|(?<=[a-zæøå]))(?:gate|gata|vei|veg|vegen|veien|plass|torg|gt\.|vn\.)\s\d+\w?\b"
    r"|[|•·,;:/–-]",
    re.IGNORECASE,
)


@dataclass
class PassageSpan:
    start: int
    end: int
    heading: str | None
    page_no: int | None
    role: str | None = None  # 'decision': the vedtak/innstilling text of a sak
    saksnr: str | None = None  # the sak a decision belongs to, as printed with it («HO 13/21»)


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


def is_sak_start(unit: Unit) -> re.Match | None:
    """The sak-number match when the unit opens a sak: a heading-styled line, or a line of its own
    in the saksliste's numbering («PS 12/21 Tittel») — never prose that mentions a sak or a vedtak line."""
    first_line = unit.text.split("\n", 1)[0].strip()
    match = SAK_START.match(first_line)
    if not match or len(first_line) > 200 or unit.kind not in (HEADING, PARAGRAPH, TABLE_ROW):
        return None
    if DECISION.match(first_line):
        return None  # «HO-13/21 Vedtak: …» is the decision text of the sak, not its start
    if unit.kind == HEADING:
        return match
    title = match.group("title")
    standalone = "\n" not in unit.text.strip() or unit.kind == TABLE_ROW
    prose = title.rstrip().endswith((".", "!", "?", ",", ";")) or len(first_line.split()) > 25
    return match if standalone and not prose else None


def mark_headings(units: list[Unit]) -> None:
    for index, unit in enumerate(units):
        following = units[index + 1] if index + 1 < len(units) else None
        if unit.kind in (PARAGRAPH, HEADING) and "\n" not in unit.text and is_sak_start(unit):
            unit.kind, unit.level = HEADING, 1  # «Sak 12/21 Tittel» heads everything up to the next sak
        elif unit.kind == PARAGRAPH and _is_text_heading(unit, following) and not DECISION.match(unit.text):
            unit.kind = HEADING
            unit.level = heading_level(unit)
        elif unit.kind == HEADING and KOMMUNE_NAME.match(" ".join(unit.text.split())):
            unit.kind, unit.level = PARAGRAPH, 0  # the letterhead's «Lillevik kommune» heads nothing
        elif unit.kind == HEADING:
            unit.level = heading_level(unit)


def _decision_starts(units: list[Unit]) -> dict[int, str | None]:
    """Index of every unit that belongs to a decision text → the sak number printed with it (or None).

    A decision cue opens it (a «Vedtak:» line or cell, or a heading such as «Kommunestyrets vedtak»);
    it goes on until the next heading, sak or label of another part («Behandling», «Votering:»).
    """
    found: dict[int, str | None] = {}
    index = 0
    while index < len(units):
        unit = units[index]
        cue = next((m for line in unit.text.split("\n") if (m := _decision_cue(line, unit.kind))), None)
        if cue is None:
            index += 1
            continue
        saksnr = _printed_saksnr(cue.group("sak")) if cue.group("sak") else None
        first = index + 1 if unit.kind == HEADING else index
        if unit.kind != HEADING:
            found[index] = saksnr
        index += 1
        while index < len(units):
            following = units[index]
            if following.kind == HEADING or is_sak_start(following) or NEXT_PART.match(following.text.strip()):
                break
            if DECISION.match(following.text.strip()) and index > first:
                break
            found[index] = saksnr
            index += 1
    return found


def _decision_cue(line: str, kind: str) -> re.Match | None:
    """A decision cue opening this line; in a table only with words after it, not a date field."""
    match = DECISION.match(line.strip())
    if match and kind == TABLE_ROW and len(re.findall(r"[^\W\d_]{2,}", line.strip()[match.end() :])) < 3:
        return None
    return match


def passages(units: list[Unit], text: str, page_ranges: list[tuple[int, int]]) -> list[PassageSpan]:
    """Paragraph-level passages in text order; a decision text is a passage of its own."""
    mark_headings(units)
    decisions = _decision_starts(units)
    path: list[tuple[int, str]] = []
    groups: list[tuple[list[Unit], str | None, bool, str | None]] = []
    for index, unit in enumerate(units):
        if unit.kind == HEADING:
            while path and path[-1][0] >= unit.level:
                path.pop()
            path.append((unit.level, " ".join(unit.text.split())[:200]))
            continue
        heading = HEADING_SEPARATOR.join(title for _, title in path) or None
        decision = index in decisions
        if groups:
            last_units, last_heading, last_decision, _ = groups[-1]
            last = last_units[-1]
            words = sum(len(u.text.split()) for u in last_units)
            fits = last_heading == heading and words + len(unit.text.split()) <= MAX_PASSAGE_WORDS
            if decision and last_decision and fits and decisions[index] == groups[-1][3]:
                last_units.append(unit)  # one decision text, however many paragraphs and points
                continue
            list_goes_on = unit.kind == LIST_ITEM and last.kind == LIST_ITEM
            table_goes_on = unit.kind == TABLE_ROW and last.kind == TABLE_ROW
            lead_in = len(last.text.split()) < MIN_PASSAGE_WORDS and last.kind == PARAGRAPH and len(last_units) == 1
            if (
                fits
                and decision == last_decision
                and (list_goes_on or table_goes_on or lead_in or (unit.kind == LIST_ITEM and last.text.endswith(":")))
            ):
                last_units.append(unit)
                continue
        groups.append(([unit], heading, decision, decisions.get(index)))
    spans: list[PassageSpan] = []
    for group, heading, decision, saksnr in groups:
        start, end = group[0].start, group[-1].end
        for piece_start, piece_end in _split_long(text, start, end):
            spans.append(
                PassageSpan(
                    piece_start, piece_end, heading, page_of(piece_start, page_ranges),
                    role=DECISION_ROLE if decision else None, saksnr=saksnr,
                )
            )  # fmt: skip
    return spans


def noise_of(text: str, page_no: int | None) -> str | None:
    """'letterhead' for a letter's kommune-name block and for contact lines (address, phone, e-mail, web)."""
    words = text.split()
    if not words or len(words) > 40:
        return None
    if not CONTACT.sub(" ", text).split() and re.search(r"[^\W\d_]{2}", text):
        return "letterhead"  # nothing but contact details (a row of numbers alone is a table)
    first = text.split("\n", 1)[0].split(" | ", 1)[0].strip()
    if page_no in (1, None) and KOMMUNE_NAME.match(first) and len(words) <= 6:
        return "letterhead"  # «Nord-Odal kommune | Servicekontoret» at the top of a letter
    return None


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

    A sak starts at a sak line the layout sets apart (see `is_sak_start`).  Saksliste
    entries are a run of sak lines with nothing between them, or a sak line whose
    number comes back later as the heading of its own text.  A short sak is still a
    sak; a sak heading repeated on its next page is the same sak.  A single sak is
    only a section in a meeting bundle.
    """
    candidates = [(index, unit, match) for index, unit in enumerate(units) if (match := is_sak_start(unit))]
    kept: list[tuple[int, Unit, re.Match]] = []
    for position, (index, unit, match) in enumerate(candidates):
        next_index = candidates[position + 1][0] if position + 1 < len(candidates) else len(units)
        if not any(u.text.split() for u in units[index + 1 : next_index]):
            continue  # a saksliste entry: the next sak line follows at once
        kept.append((index, unit, match))
    starts: list[tuple[Unit, re.Match]] = []
    for position, (_, unit, match) in enumerate(kept):
        later = [_saksnr(m) for _, _, m in kept[position + 1 :]]
        if _saksnr(match) in later and later[0] != _saksnr(match):
            continue  # the saksliste's last entry: the sak's own text comes later
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
        title = re.sub(r"\s*\|.*$", "", match.group("title")).strip(" .:–-") or None
        result.append(SectionSpan(seq=seq, saksnr=_saksnr(match), title=title, start=unit.start, end=end))
    return result


def _saksnr(match: re.Match) -> str:
    """«PS 12/21», «FO 1/21», «K 14/21» (K-sak), «12/21» (Sak 12/21): the prefix tells saker of one meeting apart."""
    return _printed_saksnr(f"{match.group('prefix') or ''} {match.group('nr')}/{match.group('year')}")


def _printed_saksnr(printed: str) -> str:
    match = re.match(
        r"\s*(?:(?P<prefix>[A-ZÆØÅa-zæøå]{1,4})(?:-sak|-)?(?:\s*nr\.?)?\s*)?(\d{1,4})\s*/\s*(\d{2,4})", printed
    )
    if match is None:
        return printed.strip()
    prefix = (match.group("prefix") or "").upper()
    number = f"{int(match.group(2))}/{match.group(3)}"
    return number if prefix in ("", "SAK") else f"{prefix} {number}"
