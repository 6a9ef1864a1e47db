"""Full-text search: Norwegian forms, the query language, filters, keyword-in-context output, counts, the index kept current."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
import review_data
import search_data
from lhl.cli import app

from lhl_mining.errors import QuerySyntaxError, SearchIndexStale, UsageError
from lhl_mining.search import find, index, similar, words
from lhl_mining.store import Store, utcnow


@pytest.fixture
def corpus(store):
    return search_data.build(store)


def ids(store, query, **filters):
    return [h.passage_id for h in find.search(store, query, find.Filters(**filters), limit=100).hits]


def test_words_find_their_inflected_and_nynorsk_forms(store, corpus):
    hamar, sondre, stange, bergen = corpus["3403"], corpus["3447"], corpus["3413"], corpus["4601"]
    assert ids(store, "heimeteneste") == [sondre[0]]  # «Heimetenesta»
    assert set(ids(store, "eldre")) >= {hamar[0], hamar[1]}  # «eldres» counts as eldre
    assert ids(store, "trygghetsalarm") == [hamar[0], sondre[0], bergen[0]]  # -er, -en, bare
    assert ids(store, "=trygghetsalarm") == [bergen[0]]  # exactly this form
    assert set(ids(store, "matombringing")) == {sondre[1], stange[0]}
    assert set(ids(store, "måltid")) == {sondre[1], stange[0]}  # «måltidene»
    assert ids(store, "eldreomsorg*") == [bergen[0]]


def test_phrases_boolean_operators_and_near(store, corpus):
    hamar, sondre, stange, bergen = corpus["3403"], corpus["3447"], corpus["3413"], corpus["4601"]
    assert ids(store, '"møteplass for eldre"') == [sondre[1], stange[1]]  # møteplass / møteplasser
    assert ids(store, "«felles måltid»") == [sondre[1]]
    assert ids(store, "trygghetsalarm AND kommune") == [hamar[0]]
    assert ids(store, "trygghetsalarm NOT kommune") == [sondre[0], bergen[0]]
    assert set(ids(store, "matombringing OR regnskap")) == {hamar[2], sondre[1], stange[0]}
    assert ids(store, "NEAR(matombringing eldre, 2)") == [stange[0]]
    assert set(ids(store, "NEAR(matombringing eldre, 8)")) == {sondre[1], stange[0]}
    assert ids(store, "(trygghetsalarm OR matombringing) AND Bergen") == []
    for bad in ['"mat til', "eldre AND", "NEAR(eldre)", "OR", "(eldre", "?!"]:
        with pytest.raises(QuerySyntaxError):
            find.search(store, bad)


def test_titles_are_searched_on_request(store, corpus):
    result = find.search(store, "plan", titles=True)
    assert [h.title for h in result.hits] == ["Leve heile livet – plan for eldre i Søndre Land"]
    assert result.hits[0].passage_id is None and result.hits[0].hit == "plan"


def test_filters_county_kommune_doc_type_dates(store, corpus):
    hamar, sondre, stange, bergen = corpus["3403"], corpus["3447"], corpus["3413"], corpus["4601"]
    assert ids(store, "trygghetsalarm", county="Innlandet") == [hamar[0], sondre[0]]
    assert ids(store, "trygghetsalarm", county="Vestland") == [bergen[0]]
    assert ids(store, "trygghetsalarm", kommune="Søndre Land") == [sondre[0]]
    assert ids(store, "trygghetsalarm", kommune="3403,4601") == [hamar[0], bergen[0]]
    assert ids(store, "eldre", doc_type="plan") == [sondre[1], stange[0], stange[1]]
    assert ids(store, "eldre", since="2020", until="2022-06") == [hamar[0], hamar[1], sondre[1]]
    assert ids(store, "eldre", until="2019") == [stange[0], stange[1]]
    with pytest.raises(UsageError):
        ids(store, "eldre", since="last year")
    with pytest.raises(UsageError):
        ids(store, "eldre", county="Atlantis")


def test_code_filters_use_machine_suggestions_and_standing_human_decisions(store, corpus):
    hamar, sondre = corpus["3403"], corpus["3447"]
    run_id = review_data.add_tag_run(store)
    review_data.add_suggestions(store, hamar[0], {"area.helsehjelp": 0.9}, run_id=run_id, text="")
    now = utcnow()
    store.db["codings"].insert(
        {
            "passage_id": sondre[0],
            "coder": "kari",
            "coded_at": now,
            "action": "code",
            "reform": 1,
            "areas": '["mat"]',
            "framing": "sektor",
        }
    )
    assert ids(store, "trygghetsalarm", code="area.helsehjelp") == [hamar[0]]
    assert ids(store, "trygghetsalarm", code="area.mat") == [sondre[0]]
    assert ids(store, "trygghetsalarm", code="framing.sektor") == [sondre[0]]
    assert ids(store, "trygghetsalarm", coded_by="kari") == [sondre[0]]
    assert ids(store, "trygghetsalarm", coded_by="kari", code="area.helsehjelp") == []
    # kari undoes her decision: it no longer counts
    first = store.db.execute("SELECT id FROM codings").fetchone()[0]
    store.db["codings"].insert(
        {"passage_id": sondre[0], "coder": "kari", "coded_at": now, "action": "undo", "undoes_id": first}
    )
    assert ids(store, "trygghetsalarm", code="area.mat") == []
    with pytest.raises(UsageError):
        ids(store, "eldre", code="area.golf")


def test_keyword_in_context_centres_the_hit(store, corpus):
    result = find.search(store, "eldres", context=3)
    hit = next(h for h in result.hits if h.passage_id == corpus["3403"][1])
    assert (hit.left, hit.hit, hit.right) == ("", "Eldres", "behov for trygghet …")
    assert hit.kommune == "Hamar" and hit.date == "2021-02-10" and hit.spans == [(0, 6)]
    phrase = find.search(store, '"møteplass for eldre"', context=2).hits[0]
    assert (phrase.left, phrase.hit, phrase.right) == ("… opprette ein", "møteplass for eldre", "med felles …")


def test_count_by_groups(store, corpus):
    by_kommune = find.count_by(store, "eldre", "kommune").counts
    assert [(r["name"], r["passages"]) for r in by_kommune] == [("Hamar", 2), ("Stange", 2), ("Søndre Land", 1)]
    by_county = {r["county"]: r["passages"] for r in find.count_by(store, "trygghetsalarm", "county").counts}
    assert by_county == {"Innlandet": 2, "Vestland": 1}
    by_year = {r["year"]: r["passages"] for r in find.count_by(store, "eldre OR trygghetsalarm", "year").counts}
    assert by_year == {"2019": 2, "2021": 2, "2022": 2, "2023": 1}
    with pytest.raises(UsageError):
        find.count_by(store, "eldre", "weekday")


def test_index_follows_every_writer(store, corpus, db_path):
    assert ids(store, "rullator") == []
    other = sqlite3.connect(db_path)  # a writer that knows nothing of lhl-mining: the triggers queue it
    other.execute("PRAGMA foreign_keys=ON")
    document_id = other.execute("SELECT document_id FROM passages WHERE id = ?", [corpus["4601"][0]]).fetchone()[0]
    other.execute(
        "INSERT INTO passages(document_id, seq, char_start, char_end, text, text_sha1, created_at) "
        "VALUES (?, 9, 0, 30, 'Rullatorane vart reparerte.', 'x', 'now')",
        [document_id],
    )
    other.execute("UPDATE passages SET text = 'Bystyret vedtok budsjettet.' WHERE id = ?", [corpus["4601"][0]])
    other.commit()
    assert index.pending(store) == 2
    assert ids(store, "rullator") != [] and ids(store, "trygghetsalarm", kommune="Bergen") == []
    assert ids(store, "budsjett", kommune="Bergen") == [corpus["4601"][0]]
    other.execute("DELETE FROM documents WHERE id = ?", [document_id])  # cascades to its passages
    other.commit()
    other.close()
    assert ids(store, "rullator") == [] and ids(store, "budsjett", kommune="Bergen") == []
    # nothing of the deleted rows is left in the index
    assert store.db.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH 'rullator'").fetchone()[0] == 0
    assert find.search(store, "bystyret", titles=True).hits == []


def test_migration_indexes_an_existing_database(db_path, corpus, store):
    store.close()
    conn = sqlite3.connect(db_path)  # turn the file back into a pre-0010 database
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search_%'"
    ).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.executescript(
        "DROP TABLE search_fts; DROP TABLE search_gone; DROP TABLE search_queue; "
        "DELETE FROM _sqlite_migrations WHERE name = '0010_search';"
    )
    conn.close()
    with Store.open(db_path, create=True) as upgraded:
        assert index.pending(upgraded) == 9 + 4  # every passage and title
        assert ids(upgraded, "heimeteneste") == [corpus["3447"][0]]
        assert index.pending(upgraded) == 0


def test_read_only_search_says_what_is_not_indexed(db_path, corpus, store):
    index.refresh(store)
    store.db.execute("UPDATE passages SET text = 'Ny tekst om rullatorar.' WHERE id = ?", [corpus["3403"][2]])
    store.db.conn.commit()
    with Store.open(db_path, readonly=True) as readonly:
        result = find.search(readonly, "rullator")
        assert result.total == 0 and result.unindexed == 1


def test_reindex_after_a_lemmatizer_change(store, corpus):
    find.search(store, "eldre")
    store.set_meta(index.META_LEMMATIZER, "lhl_nb_builtin@0.0.1")
    with pytest.raises(SearchIndexStale):
        find.search(store, "eldre")
    assert index.reindex(store) == 9 + 4
    assert len(ids(store, "eldre")) == 5


def test_word_frequencies_leave_out_bokmal_and_nynorsk_stop_words(store, corpus):
    freq = words.count(store)
    top = {r["lemma"]: r["count"] for r in words.top_words(freq, 50)}
    assert top["eldre"] == 5 and top["trygghetsalarm"] == 3 and top["matombringing"] == 2
    for stop in ("og", "ikkje", "ein", "det", "skal", "for", "til", "vert", "har"):
        assert stop not in top
    keyed = words.keyness(words.count(store, "kommune"), "3447", top=5)
    assert keyed[0]["n_reference"] == 0 and keyed[0]["n_target"] >= 1  # a lemma only Søndre Land uses
    assert all(r["chi2"] > 0 for r in keyed) and "eldre" not in [r["lemma"] for r in keyed]
    assert words.chi2_yates(10, 0, 90, 100) > 0 > words.chi2_yates(0, 10, 100, 90)
    with pytest.raises(UsageError):
        words.keyness(freq)


def test_passages_like_this_one_come_from_other_documents(store, corpus):
    found = similar.like(store, corpus["3447"][1], limit=3)
    assert found[0].passage_id == corpus["3413"][0] or found[0].passage_id == corpus["3413"][1]
    assert all(s.passage_id not in corpus["3447"] for s in found)
    assert found == sorted(found, key=lambda s: -s.score)


def test_cli_search_kwic_formats_and_counts(runner, db_path, corpus, store):
    store.close()
    out = runner.invoke(app, ["--db", str(db_path), "search", "heimeteneste"])
    assert out.exit_code == 0, out.output
    assert "Søndre Land · 2022-05-17" in out.output and "Heimetenesta" in out.output
    out = runner.invoke(
        app, ["search", "trygghetsalarm", "--db", str(db_path), "--format", "csv", "--county", "Innlandet"]
    )
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert [(r["kommune"], r["hit"]) for r in rows] == [
        ("Hamar", "trygghetsalarmer"),
        ("Søndre Land", "trygghetsalarmen"),
    ]
    out = runner.invoke(app, ["search", "eldre", "--db", str(db_path), "-f", "jsonl", "-n", "1", "--context", "2"])
    line = json.loads(out.output.splitlines()[0])
    assert line["hit"] == "eldre" and line["left"] == "… til hjemmeboende" and line["passage_id"] == corpus["3403"][0]
    out = runner.invoke(app, ["search", "eldre", "--db", str(db_path), "--count-by", "kommune", "-f", "csv"])
    assert out.output.splitlines()[1:3] == ["3403,Hamar,2,1", "3413,Stange,2,1"]
    out = runner.invoke(app, ["search", '"mat til', "--db", str(db_path)])
    assert out.exit_code == 2 and "E700" in out.output
    out = runner.invoke(app, ["search", "--like", str(corpus["3447"][1]), "--db", str(db_path), "-f", "jsonl"])
    assert out.exit_code == 0 and json.loads(out.output.splitlines()[0])["kommune"] == "Stange"
    out = runner.invoke(app, ["search", "--reindex", "--db", str(db_path)])
    assert out.exit_code == 0 and "13 passages and titles" in out.output


def test_cli_words(runner, db_path, corpus, store):
    store.close()
    out = runner.invoke(app, ["words", "--db", str(db_path), "--top", "3", "-f", "csv"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[1].startswith("1,eldre,5,")
    out = runner.invoke(app, ["words", "--db", str(db_path), "--by", "county", "--group", "Vestland", "-f", "jsonl"])
    lemmas = [json.loads(line)["lemma"] for line in out.output.splitlines()]
    assert "bystyre" in lemmas or "eldreomsorg" in lemmas


def test_index_size_and_speed_floor(tmp_path):
    """The 1M-passage targets of bench/bench_search.py, pinned on 20,000 passages generated the same way."""
    import importlib.util

    from conftest import REPO

    spec = importlib.util.spec_from_file_location("bench_search", REPO / "bench" / "bench_search.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    with Store.open(tmp_path / "bench.db", create=True) as store:
        bench.generate(store, 20_000)
        assert index.refresh(store) == 20_000 + 400
        store.db.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
        store.db.conn.commit()
        size = bench.sizes(store)
        assert size["index"] <= 0.5 * (size["index"] + size["data"])
        times = bench.timed(lambda: find.search(store, "kommune", limit=20), 5)
        assert find.search(store, "kommune").total > 1000
        assert bench.p95(times) < 0.2


def test_a_real_nynorsk_document_is_searchable_right_after_ingest(store, tmp_path, shared):
    """Bø kommune's 2012 meeting book (nynorsk, read in place): ingest indexes it, lemmas find its forms."""
    from lhl_mining.ingest import IngestOptions, ingest_path

    pdf = shared / "real" / "documents" / "bo_2012_motebok_ptn139-12_k112-12_breisas_syd.pdf"
    [result] = ingest_path(store, pdf, IngestOptions(corpus_dir=tmp_path / "corpus"))
    assert index.pending(store) == 0  # the ingest hook indexed every passage
    found = find.search(store, "røyst", limit=50)  # «røyster»
    assert any("vedteke med 14 mot 10 røyster" in h.text for h in found.hits)
    assert all(h.document_id == result.document_id for h in found.hits)
    phrase = find.search(store, '"vedta med 14 mot 10"', context=2).hits  # «vedteke» is a form of vedta
    assert phrase and phrase[0].hit.startswith("vedteke med 14 mot 10")
    assert find.search(store, "=einebustadtomter").total >= 1


def test_two_processes_refreshing_at_once_index_each_passage_once(db_path, corpus, store):
    """Ingest in one process and a search in another both refresh: the write lock keeps them from doubling rows."""
    import subprocess
    import sys

    script = (
        "import sys; from lhl_mining.store import Store; from lhl_mining.search import index; "
        "s = Store.open(sys.argv[1]); print(index.refresh(s))"
    )
    store.close()
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(db_path)], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [int(p.communicate(timeout=120)[0].strip()) for p in procs]
    assert all(p.returncode == 0 for p in procs) and sum(outputs) == 9 + 4
    with Store.open(db_path) as again:
        assert (
            again.db.execute(
                "SELECT count(*) FROM search_fts WHERE search_fts MATCH 'lemmas : eldre' AND rowid > 0"
            ).fetchone()[0]
            == 5
        )
        assert find.search(again, "trygghetsalarm").total == 3
