"""Docs checked by tests: every command is in the README and has help text."""

from __future__ import annotations

import re

import click
import typer.main
from conftest import REPO
from lhl.cli import app


def _commands() -> dict[str, click.Command]:
    root = typer.main.get_command(app)
    found = {}
    for name, command in root.commands.items():
        found[name] = command
        if hasattr(command, "commands"):  # a group; typer vendors click, so isinstance(click.Group) never matched
            for sub, subcommand in command.commands.items():
                found[f"{name} {sub}"] = subcommand
    return found


def test_every_command_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    headings = re.findall(r"^### `lhl ([^`]+)`", readme, flags=re.M)
    documented = " ".join(headings) + " " + readme
    for name in _commands():
        top = name.split()[0]
        assert any(h.startswith(top) for h in headings), f"`lhl {top}` has no README section"
        assert f"lhl {name}" in documented or (" " in name and name.split()[1] in documented), name


def test_every_command_has_a_one_line_help(runner):
    for name, command in _commands().items():
        assert (command.help or "").strip(), f"lhl {name} has no help"
        result = runner.invoke(app, [*name.split(), "--help"])
        assert result.exit_code == 0, name
        assert "Usage" in result.output


def test_readme_quick_start_has_two_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in block.strip().splitlines() if line.strip()]
    assert len(commands) == 2
    assert "lhl demo" in commands[0]
    assert "scripts/test" in commands[1]
    assert "scripts/test" in (REPO / ".ci" / "run").read_text()
