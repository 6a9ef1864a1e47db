"""Word, web pages, plain text, bad input, re-runs, downloads from scrapers, and `lhl ingest`."""

from __future__ import annotations

import json
from pathlib import Path

import ingest_docs as build
import pytest
from lhl.cli import app

from lhl_mining.ingest import Download, IngestLimits, IngestOptions, ingest_download, ingest_path
from lhl_mining.store import Store
from lhl_mining.store import documents as doc_store


def _all_passage_text(store, document_id: int) -> str:
    return "\n".join(p["text"] for p in doc_store.passages_of(store, document_id))


def test_docx_body_without_letterhead_with_headings_lists_and_type(store, tmp_path):
    path = build.saksframlegg_docx(tmp_path / "sak.docx")
    (result,) = ingest_path(store, path, IngestOptions(corpus_dir=tmp_path / "corpus"))
    assert result.status == "extracted"
    text = _all_passage_text(store, result.document_id)
    assert "HEADERTEKST" not in text and "FOOTERTEKST" not in text
    assert "Saksbehandler: Ola Nordmann" in text and "SLETTET" not in text  # content control read, deletion not
    assert "kvalitetsreformen Leve hele livet" in text
    assert "helse- og omsorgstjenestene" in text
    assert "• Dagsenter med transport" in text
    assert "Saksbehandler: | Arkiv: | Arkivsaksnr.:" in doc_store.document_text(store, result.document_id)
    document = doc_store.document(store, result.document_id)
    assert document["doc_type"] == "saksframlegg"
    assert document["saksbehandler"] == "Ola Nordmann"
    assert document["saksnr"] == "21/1234"
    assert document["mime_type"].endswith("wordprocessingml.document")
    headings = {p["heading"] for p in doc_store.passages_of(store, result.document_id)}
    assert "Handlingsplan for et aldersvennlig lokalsamfunn > Saksopplysninger" in headings
    assert "Handlingsplan for et aldersvennlig lokalsamfunn > Saksopplysninger > Vurdering" in headings


def test_html_main_content_without_menus_footers_scripts(store, tmp_path):
    path = tmp_path / "side.html"
    path.write_text(build.NAV_PAGE, encoding="utf-8")
    (result,) = ingest_path(store, path, IngestOptions(corpus_dir=tmp_path / "corpus"))
    assert result.status == "extracted"
    text = doc_store.document_text(store, result.document_id)
    for boilerplate in (
        "SKRIPTTEKST",
        "COOKIETEKST",
        "MENYTEKST",
        "BRØDSMULETEKST",
        "SIDEKOLONNETEKST",
        "FOTTEKST",
    ):
        assert boilerplate not in text
    assert "Lillevik kommune deltar i kvalitetsreformen Leve hele livet." in " ".join(text.split())
    assert "• Mat og måltider" in text
    assert "Koordinator | Kari Nordmann" in text
    passages = doc_store.passages_of(store, result.document_id)
    assert {
        "Leve hele livet i Lillevik > Innsatsområder",
        "Leve hele livet i Lillevik > Kontakt",
    } <= {p["heading"] for p in passages}
    assert doc_store.document(store, result.document_id)["title"] == "Leve hele livet i Lillevik"


def test_plain_text_in_common_encodings(store, tmp_path):
    sentence = "Søknad om støtte til måltidsvenner for eldre på Ørland, «Leve hele livet»."
    files = {
        "utf8.txt": f"{sentence} (1)".encode(),
        "bom.txt": b"\xef\xbb\xbf" + f"{sentence} (2)".encode(),
        "cp1252.txt": f"{sentence} (3)".encode("cp1252"),
        "latin9.txt": sentence.replace("«", "").replace("»", "").encode("iso8859_15"),
        "utf16.txt": f"{sentence} (5)".encode("utf-16"),
    }
    for name, data in files.items():
        (tmp_path / "in").mkdir(exist_ok=True)
        (tmp_path / "in" / name).write_bytes(data)
    results = ingest_path(store, tmp_path / "in", IngestOptions(corpus_dir=tmp_path / "corpus"))
    assert [r.status for r in results] == ["extracted"] * 5
    for result in results:
        text = doc_store.document_text(store, result.document_id)
        assert "Søknad om støtte til måltidsvenner for eldre på Ørland" in text, result.path


