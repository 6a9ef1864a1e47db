"""`lhl scrape`: find, download and ingest the LHL-relevant documents of a county's kommuner.

Per kommune and source: where the platform searches server-side (ACOS nye
innsyn, eInnsyn) it is asked every query of the codebook's `prefilter:`
section and the hits pass the same title filter as agenda items; plan pages
and Framsikt publications are read as listings; the meeting portals
(Elements, ACOS classic, OpenGov, Digdem) are enumerated meeting by meeting
for every year of the period, agenda titles are pre-filtered with the
codebook vocabulary (`lhl_mining.prefilter`, broad on purpose: a title alone
misses most mentions), and the saksframlegg, vedlegg and protokoll of the
matching items, plus the protocols of meetings of relevant boards, are
downloaded.  Every download goes through `lhl_mining.ingest.ingest_download`
with its provenance; the full text then confirms whether the codebook's
reform terms occur.

Resumable and idempotent: each document is committed on its own, a URL that is
already stored is not fetched again, listings of settled periods are reused
from the cache without a request and recent ones revalidated (ETag /
Last-Modified).  Portals that yield nothing, sources that cannot be used and
hosts that fail are reported as coverage gaps; a portal answering in an
unknown shape is an error (E305), never «nothing found».
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from . import registry
from .errors import (
    CorpusNotWritable,
    FormatChanged,
    HostStopped,
    HttpError,
    LhlError,
    RobotsDisallowed,
    Unreachable,
    UsageError,
)
from .prefilter import default_prefilter
from .scrapers.base import Adapter, AgendaItem, DocumentRef, Meeting, Source, SourceUnusable, adapter_class
from .scrapers.http import PoliteClient, Politeness
from .sources import Overrides, prepare_sources
from .store import Store, utcnow
from .store import sources as source_sql

DEFAULT_SINCE = 2018
DEFAULT_UNTIL = 2024
FIRST_YEAR = 1990  # no kommune has meeting documents online from before; an earlier year is a typo
HTML_EXPECTED_ROLES = ("plan", "search")
MIN_MEETINGS_FOR_ITEMS = 3
"""Meetings held (listed, dated before today) without one agenda item among them means the agenda format changed."""


# ---------------------------------------------------------------------- relevance


def title_matches(title: str) -> bool:
    """The agenda-title pre-filter: the codebook's `prefilter:` titles and plan types (see `lhl prefilter`)."""
    return default_prefilter().title(title).relevant


def board_matches(board: str) -> bool:
    """Boards whose meeting protocols are fetched whatever their agenda (codebook `prefilter: boards`)."""
    return default_prefilter().board(board).relevant


_REFORM: re.Pattern | None = None


def reform_pattern() -> re.Pattern:
    """The codebook's context-free reform terms (names of LHL and Bo trygt hjemme) as one regex."""
    global _REFORM
    if _REFORM is None:
        from .codebook import REFORM_CODES, load_codebook

        codebook = load_codebook()
        parts = []
        for term in codebook.regex_terms():
            if term.code in REFORM_CODES and not term.exclude and not term.context:
                parts.append(term.pattern if term.case_sensitive else f"(?i:{term.pattern})")
        _REFORM = re.compile("|".join(parts) or r"(?i)leve\s+hele\s+livet")
    return _REFORM


# ---------------------------------------------------------------------- results


@dataclass
class KommuneReport:
    knr: str
    name: str
    platforms: list[str] = field(default_factory=list)
    status: str = "gap"
    meetings_seen: int = 0
    documents_found: int = 0
    downloaded: int = 0
    unchanged: int = 0
    failed: int = 0
    confirmed: int = 0
    gaps: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    """How each source was covered (search with the codebook queries, or every meeting enumerated)."""
    planned: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            k: getattr(self, k)
            for k in ("meetings_seen", "documents_found", "downloaded", "unchanged", "failed", "confirmed")
        }


