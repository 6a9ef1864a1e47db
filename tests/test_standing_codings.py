"""The view `standing_codings` (migration 0011): one rule for a coder's standing decision, read alike by every reader."""

from __future__ import annotations

import sqlite3

import pytest
import review_data
import sqlite_utils

from lhl_mining.export.model import passage_records
from lhl_mining.learn.coded import coded_passages
from lhl_mining.learn.reliability import reliability
from lhl_mining.migrations import migrations
from lhl_mining.review.queue import QueueIndex
from lhl_mining.search import find
from lhl_mining.store import Store, exports, learning
from lhl_mining.store import review as sql

MAT = sql.Codes.of(True, ["mat"], "sektor")
HELSE = sql.Codes.of(False, ["helsehjelp"], "sektor")


def decide(store, passage_id: int, coder: str, action: str = "code", codes: sql.Codes | None = MAT) -> dict:
    base = sql.latest_row(store, passage_id, coder)
    return sql.record_decision(
        store,
        passage_id=passage_id,
        coder=coder,
        action=action,
        codes=None if action == "skip" else sql.NOT_RELEVANT if action == "not_relevant" else codes,
        memo=None,
        shown_version=sql.suggestion_version(sql.current_suggestions(store, passage_id)),
        base_id=base["id"] if base else 0,
    )


def adjudicate(store, passage_id: int, adjudicator: str, codes: sql.Codes) -> dict:
    return sql.record_adjudication(
        store,
        passage_id=passage_id,
        adjudicator=adjudicator,
        codes=codes,
        memo=None,
        base_id=sql.latest_final_row_id(store, passage_id),
    )


def undo(store, coder: str) -> None:
    sql.record_undo(store, coder=coder, target_id=sql.latest_undoable(store, coder)["id"])


def standing(store) -> dict[tuple[int, str, str], dict]:
    return {(r["passage_id"], r["coder"], r["lane"]): r for r in store.db.query("SELECT * FROM standing_codings")}


@pytest.fixture
def history(store, seeded):
    """Code, revise, undo, skip, not relevant and adjudicate, by three coders and two adjudicators."""
    p = seeded
    decide(store, p[0], "anne")  # anne codes, then revises: the revision stands
    decide(store, p[0], "anne", codes=HELSE)
    decide(store, p[0], "bjorn")
    decide(store, p[1], "anne")  # revised, then the revision undone: the first decision stands again
    decide(store, p[1], "anne", codes=HELSE)
    undo(store, "anne")
    decide(store, p[1], "bjorn", "not_relevant")
    decide(store, p[2], "anne", "skip")  # a skip: no decision
    decide(store, p[2], "bjorn", "accept")
    decide(store, p[3], "bjorn")  # decided and undone: nothing stands
    undo(store, "bjorn")
    decide(store, p[4], "cora")
    decide(store, p[4], "anne", codes=HELSE)
    adjudicate(store, p[4], "zoe", MAT)  # zoe adjudicates, bob later overrules her: bob's is the final code
    adjudicate(store, p[4], "bob", HELSE)
    adjudicate(store, p[0], "zoe", MAT)  # an adjudication that is undone
    sql.undo_adjudication(store, adjudicator="zoe", target_id=sql.latest_final_row_id(store, p[0]))
    return p


def test_the_view_keeps_each_coders_newest_row_not_undone_with_adjudications_apart(store, history):
    p = history
    rows = standing(store)
    assert {k: (r["action"], r["areas"]) for k, r in rows.items()} == {
        (p[0], "anne", "coder"): ("code", '["helsehjelp"]'),
        (p[0], "bjorn", "coder"): ("code", '["mat"]'),
        (p[1], "anne", "coder"): ("code", '["mat"]'),
        (p[1], "bjorn", "coder"): ("not_relevant", "[]"),
        (p[2], "anne", "coder"): ("skip", None),
        (p[2], "bjorn", "coder"): ("accept", '["mat"]'),
        (p[4], "cora", "coder"): ("code", '["mat"]'),
        (p[4], "anne", "coder"): ("code", '["helsehjelp"]'),
        (p[4], "zoe", "adjudicate"): ("adjudicate", '["mat"]'),
        (p[4], "bob", "adjudicate"): ("adjudicate", '["helsehjelp"]'),
    }


