"""A small corpus for the search tests: bokmål and nynorsk passages in four kommuner, with dates and codes."""

from __future__ import annotations

import review_data

from lhl_mining.store import Store

DOCS = [
    # (knr, title, doc_type, date, passages)
    (
        "3403",
        "Saksframlegg: trygghetsalarmer i Hamar",
        "saksframlegg",
        "2021-02-10",
        [
            "Kommunen har kjøpt inn nye trygghetsalarmer til hjemmeboende eldre.",
            "Eldres behov for trygghet skal kartlegges av hjemmetjenesten før tildeling.",
            "Formannskapet godkjente regnskapet uten merknader.",
        ],
    ),
    (
        "3447",
        "Leve heile livet – plan for eldre i Søndre Land",
        "plan",
        "2022-05-17",
        [
            "Heimetenesta skal innføre kvardagsrehabilitering, og trygghetsalarmen vert testa kvar månad.",
            "Kommunen vil opprette ein møteplass for eldre med felles måltid og matombringing kvar veke.",
            "Det er ikkje sett av pengar til dette i budsjettet for neste år.",
        ],
    ),
    (
        "3413",
        "Helse- og omsorgsplan for Stange",
        "plan",
        "2019-11-21",
        [
            "Matombringing til eldre over 80 år skal vurderes på nytt, og måltidene skal bli varmere.",
            "Stange kommune vil styrke frivilligheten og møteplasser for eldre i hele kommunen.",
        ],
    ),
    (
        "4601",
        "Protokoll bystyret Bergen",
        "saksprotokoll",
        "2023-09-01",
        [
            "Bystyret vedtok budsjettet for eldreomsorgen med trygghetsalarm til alle som ønsker det.",
        ],
    ),
]


def build(store: Store) -> dict[str, list[int]]:
    """Write DOCS; returns passage ids per kommune number, in order."""
    ids: dict[str, list[int]] = {}
    for knr, title, doc_type, date, texts in DOCS:
        passage_ids = review_data.add_document(store, knr=knr, title=title, doc_type=doc_type, texts=texts)
        store.db.execute("UPDATE documents SET meeting_date = ? WHERE title = ?", [date, title])
        store.db.conn.commit()
        ids[knr] = passage_ids
    return ids
