"""The fault battery: real `lhl` processes against real files that are missing, damaged, foreign, too new,
read-only or locked; bad arguments per command; a full disk; a memory limit.  Every case asserts the exit
code, one numbered line on stderr (no traceback) and that the database is byte for byte what it was.
Totals are in docs/robustness.md."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import ingest_docs
import pytest
import review_data
import sqlite_utils
from procs import LHL as LHL_PATH
from procs import env, free_port, lhl, one_line_error

from lhl_mining.migrations import migrations as schema
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
    data[start : start + 32768] = (b"\xde\xad\xbe\xef" * 8192)[: len(data[start : start + 32768])]
    db.write_bytes(bytes(data))


def _newer_schema(db: Path) -> None:
    _seeded(db)
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('lhl_mining', '9999_future', '2030-01-01')"
    )
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


def _rows(db: Path) -> dict[str, list[tuple]]:
    """Every table's rows but the `runs` log."""
    with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'runs'")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


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
    statements = {
        "write": ["BEGIN IMMEDIATE", "INSERT INTO meta VALUES ('held', 'x')"],
        "exclusive": ["PRAGMA locking_mode=EXCLUSIVE", "BEGIN EXCLUSIVE", "INSERT INTO meta VALUES ('held', 'x')"],
    }[mode]
    code = (
        "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        + "".join(f"c.execute({s!r})\n" for s in statements)
        + "print('held', flush=True); time.sleep(120)"
    )
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
    with contextlib.closing(sqlite3.connect(db)) as conn:
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


# ---------------------------------------------------------------- bad arguments and odd files, per command
def _codebook_with(tmp: Path, replace: str, by: str) -> Path:
    from lhl_mining.codebook import default_codebook_path

    text = default_codebook_path().read_text(encoding="utf-8")
    assert replace in text
    path = tmp / "codebook.yaml"
    path.write_text(text.replace(replace, by, 1), encoding="utf-8")
    return path


def _alias_bomb(tmp: Path) -> Path:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for n in range(1, 9):
        lines.append(f"{chr(97 + n)}: &{chr(97 + n)} [" + ",".join([f"*{chr(96 + n)}"] * 9) + "]")
    path = tmp / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _deep(tmp: Path) -> Path:
    path = tmp / "deep.yaml"
    path.write_text("[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    return path


BAD_ARGUMENTS = {
    # case: (arguments, expected code); {db} is a seeded database, {tmp} the test's folder
    "ingest --max-mb nan": (["ingest", "{doc}", "--max-mb", "nan"], "E002"),
    "ingest --max-mb -1": (["ingest", "{doc}", "--max-mb", "-1"], "E002"),
    "ingest --max-pages 0": (["ingest", "{doc}", "--max-pages", "0"], "E002"),
    "ingest --timeout 0": (["ingest", "{doc}", "--timeout", "0"], "E002"),
    "ingest a FIFO": (["ingest", "{fifo}"], "E211"),
    "ingest a missing path": (["ingest", "{tmp}/nothing.pdf"], "E211"),
    "ingest --corpus on a file": (["ingest", "{doc}", "--corpus", "{doc}"], "E310"),
    "scrape --rate nan": (
        ["scrape", "--county", "Innlandet", "--contact", "test@example.org", "--rate", "nan", "--dry-run"],
        "E002",
    ),
    "scrape --rate 1000": (
        ["scrape", "--county", "Innlandet", "--contact", "test@example.org", "--rate", "1000", "--dry-run"],
        "E002",
    ),
    "scrape --since 1066": (
        ["scrape", "--county", "Innlandet", "--contact", "test@example.org", "--since", "1066", "--dry-run"],
        "E002",
    ),
    "scrape --until 9999": (
        ["scrape", "--county", "Innlandet", "--contact", "test@example.org", "--until", "9999", "--dry-run"],
        "E002",
    ),
    "review --port 70000": (["review", "--port", "70000", "--no-browser"], "E420"),
    "review assign --double 5": (["review", "assign", "--coder", "a", "--coder", "b", "--double", "5"], "E420"),
    "export into a folder": (["export", "--format", "csv", "--out", "{tmp}"], "E602"),
    "report into a folder": (["report", "--out", "{tmp}"], "E602"),
    "demo --dir FILE": (["demo", "--dir", "{doc}"], "E002"),
    "classify --output folder": (["classify", "-i", "{jsonl}", "-o", "{tmp}", "--rules-only"], "E103"),
    "classify --output exists": (["classify", "-i", "{jsonl}", "-o", "{jsonl}", "--rules-only"], "E103"),
    "codebook check (a+)+$": (["codebook", "check", "{catastrophic}"], "E101"),
    "codebook check alias bomb": (["codebook", "check", "{bomb}"], "E101"),
    "codebook check deep nesting": (["codebook", "check", "{deep}"], "E101"),
}


@pytest.mark.parametrize("case", list(BAD_ARGUMENTS))
def test_bad_arguments_and_files(tmp_path, document, case):
    args, code = BAD_ARGUMENTS[case]
    db = tmp_path / "lhl.db"
    _seeded(db)
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text('{"id": 1, "text": "Leve hele livet"}\n', encoding="utf-8")
    values = {
        "db": db,
        "tmp": tmp_path,
        "doc": document,
        "fifo": fifo,
        "jsonl": jsonl,
        "catastrophic": _codebook_with(tmp_path, "regex: ", "regex: '(a+)+$' #") if "(a+)" in case else None,
        "bomb": _alias_bomb(tmp_path),
        "deep": _deep(tmp_path),
    }
    before = _rows(db)
    done = lhl("--db", str(db), *(a.format(**values) for a in args), timeout=60)
    assert done.returncode in (1, 2), (done.returncode, done.stdout, done.stderr)
    assert f"[{code}]" in one_line_error(done.stderr)
    assert _rows(db) == before  # a refused run may be recorded in `runs` as failed; nothing else changes
    assert not list(tmp_path.rglob("*.part"))


def test_fifos_devices_and_symlinks_to_them_are_skipped_in_folders(tmp_path, document):
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(document, folder / "vedtak.pdf")
    os.mkfifo(folder / "pipe.pdf")
    (folder / "zero.pdf").symlink_to("/dev/zero")
    (folder / "pipe-link.pdf").symlink_to(folder / "pipe.pdf")
    db = tmp_path / "lhl.db"
    done = lhl(
        "--db", str(db), "ingest", str(folder), "--kommune", "3403", "--corpus", str(tmp_path / "corpus"), timeout=60
    )
    assert done.returncode == 0, done.stderr
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*), min(status) FROM documents").fetchone() == (1, "extracted")


