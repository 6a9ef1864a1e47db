"""Opening, creating and upgrading the store; every bad database is refused untouched."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest
import sqlite_utils

from lhl_mining.errors import (
    DatabaseCorrupt,
    DatabaseLocked,
    DatabaseMissing,
    DatabaseTooNew,
    DatabaseUnreadable,
)
from lhl_mining.migrations import migrations
from lhl_mining.store import Store

EXPECTED_TABLES = {
    "kommuner",
    "sources",
    "documents",
    "document_texts",
    "pages",
    "sections",
    "passages",
    "suggestions",
    "assignments",
    "codings",
    "runs",
    "meta",
    "http_cache",
    "scrape_coverage",
}


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_create_from_empty_builds_schema_wal_and_registry(db_path):
    with Store.open(db_path, create=True) as store:
        assert set(store.db.table_names()) >= EXPECTED_TABLES
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.db["kommuner"].count == 357
        assert store.schema_version() == migrations._migrations[-1].name


def test_reopening_is_idempotent(db_path):
    with Store.open(db_path, create=True) as store:
        first = [(m.name, m.applied_at) for m in migrations.applied(store.db)]
    with Store.open(db_path, create=True) as store:
        assert [(m.name, m.applied_at) for m in migrations.applied(store.db)] == first
        assert store.db["kommuner"].count == 357


def test_foreign_keys_reject_orphans(store):
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute(
            "INSERT INTO passages (document_id, seq, char_start, char_end, text, text_sha1, created_at) "
            "VALUES (999, 0, 0, 1, 'x', 'x', 'now')"
        )


def test_upgrade_from_previous_schema_keeps_data_and_backs_up(db_path):
    """A database from an older release (all but the newest migration) is upgraded in place."""
    names = [m.name for m in migrations._migrations]
    assert len(names) > 1
    db = sqlite_utils.Database(db_path)
    migrations.apply(db, stop_before=names[-1])
    db["runs"].insert({"command": "scrape", "started_at": "2024-01-01T00:00:00+00:00", "outcome": "ok"})
    db.close()
    with Store.open(db_path) as store:
        assert [m.name for m in migrations.applied(store.db)] == names
        assert store.db["runs"].count == 1
        assert store.db["kommuner"].count == 357
    backup = db_path.parent / f"{db_path.name}.bak-{names[-2]}"
    with sqlite_utils.Database(backup) as old:
        assert names[-1] not in {row["name"] for row in old["_sqlite_migrations"].rows}
        assert old["runs"].count == 1


def test_missing_database_is_not_created_by_read_commands(db_path):
    with pytest.raises(DatabaseMissing, match="lhl init"):
        Store.open(db_path)
    assert not db_path.exists()


def test_newer_schema_is_refused_untouched(db_path):
    with Store.open(db_path, create=True) as store:
        store.db["_sqlite_migrations"].insert(
            {"migration_set": "lhl_mining", "name": "9999_from_the_future", "applied_at": "2030-01-01"}
        )
    before = digest(db_path)
    with pytest.raises(DatabaseTooNew, match="newer lhl-mining"):
        Store.open(db_path, create=True)
    assert digest(db_path) == before


def test_garbage_file_is_refused_untouched(db_path):
    db_path.write_bytes(b"%PDF-1.7 this is not a database" * 10)
    before = digest(db_path)
    with pytest.raises(DatabaseCorrupt, match="not an SQLite database"):
        Store.open(db_path, create=True)
    assert digest(db_path) == before


def test_truncated_database_is_reported_as_damaged(db_path):
    with Store.open(db_path, create=True) as store:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = db_path.read_bytes()
    db_path.write_bytes(data[:100] + b"\x00" * 4096 + data[5000:6000])
    with pytest.raises((DatabaseCorrupt, DatabaseUnreadable)):
        Store.open(db_path, create=True)


def test_other_programs_database_is_refused_untouched(db_path):
    other = sqlite_utils.Database(db_path)
    other["invoices"].insert({"id": 1, "amount": 10})
    other.close()
    before = digest(db_path)
    with pytest.raises(DatabaseCorrupt, match="not an lhl-mining one"):
        Store.open(db_path, create=True)
    assert digest(db_path) == before


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(DatabaseUnreadable, match="folder"):
        Store.open(tmp_path, create=True)


def test_locked_database(db_path, monkeypatch):
    Store.open(db_path, create=True).close()
    holder = sqlite3.connect(db_path)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setenv("LHL_LOCK_WAIT_S", "0.2")
    try:
        with pytest.raises(DatabaseLocked, match="locked"):
            Store.open(db_path)
    finally:
        holder.rollback()
        holder.close()


def test_run_records_outcome_counts_and_versions(store):
    with store.run("ingest", {"paths": ["a.pdf"]}, {"codebook": "1.0"}) as run:
        run.count("documents", 3)
    with pytest.raises(KeyboardInterrupt), store.run("scrape", {}):
        raise KeyboardInterrupt
    with pytest.raises(ValueError), store.run("tag", {}):
        raise ValueError("bad codebook")
    rows = list(store.db["runs"].rows_where(order_by="id"))
    assert [r["outcome"] for r in rows] == ["ok", "interrupted", "failed"]
    assert '"documents": 3' in rows[0]["counts"]
    assert '"codebook": "1.0"' in rows[0]["versions"] and "lhl_mining" in rows[0]["versions"]
    assert rows[2]["error"] == "bad codebook"
    assert all(r["ended_at"] for r in rows)
