"""Decisions read from a document's full text: who decided what, when, in which sak, with what outcome.

Works on the stored cleaned text (`document_texts.text`) and nothing else, so
it does not depend on how passages or sections were cut.  A document is split
into saker (bundles: «PS 12/20 …», «Sak 45/21 …»; a særutskrift or saksframlegg
is one sak); inside a sak, labelled blocks are read:

- vedtak: «Vedtak:», «Kommunestyrets vedtak:», «Vedtak i Kommunestyret - 17.06.2021:», «KST-45/21 Vedtak:»;
- innstilling (the proposed decision): «Kommunedirektørens innstilling», «Forslag/Framlegg til vedtak»,
  «Tilråding», «Formannskapets innstilling»;
- uttalelse: a council's statement («Eldrerådets uttalelse:»).

The body comes from the label, else the nearest «Behandling i …»/«Handsaming i …»
line, else the document's utvalg or title, else the decision's own subject
(«Kommunestyret vedtar …»).  «Som innstillingen» is resolved to the proposal's
text.  Plan documents that print «Vedtatt i kommunestyret 17.06.2021, sak 45/21»
on the first page give a vedtak too.  Offsets point into the document text.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..ingest.doctype import LHL_PLAN

EXTRACTOR = "decisions-1"

KINDS = ("vedtak", "innstilling", "uttalelse")
OUTCOMES = ("adopted", "adopted_changed", "orientation", "postponed", "sent_back", "rejected", "start_plan", "other")
OUTCOME_LABELS = {
    "adopted": "vedtatt som foreslått", "adopted_changed": "vedtatt med endringer",
    "orientation": "tatt til orientering", "postponed": "utsatt", "sent_back": "sendt tilbake",
    "rejected": "avvist / ikke vedtatt", "start_plan": "vedtak om å lage plan / planprogram", "other": "annet vedtak",
}  # fmt: skip
BODIES = ("kommunestyre", "formannskap", "hovedutvalg", "planutvalg", "eldreraad", "funksjonsraad", "kommunedirektor",
          "ordforer", "utvalg")  # fmt: skip

_I = re.IGNORECASE
_IM = re.IGNORECASE | re.MULTILINE
DATE = r"\d{1,2}\.\s?\d{1,2}\.\s?(?:\d{4}|\d{2})\b"
MONTHS = {m: i for i, m in enumerate(
    ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november",
     "desember"), start=1)}  # fmt: skip
DATE_WORDS = r"\d{1,2}\.\s*(?:" + "|".join(MONTHS) + r")\s+\d{4}"
SAKNR = r"\d{1,4}\s*/\s*(?:\d{4}|\d{2})\b"

_BODY_PATTERNS: tuple[tuple[str, re.Pattern], ...] = tuple(
    (name, re.compile(pattern, _I))
    for name, pattern in (
        ("kommunestyre", r"kommunestyre|bystyre|\bKST\b|\bK-sak\b"),
        ("formannskap", r"formannskap|\bFSK\b|\bFS\b"),
        ("eldreraad", r"eldrer[åa]d|r[åa]d\s+for\s+eldre|seniorr[åa]d|eldre\w*r[åa]d"),
        ("funksjonsraad", r"funksjons(?:nedsett|hemm)\w*|r[åa]d\s+for\s+personer\s+med"),
        ("planutvalg", r"planutval|plan-\s*og\s+bygnings|planr[åa]d|bygningsr[åa]d|teknisk\s+utval"),
        (
            "hovedutvalg",
            r"hovedutval|hovudutval|levekårsutval|tjenesteutval|tenesteutval|driftsutval|komit[eé]|"
            r"utval\w*\s+for|\butvalet\b|\butvalget\b",
        ),
        ("kommunedirektor", r"kommunedirekt|rådmann|administrasjonssjef|kommunalsjef|administrasjonen"),
        ("ordforer", r"ordfør"),
    )
)
_ABBREVIATIONS = {"KST": "kommunestyre", "KS": "kommunestyre", "K": "kommunestyre", "BY": "kommunestyre",
                  "FSK": "formannskap", "FS": "formannskap", "F": "formannskap", "FSKAP": "formannskap",
                  "ER": "eldreraad", "ELD": "eldreraad", "ELDR": "eldreraad"}  # fmt: skip

# ------------------------------------------------------------------ structure of the text
SAK_HEADING = re.compile(
    rf"^[ \t#*•>-]*(?:(?P<prefix>PS|RS|DS|OS|FO|Sak|SAK|K-sak|KS-sak|Saksnr\.?)\s*)(?:nr\.?\s*)?(?P<nr>{SAKNR})"
    r"[ \t.:–-]*(?P<title>[^\n]*)$",
    re.MULTILINE,
)
BODY_LINE = re.compile(
    rf"^[ \t#*•>-]*(?:(?:møte)?behandling|handsaming|behandla|behandlet)\s+(?:i|av)\s+(?P<body>[^\n:]{{3,70}}?)"
    rf"(?:\s*[-–:,]?\s*(?:den\s+)?(?P<date>{DATE}|{DATE_WORDS}))?\s*:?\s*$"
    rf"|^[ \t#*•>-]*(?P<body2>(?:kommunestyre|bystyre|formannskap|eldrer[åa]d|hovedutval|hovudutval|levekårsutval|"
    rf"planutval|r[åa]d\s+for)[^\n\d:]{{0,50}}?)\s*[-–,]?\s*(?:den\s+)?(?P<date2>{DATE}|{DATE_WORDS})"
    rf"(?:[ ,]+sak\s+(?P<sak2>{SAKNR}))?\s*:?",
    _IM,
)
UTVALG_FIELD = re.compile(r"^[ \t]*(?:utvalg|utval|styre,?\s*råd,?\s*utvalg)\s*:\s*(?P<body>[^\n.|]{3,80})", _IM)
DATE_FIELD = re.compile(rf"\b(?:møtedato|dato)\s*:?\s*(?P<date>{DATE}|{DATE_WORDS})", _I)
_KEYWORDS = re.compile(
    r"(?P<proposal>forslag\s+til\s+vedtak|fr[ae]mlegg\s+til\s+vedtak|innstilling(?:en|a)?|tilr[åa]ding(?:a|en)?|tilrår)"
    r"|(?P<statement>uttalelse|uttale|fråsegn)|(?P<vedtak>vedtak(?:et)?)",
    _I,
)
_ABBR_PREFIX = re.compile(rf"^(?P<abbr>[A-ZÆØÅ]{{1,6}})\s*[-–]\s*(?:(?P<sak>{SAKNR})\s*)?$")
STOP_LINE = re.compile(
    r"^[ \t#*•>-]*(?:(?:møte)?behandling|handsaming|votering|avstemming|røysting|saksopplysning\w*|"
    r"saksutgreiing|saksutredning|bakgrunn|vurdering|vedlegg|sammendrag|samandrag|saksgang|dokumenter|"
    r"økonomiske\s+(?:konsekvenser|konsekvensar)|utskrift|rett\s+utskrift|protokoll\w*|underskrift\w*|"
    r"saksbehandler|sakshandsamar|andre\s+saksdokument\w*|klageadgang|møteleder|forfall|til\s+stede)\b",
    _I,
)
SOM_INNSTILLING = re.compile(
    r"^\W*(?:som|lik|i\s+samsvar\s+med)?\s*(?:[\wæøå]+s\s+|[\wæøå]+\s+sitt?\s+)?"
    r"(?:innstilling\w*|tilr[åa]ding\w*|forslag\w*|fr[ae]mlegg\w*)"
    r"(?:\s+(?:til\s+vedtak|fra|frå)\b[^.]{0,40})?(?:\s+(?:ble|vart|blei|blir|vert)?\s*(?:enstemmig|samrøystes)?\s*"
    r"(?:vedtas|vedtatt|vedteke\w*|godkjent|godkjennes|vedtakast))?\W*(?:enstemmig|samrøystes)?\W*$",
    _I,
)

# ------------------------------------------------------------------ outcomes
POSTPONED = re.compile(
    r"\butsett(?:es|ast|jast)\b|\b(?:saken|saka|behandlingen|handsaminga)\s+(?:blir\s+|vert\s+|ble\s+|vart\s+)?"
    r"(?:utsatt|utsett)\b|\butsatt\s+til\b|\butsett\s+til\b|\butset\s+saka\b",
    _I,
)
SENT_BACK = re.compile(
    r"\bsend(?:es|ast|t|e)\s+(?:saken\s+|saka\s+)?(?:tilbake|attende|i\s+retur)\b|\btilbakesend\w*|\breturner(?:es|ast)\b",
    _I,
)
REJECTED = re.compile(
    r"\bvedtas\s+ikke\b|\bikke\s+vedtatt\b|\bvert\s+ikkje\s+vedteke\w*|\bikkje\s+vedteke\w*|\bavvis(?:es|ast)\b|"
    r"\bavslå(?:s|st)\b|\bforkast(?:es|ast)\b|\bgår\s+ikk(?:e|je)\s+inn\s+for\b|\bslutter\s+seg\s+ikke\s+til\b",
    _I,
)
ORIENTATION = re.compile(r"\btil\s+(?:orientering|etterretning|vitande|orientering)\b|\btas\s+til\s+orientering", _I)
ADOPT_VERB = r"(?:vedtar|vedtek|godkjenner|godkjenn|slutter\s+seg\s+til|sluttar\s+seg\s+til)"
ADOPT_PASSIVE = (r"(?:vedtas|vedtakast|vert\s+vedteke\w*|blir\s+vedteke\w*|godkjennes|godkjennast|er\s+vedtatt|"
                 r"ble\s+vedtatt|vart\s+vedteke\w*|vedtatt)")  # fmt: skip
PLAN_WORD = r"[\wæøå\-]*(?:plan|strategi|planprogram)[\wæøå]*"
PLAN_ADOPTION = re.compile(
    rf"\b{ADOPT_VERB}\s+(?:[\wæøå\-–«»\"“”]+\s+){{0,4}}?(?P<obj>{PLAN_WORD})"
    rf"|(?P<obj2>{PLAN_WORD})(?:[^.;\n]{{0,90}}?)\b{ADOPT_PASSIVE}",
    _I,
)
START_PLAN = re.compile(
    r"\boppstart\w*|\bigangsett\w*|\bigangset\w*|\bsett(?:e|es|ast)?\s+i\s+gang\b|\bsetj(?:e|ast)\s+i\s+gang\b|"
    r"\bstart(?:e|es|ast|ar|er)?\s+(?:opp\s+)?(?:med\s+)?(?:arbeid\w*|planarbeid\w*)|\butarbeid\w*|\bu(?:t)?arbeide\b|"
    r"\blag(?:e|es|ast)\s+(?:en|ein)\s+[\wæøå\-]*plan|\bplanprogram\w*|\bplanarbeid\w*\s+(?:startes|vert\s+starta)",
    _I,
)
ADOPTED = re.compile(
    rf"\b{ADOPT_VERB}\b|\b{ADOPT_PASSIVE}\b|\bvedtok\b|\bslutt(?:er|ar)\s+seg\s+til\b|\btiltr(?:er|ar|åd)\w*|\bgodkjent\b",
    _I,
)
CHANGED = re.compile(
    r"\bmed\s+(?:følgende|følgjande|de|dei|disse|desse)?\s*(?:endring\w*|tillegg\w*)|\bendringsforslag\w*\s+"
    r"(?:fra|frå)?[^.]{0,60}?\b(?:vedtatt|vedteke\w*|ble\s+vedtatt)|\btilleggsforslag\w*[^.]{0,60}?\b(?:vedtatt|vedteke)",
    _I,
)
IMPLEMENTS = re.compile(
    r"(?:oppfølging\w*\s+(?:av|til)|følg(?:e|je|er)\s+opp|implementer\w*|gjennomføring\w*\s+av|bygg(?:er|jer)\s+på|"
    r"i\s+tråd\s+med|innarbeid\w*|ivaretar|tek\s+vare\s+på|plan\w*\s+for|del\s+av)\s+(?:[\wæøå\-–«»\"“”]+\s+){0,4}?$",
    _I,
)
PLAN_STATEMENT = re.compile(
    rf"\b(?:vedtatt|vedteke|godkjent)\s+(?:i|av)\s+(?P<body>kommunestyret|bystyret)"
    rf"(?:\s*(?:den\s+|i\s+møte\s+)?(?P<date>{DATE}|{DATE_WORDS}))?"
    rf"(?:[,.]?\s*(?:i\s+)?(?:sak|k-sak|ps|KST-sak)\s*(?:nr\.?\s*)?(?P<sak>{SAKNR}))?",
    _I,
)
PLAN_DOC_TYPES = {"lhl_plan", "planstrategi", "samfunnsdel", "arealdel", "helse_omsorgsplan", "okonomiplan"}
BUNDLE_DOC_TYPES = {"moteprotokoll", "moteinnkalling"}
PROTOCOL_DOC_TYPES = {"moteprotokoll", "saksprotokoll"}
MAX_DECISION_CHARS = 3000
PLAN_STATEMENT_ZONE = 3000


@dataclass
class Decision:
    """One decision (or proposed decision) in a document; offsets point into the document text."""

    seq: int
    kind: str
    outcome: str
    text: str
    char_start: int
    char_end: int
    body: str | None = None
    body_text: str | None = None
    meeting_date: str | None = None
    saksnr: str | None = None
    arkivsak: str | None = None
    sak_title: str | None = None
    sak_start: int | None = None
    sak_end: int | None = None
    plan: str | None = None
    names_reform: bool = False
    implements_reform: bool = False
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_row(self, document_id: int) -> dict[str, Any]:
        row = {k: v for k, v in self.__dict__.items()}
        row.update(
            document_id=document_id, names_reform=int(self.names_reform), implements_reform=int(self.implements_reform)
        )
        return row


# ------------------------------------------------------------------ helpers
def iso_date(text: str | None) -> str | None:
    """«17.06.2021», «17.6.21» or «17. juni 2021» as ISO; None when it is no date."""
    if not text:
        return None
    if match := re.fullmatch(r"(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{2,4})", text.strip()):
        day, month, year = (int(g) for g in match.groups())
    elif match := re.fullmatch(r"(\d{1,2})\.\s*([a-zæøå]+)\s+(\d{4})", text.strip().lower()):
        day, month, year = int(match.group(1)), MONTHS.get(match.group(2), 0), int(match.group(3))
    else:
        return None
    year += 2000 if year < 70 else 1900 if year < 100 else 0
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def body_of(text: str | None) -> str | None:
    """Normalised body name of a free-text mention («Kommunestyrets», «Hovudutval for helse», «KST»)."""
    if not text:
        return None
    stripped = text.strip()
    first = stripped.split()[0] if stripped.split() else ""
    if first.isupper() and first in _ABBREVIATIONS:
        return _ABBREVIATIONS[first]
    for name, pattern in _BODY_PATTERNS:
        if pattern.search(stripped):
            return name
    return None


def _norm_saknr(value: str | None) -> str | None:
    return re.sub(r"\s+", "", value) if value else None


@cache
def _reform_patterns() -> tuple[list[re.Pattern], list[re.Pattern]]:
    """The codebook's context-free regex terms for the reform (and its exclusions): the one place its name lives."""
    from ..codebook import REFORM_CODES, load_codebook

    codebook = load_codebook()
    found: list[re.Pattern] = []
    excluded: list[re.Pattern] = []
    for term in codebook.terms.values():
        if term.code not in REFORM_CODES and "reform" not in dict(term.also):
            continue
        if term.kind != "regex" or term.context or term.unless:
            continue
        pattern = re.compile(term.pattern, 0 if term.case_sensitive else re.IGNORECASE)
        (excluded if term.exclude else found).append(pattern)
    return found, excluded


