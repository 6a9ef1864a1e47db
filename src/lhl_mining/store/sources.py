"""SQL for portal sources, the HTTP cache of listing pages, and scrape coverage."""

from __future__ import annotations

import dataclasses
import json
import threading
from dataclasses import dataclass
from typing import Any

from . import Store, utcnow

# Registry `meetings_platform` values → adapter names.
REGISTRY_PLATFORMS = {
    "elements": "elements",
    "acos": "acos_classic",
    "acos_innsynpluss": "acos_nye_innsyn",
    "acos_cms": "acos_nye_innsyn",
    "opengov360": "opengov360",
    "einnsyn": "einnsyn",
    "digdem": "digdem",
}

# Documents in these states are stored for good; a re-run does not fetch them again.
DONE_STATUSES = ("extracted", "needs_ocr", "duplicate", "skipped")


@dataclass(frozen=True)
class SourceRow:
    id: int
    knr: str
    platform: str
    role: str
    base_url: str
    platform_key: str
    origin: str
    evidence: str | None
    checked_date: str | None
    found_at: str
    active: bool


def _row(values: tuple) -> SourceRow:
    row = SourceRow(*values)
    return dataclasses.replace(row, active=bool(row.active))  # SQLite gives 0/1


_COLUMNS = "id, knr, platform, role, base_url, platform_key, origin, evidence, checked_date, found_at, active"


def sync_registry_sources(store: Store, knrs: list[str] | None = None) -> int:
    """Mirror the bundled registry's platform hints into `sources` (origin 'registry') for `knrs` (or all)."""
    where, params = "", []
    if knrs is not None:
        where = f" WHERE knr IN ({','.join('?' * len(knrs)) or 'NULL'})"
        params = list(knrs)
    rows = store.db.execute(
        "SELECT knr, meetings_platform, meetings_url, platform_key, evidence, checked_date FROM kommuner" + where,
        params,
    ).fetchall()
    added = 0
    with store.db.atomic():
        for knr, platform, url, key, evidence, checked in rows:
            adapter = REGISTRY_PLATFORMS.get(platform or "")
            if not adapter:
                continue
            cursor = store.db.execute(
                "INSERT OR IGNORE INTO sources (knr, platform, role, base_url, platform_key, origin, evidence, "
                "checked_date, found_at) VALUES (?, ?, 'meetings', ?, ?, 'registry', ?, ?, ?)",
                [knr, adapter, url or "", key or "", evidence, checked or None, utcnow()],
            )
            added += cursor.rowcount
    return added


def add_source(
    store: Store,
    *,
    knr: str,
    platform: str,
    base_url: str,
    platform_key: str = "",
    role: str = "meetings",
    origin: str,
    evidence: str | None = None,
    checked_date: str | None = None,
) -> int:
    """Insert or refresh one source; returns its id."""
    with store.db.atomic():
        store.db.execute(
            "INSERT INTO sources (knr, platform, role, base_url, platform_key, origin, evidence, checked_date, found_at, "
            "active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (knr, platform, base_url, platform_key) DO UPDATE "
            "SET role = excluded.role, origin = excluded.origin, evidence = excluded.evidence, "
            "checked_date = excluded.checked_date, found_at = excluded.found_at, active = 1",
            [knr, platform, role, base_url, platform_key, origin, evidence, checked_date, utcnow()],
        )
        return store.db.execute(
            "SELECT id FROM sources WHERE knr = ? AND platform = ? AND base_url = ? AND platform_key = ?",
            [knr, platform, base_url, platform_key],
        ).fetchone()[0]


def reset_overrides(store: Store, overridden_knrs: list[str]) -> None:
    """Re-activate registry and discovered sources; retire override rows of kommuner no longer in the file."""
    marks = ",".join("?" * len(overridden_knrs))
    keep = f" AND knr NOT IN ({marks})" if overridden_knrs else ""
    with store.db.atomic():
        store.db.execute("UPDATE sources SET active = 1 WHERE origin != 'override'")
        store.db.execute(f"UPDATE sources SET active = 0 WHERE origin = 'override'{keep}", overridden_knrs)


def deactivate_overridden(store: Store, knr: str, keep_ids: list[int]) -> None:
    """An override file replaces the registry and discovered sources of that kommune."""
    marks = ",".join("?" * len(keep_ids)) or "NULL"
    with store.db.atomic():
        store.db.execute(f"UPDATE sources SET active = 0 WHERE knr = ? AND id NOT IN ({marks})", [knr, *keep_ids])


def sources_for(store: Store, knr: str) -> list[SourceRow]:
    """Active sources of a kommune; overrides first, then discovered, then registry."""
    rows = store.db.execute(
        f"SELECT {_COLUMNS} FROM sources WHERE knr = ? AND active ORDER BY "
        "CASE origin WHEN 'override' THEN 0 WHEN 'discovered' THEN 1 ELSE 2 END, id",
        [knr],
    ).fetchall()
    return [_row(r) for r in rows]


