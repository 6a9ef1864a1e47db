"""A killed command leaves no worker behind: `lhl train` (joblib workers for cross-validation) and
`lhl tag --workers 2` (a process pool) are SIGKILLed while their workers run; every worker must end
within seconds, not linger holding memory and CPU (joblib's workers used to wait minutes for work)."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from procs import LHL, descendants, env, lhl, running


def kill_when_workers_run(args: list[str], workers: int) -> set[int]:
    """Start `lhl ARGS`, SIGKILL it once `workers` processes under it run; return every process it had started."""
    process = subprocess.Popen([LHL, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env())
    seen: set[int] = set()
    deadline = time.monotonic() + 90
    try:
        while len(seen) < workers:
            assert process.poll() is None, f"lhl {args[2]} ended before its workers were seen: {process.stderr.read()}"
            assert time.monotonic() < deadline, f"lhl {args[2]} started no {workers} workers within 90 s"
            seen |= descendants(process.pid)
            time.sleep(0.1)
        seen |= descendants(process.pid)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=20)
    return seen


def assert_all_end(pids: set[int], within: float = 15) -> None:
    deadline = time.monotonic() + within
    while running(pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = running(pids)
    for pid in left:  # never leave them to the next test
        subprocess.run(["kill", "-9", str(pid)], check=False)
    assert not left, f"{len(left)} worker process(es) still running {within:g} s after their command was killed"


def test_train_workers_end_with_a_killed_train(tmp_path: Path, shared: Path):
    gold = shared / "data" / "gold_train.jsonl"
    args = [
        "--db",
        str(tmp_path / "lhl.db"),
        "train",
        "--gold",
        str(gold),
        "--models-dir",
        str(tmp_path / "models"),
        "--name",
        "killed",
        "--cv-folds",
        "5",
    ]
    assert_all_end(kill_when_workers_run(args, workers=2))
    assert not (tmp_path / "models" / "killed.json").exists()  # nothing half-saved either


@pytest.fixture
def untagged(tmp_path: Path, shared: Path) -> Path:
    """A database with the seed documents ingested and not yet tagged (long enough for workers to be busy)."""
    db = tmp_path / "lhl.db"
    done = lhl("--db", str(db), "ingest", str(shared / "seeds"), timeout=300)
    assert done.returncode == 0, done.stderr
    return db


def test_tag_workers_end_with_a_killed_tag(untagged: Path):
    assert_all_end(kill_when_workers_run(["--db", str(untagged), "tag", "--workers", "2"], workers=2))
    resumed = lhl("--db", str(untagged), "tag", timeout=300)  # and the next run finishes the job
    assert resumed.returncode == 0, resumed.stderr