def test_every_reader_sees_the_standing_rows_of_the_view(store, db_path, history):
    p = history
    rows = standing(store)
    coder_rows = {(pid, coder): r for (pid, coder, lane), r in rows.items() if lane == "coder"}
    decisions = {k: r for k, r in coder_rows.items() if r["action"] in sql.DECISIONS}
    coders = sorted({coder for _, coder in coder_rows})

    # the review screens: each coder's standing row, the undo target, the progress counts, the queues
    for passage_id in p:
        for coder in coders:
            row = sql.standing_row(store, passage_id, coder)
            assert (row and row["id"]) == (coder_rows.get((passage_id, coder)) or {}).get("id")
    assert sql.latest_undoable(store, "anne")["id"] == max(r["id"] for (_, c), r in coder_rows.items() if c == "anne")
    counts = {r["coder"]: r for r in sql.coder_counts(store)}
    for coder in coders:
        assert counts[coder]["decided"] == sum(c == coder for _, c in decisions)
        assert counts[coder]["skip"] == sum(c == coder and r["action"] == "skip" for (_, c), r in coder_rows.items())
    assert counts["zoe"]["adjudicate"] == counts["bob"]["adjudicate"] == 1
    index = QueueIndex()
    index.sync(store)
    for passage_id in p:
        for coder in coders:
            assert index.standing_action(passage_id, coder) == (coder_rows.get((passage_id, coder)) or {}).get("action")
    items = {i["passage_id"]: i for i in sql.multi_coded(store)}
    assert {c: r["id"] for c, r in items[p[4]]["coders"].items()} == {
        c: coder_rows[(p[4], c)]["id"] for c in ("anne", "cora")
    }
    assert items[p[4]]["final"]["coder"] == "bob"

    # learning and reliability
    assert {(d["passage_id"], d["coder"]): d["id"] for d in learning.coder_decisions(store)} == {
        k: r["id"] for k, r in decisions.items()
    }
    assert {pid: d["coder"] for pid, d in learning.adjudications(store).items()} == {p[4]: "bob"}
    undecided = {pid for pid, _ in learning.undecided_passages(store)}
    assert undecided == set(p) - {pid for pid, _ in decisions}
    units = reliability(store, coders=["anne", "bjorn"], samples=0)["units"]
    assert units["pairable"] == sum(
        (pid, "anne") in decisions and (pid, "bjorn") in decisions for pid in {pid for pid, _ in decisions}
    )

    # search filters and exports
    clauses, params = find.Filters(coded_by="anne").where()
    found = {r[0] for r in store.db.execute(f"SELECT p.id FROM passages p WHERE {clauses[0]}", params)}
    assert found == {pid for (pid, c), r in coder_rows.items() if c == "anne" and r["action"] in ("code", "accept")}
    for record in passage_records(exports.iter_passage_rows(store)):
        assert set(record.by_coder) == {c for (pid, c) in decisions if pid == record.id}
        assert (record.adjudication is not None) == (record.id == p[4])


def test_the_newest_adjudication_is_what_training_learns_whoever_made_it(store, history):
    """zoe («z») adjudicated before bob: training used to take the alphabetically last adjudicator's code."""
    p = history
    assert learning.adjudications(store)[p[4]]["areas"] == ["helsehjelp"]
    learned = {c.key: c for c in coded_passages(store).passages}
    assert (learned[f"passage:{p[4]}"].reform, learned[f"passage:{p[4]}"].areas) == (False, ("helsehjelp",))


def test_search_finds_the_final_code_after_the_adjudicator_revises_their_own_decision(store, seeded):
    """An adjudicator who also codes the passage: their later coder row used to hide their final code from search."""
    passage = seeded[5]  # the machine selects nothing here
    decide(store, passage, "anne", codes=HELSE)
    decide(store, passage, "bjorn", codes=sql.Codes.of(False, ["mat"], "sektor"))
    adjudicate(store, passage, "anne", MAT)  # the final code mentions the reform
    decide(store, passage, "anne", codes=sql.Codes.of(False, ["aktivitet"], "samfunn"))
    clauses, params = find.Filters(code="reform").where()
    found = {r[0] for r in store.db.execute(f"SELECT p.id FROM passages p WHERE {clauses[0]}", params)}
    assert passage in found


def test_an_older_database_gets_the_view_and_a_plain_sqlite_reader_can_use_it(db_path):
    names = [m.name for m in migrations._migrations]
    assert "0011_standing_codings" in names
    db = sqlite_utils.Database(db_path)
    migrations.apply(db, stop_before="0011_standing_codings")
    assert "standing_codings" not in db.view_names()
    db.close()
    with Store.open(db_path, create=True) as store:
        passage = review_data.add_document(store)[0]
        first = decide(store, passage, "anne")
        decide(store, passage, "anne", codes=HELSE)
        undo(store, "anne")
    plain = sqlite3.connect(db_path)
    try:
        assert plain.execute("SELECT id, lane FROM standing_codings").fetchall() == [(first["id"], "coder")]
    finally:
        plain.close()