def reform_spans(text: str) -> list[tuple[int, int]]:
    """Where `text` names the reform by an unambiguous name (codebook terms that need no context)."""
    found, excluded = _reform_patterns()
    vetoes = [m.span() for p in excluded for m in p.finditer(text)]
    spans = []
    for pattern in found:
        for m in pattern.finditer(text):
            if not any(s < m.end() and m.start() < e for s, e in vetoes):
                spans.append(m.span())
    return sorted(spans)


def is_lhl_plan(text: str) -> bool:
    return bool(LHL_PLAN.search(text))


def classify_outcome(text: str, sak_title: str = "") -> tuple[str, str | None, str]:
    """(outcome, plan object adopted or started, the cue) of a decision text."""
    for outcome, pattern in (("postponed", POSTPONED), ("sent_back", SENT_BACK), ("rejected", REJECTED)):
        if m := pattern.search(text):
            return outcome, None, m.group(0)
    if m := PLAN_ADOPTION.search(text):
        obj = (m.group("obj") or m.group("obj2") or "").lower()
        clause = m.group(0) + (
            re.split(r"[.,;:\n]", text[m.end() : m.end() + 80], maxsplit=1)[0] if m.group("obj") else ""
        )
        if "planprogram" in obj or START_PLAN.search(clause):
            return "start_plan", obj, clause
        return "adopted", obj, clause
    if (m := START_PLAN.search(text)) and re.search(PLAN_WORD, text + " " + sak_title, _I):
        return "start_plan", None, m.group(0)
    if m := ORIENTATION.search(text):
        return "orientation", None, m.group(0)
    if m := ADOPTED.search(text):
        return "adopted", None, m.group(0)
    return "other", None, ""


