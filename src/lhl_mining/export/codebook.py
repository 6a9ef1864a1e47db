"""The code tree that exports carry: names, hierarchy, colours, descriptions, version.

Codes come from the project codebook `codebooks/lhl.yaml`, read by the NLP
package's loader; every export keeps its version id (`lhl@1.0.0+digest`, as
suggestions record it).  Without that file the tree is the project's fixed
code list, marked with the version `codes-1`.  Dotted ids make the hierarchy
(`area.mat` sits under `area`); a missing parent becomes a non-codable grouping.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FIXED_VERSION = "codes-1"

# The project's fixed code list (common contract), with the reform evaluation's names.
_FIXED_CODES: tuple[tuple[str, str, str, str], ...] = (
    (
        "reform",
        "Leve hele livet",
        "#1F77B4",
        "The passage names the quality reform for older people «Leve hele livet» (Meld. St. 15 (2017–2018)), "
        "in any spelling: Leve heile livet, LHL, kvalitetsreformen for eldre, eldrereformen.",
    ),
    (
        "reform.successor",
        "Bo trygt hjemme",
        "#6BAED6",
        "The successor reform «Bo trygt hjemme» / «Bu trygt heime» (Meld. St. 24 (2022–2023)).",
    ),
    ("area", "Innsatsområder", "#7F7F7F", "The reform's five focus areas."),
    (
        "area.aldersvennlig",
        "Et aldersvennlig Norge",
        "#2CA02C",
        "Age-friendly society: planning, housing, transport, participation, aldersvennlige lokalsamfunn.",
    ),
    (
        "area.aktivitet",
        "Aktivitet og fellesskap",
        "#FF7F0E",
        "Activity, good experiences and community: meeting places, culture, volunteers, loneliness.",
    ),
    (
        "area.mat",
        "Mat og måltider",
        "#D62728",
        "Food and meals: ernæring, underernæring, måltidsopplevelser, måltidsvenner.",
    ),
    (
        "area.helsehjelp",
        "Helsehjelp",
        "#9467BD",
        "Health care: mestring, hverdagsrehabilitering, forebygging of funksjonsfall, «rett hjelp til rett tid».",
    ),
    (
        "area.sammenheng",
        "Sammenheng i tjenestene",
        "#8C564B",
        "Continuity of services: pasientforløp, overganger, pårørende, kontaktperson, trygghet og forutsigbarhet.",
    ),
    ("framing", "Framing", "#7F7F7F", "Whether the passage treats the reform as a society or a sector reform."),
    (
        "framing.samfunn",
        "Samfunnsreform",
        "#17BECF",
        "Framed as a society reform: cross-sector, planning, housing, transport, culture, volunteers, civil society.",
    ),
    (
        "framing.sektor",
        "Sektorreform",
        "#BCBD22",
        "Framed as a health and care sector reform: services, capacity, staffing, institutions.",
    ),
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
            name, color, description = fixed[pid][1:] if pid in fixed else (pid, "#7F7F7F", "")
            out.append(CodeDef(pid, name, color, description, codable=False))
        out.append(code)
    return tuple(out)


def _fixed_codebook() -> Codebook:
    codes = [
        CodeDef(cid, name, color, desc, codable=cid not in _GROUPING_IDS) for cid, name, color, desc in _FIXED_CODES
    ]
    return Codebook(FIXED_VERSION, tuple(codes), "fixed code list")


def load_codebook(path: str | Path | None = None) -> Codebook:
    """The project codebook (`path`, else the installed `codebooks/lhl.yaml`) as read and validated by
    `lhl_mining.nlp`, so its version is the one suggestions record; the fixed list when no file exists."""
    from ..nlp.codebook import default_codebook_path
    from ..nlp.codebook import load_codebook as load_project_codebook

    source = Path(path) if path is not None else default_codebook_path()
    if path is None and not source.is_file():
        return _fixed_codebook()
    project = load_project_codebook(source)  # CodebookInvalid (E101) names the line
    fixed = {c[0]: c for c in _FIXED_CODES}
    codes = []
    for code in project.codes.values():
        default = fixed.get(code.code, (code.code, code.code, "#7F7F7F", ""))
        codes.append(
            CodeDef(code.code, code.label or default[1], default[2], " ".join((code.description or default[3]).split()))
        )
    return Codebook(project.version_id, _with_parents(codes), str(source))