@dataclass
class ScrapeResult:
    run_id: int
    reports: list[KommuneReport]
    dry_run: bool
    requests: int
    not_modified: int
    reused: int = 0
    """Listings of settled periods answered from the cache, without a request."""


@dataclass
class ScrapeOptions:
    since: int = DEFAULT_SINCE
    until: int = DEFAULT_UNTIL
    dry_run: bool = False
    corpus_dir: Path = Path("corpus")
    politeness: Politeness = field(default_factory=Politeness)
    workers: int = 4
    """Kommuner scraped at once; requests to one host still queue behind its rate limit."""
    refresh: bool = False
    """Revalidate stored documents with conditional requests instead of skipping them."""
    transport: httpx.BaseTransport | None = None
    """How requests reach the hosts (None: the network; `lhl demo` routes them to its local replay server)."""


ProgressFn = Callable[..., None]


# ---------------------------------------------------------------------- orchestration


def check_corpus_writable(corpus_dir: Path) -> None:
    """Fail before the first request when downloads could not be stored."""
    try:
        corpus_dir.mkdir(parents=True, exist_ok=True)
        probe = corpus_dir / f".write-test-{uuid.uuid4().hex}"
        probe.write_bytes(b"x")
        probe.unlink()
    except OSError as exc:
        raise CorpusNotWritable.of(corpus_dir, exc) from None


def scrape(
    store: Store,
    county: str,
    kommuner: list[str] | None = None,
    *,
    options: ScrapeOptions | None = None,
    overrides: Overrides | None = None,
    progress: ProgressFn | None = None,
) -> ScrapeResult:
    """Scrape the kommuner of `county` (or the named ones) for [since, until]."""
    options = options or ScrapeOptions()
    if options.since > options.until:
        raise UsageError(f"--since {options.since} is after --until {options.until}.")
    if not FIRST_YEAR <= options.since <= options.until <= FIRST_YEAR + 200:
        raise UsageError(f"--since/--until must be years from {FIRST_YEAR} on, not {options.since}–{options.until}.")
    targets = registry.resolve_kommuner(county, kommuner)
    overrides = overrides or Overrides({}, frozenset(), None)
    if not options.dry_run:
        check_corpus_writable(options.corpus_dir)
    prepare_sources(store, overrides, [k.knr for k in targets])
    politeness = options.politeness
    if overrides.ignore_robots:
        politeness = Politeness(
            **{**asdict(politeness), "ignore_robots_hosts": politeness.ignore_robots_hosts | overrides.ignore_robots}
        )
    db_lock = threading.RLock()
    cache = source_sql.StoreCache(store, db_lock)
    parameters = {
        "county": county,
        "kommuner": [k.knr for k in targets],
        "since": options.since,
        "until": options.until,
        "dry_run": options.dry_run,
        "corpus_dir": str(options.corpus_dir),
        "rate": politeness.rate,
        "robots": politeness.robots,
        "ignore_robots": sorted(politeness.ignore_robots_hosts),
        "sources_file": str(overrides.path) if overrides.path else None,
    }
    stop = threading.Event()
    with (
        store.run("scrape", parameters) as run,
        PoliteClient(politeness, cache=cache, reuse_settled=not options.refresh, transport=options.transport) as client,
    ):
        worker = _KommuneScraper(store, client, options, run.id, db_lock, stop, progress, county)
        reports: list[KommuneReport] = []
        with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
            futures = [pool.submit(worker.scrape_kommune, kommune) for kommune in targets]
            try:
                for future in futures:
                    reports.append(future.result())
            except BaseException:  # Ctrl-C or a fatal error: workers stop after the document at hand
                stop.set()
                for future in futures:
                    future.cancel()
                raise
        for report in reports:
            run.count("documents_found", report.documents_found)
            run.count("downloaded", report.downloaded)
            run.count("failed", report.failed)
            run.count("gaps", len(report.gaps))
        run.count("requests", client.requests_sent)
        run.count("reused", client.reused)
        return ScrapeResult(run.id, reports, options.dry_run, client.requests_sent, client.not_modified, client.reused)