def test_classify_skips_a_lone_surrogate_and_keeps_the_rest(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": 1, "text": "Leve hele livet"}\n{"id": 2, "text": "bad \\ud800 text"}\n'
        '{"id": 3, "text": "Eldrerådet møtes"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    done = lhl("classify", "-i", str(source), "-o", str(out), "--rules-only", timeout=120)
    assert done.returncode == 0, done.stderr
    assert "line 2" in done.stderr and "Traceback" not in done.stderr
    assert [line.split(",")[0] for line in out.read_text(encoding="utf-8").splitlines()] == ['{"id": 1', '{"id": 3']
    assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# ---------------------------------------------------------------- full disk, memory limit
def _small_fs(folder: Path, size: str = "2m") -> bool:
    """A small tmpfs at `folder` (root); False where mounting is not allowed."""
    folder.mkdir()
    if os.geteuid() != 0:
        return False
    return (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True, timeout=30
        ).returncode
        == 0
    )


@pytest.fixture
def small_disk(tmp_path):
    folder = tmp_path / "small"
    if not _small_fs(folder):
        pytest.fail("the full-disk tests need a small tmpfs (run as root, as CI does)")
    yield folder
    subprocess.run(["umount", str(folder)], check=False, timeout=30)


def _fill(folder: Path, leave_kb: int) -> None:
    free = shutil.disk_usage(folder).free
    with open(folder / "filler", "wb") as fh:
        fh.write(b"\0" * max(0, free - leave_kb * 1024))