BARE_PLAN = re.compile(r"(?:handlings|tema|del)?plan(?:en|a|et|ane|ene)?|strategi(?:en|a)?", _I)
"""A plan object without a name of its own («planen», «handlingsplanen»): the plan the sak is about."""


def _similar(a: str, b: str) -> float:
    wa, wb = re.findall(r"\w+", a.lower()), re.findall(r"\w+", b.lower())
    return difflib.SequenceMatcher(None, wa, wb, autojunk=False).ratio() if wa and wb else 0.0


# ------------------------------------------------------------------ the reader
@dataclass
class _Line:
    start: int
    end: int
    text: str


def _lines(text: str, start: int, end: int) -> list[_Line]:
    out, pos = [], start
    for raw in text[start:end].split("\n"):
        out.append(_Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


_TAIL_OK = re.compile(
    rf"^\s*(?:(?:i|fra|frå|til|av|for)\s+[^\d:]{{2,60}}?)?\s*(?:[-–,]?\s*(?:den\s+)?(?:{DATE}|{DATE_WORDS}))?"
    rf"\s*(?:[-–,]?\s*(?:i\s+)?sak\s*{SAKNR})?\s*$",
    _I,
)


def _label(line: str) -> tuple[str, str, str, int] | None:
    """(kind, who text, abbreviation-sak, offset of inline text or -1) when the line is a decision label."""
    m = _KEYWORDS.search(line[:90])
    if not m:
        return None
    prefix, rest = line[: m.start()].strip(" \t#*•>-"), line[m.end() :]
    if (
        len(prefix.split()) > 6
        or re.search(r"[.;!?]\s", prefix + " ")
        or re.search(r"\b(?:om|for|til|etter|med|ved|av|og|uten|utan|på|slikt|sitt\s+eige)\s*$", prefix, _I)
    ):
        return None  # «Melding om vedtak», «Det ble fattet slikt vedtak» name a decision, they do not label one
    colon = rest.find(":")
    tail = rest[:colon] if colon >= 0 else rest
    if not _TAIL_OK.match(tail):
        return None
    kind = "innstilling" if m.group("proposal") else "uttalelse" if m.group("statement") else "vedtak"
    abbr_sak = ""
    who = f"{prefix} {tail}".strip()
    if am := _ABBR_PREFIX.match(prefix):
        who = am.group("abbr") + " " + tail.strip()
        abbr_sak = am.group("sak") or ""
    inline = m.end() + colon + 1 if colon >= 0 else -1
    return kind, who, abbr_sak, inline


ROW = re.compile(rf"^[ \t]*(?P<abbr>[A-ZÆØÅ]{{1,6}})\s*-\s*(?P<sak>{SAKNR})\s*\|\s*(?=\S)")
SOM_BODY = re.compile(r"^\W*som\s+(?P<who>[^-–.(|]{2,40})", _I)


def _row_decision(lines: list[_Line], i: int) -> tuple[tuple[str, str, str, int], int, int] | None:
    """A flattened two-column row, «K-112/12 | Som PTN-utvalet – vedteke …» over «Vedtak:»: the text comes first,
    the label (kind) on the next line.  Returns (label, offset of the text in the line, index of the label line)."""
    m = ROW.match(lines[i].text)
    if not m:
        return None
    for j in range(i + 1, min(i + 3, len(lines))):
        if not lines[j].text.strip():
            continue
        label = _label(lines[j].text.split("|")[0])
        if label and not label[1]:
            return (label[0], m.group("abbr"), m.group("sak"), -1), m.end(), j
        return None
    return None


def _proposal_meant(block: str, proposals: list[Decision]) -> Decision:
    """The proposal «Som innstillingen» / «Som PTN-utvalet» refers to: that body's latest, else the latest."""
    if (m := SOM_BODY.match(block)) and (who := body_of(m.group("who")) or _abbr_body(m.group("who"))):
        for proposal in reversed(proposals):
            if proposal.body == who:
                return proposal
    return proposals[-1]


def _abbr_body(text: str) -> str | None:
    word = re.match(r"[A-ZÆØÅ]{1,6}", text.strip())
    return _ABBREVIATIONS.get(word.group(0)) if word else None


def _is_heading(line: str) -> bool:
    """A short unpunctuated line that starts a new section («Bakgrunn», «Et aldersvennlig samfunn»)."""
    stripped = line.strip()
    if stripped.startswith("#"):
        return True
    words = stripped.split()
    return (
        0 < len(words) <= 5
        and stripped[0].isupper()
        and not stripped[0].isdigit()
        and not stripped.endswith((".", ",", ":", ";", "!", "?", ")"))
    )


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] == "|"):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@dataclass
class _Sak:
    start: int
    end: int
    saksnr: str | None
    title: str | None
    heading_end: int


