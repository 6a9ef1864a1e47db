"""`lhl export`: REFI-QDA projects and codebooks, spreadsheets, the Vedlegg-2 table, the NVivo sheet."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lxml import etree

from _export_data import HAMAR_PLAN, build_project
from lhl.cli import app
from lhl_mining.export import export
from lhl_mining.export.codebook import load_codebook
from lhl_mining.export.qdpx import guid, nvivo_positions
from lhl_mining.store import Store

DATA = Path(__file__).parent / "data"
NS = {"q": "urn:QDA-XML:project:1.0"}


@pytest.fixture
def project(store: Store) -> dict:
    return build_project(store)


@pytest.fixture(scope="module")
def project_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(DATA / "refi-qda-project-1.0.xsd")))


def _cli(runner, db_path: Path, *args: str):
    return runner.invoke(app, ["--db", str(db_path), *args], catch_exceptions=False)


def _qde(path: Path) -> tuple[zipfile.ZipFile, etree._Element]:
    archive = zipfile.ZipFile(path)
    return archive, etree.fromstring(archive.read("project.qde"))


def _selections(archive: zipfile.ZipFile, root: etree._Element) -> list[dict]:
    """Every selection with the text it covers, sliced the way NVivo reads positions."""
    out = []
    for source in root.iterfind(".//q:TextSource", NS):
        path = source.get("plainTextPath").removeprefix("internal://")
        raw = archive.read(f"sources/{path}")
        assert raw.startswith(b"\xef\xbb\xbf"), "source text must start with a UTF-8 BOM"
        units = raw[3:].decode("utf-8").encode("utf-16-le")
        for selection in source.iterfind("q:PlainTextSelection", NS):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            out.append({
                "source": source.get("name"),
                "text": units[2 * start:2 * end].decode("utf-16-le"),
                "user": selection.get("creatingUser"),
                "codes": [c.find("q:CodeRef", NS).get("targetGUID") for c in selection.iterfind("q:Coding", NS)],
                "coding_users": {c.get("creatingUser") for c in selection.iterfind("q:Coding", NS)},
            })
    return out


def test_qdpx_validates_against_the_refi_schema_in_every_coding_mode(runner, db_path, project, project_schema, tmp_path):
    for mode in ("final", "all", "machine"):
        out = tmp_path / f"{mode}.qdpx"
        result = _cli(runner, db_path, "export", "--format", "qdpx", "--codings", mode, "--out", str(out))
        assert result.exit_code == 0, result.output
        archive, root = _qde(out)
        assert project_schema.validate(root), project_schema.error_log
        assert root.tag == "{urn:QDA-XML:project:1.0}Project"
        # five documents with text: five sources, each file inside the zip
        sources = root.findall(".//q:TextSource", NS)
        assert len(sources) == 5
        names = set(archive.namelist())
        assert {f"sources/{s.get('guid')}.txt" for s in sources} <= names
        assert archive.read("project.qde").startswith(b"<?xml")


def test_every_selection_covers_its_passage_in_nvivo_utf16_units(runner, db_path, project, tmp_path):
    out = tmp_path / "all.qdpx"
    _cli(runner, db_path, "export", "-f", "qdpx", "--codings", "all", "--out", str(out))
    archive, root = _qde(out)
    selections = _selections(archive, root)
    texts = {s["text"] for s in selections}
    # the emoji passage (astral characters, 2 UTF-16 units each) and the CRLF passage come back exactly
    assert HAMAR_PLAN[1] in texts and "👵🏼" in HAMAR_PLAN[1]
    assert HAMAR_PLAN[2] in texts and "\r\n" in HAMAR_PLAN[2]
    # every selection is exactly one stored passage, with line breaks written as CRLF
    with Store.open(db_path) as store:
        passages = {r[0].replace("\r\n", "\n").replace("\n", "\r\n") for r in store.db.execute("SELECT text FROM passages")}
    assert texts <= passages
    # the LF-only Bodø document is written with CRLF and still sliced exactly
    machine = tmp_path / "machine.qdpx"
    _cli(runner, db_path, "export", "-f", "qdpx", "--codings", "machine", "--out", str(machine))
    machine_texts = {s["text"] for s in _selections(*_qde(machine))}
    assert ("Leve hele livet følges opp gjennom økt dekningsgrad i hjemmetjenesten.\r\nNye stillinger i sykehjem."
            in machine_texts)


def test_nvivo_positions_count_astral_characters_twice_and_crlf_as_two_units():
    text = "æ🙂\nø\r\nå"
    positions = nvivo_positions(text, range(len(text) + 1))
    assert positions[0] == 0
    assert positions[1] == 1  # æ is one unit
    assert positions[2] == 3  # 🙂 is a surrogate pair
    assert positions[3] == 5  # the lone LF is written as CRLF
    assert positions[5] == 8 and positions[6] == 8  # inside a CRLF the position moves past it
    assert positions[len(text)] == 9


def test_final_codings_use_adjudication_agreement_and_undo(runner, db_path, project, tmp_path):
    out = tmp_path / "final.qdpx"
    _cli(runner, db_path, "export", "-f", "qdpx", "--out", str(out))
    archive, root = _qde(out)
    by_text = {s["text"]: s for s in _selections(archive, root)}
    adjudicated = by_text[HAMAR_PLAN[2]]
    assert adjudicated["user"] == guid("user", "cecilie")
    assert set(adjudicated["codes"]) == {guid("code", c) for c in ("reform", "area.mat", "framing.samfunn", "framing.sektor")}
    agreed = by_text[HAMAR_PLAN[1]]
    assert set(agreed["codes"]) == {guid("code", c) for c in ("reform", "area.aldersvennlig", "area.aktivitet", "framing.samfunn")}
    # ane's undone «mat» is gone; her later decision and bjørn's accept of the suggestion agree
    undone = by_text[HAMAR_PLAN[3]]
    assert set(undone["codes"]) == {guid("code", c) for c in ("area.helsehjelp", "framing.sektor")}
    # the disagreement without adjudication is not exported as final
    assert "Kommunedirektørens innstilling: Kommunestyret ber om at det utarbeides en plan." not in by_text
    users = {u.get("name") for u in root.iterfind(".//q:User", NS)}
    assert users == {"ane", "bjørn", "cecilie"}


def test_machine_suggestions_are_their_own_user_with_provenance(runner, db_path, project, tmp_path):
    out = tmp_path / "machine.qdpx"
    _cli(runner, db_path, "export", "-f", "qdpx", "--codings", "machine", "--out", str(out))
    archive, root = _qde(out)
    users = root.findall(".//q:User", NS)
    assert [u.get("name") for u in users] == ["lhl-mining (machine suggestions)"]
    selections = root.findall(".//q:PlainTextSelection", NS)
    assert selections and all(s.get("creatingUser") == users[0].get("guid") for s in selections)
    assert all("codebook test-1" in s.find("q:Description", NS).text for s in selections)
    successor = guid("code", "reform.successor")
    assert any(c.get("targetGUID") == successor for c in root.iterfind(".//q:CodeRef", NS))


def test_codebook_tree_has_hierarchy_colours_descriptions_and_version(runner, db_path, project, tmp_path):
    out = tmp_path / "p.qdpx"
    _cli(runner, db_path, "export", "-f", "qdpx", "--out", str(out))
    _, root = _qde(out)
    codebook = load_codebook()
    top = root.find("q:CodeBook/q:Codes", NS)
    area = next(c for c in top.findall("q:Code", NS) if c.get("guid") == guid("code", "area"))
    assert area.get("isCodable") == "false"
    children = {c.get("guid") for c in area.findall("q:Code", NS)}
    assert guid("code", "area.mat") in children and len(children) == 5
    for code in root.iterfind(".//q:Code", NS):
        assert code.get("color").startswith("#")
        assert f"codebook {codebook.version}" in code.find("q:Description", NS).text


def test_cases_are_kommuner_with_variables_linked_to_their_sources(runner, db_path, project, tmp_path):
    out = tmp_path / "p.qdpx"
    _cli(runner, db_path, "export", "-f", "qdpx", "--out", str(out))
    _, root = _qde(out)
    variables = {v.get("guid"): v.get("name") for v in root.iterfind(".//q:Variable", NS)}
    cases = {c.get("name"): c for c in root.iterfind(".//q:Case", NS)}
    assert set(cases) == {"Hamar", "Bodø"}
    hamar = cases["Hamar"]
    values = {variables[v.find("q:VariableRef", NS).get("targetGUID")]: v[1].text
              for v in hamar.iterfind("q:VariableValue", NS)}
    assert values["Kommunenummer"] == "3403" and values["Fylke"] == "Innlandet"
    assert values["Vedtak LHL"] == "1: behandlet eller nevnt, ikke vedtatt plan (inkl. vedtak om å lage plan)"
    assert values["Planstrategi"] == "0: nevner ikke reformen"
    refs = {r.get("targetGUID") for r in hamar.iterfind("q:SourceRef", NS)}
    assert refs == {guid("source", f"https://hamar.example/{name}") for name in ("lhl-plan.pdf", "sak-12-19.pdf", "planstrategi.pdf")}


def test_reexport_keeps_every_guid(runner, db_path, project, tmp_path):
    out = tmp_path / "p.qdpx"
    _cli(runner, db_path, "export", "-f", "qdpx", "--codings", "all", "--out", str(out))
    first = sorted(_qde(out)[1].xpath("//@guid"))
    result = _cli(runner, db_path, "export", "-f", "qdpx", "--codings", "all", "--out", str(out), "--force")
    assert result.exit_code == 0
    second = sorted(_qde(out)[1].xpath("//@guid"))
    assert first == second and len(set(first)) == len(first)


def test_final_selection_keeps_its_guid_when_a_second_coder_agrees(runner, db_path, store, tmp_path):
    from _export_data import code

    ids = build_project(store)
    out = tmp_path / "p.qdpx"

    def okonomi_selection() -> str:
        _cli(runner, db_path, "export", "-f", "qdpx", "--out", str(out), "--force")
        root = _qde(out)[1]
        source = next(s for s in root.iterfind(".//q:TextSource", NS)
                      if s.get("guid") == guid("source", "https://bodo.example/okonomiplan-2022.pdf"))
        (selection,) = source.findall("q:PlainTextSelection", NS)
        return selection.get("guid")

    code(store, ids["okonomi_p"][1], "ane", areas=["helsehjelp"], framing="sektor")
    store.db.conn.commit()
    single = okonomi_selection()
    code(store, ids["okonomi_p"][1], "bjørn", areas=["helsehjelp"], framing="sektor", at="2024-04-03T10:00:00+00:00")
    store.db.conn.commit()
    assert okonomi_selection() == single


def test_qdc_is_a_valid_codebook(runner, db_path, tmp_path):
    out = tmp_path / "lhl.qdc"
    result = runner.invoke(app, ["export", "--format", "qdc", "--out", str(out)])
    assert result.exit_code == 0, result.output
    schema = etree.XMLSchema(etree.parse(str(DATA / "refi-qda-codebook-1.0.xsd")))
    root = etree.parse(str(out)).getroot()
    assert schema.validate(root), schema.error_log
    names = {c.get("name") for c in root.iter("{urn:QDA-XML:codebook:1.0}Code")}
    assert {"Leve hele livet", "Mat og måltider", "Sektorreform"} <= names


def _csv(path: Path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(raw.decode("utf-8-sig").splitlines(keepends=True)))


def test_passage_csv_final_codes(runner, db_path, project, tmp_path):
    out = tmp_path / "passages.csv"
    result = _cli(runner, db_path, "export", "-f", "csv", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = {int(r["passage_id"]): r for r in _csv(out)}
    assert len(rows) == 13
    adjudicated = rows[project["plan_p"][2]]
    assert adjudicated["coder"] == "cecilie" and adjudicated["code_status"] == "adjudicated"
    assert adjudicated["area_mat"] == "1" and adjudicated["area_helsehjelp"] == "0" and adjudicated["framing"] == "begge"
    assert adjudicated["text"] == HAMAR_PLAN[2]  # CRLF kept inside the quoted field
    agreed = rows[project["plan_p"][1]]
    assert agreed["code_status"] == "agreed" and agreed["coder"] == "ane; bjørn" and "👵🏼" in agreed["text"]
    assert rows[project["sak_p"][1]]["code_status"] == "disagreed" and rows[project["sak_p"][1]]["reform"] == ""
    assert rows[project["strategi_p"][1]]["code_status"] == "single"
    assert rows[project["strategi_p"][1]]["reform"] == "0"
    assert rows[project["okonomi_p"][1]]["code_status"] == "uncoded"
    assert rows[project["sak_p"][0]]["code_status"] == "uncoded"  # bjørn's latest row is a skip


def test_passage_xlsx_all_coders_and_jsonl_machine(runner, db_path, project, tmp_path):
    xlsx = tmp_path / "all.xlsx"
    assert _cli(runner, db_path, "export", "-f", "xlsx", "--codings", "all", "--out", str(xlsx)).exit_code == 0
    sheet = openpyxl.load_workbook(xlsx).active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, [c.value for c in row])) for row in sheet.iter_rows(min_row=2)]
    plan_p2 = [r for r in rows if r["passage_id"] == project["plan_p"][2]]
    assert {(r["coder"], r["code_status"]) for r in plan_p2} == {("ane", "coded"), ("bjørn", "coded"), ("cecilie", "adjudicated")}
    assert any("Måltidene" in (r["text"] or "") for r in rows)

    jsonl = tmp_path / "machine.jsonl"
    assert _cli(runner, db_path, "export", "-f", "jsonl", "--codings", "machine", "--out", str(jsonl)).exit_code == 0
    records = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    okonomi = next(r for r in records if r["passage_id"] == project["okonomi_p"][1])
    assert okonomi["reform"] == 1 and okonomi["reform_successor"] == 1 and okonomi["framing"] == "sektor"
    assert okonomi["coder"] == "machine" and "rules codebook test-1 builtin-nb" in okonomi["provenance"]
    plan = next(r for r in records if r["passage_id"] == project["plan_p"][1])
    assert plan["areas"] == ["aldersvennlig", "aktivitet"]


def test_document_and_kommune_levels_count_coded_passages(runner, db_path, project, tmp_path):
    documents = tmp_path / "documents.csv"
    assert _cli(runner, db_path, "export", "-f", "csv", "--level", "document", "--codings", "machine",
                "--out", str(documents)).exit_code == 0
    rows = {int(r["document_id"]): r for r in _csv(documents)}
    assert rows[project["plan"]]["n_passages"] == "5" and rows[project["plan"]]["n_reform"] == "3"
    assert rows[project["failed"]]["status"] == "failed" and rows[project["failed"]]["n_passages"] == "0"

    kommuner = tmp_path / "kommuner.jsonl"
    assert _cli(runner, db_path, "export", "-f", "jsonl", "--level", "kommune", "--out", str(kommuner)).exit_code == 0
    by_knr = {r["knr"]: r for r in map(json.loads, kommuner.read_text(encoding="utf-8").splitlines())}
    assert set(by_knr) == {"3403", "1804", "1818", "4201"}
    assert by_knr["1818"]["kommune"] == "Herøy (Nordland)"
    hamar = by_knr["3403"]
    assert hamar["n_documents"] == 3 and hamar["n_coded"] == 4 and hamar["n_area_mat"] == 1
    assert hamar["samfunn_share"] == 0.5  # samfunn 1 + begge 1 vs sektor 1 + begge 1


def test_summary_is_vedlegg2_with_evidence(runner, db_path, project, tmp_path):
    out = tmp_path / "summary.csv"
    assert _cli(runner, db_path, "export", "-f", "summary", "--out", str(out)).exit_code == 0
    rows = {r["Knr"]: r for r in _csv(out)}
    hamar, bodo, heroy, risor = rows["3403"], rows["1804"], rows["1818"], rows["4201"]
    # an LHL plan without a read adoption, and a proposal to make one: treated, not adopted
    assert (hamar["Vedtak LHL"], hamar["Planstrategi"], hamar["Samfunnsdel"]) == ("1", "0", ".")
    assert hamar["Vedtak LHL (evidens)"].startswith(f"#{project['sak']} https://hamar.example/sak-12-19.pdf (innstilling")
    assert f"#{project['plan']} https://hamar.example/lhl-plan.pdf" in hamar["Vedtak LHL (evidens)"]
    assert "https://hamar.example/planstrategi.pdf" in hamar["Planstrategi (evidens)"]
    # named only in a planning document: 1 with low confidence; the bystyre decision is about something else
    assert (bodo["Vedtak LHL"], bodo["Handlings- og økonomiplan"], bodo["Vedtak LHL (sikkerhet)"]) == ("1", "1", "lav")
    assert "okonomiplan-2022" in bodo["Vedtak LHL (evidens)"]
    assert heroy["Kommune"] == "Herøy (Nordland)" and heroy["Vedtak LHL"] == "."
    assert risor["Vedtak LHL"] == "." and risor["Fylke"] == "Agder"

    xlsx = tmp_path / "summary.xlsx"
    assert _cli(runner, db_path, "export", "-f", "summary", "--out", str(xlsx)).exit_code == 0
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["Vedlegg 2", "Evidens", "Koder"]
    evidence = list(book["Evidens"].iter_rows(min_row=2, values_only=True))
    assert ("3403", "Hamar", "Vedtak LHL", "1", project["plan"]) in {r[:5] for r in evidence}

    jsonl = tmp_path / "summary.jsonl"
    assert _cli(runner, db_path, "export", "-f", "summary", "--out", str(jsonl)).exit_code == 0
    records = {r["knr"]: r for r in map(json.loads, jsonl.read_text(encoding="utf-8").splitlines())}
    assert records["1804"]["evidence"]["handlings_okonomiplan"][0]["url"] == "https://bodo.example/okonomiplan-2022.pdf"


def test_saksframlegg_mention_without_plan_is_vedtak_1(store, db_path, runner, tmp_path):
    ids = build_project(store)
    store.db.execute("UPDATE documents SET doc_type = 'other' WHERE id = ?", [ids["plan"]])
    store.db.conn.commit()
    out = tmp_path / "summary.csv"
    assert _cli(runner, db_path, "export", "-f", "summary", "--out", str(out)).exit_code == 0
    hamar = next(r for r in _csv(out) if r["Knr"] == "3403")
    assert hamar["Vedtak LHL"] == "1" and "sak-12-19.pdf" in hamar["Vedtak LHL (evidens)"]


def test_nvivo_classification_sheet_matches_case_names(runner, db_path, project, tmp_path):
    sheet = tmp_path / "kommuner.txt"
    assert _cli(runner, db_path, "export", "-f", "nvivo-sheet", "--out", str(sheet)).exit_code == 0
    lines = [line.split("\t") for line in sheet.read_bytes().decode("utf-8").split("\r\n") if line]
    assert lines[0][0] == "Kommune"  # A1: the classification name
    assert lines[0][1:4] == ["Kommunenummer", "Fylke", "Vedtak LHL"]
    names = [row[0] for row in lines[1:]]
    assert "Herøy (Nordland)" in names and "Hamar" in names
    hamar = dict(zip(lines[0], next(row for row in lines[1:] if row[0] == "Hamar")))
    assert hamar["Vedtak LHL"].startswith("1: behandlet eller nevnt") and hamar["Samfunnsdel"] == ""  # blank = missing
    qdpx = tmp_path / "p.qdpx"
    _cli(runner, db_path, "export", "-f", "qdpx", "--out", str(qdpx))
    case_names = {c.get("name") for c in _qde(qdpx)[1].iterfind(".//q:Case", NS)}
    assert case_names <= set(names)

    xlsx = tmp_path / "kommuner.xlsx"
    assert _cli(runner, db_path, "export", "-f", "nvivo-sheet", "--out", str(xlsx)).exit_code == 0
    ws = openpyxl.load_workbook(xlsx).active
    assert ws["A1"].value == "Kommune" and ws["B1"].value == "Kommunenummer"


# ---------------------------------------------------------------- bad input
def test_empty_database_is_refused_and_writes_nothing(runner, db_path, store, tmp_path):
    for fmt, name in (("qdpx", "p.qdpx"), ("csv", "p.csv"), ("summary", "s.csv"), ("nvivo-sheet", "n.txt")):
        out = tmp_path / name
        result = _cli(runner, db_path, "export", "-f", fmt, "--out", str(out))
        assert result.exit_code == 1
        assert "E600" in result.output
        assert not out.exists()
    assert not list(tmp_path.glob(".*.part"))


def test_existing_output_needs_force(runner, db_path, project, tmp_path):
    out = tmp_path / "p.csv"
    out.write_text("keep me", encoding="utf-8")
    result = _cli(runner, db_path, "export", "-f", "csv", "--out", str(out))
    assert result.exit_code == 1 and "E601" in result.output and "--force" in result.output
    assert out.read_text(encoding="utf-8") == "keep me"
    assert _cli(runner, db_path, "export", "-f", "csv", "--out", str(out), "--force").exit_code == 0
    assert out.read_text(encoding="utf-8-sig").startswith("passage_id,")


def test_unwritable_paths_are_refused(runner, db_path, project, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    for target in (blocker / "out.csv", tmp_path / "missing" / "out.csv", tmp_path):
        result = _cli(runner, db_path, "export", "-f", "csv", "--out", str(target))
        assert result.exit_code == 1 and "E602" in result.output, result.output


def test_codes_missing_from_codebook_are_named(runner, db_path, store, tmp_path):
    ids = build_project(store)
    store.db["codings"].insert({"passage_id": ids["plan_p"][0], "coder": "ane", "coded_at": "2024-05-01T10:00:00+00:00",
                                "action": "code", "reform": 1, "areas": json.dumps(["boliger"]), "framing": "ingen"})
    out = tmp_path / "p.qdpx"
    result = _cli(runner, db_path, "export", "-f", "qdpx", "--out", str(out))
    assert result.exit_code == 1 and "E603" in result.output and "area.boliger" in result.output
    assert not out.exists()


def test_bad_options_exit_2(runner, db_path, project, tmp_path):
    cases = [
        ("--format", "pdf", "--out", str(tmp_path / "x.pdf")),
        ("--format", "csv", "--out", str(tmp_path / "x.xlsx")),
        ("--format", "csv", "--level", "kommune", "--codings", "all", "--out", str(tmp_path / "x.csv")),
        ("--format", "qdpx", "--level", "document", "--out", str(tmp_path / "x.qdpx")),
        ("--format", "summary", "--codings", "all", "--out", str(tmp_path / "x.csv")),
        ("--format", "csv", "--codings", "everyone", "--out", str(tmp_path / "x.csv")),
    ]
    for args in cases:
        result = _cli(runner, db_path, "export", *args)
        assert result.exit_code == 2 and "E604" in result.output, (args, result.output)
    assert not list(tmp_path.glob("x.*"))


def test_an_interrupted_export_leaves_no_file(store, project, tmp_path):
    out = tmp_path / "p.qdpx"
    seen = []

    def interrupt(n: int) -> None:
        seen.append(n)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export(store, "qdpx", out, codings="all", progress=interrupt)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_codebook_comes_from_the_project_yaml_with_its_version(tmp_path):
    from lhl_mining.errors import CodebookInvalid
    from lhl_mining.nlp.codebook import load_codebook as load_project_codebook

    project = load_project_codebook()
    codebook = load_codebook()
    assert codebook.version == project.version_id  # what suggestions record as codebook_version
    assert codebook.ids == set(project.codes)
    assert codebook.get("area").codable is False and codebook.get("area.mat").parent == "area"
    assert codebook.get("area.mat").name == project.codes["area.mat"].label
    broken = tmp_path / "lhl.yaml"
    broken.write_text("codes: [\n", encoding="utf-8")
    with pytest.raises(CodebookInvalid):
        load_codebook(broken)


def test_qdpx_of_real_seed_texts_slices_exactly(store, db_path, runner, shared, tmp_path, project_schema):
    """Real seed texts (read in place), every 7th paragraph coded: each selection is its passage, in UTF-16."""
    from _export_data import add_text_document

    passages = []
    for path in sorted((shared / "seeds").glob("*.txt")):
        passages += add_text_document(store, path.resolve().as_uri(), path.read_text(encoding="utf-8"))
    assert len(passages) > 100
    coded = passages[::7]
    for passage_id, _ in coded:
        store.db["codings"].insert({"passage_id": passage_id, "coder": "ane", "coded_at": "2024-05-01T10:00:00+00:00",
                                    "action": "code", "reform": 1, "areas": "[]", "framing": "ingen"})
    store.db.conn.commit()
    out = tmp_path / "seeds.qdpx"
    assert _cli(runner, db_path, "export", "-f", "qdpx", "--out", str(out)).exit_code == 0
    archive, root = _qde(out)
    assert project_schema.validate(root), project_schema.error_log
    assert root.find("q:Cases", NS) is None  # documents without a kommune make no cases
    texts = sorted(s["text"] for s in _selections(archive, root))
    assert texts == sorted(t.replace("\r\n", "\n").replace("\n", "\r\n") for _, t in coded)
    # no kommune: the Vedlegg-2 table says why it cannot be made
    result = _cli(runner, db_path, "export", "-f", "summary", "--out", str(tmp_path / "s.csv"))
    assert result.exit_code == 1 and "--kommune" in result.output


def test_final_qdpx_without_human_codes_points_to_machine(runner, db_path, store, tmp_path):
    build_project(store)
    store.db.execute("DELETE FROM codings")
    store.db.conn.commit()
    out = tmp_path / "p.qdpx"
    result = _cli(runner, db_path, "export", "-f", "qdpx", "--out", str(out))
    assert result.exit_code == 0 and "--codings machine" in result.output
    assert _qde(out)[1].find(".//q:PlainTextSelection", NS) is None
