"""Real `lhl` processes for the durability tests and the fault battery: start, wait (bounded), signal, read stderr."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

LHL = str(Path(sys.executable).with_name("lhl"))


def env(**extra: str) -> dict[str, str]:
    """The test's environment without LHL_DB, plus `extra`; a short lock wait keeps refusals quick."""
    base = {k: v for k, v in os.environ.items() if k not in ("LHL_DB", "LHL_CODER", "LHL_REVIEW_TOKEN")}
    return {**base, **extra}


def lhl(*args: str, cwd: Path | None = None, timeout: float = 120, **extra_env: str) -> subprocess.CompletedProcess:
    return subprocess.run([LHL, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env(**extra_env))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_review(db: Path, coder: str, *extra: str, timeout: float = 30) -> tuple[subprocess.Popen, str]:
    """`lhl review` in its own process on a free local port, once it answers; returns the process and its URL."""
    port = free_port()
    process = subprocess.Popen(
        [LHL, "--db", str(db), "review", "--coder", coder, "--port", str(port), "--no-browser", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env(),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url + "/login", timeout=5)
            return process, url
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop(process, signal.SIGKILL)
                raise AssertionError(f"lhl review did not start: {process.stdout.read()}") from None
            time.sleep(0.1)


def stop(process: subprocess.Popen, sig: int, timeout: float = 20) -> int:
    """Send `sig` and wait (bounded) for the process to end; SIGKILL if it will not."""
    if process.poll() is None:
        process.send_signal(sig)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
        raise AssertionError(f"process {process.args[:4]} did not end within {timeout} s of signal {sig}") from None


def one_line_error(stderr: str) -> str:
    """The refusal a user sees: exactly one non-empty line, a numbered error, no traceback."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, stderr
    assert lines[0].startswith("Error [E"), stderr
    return lines[0]


def descendants(pid: int) -> set[int]:
    """Every process started, directly or not, by `pid` (Linux /proc)."""
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        for task in Path(f"/proc/{frontier.pop()}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    frontier.append(child)
    return found


def running(pids: set[int]) -> set[int]:
    """The pids still alive (zombies, already ended, do not count)."""
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z":
            alive.add(pid)
    return alive
