"""Decisions read from case papers, and the kommune table decided from them (issue 17).

The set-up writes one small case per kommune as text files, ingests them with
`lhl ingest --kommune`, tags them with the codebook rules and exports the
kommune table: each kind of paper must land in the evaluators' cell with the
decision as evidence.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from lhl.cli import app

from lhl_mining.decisions import extract_decisions
from lhl_mining.ingest.doctype import detect_doc_type
from lhl_mining.store import Store, utcnow

SAERUTSKRIFT_ADOPTS = """Lillehammer kommune

Særutskrift

Arkivsak: 21/01234
Saksgang: Utvalg Møtedato Saksnr
Formannskapet 03.06.2021 31/21
Kommunestyret 17.06.2021 45/21

Leve hele livet – handlingsplan 2021–2024

Behandling i Formannskapet - 03.06.2021
Votering: Enstemmig
Formannskapets innstilling:
Kommunestyret vedtar handlingsplan for Leve hele livet 2021–2024.

Behandling i Kommunestyret - 17.06.2021
Votering: Enstemmig
Kommunestyrets vedtak:
Kommunestyret vedtar handlingsplan for Leve hele livet 2021–2024.
"""

SAKSFRAMLEGG_SAME_CASE = """Lillehammer kommune

Saksframlegg

Saksbehandler: Anne Lie
Arkivsak: 21/01234
Saksgang: Utvalg Møtedato Saksnr
Formannskapet 03.06.2021 31/21
Kommunestyret 17.06.2021 45/21

Leve hele livet – handlingsplan 2021–2024

Kommunedirektørens innstilling
Kommunestyret vedtar handlingsplan for Leve hele livet 2021–2024.

Bakgrunn
Leve hele livet er kvalitetsreformen for eldre. Planen følger de fem innsatsområdene.
"""

PROTOKOLL_ORIENTATION = """Gjøvik kommune

Møteprotokoll

Utvalg: Kommunestyret
Møtested: Rådhuset
Møtedato: 24.09.2020
Til stede: 33 medlemmer

PS 67/20 Leve hele livet – orientering om arbeidet
Vedtak:
Kommunestyret tar orienteringen om arbeidet med Leve hele livet til orientering.

PS 68/20 Reguleringsplan for Hunndalen
Vedtak:
Reguleringsplanen vedtas.
"""

START_PLAN = """Ringsaker kommune

Særutskrift

Arkivsak: 20/00555
Kommunestyret 11.11.2020 sak 90/20

Oppstart av arbeid med plan for Leve hele livet

Kommunestyrets vedtak:
Kommunestyret vedtar oppstart av arbeidet med en plan for Leve hele livet. Kommunedirektøren bes legge fram
planen innen utgangen av 2022.
"""

POSTPONED = """Løten kommune

Møteprotokoll

Utvalg: Kommunestyret
Møtedato: 15.04.2021
Forfall: ingen

PS 12/21 Plan for Leve hele livet 2021–2025
Vedtak:
Saken utsettes til neste møte.
"""

PLANSTRATEGI_ANNOUNCES = """Kommunal planstrategi 2020–2023 for Østre Toten kommune

Planstrategien drøfter kommunens strategiske valg og planbehov i valgperioden, jf. plan- og bygningsloven § 10-1.

Planbehov
Kommunen skal utarbeide en plan for Leve hele livet, som følger opp kvalitetsreformen for eldre.
"""

ELDRERAD_LETTER = """Eldrerådet i Nord-Odal

Innspill fra eldrerådet til Leve hele livet-planen

Eldrerådet støtter at Leve hele livet-planen blir en plan for hele kommunen og ikke bare for omsorgstjenestene.
Vi ber om flere sosiale møteplasser.
"""

NYNORSK_MOTEBOK = """Vågå kommune

Møtebok

Utval: Kommunestyret
Møtedato: 16.12.2021
Møtestad: Kommunehuset