def test_full_disk_under_the_database_is_one_line_and_loses_nothing(small_disk, tmp_path):
    db = small_disk / "lhl.db"
    _seeded(db)
    with contextlib.closing(sqlite3.connect(db)) as conn:
        before = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
    _fill(small_disk, leave_kb=48)
    documents = Path(__file__).resolve().parents[1] / ".." / "shared" / "real" / "documents"
    done = lhl(
        "--db",
        str(db),
        "ingest",
        str(documents.resolve()),
        "--kommune",
        "3403",
        "--corpus",
        str(tmp_path / "corpus"),
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "[E016]" in one_line_error(done.stderr)
    (small_disk / "filler").unlink()
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("SELECT count(*) FROM passages").fetchone()[0] >= before


def test_full_corpus_disk_is_one_line_and_leaves_no_part_files(small_disk, tmp_path):
    db = tmp_path / "lhl.db"
    _fill(small_disk, leave_kb=64)
    documents = Path(__file__).resolve().parents[1] / ".." / "shared" / "real" / "documents"
    done = lhl(
        "--db",
        str(db),
        "ingest",
        str(documents.resolve()),
        "--kommune",
        "3403",
        "--corpus",
        str(small_disk / "corpus"),
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "[E310]" in one_line_error(done.stderr) and "disk is full" in done.stderr
    assert not [p for p in small_disk.rglob("*") if p.name.endswith(".part")]
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_ingest_under_a_memory_limit_below_its_own_cap(tmp_path, document):
    """`prlimit --as` (HPC/Slurm): the extraction worker's 4 GB cap must not exceed the hard limit."""
    prlimit = shutil.which("prlimit")
    assert prlimit, "prlimit (util-linux) is needed"
    db = tmp_path / "lhl.db"
    limit = 3 * 1024**3
    done = subprocess.run(
        [
            prlimit,
            f"--as={limit}",
            LHL_PATH,
            "--db",
            str(db),
            "ingest",
            str(document),
            "--kommune",
            "3403",
            "--corpus",
            str(tmp_path / "corpus"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env(),
    )
    assert done.returncode == 0, done.stderr
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT status FROM documents").fetchall() == [("extracted",)]


# ---------------------------------------------------------------- kills leave nothing behind
def test_killed_export_part_is_removed_by_the_next_export(tmp_path):
    db = tmp_path / "lhl.db"
    _seeded(db)
    out = tmp_path / "all.csv"
    stale = tmp_path / f".all.csv.{_dead_pid()}.abc123.part"
    stale.write_text("half an export")
    done = lhl("--db", str(db), "export", "--format", "csv", "--codings", "machine", "--out", str(out), timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.exists() and not stale.exists()


def test_killed_run_is_closed_as_interrupted_by_the_next_writer(tmp_path):
    db = tmp_path / "lhl.db"
    _seeded(db)
    with Store.open(db) as store:
        store.db["runs"].insert(
            {
                "command": "ingest",
                "started_at": "2026-01-01T00:00:00+00:00",
                "outcome": "running",
                "pid": _dead_pid(),
                "host": __import__("socket").gethostname(),
            }
        )
        store.db["runs"].insert(
            {
                "command": "tag",
                "started_at": "2026-01-01T00:00:00+00:00",
                "outcome": "running",
                "pid": os.getpid(),
                "host": __import__("socket").gethostname(),
            }
        )
    assert lhl("--db", str(db), "status").returncode == 0  # readers change nothing
    assert lhl("--db", str(db), "init").returncode == 0
    with contextlib.closing(sqlite3.connect(db)) as conn:
        outcomes = dict(conn.execute("SELECT command, outcome FROM runs WHERE command IN ('ingest', 'tag')"))
    assert outcomes == {"ingest": "interrupted", "tag": "running"}  # this test's own process is alive


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(10)
    return child.pid


def test_upgrade_backup_is_never_left_partial(tmp_path):
    db = tmp_path / "lhl.db"
    _seeded(db)
    with contextlib.closing(sqlite3.connect(db)) as conn:  # pretend the file predates the last schema step
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0005_runs_process'")
        conn.execute("ALTER TABLE runs DROP COLUMN host")
        conn.execute("ALTER TABLE runs DROP COLUMN pid")
        conn.execute("DROP TABLE leases")
        conn.commit()
    # the backup is named after the newest step the file still records
    latest = [m.name for m in schema.applied(sqlite_utils.Database(db))][-1]
    (tmp_path / f"lhl.db.bak-{latest}.part").write_bytes(b"left by a killed upgrade")
    done = lhl("--db", str(db), "init")
    assert done.returncode == 0, done.stderr
    backup = tmp_path / f"lhl.db.bak-{latest}"
    with contextlib.closing(sqlite3.connect(backup)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert not list(tmp_path.glob("*.part"))
