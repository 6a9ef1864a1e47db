"""What a passage is coded as: machine suggestions, each coder's decision, the final code.

The rules follow the codings contract: every human action is its own row; an
`undo` row cancels the row it names; the latest remaining row per coder is
their decision (a `skip` there means none); an `adjudicate` row is the final code.
The store applies the first three (view `standing_codings`).  Without adjudication the final
code is the coders' shared decision when they agree (or the one coder's), and
there is none when they disagree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..codebook import AREAS, framing_codes, framing_of_codes

MACHINE = "machine"

CODING_MODES = ("final", "all", "machine")


@dataclass(frozen=True)
class Decision:
    """One way of coding a passage: by a coder, the final code, or the machine."""

    coder: str
    status: str  # adjudicated | agreed | single | coded | suggested
    reform: bool
    areas: tuple[str, ...]
    framing: str
    successor: bool = False
    coded_at: str | None = None
    memo: str | None = None
    coders: tuple[str, ...] = ()

    def codes(self) -> list[str]:
        """The codebook codes this decision applies to the passage."""
        out = ["reform"] if self.reform else []
        if self.successor:
            out.append("reform.successor")
        out += [f"area.{a}" for a in self.areas]
        return out + framing_codes(self.framing)

    def same_codes(self, other: Decision) -> bool:
        return (self.reform, set(self.areas), self.framing) == (other.reform, set(other.areas), other.framing)


@dataclass
class PassageRecord:
    """A passage with its document context and every coding of it."""

    row: dict[str, Any]
    machine: Decision | None
    by_coder: dict[str, Decision] = field(default_factory=dict)
    adjudication: Decision | None = None
    machine_provenance: str = ""

    @property
    def id(self) -> int:
        return self.row["passage_id"]

    @property
    def final(self) -> Decision | None:
        if self.adjudication:
            return self.adjudication
        decisions = list(self.by_coder.values())
        if not decisions:
            return None
        first = min(decisions, key=lambda d: d.coded_at or "")
        if all(first.same_codes(d) for d in decisions):
            return Decision(
                coder=first.coder,
                status="single" if len(decisions) == 1 else "agreed",
                reform=first.reform,
                areas=first.areas,
                framing=first.framing,
                coded_at=first.coded_at,
                memo=first.memo,
                coders=tuple(sorted(self.by_coder)),
            )
        return None

    @property
    def final_status(self) -> str:
        """adjudicated | agreed | single | disagreed | uncoded."""
        final = self.final
        if final:
            return final.status
        return "disagreed" if self.by_coder else "uncoded"

    def best(self) -> Decision | None:
        """The final human code where there is one, else the machine's suggestion."""
        return self.final or self.machine

    def decisions(self, mode: str) -> list[Decision]:
        """The decisions an export in coding `mode` (final | all | machine) carries."""
        if mode == "machine":
            return [self.machine] if self.machine else []
        if mode == "final":
            return [self.final] if self.final else []
        out = [self.by_coder[c] for c in sorted(self.by_coder)]
        if self.adjudication:
            out.append(self.adjudication)
        return out


def _machine_decision(codes: str | None, provenance: str | None) -> Decision | None:
    if provenance is None:
        return None
    selected = set(codes.split()) if codes else set()
    framing = framing_of_codes(selected)
    return Decision(
        coder=MACHINE,
        status="suggested",
        reform="reform" in selected,
        successor="reform.successor" in selected,
        areas=tuple(a for a in AREAS if f"area.{a}" in selected)
        + tuple(sorted(c[5:] for c in selected if c.startswith("area.") and c[5:] not in AREAS)),
        framing=framing,
    )


def _human_decision(row: dict[str, Any], machine: Decision | None) -> Decision:
    areas: list[str] = []
    if row["areas"]:
        try:
            parsed = json.loads(row["areas"])
        except ValueError:
            parsed = []
        areas = [str(a).removeprefix("area.") for a in parsed] if isinstance(parsed, list) else []
    reform, framing = row["reform"], row["framing"]
    if row["action"] == "not_relevant":
        reform, areas, framing = 0 if reform is None else reform, areas, framing or "ingen"
    elif row["action"] == "accept" and reform is None and machine is not None:
        # An accept row that does not repeat the codes takes the suggestion it answered.
        reform, areas, framing = machine.reform, list(machine.areas), machine.framing
    return Decision(
        coder=row["coder"],
        status="adjudicated" if row["action"] == "adjudicate" else "coded",
        reform=bool(reform),
        areas=tuple(a for a in AREAS if a in areas) + tuple(sorted(set(areas) - set(AREAS))),
        framing=framing or "ingen",
        coded_at=row["coded_at"],
        memo=row["memo"],
    )


def passage_record(row: dict[str, Any]) -> PassageRecord:
    """Resolve one passage row from `store.exports.iter_passage_rows`."""
    provenance = row.pop("machine_provenance")
    machine = _machine_decision(row.pop("machine_codes"), provenance)
    raw_codings = row.pop("codings_json")
    if raw_codings is None or raw_codings == "[]":
        return PassageRecord(row=row, machine=machine, machine_provenance=provenance or "")
    standing = sorted(json.loads(raw_codings), key=lambda c: c["id"])
    by_coder: dict[str, Decision] = {}
    adjudication: Decision | None = None
    for coding in standing:
        if coding["action"] == "skip":  # the coder's latest row is a skip: no standing decision
            continue
        decision = _human_decision(coding, machine)
        if coding["action"] == "adjudicate":
            adjudication = decision  # the newest adjudication comes last
        else:
            by_coder[coding["coder"]] = decision
    return PassageRecord(
        row=row, machine=machine, by_coder=by_coder, adjudication=adjudication, machine_provenance=provenance or ""
    )


def passage_records(rows: Iterable[dict[str, Any]]) -> Iterator[PassageRecord]:
    for row in rows:
        yield passage_record(row)
