"""PDF ingestion on PDFs built here: columns, running headers/footers, hyphenation, scans, meeting bundles."""

from __future__ import annotations

import re
from pathlib import Path

import ingest_docs as build
import pytest

from lhl_mining.ingest import IngestLimits, IngestOptions, ingest_path
from lhl_mining.store import documents as doc_store


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def plan(store, tmp_path: Path):
    path = build.two_column_plan(tmp_path / "plan.pdf")
    (result,) = ingest_path(store, path, IngestOptions(corpus_dir=tmp_path / "corpus"))
    return store, result


def test_two_column_page_reads_left_column_then_right(plan):
    store, result = plan
    text = _squash(doc_store.document_text(store, result.document_id))
    assert result.status == "extracted"
    assert build.LEFT_COLUMN_TEXT in text
    assert build.RIGHT_COLUMN_TEXT in text
    assert text.index(build.LEFT_COLUMN_TEXT) < text.index(build.RIGHT_COLUMN_TEXT)


def test_line_end_hyphens_joined_but_real_hyphens_kept(plan):
    store, result = plan
    text = doc_store.document_text(store, result.document_id)
    assert "helse- og omsorgstjenester" in text
    assert "2019-2023" in text
    assert "ansvaret" in text and "an-svaret" not in text and "an- svaret" not in text
    assert "Sør-Aurdal" in text
    assert "handlings- og økonomiplanen" in text


def test_running_headers_footers_and_page_numbers_are_gone(plan):
    store, result = plan
    text = doc_store.document_text(store, result.document_id)
    assert build.HEADER not in text.replace("\n", " ") or text.count(build.HEADER) <= 1  # the title may say it once
    assert not re.search(r"Side \d+ av 3", text)
    for passage in doc_store.passages_of(store, result.document_id):
        assert "Side 1 av" not in passage["text"] and "Lillevik kommune" not in passage["text"]


def test_norwegian_letters_survive_and_text_is_nfc(plan):
    store, result = plan
    text = doc_store.document_text(store, result.document_id)
    assert "Ærlig talt: økonomien er stram" in text
    assert "Pårørende får mer støtte" in text
    import unicodedata

    assert unicodedata.normalize("NFC", text) == text


def test_table_rows_stay_readable(plan):
    store, result = plan
    text = doc_store.document_text(store, result.document_id)
    assert "Sykehjemsplasser | 64 | 72" in text
    assert "Omsorgsboliger | 120 | 150" in text


def test_scanned_page_is_flagged_and_pages_have_char_ranges(plan):
    store, result = plan
    pages = doc_store.pages_of(store, result.document_id)
    text = doc_store.document_text(store, result.document_id)
    assert [p["page_no"] for p in pages] == [1, 2, 3]
    assert pages[2]["has_text_layer"] == 0 and pages[2]["image_regions"] == 1
    assert pages[0]["image_regions"] == 0 and pages[0]["has_text_layer"] == 1
    assert "1 Helse og omsorg i Lillevik" in text[pages[0]["char_start"] : pages[0]["char_end"]]
    assert "2 Økonomi og tiltak" in text[pages[1]["char_start"] : pages[1]["char_end"]]
    assert pages[2]["char_start"] == pages[2]["char_end"]
    document = doc_store.document(store, result.document_id)
    assert "3" in document["error"] and "--ocr" in document["error"]


def test_passages_point_into_the_stored_text_with_heading_paths(plan):
    store, result = plan
    text = doc_store.document_text(store, result.document_id)
    passages = doc_store.passages_of(store, result.document_id)
    assert len(passages) == result.n_passages >= 4
    for passage in passages:
        assert text[passage["char_start"] : passage["char_end"]] == passage["text"]
        assert passage["n_words"] == len(passage["text"].split())
    headings = {p["heading"] for p in passages}
    assert "1 Helse og omsorg i Lillevik" in headings
    assert "2 Økonomi og tiltak" in headings
    by_text = {p["text"][:20]: p for p in passages}
    assert by_text["Ærlig talt: økonomie"]["page_no"] == 2


def test_document_metadata_and_type_from_first_page(plan):
    store, result = plan
    document = doc_store.document(store, result.document_id)
    assert document["doc_type"] == "helse_omsorgsplan"
    assert "helse og omsorg" in document["doc_type_evidence"].lower()
    assert document["title"] == "Kommunedelplan helse og omsorg 2022–2033"
    assert document["n_pages"] == 3
    assert Path(document["corpus_path"]).read_bytes()[:5] == b"%PDF-"
    assert document["extractor"].startswith("pypdfium2")


def test_pdfplumber_engine_gives_the_same_clean_text(store, tmp_path):
    path = build.two_column_plan(tmp_path / "plan.pdf")
    limits = IngestLimits(pdf_engine="pdfplumber")
    (result,) = ingest_path(store, path, IngestOptions(corpus_dir=tmp_path / "corpus", limits=limits))
    text = _squash(doc_store.document_text(store, result.document_id))
    assert doc_store.document(store, result.document_id)["extractor"].startswith("pdfplumber")
    assert build.LEFT_COLUMN_TEXT in text and build.RIGHT_COLUMN_TEXT in text
    assert not re.search(r"Side \d+ av 3", text)


