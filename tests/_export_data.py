"""A small real project for the export and report tests, inserted row by row with sqlite-utils.

Three kommuner with documents (Hamar with a Leve hele livet plan coded by two
coders and adjudicated, and a saksframlegg passage they disagree on; Bodø with machine suggestions only; Risør with a failed
download), one kommune with a source but nothing found (Herøy in Nordland, whose
name exists twice), Norwegian text with æøå, emoji and CRLF line ends.
"""

from __future__ import annotations

import hashlib
import json
import re

from lhl_mining.store import Store, utcnow

CODEBOOK_VERSION = "test-1"

HAMAR_PLAN = [
    "Handlingsplan for Leve hele livet 2020–2023",
    "Hamar skal være et aldersvennlig samfunn 👵🏼 der eldre kan bidra, med møteplasser og frivillige.",
    "Måltidene på sykehjemmet skal bli bedre;\r\nmat og måltider er en del av reformen 🍽️.",
    "Hverdagsrehabilitering gir mestring og færre innleggelser.",
    "Pårørende skal få en fast kontaktperson ved overganger i tjenestene.",
]
HAMAR_SAK = [
    "Saksframlegg: Kvalitetsreformen Leve hele livet – oppstart av planarbeid",
    "Kommunedirektørens innstilling: Kommunestyret ber om at det utarbeides en plan.",
]
HAMAR_STRATEGI = [
    "Kommunal planstrategi 2020–2023",
    "Planbehovet i valgperioden omfatter arealdelen og boligpolitikken.",
]
BODO_OKONOMI = [
    "Handlings- og økonomiplan 2022–2025",
    "Leve hele livet følges opp gjennom økt dekningsgrad i hjemmetjenesten.\nNye stillinger i sykehjem.",
]
BODO_PROTOKOLL = [
    "Møteprotokoll Bystyret 12.05.2022",
    "Sak 45/22 Reguleringsplan for Sentrum vedtas enstemmig.",
]


def _document(
    store: Store,
    *,
    knr: str,
    url: str,
    title: str,
    doc_type: str,
    date: str,
    paragraphs: list[str] | None,
    status: str = "extracted",
    sep: str = "\r\n\r\n",
) -> tuple[int, list[int]]:
    now = utcnow()
    doc_id = (
        store.db["documents"]
        .insert(
            {
                "knr": knr,
                "platform": "test",
                "url": url,
                "title": title,
                "doc_type": doc_type,
                "meeting_date": date,
                "status": status,
                "fetched_at": "2024-03-01T10:00:00+00:00",
                "created_at": now,
                "updated_at": now,
                "error": None if paragraphs is not None else "HTTP 500",
            }
        )
        .last_pk
    )
    if paragraphs is None:
        return doc_id, []
    text = sep.join(paragraphs) + "\r\n"
    store.db["document_texts"].insert(
        {"document_id": doc_id, "text": text, "text_sha256": hashlib.sha256(text.encode()).hexdigest()}
    )
    passage_ids, start = [], 0
    for seq, paragraph in enumerate(paragraphs):
        end = start + len(paragraph)
        assert text[start:end] == paragraph
        passage_ids.append(
            store.db["passages"]
            .insert(
                {
                    "document_id": doc_id,
                    "seq": seq,
                    "char_start": start,
                    "char_end": end,
                    "page_no": 1,
                    "text": paragraph,
                    "text_sha1": hashlib.sha1(paragraph.encode()).hexdigest(),
                    "n_words": len(paragraph.split()),
                    "created_at": now,
                }
            )
            .last_pk
        )
        start = end + len(sep)
    return doc_id, passage_ids


