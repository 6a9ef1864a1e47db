"""What the integrity check before every writing command costs on a large store.

    python bench/bench_integrity.py [--mb 1024] [--db bench-integrity.db] [--keep]

Builds a store of about `--mb` MB in the real schema (documents and passages
with their text and indexes), then times, each in a fresh process so the
file is read as a new command reads it:

- a read-only open (`lhl status`'s open: no check),
- a writing open (`Store.open`: `PRAGMA quick_check`, once per process and file),
- `PRAGMA quick_check` and `PRAGMA integrity_check` alone.

Prints seconds and the ratio of the writing open to the read-only one; the
numbers in docs/robustness.md come from this script (on a loaded machine, so
read the ratios).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lhl_mining.store import Store, utcnow

TEXT = (
    "Kommunestyret vedtar at kvalitetsreformen «Leve hele livet» skal forankres i kommuneplanens samfunnsdel, "
    "med tiltak for et aldersvennlig samfunn, måltider, aktivitet og sammenheng i tjenestene. "
) * 8


def build(path: Path, megabytes: int) -> None:
    """Documents of 100 passages (~1.7 KB each) until the file has `megabytes`."""
    now = utcnow()
    with Store.open(path, create=True) as store:
        doc = 0
        while path.stat().st_size < megabytes * 1024 * 1024:
            with store.db.atomic():
                for _ in range(50):
                    doc += 1
                    doc_id = (
                        store.db["documents"]
                        .insert(
                            {
                                "knr": "3403",
                                "platform": "acos",
                                "url": f"https://bench.example/{doc}.pdf",
                                "title": f"Saksframlegg {doc}",
                                "status": "extracted",
                                "created_at": now,
                                "updated_at": now,
                            }
                        )
                        .last_pk
                    )
                    rows = []
                    for seq in range(100):
                        text = f"{doc}-{seq} {TEXT}"
                        rows.append(
                            {
                                "document_id": doc_id,
                                "seq": seq,
                                "char_start": seq * 2000,
                                "char_end": seq * 2000 + len(text),
                                "text": text,
                                "n_words": len(text.split()),
                                "text_sha1": hashlib.sha1(text.encode()).hexdigest(),
                                "created_at": now,
                            }
                        )
                    store.db["passages"].insert_all(rows)
            store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def timed(code: str, db: Path) -> float:
    """Seconds `code` takes in a fresh Python process (imports excluded)."""
    script = (
        "import sys, time\nfrom lhl_mining.store import Store\nimport sqlite3\n"
        "db = sys.argv[1]\nstart = time.perf_counter()\n" + code + "\nprint(time.perf_counter() - start)"
    )
    out = subprocess.run([sys.executable, "-c", script, str(db)], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


CASES = {
    "read-only open (no check)": "Store.open(db, readonly=True).close()",
    "writing open (quick_check)": "Store.open(db).close()",
    "PRAGMA quick_check": "sqlite3.connect(db).execute('PRAGMA quick_check').fetchall()",
    "PRAGMA integrity_check": "sqlite3.connect(db).execute('PRAGMA integrity_check').fetchall()",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--keep", action="store_true", help="Keep the database (reused by the next run with --db).")
    args = parser.parse_args()
    db = args.db or Path(tempfile.mkdtemp()) / "bench-integrity.db"
    if not db.exists():
        started = time.perf_counter()
        build(db, args.mb)
        print(f"built {db.stat().st_size / 2**20:.0f} MB in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    results = {}
    for name, code in CASES.items():
        results[name] = min(timed(code, db) for _ in range(2))  # the second run reads from the page cache
        print(f"{name:30s} {results[name]:7.2f} s", flush=True)
    ratio = results["writing open (quick_check)"] / max(results["read-only open (no check)"], 1e-6)
    print(
        json.dumps(
            {
                "mb": round(db.stat().st_size / 2**20),
                **{k: round(v, 3) for k, v in results.items()},
                "writing_open_over_readonly_open": round(ratio, 1),
            }
        )
    )
    if not args.keep and not args.db:
        db.unlink()


if __name__ == "__main__":
    main()