PS 88/21 Leve heile livet – plan for eldre 2022–2026
Handsaming i kommunestyret 16.12.2021:
Samrøystes vedteke.
Kommunestyret sitt vedtak:
Kommunestyret vedtek planen «Leve heile livet – plan for eldre 2022–2026».
"""

BUNDLE_DIFFERS = """Kongsvinger kommune

Møteprotokoll

Utvalg: Kommunestyret
Møtedato: 10.06.2021
Forfall: ingen

PS 40/21 Handlingsplan for Leve hele livet 2021–2024
Kommunedirektørens innstilling:
Kommunestyret tar handlingsplanen for Leve hele livet til orientering.
Behandling i Kommunestyret - 10.06.2021:
Forslag fra Ap: Kommunestyret vedtar handlingsplanen for Leve hele livet 2021–2024.
Forslaget fra Ap ble vedtatt mot 3 stemmer.
Kommunestyrets vedtak:
Kommunestyret vedtar handlingsplanen for Leve hele livet 2021–2024.
"""

BUNDLE_SENT_BACK = """Elverum kommune

Møteprotokoll

Utvalg: Kommunestyret
Møtedato: 22.09.2021
Forfall: ingen

PS 71/21 Handlingsplan for Leve hele livet
Kommunedirektørens innstilling:
Kommunestyret vedtar handlingsplan for Leve hele livet 2021–2024.
Kommunestyrets vedtak:
Saken sendes tilbake til kommunedirektøren for å innarbeide tiltak for frivilligheten.
"""

NOT_NAMED = """Rendalen kommune

Møteprotokoll

Utvalg: Kommunestyret
Møtedato: 05.05.2021
Forfall: ingen

