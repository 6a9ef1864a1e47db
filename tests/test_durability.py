"""Nothing acknowledged is lost: `lhl review` servers in their own processes take decisions over HTTP while
other processes (status, tag, review assign, export, a second server, a plain sqlite3 reader, ingest) use
the same file; then the servers are killed or stopped.  Every decision the server acknowledged must be in
the file and `PRAGMA integrity_check` must say ok.  (The lock bug this guards against, issue 13: a file
handle opened and closed beside a live connection drops the process's locks, so another process deletes
the WAL under the server.)"""

from __future__ import annotations

import contextlib
import itertools
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import review_data
from procs import LHL, env, lhl, start_review, stop

from lhl_mining.store import Store

SHARED_DOCUMENTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "real" / "documents"


def seed_many(db: Path, documents: int = 5) -> list[int]:
    """The review corpus (tagged) plus untagged copies under other titles, so `lhl tag` has work to do."""
    with Store.open(db, create=True) as store:
        ids = review_data.seed(store)
        for n in range(1, documents):
            ids += review_data.add_document(store, title=f"Saksframlegg {n}: Leve hele livet")
    return ids


class Coder(threading.Thread):
    """Decides passages one by one over HTTP and keeps every decision the server acknowledged (200 + saved row)."""

    def __init__(self, url: str, name: str, passages: list[int], deadline: float):
        super().__init__(daemon=True)
        self.url, self.name, self.passages, self.deadline = url, name, passages, deadline
        self.acked: list[dict] = []
        self.refused: list[int] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.url, headers={"x-lhl-coder": self.name}, timeout=15) as http:
            for round_no in itertools.count():  # later rounds revise every decision, until stopped
                for passage_id in self.passages:
                    if self.stop.is_set() or time.monotonic() > self.deadline:
                        return
                    try:
                        self.decide(http, passage_id, reform=(round_no % 2 == 0))
                    except httpx.TransportError:
                        return  # the server was stopped: whatever it acknowledged before must be there
                    time.sleep(0.02)  # a fast coder, not a load test: the other processes get their turns

    def decide(self, http: httpx.Client, passage_id: int, reform: bool) -> None:
        for _ in range(3):  # a re-tag between showing and saving is refused (409): show again
            shown = http.get("/api/passage", params={"p": passage_id})
            if shown.status_code != 200:
                self.refused.append(shown.status_code)
                return
            state = shown.json()["passage"]["state"]
            form = {
                "passage_id": passage_id,
                "action": "decide",
                "shown": state["shown"],
                "base": state["base"],
                "reform": "1" if reform else "0",
                "areas": "mat",
                "framing": "sektor",
                "memo": "",
                "then": "queue",
            }
            answer = http.post("/api/decide", data=form)
            if answer.status_code == 200:
                saved = answer.json()["saved"]
                if saved:
                    self.acked.append({"id": saved["id"], "passage_id": passage_id, "reform": int(reform)})
                return
            self.refused.append(answer.status_code)
            assert answer.status_code in (409, 500, 503), answer.text
            assert answer.json()["error"].startswith("E"), answer.text


def plain_reader(db: Path) -> subprocess.CompletedProcess:
    """Another program reading the file the ordinary way (default sqlite3 connection, no lhl code)."""
    code = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
        "print(c.execute('SELECT count(*) FROM codings').fetchone()[0]); c.close()"
    )
    return subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True, timeout=60)