def _saker(text: str, doc_type: str | None) -> list[_Sak]:
    headings = list(SAK_HEADING.finditer(text))
    if doc_type in BUNDLE_DOC_TYPES or len(headings) >= 2 or (headings and doc_type in PROTOCOL_DOC_TYPES):
        saker = []
        for n, m in enumerate(headings):
            end = headings[n + 1].start() if n + 1 < len(headings) else len(text)
            saker.append(_Sak(m.start(), end, _norm_saknr(m.group("nr")), m.group("title").strip() or None, m.end()))
        if saker:
            return saker
    return [_Sak(0, len(text), None, None, 0)]


def _doc_body(doc: dict[str, Any], text: str) -> tuple[str | None, str | None]:
    for source in (doc.get("utvalg"), *(m.group("body") for m in UTVALG_FIELD.finditer(text[:3000])), doc.get("title")):
        if (body := body_of(source)) and body not in ("kommunedirektor", "ordforer"):
            return body, source.strip() if source else None
    return None, None


def _doc_date(doc: dict[str, Any], text: str) -> str | None:
    if doc.get("meeting_date"):
        return doc["meeting_date"]
    title = doc.get("title") or ""
    for source in (title, text[:1500]):
        if (m := re.search(rf"(?:{DATE}|{DATE_WORDS})", source, _I)) and (iso := iso_date(m.group(0))):
            return iso
    if m := DATE_FIELD.search(text[:3000]):
        return iso_date(m.group("date"))
    return doc.get("doc_date")