PS 30/21 Budsjettjustering 2021
Vedtak:
Budsjettjusteringen vedtas.
"""

CASES = {
    "3405": {"saerutskrift.txt": SAERUTSKRIFT_ADOPTS, "saksframlegg.txt": SAKSFRAMLEGG_SAME_CASE},  # Lillehammer
    "3407": {"protokoll.txt": PROTOKOLL_ORIENTATION},  # Gjøvik
    "3411": {"oppstart.txt": START_PLAN},  # Ringsaker
    "3412": {"utsatt.txt": POSTPONED},  # Løten
    "3442": {"planstrategi.txt": PLANSTRATEGI_ANNOUNCES},  # Østre Toten
    "3414": {"eldrerad.txt": ELDRERAD_LETTER},  # Nord-Odal
    "3435": {"motebok.txt": NYNORSK_MOTEBOK},  # Vågå
    "3401": {"protokoll.txt": BUNDLE_DIFFERS},  # Kongsvinger
    "3420": {"protokoll.txt": BUNDLE_SENT_BACK},  # Elverum
    "3424": {"protokoll.txt": NOT_NAMED},  # Rendalen
}
GAP = "3446"  # Gran: a source, nothing found


def _invoke(runner, *args: str):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def table_db(tmp_path_factory):
    """The cases ingested per kommune and tagged with the codebook rules; Gran has a source and no documents."""
    from typer.testing import CliRunner

    runner = CliRunner()
    root = tmp_path_factory.mktemp("decisions")
    db = root / "lhl.db"
    for knr, files in CASES.items():
        folder = root / knr
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        _invoke(
            runner,
            "--db",
            str(db),
            "ingest",
            str(folder),
            "--kommune",
            knr,
            "--corpus",
            str(root / "corpus"),
            "--jobs",
            "1",
        )
    _invoke(runner, "--db", str(db), "tag", "--rules-only", "--model", "builtin")
    with Store.open(db) as store:
        store.db["sources"].insert({"knr": GAP, "platform": "unknown", "origin": "registry", "found_at": utcnow()})
    return db


@pytest.fixture(scope="module")
def table(table_db, tmp_path_factory):
    from typer.testing import CliRunner

    out = tmp_path_factory.mktemp("out") / "summary.jsonl"
    _invoke(CliRunner(), "--db", str(table_db), "export", "-f", "summary", "--out", str(out))
    return {r["knr"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}


def _decision(row: dict, column: str = "vedtak_lhl") -> dict:
    first = row["evidence"][column][0]
    assert "decision" in first, first
    return first["decision"]


def test_saerutskrift_adopting_an_lhl_plan_is_2_with_the_case_papers(table):
    row = table["3405"]
    assert row["vedtak_lhl"] == "2" and row["confidence"]["vedtak_lhl"] == "høy"
    decision = _decision(row)
    assert (decision["body"], decision["meeting_date"], decision["saksnr"]) == ("kommunestyre", "2021-06-17", "45/21")
    assert decision["outcome"] == "adopted"
    assert decision["text"].startswith("Kommunestyret vedtar handlingsplan for Leve hele livet")
    assert [p["url"].rsplit("/", 1)[-1] for p in decision["case_papers"]] == ["saksframlegg.txt"]
    assert row["labels"]["vedtak_lhl"] == "2: kommunestyret har vedtatt plan for reformen"


def test_protokoll_taking_lhl_to_orientation_is_1(table):
    row = table["3407"]
    assert row["vedtak_lhl"] == "1" and row["confidence"]["vedtak_lhl"] == "høy"
    decision = _decision(row)
    assert (decision["outcome"], decision["saksnr"], decision["meeting_date"]) == ("orientation", "67/20", "2020-09-24")


def test_decision_to_start_a_plan_is_1(table):
    decision = _decision(table["3411"])
    assert table["3411"]["vedtak_lhl"] == "1"
    assert (decision["outcome"], decision["body"], decision["saksnr"]) == ("start_plan", "kommunestyre", "90/20")


def test_postponed_sak_is_1_not_2(table):
    assert table["3412"]["vedtak_lhl"] == "1"
    assert _decision(table["3412"])["outcome"] == "postponed"


def test_planstrategi_announcing_an_lhl_plan_is_a_planstrategi_and_not_an_adoption(table):
    row = table["3442"]
    assert (row["vedtak_lhl"], row["planstrategi"]) == ("1", "1")
    assert row["evidence"]["planstrategi"][0]["doc_type"] == "planstrategi"
    assert row["evidence"]["vedtak_lhl"][0]["url"].endswith("planstrategi.txt")


def test_eldrerad_letter_is_1_at_most(table):
    row = table["3414"]
    assert row["vedtak_lhl"] == "1"
    assert row["evidence"]["vedtak_lhl"][0]["doc_type"] != "lhl_plan"


def test_nynorsk_motebok_adopting_is_2_and_until_cuts_it(table, table_db, runner, tmp_path):
    decision = _decision(table["3435"])
    assert table["3435"]["vedtak_lhl"] == "2"
    assert (decision["body"], decision["meeting_date"], decision["saksnr"]) == ("kommunestyre", "2021-12-16", "88/21")
    out = tmp_path / "until.csv"
    _invoke(runner, "--db", str(table_db), "export", "-f", "summary", "--until", "2021-12-15", "--out", str(out))
    rows = {r["Knr"]: r for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    assert rows["3435"]["Vedtak LHL"] == "."  # the evaluators stopped on 15 Dec 2021
    assert rows["3405"]["Vedtak LHL"] == "2"


def test_bundle_where_the_vedtak_differs_from_the_innstilling(table):
    row = table["3401"]
    assert row["vedtak_lhl"] == "2"
    assert _decision(row)["outcome"] == "adopted_changed"
    sent_back = table["3420"]
    assert sent_back["vedtak_lhl"] == "1"  # the innstilling proposed adoption; the kommunestyre sent it back
    assert _decision(sent_back)["outcome"] == "sent_back"


def test_political_documents_without_the_reform_are_0_and_a_kommune_without_documents_is_a_dot_row(table):
    assert table["3424"]["vedtak_lhl"] == "0"
    assert table[GAP]["vedtak_lhl"] == "." and table[GAP]["kommune"] == "Gran"
    assert table[GAP]["labels"]["vedtak_lhl"] == ".: ingen opplysninger"


def test_decisions_are_stored_at_ingest_and_rebuilt_idempotently(table_db, runner):
    with Store.open(table_db) as store:
        before = [dict(r) for r in store.db.query("SELECT * FROM decisions ORDER BY document_id, seq")]
    assert before, "ingest stores decisions"
    result = _invoke(runner, "--db", str(table_db), "decisions", "--rebuild")
    assert "decisions" in result.output
    with Store.open(table_db) as store:
        after = [dict(r) for r in store.db.query("SELECT * FROM decisions ORDER BY document_id, seq")]
    assert [{k: v for k, v in r.items() if k != "id"} for r in after] == [
        {k: v for k, v in r.items() if k != "id"} for r in before
    ]


def test_offsets_point_at_the_decision_text():
    (decision,) = [
        d for d in extract_decisions(PROTOKOLL_ORIENTATION, {"doc_type": "moteprotokoll"}) if d.saksnr == "67/20"
    ]
    assert PROTOKOLL_ORIENTATION[decision.char_start : decision.char_end] == decision.text


def test_planstrategi_cue_comes_before_the_lhl_plan_cue():
    assert detect_doc_type(PLANSTRATEGI_ANNOUNCES, PLANSTRATEGI_ANNOUNCES)[0] == "planstrategi"
    assert (
        detect_doc_type("Handlingsplan for Leve hele livet 2021–2024\nJf. kommunal planstrategi.", "")[0] == "lhl_plan"
    )
    assert detect_doc_type(ELDRERAD_LETTER, ELDRERAD_LETTER)[0] != "lhl_plan"


def test_real_motebok_reads_its_decision(shared: Path):
    """A real Bodø møtebok (planning board and bystyre on a regulation plan): decisions, none about the reform."""
    from lhl_mining.ingest import IngestOptions, ingest_path

    pdf = shared / "real" / "documents" / "bo_2012_motebok_ptn139-12_k112-12_breisas_syd.pdf"
    assert pdf.exists()
    # read through the real ingest pipeline into a throwaway store
    import tempfile

    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "x.db", create=True) as store:
        (result,) = ingest_path(store, pdf, IngestOptions(corpus_dir=Path(tmp) / "corpus"))
        rows = [dict(r) for r in store.db.query("SELECT * FROM decisions WHERE kind = 'vedtak'")]
    assert result.status == "extracted"
    assert rows and not any(r["names_reform"] for r in rows)
    # «K-112/12 | Som PTN-utvalet … – vedteke med 14 mot 10 røyster» over «Vedtak:», routed to 17.12.2012
    kommunestyret = [r for r in rows if r["body"] == "kommunestyre"]
    assert [(r["saksnr"], r["meeting_date"], r["outcome"]) for r in kommunestyret] == [
        ("112/12", "2012-12-17", "adopted")
    ]
    assert "Mindretalet" not in kommunestyret[0]["text"]


def test_a_long_protocol_is_read_quickly_and_every_sak_gets_its_vedtak():
    """bench/bench_decisions.py prints the numbers; this pins a loose floor (the machine is shared)."""
    import time

    saker = 300
    text = "Møteprotokoll\n\nUtvalg: Kommunestyret\nMøtedato: 17.06.2021\n\n" + "\n".join(
        f"PS {n}/21 Plan for område {n}\nKommunedirektørens innstilling:\nKommunestyret vedtar plan for område {n}.\n"
        f"Behandling i Kommunestyret - 17.06.2021:\nKommunestyrets vedtak:\nKommunestyret vedtar plan for område {n}.\n"
        for n in range(1, saker + 1)
    )
    started = time.perf_counter()
    vedtak = [d for d in extract_decisions(text, {"doc_type": "moteprotokoll"}) if d.kind == "vedtak"]
    assert time.perf_counter() - started < 10
    assert [d.saksnr for d in vedtak] == [f"{n}/21" for n in range(1, saker + 1)]
    assert {d.outcome for d in vedtak} == {"adopted"}


def test_coder_corrects_a_cell_in_review_and_exports_use_it(table_db, tmp_path):
    """Over real HTTP: the kommune screen shows the decision text, a correction is stored and wins in the export."""
    import shutil

    import httpx
    from typer.testing import CliRunner

    from lhl_mining.review.server import BackgroundServer
    from lhl_mining.review.state import ReviewConfig

    db = tmp_path / "review.db"
    shutil.copy(table_db, db)
    with (
        BackgroundServer(ReviewConfig(db)) as running,
        httpx.Client(base_url=running.url, headers={"x-lhl-coder": "siri"}, timeout=20) as http,
    ):
        listing = http.get("/table")
        assert listing.status_code == 200 and "Vågå" in listing.text and "Gran" in listing.text
        screen = http.get("/table/3407")
        assert "tar orienteringen om arbeidet med Leve hele livet til orientering" in screen.text  # the decision text
        saved = http.post(
            "/api/table/cell",
            data={"knr": "3407", "column": "vedtak_lhl", "value": "2", "memo": "vedtatt i et senere møte"},
            headers={"accept": "application/json"},
        )
        assert saved.status_code == 200, saved.text
        assert saved.json()["saved"] == {
            "knr": "3407",
            "column": "vedtak_lhl",
            "value": "2",
            "machine_value": "1",
            "confidence": "koder",
            "coder": "siri",
        }
        refused = http.post(
            "/api/table/cell",
            data={"knr": "3407", "column": "planstrategi", "value": "2"},
            headers={"accept": "application/json"},
        )
        assert refused.status_code == 400 and refused.json()["error"] == "E401"
    out = tmp_path / "s.jsonl"
    _invoke(CliRunner(), "--db", str(db), "export", "-f", "summary", "--out", str(out))
    row = next(r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines()) if r["knr"] == "3407")
    assert (row["vedtak_lhl"], row["confidence"]["vedtak_lhl"], row["coded_by"]) == (
        "2",
        "koder",
        {"vedtak_lhl": "siri"},
    )
    assert row["machine_values"] == {"vedtak_lhl": "1"}


def test_figures_give_shares_with_n_per_county(table, table_db, tmp_path):
    from typer.testing import CliRunner

    out = tmp_path / "figures.csv"
    _invoke(CliRunner(), "--db", str(table_db), "export", "-f", "figures", "--out", str(out))
    rows = [r for r in csv.DictReader(out.open(encoding="utf-8-sig")) if r["kolonne"] == "Vedtak LHL"]
    cells = [r["vedtak_lhl"] for r in table.values()]
    by_code = {r["kode"]: r for r in rows if r["fylke"] == "Innlandet"}
    informed = sum(v != "." for v in cells)
    assert int(by_code["2"]["antall"]) == cells.count("2") and int(by_code["2"]["n"]) == informed
    assert float(by_code["2"]["andel"]) == round(cells.count("2") / informed, 3)
    assert int(by_code["."]["antall"]) == cells.count(".") and int(by_code["."]["kommuner"]) == len(cells)


def test_demo_table_is_decided_from_decisions(tmp_path):
    """The demo: Stange's 2 rests on the kommunestyre's vedtak (not the eldreråd's letter), Sør-Aurdal's planstrategi
    announces a plan (1, not 2), and Gran, where the scrape found nothing, is a «.» row."""
    from lhl_mining.demo import run_demo
    from lhl_mining.export.summary import build_summary

    result = run_demo(tmp_path / "demo", tag=True, report=True)
    with Store.open(result.db_path, readonly=True) as store:
        rows = {s.knr: s for s in build_summary(store)}
    stange, sor_aurdal, gran = rows["3413"], rows["3449"], rows["3446"]
    assert stange.cells["vedtak_lhl"] == "2"
    adoption = stange.evidence["vedtak_lhl"][0]
    assert (adoption.body, adoption.meeting_date, adoption.saksnr) == ("kommunestyre", "2020-02-26", "12/20")
    assert any("handlingsplan" in title.lower() for _, _, title in adoption.papers)  # the saksframlegg of the case
    assert (sor_aurdal.cells["vedtak_lhl"], sor_aurdal.cells["planstrategi"]) == ("1", "1")
    assert sor_aurdal.evidence["planstrategi"][0].doc_type == "planstrategi"
    assert gran.cells == {c: "." for c in gran.cells}
    page = result.report_path.read_text(encoding="utf-8")
    assert "Kommunestyret vedtar handlingsplanen for Leve hele livet" in page  # the decision opens in the report
    assert "Figur 3.1" in page


def test_untagged_documents_are_read_by_the_reform_names_not_taken_as_silence(tmp_path, runner):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "planstrategi.txt").write_text(PLANSTRATEGI_ANNOUNCES, encoding="utf-8")
    (folder / "protokoll.txt").write_text(NOT_NAMED, encoding="utf-8")
    db = tmp_path / "untagged.db"
    _invoke(runner, "--db", str(db), "ingest", str(folder), "--kommune", "3442", "--corpus", str(tmp_path / "c"))
    out = tmp_path / "s.jsonl"
    _invoke(runner, "--db", str(db), "export", "-f", "summary", "--out", str(out))
    rows = {r["knr"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert (rows["3442"]["vedtak_lhl"], rows["3442"]["planstrategi"]) == ("1", "1")
    assert len(rows) == 46 and rows["3446"]["vedtak_lhl"] == "."  # every kommune of Innlandet has a row


MELDING_OM_VEDTAK = """Lunner kommune

Melding om vedtak

Deres ref: | Vår ref: 21/455 | Dato: 20.06.2021

Leve hele livet – handlingsplan 2021–2024

Saken ble behandlet i Kommunestyret 17.06.2021, sak 45/21. Det ble fattet slikt vedtak:
Kommunestyret vedtar handlingsplanen for Leve hele livet 2021–2024.

Med hilsen
"""

NYNORSK_SAKSPROTOKOLL = """Vang kommune

Saksprotokoll i Kommunestyret - 24.03.2022

Handsaming:
Samrøystes.
Vedtak:
Kommunestyret tek saka om Leve heile livet til vitande og ber kommunedirektøren utarbeide ein plan.
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (MELDING_OM_VEDTAK, ("adopted", "kommunestyre", "2021-06-17", "45/21", "lhl_plan")),
        (NYNORSK_SAKSPROTOKOLL, ("start_plan", "kommunestyre", "2022-03-24", None, None)),
        (
            "Møtebok\n\nUtval: Kommunestyret\nMøtedato: 02.02.2022\n\nPS 3/22 Leve heile livet\nVedtak:\n"
            "Saka vert utsett til neste møte.\n",
            ("postponed", "kommunestyre", "2022-02-02", "3/22", None),
        ),
        (
            "Møteprotokoll\n\nUtvalg: Bystyret\nMøtedato: 09.03.2022\n\nPS 8/22 Plan for Leve hele livet\n"
            "Bystyrets vedtak:\nPlanen avvises.\n",
            ("rejected", "kommunestyre", "2022-03-09", "8/22", None),
        ),
        (
            "Møteprotokoll\n\nUtvalg: Kommunestyret\nMøtedato: 09.03.2022\n\nPS 9/22 Planprogram for kommunedelplan "
            "helse og omsorg\nVedtak:\nPlanprogrammet vedtas.\n",
            ("start_plan", "kommunestyre", "2022-03-09", "9/22", "plan"),
        ),
    ],
)
def test_decision_outcomes_in_bokmal_and_nynorsk(text, expected):
    doc_type = detect_doc_type(text, text)[0]
    (vedtak,) = [d for d in extract_decisions(text, {"doc_type": doc_type}) if d.kind == "vedtak"]
    assert (vedtak.outcome, vedtak.body, vedtak.meeting_date, vedtak.saksnr, vedtak.plan) == expected
    assert text[vedtak.char_start : vedtak.char_end] == vedtak.text


