"""The SQLite store: the one place that knows the schema and speaks SQL.

Every command reads and writes one database file (default ``lhl.db``).  Opening
it checks everything that can go wrong before anything is written: a missing,
unreadable, locked or corrupt file, a database from a newer lhl-mining, or a
file that is some other program's database.  Upgrades back the file up first.

Nothing here opens the database file except through SQLite: closing any other
handle on it drops every POSIX lock this process holds on the file, and another
process would then checkpoint and delete the WAL under a live connection.
Every write transaction takes the write lock first (``BEGIN IMMEDIATE``) and
waits its turn; a lock held past the wait, and every other SQLite failure, is
one numbered line (`database_error`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import socket
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__, registry
from ..errors import (
    DatabaseCorrupt,
    DatabaseFull,
    DatabaseLocked,
    DatabaseMissing,
    DatabaseReadOnly,
    DatabaseTooNew,
    DatabaseUnreadable,
    LhlError,
)
from ..partfiles import process_alive

if TYPE_CHECKING:  # sqlite_utils is imported on opening a store: `lhl classify` and --help never do
    import sqlite_utils

DEFAULT_DB = "lhl.db"
LOCK_WAIT_S = 10.0  # SQLite's busy timeout: how long one attempt waits for another writer (LHL_LOCK_WAIT_S)
LOCK_ATTEMPTS = 3  # a write transaction tries this often before it gives up with E012
_checked: set[tuple[int, int]] = set()  # files (device, inode) this process found sound with quick_check


def lock_wait_s() -> float:
    try:
        return max(0.0, float(os.environ.get("LHL_LOCK_WAIT_S") or LOCK_WAIT_S))
    except ValueError:
        return LOCK_WAIT_S


def inserted_id(table: sqlite_utils.db.Table) -> int:
    """The rowid `table` just inserted; sqlite-utils types `last_pk` as optional (None before any insert)."""
    if table.last_pk is None:
        raise RuntimeError(f"no row was inserted into {table.name}")
    return int(table.last_pk)


def utcnow() -> str:
    """ISO-8601 UTC timestamp with seconds, used for every *_at column."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def default_db_path() -> Path:
    return Path(os.environ.get("LHL_DB") or DEFAULT_DB)


def _known_migrations() -> list[str]:
    from ..migrations import migrations

    return [m.name for m in migrations._migrations]


def begin_immediate(conn: sqlite3.Connection) -> None:
    """`BEGIN IMMEDIATE`, retried a few times: a deferred BEGIN that reads, then writes, fails at once
    (SQLITE_BUSY_SNAPSHOT) when another connection committed in between, and no busy timeout helps."""
    for attempt in range(LOCK_ATTEMPTS):
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if ("locked" not in str(exc) and "busy" not in str(exc)) or attempt == LOCK_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