def _doc_saksnr(doc: dict[str, Any], text: str) -> str | None:
    for source in (doc.get("title") or "", text[:1500]):
        if m := re.search(rf"\bsak\s*(?:nr\.?\s*)?({SAKNR})", source, _I):
            return _norm_saknr(m.group(1))
    return None


def _routing_saksnr(text: str, body: str | None) -> tuple[str | None, str | None]:
    """(sak number, meeting date) of `body` from a saksframlegg's routing table («45/21 Kommunestyret 17.06.2021»)."""
    if not body:
        return None, None
    pattern = dict(_BODY_PATTERNS).get(body)
    if pattern is None:
        return None, None
    for line in text[:3000].split("\n"):
        if not (at := pattern.search(line)):
            continue
        after = line[at.start() :]
        nr = re.search(rf"(?<![\d/]){SAKNR}", after)
        date = re.search(DATE, after)
        if nr and date:
            return _norm_saknr(nr.group(0)), iso_date(date.group(0))
    return None, None


@dataclass(frozen=True)
class _DocFacts:
    """What the document says about itself, the fallback for every sak in it: its body (as code and as
    printed), its meeting date, its sak number and the case (arkivsak) it belongs to."""

    doc: dict[str, Any]
    body: str | None
    body_text: str | None
    date: str | None
    saksnr: str | None
    arkivsak: str | None


def extract_decisions(text: str, doc: dict[str, Any] | None = None) -> list[Decision]:
    """Every decision, proposal and council statement in `text`; `doc` gives doc_type, title, utvalg, dates, saksnr."""
    doc = doc or {}
    doc_type = doc.get("doc_type")
    body, body_text = _doc_body(doc, text)
    facts = _DocFacts(doc, body, body_text, _doc_date(doc, text), _doc_saksnr(doc, text), doc.get("saksnr"))
    decisions: list[Decision] = []
    for sak in _saker(text, doc_type):
        decisions.extend(_read_sak(text, sak, facts, len(decisions)))
    if doc_type in PLAN_DOC_TYPES:
        decisions.extend(_plan_statements(text, doc, facts.arkivsak, len(decisions)))
    else:
        decisions.extend(_reported_adoptions(text, facts.arkivsak, len(decisions), decisions))
    return decisions


