"""Time the scrape pipeline on replayed portals, and what politeness costs on real ones.

    python bench/bench_scrape.py [--meetings 200]

1. The demo (seven Innlandet kommuner, six platforms): first run, then an
   unchanged re-run (which must download nothing and reuse the listings of
   settled periods without asking: ≤ 5 % of the first run's requests).
2. A large Elements portal: `--meetings` meetings over 2019–2022, eight agenda
   items each with one LHL-relevant item, at rate 0 (the toolkit's own cost:
   JSON parsing, pre-filter, PDF ingest) and the request count, which at the
   default 1 request/s per host is the wall time a real portal needs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from lhl_mining.scrapers.http import Politeness
from lhl_mining.scrapers.replay import ReplayServer

from lhl_mining.demo import DEMO_KOMMUNER, demo_routes, demo_sources
from lhl_mining.demo import texts as demo_texts
from lhl_mining.demo.portals import elements_routes
from lhl_mining.scrape import ScrapeOptions, scrape
from lhl_mining.sources import load_overrides
from lhl_mining.store import Store

FAST = Politeness(rate=0, retries=1, backoff_s=0.1, contact="bench")


def _write_sources(folder: Path, data: dict) -> Path:
    import yaml

    path = folder / "lhl-sources.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def bench_demo(folder: Path) -> None:
    with ReplayServer(demo_routes()) as server, Store.open(folder / "demo.db", create=True) as store:
        sources = load_overrides(_write_sources(folder, demo_sources(server.base)))
        options = ScrapeOptions(since=2018, until=2024, corpus_dir=folder / "corpus", politeness=FAST)
        first = None
        for label in ("first run", "unchanged re-run"):
            started = time.perf_counter()
            result = scrape(store, "Innlandet", list(DEMO_KOMMUNER), options=options, overrides=sources)
            elapsed = time.perf_counter() - started
            downloaded = sum(r.downloaded for r in result.reports)
            first = first or result.requests
            print(
                f"demo scrape, {label}: {elapsed:.2f} s, {result.requests} requests "
                f"({result.requests / first:.1%} of the first run), {result.reused} listings reused without a "
                f"request, {result.not_modified} answered 304, {downloaded} documents downloaded"
            )


def bench_large_elements(folder: Path, n_meetings: int) -> None:
    meetings = []
    for n in range(n_meetings):
        year = 2019 + n % 4
        date = f"{year}-{1 + n % 12:02d}-{1 + n % 27:02d}"
        items = [demo_texts.DemoItem(f"Referatsak {k} om vegvedlikehold", f"{year % 100}/{n:03d}{k}") for k in range(7)]
        doc = demo_texts.DemoDoc(
            f"lhl-{n}", f"Leve hele livet - oppfølging {n}", "saksframlegg", date, demo_texts.STANGE_LHL_SF.paragraphs
        )
        items.append(demo_texts.DemoItem(doc.title, f"{year % 100}/9{n:03d}", [doc]))
        meetings.append(demo_texts.DemoMeeting("Hovedutvalg for helse og omsorg", date, items))
    tenant = "970169717_PROD-970169717"
    routes = elements_routes("Stange", tenant, "bench-db", meetings, range(2019, 2023))
    with ReplayServer(routes) as server, Store.open(folder / "large.db", create=True) as store:
        sources = {"kommuner": {"3413": [{"platform": "elements", "url": server.url(f"/publikum/{tenant}/Dmb")}]}}
        overrides = load_overrides(_write_sources(folder, sources))
        options = ScrapeOptions(since=2019, until=2022, corpus_dir=folder / "corpus-large", politeness=FAST)
        started = time.perf_counter()
        result = scrape(store, "Innlandet", ["3413"], options=options, overrides=overrides)
        elapsed = time.perf_counter() - started
        rerun = scrape(store, "Innlandet", ["3413"], options=options, overrides=overrides)
    report = result.reports[0]
    print(
        f"Elements, {n_meetings} meetings, unchanged re-run: {rerun.requests} requests "
        f"({rerun.requests / result.requests:.1%} of {result.requests}), {rerun.reused} listings reused"
    )
    print(
        f"Elements, {n_meetings} meetings × 8 items: {elapsed:.1f} s at rate 0 ({result.requests} requests, "
        f"{report.downloaded} PDFs ingested, {report.downloaded / elapsed:.1f} documents/s); at the default "
        f"1 request/s per host the same portal takes ≥ {result.requests / 60:.0f} min"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bench_demo(folder)
        bench_large_elements(folder, args.meetings)


if __name__ == "__main__":
    main()
