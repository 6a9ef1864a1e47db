"""How long `lhl train` takes: a full training from a database of coded passages, and a retrain after one sitting.

    python bench/bench_train.py [--passages 259 1000 2000] [--sitting 50]

Builds a temporary database whose passages are gold_train texts (read in place
from ../shared/data; beyond 259 passages the texts repeat with a numbered
suffix, so sizes above that measure speed, not quality), codes them as one
coder would, and times `train_model` from the coders' decisions: the first
training with 5-fold cross-validation, then the quick retrain (`lhl train
--quick`: no cross-validation, rules blend kept) after a sitting of
`--sitting` more decisions, which is what a team runs between sittings.
Prints seconds per phase.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from lhl_mining.learn.coded import coded_passages
from lhl_mining.learn.dataset import read_gold
from lhl_mining.learn.labellers import default_rule_labeller
from lhl_mining.learn.train import train_model
from lhl_mining.store import Store

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO.parent / "shared" / "data" / "gold_train.jsonl"
NOW = "2026-11-01T10:00:00+00:00"


def build_db(path: Path, n: int) -> tuple[Store, list[tuple[int, dict]]]:
    gold = read_gold(GOLD)
    store = Store.open(path, create=True)
    doc = (
        store.db["documents"]
        .insert({"platform": "bench", "url": f"https://bench.example/{n}", "created_at": NOW, "updated_at": NOW})
        .last_pk
    )
    rows = []
    for i in range(n):
        g = gold[i % len(gold)]
        text = g.text if i < len(gold) else f"{g.text} ({i // len(gold)})"
        pid = (
            store.db["passages"]
            .insert(
                {
                    "document_id": doc,
                    "seq": i,
                    "char_start": 0,
                    "char_end": len(text),
                    "text": text,
                    "text_sha1": str(i),
                    "created_at": NOW,
                }
            )
            .last_pk
        )
        rows.append((pid, g.as_dict()))
    return store, rows


def code(store: Store, rows) -> None:
    store.db["codings"].insert_all(
        {
            "passage_id": pid,
            "coder": "ana",
            "coded_at": NOW,
            "action": "code",
            "reform": int(g["reform"]),
            "areas": json.dumps(g["areas"]),
            "framing": g["framing"],
        }
        for pid, g in rows
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, nargs="+", default=[259, 1000])
    parser.add_argument("--sitting", type=int, default=50)
    args = parser.parse_args()
    rules = default_rule_labeller()
    print(f"{'passages':>9} {'phase':<26} {'seconds':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.passages:
            store, rows = build_db(Path(tmp) / f"bench{n}.db", n + args.sitting)
            first, sitting = rows[:n], rows[n:]
            code(store, first)
            previous = None
            phases = (("train (5-fold CV)", None), (f"quick retrain after +{args.sitting}", sitting))
            for label, batch in phases:
                if batch:
                    code(store, batch)
                started = time.perf_counter()
                passages = coded_passages(store).passages
                read = time.perf_counter() - started
                trained = train_model(
                    passages,
                    name=f"bench-{n}-{len(passages)}",
                    models_dir=Path(tmp) / "models",
                    rules=rules,
                    source="bench",
                    cv_folds=0 if previous else 5,
                    reuse_blend_of=previous,
                )
                previous = trained
                total = time.perf_counter() - started
                print(
                    f"{len(passages):>9} {label:<26} {total:>8.1f}  (reading codings {read:.2f} s, "
                    f"model {trained.meta['file_bytes'] / 1e6:.2f} MB)",
                    flush=True,
                )
            store.close()


if __name__ == "__main__":
    main()
