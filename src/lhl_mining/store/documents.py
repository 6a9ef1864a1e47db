"""SQL for documents and what ingest derives from them: texts, pages, sections, passages.

Each document's extraction is written in one transaction, so a run killed
half-way leaves every document either fully stored or untouched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import Store, inserted_id, utcnow

DOCUMENT_COLUMNS = (
    "knr", "source_id", "platform", "url", "platform_ids", "moetemappe_id", "moetesak_id", "saksmappe_id",
    "journalpost_id", "dokument_id", "saksnr", "title", "doc_type", "doc_type_evidence", "utvalg",
    "meeting_date", "doc_date", "saksbehandler", "mime_type", "size_bytes", "n_pages", "sha256", "corpus_path",
    "etag", "last_modified", "fetched_at", "extractor", "extracted_at", "status", "error", "duplicate_of", "run_id",
)  # fmt: skip


@dataclass
class PageRow:
    page_no: int
    char_start: int
    char_end: int
    has_text_layer: bool
    image_regions: int
    noise: str | None = None  # 'map': a map sheet, whose passages are flagged as noise


@dataclass
class SectionRow:
    seq: int
    kind: str
    saksnr: str | None
    title: str | None
    char_start: int
    char_end: int


@dataclass
class PassageRow:
    seq: int
    char_start: int
    char_end: int
    page_no: int | None
    heading: str | None
    section_seq: int | None  # the SectionRow.seq it belongs to, if any
    role: str | None = None  # 'decision' for the vedtak/innstilling text of a sak
    saksnr: str | None = None  # the sak a decision belongs to
    noise: str | None = None  # 'letterhead' or 'map': furniture, coded last


def document_by_url(store: Store, url: str) -> dict[str, Any] | None:
    return store.first("SELECT * FROM documents WHERE url = ?", [url])


def document(store: Store, document_id: int) -> dict[str, Any] | None:
    return store.first("SELECT * FROM documents WHERE id = ?", [document_id])


def original_with_sha256(store: Store, sha256: str, *, other_than_url: str) -> dict[str, Any] | None:
    """The first stored document with this content (extracted or waiting for OCR), if any."""
    return store.first(
        "SELECT * FROM documents WHERE sha256 = ? AND url != ? AND status IN ('extracted', 'needs_ocr') "
        "ORDER BY id LIMIT 1",
        [sha256, other_than_url],
    )


def original_with_text(store: Store, digest: str, *, other_than_url: str) -> dict[str, Any] | None:
    """The first extracted document whose cleaned text is identical (another rendering of the same file)."""
    return store.first(
        "SELECT d.* FROM document_texts t JOIN documents d ON d.id = t.document_id "
        "WHERE t.text_sha256 = ? AND d.url != ? AND d.status = 'extracted' ORDER BY d.id LIMIT 1",
        [digest, other_than_url],
    )


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def has_codings(store: Store, document_id: int) -> bool:
    """True when coders have worked on passages of this document (their work must not be deleted)."""
    row = store.db.execute(
        "SELECT EXISTS (SELECT 1 FROM codings c JOIN passages p ON p.id = c.passage_id WHERE p.document_id = ?)",
        [document_id],
    ).fetchone()
    return bool(row[0])


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(DOCUMENT_COLUMNS)
    if unknown:
        raise ValueError(f"not documents columns: {', '.join(sorted(unknown))}")
    clean = dict(fields)
    if isinstance(clean.get("platform_ids"), dict):
        clean["platform_ids"] = json.dumps(clean["platform_ids"], ensure_ascii=False, sort_keys=True)
    return clean


def _upsert(store: Store, url: str, fields: dict[str, Any]) -> int:
    now = utcnow()
    fields = _clean_fields({**fields, "url": url})
    existing = store.db.execute("SELECT id FROM documents WHERE url = ?", [url]).fetchone()
    if existing:
        store.db.table("documents").update(existing[0], {**fields, "updated_at": now})
        return existing[0]
    fields.setdefault("platform", "local")
    return inserted_id(store.db.table("documents").insert({**fields, "created_at": now, "updated_at": now}))


def _delete_extraction(store: Store, document_id: int) -> None:
    for table in ("passages", "sections", "pages", "document_texts"):
        store.db.execute(f"DELETE FROM {table} WHERE document_id = ?", [document_id])


def save_document(store: Store, url: str, fields: dict[str, Any], *, drop_extraction: bool = False) -> int:
    """Create or update the row for `url` (failed, duplicate, skipped …); optionally drop an old extraction."""
    with store.db.atomic():
        document_id = _upsert(store, url, fields)
        if drop_extraction:
            _delete_extraction(store, document_id)
    return document_id


def save_extraction(
    store: Store,
    url: str,
    fields: dict[str, Any],
    *,
    text: str,
    pages: Iterable[PageRow],
    sections: Iterable[SectionRow],
    passages: Iterable[PassageRow],
) -> tuple[int, int]:
    """Replace the document's text, pages, sections and passages in one transaction.

    Returns (document_id, number of passages).
    """
    now = utcnow()
    with store.db.atomic():
        document_id = _upsert(store, url, fields)
        _delete_extraction(store, document_id)
        store.db.table("document_texts").insert(
            {
                "document_id": document_id,
                "text": text,
                "text_sha256": text_sha256(text),
            }
        )
        store.db.table("pages").insert_all(
            {
                "document_id": document_id,
                "page_no": page.page_no,
                "char_start": page.char_start,
                "char_end": page.char_end,
                "has_text_layer": int(page.has_text_layer),
                "image_regions": page.image_regions,
                "noise": page.noise,
            }
            for page in pages
        )
        n_passages = _insert_segments(store, document_id, text, sections, passages, now)
    return document_id, n_passages


def _insert_segments(
    store: Store, document_id: int, text: str, sections: Iterable[SectionRow], passages: Iterable[PassageRow], now: str
) -> int:
    """Insert sections and the passages cut from `text` (inside the caller's transaction); returns the passage count."""
    section_ids: dict[int, int] = {}
    for section in sections:
        section_ids[section.seq] = inserted_id(
            store.db.table("sections").insert(
                {
                    "document_id": document_id,
                    "seq": section.seq,
                    "kind": section.kind,
                    "saksnr": section.saksnr,
                    "title": section.title,
                    "char_start": section.char_start,
                    "char_end": section.char_end,
                }
            )
        )
    rows = []
    for passage in passages:
        passage_text = text[passage.char_start : passage.char_end]
        rows.append(
            {
                "document_id": document_id,
                "section_id": section_ids.get(passage.section_seq) if passage.section_seq else None,
                "seq": passage.seq,
                "char_start": passage.char_start,
                "char_end": passage.char_end,
                "page_no": passage.page_no,
                "heading": passage.heading,
                "role": passage.role,
                "saksnr": passage.saksnr,
                "noise": passage.noise,
                "text": passage_text,
                "text_sha1": hashlib.sha1(passage_text.encode()).hexdigest(),
                "n_words": len(passage_text.split()),
                "created_at": now,
            }
        )
    store.db.table("passages").insert_all(rows)
    return len(rows)


def save_segmentation(
    store: Store, document_id: int, text: str, sections: Iterable[SectionRow], passages: Iterable[PassageRow]
) -> int:
    """Write sections and passages for a document that has its text but no passages, in one transaction.

    Returns the number of passages written; 0 (and nothing written) when the
    document has passages by now.  Sections left without passages are replaced.
    """
    with store.db.atomic():
        if passage_count(store, document_id):
            return 0
        store.db.execute("DELETE FROM sections WHERE document_id = ?", [document_id])
        return _insert_segments(store, document_id, text, sections, passages, utcnow())


def passage_count(store: Store, document_id: int) -> int:
    return store.db.execute("SELECT count(*) FROM passages WHERE document_id = ?", [document_id]).fetchone()[0]


def document_text(store: Store, document_id: int) -> str | None:
    row = store.db.execute("SELECT text FROM document_texts WHERE document_id = ?", [document_id]).fetchone()
    return row[0] if row else None


def passages_of(store: Store, document_id: int) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM passages WHERE document_id = ? ORDER BY seq", [document_id]))


def pages_of(store: Store, document_id: int) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM pages WHERE document_id = ? ORDER BY page_no", [document_id]))


def sections_of(store: Store, document_id: int) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM sections WHERE document_id = ? ORDER BY seq", [document_id]))
