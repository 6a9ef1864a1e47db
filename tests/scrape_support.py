"""Helpers for the scrape tests: replayed portals, a sources file pointing at them, a fast scrape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from lhl_mining.scrapers.http import Politeness

from lhl_mining.demo import texts
from lhl_mining.scrape import ScrapeOptions, ScrapeResult, scrape
from lhl_mining.sources import load_overrides
from lhl_mining.store import Store

YEARS = range(2019, 2023)
FAST = Politeness(rate=0, retries=2, backoff_s=0.01, timeout=2.0, contact="test@example.no")


def write_sources(
    tmp_path: Path, kommuner: dict[str, list[dict[str, str]]], robots_ignore: list[str] | None = None
) -> Path:
    data: dict[str, Any] = {"kommuner": kommuner}
    if robots_ignore:
        data["robots"] = {"ignore": robots_ignore}
    path = tmp_path / "lhl-sources.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def run_scrape(
    store: Store, tmp_path: Path, sources: Path, kommuner: list[str], *, politeness: Politeness = FAST, **options: Any
) -> ScrapeResult:
    opts = ScrapeOptions(
        since=YEARS.start,
        until=YEARS.stop - 1,
        corpus_dir=tmp_path / "corpus",
        politeness=politeness,
        **{"workers": 2, **options},
    )
    return scrape(store, "Innlandet", kommuner, options=opts, overrides=load_overrides(sources))


def documents(store: Store) -> list[dict[str, Any]]:
    rows = store.db.execute("SELECT * FROM documents ORDER BY id").fetchall()
    columns = [d[0] for d in store.db.execute("SELECT * FROM documents LIMIT 0").description]
    out = [dict(zip(columns, row, strict=True)) for row in rows]
    for row in out:
        row["platform_ids"] = json.loads(row["platform_ids"] or "{}")
    return out


def report_of(result: ScrapeResult, knr: str):
    return next(r for r in result.reports if r.knr == knr)


def lhl_doc(key: str, title: str, date: str = "2021-05-04") -> texts.DemoDoc:
    """A short saksframlegg that names the reform."""
    return texts.DemoDoc(
        key,
        title,
        "saksframlegg",
        date,
        [
            "## Saksframlegg",
            f"{title}. Saken følger opp Leve hele livet, kvalitetsreformen for eldre, med tiltak for et aldersvennlig "
            "samfunn og bedre mat og måltider på sykehjemmet.",
        ],
    )