@dataclass
class Store:
    """An open lhl-mining database.  Use `Store.open`; close with `close()` or `with`."""

    db: sqlite_utils.Database
    path: Path
    readonly: bool = False

    # ------------------------------------------------------------------ open
    @classmethod
    def open(cls, path: str | os.PathLike | None = None, *, create: bool = False, readonly: bool = False) -> Store:
        """Open (and, if `create`, create or upgrade) the database at `path`."""
        path = Path(path) if path is not None else default_db_path()
        exists = path.exists()
        if not exists and not create:
            raise DatabaseMissing(
                f"No database at {path}. Create one with `lhl init --db {path}` "
                "(scrape and ingest create it too), or point --db / LHL_DB at an existing one."
            )
        if exists:
            _check_file(path, need_write=not readonly)
        elif not os.access(path.parent if str(path.parent) else Path("."), os.W_OK):
            raise DatabaseReadOnly(f"Cannot create {path}: its folder is not writable.")
        from .database import ImmediateDatabase

        conn = _connect(path, readonly=readonly and exists)
        store = cls(ImmediateDatabase(conn), path, readonly=readonly and exists)
        try:
            if exists and not store.readonly:
                _quick_check(conn, path)
            store._prepare()
            if not store.readonly:
                store.close_dead_runs()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise database_error(exc, path) from None
        except BaseException:
            conn.close()
            raise
        return store

    def _prepare(self) -> None:
        from ..migrations import migrations

        tables = set(self.db.table_names())
        applied = [m.name for m in migrations.applied(self.db)] if "_sqlite_migrations" in tables else []
        unknown = [name for name in applied if name not in _known_migrations()]
        if unknown:
            raise DatabaseTooNew(
                f"{self.path} was written by a newer lhl-mining (schema step {unknown[-1]} is unknown to "
                f"version {__version__}). Upgrade with `pip install -U lhl-mining`; the file was not changed."
            )
        if tables - {"_sqlite_migrations"} and not applied:
            raise DatabaseCorrupt(
                f"{self.path} is an SQLite database but not an lhl-mining one (tables: "
                f"{', '.join(sorted(tables)[:5])}). Choose another --db path; the file was not changed."
            )
        pending = migrations.pending(self.db)
        if pending:
            if self.readonly:
                raise DatabaseReadOnly(
                    f"{self.path} needs a schema upgrade ({len(pending)} step(s)) but was opened read-only. "
                    "Run `lhl init` with write access first."
                )
            if applied:
                self.backup(self.path.with_name(f"{self.path.name}.bak-{applied[-1]}"))
            self.db.execute("PRAGMA journal_mode=WAL")
            migrations.apply(self.db)
        if not self.readonly:
            self._sync_registry()

    def _sync_registry(self) -> None:
        """Load the bundled kommune registry when it is new or has changed."""
        digest = hashlib.sha256(
            "\n".join(json.dumps(k.as_dict(), sort_keys=True) for k in registry.kommuner()).encode()
        ).hexdigest()
        if self.meta("registry_sha256") == digest:
            return
        with self.db.atomic():
            self.db.table("kommuner").upsert_all((k.as_dict() for k in registry.kommuner()), pk="knr")
            self.set_meta("registry_sha256", digest)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def backup(self, target: Path) -> Path:
        """Copy the whole database (consistent, WAL included) to `target`, via a temporary name so a kill
        never leaves a partial copy under the real one."""
        part = target.with_name(target.name + ".part")
        for leftover in (part, part.with_name(part.name + "-journal")):
            leftover.unlink(missing_ok=True)
        dest = sqlite3.connect(str(part))
        try:
            self.db.conn.backup(dest)
        finally:
            dest.close()
        os.replace(part, target)
        return target

    def first(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> dict[str, Any] | None:
        """The first row of a query as a dict, or None: the lookups every area needs."""
        return next(self.db.query(sql, params), None)

    # ------------------------------------------------------------------ meta
    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.table("meta").upsert({"key": key, "value": value}, pk="key")

    def schema_version(self) -> str:
        from ..migrations import migrations

        applied = migrations.applied(self.db)
        return applied[-1].name if applied else ""

    # ------------------------------------------------------------------ runs
    @contextlib.contextmanager
    def run(
        self, command: str, parameters: dict[str, Any] | None = None, versions: dict[str, str] | None = None
    ) -> Iterator[Run]:
        """Record a command run: parameters and versions at start, counts and outcome at end.

        A Ctrl-C marks the run `interrupted` (and re-raises); other errors mark it `failed`.
        """
        all_versions = {"lhl_mining": __version__, "python": platform.python_version(), **(versions or {})}
        run_id = inserted_id(
            self.db.table("runs").insert(
                {
                    "command": command,
                    "parameters": json.dumps(parameters or {}, ensure_ascii=False, default=str),
                    "versions": json.dumps(all_versions, ensure_ascii=False),
                    "started_at": utcnow(),
                    "outcome": "running",
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                }
            )
        )
        current = Run(self, run_id)
        try:
            yield current
        except KeyboardInterrupt:
            current.finish("interrupted", "interrupted by the user")
            raise
        except BaseException as exc:
            current.finish("failed", str(exc))
            raise
        else:
            current.finish("ok")

    def close_dead_runs(self) -> int:
        """Close `running` runs of this host whose process is gone (killed, power cut) as `interrupted`."""
        host = socket.gethostname()
        dead = [
            row[0]
            for row in self.db.execute(
                "SELECT id, pid FROM runs WHERE outcome = 'running' AND host = ? AND pid IS NOT NULL", [host]
            ).fetchall()
            if row[1] != os.getpid() and not process_alive(row[1])
        ]
        if dead:
            with self.db.atomic():
                self.db.execute(
                    f"UPDATE runs SET outcome = 'interrupted', ended_at = ?, error = ? "
                    f"WHERE outcome = 'running' AND id IN ({','.join('?' * len(dead))})",
                    [utcnow(), "the process ended without closing the run (killed)", *dead],
                )
        return len(dead)

    # ------------------------------------------------------------------ reports
    def status_counts(self) -> dict[str, Any]:
        """Counts shown by `lhl status`."""

        def scalar(sql: str) -> int:
            return self.db.execute(sql).fetchone()[0]

        return {
            "database": str(self.path),
            "schema": self.schema_version(),
            "kommuner": scalar("SELECT count(*) FROM kommuner"),
            "sources": scalar("SELECT count(*) FROM sources WHERE active"),
            "documents": dict(
                self.db.execute("SELECT status, count(*) FROM documents GROUP BY status ORDER BY status").fetchall()
            ),
            "passages": scalar("SELECT count(*) FROM passages"),
            "suggestions": scalar("SELECT count(*) FROM suggestions WHERE current"),
            "codings": dict(
                self.db.execute(
                    "SELECT coder, count(*) FROM codings WHERE action != 'undo' GROUP BY coder ORDER BY coder"
                ).fetchall()
            ),
            "runs": scalar("SELECT count(*) FROM runs"),
        }


@dataclass
class Run:
    """A row in `runs`; commands add counts as they go."""

    store: Store
    id: int
    counts: dict[str, int] | None = None

    def count(self, key: str, n: int = 1) -> None:
        self.counts = self.counts or {}
        self.counts[key] = self.counts.get(key, 0) + n

    def finish(self, outcome: str, error: str | None = None) -> None:
        self.store.db.table("runs").update(
            self.id,
            {"ended_at": utcnow(), "outcome": outcome, "error": error, "counts": json.dumps(self.counts or {})},
        )


def _check_file(path: Path, *, need_write: bool) -> None:
    """What the file system says (no file handle: see the module docstring); SQLite reads the header."""
    if path.is_dir():
        raise DatabaseUnreadable(f"{path} is a folder, not a database file.")
    if not os.access(path, os.R_OK):
        raise DatabaseUnreadable(f"Cannot read {path}: permission denied.")
    if need_write and not os.access(path, os.W_OK):
        raise DatabaseReadOnly(f"{path} is read-only; this command needs to write to it.")


def _quick_check(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse to write into a damaged file: `PRAGMA quick_check` once per file and process (docs/robustness.md has its cost)."""
    stat = path.stat()
    key = (stat.st_dev, stat.st_ino)
    if key in _checked:
        return
    problems = [row[0] for row in conn.execute("PRAGMA quick_check(3)").fetchall()]
    if problems != ["ok"]:
        raise DatabaseCorrupt(
            f"{path} is damaged ({' '.join(' '.join(problems).split())[:160]}); it was not changed. "
            f"Restore it from a backup (lhl.db.bak-*), or copy what is readable with `sqlite3 {path} .recover`."
        )
    _checked.add(key)


def _connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=lock_wait_s(), check_same_thread=False
        )
    else:
        conn = sqlite3.connect(
            str(path), timeout=lock_wait_s(), check_same_thread=False, isolation_level="IMMEDIATE"
        )  # implicit write transactions take the lock first too
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def database_error(exc: sqlite3.Error, path: Path | str | None = None) -> LhlError:
    """The numbered one-line error for any SQLite failure (E011–E015), so no command ends in a traceback."""
    where = str(path) if path else "The database"
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return DatabaseLocked(
            f"{where} is locked by another program (another lhl command writing for longer than the "
            f"{lock_wait_s() * LOCK_ATTEMPTS:.0f} s this one waits, or a viewer holding a write lock). "
            "Nothing was written; try again when it is done (LHL_LOCK_WAIT_S sets the wait)."
        )
    if "not a database" in text:
        return DatabaseCorrupt(f"{where} is not an SQLite database (or its first page is damaged); it was not changed.")
    if "malformed" in text or "corrupt" in text:
        return DatabaseCorrupt(f"{where} is damaged ({exc}); it was not changed. Restore it from a backup.")
    if "readonly" in text or "read-only" in text:
        return DatabaseReadOnly(f"{where} cannot be written ({exc}).")
    if "disk is full" in text:
        return DatabaseFull(
            f"{where} cannot be written: the disk is full ({exc}). Nothing was lost; free space and run again."
        )
    return DatabaseUnreadable(f"Cannot use {where}: {exc}.")
