"""Starting the review app: checks before binding, the token rule, uvicorn in the foreground or a thread."""

from __future__ import annotations

import contextlib
import secrets
import signal
import socket
import threading
import time
import webbrowser
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from ..errors import PortInUse, ReviewUsageError
from ..store import Store
from ..store import review as sql
from .app import create_app
from .auth import CODER_NAME, LOCAL_HOSTS, coder_token
from .state import ReviewConfig


def is_local(host: str) -> bool:
    return host in LOCAL_HOSTS


def prepare(db_path: Path, *, host: str, port: int, coder: str | None, token: str | None) -> ReviewConfig:
    """Validate the options and the database before anything listens; a non-local bind gets a token."""
    if coder is not None and not CODER_NAME.match(coder):
        raise ReviewUsageError(
            f"Coder name {coder!r} is not usable: letters, digits, space, . @ - ; at most 40 characters."
        )
    if not 1 <= port <= 65535:
        raise ReviewUsageError(f"Port {port} is out of range (1–65535).")
    with Store.open(db_path) as store:  # upgrades the schema and sets WAL, so coders never wait on it later
        store.db.execute("PRAGMA journal_mode=WAL")
    local = is_local(host)
    if not local and not token:
        token = secrets.token_urlsafe(12)
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: only a listener blocks
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            raise PortInUse(
                f"Cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port or --host."
            ) from None
    return ReviewConfig(db_path=Path(db_path), default_coder=coder if local else None, token=token, local_only=local)


def coder_tokens(config: ReviewConfig) -> dict[str, str]:
    """Each known coder's own sign-in token on a non-local bind (new coders sign in once with the server token)."""
    if config.local_only or not config.token:
        return {}
    with Store.open(config.db_path, readonly=True) as store:
        return {coder: coder_token(config.token, coder) for coder in sorted(sql.known_coders(store))}


def serve(config: ReviewConfig, *, host: str, port: int, open_browser: bool) -> None:
    """Run the app in the foreground until Ctrl-C; the session is recorded as a `review` run."""
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host=host.strip("[]"), port=port, log_level="warning", access_log=False)
    )
    if open_browser:
        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/code"
        threading.Thread(target=_open_when_started, args=(server, url), daemon=True).start()
    parameters = {"host": host, "port": port, "coder": config.default_coder, "token": bool(config.token)}
    signal.signal(signal.SIGTERM, _stop_quietly)
    # Ctrl-C (or SIGTERM) is how a review session ends; every decision is already saved
    with (
        Store.open(config.db_path) as store,
        store.run("review", parameters, {"uvicorn": uvicorn.__version__}),
        contextlib.suppress(KeyboardInterrupt),
    ):
        server.run()


def _stop_quietly(signum: int, frame: object) -> None:
    """uvicorn re-sends the stop signal after shutting down; end like Ctrl-C instead of dying mid-cleanup."""
    raise KeyboardInterrupt


def _open_when_started(server: uvicorn.Server, url: str) -> None:
    for _ in range(100):
        if server.started:
            webbrowser.open(url)
            return
        time.sleep(0.05)


@dataclass
class BackgroundServer:
    """The app in a uvicorn server on a free local port, in a thread (tests and benchmarks)."""

    config: ReviewConfig
    host: str = "127.0.0.1"
    port: int = 0
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = None

    def start(self) -> str:
        if not self.port:
            with socket.socket() as probe:
                probe.bind((self.host, 0))
                self.port = probe.getsockname()[1]
        self.server = uvicorn.Server(
            uvicorn.Config(
                create_app(self.config), host=self.host, port=self.port, log_level="warning", access_log=False
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"the review server did not start on {self.host}:{self.port}")
            time.sleep(0.02)
        return self.url

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)

    def __enter__(self) -> BackgroundServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