LABEL_INLINE = re.compile(
    rf"(?<![\w-])(?:(?P<abbr>[A-ZÆØÅ]{{1,6}})\s*[-–]\s*(?:(?P<asak>{SAKNR})\s*)?)?"
    r"(?P<who>(?:[\wæøåÆØÅ][\wæøåÆØÅ\-]*[ \t]+){0,3}?)"
    r"(?P<kw>forslag\s+til\s+vedtak|fr[ae]mlegg\s+til\s+vedtak|innstilling(?:en|a)?|tilr[åa]ding(?:a|en)?|tilrår|"
    r"uttalelse|uttale|fråsegn|vedtak(?:et)?)"
    r"(?P<tail>\s+(?:i|fra|frå|til|av|for)\s+[^:\n.]{2,50}?)?"
    rf"(?:\s*[-–,]?\s*(?:den\s+)?(?P<date>{DATE}))?\s*:",
    _I,
)
CONTEXT_INLINE = re.compile(
    r"(?<![\w-])(?:(?:møte)?(?:behandling|handsaming)|behandlet|behandla|handsama|saksprotokoll|særutskrift|"
    r"(?:saks)?utskrift|protokoll)\s+(?:i|av|fra|frå)\s+"
    r"(?P<body>(?:kommunestyre|bystyre|formannskap|eldrer[åa]d|hovedutval|hovudutval|levekårsutval|planutval|"
    r"utval|r[åa]d\s+for)[\wæøå]*(?:\s+(?:for|og|i)\s+[\wæøå\-]+){0,4})"
    rf"(?:\s*[-–,]?\s*(?:den\s+|i\s+møte\s+)?(?P<date>{DATE}|{DATE_WORDS}))?"
    rf"(?:[ ,]+(?:i\s+|under\s+)?sak\s*(?:nr\.?\s*)?(?P<sak>{SAKNR}))?\s*:?",
    _I,
)
STOP_INLINE = re.compile(
    r"(?<![\w-])(?:votering|avstemming|røysting|saksopplysning\w*|saksutgreiing|saksutredning|bakgrunn|vurdering|"
    r"vedlegg|sammendrag|samandrag|saksgang|utskrift\s+sendes\s+til|protokolltilførsel)\s*:",
    _I,
)


_LABEL_ANCHOR = re.compile(
    r"(?:vedtak|innstilling|tilr[åa]d|tilrår|forslag\s+til\s+vedtak|fr[ae]mlegg\s+til\s+vedtak|uttal|fråsegn)"
    r"[^:\n.]{0,70}:",
    _I,
)
_LABEL_REACH = 90
"""Characters before a keyword a label may start at («KST-45/21 Kommunestyret sitt vedtak:»)."""


def _inline_labels(span: str) -> list[re.Match]:
    """LABEL_INLINE matches, found from cheap «keyword … :» anchors (a full scan is ten times slower)."""
    found: dict[int, re.Match] = {}
    for anchor in _LABEL_ANCHOR.finditer(span):
        line_start = span.rfind("\n", 0, anchor.start()) + 1
        m = LABEL_INLINE.search(span, max(line_start, anchor.start() - _LABEL_REACH), anchor.end())
        if m and m.end() == anchor.end():
            found.setdefault(m.start(), m)
    return [found[k] for k in sorted(found)]


@dataclass
class _Marker:
    start: int
    kind: str  # label | context | stop | heading
    text_start: int = 0
    info: dict[str, Any] = field(default_factory=dict)


def _markers(text: str, sak: _Sak, lines: list[_Line]) -> list[_Marker]:
    """Labels, «Behandling i …» contexts and stops in a sak, in text order (inline or on lines of their own)."""
    span = text[sak.start : sak.end]
    found: list[_Marker] = []
    row_labels: set[int] = set()
    for i, line in enumerate(lines):
        if row := _row_decision(lines, i):
            (kind, abbr, asak, _), offset, label_line = row
            found.append(
                _Marker(
                    line.start,
                    "label",
                    line.start + offset,
                    {
                        "kind": kind,
                        "who": abbr,
                        "abbr_sak": asak,
                        "row": True,
                        "label": lines[label_line].text.strip(),
                        "end": line.end,
                    },
                )
            )
            row_labels.add(lines[label_line].start)
        elif (label := _label(line.text)) and label[3] < 0:
            found.append(
                _Marker(
                    line.start,
                    "label",
                    line.end + 1,
                    {"kind": label[0], "who": label[1], "abbr_sak": label[2], "label": line.text.strip()},
                )
            )
        elif bm := BODY_LINE.match(line.text):
            raw = bm.group("body") or bm.group("body2")
            found.append(
                _Marker(
                    line.start,
                    "context",
                    line.end,
                    {
                        "body": raw.strip(),
                        "date": bm.group("date") or bm.group("date2"),
                        "sak": bm.group("sak2"),
                        "title": line.text[bm.end() :].strip(" :") if bm.group("body2") else "",
                    },
                )
            )
        elif STOP_LINE.match(line.text) or (_is_heading(line.text) and line.start > sak.heading_end):
            found.append(_Marker(line.start, "stop" if STOP_LINE.match(line.text) else "heading"))
    for m in _inline_labels(span):
        start = sak.start + m.start()
        if text.rfind("\n", 0, start) + 1 in row_labels:
            continue
        who = f"{m.group('abbr') or ''} {m.group('who')} {m.group('tail') or ''}".strip()
        found.append(
            _Marker(
                start,
                "label",
                sak.start + m.end(),
                {
                    "kind": "innstilling"
                    if re.match(r"forslag|fr[ae]mlegg|innstill|tilr", m.group("kw"), _I)
                    else "uttalelse"
                    if re.match(r"uttal|fråsegn", m.group("kw"), _I)
                    else "vedtak",
                    "who": who,
                    "abbr_sak": m.group("asak") or "",
                    "label": m.group(0).strip(),
                    "date": m.group("date"),
                },
            )
        )
    for m in CONTEXT_INLINE.finditer(span):
        start = sak.start + m.start()
        if not any(f.kind == "context" and f.start <= start <= f.text_start for f in found):
            found.append(
                _Marker(
                    start,
                    "context",
                    sak.start + m.end(),
                    {"body": m.group("body"), "date": m.group("date"), "sak": m.group("sak"), "title": ""},
                )
            )
    for m in STOP_INLINE.finditer(span):
        found.append(_Marker(sak.start + m.start(), "stop", sak.start + m.end()))
    found.sort(key=lambda f: (f.start, f.kind != "label"))
    return found


