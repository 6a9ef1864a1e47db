"""The code tree that exports carry: names, hierarchy, colours, descriptions, version.

Codes come from the project codebook `codebooks/lhl.yaml` (its `version` is kept
in every export).  Until that file exists the tree is the project's fixed code
list, marked with the version `codes-1`.  Dotted ids make the hierarchy
(`area.mat` sits under `area`); a missing parent becomes a non-codable grouping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from ..errors import CodebookUnreadable

FIXED_VERSION = "codes-1"

# The project's fixed code list (common contract), with the reform evaluation's names.
_FIXED_CODES: tuple[tuple[str, str, str, str], ...] = (
    ("reform", "Leve hele livet", "#1F77B4",
     "The passage names the quality reform for older people «Leve hele livet» (Meld. St. 15 (2017–2018)), "
     "in any spelling: Leve heile livet, LHL, kvalitetsreformen for eldre, eldrereformen."),
    ("reform.successor", "Bo trygt hjemme", "#6BAED6",
     "The successor reform «Bo trygt hjemme» / «Bu trygt heime» (Meld. St. 24 (2022–2023))."),
    ("area", "Innsatsområder", "#7F7F7F", "The reform's five focus areas."),
    ("area.aldersvennlig", "Et aldersvennlig Norge", "#2CA02C",
     "Age-friendly society: planning, housing, transport, participation, aldersvennlige lokalsamfunn."),
    ("area.aktivitet", "Aktivitet og fellesskap", "#FF7F0E",
     "Activity, good experiences and community: meeting places, culture, volunteers, loneliness."),
    ("area.mat", "Mat og måltider", "#D62728",
     "Food and meals: ernæring, underernæring, måltidsopplevelser, måltidsvenner."),
    ("area.helsehjelp", "Helsehjelp", "#9467BD",
     "Health care: mestring, hverdagsrehabilitering, forebygging of funksjonsfall, «rett hjelp til rett tid»."),
    ("area.sammenheng", "Sammenheng i tjenestene", "#8C564B",
     "Continuity of services: pasientforløp, overganger, pårørende, kontaktperson, trygghet og forutsigbarhet."),
    ("framing", "Framing", "#7F7F7F", "Whether the passage treats the reform as a society or a sector reform."),
    ("framing.samfunn", "Samfunnsreform", "#17BECF",
     "Framed as a society reform: cross-sector, planning, housing, transport, culture, volunteers, civil society."),
    ("framing.sektor", "Sektorreform", "#BCBD22",
     "Framed as a health and care sector reform: services, capacity, staffing, institutions."),
)
_GROUPING_IDS = {"area", "framing"}


@dataclass(frozen=True)
class CodeDef:
    id: str
    name: str
    color: str
    description: str
    codable: bool = True

    @property
    def parent(self) -> str | None:
        return self.id.rsplit(".", 1)[0] if "." in self.id else None


@dataclass(frozen=True)
class Codebook:
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


def _with_parents(codes: list[CodeDef]) -> tuple[CodeDef, ...]:
    """Add non-codable groupings for missing parents, keeping order (parents first)."""
    known = {c.id for c in codes}
    fixed = {c[0]: c for c in _FIXED_CODES}
    out: list[CodeDef] = []
    for code in codes:
        parent = code.parent
        missing = []
        while parent and parent not in known:
            missing.append(parent)
            known.add(parent)
            parent = parent.rsplit(".", 1)[0] if "." in parent else None
        for pid in reversed(missing):
            name, color, description = (fixed[pid][1:] if pid in fixed else (pid, "#7F7F7F", ""))
            out.append(CodeDef(pid, name, color, description, codable=False))
        out.append(code)
    return tuple(out)


def _fixed_codebook() -> Codebook:
    codes = [CodeDef(cid, name, color, desc, codable=cid not in _GROUPING_IDS) for cid, name, color, desc in _FIXED_CODES]
    return Codebook(FIXED_VERSION, tuple(codes), "fixed code list")


def _yaml_codes(data: Any) -> list[dict[str, Any]]:
    """Code entries from the YAML: a list of mappings, or a mapping of id → mapping, nested under `children`."""
    raw = data.get("codes") if isinstance(data, dict) else None
    entries: list[dict[str, Any]] = []

    def walk(items: Any, parent: str | None) -> None:
        if isinstance(items, dict):
            items = [{"id": k, **(v if isinstance(v, dict) else {})} for k, v in items.items()]
        for item in items or []:
            if not isinstance(item, dict) or not (item.get("id") or item.get("code")):
                continue
            cid = str(item.get("id") or item.get("code"))
            if parent and not cid.startswith(parent + "."):
                cid = f"{parent}.{cid}"
            entries.append({**item, "id": cid})
            walk(item.get("children") or item.get("subcodes") or item.get("codes"), cid)

    walk(raw, None)
    return entries


def load_codebook(text: str | None = None, *, origin: str = "codebooks/lhl.yaml") -> Codebook:
    """The project codebook (from `text`, else the installed `codebooks/lhl.yaml`), else the fixed list."""
    if text is None:
        resource = resources.files("lhl_mining.codebooks").joinpath("lhl.yaml")
        if not resource.is_file():
            return _fixed_codebook()
        text = resource.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CodebookUnreadable(f"{origin} is not valid YAML ({exc}); fix it (`lhl codebook check`).") from None
    entries = _yaml_codes(data)
    if not entries:
        raise CodebookUnreadable(f"{origin} defines no codes; exports need its `codes`.")
    fixed = {c[0]: c for c in _FIXED_CODES}
    codes = []
    for entry in entries:
        cid = entry["id"]
        default = fixed.get(cid, (cid, cid, "#7F7F7F", ""))
        color = str(entry.get("color") or entry.get("colour") or default[2])
        codes.append(
            CodeDef(
                cid,
                str(entry.get("name") or entry.get("label") or entry.get("title") or default[1]),
                color if re.fullmatch(r"#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})", color) else default[2],
                " ".join(str(entry.get("description") or default[3]).split()),
                codable=bool(entry.get("codable", cid not in _GROUPING_IDS)),
            )
        )
    return Codebook(str(data.get("version", "unversioned")), _with_parents(codes), origin)
