"""The bundled kommune registry and forgiving county/kommune lookup."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from lhl_mining import registry
from lhl_mining.errors import UsageError


def test_registry_has_all_357_kommuner_with_unique_numbers():
    kommuner = registry.kommuner()
    assert len(kommuner) == 357
    assert len({k.knr for k in kommuner}) == 357
    assert all(k.county_nr == k.knr[:2] for k in kommuner)


def test_per_county_counts_equal_fylker_csv(shared):
    with (shared / "data" / "fylker.csv").open(encoding="utf-8") as fh:
        expected = {row["county"]: int(row["n_kommuner"]) for row in csv.DictReader(fh)}
    assert len(expected) == 15
    for county, n in expected.items():
        assert len(registry.kommuner_in(county)) == n, county


def test_bundled_csvs_are_the_shared_registry(shared):
    for name in ("kommuner.csv", "fylker.csv"):
        bundled = resources.files("lhl_mining.data").joinpath(name).read_bytes()
        assert bundled == (shared / "data" / name).read_bytes()


@pytest.mark.parametrize(
    "query, expected",
    [
        ("Innlandet", ["Innlandet"]),
        ("innlandet", ["Innlandet"]),
        ("  INNLANDET ", ["Innlandet"]),
        ("34", ["Innlandet"]),
        ("Østfold", ["Østfold"]),
        ("ostfold", ["Østfold"]),
        ("oestfold", ["Østfold"]),
        ("more og romsdal", ["Møre og Romsdal"]),
        ("Møre-og-Romsdal", ["Møre og Romsdal"]),
        ("trondelag", ["Trøndelag"]),
        ("3", ["Oslo"]),
        ("Viken", ["Østfold", "Akershus", "Buskerud"]),
        ("30", ["Østfold", "Akershus", "Buskerud"]),
        ("Vestfold og Telemark", ["Vestfold", "Telemark"]),
        ("troms og finnmark", ["Troms", "Finnmark"]),
        ("Troms", ["Troms"]),
    ],
)
def test_county_aliases(query, expected):
    assert [c.county for c in registry.resolve_county(query)] == expected


def test_2020_county_lists_all_successor_kommuner():
    assert len(registry.kommuner_in("Viken")) == 12 + 21 + 18
    assert len(registry.kommuner_in("Troms og Finnmark")) == 21 + 18


def test_unknown_county_names_closest_and_lists_all():
    with pytest.raises(UsageError) as err:
        registry.resolve_county("Innlandt")
    message = str(err.value)
    assert err.value.exit_code == 2
    assert "Did you mean «Innlandet»" in message
    for county in registry.all_county_names():
        assert county in message


def test_resolve_kommune_by_name_number_and_sami_name():
    assert registry.resolve_kommune("Hamar").knr == "3403"
    assert registry.resolve_kommune("3403").name == "Hamar"
    assert registry.resolve_kommune("lillehammer").knr == "3405"
    assert registry.resolve_kommune("Guovdageaidnu").name == "Kautokeino"
    assert registry.resolve_kommune("Gjovik").name == "Gjøvik"


def test_ambiguous_kommune_needs_county():
    with pytest.raises(UsageError, match="several kommuner"):
        registry.resolve_kommune("Herøy")
    assert registry.resolve_kommune("Herøy (Nordland)").knr == "1818"
    assert registry.resolve_kommune("Våler", "Innlandet").knr == "3419"


def test_unknown_kommune_suggests_close_names():
    with pytest.raises(UsageError, match="Closest: Lillehammer"):
        registry.resolve_kommune("Lilehammer")
