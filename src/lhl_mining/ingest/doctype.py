"""Document type and printed metadata from first-page cues (docs: domain reference §7).

Types: saksframlegg, saksprotokoll (særutskrift, melding om vedtak),
moteinnkalling, moteprotokoll, planstrategi, samfunnsdel, arealdel,
helse_omsorgsplan (kommunedelplan/temaplan helse og omsorg), okonomiplan
(handlings- og økonomiplan, budsjett), lhl_plan (plan for Leve hele livet /
aldersvennlig samfunn, eldreplan), other.  Every decision comes with the cue
that made it, stored as `documents.doc_type_evidence`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re

DOC_TYPES = (
    "saksframlegg",
    "saksprotokoll",
    "moteinnkalling",
    "moteprotokoll",
    "planstrategi",
    "samfunnsdel",
    "arealdel",
    "helse_omsorgsplan",
    "okonomiplan",
    "lhl_plan",
    "other",
)
BUNDLE_TYPES = {"moteinnkalling", "moteprotokoll"}

FIRST_PAGE_CHARS = 3000
TITLE_ZONE_CHARS = 600  # plan titles and «Saksframlegg» stand at the top; later mentions are topics
_I = re.IGNORECASE | re.MULTILINE

LHL_PLAN = re.compile(
    r"(?:handlingsplan|temaplan|plan|strategi)(?:en|a)?\s+for\s+(?:[«\"“]?\s*leve\s+h(?:ei|e)le\s+livet|e[it]\s+aldersvenn?le?g|"
    r"aldersvenn?le?g)|leve\s+h(?:ei|e)le\s+livet\W{0,3}\s*(?:handlingsplan|plan|\d{4})|\beldreplan|\bseniorplan|"
    r"\b(?:handlingsplan|temaplan)(?:en|a)?[ \t]*[-–:]?[ \t]*[«\"“]?leve\s+h(?:ei|e)le\s+livet|"
    r"\bplan\s+for\s+eldre\b",
    _I,
)
REFERENCE_BEFORE = re.compile(
    r"(?:innspel|innspill|uttalelse|uttale|høringsuttalelse|høyringsfråsegn|høringssvar|merknad\w*|kommentar\w*|"
    r"brev)\b[^\n]{0,60}?(?:\b(?:til|om|på|vedrørande|vedrørende|vedr\.?)\s+|\s[-–:]\s*)(?:[«\"“]\s*)?$",
    _I,
)
"""A plan name after «Innspill fra eldrerådet til …» names the plan the paper is about, not the paper itself."""
INNKALLING = re.compile(
    r"m\s?ø\s?t\s?e\s?i\s?n?\s?k\s?a\s?l\s?l\s?i\s?n?\s?g|\binnkalling\b|\bsakspapirer\b|\bsakliste\b|\bsaksliste\b",
    _I,
)
INNKALLING_SUPPORT = re.compile(
    r"forfall|møtested|varamedlem|eventuelt\s+forfall|forfall\s+skal\s+meldast|tidspunkt",
    _I,
)
PROTOKOLL = re.compile(
    r"^\W*(?:møteprotokoll|valgprotokoll|protokoll|møtebok)\b|\bprotokoll\s+(?:fra|frå)\s+møte|"
    r"^[\w\s-]{0,40}\bkommune\W*(?:møteprotokoll|protokoll|møtebok)\b",
    _I,
)
PROTOKOLL_SUPPORT = re.compile(
    r"møtende\s+medlemmer|tilstede\s+var|frammøtte|møtedeltakarar|forfall|møteleder|protokollen\s+godkjen|"
    r"innkalling\s+og\s+saksliste|valgstyret|underskrift",
    _I,
)
LETTER = re.compile(r"deres\s+ref.{0,80}?vår\s+ref|vår\s+ref.{0,80}?deres\s+ref", _I | re.DOTALL)
SAKSPROTOKOLL = re.compile(r"særutskrift|saksutskrift|saksprotokoll|melding\s+om\s+vedtak|rett\s+utskrift", _I)
VEDTAK_CUES = re.compile(
    r"\bvotering\b|\benstemmig\b|\bsamrøystes\b|behandling\s+i\s+\w+|\w+s\s+vedtak\b|^\s*vedtak\s*:|\bvedteke\s+med\b|\bvedtatt\s+med\b",
    _I,
)
SAKSFRAMLEGG = re.compile(r"saksfr[ae]mlegg|saksframstilling|sakspapir\b|saksutredning|saksutgreiing", _I)
SAKSFRAMLEGG_FIELDS = [
    re.compile(r"(?:saksbehandler|saksb|sakshandsamar|saksansvarleg|saksansvarlig)\s*:", _I),
    re.compile(
        r"(?:arkivsaksnr|arkivsaknr|arkivsak\s*id|\barkiv|saksmappe|klassering)\.?\s*:",
        _I,
    ),
    re.compile(r"saksgang|behandles\s+av|utvalgssaksnr|planlagt\s+behandling|møtedato", _I),
    re.compile(
        r"innstilling|fr[ae]mlegg\s+til\s+vedtak|forslag\s+til\s+vedtak|tilråding|\btilrår\b",
        _I,
    ),
]
PLANSTRATEGI = re.compile(r"\bplanstrategi\b", _I)
SAMFUNNSDEL = re.compile(r"samfunnsdel", _I)
AREALDEL = re.compile(r"kommuneplanens\s+arealdel|\barealdel\b", _I)
HELSE_OMSORG = re.compile(
    r"kommunedelplan\s+(?:for\s+)?helse\s*(?:-|og)\s*(?:og\s+)?omsorg|helse-\s*og\s+omsorgsplan|"
    r"temaplan\s+(?:for\s+)?helse\s+og\s+omsorg|\bomsorgsplan\b|plan\s+for\s+helse\s+og\s+omsorg",
    _I,
)
OKONOMIPLAN = re.compile(
    r"handlings-\s*og\s+økonomiplan|\bøkonomiplan\b|\bårsbudsjett\b|\bbudsjett\s+20\d\d|\bhandlingsprogram\s+20\d\d",
    _I,
)


def detect_doc_type(first_page: str, full_text: str, title: str | None = None) -> tuple[str, str]:
    """(doc_type, evidence) from the first page, the title and, for vedtak cues, the whole text."""
    head = f"{title or ''}\n{first_page[:FIRST_PAGE_CHARS]}"
    title_zone = f"{title or ''}\n{first_page[:TITLE_ZONE_CHARS]}"

    def cue(pattern: re.Pattern, text: str = head) -> str | None:
        match = pattern.search(text)
        return " ".join(match.group(0).split()) if match else None

    saksframlegg_fields = [c for p in SAKSFRAMLEGG_FIELDS if (c := cue(p))]
    if cue(LETTER) and not cue(SAKSPROTOKOLL):
        return "other", f"letter: «{cue(LETTER)}»"
    innkalling_at = INNKALLING.search(title_zone)
    protokoll_at = PROTOKOLL.search(title_zone)
    protokoll_first = protokoll_at and (not innkalling_at or protokoll_at.start() < innkalling_at.start())
    if not protokoll_first and (found := cue(INNKALLING, title_zone)) and cue(INNKALLING_SUPPORT):
        return (
            "moteinnkalling",
            f"first page: «{found}» with «{cue(INNKALLING_SUPPORT)}»",
        )
    if found := cue(SAKSPROTOKOLL):
        return "saksprotokoll", f"first page: «{found}»"
    if (found := cue(PROTOKOLL, title_zone)) and len(saksframlegg_fields) < 2:
        support = cue(PROTOKOLL_SUPPORT) or cue(PROTOKOLL_SUPPORT, full_text)
        return "moteprotokoll", f"title: «{found}»" + (f" with «{support}»" if support else "")
    explicit = cue(SAKSFRAMLEGG, title_zone)
    if explicit or len(saksframlegg_fields) >= 2:
        evidence = f"«{explicit}»" if explicit else " + ".join(f"«{c}»" for c in saksframlegg_fields)
        if vedtak := cue(VEDTAK_CUES, full_text):
            return (
                "saksprotokoll",
                f"saksframlegg header {evidence} with vedtak cue «{vedtak}»",
            )
        return "saksframlegg", f"first page: {evidence}"
    if plan := _plan_type(title_zone):
        return plan
    if found := cue(INNKALLING, title_zone):
        return "moteinnkalling", f"first page: «{found}»"
    return "other", "no first-page cue matched"


PLAN_CUES = (
    ("lhl_plan", LHL_PLAN),
    ("planstrategi", PLANSTRATEGI),
    ("helse_omsorgsplan", HELSE_OMSORG),
    ("samfunnsdel", SAMFUNNSDEL),
    ("arealdel", AREALDEL),
    ("okonomiplan", OKONOMIPLAN),
)


def _plan_type(title_zone: str) -> tuple[str, str] | None:
    """The plan type whose cue stands first in the title zone: a planstrategi that announces an LHL plan is a
    planstrategi, an LHL plan that cites the planstrategi is an LHL plan.  A cue that first
    appears after «Innspill fra eldrerådet til» names what the paper is about, so it does not count."""
    best: tuple[int, str, str] | None = None
    for doc_type, pattern in PLAN_CUES:
        match = pattern.search(title_zone)
        if match is None:
            continue
        line_start = title_zone.rfind("\n", 0, match.start()) + 1
        if REFERENCE_BEFORE.search(title_zone[line_start : match.start()]):
            continue  # the paper is about that plan
        if best is None or match.start() < best[0]:
            best = (match.start(), doc_type, " ".join(match.group(0).split()))
    if best is None:
        return None
    return best[1], ("first page" if best[1] == "lhl_plan" else "title") + f": «{best[2]}»"


SAKSNR = re.compile(
    r"(?:arkivsaksnr|arkivsaknr|arkivsak(?:\s*id)?|saksnr|saksnummer|sak\s+nr|vår\s+ref(?:eranse)?)\.?\s*[:.]?\s*"
    r"(?:\|\s*)?((?:[A-ZÆØÅ]{2,6}-)?\d{2,4}\s*/\s*\d{1,7}(?:-\d{1,4})?)",
    re.IGNORECASE,
)
SAKSBEHANDLER = re.compile(
    r"(?i:saksbehandler|saksb\.?|sakshandsamar|saksansvarleg|saksansvarlig)\s*:\s*(?:\|\s*)?"
    r"((?:(?![\w.\-]+\s*:)[A-ZÆØÅ][\w.\-]+[ \t]*){1,4})"
)
MOTEDATO = re.compile(r"møtedato\s*:?\s*(?:\|\s*)?(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{2,4})", re.IGNORECASE)
DATO = re.compile(r"\bdato\s*:?\s*(?:\|\s*)?(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})", re.IGNORECASE)
UTVALG = re.compile(
    r"^(?:utvalg|utval|styre|råd)\s*:\s*(?:\|\s*)?([^\n|]{3,80})",
    re.IGNORECASE | re.MULTILINE,
)


def _iso(day: str, month: str, year: str) -> str | None:
    full_year = int(year) + (2000 if len(year) == 2 and int(year) < 70 else 1900 if len(year) == 2 else 0)
    try:
        return dt.date(full_year, int(month), int(day)).isoformat()
    except ValueError:
        return None


GRID_LABELS = {
    "vår ref": "saksnr", "arkivsaksnr": "saksnr", "arkivsak": "saksnr", "saksnr": "saksnr",
    "saksbehandler": "saksbehandler", "sakshandsamar": "saksbehandler", "dato": "doc_date", "møtedato": "meeting_date",
}  # fmt: skip


def _grid_fields(head: str) -> dict[str, str]:
    """«Deres ref: | Vår ref: | Saksbehandler: | Dato:» over «21/19102 | Trine Hansen | 29.09.2021»: pair from the right."""
    lines = head.split("\n")
    found: dict[str, str] = {}
    for label_line, value_line in itertools.pairwise(lines):
        labels = [cell.strip().rstrip(":.").lower() for cell in label_line.split(" | ")]
        if sum(label in GRID_LABELS for label in labels) < 2 or " | " not in value_line:
            continue
        values = [cell.strip() for cell in value_line.split(" | ")]
        for label, value in zip(reversed(labels), reversed(values)):
            key = GRID_LABELS.get(label)
            if key in ("doc_date", "meeting_date"):
                date = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", value)
                if date and (iso := _iso(*date.groups())):
                    found.setdefault(key, iso)
            elif (key == "saksnr" and re.fullmatch(r"(?:[A-ZÆØÅ]{2,6}-)?\d{2,4}/\d{1,7}(?:-\d{1,4})?", value)) or (
                key == "saksbehandler" and re.fullmatch(r"[A-ZÆØÅ][\w.\-]+(?:\s+[A-ZÆØÅ][\w.\-]+){0,3}", value)
            ):
                found.setdefault(key, value)
    return found


SAKSGANG_HEAD = re.compile(r"^(?=.*\bmøtedato\b)(?=.*\b(?:utvalg|utval|styre|råd|behandlet\s+av)\b).*\|", re.I | re.M)
DATE_CELL = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")


def _saksgang_fields(head: str) -> dict[str, str]:
    """«Utvalg | Møtedato | Saksnr» over «Kommunestyret | 17.12.2012 | 112/12»: the first meeting it goes to."""
    match = SAKSGANG_HEAD.search(head)
    if not match:
        return {}
    rows = head[match.end() :].split("\n")[1:4]
    for row in rows:
        cells = [cell.strip() for cell in row.split(" | ")]
        date = next((m for cell in cells if (m := DATE_CELL.search(cell))), None)
        board = next((cell for cell in cells if re.match(r"[^\W\d_]{2}", cell) and not DATE_CELL.search(cell)), None)
        if len(cells) >= 2 and date and board and (iso := _iso(*date.groups())):
            return {"utvalg": board, "meeting_date": iso}
    return {}


def detect_metadata(first_page: str) -> dict[str, str]:
    """Header fields printed on page 1: saksnr, saksbehandler, meeting_date, doc_date, utvalg."""
    head = first_page[:FIRST_PAGE_CHARS]
    found: dict[str, str] = _saksgang_fields(head)
    for key, value in _grid_fields(head).items():
        found.setdefault(key, value)
    if "saksnr" not in found and (match := SAKSNR.search(head)):
        found["saksnr"] = re.sub(r"\s+", "", match.group(1))
    if "saksbehandler" not in found and (match := SAKSBEHANDLER.search(head)):
        found["saksbehandler"] = match.group(1).strip()
    if "meeting_date" not in found and (match := MOTEDATO.search(head)) and (iso := _iso(*match.groups())):
        found["meeting_date"] = iso
    if "doc_date" not in found and (match := DATO.search(head)) and (iso := _iso(*match.groups())):
        found["doc_date"] = iso
    if "utvalg" not in found and (match := UTVALG.search(head)):
        found["utvalg"] = match.group(1).strip()
    return found
