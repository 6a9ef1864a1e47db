"""`lhl demo`: the whole pipeline offline, on portals replayed from this machine.

A local server answers like the real portals of seven Innlandet kommuner
(Elements for Stange, ACOS classic for Grue, ACOS Innsyn Pluss for Søndre
Land, OpenGov 360 for Sør-Odal, a Framsikt publication for Trysil, a plans page
for Sør-Aurdal, and Gran with no known source), serving documents written for
the demo (see `texts`).  The demo writes a sources override file pointing at
the server, runs the same `scrape` as ``lhl scrape --county Innlandet``, tags
the passages and writes the report.  Nothing leaves the machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from ..errors import UsageError
from ..scrape import ScrapeOptions, ScrapeResult, scrape
from ..scrapers.http import Politeness
from ..scrapers.replay import ReplayServer
from ..sources import load_overrides
from ..store import Store
from . import texts
from .portals import (
    acos_classic_routes,
    acos_nye_innsyn_routes,
    elements_routes,
    framsikt_routes,
    opengov_routes,
    plans_page_routes,
)

DEMO_SINCE = 2018
DEMO_UNTIL = 2024
DEMO_KOMMUNER = ("3413", "3417", "3447", "3415", "3421", "3449", "3446")
STANGE_TENANT = "970169717_PROD-970169717"
STANGE_DATABASE = "5f1c2a9e-3d4b-4c8a-9e21-7a6b0d3c1e55"
FRAMSIKT_PUBLICATION = "/2023/trysil/bm-2023-hop_2023_2026"
DEMO_BASE = "http://demo.lhl.invalid"
"""The demo portals' address in every stored URL: requests go to the replay server (on any free port) as a proxy,
so document URLs, provenance and de-duplication are the same on every run, whatever holds which port."""


def demo_routes() -> dict:
    """Every route of the demo portals."""
    years = range(DEMO_SINCE, DEMO_UNTIL + 1)
    routes: dict = {}
    routes.update(elements_routes("Stange", STANGE_TENANT, STANGE_DATABASE, texts.STANGE_MEETINGS, years))
    routes.update(acos_classic_routes("Grue", "/grue", texts.GRUE_MEETINGS, years))
    routes.update(
        acos_nye_innsyn_routes(
            "Søndre Land",
            "/sondre-land",
            "/sondre-land/moteoversikt/",
            [(texts.SONDRE_LAND_SF, "Saksframlegg"), (texts.SONDRE_LAND_PROTOCOL, "Særutskrift")],
        )
    )
    routes.update(
        opengov_routes(
            "Sør-Odal",
            "sorodal",
            [
                texts.DemoMeeting(
                    "Kommunestyret",
                    "2019-11-21",
                    [
                        texts.DemoItem(
                            "Helse- og omsorgsplan 2019-2030 - sluttbehandling",
                            "19/01234",
                            [texts.SOR_ODAL_SF, texts.SOR_ODAL_VEDTAK],
                        ),
                        texts.DemoItem("Godkjenning av protokoll", "19/01200", []),
                    ],
                ),
            ],
            years,
            unpublished=[("Kommunestyret", "2024-12-12")],
        )
    )
    routes.update(framsikt_routes(FRAMSIKT_PUBLICATION, texts.TRYSIL_FRAMSIKT_SECTIONS, texts.TRYSIL_FRAMSIKT_TEXTS))
    routes.update(
        plans_page_routes(
            "Sør-Aurdal",
            "/sor-aurdal/planer/",
            [texts.SOR_AURDAL_STRATEGY, texts.SOR_AURDAL_HELSE, texts.SOR_AURDAL_OTHER],
        )
    )
    return routes


def demo_sources(base: str) -> dict[str, Any]:
    """The sources override file for the demo kommuner (Gran is left out on purpose: a gap)."""
    return {
        "kommuner": {
            "3413": [
                {
                    "platform": "elements",
                    "url": f"{base}/publikum/{STANGE_TENANT}/Dmb",
                    "key": STANGE_TENANT,
                    "evidence": "lhl demo: local replay of an Elements Publikum portal",
                }
            ],
            "3417": [
                {
                    "platform": "acos_classic",
                    "url": f"{base}/grue/wfinnsyn.ashx?response=moteplan",
                    "key": "grue",
                    "evidence": "lhl demo: local replay of an ACOS WebSak innsyn",
                }
            ],
            "3447": [
                {
                    "platform": "acos_nye_innsyn",
                    "url": f"{base}/sondre-land/moteoversikt/",
                    "key": "sondre-land",
                    "evidence": "lhl demo: local replay of ACOS Innsyn Pluss",
                }
            ],
            "3415": [
                {
                    "platform": "opengov360",
                    "url": f"{base}/Meetings/sorodal",
                    "key": "sorodal",
                    "evidence": "lhl demo: local replay of 360 OpenGov Meetings",
                }
            ],
            "3421": [
                {
                    "platform": "framsikt",
                    "url": f"{base}{FRAMSIKT_PUBLICATION}",
                    "role": "plans",
                    "evidence": "lhl demo: local replay of a Framsikt publication",
                }
            ],
            "3449": [
                {
                    "platform": "website",
                    "url": f"{base}/sor-aurdal/planer/",
                    "role": "plans",
                    "evidence": "lhl demo: local replay of a kommune plans page",
                }
            ],
        }
    }


@dataclass
class DemoResult:
    directory: Path
    db_path: Path
    corpus_dir: Path
    sources_file: Path
    scrape: ScrapeResult
    tagged: int
    suggestions: int
    report_path: Path | None
    status: dict[str, Any]


def run_demo(
    directory: Path,
    db_path: Path | None = None,
    *,
    progress: Callable[..., None] | None = None,
    tag: bool = True,
    report: bool = True,
) -> DemoResult:
    """Serve the demo portals, scrape them, tag, and write the report; returns where everything is."""
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"--dir {directory} is a file; give a folder for the demo (it is created if missing).")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"Cannot create the demo folder {directory}: {exc.strerror or exc}.") from None
    db_path = db_path or directory / "lhl.db"
    corpus_dir = directory / "corpus"
    sources_file = directory / "lhl-sources.yaml"
    with ReplayServer(demo_routes()) as server:
        sources_file.write_text(
            "# Written by `lhl demo`: the demo kommuner point at a local replay server.\n"
            + yaml.safe_dump(demo_sources(DEMO_BASE), allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
        options = ScrapeOptions(
            since=DEMO_SINCE,
            until=DEMO_UNTIL,
            corpus_dir=corpus_dir,
            workers=4,
            politeness=Politeness(rate=0, retries=1, backoff_s=0.1, contact="lhl demo"),
            transport=httpx.HTTPTransport(proxy=server.base),
        )
        with Store.open(db_path, create=True) as store:
            result = scrape(
                store,
                "Innlandet",
                list(DEMO_KOMMUNER),
                options=options,
                overrides=load_overrides(sources_file),
                progress=progress,
            )
            tagged, suggestions = _tag(store, progress) if tag else (0, 0)
            report_path = _report(store, directory / "report.html") if report else None
            status = store.status_counts()
    return DemoResult(directory, db_path, corpus_dir, sources_file, result, tagged, suggestions, report_path, status)


def _tag(store: Store, progress: Callable[..., None] | None) -> tuple[int, int]:
    from ..learn.files import default_models_dir
    from ..nlp.classify import TagOptions, run_tag

    options = TagOptions()  # what `lhl tag` does without options
    stats = run_tag(store, options.labeller(default_models_dir(store.path)), options)
    if progress:
        progress("tagged", passages=stats.tagged)
    return stats.tagged, stats.rows


def _report(store: Store, out: Path) -> Path:
    from ..export.report import write_report

    return Path(write_report(store, out, force=True).path)