class _KommuneScraper:
    def __init__(
        self,
        store: Store,
        client: PoliteClient,
        options: ScrapeOptions,
        run_id: int,
        db_lock: threading.RLock,
        stop: threading.Event,
        progress: ProgressFn | None,
        county: str,
    ):
        self.store = store
        self.client = client
        self.options = options
        self.run_id = run_id
        self.lock = db_lock
        self.stop = stop
        self.progress = progress or (lambda *args, **kwargs: None)
        self.county = county
        self.seen_urls: set[str] = set()

    # ------------------------------------------------------------------ per kommune
    def scrape_kommune(self, kommune: registry.Kommune) -> KommuneReport:
        report = KommuneReport(kommune.knr, kommune.label)
        self.progress("kommune_start", knr=kommune.knr, name=kommune.label)
        with self.lock:
            sources = source_sql.sources_for(self.store, kommune.knr)
        if not sources:
            report.gaps.append(
                f"no known source (registry platform «{kommune.meetings_platform or 'unknown'}»); run "
                f"`lhl sources discover --county {self.county} --kommune {kommune.knr}` or add it to lhl-sources.yaml"
            )
        outcomes = []
        for row in sources:
            if self.stop.is_set():
                break
            outcomes.append(self._scrape_source(kommune, row, report))
        if "ok" in outcomes and not report.documents_found and not self.options.dry_run:
            report.gaps.append("the portal yielded no relevant documents for the period")
        report.status = _kommune_status(outcomes, report)
        status = "planned" if self.options.dry_run else report.status
        with self.lock:
            source_sql.record_coverage(
                self.store,
                run_id=self.run_id,
                knr=kommune.knr,
                source_id=sources[0].id if sources else None,
                platform=", ".join(report.platforms) or None,
                status=status,
                since=self.options.since,
                until=self.options.until,
                counts=report.counts(),
                gaps=report.gaps,
                methods=report.methods,
            )
        self.progress("kommune_done", knr=kommune.knr, report=report)
        return report

    def _scrape_source(self, kommune: registry.Kommune, row: source_sql.SourceRow, report: KommuneReport) -> str:
        """Scrape one source; returns its outcome: 'ok', 'gap' (unusable source), 'error' (unknown format) or 'failed' (host trouble)."""
        report.platforms.append(row.platform)
        label = f"{row.platform} {row.base_url or row.platform_key}".strip()
        cls = adapter_class(row.platform)
        if cls is None:
            report.gaps.append(f"{label}: no adapter for platform «{row.platform}» yet")
            return "gap"
        source = Source(kommune.knr, kommune.label, row.platform, row.base_url, row.platform_key, row.id)
        session = self.client.session()  # cookies per kommune, even where kommuner share a host
        try:
            return self._scrape_with(cls(session, source), kommune, row, report, label)
        finally:
            session.close()

    def _scrape_with(
        self, adapter: Adapter, kommune: registry.Kommune, row: source_sql.SourceRow, report: KommuneReport, label: str
    ) -> str:
        try:
            adapter.check()
            notes = adapter.coverage_notes(self.options.since, self.options.until)
            report.gaps.extend(f"{row.platform}: {note}" for note in notes)
            try:
                refs = self._candidates(adapter, report)
            finally:
                report.failed += len(adapter.problems)
                report.failures.extend(adapter.problems)
        except SourceUnusable as exc:
            report.gaps.append(f"{label}: {exc}")
            return "gap"
        except FormatChanged as exc:  # the portal changed: an error, never «nothing relevant»
            report.gaps.append(f"{label}: {exc}")
            return "error"
        except HttpError as exc:  # host stopped, robots, unreachable, or a listing that kept failing
            report.gaps.append(f"{label}: {exc}")
            return "failed"
        report.documents_found += len(refs)
        self.progress("kommune_total", knr=kommune.knr, total=len(refs))
        for ref in refs:
            if self.stop.is_set():
                return "ok"
            if self.options.dry_run:
                report.planned.append(
                    {
                        "url": ref.url,
                        "title": ref.title,
                        "doc_type": ref.doc_type,
                        "utvalg": ref.meeting.utvalg if ref.meeting else None,
                        "meeting_date": ref.meeting.date if ref.meeting else None,
                    }
                )
            else:
                try:
                    self._fetch_and_ingest(adapter, kommune, row, ref, report)
                except FormatChanged as exc:
                    report.gaps.append(f"{label}: {exc}")
                    return "error"
                except (HostStopped, Unreachable) as exc:
                    report.gaps.append(f"{label}: {exc}")
                    return "failed"
            self.progress("advance", knr=kommune.knr)
        return "ok"

    # ------------------------------------------------------------------ finding documents
    def _candidates(self, adapter: Adapter, report: KommuneReport) -> list[DocumentRef]:
        if adapter.supports_search:
            rules = default_prefilter()
            if adapter.reads_listing:
                report.methods.append(f"{adapter.platform}: the plan/publication listing")
                return _unique(adapter.search(rules.queries, self.options.since, self.options.until))
            report.methods.append(f"{adapter.platform}: server-side search, {len(rules.queries)} codebook queries")
            hits = adapter.search(rules.queries, self.options.since, self.options.until)
            return _unique([ref for ref in hits if _search_hit_relevant(ref, rules)])
        report.methods.append(
            f"{adapter.platform}: every meeting {self.options.since}–{self.options.until}, titles pre-filtered"
        )
        refs: list[DocumentRef] = []
        empty_years = []
        held, items_parsed = [], 0
        for year in range(self.options.since, self.options.until + 1):
            if self.stop.is_set():
                break
            meetings = adapter.meetings(year)
            if not meetings:
                empty_years.append(year)
            for meeting in meetings:
                if self.stop.is_set():
                    break
                report.meetings_seen += 1
                self.progress("meeting", knr=adapter.source.knr, meeting=meeting)
                found, parsed = self._meeting_candidates(adapter, meeting, report)
                refs.extend(found)
                items_parsed += parsed
                if meeting.date and meeting.date < utcnow()[:10]:
                    held.append(meeting)
        if len(held) >= MIN_MEETINGS_FOR_ITEMS and not items_parsed and not report.failed:
            raise FormatChanged(
                held[0].url, f"agenda items for some of the {len(held)} meetings held", "no agenda item in any of them"
            )
        if empty_years:
            report.gaps.append(f"{adapter.platform}: no meetings listed for {_year_ranges(empty_years)}")
        return _unique(refs)

    def _meeting_candidates(
        self, adapter: Adapter, meeting: Meeting, report: KommuneReport
    ) -> tuple[list[DocumentRef], int]:
        """(documents to fetch, agenda items parsed) of one meeting."""
        items: list[AgendaItem] = []
        try:
            items = adapter.agenda(meeting)
            refs = []
            for item in items:
                if title_matches(item.title):
                    refs.extend(adapter.item_documents(item))
            if board_matches(meeting.utvalg) or refs:
                refs.extend(adapter.meeting_documents(meeting))
            return refs, len(items)
        except (HostStopped, Unreachable, RobotsDisallowed, FormatChanged):
            raise
        except HttpError as exc:
            report.failed += 1
            report.failures.append(f"meeting {meeting.id} ({meeting.utvalg} {meeting.date}): {exc}")
            return [], len(items)

    # ------------------------------------------------------------------ one document
    def _fetch_and_ingest(
        self,
        adapter: Adapter,
        kommune: registry.Kommune,
        row: source_sql.SourceRow,
        ref: DocumentRef,
        report: KommuneReport,
    ) -> None:
        from .ingest import Download, IngestOptions, ingest_download

        with self.lock:
            if ref.url in self.seen_urls:
                report.unchanged += 1
                return
            self.seen_urls.add(ref.url)
            stored = source_sql.stored_document(self.store, ref.url)
        if stored and stored["status"] in source_sql.DONE_STATUSES and not self.options.refresh:
            report.unchanged += 1
            self._confirm(stored["id"], report)
            return
        conditional = (
            {"etag": stored["etag"], "last_modified": stored["last_modified"]}
            if stored and stored["status"] in source_sql.DONE_STATUSES
            else None
        )
        try:
            fetched = adapter.fetch(ref, conditional)
        except (HostStopped, Unreachable, FormatChanged):
            raise
        except (HttpError, SourceUnusable) as exc:
            report.failed += 1
            report.failures.append(f"{ref.url}: {exc}")
            return
        if fetched.status == 304:
            report.unchanged += 1
            return
        if ref.role not in HTML_EXPECTED_ROLES and "html" in fetched.content_type:
            report.failed += 1
            report.failures.append(f"{ref.url}: answered an HTML page where a document was expected")
            return
        if not fetched.content:
            report.failed += 1
            report.failures.append(f"{ref.url}: empty download")
            return
        try:
            with self.lock:
                result = ingest_download(
                    self.store,
                    fetched.content,
                    Download(
                        url=ref.url,
                        platform=adapter.platform,
                        source_id=row.id,
                        metadata=ref.metadata(),
                        fetched_at=utcnow(),
                        etag=fetched.headers.get("etag"),
                        last_modified=fetched.headers.get("last-modified"),
                        mime_type=fetched.content_type or None,
                    ),
                    IngestOptions(
                        corpus_dir=self.options.corpus_dir,
                        knr=kommune.knr,
                        run_id=self.run_id,
                        retry_failed=bool(stored and stored["status"] == "failed"),
                    ),
                )
        except CorpusNotWritable:
            self.stop.set()
            raise
        except LhlError as exc:
            report.failed += 1
            report.failures.append(f"{ref.url}: {exc}")
            return
        if result.status == "failed":
            report.failed += 1
            report.failures.append(f"{ref.url}: {result.error}")
            return
        if result.action == "unchanged":  # fetched again (--refresh without validators) but the same bytes
            report.unchanged += 1
        else:
            report.downloaded += 1
        self._confirm(result.duplicate_of or result.document_id, report)

    def _confirm(self, document_id: int | None, report: KommuneReport) -> None:
        if document_id is None:
            return
        with self.lock:
            text = source_sql.document_text(self.store, document_id)
        if text and reform_pattern().search(text):
            report.confirmed += 1


