"""SQL for learning from the coders: their decisions, adjudications, the machine's suggestions, model scores.

A coder's decision on a passage is their standing row (view `standing_codings`:
their newest row that no `undo` row points at) when it is `code`, `accept` or
`not_relevant`; a standing `skip` decides nothing.  `not_relevant` means no
reform mention, no areas, framing `ingen`.  The newest standing `adjudicate`
row is the passage's final code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from ..codebook import framing_of_codes
from . import Store

DECISION_ACTIONS = ("code", "accept", "not_relevant")


def _dicts(cursor) -> list[dict[str, Any]]:
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def _codes(row: dict[str, Any]) -> dict[str, Any]:
    """reform/areas/framing of a decision row; `not_relevant` rows mean «none of the codes»."""
    if row["action"] == "not_relevant" or row["reform"] is None:
        return {"reform": False, "areas": [], "framing": "ingen"}
    return {
        "reform": bool(row["reform"]),
        "areas": json.loads(row["areas"] or "[]"),
        "framing": row["framing"] or "ingen",
    }


def _standing(
    store: Store, actions: Sequence[str], coders: Sequence[str] | None = None, blind_only: bool = False
) -> list[dict[str, Any]]:
    """Standing rows with one of `actions`, by passage and coder."""
    marks = ",".join("?" * len(actions))
    coder_filter = f"AND coder IN ({','.join('?' * len(coders))})" if coders else ""
    if blind_only:
        coder_filter += " AND blind = 1"
    rows = _dicts(
        store.db.execute(
            f"""
SELECT id, passage_id, coder, coded_at, action, reform, areas, framing, blind, answered_source
FROM standing_codings WHERE action IN ({marks}) {coder_filter} ORDER BY passage_id, coder""",
            [*actions, *(coders or [])],
        )
    )
    return [{**row, **_codes(row)} for row in rows]


def coder_decisions(
    store: Store, coders: Sequence[str] | None = None, blind_only: bool = False
) -> list[dict[str, Any]]:
    """Every coder's standing decision per passage (adjudications excluded): one dict per (passage, coder).

    `blind_only` keeps decisions made blind (double-coding assignments, where coders
    do not see each other's codes): the independent judgements reliability is about.
    """
    return _standing(store, DECISION_ACTIONS, coders, blind_only)


def adjudications(store: Store) -> dict[int, dict[str, Any]]:
    """The final code per adjudicated passage: its newest standing adjudication, whoever adjudicated."""
    return {row["passage_id"]: row for row in sorted(_standing(store, ("adjudicate",)), key=lambda r: r["id"])}


def coders(store: Store) -> list[str]:
    """Coders with at least one decision row."""
    marks = ",".join("?" * len(DECISION_ACTIONS))
    return [
        r[0]
        for r in store.db.execute(
            f"SELECT DISTINCT coder FROM codings WHERE action IN ({marks}) ORDER BY coder", DECISION_ACTIONS
        ).fetchall()
    ]


def passage_texts(store: Store, passage_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Per passage id: its text and where it stands (heading, document title, doc_type), as `lhl tag` reads them."""
    ids = sorted(set(passage_ids))
    texts: dict[int, dict[str, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = store.db.execute(
            "SELECT p.id, p.text, p.heading, d.title, d.doc_type FROM passages p "
            f"JOIN documents d ON d.id = p.document_id WHERE p.id IN ({marks})",
            chunk,
        ).fetchall()
        for pid, text, heading, title, doc_type in rows:
            texts[pid] = {"text": text, "heading": heading or "", "title": title or "", "doc_type": doc_type or ""}
    return texts


def machine_suggestions(store: Store) -> dict[int, dict[str, Any]]:
    """The machine's current codes per coded passage (from `current` suggestions), as a coder's decision would read.

    Only passages some coder has decided are read (that is all reliability compares).  When
    current rows come from several sources for one passage, the newest run's rows are used.
    """
    marks = ",".join("?" * len(DECISION_ACTIONS))
    rows = store.db.execute(
        f"""
SELECT s.passage_id, s.code, s.selected, s.source, coalesce(s.run_id, 0) AS run
FROM suggestions s
WHERE s.current = 1
  AND s.passage_id IN (SELECT passage_id FROM codings WHERE action IN ({marks}))
ORDER BY s.passage_id, run""",
        DECISION_ACTIONS,
    ).fetchall()
    by_passage: dict[int, dict[str, Any]] = {}
    for passage_id, code, selected, source, run in rows:
        entry = by_passage.get(passage_id)
        if entry is None or run > entry["run"]:
            entry = by_passage[passage_id] = {"run": run, "source": source, "selected": set()}
        if run == entry["run"] and selected:
            entry["selected"].add(code)
    machine = {}
    for passage_id, entry in by_passage.items():
        selected = entry["selected"]
        machine[passage_id] = {
            "passage_id": passage_id,
            "source": entry["source"],
            "reform": "reform" in selected,
            "areas": sorted(c.removeprefix("area.") for c in selected if c.startswith("area.")),
            "framing": framing_of_codes(selected),
        }
    return machine


def undecided_passages(store: Store, limit: int | None = None) -> list[tuple[int, str]]:
    """(id, text) of passages no coder has decided and no one has adjudicated yet."""
    marks = ",".join("?" * len(DECISION_ACTIONS))
    sql = f"""
SELECT p.id, p.text FROM passages p
WHERE NOT EXISTS (
    SELECT 1 FROM standing_codings c WHERE c.passage_id = p.id AND c.action IN ({marks}, 'adjudicate')
)
ORDER BY p.id"""
    params: list[Any] = list(DECISION_ACTIONS)
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return store.db.execute(sql, params).fetchall()
