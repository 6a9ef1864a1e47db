"""The SQLite store: the one place that knows the schema and speaks SQL.

Every command reads and writes one database file (default ``lhl.db``).  Opening
it checks everything that can go wrong before anything is written: a missing,
unreadable, locked or corrupt file, a database from a newer lhl-mining, or a
file that is some other program's database.  Upgrades back the file up first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__, registry
from ..errors import (
    DatabaseCorrupt,
    DatabaseLocked,
    DatabaseMissing,
    DatabaseReadOnly,
    DatabaseTooNew,
    DatabaseUnreadable,
)

if TYPE_CHECKING:  # sqlite_utils is imported on opening a store: `lhl classify` and --help never do
    import sqlite_utils

DEFAULT_DB = "lhl.db"
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 5.0


def utcnow() -> str:
    """ISO-8601 UTC timestamp with seconds, used for every *_at column."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def default_db_path() -> Path:
    return Path(os.environ.get("LHL_DB") or DEFAULT_DB)


def _known_migrations() -> list[str]:
    from ..migrations import migrations

    return [m.name for m in migrations._migrations]


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
        import sqlite_utils

        conn = _connect(path, readonly=readonly and exists)
        store = cls(sqlite_utils.Database(conn), path, readonly=readonly and exists)
        try:
            store._prepare()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise _classify(exc, path) from None
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
            self.db["kommuner"].upsert_all((k.as_dict() for k in registry.kommuner()), pk="knr")
            self.set_meta("registry_sha256", digest)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def backup(self, target: Path) -> Path:
        """Copy the whole database (consistent, WAL included) to `target`."""
        dest = sqlite3.connect(str(target))
        try:
            self.db.conn.backup(dest)
        finally:
            dest.close()
        return target

    def first(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> dict[str, Any] | None:
        """The first row of a query as a dict, or None: the lookups every area needs."""
        return next(self.db.query(sql, params), None)

    # ------------------------------------------------------------------ meta
    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db["meta"].upsert({"key": key, "value": value}, pk="key")

    def schema_version(self) -> str:
        from ..migrations import migrations

        applied = migrations.applied(self.db)
        return applied[-1].name if applied else ""

    # ------------------------------------------------------------------ runs
    @contextlib.contextmanager
    def run(self, command: str, parameters: dict[str, Any] | None = None, versions: dict[str, str] | None = None) -> Iterator[Run]:
        """Record a command run: parameters and versions at start, counts and outcome at end.

        A Ctrl-C marks the run `interrupted` (and re-raises); other errors mark it `failed`.
        """
        all_versions = {"lhl_mining": __version__, "python": platform.python_version(), **(versions or {})}
        run_id = self.db["runs"].insert(
            {
                "command": command,
                "parameters": json.dumps(parameters or {}, ensure_ascii=False, default=str),
                "versions": json.dumps(all_versions, ensure_ascii=False),
                "started_at": utcnow(),
                "outcome": "running",
            }
        ).last_pk
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
        self.store.db["runs"].update(
            self.id,
            {"ended_at": utcnow(), "outcome": outcome, "error": error, "counts": json.dumps(self.counts or {})},
        )


def _check_file(path: Path, *, need_write: bool) -> None:
    if path.is_dir():
        raise DatabaseUnreadable(f"{path} is a folder, not a database file.")
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseUnreadable(f"Cannot read {path}: {exc.strerror}.") from None
    if header and header != SQLITE_HEADER:
        raise DatabaseCorrupt(f"{path} is not an SQLite database (or is damaged); it was not changed.")
    if need_write and not os.access(path, os.W_OK):
        raise DatabaseReadOnly(f"{path} is read-only; this command needs to write to it.")


def _connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S,
                               check_same_thread=False)
    else:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def _classify(exc: sqlite3.DatabaseError, path: Path) -> Exception:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return DatabaseLocked(
            f"{path} is locked by another program (another lhl command, or a viewer holding a write lock). "
            "Close it and try again."
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return DatabaseCorrupt(f"{path} is damaged ({exc}); it was not changed. Restore it from a backup.")
    if "readonly" in text or "read-only" in text:
        return DatabaseReadOnly(f"{path} cannot be written ({exc}).")
    return DatabaseUnreadable(f"Cannot open {path}: {exc}.")
