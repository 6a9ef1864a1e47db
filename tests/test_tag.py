"""`lhl tag`: suggestions in the store, incremental, re-tagging under a new codebook version, provenance.

Passages are written straight into the test database with sqlite-utils (what
ingest writes), so these tests do not depend on document extraction.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from lhl.cli import app

from lhl_mining.codebook import default_codebook_path
from lhl_mining.nlp import PASSAGE_CODES, Labeller, PassageLabel, RuleLabeller
from lhl_mining.nlp.classify import tag_store
from lhl_mining.store import Store, utcnow
from lhl_mining.store import suggestions as sql

TEXTS = [
    "Kommunestyret vedtok handlingsplanen for Leve hele livet. Tiltakene omfatter hverdagsrehabilitering.",
    "Eldrerådet skal involveres i arbeidet med kommuneplanens samfunnsdel, bolig og transport.",
    "Søknadsfrist for barnehageplass er 1. mars.",
]


def add_document(store: Store, url: str, texts: list[str]) -> int:
    now = utcnow()
    doc_id = (
        store.db["documents"]
        .insert({"platform": "test", "url": url, "status": "extracted", "created_at": now, "updated_at": now})
        .last_pk
    )
    store.db["document_texts"].insert(
        {
            "document_id": doc_id,
            "text": "\n\n".join(texts),
            "text_sha256": hashlib.sha256("".join(texts).encode()).hexdigest(),
        }
    )
    offset = 0
    for seq, text in enumerate(texts):
        store.db["passages"].insert(
            {
                "document_id": doc_id,
                "seq": seq,
                "char_start": offset,
                "char_end": offset + len(text),
                "text": text,
                "text_sha1": hashlib.sha1(text.encode()).hexdigest(),
                "n_words": len(text.split()),
                "created_at": now,
            }
        )
        offset += len(text) + 2
    return doc_id


@pytest.fixture
def filled(db_path: Path) -> Path:
    with Store.open(db_path, create=True) as store:
        add_document(store, "https://example.kommune.no/sak/1.pdf", TEXTS)
    return db_path


def rows(db_path: Path, sql_text: str, params=()) -> list[dict]:
    with Store.open(db_path, readonly=True) as store:
        return [dict(r) for r in store.db.query(sql_text, params)]


def test_tag_stores_one_suggestion_per_passage_and_code(runner, filled):
    result = runner.invoke(app, ["--db", str(filled), "tag", "--rules-only"])
    assert result.exit_code == 0, result.output
    assert "Tagged 3 passage(s)" in result.output
    suggestions = rows(filled, "SELECT * FROM suggestions ORDER BY passage_id, code")
    assert len(suggestions) == 3 * len(PASSAGE_CODES)
    book_version = RuleLabeller(model="builtin").codebook_version
    for row in suggestions:
        assert row["current"] == 1 and row["source"] == "rules@" + row["source"].split("@")[1]
        assert row["codebook_version"] == book_version
        assert row["pipeline"].startswith("lhl_nb_builtin@")
    selected = {(r["passage_id"], r["code"]) for r in suggestions if r["selected"]}
    assert (1, "reform") in selected and (1, "area.helsehjelp") in selected
    assert (2, "area.aldersvennlig") in selected and (2, "framing.samfunn") in selected
    assert not any(pid == 3 for pid, _ in selected)
    evidence = json.loads(next(r["evidence"] for r in suggestions if r["passage_id"] == 1 and r["code"] == "reform"))
    assert evidence[0]["rule_id"] == "reform.name" and evidence[0]["term"] == "Leve hele livet"
    [run] = rows(filled, "SELECT * FROM runs WHERE command = 'tag'")
    versions = json.loads(run["versions"])
    assert versions["codebook"] == book_version and versions["pipeline"].startswith("lhl_nb_builtin@")
    assert versions["labeller"].startswith("rules@")
    assert json.loads(run["counts"])["passages"] == 3 and run["outcome"] == "ok"
    assert {r["run_id"] for r in suggestions} == {run["id"]}


def test_tag_is_incremental(runner, filled):
    assert runner.invoke(app, ["--db", str(filled), "tag", "--rules-only"]).exit_code == 0
    again = runner.invoke(app, ["--db", str(filled), "tag", "--rules-only"])
    assert "Tagged 0 passage(s)" in again.output
    with Store.open(filled) as store:
        add_document(store, "https://example.kommune.no/sak/2.pdf", ["Måltidsvenn for heimebuande eldre."])
    third = runner.invoke(app, ["--db", str(filled), "tag", "--rules-only"])
    assert "Tagged 1 passage(s)" in third.output
    assert rows(filled, "SELECT count(*) AS n FROM suggestions")[0]["n"] == 4 * len(PASSAGE_CODES)


def test_new_codebook_version_retags_and_keeps_old_rows(runner, filled, tmp_path):
    assert runner.invoke(app, ["--db", str(filled), "tag", "--rules-only"]).exit_code == 0
    old_version = rows(filled, "SELECT DISTINCT codebook_version FROM suggestions")[0]["codebook_version"]
    changed = tmp_path / "lhl-1.0.1.yaml"
    changed.write_text(
        default_codebook_path().read_text(encoding="utf-8").replace('version: "1.0.0"', 'version: "1.0.1"'),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["--db", str(filled), "tag", "--rules-only", "--codebook", str(changed)])
    assert result.exit_code == 0, result.output
    assert "Tagged 3 passage(s)" in result.output
    versions = rows(
        filled,
        "SELECT codebook_version, current, count(*) AS n FROM suggestions "
        "GROUP BY codebook_version, current ORDER BY current",
    )
    assert versions[0]["codebook_version"] == old_version and versions[0]["current"] == 0
    assert versions[1]["codebook_version"].startswith("lhl@1.0.1+") and versions[1]["current"] == 1
    assert versions[0]["n"] == versions[1]["n"] == 3 * len(PASSAGE_CODES)
    with Store.open(filled, readonly=True) as store:
        history = sql.suggestion_versions(store)
        assert [(h["codebook_version"], h["current"]) for h in history][-1][1] == 1
        assert len(sql.current_suggestions(store, 1)) == len(PASSAGE_CODES)


def test_workers_give_the_same_suggestions(runner, filled, tmp_path):
    with Store.open(filled) as store:
        add_document(store, "https://example.kommune.no/sak/3.pdf", TEXTS * 20)
    result = runner.invoke(app, ["--db", str(filled), "tag", "--rules-only", "--workers", "2", "--batch-size", "16"])
    assert result.exit_code == 0, result.output
    got = rows(
        filled,
        "SELECT p.text, s.code, s.score, s.selected FROM suggestions s "
        "JOIN passages p ON p.id = s.passage_id ORDER BY p.id, s.code",
    )
    by_text: dict[str, list] = {}
    for row in got:
        by_text.setdefault(row["text"], []).append((row["code"], row["score"], row["selected"]))
    assert len(by_text) == 3  # identical texts got identical suggestions in every worker
    assert len(got) == 63 * len(PASSAGE_CODES)


def test_workers_give_the_starters_suggestions_of_one_process(runner, filled, tmp_path):
    """The default path (rules + the starter's framing): the rules spread over workers, the model applied in the
    parent; every suggestion equals a one-process run."""
    import shutil

    with Store.open(filled) as store:
        add_document(store, "https://example.kommune.no/sak/3.pdf", TEXTS * 20)
    single = tmp_path / "single.db"
    shutil.copy(filled, single)
    query = (
        "SELECT p.text, s.code, s.score, s.selected, s.source FROM suggestions s "
        "JOIN passages p ON p.id = s.passage_id WHERE s.current = 1 ORDER BY p.id, s.code"
    )
    spread = runner.invoke(app, ["--db", str(filled), "tag", "--workers", "2", "--batch-size", "16"])
    alone = runner.invoke(app, ["--db", str(single), "tag", "--batch-size", "16"])
    assert spread.exit_code == 0 and alone.exit_code == 0, spread.output + alone.output
    got, expected = rows(filled, query), rows(single, query)
    assert got == expected and len(got) == 63 * len(PASSAGE_CODES)
    assert {row["source"] for row in got} == {next(r["source"] for r in got)} and "+starter" in got[0]["source"]


class _FailsOnSecondBatch(Labeller):
    """A labeller that breaks mid-run (e.g. a model file gone), to check batches are all-or-nothing."""

    name, version, codebook_version, pipeline = "flaky", "1", "test", ""

    def __init__(self):
        self.calls = 0

    def label(self, texts, contexts=None):
        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("labeller failed")
        return [
            PassageLabel(reform=False, areas=[], framing="ingen", scores={c: 0.0 for c in PASSAGE_CODES}) for _ in texts
        ]


def test_a_failing_batch_leaves_no_half_written_passage(filled):
    with Store.open(filled) as store:
        with pytest.raises(RuntimeError):
            tag_store(store, _FailsOnSecondBatch(), batch_size=2)
        counts = [r[0] for r in store.db.execute("SELECT count(*) FROM suggestions GROUP BY passage_id")]
    assert counts == [len(PASSAGE_CODES)] * 2  # the first batch (2 passages) complete, nothing of the second


def test_tag_segments_a_stored_text_without_passages(runner, db_path):
    with Store.open(db_path, create=True) as store:
        now = utcnow()
        doc_id = (
            store.db["documents"]
            .insert(
                {
                    "platform": "test",
                    "url": "https://x.no/a",
                    "status": "extracted",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            .last_pk
        )
        store.db["document_texts"].insert({"document_id": doc_id, "text": "Leve hele livet", "text_sha256": "x"})
        blank_id = (
            store.db["documents"]
            .insert(
                {
                    "platform": "test",
                    "url": "https://x.no/b",
                    "status": "extracted",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            .last_pk
        )
        store.db["document_texts"].insert({"document_id": blank_id, "text": " \n\n ", "text_sha256": "y"})
    result = runner.invoke(app, ["--db", str(db_path), "tag", "--rules-only"])
    assert result.exit_code == 0, result.output
    assert "Segmented 1 stored document(s) without passages into 1 passage(s)" in result.output
    assert "Tagged 1 passage(s)" in result.output
    assert "1 document(s) have only blank text and no passages" in result.output
    [passage] = rows(db_path, "SELECT * FROM passages")
    assert (passage["document_id"], passage["text"], passage["char_start"], passage["char_end"]) == (
        1,
        "Leve hele livet",
        0,
        15,
    )
    selected = rows(db_path, "SELECT code FROM suggestions WHERE selected = 1")
    assert {"code": "reform"} in selected


DOCUMENT = """HANDLINGSPLAN FOR ELDRE

1. Innledning

Kommunestyret vedtok handlingsplanen for Leve hele livet i juni. Planen gjelder
alle innbyggere over 65 år og deres pårørende.

Tiltakene er:

• hverdagsrehabilitering i hjemmet
• måltidsvenner og felles middag på dagsenteret
• seniorsentre og møteplasser i nærmiljøet

2. Oppfølging

Eldrerådet følger arbeidet og skal involveres i kommuneplanens samfunnsdel. Helse-
og omsorgstjenestene rapporterer hvert år.
"""


def test_ingested_document_whose_passages_were_deleted_gets_them_back_and_is_tagged(runner, db_path, tmp_path):
    from lhl_mining.ingest import IngestOptions, ingest_path, segment_stored

    source = tmp_path / "plan.txt"
    source.write_text(DOCUMENT, encoding="utf-8")
    columns = "seq, char_start, char_end, page_no, heading, text, text_sha1, n_words"
    with Store.open(db_path, create=True) as store:
        [result] = ingest_path(store, source, IngestOptions(corpus_dir=tmp_path / "corpus"))
        assert result.status == "extracted" and result.n_passages >= 4
        ingested = [dict(r) for r in store.db.query(f"SELECT {columns} FROM passages ORDER BY seq")]
        assert segment_stored(store, result.document_id) == 0  # it has passages: nothing to do
        store.db.execute("DELETE FROM passages WHERE document_id = ?", [result.document_id])
        store.db.conn.commit()
    outcome = runner.invoke(app, ["--db", str(db_path), "tag", "--rules-only"])
    assert outcome.exit_code == 0, outcome.output
    assert f"Segmented 1 stored document(s) without passages into {len(ingested)} passage(s)" in outcome.output
    assert f"Tagged {len(ingested)} passage(s)" in outcome.output
    assert rows(db_path, f"SELECT {columns} FROM passages ORDER BY seq") == ingested  # as ingest cut them
    tagged = rows(db_path, "SELECT count(DISTINCT passage_id) AS n FROM suggestions WHERE current = 1")
    assert tagged[0]["n"] == len(ingested)
    selected = {r["code"] for r in rows(db_path, "SELECT code FROM suggestions WHERE selected = 1")}
    assert {"reform", "area.helsehjelp", "area.mat", "area.aldersvennlig"} <= selected
    [run] = rows(db_path, "SELECT counts FROM runs WHERE command = 'tag'")
    assert json.loads(run["counts"])["segmented_documents"] == 1
    again = runner.invoke(app, ["--db", str(db_path), "tag", "--rules-only"])
    assert "Segmented" not in again.output and "Tagged 0 passage(s)" in again.output


def test_tag_without_database_fails_cleanly(runner, tmp_path):
    result = runner.invoke(app, ["--db", str(tmp_path / "none.db"), "tag", "--rules-only"])
    assert result.exit_code == 1
    assert "E010" in result.output


def test_segment_stored_cuts_a_meeting_bundle_as_ingest_did(tmp_path, db_path):
    """Pages and saker come back too: passages keep their page numbers and their sak sections."""
    from ingest_docs import meeting_bundle

    from lhl_mining.ingest import IngestOptions, ingest_path, segment_stored

    query = (
        "SELECT p.seq, p.char_start, p.char_end, p.page_no, p.heading, p.text, s.saksnr, s.title "
        "FROM passages p LEFT JOIN sections s ON s.id = p.section_id ORDER BY p.seq"
    )
    with Store.open(db_path, create=True) as store:
        [result] = ingest_path(
            store, meeting_bundle(tmp_path / "bundle.pdf"), IngestOptions(corpus_dir=tmp_path / "corpus")
        )
        ingested = [dict(r) for r in store.db.query(query)]
        assert result.doc_type == "moteinnkalling" and {r["saksnr"] for r in ingested} >= {"PS 13/21", "K 14/21"}
        assert max(r["page_no"] for r in ingested) > 1
        store.db.execute("DELETE FROM passages WHERE document_id = ?", [result.document_id])
        assert segment_stored(store, result.document_id) == len(ingested)
        assert [dict(r) for r in store.db.query(query)] == ingested
        assert store.db.execute("SELECT count(*) FROM sections").fetchone()[0] == len(
            {r["saksnr"] for r in ingested} - {None}
        )


def test_tag_reads_the_passages_heading_and_the_documents_title_and_type(runner, db_path):
    """The same housing sentence: under an elder heading, in an LHL plan, or in a plan titled for eldre it is
    about older people; in a roads document it is not."""
    text = "Kommunen vil legge til rette for flere boliger nær sentrum, og bussen skal gå oftere."
    with Store.open(db_path, create=True) as store:
        plain = add_document(store, "https://example.kommune.no/vei.pdf", [text])
        plan = add_document(store, "https://example.kommune.no/lhl.pdf", [text + " "])
        titled = add_document(store, "https://example.kommune.no/plan.pdf", [text + "  "])
        headed = add_document(store, "https://example.kommune.no/side", [text + "   "])
        store.db["documents"].update(plan, {"doc_type": "lhl_plan"})
        store.db["documents"].update(titled, {"title": "Plan for eldre 2024–2030"})
        store.db.execute("UPDATE passages SET heading = ? WHERE document_id = ?", ["Aldersvennlig samfunn", headed])
        store.db.conn.commit()
    result = runner.invoke(app, ["--db", str(db_path), "tag", "--rules-only"])
    assert result.exit_code == 0, result.output
    got = {
        r["document_id"]: r["selected"]
        for r in rows(
            db_path,
            "SELECT p.document_id, s.selected FROM suggestions s JOIN passages p ON p.id = s.passage_id "
            "WHERE s.code = 'area.aldersvennlig' AND s.current = 1",
        )
    }
    assert got == {plain: 0, plan: 1, titled: 1, headed: 1}