def _read_sak(text: str, sak: _Sak, facts: _DocFacts, seq0: int) -> list[Decision]:
    doc = facts.doc
    lines = _lines(text, sak.start, sak.end)
    markers = _markers(text, sak, lines)
    title = sak.title or doc.get("title") or ""
    context: dict[str, Any] = {}
    context_at: int | None = None
    proposals: list[Decision] = []
    found: list[Decision] = []
    for n, marker in enumerate(markers):
        if marker.kind == "context":
            context, context_at = marker.info, marker.start
            if marker.info.get("title") and sak.title is None:
                title = marker.info["title"]
            continue
        if marker.kind != "label":
            continue
        info = marker.info
        if info.get("row"):
            end = info["end"]
        else:
            first_line_end = text.find("\n", marker.text_start + 1)
            nexts = [
                m.start
                for m in markers[n + 1 :]
                if m.start >= marker.text_start
                and not (
                    m.kind == "heading" and m.start <= first_line_end and not text[marker.text_start : m.start].strip()
                )
            ]
            end = min([*nexts, sak.end, marker.text_start + MAX_DECISION_CHARS])
        start, end = _trim(text, marker.text_start, end)
        if end <= start:
            continue
        kind, who = info["kind"], info["who"]
        dated = re.match(rf"(?:{DATE}|{DATE_WORDS})[ \t]*(?=\n|$)", text[start:end], _I) if kind == "vedtak" else None
        if dated:  # a header field «Dato – vedtak i kommunestyre: 17.12.12»: the date is all it says
            end = start + dated.end()
            info = {**info, "date": dated.group(0)}
        block = text[start:end]
        who_body = (
            body_of(who) or (_abbr_body(who) if info.get("row") else None) or ("utvalg" if info.get("row") else None)
        )
        evidence: dict[str, Any] = {"label": info["label"][:120]}
        effective = block
        if proposals and (SOM_INNSTILLING.match(block) or len(block) < 3 or SOM_BODY.match(block)):
            earlier = _proposal_meant(block, proposals)
            effective = earlier.evidence.get("effective_text") or earlier.text
            evidence["as_proposed"] = earlier.seq
        subject = body_of(re.split(r"\s", block.strip(), maxsplit=1)[0]) if block.strip() else None
        context_body = body_of(context.get("body"))
        body: str | None
        if kind == "innstilling":
            body = who_body or "kommunedirektor"
            body_text = who or None
        else:
            body = who_body or context_body or facts.body or (subject if subject not in ("kommunedirektor",) else None)
            body_text = who or context.get("body") or facts.body_text
            evidence["body_from"] = (
                "label"
                if who_body
                else "behandling"
                if context_body
                else "document"
                if facts.body
                else "subject"
                if body
                else None
            )
        date = iso_date(info.get("date")) or (iso_date(context.get("date")) if context_body in (None, body) else None)
        decision = Decision(
            seq=seq0 + len(found),
            kind=kind,
            outcome="other",
            text=block,
            char_start=start,
            char_end=end,
            body=body,
            body_text=(body_text or None),
            meeting_date=date if kind != "innstilling" else None,
            saksnr=_norm_saknr(info.get("abbr_sak")) or _norm_saknr(context.get("sak")) or sak.saksnr,
            arkivsak=facts.arkivsak,
            sak_title=title.strip() or None,
            sak_start=sak.start,
            sak_end=sak.end,
            evidence=evidence,
        )
        if effective is not block:
            decision.evidence["effective_text"] = effective
        _judge(decision, effective, text[context_at : marker.start] if context_at is not None else "", proposals)
        if dated:
            head = f"{doc.get('title') or ''}\n{text[:PLAN_STATEMENT_ZONE]}"
            decision.outcome, decision.plan = "adopted", "lhl_plan" if is_lhl_plan(head) else "plan"
            decision.names_reform = bool(reform_spans(head))
            decision.evidence["outcome_cue"] = f"dated vedtak field: {info['label']} {block}"
        found.append(decision)
        if kind == "innstilling":
            proposals.append(decision)
    if not any(d.kind in ("vedtak", "uttalelse") for d in found) and doc.get("doc_type") in PROTOCOL_DOC_TYPES:
        found.extend(_unlabelled(text, sak, facts, title, seq0 + len(found)))
    for decision in found:
        if decision.kind == "innstilling":
            continue
        routed_nr, routed_date = _routing_saksnr(text, decision.body)
        decision.saksnr = decision.saksnr or routed_nr or facts.saksnr
        decision.meeting_date = decision.meeting_date or routed_date or facts.date
    return found


def _unlabelled(text: str, sak: _Sak, facts: _DocFacts, title: str, seq: int) -> list[Decision]:
    """A protocol sak without a «Vedtak:» label: its own text is the decision when it states an outcome."""
    start, end = _trim(text, sak.start if sak.title is None else sak.heading_end, sak.end)
    if end <= start:  # «Sak 45/22 Reguleringsplan for Sentrum vedtas enstemmig.»: the heading is the decision
        start, end = _trim(text, sak.start, sak.end)
    body_text = text[start:end]
    if len(body_text) > MAX_DECISION_CHARS or classify_outcome(body_text, title)[0] == "other":
        return []
    subject = body_of(body_text.split(None, 1)[0]) if sak.title is None and body_text else None
    decision = Decision(
        seq=seq,
        kind="vedtak",
        outcome="other",
        text=body_text,
        char_start=start,
        char_end=end,
        body=facts.body or subject,
        body_text=facts.body_text,
        meeting_date=facts.date,
        saksnr=sak.saksnr or facts.saksnr,
        arkivsak=facts.arkivsak,
        sak_title=title or None,
        sak_start=sak.start,
        sak_end=sak.end,
        evidence={"label": None, "body_from": "document" if facts.body else "subject" if subject else None},
    )
    _judge(decision, body_text, "", [])
    return [decision]


