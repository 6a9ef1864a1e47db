"""What reading decisions costs, and what it reads from real documents.

    python bench/bench_decisions.py [--repeat 20] [--saker 300]

1. Ingests the real documents in ../shared/real/documents into a throwaway
   database, then times the decision reader on their stored texts: the reader's
   time as a share of ingest time (the ingest hook's overhead), measured in the
   same run, and lists every vedtak it read (body, date, sak, outcome).
2. Times a generated meeting protocol of `--saker` saker (each a PS heading,
   an innstilling, a «Behandling i Kommunestyret» line and a vedtak): saker per
   second, and checks every sak got its vedtak with the right number.
Target: the reader adds under 10 % to ingest time; a 300-sak protocol in under a second.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from lhl_mining.decisions import extract_decisions
from lhl_mining.ingest import IngestOptions, ingest_path
from lhl_mining.store import Store

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real" / "documents"


def real_documents(repeat: int) -> None:
    files = sorted(p for p in REAL.iterdir() if p.suffix.lower() in (".pdf", ".docx"))
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "bench.db", create=True) as store:
        started = time.perf_counter()
        for path in files:
            ingest_path(store, path, IngestOptions(corpus_dir=Path(tmp) / "corpus", jobs=1))
        ingest_s = time.perf_counter() - started
        docs = [
            dict(r)
            for r in store.db.query("SELECT d.*, t.text FROM documents d JOIN document_texts t ON t.document_id = d.id")
        ]
        extract_decisions(docs[0]["text"], docs[0])  # load the codebook once, as a long ingest would
        started = time.perf_counter()
        for _ in range(repeat):
            for doc in docs:
                extract_decisions(doc["text"], doc)
        read_s = (time.perf_counter() - started) / repeat
        chars = sum(len(d["text"]) for d in docs)
        print(f"real documents: {len(files)} files, {chars:,} characters of text")
        print(f"  ingest (extract, clean, segment, store, read decisions): {ingest_s:.2f} s")
        print(f"  reading decisions alone: {read_s * 1000:.1f} ms = {read_s / ingest_s:.1%} of ingest time")
        for row in store.db.query(
            "SELECT d.url, x.kind, x.body, x.meeting_date, x.saksnr, x.outcome, x.names_reform FROM decisions x "
            "JOIN documents d ON d.id = x.document_id WHERE x.kind = 'vedtak' ORDER BY d.id, x.seq"
        ):
            print(
                f"  vedtak {Path(row['url']).name[:48]:48} {row['body'] or '?':13} {row['meeting_date'] or '?':10} "
                f"sak {row['saksnr'] or '?':7} {row['outcome']:16} reform={row['names_reform']}"
            )


def generated_protocol(saker: int) -> None:
    parts = ["Hamar kommune\n\nMøteprotokoll\n\nUtvalg: Kommunestyret\nMøtedato: 17.06.2021\nForfall: ingen\n"]
    for n in range(1, saker + 1):
        parts.append(
            f"PS {n}/21 Sak nummer {n} om plan for område {n}\n"
            f"Kommunedirektørens innstilling:\nKommunestyret vedtar plan for område {n}.\n"
            f"Behandling i Kommunestyret - 17.06.2021:\nVotering: Enstemmig\n"
            f"Kommunestyrets vedtak:\nKommunestyret vedtar plan for område {n}.\n"
        )
    text = "\n".join(parts)
    started = time.perf_counter()
    found = extract_decisions(text, {"doc_type": "moteprotokoll"})
    seconds = time.perf_counter() - started
    vedtak = [d for d in found if d.kind == "vedtak"]
    right = sum(
        d.saksnr == f"{i}/21" and d.body == "kommunestyre" and d.outcome == "adopted"
        for i, d in enumerate(vedtak, start=1)
    )
    print(
        f"generated protocol: {saker} saker, {len(text):,} characters: {seconds:.2f} s "
        f"({saker / seconds:,.0f} saker/s); vedtak read right: {right}/{saker}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--saker", type=int, default=300)
    args = parser.parse_args(argv)
    if REAL.is_dir():
        real_documents(args.repeat)
    else:
        print(f"no real documents at {REAL}", file=sys.stderr)
    generated_protocol(args.saker)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
