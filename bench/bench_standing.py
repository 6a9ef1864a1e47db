"""Speed of every reader of a coder's standing decision, on a database with many coding rows.

    python bench/bench_standing.py [--passages 20000] [--codings 50000] [--db bench-standing.db] [--keep]

Builds passages and a realistic mix of coding rows (four coders deciding, revising,
skipping and undoing; double-coded passages; adjudications and their undos), then
times the review screens' queries (per-passage lookups, the undo target, progress
counts, the adjudication list, blind samples), the learning readers and the search
filter on human codes.  Each reader runs several times; the best time is printed, in ms (other work on the machine only adds).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lhl_mining.search.find import Filters
from lhl_mining.store import Store, learning, utcnow
from lhl_mining.store import review as sql

CODERS = ("anne", "bjorn", "cora", "dag")
AREAS = ("aldersvennlig", "aktivitet", "mat", "helsehjelp", "sammenheng")


def build(db_path: Path, n_passages: int, n_codings: int) -> None:
    rng = random.Random(11)
    now = utcnow()
    with Store.open(db_path, create=True) as store:
        doc_id = (
            store.db["documents"]
            .insert(
                {
                    "platform": "acos",
                    "url": "https://x.example/1.pdf",
                    "status": "extracted",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            .last_pk
        )
        store.db["passages"].insert_all(
            (
                {
                    "id": pid,
                    "document_id": doc_id,
                    "seq": pid,
                    "char_start": 0,
                    "char_end": 10,
                    "text": f"passasje {pid}",
                    "text_sha1": hashlib.sha1(str(pid).encode()).hexdigest(),
                    "created_at": now,
                }
                for pid in range(1, n_passages + 1)
            ),
            batch_size=5000,
        )
        double = rng.sample(range(1, n_passages + 1), n_passages // 10)
        store.db["assignments"].insert_all(
            {"passage_id": pid, "coder": coder, "kind": "double", "assigned_at": now}
            for pid in double
            for coder in rng.sample(CODERS, 2)
        )
        rows: list[dict] = []
        standing: dict[tuple[int, str], list[int]] = {}
        while len(rows) < n_codings:
            pid, coder = rng.randint(1, n_passages), rng.choice(CODERS)
            roll = rng.random()
            mine = standing.setdefault((pid, coder), [])
            row = {"id": len(rows) + 1, "passage_id": pid, "coder": coder, "coded_at": now, "blind": 0}
            if roll < 0.05 and mine:
                row |= {"action": "undo", "undoes_id": mine.pop()}
            elif roll < 0.08:
                row |= {"action": "adjudicate", "coder": "lead", "reform": 1, "areas": '["mat"]', "framing": "sektor"}
            else:
                action = rng.choice(("code", "code", "accept", "not_relevant", "skip"))
                codes = {"reform": rng.randint(0, 1), "areas": json.dumps(rng.sample(AREAS, 2)), "framing": "sektor"}
                row |= {"action": action, **(codes if action in ("code", "accept") else {})}
                mine.append(row["id"])
            rows.append(row)
        store.db["codings"].insert_all(rows, batch_size=5000, alter=False)


def timed(name: str, reader: Callable[[], object], repeat: int) -> None:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        reader()
        times.append((time.perf_counter() - start) * 1000)
    print(f"{name:38s} {min(times):9.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=20000)
    parser.add_argument("--codings", type=int, default=50000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the database (and reuse it when it exists)")
    args = parser.parse_args()
    db_path = args.db or Path(tempfile.mkdtemp()) / "bench-standing.db"
    if not (args.keep and db_path.exists()):
        db_path.unlink(missing_ok=True)
        build(db_path, args.passages, args.codings)
    rng = random.Random(3)
    lookups = [(rng.randint(1, args.passages), rng.choice(CODERS)) for _ in range(200)]
    human_code = Filters(code="area.mat")
    with Store.open(db_path) as store:

        def search_filter() -> object:
            clauses, params = human_code.where()
            return store.db.execute(
                f"SELECT count(*) FROM passages p JOIN documents d ON d.id = p.document_id "
                f"LEFT JOIN kommuner k ON k.knr = d.knr WHERE {' AND '.join(clauses)}",
                params,
            ).fetchone()

        timed("review.standing_row x200", lambda: [sql.standing_row(store, p, c) for p, c in lookups], args.repeat)
        timed("review.latest_undoable x4", lambda: [sql.latest_undoable(store, c) for c in CODERS], args.repeat)
        timed("review.coder_counts", lambda: sql.coder_counts(store), args.repeat)
        timed("review.coder_counts(viewer)", lambda: sql.coder_counts(store, viewer="anne"), args.repeat)
        timed("review.blind_undecided", lambda: sql.blind_undecided(store, "anne"), args.repeat)
        timed("review.multi_coded", lambda: sql.multi_coded(store), args.repeat)
        timed("learning.coder_decisions", lambda: learning.coder_decisions(store), args.repeat)
        timed("learning.adjudications", lambda: learning.adjudications(store), args.repeat)
        timed("learning.undecided_passages", lambda: learning.undecided_passages(store), args.repeat)
        timed("search filter --code area.mat", search_filter, args.repeat)
    if not args.keep:
        db_path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
