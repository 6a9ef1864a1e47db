"""The README command reference agrees with `lhl COMMAND --help`, in both directions.

Every option a command's --help lists is named in that command's README
section (`### \\`lhl COMMAND …\\``; a subcommand such as `review assign` may
share its group's section), and every `--option` the README names exists on
the command it is written for.  `--db` and `--version` are documented once,
under «Global options».  A failure says what to add or remove, and where.
"""

from __future__ import annotations

import re

import click
import typer.main
from conftest import REPO
from lhl.cli import app

GLOBAL_OPTIONS = {"--db", "--version", "--help"}
OPTION_RE = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
# `lhl [--db PATH] COMMAND [SUB]` inside a code span or a console line: its options belong to that command.
LHL_CALL_RE = re.compile(r"\blhl(?: --db \S+)?((?: [a-z][a-z-]*)+)([^`\n]*)")
OTHER_PROGRAM_RE = re.compile(r"`(?:python|pip|bash|printf)\b[^`]*`")


def _commands() -> dict[str, click.Command]:
    root = typer.main.get_command(app)
    found: dict[str, click.Command] = {}
    for name, command in root.commands.items():
        found[name] = command
        if hasattr(command, "commands"):  # a group (typer vendors click, so no isinstance)
            found.update({f"{name} {sub}": subcommand for sub, subcommand in command.commands.items()})
    return found


def _long_options(command: click.Command) -> dict[str, str]:
    """Each long option (both halves of `--x/--no-x`) with its help text."""
    return {
        opt: (getattr(param, "help", None) or "").replace("\\[", "[")
        for param in command.params
        if param.param_type_name == "option"
        for opt in (*param.opts, *param.secondary_opts)
        if opt.startswith("--")
    }


def _sections() -> dict[str, str]:
    """README command-reference sections by the command names their heading covers (`sources list|discover`)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    reference = readme.split("\n## Command reference", 1)[1].split("\n## ", 1)[0]
    sections: dict[str, str] = {}
    for block in re.split(r"\n(?=### )", reference):
        heading = re.match(r"### `lhl ([^`]+)`", block)
        if not heading:
            continue
        words = heading.group(1).split()
        top = words[0]
        sections[top] = block
        if len(words) > 1 and re.fullmatch(r"[a-z][a-z|-]*", words[1]):
            for sub in words[1].split("|"):
                sections[f"{top} {sub}"] = block
    return sections


def _section_for(name: str, sections: dict[str, str]) -> tuple[str, str] | None:
    for key in (name, name.split()[0]):
        if key in sections:
            return key, sections[key]
    return None


def _command_of_call(words: str, commands: dict[str, click.Command]) -> str | None:
    parts = words.split()
    for n in (2, 1):
        if " ".join(parts[:n]) in commands:
            return " ".join(parts[:n])
    return None


def test_every_option_in_help_is_in_its_readme_section():
    commands, sections = _commands(), _sections()
    gaps = []
    for name, command in commands.items():
        found = _section_for(name, sections)
        if found is None:
            gaps.append(f"`lhl {name}` has no README section: add `### `lhl {name} …`` under «Command reference»")
            continue
        _key, text = found
        heading = text.splitlines()[0]
        named = set(OPTION_RE.findall(text))
        options = _long_options(command)
        for option in sorted(set(options) - GLOBAL_OPTIONS - named):
            gaps.append(f"add `{option}` of `lhl {name}` ({options[option]}) to the README section {heading}")
    assert not gaps, "README command reference is behind `--help`:\n" + "\n".join(gaps)


def test_the_readme_names_no_option_a_command_does_not_have():
    commands, sections = _commands(), _sections()
    wrong = []
    for key, text in {k: v for k, v in sections.items() if " " not in k}.items():
        text = OTHER_PROGRAM_RE.sub("", text)
        own = set(GLOBAL_OPTIONS)
        for name, command in commands.items():
            if name == key or name.startswith(key + " "):
                own |= set(_long_options(command))
        for call in LHL_CALL_RE.finditer(text):  # `lhl export --format csv` in another command's section
            target = _command_of_call(call.group(1), commands)
            if target is None or target == key or target.startswith(key + " "):
                continue
            for option in sorted(
                set(OPTION_RE.findall(call.group(2))) - set(_long_options(commands[target])) - GLOBAL_OPTIONS
            ):
                wrong.append(
                    f"README section `### lhl {key}` shows `lhl {target} {option}`, which `lhl {target}` lacks"
                )
            text = text.replace(call.group(0), "")
        for option in sorted(set(OPTION_RE.findall(text)) - own):
            wrong.append(
                f"README section `### lhl {key}` names `{option}`, which no `lhl {key}` command has: "
                "remove it or fix its spelling"
            )
    assert not wrong, "README names options that do not exist:\n" + "\n".join(wrong)