def _judge(decision: Decision, effective: str, behandling: str, proposals: list[Decision]) -> None:
    """Outcome, plan, and whether the decision names the reform or says the plan implements it."""
    title = decision.sak_title or ""
    outcome, obj, cue = classify_outcome(effective, title)
    if outcome == "adopted" and decision.kind == "vedtak":
        changed = CHANGED.search(effective) or CHANGED.search(behandling)
        if changed:
            outcome, cue = "adopted_changed", changed.group(0)
        elif proposals and "as_proposed" not in decision.evidence:
            similarity = _similar(proposals[-1].text, effective)
            decision.evidence["similarity_to_proposal"] = round(similarity, 2)
            if similarity < 0.85:
                outcome = "adopted_changed"
    decision.outcome = outcome
    decision.evidence["outcome_cue"] = cue[:120]
    scope = f"{title}\n{effective}"
    names = reform_spans(scope)
    decision.names_reform = bool(names)
    if outcome in ("adopted", "adopted_changed", "start_plan"):
        # the LHL plan must be what is adopted: named in the adoption clause, or the sak's plan («vedtar planen»)
        bare = bool(obj and BARE_PLAN.fullmatch(obj))
        if (
            is_lhl_plan(cue)
            or (bare and (is_lhl_plan(title) or reform_spans(title)))
            or (obj is None and is_lhl_plan(title))
            or (outcome == "start_plan" and is_lhl_plan(effective))
        ):
            decision.plan = "lhl_plan"
        elif obj or re.search(PLAN_WORD, title, _I):
            decision.plan = "plan"
        if decision.plan == "plan":
            for s, _ in reform_spans(effective):
                if IMPLEMENTS.search(effective[max(0, s - 80) : s]):
                    decision.implements_reform = True
                    decision.evidence["implements_cue"] = effective[max(0, s - 80) : s].strip()[-80:]
                    break


REPORTED_ADOPTION = re.compile(
    rf"(?:ble|er|vart|blei|har\s+blitt|har\s+vorte)\s+vedt(?:att|eke|eken)\s+(?:i|av)\s+(?P<body>kommunestyret|bystyret)"
    rf"(?:\s*(?:den\s+|i\s+møte\s+)?(?P<date>{DATE}|{DATE_WORDS}))?"
    rf"(?:[,.]?\s*\(?(?:i\s+)?(?:sak|k-sak|ps)\s*(?:nr\.?\s*)?(?P<sak>{SAKNR}))?",
    _I,
)


def _reported_adoptions(text: str, arkivsak: str | None, seq: int, read: list[Decision]) -> list[Decision]:
    """«Handlingsplanen for Leve hele livet ble vedtatt i kommunestyret 12.12.2019, sak 99/19» in a later paper:
    a kommunestyre adoption of an LHL plan reported in the past tense (only when the sentence names the plan)."""
    found: list[Decision] = []
    for m in REPORTED_ADOPTION.finditer(text):
        if any(d.char_start <= m.start() < d.char_end for d in read):
            continue
        sentence_start = max(text.rfind(". ", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
        sentence = text[sentence_start : m.end()]
        if not is_lhl_plan(sentence):
            continue
        found.append(
            Decision(
                seq=seq + len(found),
                kind="vedtak",
                outcome="adopted",
                text=sentence.strip(),
                char_start=sentence_start + (len(sentence) - len(sentence.lstrip())),
                char_end=m.end(),
                body="kommunestyre",
                body_text=m.group("body"),
                meeting_date=iso_date(m.group("date")),
                saksnr=_norm_saknr(m.group("sak")),
                arkivsak=arkivsak,
                plan="lhl_plan",
                names_reform=bool(reform_spans(sentence)),
                evidence={"label": "reported adoption", "body_from": "label", "outcome_cue": m.group(0)},
            )
        )
    return found


def _plan_statements(text: str, doc: dict[str, Any], arkivsak: str | None, seq: int) -> list[Decision]:
    """«Vedtatt i kommunestyret 17.06.2021, sak 45/21» on a plan's first page."""
    m = PLAN_STATEMENT.search(text[:PLAN_STATEMENT_ZONE])
    if not m:
        return []
    title = doc.get("title") or ""
    plan = "lhl_plan" if doc.get("doc_type") == "lhl_plan" or is_lhl_plan(title) else "plan"
    decision = Decision(
        seq=seq,
        kind="vedtak",
        outcome="adopted",
        text=m.group(0),
        char_start=m.start(),
        char_end=m.end(),
        body="kommunestyre",
        body_text=m.group("body"),
        meeting_date=iso_date(m.group("date")),
        saksnr=_norm_saknr(m.group("sak")),
        arkivsak=arkivsak,
        sak_title=title or None,
        plan=plan,
        names_reform=bool(reform_spans(f"{title}\n{text[:PLAN_STATEMENT_ZONE]}")),
        evidence={"label": "plan document: adoption statement", "outcome_cue": m.group(0)},
    )
    return [decision]
