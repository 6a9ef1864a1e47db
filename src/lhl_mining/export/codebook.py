"""The code tree that exports carry: names, hierarchy, colours, descriptions, version.

The tree is a view of the project codebook (`lhl_mining.codebook`, the YAML
file `codebooks/lhl.yaml` unless a path is given): every code with its label,
description and `display:` colour, under the version id suggestions record
(`lhl@1.0.0+digest`).  Dotted ids make the hierarchy (`area.mat` sits under
`area`); a parent that is not a code is a non-codable grouping, named by the
codebook's `display: groups:` entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..codebook import GREY, Codebook, Group, load_codebook


@dataclass(frozen=True)
class CodeDef:
    id: str
    name: str
    color: str
    description: str
    codable: bool = True
    short: str = ""
    """The name charts use (the report's area columns); `name` when empty."""

    @property
    def parent(self) -> str | None:
        return self.id.rsplit(".", 1)[0] if "." in self.id else None


@dataclass(frozen=True)
class CodeTree:
    version: str
    codes: tuple[CodeDef, ...]
    origin: str

    @property
    def ids(self) -> set[str]:
        return {c.id for c in self.codes if c.codable}

    def children(self, parent: str | None) -> list[CodeDef]:
        return [c for c in self.codes if c.parent == parent]

    def get(self, code_id: str) -> CodeDef | None:
        return next((c for c in self.codes if c.id == code_id), None)


def code_tree(codebook: Codebook) -> CodeTree:
    """The codebook's codes as an export tree, each missing parent added as a grouping before its first child."""
    out: list[CodeDef] = []
    known = set(codebook.codes)
    for code in codebook.codes.values():
        missing = []
        parent = code.code.rsplit(".", 1)[0] if "." in code.code else None
        while parent and parent not in known:
            missing.append(parent)
            known.add(parent)
            parent = parent.rsplit(".", 1)[0] if "." in parent else None
        for group_id in reversed(missing):
            group = codebook.groups.get(group_id, Group(group_id, GREY))
            out.append(CodeDef(group_id, group.name, group.colour, _one_line(group.description), codable=False))
        out.append(CodeDef(code.code, code.label, code.colour, _one_line(code.description), short=code.short))
    return CodeTree(codebook.version_id, tuple(out), str(codebook.path))


def load_code_tree(path: str | Path | None = None) -> CodeTree:
    """The tree of the codebook at `path`, else the bundled one; `CodebookInvalid` (E101) when unreadable."""
    return code_tree(load_codebook(path))


def _one_line(text: str) -> str:
    return " ".join(text.split())
