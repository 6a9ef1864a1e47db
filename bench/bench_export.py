"""Time every export format (and the report) on a project of 100,000 passages; print peak memory too.

    python bench/bench_export.py [--passages 100000] [--db bench-export.db] [--only xlsx,report]

Builds a database in the real schema (2,000 documents in 100 kommuner, a current
suggestion per passage and code, 15 % of passages double-coded with some
adjudicated, decisions read from the texts as ingest reads them), then runs
each export in its own process so the peak RSS printed is that export's own.
Each time is also printed as a ratio to the passage-level csv export of the
same run, which is what to compare on a loaded machine.
Target: every tabular export and the report at most 30 s, memory bounded (not
growing with the number of passages).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lhl_mining import registry
from lhl_mining.codebook import AREAS
from lhl_mining.decisions import build as decisions
from lhl_mining.store import Store, utcnow

SENTENCES = [
    "Kommunen skal bli et aldersvennlig samfunn der eldre kan bidra 👵🏼.",
    "Leve hele livet er en kvalitetsreform for eldre som skal gi flere gode leveår.",
    "Måltidene på sykehjemmet skal bli bedre, og mat og måltider er en del av reformen.",
    "Hverdagsrehabilitering gir mestring og færre innleggelser i helse- og omsorgstjenestene.",
    "Pårørende skal få en fast kontaktperson ved overganger i tjenestene.",
    "Frivillige og lag og foreninger inviteres til å skape møteplasser på tvers av generasjoner.",
    "Bemanningen i hjemmetjenesten økes med tre årsverk i økonomiplanperioden.",
    "Planen skal rulleres hvert år i forbindelse med handlings- og økonomiplanen.",
]
CODES = [
    "reform",
    "reform.successor",
    "area.aldersvennlig",
    "area.aktivitet",
    "area.mat",
    "area.helsehjelp",
    "area.sammenheng",
    "framing.samfunn",
    "framing.sektor",
]
DOC_TYPES = [
    "saksframlegg",
    "saksprotokoll",
    "moteprotokoll",
    "planstrategi",
    "samfunnsdel",
    "arealdel",
    "helse_omsorgsplan",
    "okonomiplan",
    "lhl_plan",
    "other",
]
RUNS = [
    ("qdpx", "out.qdpx", ["--codings", "final"]),
    ("qdpx", "all.qdpx", ["--codings", "all"]),
    ("qdpx", "machine.qdpx", ["--codings", "machine"]),
    ("qdc", "out.qdc", []),
    ("csv", "passages.csv", []),
    ("csv", "documents.csv", ["--level", "document"]),
    ("csv", "kommuner.csv", ["--level", "kommune"]),
    ("xlsx", "passages.xlsx", []),
    ("xlsx", "passages-nb.xlsx", ["--codings", "all", "--labels", "nb"]),
    ("xlsx", "documents.xlsx", ["--level", "document"]),
    ("jsonl", "passages.jsonl", ["--codings", "all"]),
    ("nvivo-sheet", "kommuner.txt", []),
    ("summary", "summary.xlsx", []),
    ("report", "report.html", []),
]
TARGET_SECONDS = 30  # every tabular export (csv, xlsx, jsonl, nvivo-sheet, summary) and the report
TARGETED = {"csv", "xlsx", "jsonl", "nvivo-sheet", "summary", "report"}


def build(db_path: Path, n_passages: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    kommuner = [k.knr for k in registry.kommuner()][:100]
    per_document = 50
    n_documents = max(1, n_passages // per_document)
    now = utcnow()
    with Store.open(db_path, create=True) as store:
        db = store.db
        run_id = db["runs"].insert({"command": "tag", "started_at": now, "outcome": "ok"}).last_pk
        db["sources"].insert_all(
            {"knr": knr, "platform": "bench", "origin": "registry", "found_at": now} for knr in kommuner
        )
        passage_id = 0
        for doc_no in range(n_documents):
            knr = kommuner[doc_no % len(kommuner)]
            paragraphs = [
                " ".join(rng.choices(SENTENCES, k=rng.randint(3, 7))).replace(". ", ".\n", 1)
                for _ in range(per_document)
            ]
            text = "\n\n".join(paragraphs) + "\n"
            year = 2018 + doc_no % 7
            doc_id = (
                db["documents"]
                .insert(
                    {
                        "knr": knr,
                        "platform": "bench",
                        "url": f"https://bench.example/{knr}/{doc_no}.pdf",
                        "title": f"Dokument {doc_no}",
                        "doc_type": DOC_TYPES[doc_no % len(DOC_TYPES)],
                        "meeting_date": f"{year}-0{1 + doc_no % 9}-15",
                        "status": "extracted",
                        "fetched_at": now,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                .last_pk
            )
            db["document_texts"].insert(
                {"document_id": doc_id, "text": text, "text_sha256": hashlib.sha256(text.encode()).hexdigest()}
            )
            passages, suggestions, codings, start = [], [], [], 0
            for seq, paragraph in enumerate(paragraphs):
                passage_id += 1
                passages.append(
                    {
                        "id": passage_id,
                        "document_id": doc_id,
                        "seq": seq,
                        "char_start": start,
                        "char_end": start + len(paragraph),
                        "text": paragraph,
                        "text_sha1": hashlib.sha1(paragraph.encode()).hexdigest(),
                        "n_words": len(paragraph.split()),
                        "created_at": now,
                    }
                )
                start += len(paragraph) + 2
                selected = {c for c in CODES if rng.random() < 0.3}
                suggestions += [
                    {
                        "passage_id": passage_id,
                        "code": c,
                        "score": 0.8 if c in selected else 0.2,
                        "selected": int(c in selected),
                        "source": "rules",
                        "codebook_version": "bench",
                        "pipeline": "builtin",
                        "run_id": run_id,
                        "current": 1,
                        "created_at": now,
                    }
                    for c in CODES
                ]
                if rng.random() < 0.15:
                    for coder in ("ane", "bjørn"):
                        codings.append(
                            {
                                "passage_id": passage_id,
                                "coder": coder,
                                "coded_at": now,
                                "action": "code",
                                "reform": rng.randint(0, 1),
                                "areas": json.dumps(rng.sample(list(AREAS), 2)),
                                "framing": rng.choice(["samfunn", "sektor", "begge", "ingen"]),
                                "blind": 1,
                            }
                        )
                    if rng.random() < 0.3:
                        codings.append(
                            {
                                "passage_id": passage_id,
                                "coder": "cecilie",
                                "coded_at": now,
                                "action": "adjudicate",
                                "reform": 1,
                                "areas": json.dumps(["mat"]),
                                "framing": "sektor",
                                "blind": 0,
                            }
                        )
            db["passages"].insert_all(passages, batch_size=1000)
            db["suggestions"].insert_all(suggestions, batch_size=2000)
            if codings:
                db["codings"].insert_all(codings)
        decisions.build(store)  # as ingest does for every new text (`lhl decisions`)


def run_one(db: Path, fmt: str, out: Path, extra: list[str]) -> None:
    """Child process: one export through the CLI; prints seconds and peak RSS as JSON."""
    from lhl.cli import app
    from typer.testing import CliRunner

    args = (
        ["--db", str(db), "report", "--out", str(out)]
        if fmt == "report"
        else ["--db", str(db), "export", "--format", fmt, "--out", str(out), *extra]
    )
    started = time.perf_counter()
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(result.output)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_rss_mib": peak_mib, "bytes": out.stat().st_size}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="database to build (or reuse when it exists)")
    parser.add_argument("--only", help="comma-separated formats to run (the passage csv always runs, for ratios)")
    parser.add_argument("--one", nargs=3, metavar=("FORMAT", "OUT", "EXTRA_JSON"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.db, args.one[0], Path(args.one[1]), json.loads(args.one[2]))
        return
    workdir = Path(tempfile.mkdtemp(prefix="bench-export-"))
    db = args.db or workdir / "bench.db"
    if not db.exists():
        started = time.perf_counter()
        build(db, args.passages)
        print(
            f"built {db} with {args.passages:,} passages in {time.perf_counter() - started:.1f} s "
            f"({db.stat().st_size / 2**20:.0f} MiB)"
        )
    Store.open(db, create=True).close()  # bring the schema up to date; the exports open it read-only
    print(
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs "
        "(other work shares the machine: compare the ratios)"
    )
    print(f"{'format':<12} {'options':<30} {'seconds':>8} {'× csv':>6} {'peak RSS MiB':>13} {'output MiB':>11}  target")
    runs = RUNS
    if args.only:
        wanted = set(args.only.split(","))
        runs = [r for r in RUNS if r[0] in wanted or r[1] == "passages.csv"]
    csv_seconds = None
    for fmt, name, extra in sorted(runs, key=lambda r: r[1] != "passages.csv"):
        out = workdir / name
        out.unlink(missing_ok=True)
        child = subprocess.run(
            [sys.executable, __file__, "--db", str(db), "--one", fmt, str(out), json.dumps(extra)],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            print(f"{fmt:<12} {' '.join(extra):<22} FAILED: {child.stdout.strip()} {child.stderr.strip()[-300:]}")
            continue
        stats = json.loads(child.stdout.strip().splitlines()[-1])
        seconds = stats["seconds"]
        csv_seconds = csv_seconds or seconds
        verdict = ("ok" if seconds <= TARGET_SECONDS else f"OVER {TARGET_SECONDS} s") if fmt in TARGETED else ""
        print(
            f"{fmt:<12} {' '.join(extra):<30} {seconds:8.1f} {seconds / csv_seconds:6.2f} "
            f"{stats['peak_rss_mib']:13.0f} {stats['bytes'] / 2**20:11.1f}  {verdict}",
            flush=True,
        )


if __name__ == "__main__":
    main()
