"""Incremental re-runs: listings of settled periods are reused, recent ones asked again, `--refresh` asks everything."""

from __future__ import annotations

import datetime as dt

import yaml
from lhl_mining.scrapers.replay import ReplayServer
from scrape_support import FAST, report_of

from lhl_mining.demo import DEMO_KOMMUNER, demo_routes, demo_sources
from lhl_mining.scrape import ScrapeOptions, scrape
from lhl_mining.sources import load_overrides

RERUN_SHARE = 0.05


def county_run(store, tmp_path, server, since=2018, until=2024, **options):
    sources = tmp_path / "lhl-sources.yaml"
    sources.write_text(yaml.safe_dump(demo_sources(server.base), allow_unicode=True), encoding="utf-8")
    before = len(server.requests)
    opts = ScrapeOptions(
        since=since, until=until, corpus_dir=tmp_path / "corpus", politeness=FAST, workers=4, **options
    )
    result = scrape(store, "Innlandet", list(DEMO_KOMMUNER), options=opts, overrides=load_overrides(sources))
    return result, len(server.requests) - before


def test_an_unchanged_rerun_sends_at_most_5_percent_of_the_requests(store, tmp_path):
    with ReplayServer(demo_routes()) as server:
        first, first_requests = county_run(store, tmp_path, server)
        second, second_requests = county_run(store, tmp_path, server)
    assert first_requests == first.requests and first_requests > 80
    assert second_requests <= RERUN_SHARE * first_requests, (first_requests, second_requests)
    assert second.reused > 0
    # the re-run finds the same documents (from the cache) and downloads none of them again
    for knr in DEMO_KOMMUNER:
        assert report_of(second, knr).documents_found == report_of(first, knr).documents_found
        assert report_of(second, knr).downloaded == 0
        assert report_of(second, knr).status == report_of(first, knr).status


def test_refresh_asks_again_and_recent_periods_are_always_asked(store, tmp_path):
    this_year = dt.date.today().year
    with ReplayServer(demo_routes()) as server:
        _, first_requests = county_run(store, tmp_path, server)
        _, refreshed = county_run(store, tmp_path, server, refresh=True)
        assert refreshed >= 0.5 * first_requests  # every listing revalidated
        county_run(store, tmp_path, server, since=this_year, until=this_year)
        marker = len(server.requests)
        county_run(store, tmp_path, server, since=this_year, until=this_year)
        recent = [path for _, path, _, _ in server.requests[marker:]]
    assert any(f"year={this_year}" in path for path in recent)  # this year's meeting list is asked each run
