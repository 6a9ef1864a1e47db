"""Case linking: the papers of one case (saksframlegg, særutskrift/protokoll, the plan as vedlegg) found together.

Two papers belong to the same case when they share the arkivsak (documents.saksnr
or the decision's «Arkivsak»), the portal's case or agenda-item id
(saksmappe_id, moetesak_id), or the sak title (a protocol's «PS 12/20 Leve hele
livet – handlingsplan» and the saksframlegg titled the same).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

_SAK_PREFIX = re.compile(r"^\W*(?:(?:PS|RS|FO|DS|OS|sak|k-sak)\s*)?\d{1,4}\s*/\s*\d{2,4}\W*", re.IGNORECASE)
MIN_TITLE = 12


def title_key(title: str | None) -> str:
    """A sak or document title without sak number, punctuation and case."""
    if not title:
        return ""
    stripped = _SAK_PREFIX.sub("", title)
    return " ".join(re.findall(r"\w+", stripped.lower()))


def _arkivsak(value: str | None) -> str:
    return re.sub(r"\s+", "", value or "").lower()


class CaseIndex:
    """Documents of each kommune, indexed by their case keys."""

    def __init__(self, documents: list[dict[str, Any]]) -> None:
        self.by_id = {d["document_id"]: d for d in documents}
        self.keys: dict[tuple[str, str, str], set[int]] = defaultdict(set)
        for d in documents:
            for key in self._doc_keys(d):
                self.keys[key].add(d["document_id"])

    @staticmethod
    def _doc_keys(d: dict[str, Any]) -> list[tuple[str, str, str]]:
        knr = d.get("knr") or ""
        keys = []
        if a := _arkivsak(d.get("saksnr")):
            keys.append((knr, "arkivsak", a))
        for field in ("saksmappe_id", "moetesak_id"):
            if d.get(field):
                keys.append((knr, field, str(d[field])))
        if len(t := title_key(d.get("title"))) >= MIN_TITLE:
            keys.append((knr, "title", t))
        return keys

    def papers(self, decision: dict[str, Any]) -> list[dict[str, Any]]:
        """The other papers of the decision's case, by id (its own document first)."""
        knr = decision.get("knr") or ""
        own = self.by_id.get(decision["document_id"], decision)
        keys = [k for k in self._doc_keys(own) if k[1] != "title" or decision.get("sak_start") in (None, 0)]
        if a := _arkivsak(decision.get("arkivsak")):
            keys.append((knr, "arkivsak", a))
        if len(t := title_key(decision.get("sak_title"))) >= MIN_TITLE:
            keys.append((knr, "title", t))
        found: set[int] = set()
        for key in keys:
            found |= self.keys.get(key, set())
        # a second round: the arkivsak of a paper found by title links its vedlegg too
        for doc_id in list(found):
            for key in self._doc_keys(self.by_id[doc_id]):
                if key[1] in ("arkivsak", "saksmappe_id", "moetesak_id"):
                    found |= self.keys.get(key, set())
        found.discard(decision["document_id"])
        return [self.by_id[i] for i in sorted(found)]