@pytest.mark.parametrize("jobs", [1, 2])
def test_bad_files_fail_one_by_one_and_the_batch_goes_on(store, tmp_path, jobs):
    folder = tmp_path / "inn"
    folder.mkdir()
    build.simple_pdf(folder / "god.pdf")
    build.encrypted_pdf(folder / "laast.pdf")
    whole = build.simple_pdf(tmp_path / "hel.pdf").read_bytes()
    (folder / "avkortet.pdf").write_bytes(whole[: len(whole) // 2])
    (folder / "tom.pdf").write_bytes(b"")
    (folder / "soppel.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 20)
    (folder / "binaer.txt").write_bytes(bytes(range(256)) * 50)
    (folder / "gammel.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    build.zip_bomb_docx(folder / "bombe.docx", unpacked_mb=40)
    build.simple_pdf(folder / "feil-navn.txt", "Riktig innhold i en PDF med feil filnavn.")
    build.zero_page_pdf(folder / "uten-sider.pdf")
    limits = IngestLimits(max_docx_unpacked=20 * 1024 * 1024)
    results = {
        Path(r.path).name: r
        for r in ingest_path(store, folder, IngestOptions(corpus_dir=tmp_path / "corpus", limits=limits, jobs=jobs))
    }
    assert len(results) == 10
    assert results["god.pdf"].status == "extracted"
    assert results["feil-navn.txt"].status == "extracted"
    expected_codes = {
        "laast.pdf": "E202", "avkortet.pdf": "E203", "tom.pdf": "E208", "soppel.pdf": "E203",
        "binaer.txt": "E207", "gammel.doc": "E201", "bombe.docx": "E206",
        "uten-sider.pdf": "E208",
    }  # fmt: skip
    for name, code in expected_codes.items():
        assert results[name].status == "failed", name
        assert results[name].error.startswith(f"[{code}]"), (name, results[name].error)
        stored = doc_store.document(store, results[name].document_id)
        assert stored["status"] == "failed" and stored["error"] == results[name].error
    assert "password" in results["laast.pdf"].error
    assert "libreoffice" in results["gammel.doc"].error
    assert "zip bomb" in results["bombe.docx"].error


def test_folder_walk_skips_manifests_and_notes_but_named_files_are_read(store, tmp_path):
    folder = tmp_path / "nedlastet"
    folder.mkdir()
    build.simple_pdf(folder / "saksframlegg.pdf")
    build.simple_pdf(folder / "ShowDocument", "Nedlastet uten filending fra portalen.")
    (folder / "MANIFEST.jsonl").write_text('{"file": "saksframlegg.pdf"}\n', encoding="utf-8")
    (folder / "README.md").write_text("# Notater om nedlastingen\n", encoding="utf-8")
    names = sorted(Path(r.path).name for r in ingest_path(store, folder, IngestOptions(corpus_dir=tmp_path / "c")))
    assert names == ["ShowDocument", "saksframlegg.pdf"]
    (named,) = ingest_path(store, folder / "README.md", IngestOptions(corpus_dir=tmp_path / "c"))
    assert named.status == "extracted"


def test_size_and_page_limits(store, tmp_path):
    path = build.two_column_plan(tmp_path / "plan.pdf")
    (too_big,) = ingest_path(store, path, IngestOptions(corpus_dir=tmp_path / "c", limits=IngestLimits(max_bytes=1000)))
    assert too_big.status == "failed" and too_big.error.startswith("[E204]")
    copy = tmp_path / "plan2.pdf"
    copy.write_bytes(path.read_bytes() + b"\n")
    (too_long,) = ingest_path(store, copy, IngestOptions(corpus_dir=tmp_path / "c", limits=IngestLimits(max_pages=2)))
    assert too_long.status == "failed" and too_long.error.startswith("[E205]") and "3 pages" in too_long.error


def test_rerun_skips_done_files_and_retry_failed_retries(store, tmp_path):
    folder = tmp_path / "inn"
    folder.mkdir()
    build.simple_pdf(folder / "god.pdf")
    (folder / "tom.pdf").write_bytes(b"")
    first = ingest_path(store, folder, IngestOptions(corpus_dir=tmp_path / "corpus"))
    assert sorted(r.status for r in first) == ["extracted", "failed"]
    second = ingest_path(store, folder, IngestOptions(corpus_dir=tmp_path / "corpus"))
    assert [r.action for r in second] == ["unchanged", "unchanged"]
    (folder / "tom.pdf").unlink()
    build.simple_pdf(folder / "tom.pdf", "Nå har fila fått innhold om hjemmetjenester.")
    third = {Path(r.path).name: r for r in ingest_path(store, folder, IngestOptions(corpus_dir=tmp_path / "corpus"))}
    assert third["tom.pdf"].status == "extracted" and third["tom.pdf"].action == "retried"
    assert third["god.pdf"].action == "unchanged"
    assert store.db.execute("SELECT count(*) FROM documents").fetchone()[0] == 2


def test_retry_failed_flag(store, tmp_path):
    path = tmp_path / "laast.pdf"
    build.encrypted_pdf(path)
    (first,) = ingest_path(store, path, IngestOptions(corpus_dir=tmp_path / "corpus"))
    (again,) = ingest_path(store, path, IngestOptions(corpus_dir=tmp_path / "corpus"))
    (retried,) = ingest_path(store, path, IngestOptions(corpus_dir=tmp_path / "corpus", retry_failed=True))
    assert (first.status, again.action, retried.action, retried.status) == (
        "failed",
        "unchanged",
        "retried",
        "failed",
    )


def test_ingest_download_contract_idempotent_and_deduplicated(store, tmp_path):
    content = build.meeting_bundle(tmp_path / "bundle.pdf").read_bytes()
    metadata = {
        "moetemappe_id": "M-77",
        "title": "Kommunestyret 15.06.2021",
        "platform_ids": {"meetingId": 77},
    }
    with store.run("scrape", {}) as run:
        first = ingest_download(
            store, content,
            Download(url="https://example.no/motedokument/77.pdf", platform="acos", metadata=metadata,
                     fetched_at="2026-11-24T10:00:00+00:00", etag='"abc"', mime_type="application/pdf"),
            IngestOptions(corpus_dir=tmp_path / "corpus", knr="3414", run_id=run.id),
        )  # fmt: skip
    assert first.status == "extracted" and first.n_passages > 0 and first.duplicate_of is None
    document = doc_store.document(store, first.document_id)
    assert (
        document["platform"],
        document["knr"],
        document["moetemappe_id"],
        document["etag"],
    ) == ("acos", "3414", "M-77", '"abc"')
    assert json.loads(document["platform_ids"]) == {"meetingId": 77}
    assert document["title"] == "Kommunestyret 15.06.2021"
    assert document["run_id"] == run.id and document["fetched_at"] == "2026-11-24T10:00:00+00:00"
    corpus_file = Path(document["corpus_path"])
    assert corpus_file.parent.parent == tmp_path / "corpus" and corpus_file.name == f"{document['sha256']}.pdf"

    options = IngestOptions(corpus_dir=tmp_path / "corpus", knr="3414")
    again = ingest_download(store, content, Download("https://example.no/motedokument/77.pdf", "acos"), options)
    assert (
        again.action == "unchanged" and again.document_id == first.document_id and again.n_passages == first.n_passages
    )
    passages_before = store.db.execute("SELECT count(*) FROM passages").fetchone()[0]

    mirror = ingest_download(store, content, Download("https://speil.example.no/77.pdf", "acos"), options)
    assert mirror.status == "duplicate" and mirror.duplicate_of == first.document_id and mirror.n_passages == 0
    assert store.db.execute("SELECT count(*) FROM passages").fetchone()[0] == passages_before
    assert len(list((tmp_path / "corpus").rglob("*.pdf"))) == 1


def test_changed_download_replaces_the_extraction(store, tmp_path):
    url = "https://example.no/dok/1"
    old = build.simple_pdf(tmp_path / "a.pdf", "Første versjon av saken om dagsenter.").read_bytes()
    new = build.simple_pdf(tmp_path / "b.pdf", "Andre versjon av saken om omsorgsboliger.").read_bytes()
    first = ingest_download(store, old, Download(url, "acos"), IngestOptions(corpus_dir=tmp_path / "c"))
    second = ingest_download(store, new, Download(url, "acos"), IngestOptions(corpus_dir=tmp_path / "c"))
    assert second.document_id == first.document_id and second.action == "updated"
    text = _all_passage_text(store, first.document_id)
    assert "omsorgsboliger" in text and "dagsenter" not in text


def test_cli_ingest_summary_status_and_rerun(tmp_path, runner):
    folder = tmp_path / "inn"
    folder.mkdir()
    build.simple_pdf(folder / "god.pdf")
    (folder / "tom.pdf").write_bytes(b"")
    db = tmp_path / "lhl.db"
    args = [
        "--db",
        str(db),
        "ingest",
        str(folder),
        "--kommune",
        "Nord-Odal",
        "--corpus",
        str(tmp_path / "corpus"),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "extracted" in result.output and "failed" in result.output
    assert "[E208]" in result.output
    rerun = runner.invoke(app, args)
    assert rerun.exit_code == 0 and "unchanged" in rerun.output
    status = runner.invoke(app, ["--db", str(db), "status"])
    assert "extracted" in status.output and "failed" in status.output
    with Store.open(db) as store:
        assert {r[0] for r in store.db.execute("SELECT knr FROM documents")} == {"3414"}
        runs = list(store.db.query("SELECT * FROM runs WHERE command = 'ingest'"))
        assert len(runs) == 2 and runs[0]["outcome"] == "ok"
        assert json.loads(runs[0]["counts"])["extracted"] == 1


def test_cli_ingest_bad_arguments(tmp_path, runner):
    db = ["--db", str(tmp_path / "lhl.db")]
    missing = runner.invoke(app, [*db, "ingest", str(tmp_path / "finnes-ikke")])
    assert missing.exit_code == 2 and "E211" in missing.output
    wrong_type = runner.invoke(app, [*db, "ingest", str(tmp_path), "--doc-type", "roman"])
    assert wrong_type.exit_code == 2 and "saksframlegg" in wrong_type.output


def test_extraction_past_the_time_limit_fails_only_that_file(store, tmp_path):
    slow = build.two_column_plan(tmp_path / "treg.pdf")
    (stopped,) = ingest_path(
        store, slow, IngestOptions(corpus_dir=tmp_path / "c", limits=IngestLimits(timeout_s=0.0001))
    )
    assert stopped.status == "failed" and stopped.error.startswith("[E214]")
    (fine,) = ingest_path(store, build.simple_pdf(tmp_path / "rask.pdf"), IngestOptions(corpus_dir=tmp_path / "c"))
    assert fine.status == "extracted"
    (retried,) = ingest_path(store, slow, IngestOptions(corpus_dir=tmp_path / "c", retry_failed=True))
    assert retried.status == "extracted" and retried.action == "retried"


PROTOKOLL_TEXT = """MØTEPROTOKOLL

Eldrerådet

Møtedato: 03.02.2022
Møtested: Rådhuset

Møtende medlemmer: Per Hansen (leder), Kari Olsen, Ola Berg

SAKSLISTE
Sak 1/22 Godkjenning av innkalling og saksliste
Sak 2/22 Leve hele livet - status for handlingsplanen

Sak 1/22 Godkjenning av innkalling og saksliste
Behandling: Innkalling og saksliste ble godkjent uten merknader. Leder orienterte kort om
møteplanen for våren, og rådet sluttet seg til forslaget om et ekstra møte i april.
Vedtak: Innkalling og saksliste godkjennes.
\f
Sak 2/22 Leve hele livet - status for handlingsplanen
Behandling: Kommunalsjef for helse og omsorg orienterte om status for handlingsplanen. Rådet
ba om at måltidsvenner og frivillige sjåfører prioriteres, og at eldrerådet får en ny orientering
til høsten.
Vedtak: Eldrerådet tar orienteringen til orientering. Samrøystes.
"""


def test_text_protokoll_split_per_sak_with_pages(store, tmp_path):
    path = tmp_path / "protokoll.txt"
    path.write_text(PROTOKOLL_TEXT, encoding="utf-8")
    (result,) = ingest_path(store, path, IngestOptions(corpus_dir=tmp_path / "corpus"))
    document = doc_store.document(store, result.document_id)
    assert (document["doc_type"], document["meeting_date"], document["n_pages"]) == (
        "moteprotokoll",
        "2022-02-03",
        2,
    )
    sections = doc_store.sections_of(store, result.document_id)
    assert [(s["saksnr"], s["title"]) for s in sections] == [
        ("1/22", "Godkjenning av innkalling og saksliste"),
        ("2/22", "Leve hele livet - status for handlingsplanen"),
    ]
    text = doc_store.document_text(store, result.document_id)
    assert text[sections[1]["char_start"] :].startswith("Sak 2/22")
    assert "måltidsvenner og frivillige sjåfører" in text[sections[1]["char_start"] : sections[1]["char_end"]]
    pages = doc_store.pages_of(store, result.document_id)
    assert text[pages[1]["char_start"] : pages[1]["char_end"]].startswith("Sak 2/22")
    second = [p for p in doc_store.passages_of(store, result.document_id) if "måltidsvenner" in p["text"]]
    assert second[0]["page_no"] == 2 and second[0]["section_id"] == sections[1]["id"]
    assert second[0]["heading"] == "Sak 2/22 Leve hele livet - status for handlingsplanen"


def test_same_text_in_another_rendering_is_a_duplicate(store, tmp_path):
    sentence = "Eldrerådet ber om at måltidsvenner prioriteres i Leve hele livet-arbeidet."
    (tmp_path / "a.txt").write_bytes(sentence.encode("utf-8"))
    (tmp_path / "b.txt").write_bytes(sentence.encode("cp1252"))
    (first,) = ingest_path(store, tmp_path / "a.txt", IngestOptions(corpus_dir=tmp_path / "c"))
    (second,) = ingest_path(store, tmp_path / "b.txt", IngestOptions(corpus_dir=tmp_path / "c"))
    assert first.status == "extracted" and first.n_passages == 1
    assert second.status == "duplicate" and second.duplicate_of == first.document_id and second.n_passages == 0
    assert store.db.execute("SELECT count(*) FROM passages").fetchone()[0] == 1
