"""Documents, passages and machine suggestions written straight into a test database for the review tests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from lhl_mining.store import Store, utcnow

PASSAGES = [
    "Kommunestyret vedtar at kvalitetsreformen «Leve hele livet» skal forankres i kommuneplanens samfunnsdel, "
    "med tiltak for et aldersvennlig samfunn og bedre møteplasser for eldre.",
    "Hjemmetjenesten skal styrke hverdagsrehabilitering og helse- og omsorgstjenester, slik at flere kan bo "
    "hjemme lenger. Tildelingskriteriene i omsorgstrappen blir revidert.",
    "Ved sykehjemmet innføres et fast måltidsvertskap, og nattfasten skal ikke overstige elleve timer. "
    "Ernæringsstatus kartlegges ved innkomst.",
    "Frivilligsentralen og kulturskolen inviterer til generasjonsmøter med barnehagene hver torsdag.",
    "Pårørende til personer med demens får tilbud om pårørendeskole og fleksibel avlastning i samarbeid med "
    "spesialisthelsetjenesten. Sammenheng i tjenestene skal sikres med primærkontakt.",
    "Formannskapet godkjente regnskapet for 2023 uten merknader.",
    "Eldrerådet ber om at universell utforming og gang- og sykkelvei prioriteres i arealplanen.",
    "Leve heile livet: kommunen har tilsett ein koordinator som skal følgje opp reforma i tenestene.",
]

# (code, term) pairs each passage's machine suggestion selects; scores decide the least-confident order.
SUGGESTED = [
    {"reform": 0.97, "framing.samfunn": 0.81, "area.aldersvennlig": 0.74},
    {"framing.sektor": 0.88, "area.helsehjelp": 0.66},
    {"area.mat": 0.93, "framing.sektor": 0.58},
    {"area.aktivitet": 0.71, "framing.samfunn": 0.55},
    {"area.sammenheng": 0.9, "framing.sektor": 0.77},
    {},
    {"framing.samfunn": 0.62, "area.aldersvennlig": 0.52},
    {"reform": 0.85, "framing.sektor": 0.51},
]
TERMS = {
    "reform": ["Leve hele livet", "Leve heile livet"],
    "framing.samfunn": ["samfunnsdel", "universell utforming", "Frivilligsentralen"],
    "framing.sektor": ["Hjemmetjenesten", "omsorgstrappen", "sykehjemmet", "spesialisthelsetjenesten", "tenestene"],
    "area.aldersvennlig": ["aldersvennlig samfunn", "gang- og sykkelvei"],
    "area.helsehjelp": ["hverdagsrehabilitering"],
    "area.mat": ["måltidsvertskap", "nattfasten", "Ernæringsstatus"],
    "area.aktivitet": ["generasjonsmøter"],
    "area.sammenheng": ["pårørendeskole", "avlastning", "primærkontakt"],
}
ALL_CODES = [
    "reform",
    "reform.successor",
    "area.aldersvennlig",
    "area.aktivitet",
    "area.mat",
    "area.helsehjelp",
    "area.sammenheng",
    "framing.samfunn",
    "framing.sektor",
]


def add_document(
    store: Store,
    *,
    knr: str = "3403",
    title: str = "Saksframlegg: Leve hele livet i Hamar",
    doc_type: str = "saksframlegg",
    url: str | None = None,
    texts: list[str] | None = None,
) -> list[int]:
    """A document with its passages; returns the passage ids in order."""
    now = utcnow()
    url = url or f"https://innsyn.example.kommune.no/doc/{hashlib.sha1(title.encode()).hexdigest()[:8]}.pdf"
    doc_id = (
        store.db["documents"]
        .insert(
            {
                "knr": knr,
                "platform": "acos",
                "url": url,
                "title": title,
                "doc_type": doc_type,
                "meeting_date": "2024-03-14",
                "utvalg": "Kommunestyret",
                "status": "extracted",
                "n_pages": 4,
                "created_at": now,
                "updated_at": now,
            }
        )
        .last_pk
    )
    ids = []
    for seq, text in enumerate(texts or PASSAGES):
        ids.append(
            store.db["passages"]
            .insert(
                {
                    "document_id": doc_id,
                    "seq": seq,
                    "char_start": seq * 1000,
                    "char_end": seq * 1000 + len(text),
                    "page_no": 1 + seq // 3,
                    "text": text,
                    "text_sha1": hashlib.sha1(text.encode()).hexdigest(),
                    "n_words": len(text.split()),
                    "created_at": now,
                }
            )
            .last_pk
        )
    return ids


def add_tag_run(store: Store) -> int:
    with store.run("tag", {"codebook": "lhl"}) as run:
        return run.id


def add_suggestions(
    store: Store, passage_id: int, selected: dict[str, float], *, run_id: int | None, text: str
) -> None:
    """One current suggestion row per code, like `lhl tag` writes them, with evidence offsets into `text`."""
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for code in ALL_CODES:
        evidence = []
        if code in selected:
            for term in TERMS.get(code, []):
                start = text.find(term)
                if start >= 0:
                    evidence.append(
                        {
                            "code": code,
                            "term": term.lower(),
                            "rule_id": f"{code}:{term.lower()}",
                            "start": start,
                            "end": start + len(term),
                        }
                    )
        rows.append(
            {
                "passage_id": passage_id,
                "code": code,
                "score": selected.get(code, 0.04),
                "selected": int(code in selected),
                "evidence": json.dumps(evidence, ensure_ascii=False),
                "source": "rules",
                "codebook_version": "lhl-2024.1",
                "pipeline": "nb_core_news_sm",
                "run_id": run_id,
                "current": 1,
                "created_at": now,
            }
        )
    store.db["suggestions"].insert_all(rows)


def seed(store: Store) -> list[int]:
    """The standard test corpus: one Hamar document with eight tagged passages (one untagged-looking)."""
    ids = add_document(store)
    run_id = add_tag_run(store)
    for passage_id, text, selected in zip(ids, PASSAGES, SUGGESTED):
        add_suggestions(store, passage_id, selected, run_id=run_id, text=text)
    return ids


def codings(store: Store) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM codings ORDER BY id"))


def codings_in(db_path: Path) -> list[dict[str, Any]]:
    """The coding rows as another process sees them: the database opened afresh."""
    with Store.open(db_path) as store:
        return codings(store)
