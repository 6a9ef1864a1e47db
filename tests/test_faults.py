"""The fault battery: real `lhl` processes against real files that are missing, damaged, foreign, too new,
read-only or locked; bad arguments per command; a full disk; a memory limit.  Every case asserts the exit
code, one numbered line on stderr (no traceback) and that the database is byte for byte what it was.
Totals are in docs/robustness.md."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import ingest_docs
import pytest
import review_data
from procs import env, free_port, lhl, one_line_error
from lhl_mining.store import Store

# (arguments after `--db DB`, whether the command writes)
COMMANDS = {
    "init": (["init"], True),
    "status": (["status"], False),
    "ingest": (["ingest", "{doc}", "--kommune", "3403", "--corpus", "{tmp}/corpus"], True),
    "tag": (["tag", "--rules-only"], True),
    "review assign": (["review", "assign", "--coder", "anne", "--coder", "bob"], True),
    "review": (["review", "--coder", "anne", "--no-browser", "--port", "{port}"], True),
    "export": (["export", "--format", "csv", "--codings", "all", "--out", "{tmp}/out.csv"], False),
    "report": (["report", "--out", "{tmp}/report.html"], False),
}


def _seeded(db: Path) -> None:
    with Store.open(db, create=True) as store:
        review_data.seed(store)
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _garbage(db: Path) -> None:
    db.write_bytes(b"%PDF-1.7 not a database\n" * 400)


def _foreign(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
    conn.execute("INSERT INTO invoices VALUES (1, 10.0)")
    conn.commit()
    conn.close()


def _truncated(db: Path) -> None:
    _seeded(db)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])


def _damaged_page(db: Path) -> None:
    """32 KB of garbage inside the file, header intact (what the issue found `ingest` writing into)."""
    _seeded(db)
    data = bytearray(db.read_bytes())
    start = 4096 * 3
    data[start:start + 32768] = (b"\xde\xad\xbe\xef" * 8192)[: len(data[start:start + 32768])]
    db.write_bytes(bytes(data))


def _newer_schema(db: Path) -> None:
    _seeded(db)
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('lhl_mining', '9999_future', '2030-01-01')")
    conn.commit()
    conn.close()


FAULTS = {
    # fault: (make it, expected error code, commands that may succeed instead)
    "missing": (lambda db: None, "E010", {"init", "ingest"}),
    "folder": (lambda db: db.mkdir(), "E011", set()),
    "not sqlite": (_garbage, "E013", set()),
    "other program's sqlite": (_foreign, "E013", set()),
    "truncated": (_truncated, "E013", set()),
    "damaged page": (_damaged_page, "E013", set()),
    "newer schema": (_newer_schema, "E014", set()),
}


def _digest(db: Path) -> str | None:
    if db.is_dir():
        return "folder:" + ",".join(sorted(p.name for p in db.iterdir()))
    parts = [p for p in (db, db.with_name(db.name + "-wal")) if p.exists()]
    return hashlib.sha256(b"".join(p.read_bytes() for p in parts)).hexdigest() if parts else None


def _args(command: str, db: Path, tmp: Path, doc: Path) -> list[str]:
    args, _ = COMMANDS[command]
    return ["--db", str(db), *(a.format(tmp=tmp, doc=doc, port=free_port()) for a in args)]


@pytest.fixture(scope="module")
def document(tmp_path_factory) -> Path:
    return ingest_docs.simple_pdf(tmp_path_factory.mktemp("doc") / "vedtak.pdf")


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("fault", list(FAULTS))
def test_database_fault(tmp_path, document, fault, command):
    make, code, may_succeed = FAULTS[fault]
    db = tmp_path / "lhl.db"
    make(db)
    before = _digest(db)
    done = lhl(*_args(command, db, tmp_path, document), timeout=60)
    if command in may_succeed:
        assert done.returncode == 0, done.stderr
        return
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert f"[{code}]" in one_line_error(done.stderr)
    assert _digest(db) == before


def _hold(db: Path, mode: str) -> subprocess.Popen:
    """Another process holding a lock on the file until killed: 'write' (a long write transaction) or 'exclusive'."""
    statements = {"write": ["BEGIN IMMEDIATE", "INSERT INTO meta VALUES ('held', 'x')"],
                  "exclusive": ["PRAGMA locking_mode=EXCLUSIVE", "BEGIN EXCLUSIVE", "INSERT INTO meta VALUES ('held', 'x')"]}[mode]
    code = ("import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            + "".join(f"c.execute({s!r})\n" for s in statements) + "print('held', flush=True); time.sleep(120)")
    holder = subprocess.Popen([sys.executable, "-c", code, str(db)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("mode", ["write", "exclusive"])
def test_database_locked_past_the_wait(tmp_path, document, mode, command):
    """A lock held longer than the wait is one line (E012) for writers, and for readers too when it is exclusive."""
    db = tmp_path / "lhl.db"
    _seeded(db)
    holder = _hold(db, mode)
    try:
        before = _digest(db)
        started = time.monotonic()
        done = lhl(*_args(command, db, tmp_path, document), timeout=60, LHL_LOCK_WAIT_S="0.3")
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait(10)
    if mode == "write" and (not COMMANDS[command][1] or command == "init"):
        assert done.returncode == 0, done.stderr  # readers read beside a writer; init has nothing to write here
        return
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "[E012]" in one_line_error(done.stderr)
    assert waited < 30
    assert _digest(db) == before


def test_read_only_database_refuses_writers_and_serves_readers(tmp_path, document):
    """A read-only file: a read-only mount when we may mount (root), else file permissions."""
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "lhl.db"
    _seeded(db)
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    mounted = _read_only_mount(folder)
    try:
        if not mounted:
            db.chmod(0o444)
            folder.chmod(0o555)
        if os.access(db, os.W_OK):
            pytest.fail("cannot make a read-only file here (root without mount)")
        before = _digest(db)
        for command, (_, writes) in COMMANDS.items():
            done = lhl(*_args(command, db, tmp_path, document), timeout=60)
            if writes:
                assert done.returncode == 1, (command, done.stderr)
                assert "[E015]" in one_line_error(done.stderr), command
            else:
                assert done.returncode == 0, (command, done.stderr)
        assert _digest(db) == before
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=False, timeout=30)
        else:
            folder.chmod(0o755)


def _read_only_mount(folder: Path) -> bool:
    """Bind-mount `folder` onto itself read-only; False where mounting is not allowed (not root, containers)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    bind = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True, timeout=30)
    if bind.returncode != 0:
        return False
    ro = subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], capture_output=True, timeout=30)
    if ro.returncode != 0:
        subprocess.run(["umount", str(folder)], check=False, timeout=30)
        return False
    return True
