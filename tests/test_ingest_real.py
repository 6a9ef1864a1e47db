"""Every real municipal document in ../shared/real/documents/ and every seed text, ingested in place.

The whole folder is ingested once per test session (the Tromsø plan alone is 2 MB).
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

from lhl_mining.ingest import IngestOptions, ingest_path
from lhl_mining.store import Store
from lhl_mining.store import documents as doc_store

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REAL = SHARED / "real" / "documents"
SEEDS = SHARED / "seeds"

# Phrases read from each file; they must come out whole in one passage.
KNOWN_PHRASES = {
    "bo_2012_motebok_ptn139-12_k112-12_breisas_syd.pdf": [
        "einebustadtomter på området B7 og B8", "vedteke med 14 mot 10 røyster"],
    "bo_2012_planbeskrivelse_breisas_sor.pdf": ["Plankontoret Hallvard Homme AS", "snuplass for stor buss"],
    "bo_2012_reguleringsbestemmelser_breisas_syd.pdf": [
        "For å eliminere radonstrålefaren", "Det vil ikke være tillatt å seksjonere bygg"],
    "kristiansand_2025_plankart_gyldenloves_gate_70.pdf": ["Planens begrensning"],
    "kristiansand_2025_reguleringsbestemmelser_gyldenloves_gate_70.pdf": [
        "Det tillates ikke solceller.", "5 sykkelparkeringsplasser i stativ"],
    "kristiansand_kdp1264_bestemmelser_kvadraturen.pdf": ["Murbyplanen gjelder ved motstrid mellom planene."],
    "nord-odal_2021_brev_oversendelse_valgprotokoll.pdf": ["Det gjennomføres ikke sametingsvalg i Nord-Odal kommune."],
    "nord-odal_2021_valgprotokoll_stortingsvalget.pdf": ["Totalt antall godkjente forhåndsstemmegivninger | 1 408"],
    "nord-odal_2023_brev_oversendelse_valgstyrets_motebok.pdf": [
        "Vedlagt oversendes kopi av valgstyrets møtebok som forespurt."],
    "nord-odal_2023_brev_svar_innsyn_valggjennomforing.pdf": [
        "Dette ble vedtatt i KST-sak 006/19.", "postmottak@nord-odal.kommune.no"],
    "nord-odal_2023_valgprotokoll_kommunestyrevalget.pdf": ["Arbeiderpartiet | 11"],
    "stavanger_2025_journalfort_epost_plan2889_varsling.pdf": ["Oversender varslingsmaterialer for Plan 2889"],
    "telemark-fk_2015_brevmal_vedtak_skoleskyss.docx": ["Du er innvilget fri skoleskyss skoleåret {skolear}."],
    "tromso_2020_kommuneplanens_samfunnsdel_2020-2032.pdf": ["Den beste måten å spå framtiden på er å skape den."],
}  # fmt: skip


@pytest.fixture(scope="session")
def real_store(tmp_path_factory):
    """One store holding every real document and every seed, ingested once."""
    folder = tmp_path_factory.mktemp("real")
    store = Store.open(folder / "lhl.db", create=True)
    results = ingest_path(store, REAL, IngestOptions(corpus_dir=folder / "corpus"))
    results += ingest_path(store, SEEDS, IngestOptions(corpus_dir=folder / "corpus"))
    by_name = {Path(r.path).name: r for r in results}
    yield store, by_name
    store.close()


def _manifest() -> list[dict]:
    return [json.loads(line) for line in (REAL / "MANIFEST.jsonl").read_text(encoding="utf-8").splitlines() if line]


def _text(real_store, name: str) -> str:
    store, results = real_store
    return doc_store.document_text(store, results[name].document_id)


def test_every_real_document_ingests_without_error(real_store):
    _store, results = real_store
    names = [entry["file"] for entry in _manifest()]
    assert len(names) == 14
    for entry in _manifest():
        result = results[entry["file"]]
        assert result.status == "extracted", (entry["file"], result.error)
        assert result.n_passages > 0
        if entry["pages"]:
            assert result.n_pages == entry["pages"], entry["file"]


@pytest.mark.parametrize("name", sorted(KNOWN_PHRASES))
def test_known_phrases_are_whole_in_passages(real_store, name):
    store, results = real_store
    passages = [p["text"] for p in doc_store.passages_of(store, results[name].document_id)]
    for phrase in KNOWN_PHRASES[name]:
        assert any(phrase in " ".join(text.split()) for text in passages), phrase


def test_passage_offsets_point_into_the_stored_text(real_store):
    store, results = real_store
    for name, result in results.items():
        text = doc_store.document_text(store, result.document_id)
        for passage in doc_store.passages_of(store, result.document_id):
            assert text[passage["char_start"] : passage["char_end"]] == passage["text"], name
        pages = doc_store.pages_of(store, result.document_id)
        if not name.endswith(".pdf"):  # Word files and unpaged texts have no printed pages
            assert pages == [] and result.n_pages is None, name
            continue
        assert pages[0]["char_start"] == 0 and pages[-1]["char_end"] == len(text)
        for before, after in itertools.pairwise(pages):
            assert before["char_end"] == after["char_start"]


def test_running_headers_and_footers_are_gone(real_store):
    kristiansand = _text(real_store, "kristiansand_2025_reguleringsbestemmelser_gyldenloves_gate_70.pdf")
    assert not re.search(r"Side \d av 3", kristiansand)
    assert kristiansand.count("PlanID 1626") == 1  # printed once on page 1; the footer copies are gone
    for name in (
        "nord-odal_2021_valgprotokoll_stortingsvalget.pdf",
        "nord-odal_2023_valgprotokoll_kommunestyrevalget.pdf",
    ):
        text = _text(real_store, name)
        assert not re.search(r"\d{2}:\d{2}:\d{2}", text), name  # footer timestamps
        assert not re.search(r"valgstyret\s+Side\s+\d", text), name
    assert _text(real_store, "nord-odal_2021_valgprotokoll_stortingsvalget.pdf").count("Stortingsvalget 2021") <= 3
    tromso = _text(real_store, "tromso_2020_kommuneplanens_samfunnsdel_2020-2032.pdf")
    assert tromso.count("Kommuneplanens samfunnsdel med arealstrategi 2020 – 2032") == 1  # the cover title only
    bo = _text(real_store, "bo_2012_reguleringsbestemmelser_breisas_syd.pdf")
    assert not re.search(r"^Breisås syd\s*\d*$", bo, re.MULTILINE | re.IGNORECASE)


def test_word_letterhead_and_footer_are_not_passages(real_store):
    text = _text(real_store, "telemark-fk_2015_brevmal_vedtak_skoleskyss.docx")
    assert "Foretaksregisteret" not in text and "Bankkonto" not in text


def test_image_only_regions_are_flagged(real_store):
    store, results = real_store

    def flagged(name: str) -> set[int]:
        return {p["page_no"] for p in doc_store.pages_of(store, results[name].document_id) if p["image_regions"]}

    assert 1 in flagged("stavanger_2025_journalfort_epost_plan2889_varsling.pdf")  # recipient table as JPEG
    assert 19 in flagged("tromso_2020_kommuneplanens_samfunnsdel_2020-2032.pdf")  # the map page
    assert not flagged("kristiansand_kdp1264_bestemmelser_kvadraturen.pdf")
    assert not flagged("nord-odal_2023_valgprotokoll_kommunestyrevalget.pdf")


def test_document_types_and_printed_metadata(real_store):
    store, results = real_store

    def row(name: str) -> dict:
        return doc_store.document(store, results[name].document_id)

    motebok = row("bo_2012_motebok_ptn139-12_k112-12_breisas_syd.pdf")
    assert motebok["doc_type"] == "saksprotokoll" and motebok["saksnr"] == "12/2960"
    assert motebok["saksbehandler"] == "Kari Verpe Hynne"
    assert row("tromso_2020_kommuneplanens_samfunnsdel_2020-2032.pdf")["doc_type"] == "samfunnsdel"
    assert row("nord-odal_2021_valgprotokoll_stortingsvalget.pdf")["doc_type"] == "moteprotokoll"
    letter = row("nord-odal_2023_brev_svar_innsyn_valggjennomforing.pdf")
    assert letter["doc_type"] == "other"
    assert (letter["saksnr"], letter["saksbehandler"], letter["doc_date"]) == (
        "23/12600",
        "Lene Jeanette Østby",
        "2023-08-15",
    )
    assert row("kristiansand_2025_reguleringsbestemmelser_gyldenloves_gate_70.pdf")["saksnr"] == "PLAN-22/02295"
    for name in results:
        assert row(name)["doc_type_evidence"], name


def test_near_duplicate_letters_keep_their_own_text(real_store):
    first = _text(real_store, "nord-odal_2021_brev_oversendelse_valgprotokoll.pdf")
    second = _text(real_store, "nord-odal_2023_brev_oversendelse_valgstyrets_motebok.pdf")
    assert "21/19102" in first and "23/14317" in second


def test_seed_texts_keep_every_reform_mention_and_suspended_compounds(real_store):
    store, results = real_store
    reform = re.compile(r"\bleve\s+hele\s+livet", re.IGNORECASE)
    split_name = re.compile(r"leve\s*\n\s*\n\s*hele|hele\s*\n\s*\n\s*livet", re.IGNORECASE)
    for seed in sorted(SEEDS.glob("*.txt")):
        source = seed.read_text(encoding="utf-8")
        result = results[seed.name]
        text = doc_store.document_text(store, result.document_id)
        assert result.status == "extracted" and result.n_passages > 0
        assert len(reform.findall(text)) == len(reform.findall(source)), seed.name
        assert not split_name.search(text), seed.name  # «Leve \n\nhele livet» is joined again
        assert text.count("helse- og") == len(re.findall(r"helse-\s+og", source)), seed.name
        assert not re.search(r"[a-zæøå]-\n\s*[a-zæøå]", text), seed.name  # no word left broken at a line end


def test_seed_report_has_heading_paths(real_store):
    store, results = real_store
    passages = doc_store.passages_of(store, results["002_59d48e755bf8ea9d.txt"].document_id)
    with_heading = [p for p in passages if p["heading"]]
    assert len(with_heading) > 0.8 * len(passages)
    assert all(p["n_words"] <= 260 for p in passages)


def test_real_portal_pages_keep_content_and_drop_menus(tmp_path):
    captures = SHARED / "real" / "portal_captures"
    with Store.open(tmp_path / "lhl.db", create=True) as store:
        (moteplan,) = ingest_path(
            store, captures / "acos_classic" / "moteplan_baerum_2018.html", IngestOptions(corpus_dir=tmp_path / "c")
        )
        (sak,) = ingest_path(
            store,
            captures / "opengov360" / "agenda_item_detail_211236_tfk_2018.html",
            IngestOptions(corpus_dir=tmp_path / "c"),
        )
        plan_text = doc_store.document_text(store, moteplan.document_id)
        sak_text = " ".join(doc_store.document_text(store, sak.document_id).split())
    assert moteplan.status == sak.status == "extracted"
    assert "Hovedutvalg for bistand og omsorg | 17" in plan_text  # the meeting calendar, row by row
    assert "Politikere" not in plan_text and "Send bestilling" not in plan_text  # menu and cart button
    assert "Saksprotokoll FYTI, 05032018, Sak 1/18, Nye Skien videregående skole" in sak_text
    assert "Mona Kluck" in sak_text


def test_two_extraction_jobs_store_the_same_as_one(real_store, tmp_path):
    store, results = real_store
    with Store.open(tmp_path / "lhl.db", create=True) as parallel:
        again = ingest_path(parallel, REAL, IngestOptions(corpus_dir=tmp_path / "c", jobs=2))
        names = [Path(r.path).name for r in again]
        assert names == sorted(names) and {entry["file"] for entry in _manifest()} <= set(names)
        for result in again:
            first = results[Path(result.path).name]
            assert (result.status, result.n_passages, result.doc_type) == (
                first.status,
                first.n_passages,
                first.doc_type,
            )
            assert doc_store.document_text(parallel, result.document_id) == doc_store.document_text(
                store, first.document_id
            )