def test_an_adoption_reported_in_a_later_paper_counts_with_its_date_and_sak():
    text = (
        "Saksframlegg\n\nSaksbehandler: Ola Nordmann\nArkivsak: 22/100\n\nLeve hele livet – status\n\n"
        "Handlingsplanen for Leve hele livet ble vedtatt i kommunestyret 12.12.2019, sak 99/19. "
        "Denne saken gir status.\n\nKommunedirektørens innstilling\nSaken tas til orientering.\n"
    )
    found = extract_decisions(text, {"doc_type": "saksframlegg", "saksnr": "22/100"})
    (reported,) = [d for d in found if d.kind == "vedtak"]
    assert (reported.body, reported.meeting_date, reported.saksnr, reported.plan) == (
        "kommunestyre",
        "2019-12-12",
        "99/19",
        "lhl_plan",
    )
    future = text.replace("ble vedtatt", "skal vedtas")
    assert not [d for d in extract_decisions(future, {"doc_type": "saksframlegg"}) if d.kind == "vedtak"]


def test_only_the_adopted_plan_counts_as_the_lhl_plan():
    strategi = (
        "Særutskrift\n\nKommunal planstrategi 2020–2023\n\nKommunestyrets vedtak:\nKommunestyret vedtar kommunal "
        "planstrategi 2020–2023, med oppstart av arbeidet med en plan for Leve hele livet i 2021.\n"
    )
    (vedtak,) = [d for d in extract_decisions(strategi, {"doc_type": "saksprotokoll"}) if d.kind == "vedtak"]
    assert vedtak.plan != "lhl_plan" and vedtak.names_reform  # adopted a planstrategi that announces the plan: 1
    bare = "Særutskrift\n\nSak 45/21 Handlingsplan Leve hele livet\n\nVedtak:\nKommunestyret vedtar planen.\n"
    (vedtak,) = [d for d in extract_decisions(bare, {"doc_type": "saksprotokoll"}) if d.kind == "vedtak"]
    assert vedtak.plan == "lhl_plan"
    assert (
        detect_doc_type("Uttalelse fra eldrerådet – Leve hele livet-plan\nEldrerådet støtter planen.", "")[0]
        != "lhl_plan"
    )


