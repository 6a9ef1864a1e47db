"""The bundled registry of Norway's 357 kommuner and 15 counties (as of 2024).

Counties are matched forgivingly because researchers type them from memory:
any case, with or without æøå (``ostfold``, ``more og romsdal``), by number
(``34``), and by the 2020–2023 names (``Viken`` means Østfold, Akershus and
Buskerud).  The CSVs and their sources are described in ``data/ATTRIBUTION.md``.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .errors import UsageError

KOMMUNE_FIELDS = (
    "knr",
    "name",
    "name_alt",
    "county",
    "county_nr",
    "knr_2020",
    "county_2020",
    "website",
    "meetings_platform",
    "meetings_url",
    "platform_key",
    "evidence",
    "checked_date",
)


@dataclass(frozen=True)
class Kommune:
    knr: str
    name: str
    name_alt: str
    county: str
    county_nr: str
    knr_2020: str
    county_2020: str
    website: str
    meetings_platform: str
    meetings_url: str
    platform_key: str
    evidence: str
    checked_date: str

    @property
    def label(self) -> str:
        """Name that is unique nationally (Herøy and Våler exist twice)."""
        return f"{self.name} ({self.county})" if self.name in _ambiguous_names() else self.name

    @property
    def has_meetings_source(self) -> bool:
        """The registry names this kommune's meeting portal (platform and address)."""
        return self.meetings_platform not in ("", "unknown", "other") and bool(self.meetings_url)

    def as_dict(self) -> dict[str, str]:
        return {field: getattr(self, field) for field in KOMMUNE_FIELDS}


@dataclass(frozen=True)
class County:
    county_nr: str
    county: str
    county_2020_nr: str
    county_2020: str
    n_kommuner: int
    change_2024: str


def _read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("lhl_mining.data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def kommuner() -> tuple[Kommune, ...]:
    """All kommuner of 2024, in registry order (by knr)."""
    return tuple(Kommune(**{f: row[f] for f in KOMMUNE_FIELDS}) for row in _read_csv("kommuner.csv"))


@cache
def counties() -> tuple[County, ...]:
    """All counties of 2024, by number."""
    return tuple(
        County(
            county_nr=row["county_nr"],
            county=row["county"],
            county_2020_nr=row["county_2020_nr"],
            county_2020=row["county_2020"],
            n_kommuner=int(row["n_kommuner"]),
            change_2024=row["change_2024"],
        )
        for row in _read_csv("fylker.csv")
    )


@cache
def _ambiguous_names() -> frozenset[str]:
    seen: dict[str, int] = {}
    for k in kommuner():
        seen[k.name] = seen.get(k.name, 0) + 1
    return frozenset(name for name, n in seen.items() if n > 1)


def fold(text: str) -> str:
    """Fold a name for matching: lower case, æøå spelled out, accents and spaces dropped."""
    text = text.strip().lower()
    text = text.replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", text)


def _fold_variants(text: str) -> set[str]:
    """Also accept the ASCII spellings «oe»/«aa» (oestfold, maaloy)."""
    folded = fold(text)
    return {folded, folded.replace("oe", "o").replace("aa", "a")}


@cache
def _county_index() -> dict[str, tuple[County, ...]]:
    index: dict[str, tuple[County, ...]] = {}
    by_2020: dict[str, list[County]] = {}
    for c in counties():
        by_2020.setdefault(c.county_2020_nr, []).append(c)
    for c in counties():
        for key in (c.county, c.county_nr, str(int(c.county_nr))):
            index[fold(key)] = (c,)
    for nr_2020, successors in by_2020.items():
        name_2020 = successors[0].county_2020
        for key in (name_2020, nr_2020, str(int(nr_2020))):
            index.setdefault(fold(key), tuple(successors))
    # ASCII spellings of the names
    for key, value in list(index.items()):
        for variant in _fold_variants(key):
            index.setdefault(variant, value)
    return index


def all_county_names() -> list[str]:
    return [c.county for c in counties()]


def resolve_county(query: str) -> tuple[County, ...]:
    """The 2024 counties meant by `query`; a 2020–2023 county gives its successors.

    Raises `UsageError` (exit code 2) naming the closest county and listing all.
    """
    index = _county_index()
    for variant in _fold_variants(query):
        if variant in index:
            return index[variant]
    names = all_county_names() + sorted({c.county_2020 for c in counties()} - set(all_county_names()))
    folded_names = {fold(n): n for n in names}
    close = difflib.get_close_matches(fold(query), list(folded_names), n=1, cutoff=0.0)
    hint = f" Did you mean «{folded_names[close[0]]}»?" if close else ""
    raise UsageError(
        f"Unknown county «{query}».{hint} Valid counties: {', '.join(all_county_names())} "
        "(also the 2020–2023 names Viken, Vestfold og Telemark, Troms og Finnmark, and county numbers)."
    )


def kommuner_in(county_query: str | None = None) -> list[Kommune]:
    """Kommuner of a county (any accepted spelling), or all when `county_query` is None."""
    if county_query is None:
        return list(kommuner())
    numbers = {c.county_nr for c in resolve_county(county_query)}
    return [k for k in kommuner() if k.county_nr in numbers]


def resolve_kommuner(county: str, names: list[str] | None) -> list[Kommune]:
    """The kommuner named in `county`, or all of it; an unknown county/kommune is a UsageError (exit 2) with the closest matches."""
    resolve_county(county)
    if not names:
        return kommuner_in(county)
    return [resolve_kommune(name, county) for name in names]


def resolve_kommune(query: str, county_query: str | None = None) -> Kommune:
    """One kommune by number, name, Sami/Kven name, or «Name (County)».

    Herøy and Våler exist in two counties: give the county to choose.
    """
    candidates = kommuner_in(county_query)
    text = query.strip()
    qualified = re.fullmatch(r"(.+?)\s*\((.+)\)", text)
    if qualified:
        text = qualified.group(1)
        numbers = {c.county_nr for c in resolve_county(qualified.group(2))}
        candidates = [k for k in candidates if k.county_nr in numbers]
    if re.fullmatch(r"\d{3,4}", text):
        matches = [k for k in candidates if k.knr == text.zfill(4) or k.knr_2020 == text.zfill(4)]
    else:
        wanted = _fold_variants(text)
        matches = [
            k
            for k in candidates
            if wanted & (_fold_variants(k.name) | {fold(part) for part in k.name_alt.split(" - ") if part})
        ]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        options = ", ".join(f"{k.label} ({k.knr})" for k in matches)
        raise UsageError(f"«{query}» matches several kommuner: {options}. Give the county or the number.")
    folded = {fold(k.name): k for k in candidates}
    close = difflib.get_close_matches(fold(text), list(folded), n=3, cutoff=0.6)
    hint = f" Closest: {', '.join(folded[c].label for c in close)}." if close else ""
    scope = f" in {county_query}" if county_query else ""
    raise UsageError(f"Unknown kommune «{query}»{scope}.{hint} List them with `lhl kommuner`.")
