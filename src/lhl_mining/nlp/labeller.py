"""The passage-labelling interface shared by the codebook rules and trained models.

A `Labeller` turns passage texts into `PassageLabel`s: the reform flag, the
focus areas, the framing, a score per code and the evidence behind each code.
`RuleLabeller` (codebook rules, `lhl_mining.nlp.rules`) implements it; a trained
classifier (`lhl_mining.learn`) implements it too and can combine its scores
with the rules'.  `lhl classify` and `lhl tag` only ever talk to this
interface, so every suggestion can name the labeller (`provenance`), the
codebook version and the spaCy pipeline that produced it.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..codebook import AREAS, FRAMINGS, framing_codes

CONTEXT_FIELDS = ("heading", "title", "doc_type")
"""The fields of a passage's document context, as `lhl classify` input, gold lines and store rows name them."""


@dataclass(frozen=True)
class DocContext:
    """Where a passage stands: its heading path, its document's title and document type (LABELING.md types).

    Codebook conditions with ``window: document`` look at these too, so a
    passage under «Aldersvennlig samfunn» in «Plan for eldre», or in an LHL
    plan, is about older people even when its sentences never say «eldre».
    """

    heading: str = ""
    title: str = ""
    doc_type: str = ""

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> DocContext | None:
        """The context in a JSONL line, gold line or store row (missing or empty fields are ""); None when empty."""
        return cls(**{key: str(row.get(key) or "") for key in CONTEXT_FIELDS}) or None

    @property
    def text(self) -> str:
        """Title and heading path as one text (blank-line separated), for word and regex conditions."""
        return "\n\n".join(part for part in (self.title, self.heading) if part)

    def __bool__(self) -> bool:
        return bool(self.heading or self.title or self.doc_type)


@dataclass
class PassageLabel:
    """What a labeller says about one passage.

    `scores` holds a value in [0, 1] for every code in `PASSAGE_CODES`
    (`reform`, `reform.successor`, `area.<x>`, `framing.samfunn`,
    `framing.sektor`).  `evidence` lists the hits behind the labels: dicts with
    `code`, `term`, `rule_id`, `start`, `end` (character offsets into the
    passage text); model labellers may add other keys such as `model`.
    """

    reform: bool
    areas: list[str]
    framing: str
    scores: dict[str, float] = field(default_factory=dict)
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        unknown = [a for a in self.areas if a not in AREAS]
        if unknown:
            raise ValueError(f"unknown area(s) {unknown}; expected a subset of {AREAS}")
        if self.framing not in FRAMINGS:
            raise ValueError(f"unknown framing {self.framing!r}; expected one of {FRAMINGS}")
        self.areas = [a for a in AREAS if a in self.areas]

    def copy(self) -> PassageLabel:
        """A copy whose lists and dicts the caller may change (evidence items are shared, read-only)."""
        return PassageLabel(self.reform, list(self.areas), self.framing, dict(self.scores), list(self.evidence))

    @property
    def successor(self) -> bool:
        """True when the passage names the successor reform (Bo trygt hjemme)."""
        return self.scores.get("reform.successor", 0.0) >= 0.5

    def selected_codes(self) -> set[str]:
        """The codes this label asserts (what `lhl tag` stores as `selected`)."""
        codes = {f"area.{a}" for a in self.areas}
        if self.reform:
            codes.add("reform")
        if self.successor:
            codes.add("reform.successor")
        codes.update(framing_codes(self.framing))
        return codes

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape `lhl classify` writes (without the id)."""
        return {
            "reform": self.reform,
            "areas": list(self.areas),
            "framing": self.framing,
            "scores": {code: round(float(value), 4) for code, value in self.scores.items()},
            "evidence": list(self.evidence),
        }


class Labeller(abc.ABC):
    """Something that labels passages; see the module docstring.

    Subclasses set `name` and `version` (together the `provenance` string
    stored as `suggestions.source`), `codebook_version` (the codebook the
    labels refer to) and `pipeline` (``"<spaCy pipeline name>@<version>"``, or
    ``""`` when no spaCy pipeline is involved).
    """

    name: str = ""
    version: str = ""
    codebook_version: str = ""
    pipeline: str = ""

    @property
    def provenance(self) -> str:
        return f"{self.name}@{self.version}"

    @abc.abstractmethod
    def label(self, texts: Sequence[str], contexts: Sequence[DocContext | None] | None = None) -> list[PassageLabel]:
        """Label each text (with its document context, when given); one `PassageLabel` per text, in order."""

    def label_stream(
        self, texts: Iterable[str], batch_size: int = 256, contexts: Iterable[DocContext | None] | None = None
    ) -> Iterable[PassageLabel]:
        """Label a long stream of texts in batches (used by `lhl classify`); `contexts` runs parallel to `texts`."""
        pairs = zip(texts, contexts) if contexts is not None else ((text, None) for text in texts)
        batch: list[tuple[str, DocContext | None]] = []
        for pair in pairs:
            batch.append(pair)
            if len(batch) >= batch_size:
                yield from self._label_pairs(batch)
                batch = []
        if batch:
            yield from self._label_pairs(batch)

    def label_parallel(
        self, texts: Sequence[str], contexts: Sequence[DocContext | None] | None, workers: int
    ) -> list[PassageLabel]:
        """`label` with the work spread over `workers` processes where this labeller can (`lhl tag --workers`);
        one that cannot labels in this process."""
        return self.label(texts, contexts)

    def _label_pairs(self, batch: list[tuple[str, DocContext | None]]) -> list[PassageLabel]:
        texts = [text for text, _ in batch]
        if any(context for _, context in batch):
            return self.label(texts, [context for _, context in batch])
        return self.label(texts)