def test_the_schema_accepts_every_kind_outcome_and_body_the_reader_gives(store):
    from lhl_mining.decisions import BODIES, KINDS, OUTCOMES
    from lhl_mining.decisions.extract import body_of

    doc = (
        store.db["documents"]
        .insert(
            {
                "url": "file:///x",
                "platform": "local",
                "status": "extracted",
                "created_at": utcnow(),
                "updated_at": utcnow(),
            }
        )
        .last_pk
    )
    for seq, (kind, outcome) in enumerate((k, o) for k in KINDS for o in OUTCOMES):
        store.db["decisions"].insert(
            {
                "document_id": doc,
                "seq": seq,
                "kind": kind,
                "outcome": outcome,
                "text": "x",
                "char_start": 0,
                "char_end": 1,
            }
        )
    assert {
        body_of(b)
        for b in (
            "Bystyret",
            "KST",
            "Formannskapet",
            "Hovudutval for helse",
            "Eldrerådet",
            "Planutvalget",
            "Kommunedirektøren",
            "Ordføreren",
        )
    } <= set(BODIES)


def test_decisions_list_for_one_kommune(table_db, runner):
    result = _invoke(runner, "--db", str(table_db), "decisions", "--list", "--kommune", "Vågå", "--format", "json")
    rows = json.loads(result.output)
    assert [(r["kind"], r["body"], r["saksnr"], r["outcome"]) for r in rows] == [
        ("vedtak", "kommunestyre", "88/21", "adopted")
    ]
    assert rows[0]["text"].startswith("Kommunestyret vedtek planen")