def _search_hit_relevant(ref: DocumentRef, rules) -> bool:
    """A search hit is kept when its query names the reform or its title passes the title pre-filter,
    so search portals get the same filter as the meeting portals."""
    if ref.ids.get("search_term") in rules.reform_queries:
        return True
    return any(rules.title(t).relevant for t in (ref.title, ref.ids.get("hit_title", "")) if t)


def _kommune_status(outcomes: list[str], report: KommuneReport) -> str:
    """error: a portal answered in an unknown format (E305); ok: everything reachable and no gaps; partial: something stored or listed but with gaps or failures;
    failed: host trouble and nothing stored; gap: no usable source at all."""
    stored = report.downloaded + report.unchanged
    if "error" in outcomes:
        return "error"
    if "ok" in outcomes:
        return "partial" if report.gaps or report.failed else "ok"
    if "failed" in outcomes:
        return "partial" if stored else "failed"
    return "gap"


def _year_ranges(years: list[int]) -> str:
    """[2018, 2019, 2021, 2022, 2023] → «2018–2019, 2021–2023»."""
    spans: list[list[int]] = []
    for year in sorted(years):
        if spans and year == spans[-1][1] + 1:
            spans[-1][1] = year
        else:
            spans.append([year, year])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)


def _unique(refs: list[DocumentRef]) -> list[DocumentRef]:
    """One ref per URL (the same document can sit in several meetings)."""
    seen: dict[str, DocumentRef] = {}
    for ref in refs:
        seen.setdefault(ref.url, ref)
    return list(seen.values())
