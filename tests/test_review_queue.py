"""Queues, highlighting and the double-coding draw, on a real database without the web server."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import review_data

from lhl_mining.errors import DecisionConflict, ReviewUsageError
from lhl_mining.review.assign import assign_double
from lhl_mining.review.queue import QueueFilter, QueueIndex
from lhl_mining.review.render import highlight
from lhl_mining.store import review as sql


@pytest.fixture
def seeded(store) -> list[int]:
    return review_data.seed(store)


def decide(store, passage_id: int, coder: str, action: str = "accept") -> dict:
    latest = sql.latest_row(store, passage_id, coder)
    version = sql.suggestion_version(sql.current_suggestions(store, passage_id))
    codes = None if action == "skip" else sql.Codes(True, ("mat",), "sektor")
    return sql.record_decision(
        store,
        passage_id=passage_id,
        coder=coder,
        action=action,
        codes=codes,
        memo=None,
        shown_version=version,
        base_id=latest["id"] if latest else 0,
    )


def test_least_confident_first_then_untagged_passages_last(store, seeded):
    untagged = review_data.add_document(store, title="Ikke tagget", texts=["Referatsaker uten vedtak."])
    index = QueueIndex()
    index.sync(store)
    order: list[int] = []
    for _ in range(9):
        passage = index.next_passage("anne", QueueFilter(), after=order[-1] if order else None)
        order.append(passage)
        decide(store, passage, "anne")
        index.sync(store)
    # margins: 0.01, 0.02, 0.05 … ; passages whose every score is 0.04 (margin 0.46) come after the unsure ones,
    # and a passage with no suggestions at all comes last
    assert order[:3] == [seeded[7], seeded[6], seeded[3]]
    assert order[-1] == untagged[0]
    assert sorted(order) == sorted(seeded + untagged)
    assert index.next_passage("anne", QueueFilter()) is None
    assert index.remaining("anne", QueueFilter()) == 0


def test_page_furniture_comes_after_every_passage_of_content(store, seeded):
    """A letterhead the machine is least sure of («Søndre Land kommune», an address) is not what a coder sees first."""
    store.db.execute("UPDATE passages SET noise = 'letterhead' WHERE id = ?", [seeded[7]])  # the least confident
    index = QueueIndex()
    index.sync(store)
    order = []
    while (passage := index.next_passage("anne", QueueFilter(), after=order[-1] if order else None)) is not None:
        order.append(passage)
        decide(store, passage, "anne")
        index.sync(store)
    assert order[:2] == [seeded[6], seeded[3]]  # the next most unsure passages of content come first
    assert order[-1] == seeded[7]  # the letterhead last (after the passages with no suggestions too)
    assert sorted(order) == sorted(seeded)


def test_undo_puts_a_passage_back_even_behind_the_frontier(store, seeded):
    index = QueueIndex()
    index.sync(store)
    first = index.next_passage("anne", QueueFilter())
    row = decide(store, first, "anne")
    index.sync(store)
    for _ in range(3):
        decide(store, index.next_passage("anne", QueueFilter()), "anne")
        index.sync(store)
    assert index.counts("anne")["decided"] == 4
    sql.record_undo(store, coder="anne", target_id=sql.latest_undoable(store, "anne")["id"])
    with pytest.raises(DecisionConflict):  # the screen said the latest was `row`, but it is not
        sql.record_undo(store, coder="anne", target_id=row["id"])
    index.sync(store)
    assert index.counts("anne")["decided"] == 3
    # take back the very first one as well: it returns to the front of everyone's queue
    for _ in range(3):
        sql.record_undo(store, coder="anne", target_id=sql.latest_undoable(store, "anne")["id"])
    index.sync(store)
    assert index.counts("anne")["decided"] == 0
    assert index.next_passage("bjorn", QueueFilter()) == first


def test_skips_leave_my_queue_but_not_others(store, seeded):
    index = QueueIndex()
    index.sync(store)
    first = index.next_passage("anne", QueueFilter())
    decide(store, first, "anne", action="skip")
    index.sync(store)
    assert index.next_passage("anne", QueueFilter()) != first
    assert index.next_passage("anne", QueueFilter(queue="skipped")) == first
    assert index.remaining("anne", QueueFilter(queue="skipped")) == 1
    assert index.next_passage("bjorn", QueueFilter()) != first  # anne holds it on screen (skipped queue)
    assert index.remaining("bjorn", QueueFilter()) == 8


def test_filters_narrow_the_queue(store, seeded):
    oslo = review_data.add_document(
        store,
        knr="0301",
        title="Budsjett",
        doc_type="budsjett",
        texts=["Budsjettet for pleie og omsorg.", "Investeringer i sykehjem."],
    )
    index = QueueIndex()
    index.sync(store)
    assert index.remaining("anne", QueueFilter(knr="0301")) == 2
    assert index.next_passage("anne", QueueFilter(doc_type="budsjett")) in oslo
    assert index.remaining("anne", QueueFilter(code="area.mat")) == 1
    assert index.next_passage("anne", QueueFilter(code="reform")) in (seeded[0], seeded[7])
    assert index.remaining("anne", QueueFilter(queue="document")) == 10


def test_double_coding_sample_is_balanced_reserved_and_idempotent(store):
    ids = review_data.add_document(store, texts=[f"Passasje {i} om hjemmetjenesten." for i in range(200)])
    first = assign_double(store, ["anne", "bjorn", "cora"], share=0.15, seed=11)
    assert first == {"population": 200, "target": 30, "already": 0, "added": 30}
    per_coder = Counter(r["coder"] for r in store.db.query("SELECT coder FROM assignments"))
    assert sum(per_coder.values()) == 60 and max(per_coder.values()) - min(per_coder.values()) <= 1
    assert assign_double(store, ["anne", "bjorn", "cora"], share=0.15, seed=99)["added"] == 0
    assert assign_double(store, ["anne", "bjorn", "cora"], share=0.2, seed=11)["added"] == 10
    sample = {r["passage_id"] for r in store.db.query("SELECT passage_id FROM assignments")}
    index = QueueIndex()
    index.sync(store)
    assert index.remaining("dag", QueueFilter()) == 200 - len(sample)
    seen = set()
    for _ in range(200 - len(sample)):
        passage = index.next_passage("dag", QueueFilter())
        seen.add(passage)
        decide(store, passage, "dag")
        index.sync(store)
    assert not seen & sample and len(seen) == 200 - len(sample)
    anne = {r["passage_id"] for r in store.db.query("SELECT passage_id FROM assignments WHERE coder = 'anne'")}
    assert index.next_passage("anne", QueueFilter()) in anne
    assert index.remaining("anne", QueueFilter(queue="assigned")) == len(anne)
    assert set(ids) >= sample
    with pytest.raises(ReviewUsageError):
        assign_double(store, ["anne"], share=0.15)
    with pytest.raises(ReviewUsageError):
        assign_double(store, ["anne", "bjorn"], share=0, seed=1)


def test_adjudication_sees_disagreement_and_records_the_final_code(store, seeded):
    for coder, framing in (("anne", "sektor"), ("bjorn", "samfunn")):
        sql.record_decision(
            store,
            passage_id=seeded[0],
            coder=coder,
            action="code",
            codes=sql.Codes(True, ("aldersvennlig",), framing),
            memo=None,
            shown_version=sql.suggestion_version(sql.current_suggestions(store, seeded[0])),
            base_id=0,
        )
    (item,) = sql.multi_coded(store)
    assert set(item["coders"]) == {"anne", "bjorn"} and item["final"] is None
    row = sql.record_adjudication(
        store,
        passage_id=seeded[0],
        adjudicator="cora",
        codes=sql.Codes(True, ("aldersvennlig",), "begge"),
        memo="begge",
        base_id=0,
    )
    with pytest.raises(DecisionConflict):
        sql.record_adjudication(
            store, passage_id=seeded[0], adjudicator="dag", codes=sql.Codes(False, (), "ingen"), memo=None, base_id=0
        )
    (item,) = sql.multi_coded(store)
    assert item["final"]["id"] == row["id"] and item["final"]["framing"] == "begge"
    sql.undo_adjudication(store, adjudicator="cora", target_id=row["id"])
    assert sql.multi_coded(store)[0]["final"] is None
    assert sql.latest_final_row_id(store, seeded[0]) > row["id"]


def test_highlight_marks_labels_escapes_and_ignores_bad_offsets():
    text = "Leve hele livet <og> helse- og omsorgstjenester for eldre"
    evidence = [
        {"code": "reform", "term": "leve hele livet", "rule_id": "r1", "start": 0, "end": 15},
        {"code": "framing.sektor", "term": "helse- og omsorgstjenester", "rule_id": "t9", "start": 21, "end": 47},
        {"code": "area.helsehjelp", "term": "omsorg", "rule_id": "h2", "start": 31, "end": 37},
        {"code": "area.mat", "term": "x", "rule_id": "bad", "start": 50, "end": 400},
        {"code": "area.mat", "term": "x", "rule_id": "bad", "start": "3", "end": 5},
    ]
    html = str(highlight(text, evidence))
    assert html.count("<mark") == 4  # reform, the framing span split around the nested area span
    assert '<span class="hl-tag c-reform">reform</span>' in html
    assert '<span class="hl-tag c-area-helsehjelp">helsehjelp</span>' in html
    assert "hl-nested" in html and "&lt;og&gt;" in html
    assert "mat" not in html.replace("omsorgstjenester", "")
    assert str(highlight("æøå «sitat»", [])) == "æøå «sitat»"


def test_suggested_codes_follow_the_selected_suggestions(store, seeded):
    codes = sql.suggested_codes(sql.current_suggestions(store, seeded[0]))
    assert codes == sql.Codes(True, ("aldersvennlig",), "samfunn")
    assert sql.suggested_codes([]) is None
    both = [{"code": "framing.samfunn", "selected": 1}, {"code": "framing.sektor", "selected": 1}]
    assert sql.suggested_codes(both).framing == "begge"
    row = decide(store, seeded[0], "anne")
    assert json.loads(row["areas"]) == ["mat"] and sql.codes_of_row(row) == sql.Codes(True, ("mat",), "sektor")