def list_sources(store: Store, knrs: list[str] | None = None) -> list[dict[str, Any]]:
    """Sources with kommune names, for `lhl sources list`."""
    where, params = "", []
    if knrs is not None:
        where = f"WHERE s.knr IN ({','.join('?' * len(knrs)) or 'NULL'})"
        params = list(knrs)
    rows = store.db.execute(
        f"SELECT s.knr, k.name, s.platform, s.base_url, s.platform_key, s.origin, s.active, s.checked_date, "
        f"s.found_at, s.evidence FROM sources s JOIN kommuner k ON k.knr = s.knr {where} ORDER BY s.knr, s.id",
        params,
    ).fetchall()
    keys = [
        "knr",
        "name",
        "platform",
        "base_url",
        "platform_key",
        "origin",
        "active",
        "checked_date",
        "found_at",
        "evidence",
    ]
    return [dict(zip(keys, r, strict=True)) for r in rows]


# ---------------------------------------------------------------------- documents already stored


def stored_document(store: Store, url: str) -> dict[str, Any] | None:
    """The stored state of a document URL (id, status, sha256, validators), or None."""
    row = store.db.execute(
        "SELECT id, status, sha256, etag, last_modified FROM documents WHERE url = ?", [url]
    ).fetchone()
    if not row:
        return None
    return dict(zip(["id", "status", "sha256", "etag", "last_modified"], row, strict=True))


def document_text(store: Store, document_id: int) -> str:
    row = store.db.execute("SELECT text FROM document_texts WHERE document_id = ?", [document_id]).fetchone()
    return row[0] if row else ""


# ---------------------------------------------------------------------- HTTP cache


class StoreCache:
    """`ResponseCache` kept in the `http_cache` table (listing pages and their validators)."""

    def __init__(self, store: Store, lock: threading.Lock | threading.RLock | None = None):
        self.store = store
        self.lock = lock or threading.Lock()

    def get(self, url: str):
        from lhl_mining.scrapers.http import CachedResponse

        with self.lock:
            row = self.store.db.execute(
                "SELECT url, status, content_type, etag, last_modified, body, fetched_at FROM http_cache WHERE url = ?",
                [url],
            ).fetchone()
        return CachedResponse(*row) if row else None

    def put(self, entry) -> None:
        if not (entry.etag or entry.last_modified or entry.final):
            return  # nothing to revalidate with and not final: caching the body would only go stale
        with self.lock, self.store.db.atomic():
            self.store.db.execute(
                "INSERT OR REPLACE INTO http_cache (url, status, content_type, etag, last_modified, body, fetched_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    entry.url,
                    entry.status,
                    entry.content_type,
                    entry.etag,
                    entry.last_modified,
                    entry.body,
                    entry.fetched_at,
                ],
            )


# ---------------------------------------------------------------------- coverage


def record_coverage(
    store: Store,
    *,
    run_id: int,
    knr: str,
    source_id: int | None,
    platform: str | None,
    status: str,
    since: int,
    until: int,
    counts: dict[str, int],
    gaps: list[str],
    methods: list[str] | None = None,
) -> None:
    with store.db.atomic():
        store.db.execute(
            "INSERT INTO scrape_coverage (run_id, knr, source_id, platform, status, since, until, meetings_seen, "
            "documents_found, downloaded, unchanged, failed, confirmed, gaps, created_at, methods) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                knr,
                source_id,
                platform,
                status,
                since,
                until,
                counts.get("meetings_seen", 0),
                counts.get("documents_found", 0),
                counts.get("downloaded", 0),
                counts.get("unchanged", 0),
                counts.get("failed", 0),
                counts.get("confirmed", 0),
                json.dumps(gaps, ensure_ascii=False),
                utcnow(),
                json.dumps(methods or [], ensure_ascii=False),
            ],
        )


def coverage_of_run(store: Store, run_id: int) -> list[dict[str, Any]]:
    rows = store.db.execute(
        "SELECT c.knr, k.name, c.platform, c.status, c.meetings_seen, c.documents_found, c.downloaded, c.unchanged, "
        "c.failed, c.confirmed, c.gaps FROM scrape_coverage c JOIN kommuner k ON k.knr = c.knr WHERE c.run_id = ? "
        "ORDER BY c.knr, c.id",
        [run_id],
    ).fetchall()
    keys = [
        "knr",
        "name",
        "platform",
        "status",
        "meetings_seen",
        "documents_found",
        "downloaded",
        "unchanged",
        "failed",
        "confirmed",
        "gaps",
    ]
    out = []
    for r in rows:
        item = dict(zip(keys, r, strict=True))
        item["gaps"] = json.loads(item["gaps"])
        out.append(item)
    return out
