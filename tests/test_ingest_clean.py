"""Cleaning rules on the line breaks and glyphs found in municipal PDFs (domain reference §2.2)."""

from __future__ import annotations

import pytest

from lhl_mining.ingest.clean import join_hyphenated, normalize_line

VOCABULARY = {"forskjeller", "helse-norge", "ansvaret"}


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        ("Det viktigste An-", "svaret ligger hos", "Det viktigste Ansvaret ligger hos"),
        ("gode helse-", "og omsorgstjenester", "gode helse- og omsorgstjenester"),
        ("helse-", "eller omsorgssektoren", "helse- eller omsorgssektoren"),
        ("planperioden 2019-", "2023 blir", "planperioden 2019-2023 blir"),
        ("kommunene i Sør-", "Aurdal og Valdres", "kommunene i Sør-Aurdal og Valdres"),
        ("send en e-", "post til oss", "send en e-post til oss"),
        ("nye IKT-", "systemer", "nye IKT-systemer"),
        ("store forskj-", "eller mellom kommunene", "store forskjeller mellom kommunene"),
        ("hele helse-", "norge står sammen", "hele helse-norge står sammen"),
        ("Kommu\u00ad", "nen skal", "Kommunen skal"),
        (
            "les mer på https://www.regjeringen.no/no/dokumenter/meld.-st.-15-",
            "20172018/id2599850/",
            "les mer på https://www.regjeringen.no/no/dokumenter/meld.-st.-15-20172018/id2599850/",
        ),
        ("se www.nav.no", "for mer informasjon", "se www.nav.no for mer informasjon"),
        (
            "www.nord-odal.kommune.no",
            "postmottak@nord-odal.kommune.no",
            "www.nord-odal.kommune.no postmottak@nord-odal.kommune.no",
        ),
        ("www.nord-odal.kommune.no", "https://x.no/y", "www.nord-odal.kommune.no https://x.no/y"),
        ("www.nord-odal.kommune.no", "postmottak@nord-", "www.nord-odal.kommune.no postmottak@nord-"),
        ("postmottak@nord-", "odal.kommune.no", "postmottak@nord-odal.kommune.no"),
        ("Leve", "hele livet", "Leve hele livet"),
    ],
)
def test_line_end_joins(left, right, joined):
    assert join_hyphenated(left, right, VOCABULARY) == joined


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Eﬀektiv oﬀentlig ﬁnansiering", "Effektiv offentlig finansiering"),
        ("A\u030agot og o\u0308", "Ågot og ö"),  # decomposed letters become NFC
        ("hel\u00adse\u00adtje\u00adnes\u00adter", "helsetjenester"),
        ("\uf0b7 Mat og måltider", "• Mat og måltider"),
        ("▪ Aktivitet og fellesskap", "• Aktivitet og fellesskap"),
        ("- Helsehjelp", "- Helsehjelp"),
        ("Bø kommune Bø kommune Bø kommune", "Bø kommune"),
        ("MøtebokMøtebok", "Møtebok"),
        ("Arbeiderpartiet | 460 | 460 | 0", "Arbeiderpartiet | 460 | 460 | 0"),  # table values, not fake bold
        ("Måltidsvert | 300 | 300 | 400", "Måltidsvert | 300 | 300 | 400"),
        ("Sum 1 234 1 234 0", "Sum 1 234 1 234 0"),
        ("Saksbehandler: | Arkiv: | Arkivsaksnr.:", "Saksbehandler: | Arkiv: | Arkivsaksnr.:"),
        ("to\u00a0\u00a0mellomrom\u200b her", "to mellomrom her"),
    ],
)
def test_line_normalisation(raw, clean):
    assert normalize_line(raw) == clean