def add_text_document(store: Store, url: str, text: str, *, knr: str | None = None) -> list[tuple[int, str]]:
    """A document whose passages are its paragraphs (blank-line separated): [(passage id, text)]."""
    now = utcnow()
    doc_id = (
        store.db["documents"]
        .insert(
            {"knr": knr, "platform": "local", "url": url, "status": "extracted", "created_at": now, "updated_at": now}
        )
        .last_pk
    )
    store.db["document_texts"].insert(
        {"document_id": doc_id, "text": text, "text_sha256": hashlib.sha256(text.encode()).hexdigest()}
    )
    out = []
    for seq, match in enumerate(re.finditer(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*$)", text, re.S)):
        passage = match.group()
        out.append(
            (
                store.db["passages"]
                .insert(
                    {
                        "document_id": doc_id,
                        "seq": seq,
                        "char_start": match.start(),
                        "char_end": match.end(),
                        "text": passage,
                        "text_sha1": hashlib.sha1(passage.encode()).hexdigest(),
                        "n_words": len(passage.split()),
                        "created_at": now,
                    }
                )
                .last_pk,
                passage,
            )
        )
    return out


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


def suggest(store: Store, passage_id: int, selected: set[str], run_id: int) -> None:
    now = utcnow()
    store.db["suggestions"].insert_all(
        {
            "passage_id": passage_id,
            "code": code,
            "score": 0.9 if code in selected else 0.1,
            "selected": int(code in selected),
            "evidence": "[]",
            "source": "rules",
            "codebook_version": CODEBOOK_VERSION,
            "pipeline": "builtin-nb",
            "run_id": run_id,
            "current": 1,
            "created_at": now,
        }
        for code in ALL_CODES
    )


def code(
    store: Store,
    passage_id: int,
    coder: str,
    action: str = "code",
    *,
    reform: int | None = 1,
    areas: list[str] | None = None,
    framing: str | None = "ingen",
    at: str = "2024-04-01T09:00:00+00:00",
    undoes: int | None = None,
    memo: str | None = None,
) -> int:
    return (
        store.db["codings"]
        .insert(
            {
                "passage_id": passage_id,
                "coder": coder,
                "coded_at": at,
                "action": action,
                "reform": reform,
                "areas": json.dumps(areas) if areas is not None else None,
                "framing": framing,
                "memo": memo,
                "undoes_id": undoes,
                "blind": 1,
            }
        )
        .last_pk
    )


def build_project(store: Store) -> dict:
    """Fill `store` with the test project; returns the ids the tests look at."""
    now = utcnow()
    for knr in ("3403", "1804", "1818", "4201"):
        store.db["sources"].insert({"knr": knr, "platform": "test", "origin": "registry", "found_at": now})
    run_id = store.db["runs"].insert({"command": "tag", "started_at": now, "outcome": "ok"}).last_pk

    plan, plan_p = _document(
        store,
        knr="3403",
        url="https://hamar.example/lhl-plan.pdf",
        title="Handlingsplan for Leve hele livet",
        doc_type="lhl_plan",
        date="2020-06-17",
        paragraphs=HAMAR_PLAN,
    )
    sak, sak_p = _document(
        store,
        knr="3403",
        url="https://hamar.example/sak-12-19.pdf",
        title="Leve hele livet – oppstart",
        doc_type="saksframlegg",
        date="2019-03-05",
        paragraphs=HAMAR_SAK,
    )
    strategi, strategi_p = _document(
        store,
        knr="3403",
        url="https://hamar.example/planstrategi.pdf",
        title="Kommunal planstrategi",
        doc_type="planstrategi",
        date="2020-10-01",
        paragraphs=HAMAR_STRATEGI,
    )
    okonomi, okonomi_p = _document(
        store,
        knr="1804",
        url="https://bodo.example/okonomiplan-2022.pdf",
        title="Handlings- og økonomiplan 2022–2025",
        doc_type="okonomiplan",
        date="2021-12-14",
        paragraphs=BODO_OKONOMI,
        sep="\n\n",
    )
    protokoll, protokoll_p = _document(
        store,
        knr="1804",
        url="https://bodo.example/protokoll-2022-05-12.pdf",
        title="Møteprotokoll Bystyret",
        doc_type="moteprotokoll",
        date="2022-05-12",
        paragraphs=BODO_PROTOKOLL,
    )
    failed, _ = _document(
        store,
        knr="4201",
        url="https://risor.example/plan.pdf",
        title="Plan",
        doc_type=None,
        date=None,
        paragraphs=None,
        status="failed",
    )

    machine = {
        plan_p[0]: {"reform"},
        plan_p[1]: {"reform", "area.aldersvennlig", "area.aktivitet", "framing.samfunn"},
        plan_p[2]: {"reform", "area.mat", "framing.sektor"},
        plan_p[3]: {"area.helsehjelp", "framing.sektor"},
        plan_p[4]: {"area.sammenheng"},
        sak_p[0]: {"reform"},
        sak_p[1]: set(),
        strategi_p[0]: set(),
        strategi_p[1]: {"framing.samfunn"},
        okonomi_p[0]: set(),
        okonomi_p[1]: {"reform", "reform.successor", "framing.sektor"},
        protokoll_p[0]: set(),
        protokoll_p[1]: set(),
    }
    for passage_id, selected in machine.items():
        suggest(store, passage_id, selected, run_id)

    # Two coders on the plan: agree on p1, disagree on p2 (adjudicated), an undo, an accept, a not_relevant.
    code(store, plan_p[1], "ane", areas=["aldersvennlig", "aktivitet"], framing="samfunn", memo="tydelig samfunn")
    code(
        store,
        plan_p[1],
        "bjørn",
        areas=["aktivitet", "aldersvennlig"],
        framing="samfunn",
        at="2024-04-01T10:00:00+00:00",
    )
    code(store, plan_p[2], "ane", areas=["mat"], framing="sektor")
    code(store, plan_p[2], "bjørn", areas=["mat", "helsehjelp"], framing="begge", at="2024-04-01T10:05:00+00:00")
    code(store, plan_p[2], "cecilie", "adjudicate", areas=["mat"], framing="begge", at="2024-04-02T08:00:00+00:00")
    wrong = code(store, plan_p[3], "ane", reform=1, areas=["mat"], framing="samfunn")
    code(store, plan_p[3], "ane", "undo", reform=None, framing=None, undoes=wrong, at="2024-04-01T09:01:00+00:00")
    code(store, plan_p[3], "ane", reform=0, areas=["helsehjelp"], framing="sektor", at="2024-04-01T09:02:00+00:00")
    code(store, plan_p[3], "bjørn", "accept", reform=None, areas=None, framing=None, at="2024-04-01T10:10:00+00:00")
    code(store, plan_p[4], "ane", "skip", reform=None, framing=None)
    code(store, sak_p[0], "bjørn", reform=1, areas=[], framing="ingen")
    code(store, sak_p[0], "bjørn", "skip", reform=None, framing=None, at="2024-04-01T10:15:00+00:00")
    code(store, sak_p[1], "ane", reform=1, areas=[], framing="ingen")
    code(store, sak_p[1], "bjørn", reform=0, areas=[], framing="ingen", at="2024-04-01T10:20:00+00:00")
    code(store, strategi_p[1], "bjørn", "not_relevant", reform=None, framing=None, at="2024-04-01T11:00:00+00:00")
    return {
        "run_id": run_id,
        "plan": plan,
        "plan_p": plan_p,
        "sak": sak,
        "sak_p": sak_p,
        "strategi": strategi,
        "strategi_p": strategi_p,
        "okonomi": okonomi,
        "okonomi_p": okonomi_p,
        "protokoll": protokoll,
        "protokoll_p": protokoll_p,
        "failed": failed,
    }
