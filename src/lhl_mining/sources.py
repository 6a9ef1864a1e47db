"""Which portal each kommune publishes on: the registry, discovery, and the override file.

Three origins, in order of precedence: the user's override file (a kommune
listed there uses exactly the sources listed), sources found by
`discover` (fingerprinting the kommune's website), and the platform hints of
the bundled registry.  All of them live in the `sources` table with evidence
and a date.

Override file (YAML; default ``lhl-sources.yaml`` in the working folder, or
``--sources FILE`` / ``LHL_SOURCES``)::

    robots:
      ignore: [innsyn.onacos.no]     # hosts whose robots.txt you override (see docs/scraping.md)
    kommuner:
      "3446":                        # knr or kommune name
        - platform: website
          url: https://www.gran.kommune.no/planer/
          evidence: plans page checked by hand 2026-11-20
        - platform: einnsyn
          key: enh_...
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import registry
from .errors import HttpError, LhlError, SourcesFileInvalid
from .scrapers.base import ADAPTERS
from .scrapers.discover import Finding, fingerprint_page, navigation_links
from .scrapers.http import PoliteClient
from .store import Store
from .store import sources as source_sql

DEFAULT_SOURCES_FILE = "lhl-sources.yaml"
KNOWN_PLATFORMS = set(ADAPTERS)


@dataclass
class Overrides:
    kommuner: dict[str, list[dict[str, str]]]
    ignore_robots: frozenset[str]
    path: Path | None


def overrides_path(explicit: Path | None = None) -> Path | None:
    """The override file to use: explicit, ``LHL_SOURCES``, or ``lhl-sources.yaml`` when it exists."""
    if explicit is not None:
        return explicit
    env = os.environ.get("LHL_SOURCES")
    if env:
        return Path(env)
    default = Path(DEFAULT_SOURCES_FILE)
    return default if default.exists() else None


def load_overrides(path: Path | None) -> Overrides:
    """Read and validate the override file; an absent default file means no overrides."""
    if path is None:
        return Overrides({}, frozenset(), None)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise SourcesFileInvalid(f"Sources file {path} does not exist.") from None
    except (OSError, yaml.YAMLError) as exc:
        raise SourcesFileInvalid(f"Sources file {path} cannot be read: {exc}".replace("\n", " ")) from None
    if not isinstance(data, dict):
        raise SourcesFileInvalid(f"Sources file {path} must be a mapping with `kommuner:` (and optionally `robots:`).")
    robots = data.get("robots") or {}
    ignore = robots.get("ignore") if isinstance(robots, dict) else None
    if ignore is not None and not (isinstance(ignore, list) and all(isinstance(h, str) for h in ignore)):
        raise SourcesFileInvalid(f"{path}: `robots.ignore` must be a list of host names.")
    kommuner: dict[str, list[dict[str, str]]] = {}
    for name, entries in (data.get("kommuner") or {}).items():
        try:
            kommune = registry.resolve_kommune(str(name))
        except LhlError as exc:
            raise SourcesFileInvalid(f"{path}: {exc.message}") from None
        if not isinstance(entries, list) or not entries:
            raise SourcesFileInvalid(f"{path}: kommune {name} needs a list of sources (platform, url, key).")
        rows = []
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("platform") not in KNOWN_PLATFORMS:
                raise SourcesFileInvalid(
                    f"{path}: kommune {name}: each source needs `platform` (one of {', '.join(sorted(KNOWN_PLATFORMS))})."
                )
            rows.append(
                {
                    "platform": entry["platform"],
                    "url": str(entry.get("url") or ""),
                    "key": str(entry.get("key") or ""),
                    "role": str(entry.get("role") or "meetings"),
                    "evidence": str(entry.get("evidence") or f"override file {path}"),
                }
            )
        kommuner[kommune.knr] = rows
    return Overrides(kommuner, frozenset(h.lower() for h in ignore or []), path)


def prepare_sources(store: Store, overrides: Overrides, knrs: list[str] | None = None) -> None:
    """Bring `sources` up to date for `knrs` (or every kommune): registry hints, then the override file on top."""
    source_sql.sync_registry_sources(store, knrs)
    source_sql.reset_overrides(store, list(overrides.kommuner))
    today = dt.date.today().isoformat()
    for knr, rows in overrides.kommuner.items():
        keep = [
            source_sql.add_source(
                store,
                knr=knr,
                platform=row["platform"],
                base_url=row["url"],
                platform_key=row["key"],
                role=row["role"],
                origin="override",
                evidence=row["evidence"],
                checked_date=today,
            )
            for row in rows
        ]
        source_sql.deactivate_overridden(store, knr, keep)


@dataclass
class DiscoveryResult:
    knr: str
    name: str
    pages: list[str]
    findings: list[Finding]
    error: str | None = None


def discovery_targets(county: str, kommuner: list[str] | None, *, every: bool = False) -> list[registry.Kommune]:
    """The kommuner `lhl sources discover` probes: those named, else those of the county whose meeting
    portal the registry does not name (`every`: all of them)."""
    targets = registry.resolve_kommuner(county, kommuner)
    if kommuner or every:
        return targets
    return [k for k in targets if not k.has_meetings_source]


def discover(
    store: Store,
    client: PoliteClient,
    kommuner: list[registry.Kommune],
    *,
    progress: Callable[[registry.Kommune], None] | None = None,
) -> list[DiscoveryResult]:
    """Fingerprint each kommune's homepage and its politics/innsyn pages; store what is found."""
    results = []
    today = dt.date.today().isoformat()
    for kommune in kommuner:
        result = DiscoveryResult(kommune.knr, kommune.label, [], [])
        if not kommune.website:
            result.error = "no website in the registry"
        else:
            try:
                homepage = kommune.website if "://" in kommune.website else f"https://{kommune.website}/"
                result.findings, result.pages = _fingerprint_site(client, homepage)
            except HttpError as exc:
                result.error = str(exc)
        for finding in result.findings:
            source_sql.add_source(
                store,
                knr=kommune.knr,
                platform=finding.platform,
                base_url=finding.base_url,
                platform_key=finding.key,
                role=finding.role,
                origin="discovered",
                evidence=finding.evidence,
                checked_date=today,
            )
        results.append(result)
        if progress:
            progress(kommune)
    return results


def _fingerprint_site(client: PoliteClient, homepage: str) -> tuple[list[Finding], list[str]]:
    page = client.get(homepage)
    pages = [page.url]
    findings = {(f.platform, f.base_url): f for f in fingerprint_page(page.text, page.url)}
    for url in navigation_links(page.text, page.url):
        try:
            sub = client.get(url)
        except HttpError:
            continue
        pages.append(sub.url)
        for finding in fingerprint_page(sub.text, sub.url):
            findings.setdefault((finding.platform, finding.base_url), finding)
    return list(findings.values()), pages


def listed_sources(store: Store, overrides: Overrides, county: str | None = None) -> list[dict[str, Any]]:
    """`lhl sources list`: the sources of `county`'s kommuner (or all), brought up to date first."""
    knrs = [k.knr for k in registry.kommuner_in(county)] if county else None
    prepare_sources(store, overrides, knrs)
    return source_sql.list_sources(store, knrs)
