"""SQL for the coding review: passages to show, human decisions, double-coding assignments, adjudication.

Every write is one short ``BEGIN IMMEDIATE`` transaction that first checks that what
the coder saw is still true (the passage exists, its machine suggestions are the
ones shown, the coder's last row for it is the one the screen was drawn from), so
several coders and browser tabs on one database neither lose nor double a decision.

A coder's decision on a passage is their latest row that is not undone (view
`standing_codings`, the one place that rule is written); `skip` rows carry no codes,
`adjudicate` rows are the final code of a passage.
"""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..codebook import AREAS, framing_of_codes
from ..codebook import FRAMINGS as FRAMINGS  # the review screens take the code sets from here (`sql.FRAMINGS`)
from ..errors import DecisionConflict, NothingToUndo, StaleSuggestion, UnknownPassage
from . import Store, begin_immediate, utcnow

DECISIONS = ("code", "accept", "not_relevant")
CODER_ACTIONS = ("code", "accept", "not_relevant", "skip")


@dataclass(frozen=True)
class Codes:
    """The codes of one passage: reform mention, focus areas (in codebook order) and framing."""

    reform: bool
    areas: tuple[str, ...]
    framing: str

    @classmethod
    def of(cls, reform: bool, areas: Sequence[str], framing: str) -> Codes:
        return cls(bool(reform), tuple(a for a in AREAS if a in set(areas)), framing)

    def as_dict(self) -> dict[str, Any]:
        return {"reform": self.reform, "areas": list(self.areas), "framing": self.framing}


NOT_RELEVANT = Codes(False, (), "ingen")


def suggested_codes(suggestions: Sequence[dict[str, Any]]) -> Codes | None:
    """The machine's codes as a coder would enter them, from current `suggestions` rows (None when untagged)."""
    if not suggestions:
        return None
    selected = {s["code"] for s in suggestions if s["selected"]}
    areas = [c[len("area.") :] for c in selected if c.startswith("area.")]
    return Codes.of("reform" in selected, areas, framing_of_codes(selected))


def codes_of_row(row: dict[str, Any]) -> Codes | None:
    """Codes stored in a `codings` row (None for skip and undo rows)."""
    if row["reform"] is None:
        return None
    return Codes.of(bool(row["reform"]), json.loads(row["areas"] or "[]"), row["framing"] or "ingen")


@contextlib.contextmanager
def _immediate(store: Store) -> Iterator[sqlite3.Connection]:
    """One write transaction that takes the write lock first, so its checks and its insert see the same data."""
    conn = store.db.conn
    if conn.in_transaction:
        conn.commit()
    begin_immediate(conn)
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    else:
        conn.commit()