def check_file(db: Path, coders: list[Coder]) -> None:
    """Every acknowledged decision is in the file as it was saved; the file is sound."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = {r[0]: r[1:] for r in conn.execute("SELECT id, coder, passage_id, reform FROM codings")}
        ids = [r[0] for r in conn.execute("SELECT id FROM codings")]
    finally:
        conn.close()
    assert len(ids) == len(set(ids))
    for coder in coders:
        assert coder.acked, f"{coder.name} got no decision saved"
        for ack in coder.acked:
            assert rows.get(ack["id"]) == (coder.name, ack["passage_id"], ack["reform"]), ack


def review_run_outcomes(db: Path) -> list[str]:
    with Store.open(db) as store:  # a writing open closes killed runs
        return [r["outcome"] for r in store.db.query("SELECT outcome FROM runs WHERE command = 'review' ORDER BY id")]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["SIGKILL", "SIGTERM", "Ctrl-C"])
def test_acknowledged_decisions_survive_other_commands_and_the_server_ending(tmp_path, sig):
    db = tmp_path / "lhl.db"
    passages = seed_many(db)
    anne_server, anne_url = start_review(db, "anne")
    bob_server, bob_url = start_review(db, "bob")  # a second coder's own server on the same file
    deadline = time.monotonic() + 60
    coders = [Coder(anne_url, "anne", passages, deadline), Coder(bob_url, "bob", passages[::-1], deadline)]
    try:
        for coder in coders:
            coder.start()
        others = [
            lhl("--db", str(db), "status"),
            lhl("--db", str(db), "tag", "--rules-only"),
            lhl("--db", str(db), "review", "assign", "--coder", "anne", "--coder", "bob", "--double", "0.3"),
            lhl("--db", str(db), "export", "--format", "csv", "--codings", "all", "--out", str(tmp_path / "all.csv")),
            plain_reader(db),
            lhl("--db", str(db), "status"),
        ]
        for done in others:
            assert done.returncode == 0, (done.args, done.stderr)
        while time.monotonic() < deadline and min(len(c.acked) for c in coders) < 10:
            time.sleep(0.05)
    finally:
        stop(anne_server, sig)
        stop(bob_server, sig)
        for coder in coders:
            coder.stop.set()
            coder.join(20)
    check_file(db, coders)
    outcomes = review_run_outcomes(db)
    assert outcomes == (["interrupted"] * 2 if sig == signal.SIGKILL else ["ok"] * 2)


def test_ingest_and_tag_killed_while_coders_save_then_resumed(tmp_path):
    """Writers take their turn beside a coder; a killed ingest resumes to the same documents as an uninterrupted run."""
    documents = SHARED_DOCUMENTS.resolve()
    assert documents.is_dir(), "the shared real documents are missing"
    db = tmp_path / "lhl.db"
    passages = seed_many(db, documents=2)
    server, url = start_review(db, "anne")
    coder = Coder(url, "anne", passages, time.monotonic() + 90)
    ingest = [LHL, "--db", str(db), "ingest", str(documents), "--kommune", "3403", "--corpus", str(tmp_path / "corpus")]
    try:
        coder.start()
        killed = subprocess.Popen(ingest, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and killed.poll() is None and _count(db, "documents") < 3:
            time.sleep(0.05)
        stop(killed, signal.SIGKILL)
        tag = subprocess.Popen(
            [LHL, "--db", str(db), "tag", "--rules-only"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env(),
        )
        time.sleep(1.0)
        stop(tag, signal.SIGKILL)
        resumed = subprocess.run(ingest, capture_output=True, text=True, timeout=300, env=env())
        assert resumed.returncode == 0, resumed.stderr
        tagged = lhl("--db", str(db), "tag", "--rules-only", timeout=300)
        assert tagged.returncode == 0, tagged.stderr
        assert "Traceback" not in resumed.stderr + tagged.stderr
    finally:
        stop(server, signal.SIGKILL)
        coder.stop.set()
        coder.join(20)
    check_file(db, [coder])

    clean = tmp_path / "clean.db"
    seed_many(clean, documents=2)
    once = lhl(
        "--db",
        str(clean),
        "ingest",
        str(documents),
        "--kommune",
        "3403",
        "--corpus",
        str(tmp_path / "corpus2"),
        timeout=300,
    )
    assert once.returncode == 0, once.stderr
    assert lhl("--db", str(clean), "tag", "--rules-only", timeout=300).returncode == 0
    assert _documents(db) == _documents(clean)
    assert _suggestions(db) == _suggestions(clean)
    with Store.open(db) as store:
        outcomes = {
            r["command"]: r["outcome"]
            for r in store.db.query("SELECT command, outcome FROM runs ORDER BY id")
            if r["outcome"] != "ok"
        }
        assert "running" not in outcomes.values()
        assert store.first("SELECT count(*) AS n FROM runs WHERE outcome = 'interrupted'")["n"] >= 2


def _count(db: Path, table: str) -> int:
    try:
        with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=5)) as conn:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.Error:
        return 0


def _documents(db: Path) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(
            "SELECT d.url, d.status, d.n_pages, t.text_sha256, (SELECT count(*) FROM passages p WHERE p.document_id = d.id) "
            "FROM documents d LEFT JOIN document_texts t ON t.document_id = d.id ORDER BY d.url"
        ).fetchall()


def _suggestions(db: Path) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(
            "SELECT d.url, p.seq, s.code, s.selected FROM suggestions s JOIN passages p ON p.id = s.passage_id "
            "JOIN documents d ON d.id = p.document_id WHERE s.current ORDER BY 1, 2, 3"
        ).fetchall()


def test_two_servers_on_one_file_never_serve_the_same_passage_to_two_coders(tmp_path):
    db = tmp_path / "lhl.db"
    seed_many(db, documents=2)
    anne_server, anne_url = start_review(db, "anne")
    bjorn_server, bjorn_url = start_review(db, "bjorn")
    try:
        with (
            httpx.Client(base_url=anne_url, headers={"x-lhl-coder": "anne"}, timeout=15) as anne,
            httpx.Client(base_url=bjorn_url, headers={"x-lhl-coder": "bjorn"}, timeout=15) as bjorn,
        ):
            served = []
            for _ in range(6):
                a = anne.get("/api/passage").json()["passage"]["state"]
                b = bjorn.get("/api/passage").json()["passage"]["state"]
                assert a["passage_id"] != b["passage_id"]
                served += [a["passage_id"], b["passage_id"]]
                for http, state in ((anne, a), (bjorn, b)):
                    form = {
                        "passage_id": state["passage_id"],
                        "action": "decide",
                        "shown": state["shown"],
                        "base": state["base"],
                        "reform": "0",
                        "areas": "",
                        "framing": "ingen",
                        "then": "queue",
                    }
                    assert http.post("/api/decide", data=form).status_code == 200
    finally:
        stop(anne_server, signal.SIGTERM)
        stop(bjorn_server, signal.SIGTERM)
    assert len(served) == len(set(served))  # nobody coded a passage the other had on screen
    with contextlib.closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT passage_id, coder FROM codings ORDER BY id").fetchall()
    assert len(rows) == 12 and len({p for p, _ in rows}) == 12


def test_scrape_and_train_write_beside_a_coder(tmp_path):
    """`lhl demo` (scrape of replayed portals, then tag) and `lhl train` use the file a coder is saving into."""
    db = tmp_path / "lhl.db"
    passages = seed_many(db, documents=2)
    gold = (SHARED_DOCUMENTS / ".." / ".." / "data" / "gold_train.jsonl").resolve()
    assert gold.exists(), "the shared gold_train.jsonl is missing"
    server, url = start_review(db, "anne")
    coder = Coder(url, "anne", passages, time.monotonic() + 120)
    try:
        coder.start()
        demo = lhl("demo", "--dir", str(tmp_path / "demo"), "--db", str(db), timeout=300)
        assert demo.returncode == 0, demo.stderr
        train = lhl(
            "--db",
            str(db),
            "train",
            "--gold",
            str(gold),
            "--name",
            "beside-a-coder",
            "--cv-folds",
            "0",
            "--models-dir",
            str(tmp_path / "models"),
            timeout=300,
        )
        assert train.returncode == 0, train.stderr
        assert "Traceback" not in demo.stderr + train.stderr
    finally:
        coder.stop.set()
        coder.join(20)
        stop(server, signal.SIGKILL)
    check_file(db, [coder])
    assert _count(db, "documents") >= 2 + 15


def test_scrape_killed_then_resumed_ends_as_an_uninterrupted_run(tmp_path):
    """SIGKILL `lhl demo` mid-scrape, run it again: the same documents, texts and suggestions as one clean run."""
    killed_dir, clean_dir = tmp_path / "killed", tmp_path / "clean"
    db = killed_dir / "lhl.db"
    process = subprocess.Popen(
        [LHL, "demo", "--dir", str(killed_dir)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env()
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None and _count(db, "documents") < 4:
        time.sleep(0.05)
    stop(process, signal.SIGKILL)
    assert 0 < _count(db, "documents") < 15, "the kill came too late to test a resume"
    resumed = lhl("demo", "--dir", str(killed_dir), timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    clean = lhl("demo", "--dir", str(clean_dir), timeout=300)
    assert clean.returncode == 0, clean.stderr
    assert _documents(db) == _documents(clean_dir / "lhl.db")
    assert _suggestions(db) == _suggestions(clean_dir / "lhl.db")
    assert not list(killed_dir.rglob("*.part"))
    with contextlib.closing(sqlite3.connect(db)) as conn:
        outcomes = [r[0] for r in conn.execute("SELECT outcome FROM runs WHERE command = 'scrape' ORDER BY id")]
    assert outcomes == ["interrupted", "ok"]
