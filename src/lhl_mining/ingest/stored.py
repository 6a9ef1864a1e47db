"""Passages for a stored document text: for documents whose text is in the store but whose passages are not.

Ingest writes passages together with the text.  A document can still end up
with text and no passages (passages deleted by hand, a store written by an
older version); `segment_stored` cuts the stored text again with the same
segmentation as ingest, so `lhl tag` can label it (passages on pages stored as
map sheets are flagged as noise, as at ingest).  The stored text is the
cleaned text, whose units ingest joined with blank lines; heading levels from
PDF fonts or Word styles are not stored, so headings are found in the text
(numbered or capitalised short lines, sak lines), as for plain-text files.
"""

from __future__ import annotations

import re

from ..store import Store
from ..store import documents as doc_store
from .clean import Unit, page_of
from .doctype import BUNDLE_TYPES
from .layout import CELL_SEPARATOR, is_bullet_start
from .model import LIST_ITEM, PARAGRAPH, TABLE_ROW
from .pipeline import segment_rows

_BLANK_LINE = re.compile(r"\n[ \t\u00a0]*\n")


def units_of_stored_text(text: str, page_ranges: list[tuple[int, int]]) -> list[Unit]:
    """The paragraphs, list items and table rows of a stored text, with their offsets in it."""
    units: list[Unit] = []
    start = 0
    for separator in [*_BLANK_LINE.finditer(text), None]:
        end = separator.start() if separator else len(text)
        chunk = text[start:end]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            unit_start, unit_end = start + lead, start + len(chunk.rstrip())
            body = text[unit_start:unit_end]
            lines = body.split("\n")
            kind = PARAGRAPH
            if is_bullet_start(lines[0]):
                kind = LIST_ITEM
            elif all(CELL_SEPARATOR in line for line in lines):
                kind = TABLE_ROW
            units.append(Unit(kind, body, unit_start, unit_end, page_of(unit_start, page_ranges) or 1))
        if separator:
            start = separator.end()
    return units


def segment_stored(store: Store, document_id: int) -> int:
    """Write sections and passages for a document that has stored text but no passages.

    Returns the number of passages written: 0 when the document already has
    passages, or has no text.
    """
    text = doc_store.document_text(store, document_id)
    if not text or not text.strip() or doc_store.passage_count(store, document_id):
        return 0
    document = doc_store.document(store, document_id) or {}
    pages = doc_store.pages_of(store, document_id)
    page_ranges = [(page["char_start"], page["char_end"]) for page in pages]
    section_rows, passage_rows = segment_rows(
        units_of_stored_text(text, page_ranges), text, page_ranges,
        bundle=document.get("doc_type") in BUNDLE_TYPES, paginated=bool(pages),
        page_noise=[page["noise"] for page in pages],
    )  # fmt: skip
    return doc_store.save_segmentation(store, document_id, text, section_rows, passage_rows)
