"""Review speed: p95 server time per decision and per next-passage load, with 100,000 passages in the database.

    python bench/bench_review.py [--passages 100000] [--requests 400] [--coders 4] [--db bench-review.db] [--keep]

Builds a database in the real schema (1,000 documents in 100 kommuner, nine current
suggestions per passage with evidence spans, as `lhl tag` writes them), starts the
review app in a real uvicorn server, and has several coders work at once over HTTP:
each loads a next passage (GET /api/passage) and saves a decision that also returns
the next passage (POST /api/decide).  The server's own time per request comes from
its `Server-Timing` header; wall time includes HTTP on localhost.  Target: p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from lhl_mining import registry
from lhl_mining.review.server import BackgroundServer
from lhl_mining.review.state import ReviewConfig
from lhl_mining.store import Store, utcnow

SENTENCES = [
    "Kommunestyret vedtar at kvalitetsreformen «Leve hele livet» skal forankres i kommuneplanens samfunnsdel.",
    "Hjemmetjenesten skal styrke hverdagsrehabilitering og helse- og omsorgstjenester, slik at flere kan bo hjemme lenger.",
    "Ved sykehjemmet innføres et fast måltidsvertskap, og nattfasten skal ikke overstige elleve timer.",
    "Frivilligsentralen og kulturskolen inviterer til generasjonsmøter med barnehagene hver torsdag.",
    "Pårørende får tilbud om pårørendeskole og fleksibel avlastning; primærkontakt sikrer sammenheng i tjenestene.",
    "Formannskapet godkjente regnskapet for 2023 uten merknader.",
    "Eldrerådet ber om at universell utforming og gang- og sykkelvei prioriteres i arealplanen.",
    "Leve heile livet: kommunen har tilsett ein koordinator som skal følgje opp reforma i tenestene.",
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
TERMS = {
    "reform": "Leve hele livet",
    "area.mat": "måltidsvertskap",
    "area.helsehjelp": "hverdagsrehabilitering",
    "framing.sektor": "Hjemmetjenesten",
    "framing.samfunn": "samfunnsdel",
    "area.aktivitet": "generasjonsmøter",
    "area.sammenheng": "avlastning",
    "area.aldersvennlig": "universell utforming",
}


def build(db_path: Path, n_passages: int) -> None:
    rng = random.Random(7)
    kommuner = [k.knr for k in registry.kommuner()][:100]
    now = utcnow()
    per_doc = max(1, n_passages // 1000)
    with Store.open(db_path, create=True) as store:
        run_id = store.db["runs"].insert({"command": "tag", "started_at": now, "outcome": "ok"}).last_pk
        passage_id = 0
        for doc in range(0, n_passages, per_doc):
            doc_id = (
                store.db["documents"]
                .insert(
                    {
                        "knr": kommuner[doc // per_doc % len(kommuner)],
                        "platform": "acos",
                        "url": f"https://innsyn.example.no/{doc}.pdf",
                        "title": f"Saksframlegg {doc // per_doc}: Leve hele livet",
                        "doc_type": rng.choice(["saksframlegg", "protokoll", "plan", "budsjett"]),
                        "status": "extracted",
                        "meeting_date": "2024-03-14",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                .last_pk
            )
            passages, suggestions = [], []
            for seq in range(min(per_doc, n_passages - doc)):
                passage_id += 1
                text = " ".join(rng.sample(SENTENCES, 3))
                passages.append(
                    {
                        "id": passage_id,
                        "document_id": doc_id,
                        "seq": seq,
                        "char_start": 0,
                        "char_end": len(text),
                        "page_no": seq // 4 + 1,
                        "text": text,
                        "text_sha1": hashlib.sha1(text.encode()).hexdigest(),
                        "n_words": len(text.split()),
                        "created_at": now,
                    }
                )
                for code in CODES:
                    score = rng.random() if code in TERMS and TERMS[code] in text else rng.random() * 0.1
                    start = text.find(TERMS.get(code, "\0"))
                    evidence = (
                        [
                            {
                                "code": code,
                                "term": TERMS[code].lower(),
                                "rule_id": f"{code}:1",
                                "start": start,
                                "end": start + len(TERMS[code]),
                            }
                        ]
                        if start >= 0
                        else []
                    )
                    suggestions.append(
                        {
                            "passage_id": passage_id,
                            "code": code,
                            "score": round(score, 3),
                            "selected": int(score >= 0.5),
                            "evidence": json.dumps(evidence, ensure_ascii=False),
                            "source": "rules",
                            "codebook_version": "lhl-bench",
                            "pipeline": "bench",
                            "run_id": run_id,
                            "current": 1,
                            "created_at": now,
                        }
                    )
            store.db["passages"].insert_all(passages, batch_size=1000)
            store.db["suggestions"].insert_all(suggestions, batch_size=5000)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def server_ms(response: httpx.Response) -> float:
    return float(response.headers["server-timing"].split("dur=")[1])


def work(url: str, coder: str, n: int, out: dict[str, list[tuple[float, float]]]) -> None:
    with httpx.Client(base_url=url, headers={"x-lhl-coder": coder}, timeout=60) as http:
        for i in range(n):
            started = time.perf_counter()
            response = http.get("/api/passage", params={"queue": "todo"})
            out["next"].append((server_ms(response), (time.perf_counter() - started) * 1000))
            state = response.json()["passage"]["state"]
            codes = state["codes"]
            started = time.perf_counter()
            response = http.post(
                "/api/decide",
                data={
                    "passage_id": state["passage_id"],
                    "action": "decide" if i % 5 else "not_relevant",
                    "shown": state["shown"],
                    "base": state["base"],
                    "reform": "1" if codes["reform"] else "0",
                    "areas": ",".join(codes["areas"]),
                    "framing": codes["framing"],
                    "memo": "",
                    "then": "queue",
                },
            )
            response.raise_for_status()
            out["decide"].append((server_ms(response), (time.perf_counter() - started) * 1000))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400, help="decisions in all (each with a next-passage load)")
    parser.add_argument("--coders", type=int, default=4)
    parser.add_argument("--db", type=Path, help="database to build (or reuse if it exists)")
    parser.add_argument("--keep", action="store_true", help="keep the database built in a temporary folder")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-review-"))
    db_path = args.db or folder / "bench-review.db"
    if not db_path.exists():
        started = time.perf_counter()
        build(db_path, args.passages)
        print(f"built {args.passages:,} passages in {time.perf_counter() - started:.1f} s ({db_path})")
    timings: dict[str, list[tuple[float, float]]] = {"next": [], "decide": []}
    started = time.perf_counter()
    with BackgroundServer(ReviewConfig(db_path)) as running:
        print(f"server start-up, queues of all passages built: {(time.perf_counter() - started) * 1000:.0f} ms")
        started = time.perf_counter()
        httpx.get(running.url + "/api/passage", headers={"x-lhl-coder": "warmup"}, timeout=120).raise_for_status()
        print(f"first passage: {(time.perf_counter() - started) * 1000:.0f} ms")
        per_coder = max(1, args.requests // args.coders)
        threads = [
            threading.Thread(target=work, args=(running.url, f"coder{i}", per_coder, timings))
            for i in range(args.coders)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    n = len(timings["decide"])
    print(f"{args.coders} coders at once, {n} decisions + {len(timings['next'])} next-passage loads in {elapsed:.1f} s")
    print(f"{'request':<22}{'server p50':>11}{'server p95':>11}{'server max':>11}{'wall p95':>10}")
    for name, label in (("next", "next passage (GET)"), ("decide", "decision + next (POST)")):
        server = [s for s, _ in timings[name]]
        wall = [w for _, w in timings[name]]
        print(
            f"{label:<22}{statistics.median(server):>9.1f}ms{percentile(server, 95):>9.1f}ms"
            f"{max(server):>9.1f}ms{percentile(wall, 95):>8.1f}ms"
        )
    worst = max(percentile([s for s, _ in timings[k]], 95) for k in timings)
    print(f"target p95 < 50 ms: {'met' if worst < 50 else 'NOT met'} (worst p95 {worst:.1f} ms)")
    if not args.keep and not args.db:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