def _dicts(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


# ---------------------------------------------------------------- reading passages
def passage_context(store: Store, passage_id: int) -> dict[str, Any] | None:
    """A passage with its document and kommune (None when there is no such passage)."""
    return store.first(
        """
SELECT p.id, p.document_id, p.seq, p.text, p.page_no, p.heading, p.char_start, p.char_end, p.n_words,
       d.title, d.doc_type, d.url, d.knr, d.platform, d.utvalg, d.saksnr, d.meeting_date, d.doc_date,
       d.n_pages, k.name AS kommune, k.county,
       s.title AS section_title, s.saksnr AS section_saksnr,
       (SELECT count(*) FROM passages q WHERE q.document_id = p.document_id) AS n_passages
FROM passages p
JOIN documents d ON d.id = p.document_id
LEFT JOIN kommuner k ON k.knr = d.knr
LEFT JOIN sections s ON s.id = p.section_id
WHERE p.id = ?""",
        [passage_id],
    )


def current_suggestions(store: Store, passage_id: int) -> list[dict[str, Any]]:
    """The passage's current machine suggestions, evidence parsed (bad evidence JSON reads as none)."""
    rows = _dicts(
        store.db.execute(
            "SELECT id, code, score, selected, evidence, source, codebook_version, pipeline, run_id "
            "FROM suggestions WHERE passage_id = ? AND current = 1 ORDER BY code",
            [passage_id],
        )
    )
    for row in rows:
        try:
            evidence = json.loads(row["evidence"] or "[]")
        except json.JSONDecodeError:
            evidence = []
        row["evidence"] = [e for e in evidence if isinstance(e, dict)] if isinstance(evidence, list) else []
    return rows


def suggestion_version(suggestions: Sequence[dict[str, Any]]) -> int:
    """Identifies the suggestions a screen showed: re-tagging replaces the rows, so the newest id changes."""
    return max((s["id"] for s in suggestions), default=0)


def neighbour_passages(store: Store, passage_id: int, around: int = 2) -> list[dict[str, Any]]:
    """The passages just before and after this one in its document (the passage itself included, flagged)."""
    return _dicts(
        store.db.execute(
            """
SELECT q.id, q.seq, q.page_no, q.heading, q.text, q.id = p.id AS is_current
FROM passages p JOIN passages q ON q.document_id = p.document_id AND q.seq BETWEEN p.seq - ? AND p.seq + ?
WHERE p.id = ? ORDER BY q.seq""",
            [around, around, passage_id],
        )
    )


def queue_rows(store: Store) -> list[tuple]:
    """Every passage with what the queues sort and filter on.

    Rows: (passage_id, document_id, seq, knr, doc_type, margin, selected codes, noise).  `margin`
    is the smallest distance of any current suggestion score from 0.5 (small = the machine is
    unsure); None when the passage has no suggestions yet.  `noise` says why ingest took the
    passage for page furniture (letterhead, map), else None.
    """
    return store.db.execute(
        """
SELECT p.id, p.document_id, p.seq, d.knr, d.doc_type, s.margin, s.codes, p.noise
FROM passages p
JOIN documents d ON d.id = p.document_id
LEFT JOIN (
    SELECT passage_id, min(abs(score - 0.5)) AS margin,
           group_concat(CASE WHEN selected THEN code END, ' ') AS codes
    FROM suggestions WHERE current = 1 GROUP BY passage_id
) s ON s.passage_id = p.id"""
    ).fetchall()


def data_marks(store: Store) -> tuple[int, int]:
    """Cheap change markers for passages and suggestions (their newest ids)."""
    row = store.db.execute(
        "SELECT (SELECT coalesce(max(id), 0) FROM passages), (SELECT coalesce(max(id), 0) FROM suggestions)"
    ).fetchone()
    return row[0], row[1]


def codings_after(store: Store, last_id: int) -> list[tuple[int, int, str, str, int | None]]:
    """Rows (id, passage_id, coder, action, undoes_id) newer than `last_id`, oldest first."""
    return store.db.execute(
        "SELECT id, passage_id, coder, action, undoes_id FROM codings WHERE id > ? ORDER BY id", [last_id]
    ).fetchall()


def double_assignments_after(store: Store, last_id: int) -> list[tuple[int, int, str]]:
    """Double-coding assignments (id, passage_id, coder) newer than `last_id`."""
    return store.db.execute(
        "SELECT id, passage_id, coder FROM assignments WHERE kind = 'double' AND id > ? ORDER BY id", [last_id]
    ).fetchall()


def facets(store: Store) -> dict[str, list[tuple[str, str, int]]]:
    """Values the queue filters offer: kommuner and document types that have passages, with counts."""
    kommuner = store.db.execute(
        """
SELECT d.knr, coalesce(k.name, d.knr), count(*) FROM passages p JOIN documents d ON d.id = p.document_id
LEFT JOIN kommuner k ON k.knr = d.knr WHERE d.knr IS NOT NULL GROUP BY d.knr ORDER BY 2"""
    ).fetchall()
    doc_types = store.db.execute(
        """
SELECT coalesce(d.doc_type, ''), coalesce(d.doc_type, '(unknown)'), count(*)
FROM passages p JOIN documents d ON d.id = p.document_id GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    return {"kommuner": kommuner, "doc_types": doc_types}


# ---------------------------------------------------------------- a coder's rows
def latest_row(store: Store, passage_id: int, coder: str) -> dict[str, Any] | None:
    """The coder's newest row of any action for a passage (what the next write must be based on)."""
    return store.first(
        "SELECT * FROM codings WHERE passage_id = ? AND coder = ? AND action != 'adjudicate' ORDER BY id DESC LIMIT 1",
        [passage_id, coder],
    )


def standing_row(
    store: Store, passage_id: int, coder: str, actions: Sequence[str] = CODER_ACTIONS
) -> dict[str, Any] | None:
    """The coder's standing row on the passage, when its action is one of `actions`."""
    marks = ",".join("?" * len(actions))
    return store.first(
        f"SELECT * FROM standing_codings WHERE passage_id = ? AND coder = ? AND action IN ({marks}) "
        "ORDER BY id DESC LIMIT 1",
        [passage_id, coder, *actions],
    )


def latest_undoable(store: Store, coder: str, actions: Sequence[str] = CODER_ACTIONS) -> dict[str, Any] | None:
    """The coder's newest standing row with one of `actions` (what `u` takes back)."""
    return _latest_undoable(store.db.conn, coder, actions)


def _latest_undoable(conn: sqlite3.Connection, coder: str, actions: Sequence[str]) -> dict[str, Any] | None:
    marks = ",".join("?" * len(actions))
    rows = _dicts(
        conn.execute(
            f"SELECT * FROM standing_codings WHERE coder = ? AND action IN ({marks}) ORDER BY id DESC LIMIT 1",
            [coder, *actions],
        )
    )
    return rows[0] if rows else None


def recent_rows(store: Store, coder: str, limit: int = 12) -> list[dict[str, Any]]:
    """The coder's newest coding rows (not adjudications) with a short excerpt of each passage, undone rows flagged."""
    return _dicts(
        store.db.execute(
            """
SELECT c.id, c.passage_id, c.coded_at, c.action, c.reform, c.areas, c.framing, c.memo, c.undoes_id, c.blind,
       substr(p.text, 1, 90) AS excerpt,
       EXISTS (SELECT 1 FROM codings u WHERE u.undoes_id = c.id) AS undone
FROM codings c JOIN passages p ON p.id = c.passage_id
WHERE c.coder = ? AND c.action != 'adjudicate' ORDER BY c.id DESC LIMIT ?""",
            [coder, limit],
        )
    )


def is_blind(store: Store, passage_id: int, coder: str) -> bool:
    """Whether the passage is in the coder's double-coding sample (their codes are then blind)."""
    return (
        store.db.execute(
            "SELECT 1 FROM assignments WHERE passage_id = ? AND coder = ? AND kind = 'double'", [passage_id, coder]
        ).fetchone()
        is not None
    )


# ---------------------------------------------------------------- writes
def record_decision(
    store: Store,
    *,
    passage_id: int,
    coder: str,
    action: str,
    codes: Codes | None,
    memo: str | None,
    shown_version: int,
    base_id: int,
) -> dict[str, Any]:
    """Write one coder row (code, accept, not_relevant or skip) if the screen it came from is still current."""
    with _immediate(store) as conn:
        if conn.execute("SELECT 1 FROM passages WHERE id = ?", [passage_id]).fetchone() is None:
            raise UnknownPassage(f"There is no passage {passage_id} (it may have been re-ingested); nothing was saved.")
        suggestions = conn.execute(
            "SELECT id, run_id, source, codebook_version FROM suggestions WHERE passage_id = ? AND current = 1",
            [passage_id],
        ).fetchall()
        version = max((s[0] for s in suggestions), default=0)
        if version != shown_version:
            raise StaleSuggestion(
                f"The machine suggestion for passage {passage_id} changed after it was shown (it was re-tagged); "
                "nothing was saved. Look at the passage again."
            )
        latest = (
            conn.execute(
                "SELECT max(id) FROM codings WHERE passage_id = ? AND coder = ? AND action != 'adjudicate'",
                [passage_id, coder],
            ).fetchone()[0]
            or 0
        )
        if latest != base_id:
            raise DecisionConflict(
                f"{coder}'s decision on passage {passage_id} changed after this screen was drawn "
                "(another tab, or the key was pressed twice); nothing was saved."
            )
        blind = (
            conn.execute(
                "SELECT 1 FROM assignments WHERE passage_id = ? AND coder = ? AND kind = 'double'", [passage_id, coder]
            ).fetchone()
            is not None
        )
        run_ids = sorted({s[1] for s in suggestions if s[1] is not None})
        sources = sorted({f"{s[2]}; codebook {s[3]}" for s in suggestions})
        row = {
            "passage_id": passage_id,
            "coder": coder,
            "coded_at": utcnow(),
            "action": action,
            "reform": None if codes is None else int(codes.reform),
            "areas": None if codes is None else json.dumps(list(codes.areas), ensure_ascii=False),
            "framing": None if codes is None else codes.framing,
            "memo": memo or None,
            "answered_run_id": run_ids[-1] if run_ids else None,
            "answered_source": " + ".join(sources) or None,
            "undoes_id": None,
            "blind": int(blind),
        }
        row["id"] = _insert(conn, row)
    return row


def record_undo(store: Store, *, coder: str, target_id: int, actions: Sequence[str] = CODER_ACTIONS) -> dict[str, Any]:
    """Take back the coder's newest standing row, which the screen says is `target_id`."""
    with _immediate(store) as conn:
        target = _latest_undoable(conn, coder, actions)
        if target is None:
            raise NothingToUndo(f"{coder} has no decision left to undo.")
        if target["id"] != target_id:
            raise DecisionConflict(
                f"{coder}'s latest decision is no longer the one shown (it was undone or a newer one was made "
                "in another tab); nothing was changed."
            )
        return _insert_undo(conn, passage_id=target["passage_id"], coder=coder, target_id=target_id)


def _insert_undo(conn: sqlite3.Connection, *, passage_id: int, coder: str, target_id: int) -> dict[str, Any]:
    row = {
        "passage_id": passage_id,
        "coder": coder,
        "coded_at": utcnow(),
        "action": "undo",
        "reform": None,
        "areas": None,
        "framing": None,
        "memo": None,
        "answered_run_id": None,
        "answered_source": None,
        "undoes_id": target_id,
        "blind": 0,
    }
    row["id"] = _insert(conn, row)
    return row


def _insert(conn: sqlite3.Connection, row: dict[str, Any]) -> int:
    columns = [c for c in row if c != "id"]
    cursor = conn.execute(
        f"INSERT INTO codings ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [row[c] for c in columns],
    )
    assert cursor.lastrowid is not None  # an INSERT into a rowid table always sets it
    return cursor.lastrowid


# ---------------------------------------------------------------- double coding
def assign_double(
    store: Store,
    *,
    coders: Sequence[str],
    share: float,
    seed: int,
    run_id: int | None,
    knr: str | None = None,
    doc_type: str | None = None,
    code: str | None = None,
) -> dict[str, int]:
    """Put a random `share` of the matching passages in front of two coders each (kind 'double').

    Idempotent: passages already double-assigned count towards the share, so running it
    again adds nothing; raising the share adds only the difference.  Pairs are chosen so
    every coder gets about the same number of passages.
    """
    where, params = ["1"], []
    if knr:
        where.append("d.knr = ?")
        params.append(knr)
    if doc_type:
        where.append("d.doc_type = ?")
        params.append(doc_type)
    if code:
        where.append(
            "EXISTS (SELECT 1 FROM suggestions s WHERE s.passage_id = p.id AND s.current = 1 "
            "AND s.selected = 1 AND s.code = ?)"
        )
        params.append(code)
    population = [
        r[0]
        for r in store.db.execute(
            f"SELECT p.id FROM passages p JOIN documents d ON d.id = p.document_id WHERE {' AND '.join(where)} "
            "ORDER BY p.id",
            params,
        ).fetchall()
    ]
    with _immediate(store) as conn:
        existing = {
            r[0]: r[1]
            for r in conn.execute(
                "SELECT passage_id, count(*) FROM assignments WHERE kind = 'double' GROUP BY passage_id"
            ).fetchall()
        }
        load = {c: 0 for c in coders}
        for coder, n in conn.execute(
            "SELECT coder, count(*) FROM assignments WHERE kind = 'double' GROUP BY coder"
        ).fetchall():
            if coder in load:
                load[coder] = n
        already = [p for p in population if p in existing]
        target = round(share * len(population))
        candidates = [p for p in population if p not in existing]
        rng = random.Random(seed)
        chosen = sorted(rng.sample(candidates, max(0, min(len(candidates), target - len(already)))))
        now = utcnow()
        rows = []
        for passage_id in chosen:
            pair = sorted(coders, key=lambda c: (load[c], rng.random()))[:2]
            for coder in pair:
                load[coder] += 1
                rows.append((passage_id, coder, "double", now, run_id))
        conn.executemany(
            "INSERT OR IGNORE INTO assignments (passage_id, coder, kind, assigned_at, run_id) VALUES (?, ?, ?, ?, ?)",
            rows,
        )
    return {"population": len(population), "target": target, "already": len(already), "added": len(chosen)}


# ---------------------------------------------------------------- adjudication
def multi_coded(store: Store) -> list[dict[str, Any]]:
    """Passages with decisions from two or more coders: each coder's standing codes and the final code.

    Each item: passage_id, excerpt, coders ({coder: {codes, action, blind, memo, id}}),
    assigned (double-coding coders), final (the standing adjudicate row or None).
    """
    rows = _dicts(
        store.db.execute(
            """
WITH multi AS (
    SELECT passage_id FROM codings WHERE action IN ('code', 'accept', 'not_relevant')
    GROUP BY passage_id HAVING count(DISTINCT coder) >= 2
    UNION SELECT passage_id FROM assignments WHERE kind = 'double'
)
SELECT m.passage_id AS item, s.* FROM multi m LEFT JOIN standing_codings s ON s.passage_id = m.passage_id
ORDER BY m.passage_id, s.id"""
        )
    )
    assigned: dict[int, list[str]] = {}
    for passage_id, coder in store.db.execute(
        "SELECT passage_id, coder FROM assignments WHERE kind = 'double' ORDER BY passage_id, coder"
    ).fetchall():
        assigned.setdefault(passage_id, []).append(coder)
    items: dict[int, dict[str, Any]] = {}
    for row in rows:
        passage_id = row.pop("item")
        item = items.setdefault(
            passage_id,
            {"passage_id": passage_id, "coders": {}, "assigned": assigned.get(passage_id, []), "final": None},
        )
        if row["id"] is None:  # every row on the passage was undone
            continue
        if row["lane"] == "adjudicate":  # the newest adjudication comes last
            item["final"] = row
        else:
            item["coders"][row["coder"]] = row
    for passage_id, coders in assigned.items():
        items.setdefault(passage_id, {"passage_id": passage_id, "coders": {}, "assigned": coders, "final": None})
    return [items[k] for k in sorted(items)]


def claim_lease(
    store: Store, passage_id: int, coder: str, seconds: float, *, force: bool = False
) -> tuple[str, float] | None:
    """Hold the passage on the coder's screen for every review server on this file (one passage per coder);
    returns (coder, until) of another coder's unexpired hold instead of taking it, unless `force` (the coder's
    own sample or skipped passages)."""
    now = time.time()
    with _immediate(store) as conn:
        held = conn.execute("SELECT coder, until FROM leases WHERE passage_id = ?", [passage_id]).fetchone()
        if held and held[0] != coder and held[1] > now and not force:
            return held[0], held[1]
        conn.execute("DELETE FROM leases WHERE coder = ? OR until < ?", [coder, now])
        conn.execute(
            "INSERT OR REPLACE INTO leases (passage_id, coder, until) VALUES (?, ?, ?)",
            [passage_id, coder, now + seconds],
        )
    return None


def known_coders(store: Store) -> set[str]:
    """Every coder name with a row or an assignment (on a non-local server they sign in with their own token)."""
    return {r[0] for r in store.db.execute("SELECT coder FROM codings UNION SELECT coder FROM assignments")}


def blind_undecided(store: Store, coder: str) -> list[int]:
    """Passages of the coder's blind sample without their standing decision: others' codes there stay hidden."""
    return [
        r[0]
        for r in store.db.execute(
            """
SELECT a.passage_id FROM assignments a WHERE a.coder = ? AND a.kind = 'double' AND NOT EXISTS (
    SELECT 1 FROM standing_codings c WHERE c.passage_id = a.passage_id AND c.coder = a.coder
    AND c.action IN ('code', 'accept', 'not_relevant'))""",
            [coder],
        )
    ]


def double_sample_of(store: Store, coder: str) -> list[int]:
    """Passages of the coder's own double-coding sample (kept out of their adjudication screen)."""
    return [
        r[0]
        for r in store.db.execute(
            "SELECT passage_id FROM assignments WHERE coder = ? AND kind = 'double' ORDER BY passage_id", [coder]
        )
    ]


def record_adjudication(
    store: Store, *, passage_id: int, adjudicator: str, codes: Codes, memo: str | None, base_id: int
) -> dict[str, Any]:
    """Write the final code of a passage, if nobody adjudicated it since the screen was drawn."""
    with _immediate(store) as conn:
        if conn.execute("SELECT 1 FROM passages WHERE id = ?", [passage_id]).fetchone() is None:
            raise UnknownPassage(f"There is no passage {passage_id}; nothing was saved.")
        latest = _latest_final_row_id(conn, passage_id)
        if latest != base_id:
            raise DecisionConflict(
                f"Passage {passage_id} was adjudicated (or undone) after this screen was drawn; nothing was saved."
            )
        row = _adjudicate_row(passage_id, adjudicator, codes, memo)
        row["id"] = _insert(conn, row)
    return row


def record_unanimous(store: Store, *, adjudicator: str, passages: Sequence[tuple[int, Codes, int]]) -> int:
    """Adopt the codes all coders agreed on as final, for (passage_id, codes, base_id) not adjudicated since."""
    written = 0
    with _immediate(store) as conn:
        for passage_id, codes, base_id in passages:
            if _latest_final_row_id(conn, passage_id) != base_id:
                continue
            _insert(conn, _adjudicate_row(passage_id, adjudicator, codes, "unanimous"))
            written += 1
    return written


def undo_adjudication(store: Store, *, adjudicator: str, target_id: int) -> dict[str, Any]:
    """Take back the final code of the passage shown (`target_id`, the adjudicator's own), whichever passage
    the adjudicator decided last."""
    with _immediate(store) as conn:
        target = conn.execute(
            "SELECT passage_id FROM codings WHERE id = ? AND action = 'adjudicate' AND coder = ?",
            [target_id, adjudicator],
        ).fetchone()
        if target is None:
            raise NothingToUndo(f"{adjudicator} has no final code {target_id} to undo.")
        standing = conn.execute(
            "SELECT max(id) FROM standing_codings WHERE passage_id = ? AND lane = 'adjudicate'", [target[0]]
        ).fetchone()[0]
        if standing != target_id:
            raise DecisionConflict(
                f"The final code of passage {target[0]} is no longer the one shown (undone or replaced since); "
                "nothing was changed."
            )
        return _insert_undo(conn, passage_id=target[0], coder=adjudicator, target_id=target_id)


def _latest_final_row_id(conn: sqlite3.Connection, passage_id: int) -> int:
    return conn.execute(
        """
SELECT coalesce(max(c.id), 0) FROM codings c WHERE c.passage_id = ? AND (c.action = 'adjudicate'
OR (c.action = 'undo' AND c.undoes_id IN (SELECT id FROM codings WHERE passage_id = ? AND action = 'adjudicate')))""",
        [passage_id, passage_id],
    ).fetchone()[0]


def latest_final_row_id(store: Store, passage_id: int) -> int:
    """Id of the passage's newest adjudicate row or undo of one (0 if none): what an adjudication is based on."""
    return _latest_final_row_id(store.db.conn, passage_id)


def _adjudicate_row(passage_id: int, adjudicator: str, codes: Codes, memo: str | None) -> dict[str, Any]:
    return {
        "passage_id": passage_id,
        "coder": adjudicator,
        "coded_at": utcnow(),
        "action": "adjudicate",
        "reform": int(codes.reform),
        "areas": json.dumps(list(codes.areas), ensure_ascii=False),
        "framing": codes.framing,
        "memo": memo or None,
        "answered_run_id": None,
        "answered_source": None,
        "undoes_id": None,
        "blind": 0,
    }


# ---------------------------------------------------------------- progress
def coder_counts(store: Store, viewer: str | None = None) -> list[dict[str, Any]]:
    """Each coder's standing row per passage (a revised decision counts once, undone rows not at all), by action,
    plus those made today (UTC).  For a `viewer`, other coders' rows on the viewer's blind passages that the
    viewer has not decided yet are left out: watching the tallies move must not tell them another's codes."""
    today = utcnow()[:10]
    hidden = blind_undecided(store, viewer) if viewer else []
    return _dicts(
        store.db.execute(
            """
SELECT c.coder,
       sum(c.action = 'accept') AS accept, sum(c.action = 'code') AS code,
       sum(c.action = 'not_relevant') AS not_relevant, sum(c.action = 'skip') AS skip,
       sum(c.action = 'adjudicate') AS adjudicate,
       sum(c.action IN ('code', 'accept', 'not_relevant')) AS decided,
       sum(c.action IN ('code', 'accept', 'not_relevant') AND substr(c.coded_at, 1, 10) = ?) AS today,
       sum(c.blind AND c.action IN ('code', 'accept', 'not_relevant')) AS blind,
       min(c.coded_at) AS first_at, max(c.coded_at) AS last_at
FROM standing_codings c
WHERE c.coder = ? OR c.passage_id NOT IN (SELECT value FROM json_each(?))
GROUP BY c.coder ORDER BY c.coder""",
            [today, viewer or "", json.dumps(hidden)],
        )
    )


def assignment_counts(store: Store) -> dict[str, int]:
    """Double-coding assignments per coder."""
    return dict(
        store.db.execute(
            "SELECT coder, count(*) FROM assignments WHERE kind = 'double' GROUP BY coder ORDER BY coder"
        ).fetchall()
    )