def test_scanned_pdf_needs_ocr_and_says_how(store, tmp_path):
    path = build.scanned_pdf(tmp_path / "skannet.pdf")
    (result,) = ingest_path(store, path, IngestOptions(corpus_dir=tmp_path / "corpus"))
    assert result.status == "needs_ocr"
    assert result.n_passages == 0
    assert "--ocr" in result.error and "2 of 2 pages" in result.error
    pages = doc_store.pages_of(store, result.document_id)
    assert [p["has_text_layer"] for p in pages] == [0, 0]
    assert all(p["image_regions"] == 1 for p in pages)


def test_ocr_without_tools_keeps_needs_ocr_with_install_hint(store, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    path = build.scanned_pdf(tmp_path / "skannet.pdf", pages=1)
    (result,) = ingest_path(store, path, IngestOptions(corpus_dir=tmp_path / "corpus", ocr=True))
    assert result.status == "needs_ocr"
    assert "apt-get install ocrmypdf tesseract-ocr-nor" in result.error


def test_meeting_bundle_split_into_one_section_per_sak(store, tmp_path):
    path = build.meeting_bundle(tmp_path / "innkalling.pdf")
    (result,) = ingest_path(store, path, IngestOptions(corpus_dir=tmp_path / "corpus"))
    document = doc_store.document(store, result.document_id)
    assert document["doc_type"] == "moteinnkalling"
    assert document["meeting_date"] == "2021-06-15"
    assert document["utvalg"] == "Kommunestyret"
    sections = doc_store.sections_of(store, result.document_id)
    assert [(s["saksnr"], s["title"]) for s in sections] == [
        ("PS 12/21", "Leve hele livet – handlingsplan 2021–2024"),  # the prefix stays: FO 1/21 is not PS 1/21
        ("PS 13/21", "Budsjettjustering 1. tertial"),
        ("K 14/21", "Reguleringsplan for Nordbyen skole"),
    ]
    text = doc_store.document_text(store, result.document_id)
    for section, (_, _, _, body) in zip(sections, build.SAKER):
        assert _squash(body) in _squash(text[section["char_start"] : section["char_end"]])
    passages = doc_store.passages_of(store, result.document_id)
    section_of = {s["id"]: s["saksnr"] for s in sections}
    continuation = text.index("Kommunedirektørens innstilling")
    assert sections[0]["char_start"] < continuation < sections[0]["char_end"]  # repeated heading, same sak
    lhl = [p for p in passages if "handlingsplan for Leve hele livet" in p["text"]]
    assert lhl and section_of[lhl[0]["section_id"]] == "PS 12/21"
    saksliste = [p for p in passages if "SAKSLISTE" in (p["heading"] or "") or "Budsjettjustering" in p["text"][:40]]
    assert all(p["section_id"] is None for p in passages if p["char_start"] < sections[0]["char_start"])
    assert saksliste


def test_ocr_reads_a_scan_when_installed_or_explains_how_to_install(store, tmp_path):
    """With ocrmypdf + tesseract-ocr-nor the scan becomes text; without them it stays `needs_ocr` with the hint."""
    from lhl_mining.ingest import ocr_missing_tools_message

    path = build.scanned_text_pdf(tmp_path / "skannet-protokoll.pdf")
    (before,) = ingest_path(store, path, IngestOptions(corpus_dir=tmp_path / "corpus"))
    assert before.status == "needs_ocr"
    (after,) = ingest_path(store, path, IngestOptions(corpus_dir=tmp_path / "corpus", ocr=True))
    problem = ocr_missing_tools_message()
    if problem is None:
        assert after.status == "extracted", after.error
        text = " ".join(doc_store.document_text(store, after.document_id).split())
        assert "handlingsplanen for Leve hele livet" in text and "omsorgssenteret" in text
        assert doc_store.document(store, after.document_id)["extractor"].startswith("ocrmypdf")
    else:
        assert after.status == "needs_ocr"
        assert "tesseract-ocr-nor" in after.error


def test_ruled_table_with_long_cells_reads_row_by_row(store, tmp_path):
    path = build.tiltak_table_pdf(tmp_path / "tiltak.pdf")
    (result,) = ingest_path(store, path, IngestOptions(corpus_dir=tmp_path / "corpus"))
    text = _squash(doc_store.document_text(store, result.document_id))
    assert text.index("Frivilligsentralen") < text.index("Dagaktivitetstilbud")  # row 1 whole before row 2
    assert text.index("Måltidsvenner") < text.index("Frivilligsentralen")
    assert "Måltidsvenner for hjemmeboende eldre" in text and "oppstart høsten 2022" in text
    table = [p for p in doc_store.passages_of(store, result.document_id) if "Seniorsenter" in p["text"]]
    assert "Dagaktivitetstilbud" in table[0]["text"] and "budsjettet for\n2024" in table[0]["text"]
