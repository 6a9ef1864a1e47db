"""The `lhl` command line: help, version, registry listing, status and error handling."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from lhl.cli import app

from lhl_mining import __version__


def test_help_lists_every_command_with_one_line(runner):
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in app.registered_commands:
        name = command.name or command.callback.__name__.replace("_", "-")
        assert name in result.output
        assert (command.callback.__doc__ or "").strip(), f"{name} has no help text"


def test_version(runner):
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"lhl-mining {__version__}"


def test_kommuner_innlandet_lists_46(runner):
    result = runner.invoke(app, ["kommuner", "--county", "Innlandet", "--format", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert len(rows) == 46
    assert {"Hamar", "Lillehammer", "Gjøvik", "Våler"} <= {r["name"] for r in rows}
    table = runner.invoke(app, ["kommuner", "--county", "Innlandet"])
    assert "46 kommuner in Innlandet" in table.output


def test_kommuner_csv_keeps_every_column_and_aeoeaa(runner):
    result = runner.invoke(app, ["kommuner", "-c", "ostfold", "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 12
    assert "meetings_platform" in rows[0] and "evidence" in rows[0]
    assert any(r["name"] == "Råde" for r in rows)


def test_unknown_county_exits_2_with_suggestion(runner):
    result = runner.invoke(app, ["kommuner", "--county", "Narnia"])
    assert result.exit_code == 2
    assert "Unknown county «Narnia»" in result.output
    assert "Did you mean" in result.output and "Innlandet" in result.output


def test_status_on_missing_database_fails_with_one_line(runner, tmp_path):
    db = tmp_path / "none.db"
    result = runner.invoke(app, ["--db", str(db), "status"])
    assert result.exit_code != 0
    assert "No database at" in result.output
    assert "Traceback" not in result.output
    assert not db.exists()


def test_init_then_status_counts(runner, tmp_path):
    db = tmp_path / "lhl.db"
    assert runner.invoke(app, ["--db", str(db), "init"]).exit_code == 0
    result = runner.invoke(app, ["--db", str(db), "status"])
    assert result.exit_code == 0
    assert "kommuner" in result.output and "357" in result.output
    assert "passages" in result.output and "codings" in result.output


def test_db_from_environment(runner, tmp_path):
    db = tmp_path / "env.db"
    result = runner.invoke(app, ["init"], env={"LHL_DB": str(db)})
    assert result.exit_code == 0
    assert db.exists()


def test_corrupt_database_gives_clear_error_and_is_untouched(runner, tmp_path):
    db = tmp_path / "lhl.db"
    db.write_bytes(b"not a database at all" * 20)
    before = db.read_bytes()
    result = runner.invoke(app, ["--db", str(db), "status"])
    assert result.exit_code != 0
    assert "E013" in result.output and "not an SQLite database" in result.output
    assert db.read_bytes() == before


def _installed_lhl() -> str:
    found = Path(sys.executable).with_name("lhl")
    return str(found) if found.exists() else shutil.which("lhl")


def test_installed_command_works_in_any_directory(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "LHL_DB"}
    done = subprocess.run(
        [_installed_lhl(), "kommuner", "--county", "innlandet", "--format", "csv"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip().splitlines()) == 1 + 46
    bad = subprocess.run(
        [_installed_lhl(), "kommuner", "--county", "Narnia"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert bad.returncode == 2
    assert "Did you mean" in bad.stderr


def test_db_after_the_command_name_wins_over_global_and_environment(runner, tmp_path):
    mine, global_db, env_db = tmp_path / "mine.db", tmp_path / "global.db", tmp_path / "env.db"
    result = runner.invoke(app, ["--db", str(global_db), "init", "--db", str(mine)], env={"LHL_DB": str(env_db)})
    assert result.exit_code == 0, result.output
    assert mine.exists() and not global_db.exists() and not env_db.exists()
    result = runner.invoke(app, ["status", "--db", str(mine)])
    assert result.exit_code == 0 and "357" in result.output


def test_db_given_to_review_reaches_its_assign_subcommand(runner, tmp_path):
    missing = tmp_path / "elsewhere.db"
    for args in (["review", "--db", str(missing), "assign"], ["review", "assign", "--db", str(missing)]):
        result = runner.invoke(app, [*args, "--coder", "a", "--coder", "b", "--double", "0.2"])
        assert result.exit_code != 0
        assert "No database at" in result.output and "elsewhere.db" in result.output
        assert not missing.exists()


def test_every_command_that_uses_the_database_takes_db_after_its_name(runner, tmp_path):
    missing = tmp_path / "missing.db"
    for command in (
        ["status"],
        ["train"],
        ["evaluate"],
        ["reliability"],
        ["report", "--out", str(tmp_path / "r.html")],
        ["export", "--format", "csv", "--out", str(tmp_path / "p.csv")],
        ["tag"],
    ):
        result = runner.invoke(app, [*command, "--db", str(missing)])
        assert result.exit_code != 0, command
        assert "No database at" in result.output and "missing.db" in result.output, (command, result.output)
        assert not missing.exists()
