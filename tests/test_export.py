"""`lhl export`: REFI-QDA projects and codebooks, spreadsheets, the Vedlegg-2 table, the NVivo sheet."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from _export_data import HAMAR_PLAN, build_project
from lhl.cli import app
from lxml import etree

from lhl_mining.export import export
from lhl_mining.export.codebook import load_code_tree
from lhl_mining.export.qdpx import guid, safe_name, source_positions
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


def _source_bytes(archive: zipfile.ZipFile, source: etree._Element) -> bytes:
    return archive.read(f"sources/{source.get('plainTextPath').removeprefix('internal://')}")


def nvivo_text(raw: bytes) -> str:
    """NVivo's (and pyqdpx's) rule: the text after a UTF-8 BOM, positions in UTF-16 code units, CR and LF apart.
    Returned as UTF-16-LE code units widened to one character each, so Python slicing follows the rule."""
    text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    units = text.encode("utf-16-le")
    return "".join(chr(int.from_bytes(units[i : i + 2], "little")) for i in range(0, len(units), 2))


def qualcoder_text(raw: bytes) -> str:
    """QualCoder's importer rule (read from its refi.py, reproduced here): the file is read as UTF-8 text with
    undecodable bytes replaced and Python's universal newlines (CRLF and CR become LF), a BOM is kept as
    character 0, and when the first line break in the bytes is CRLF every LF gets a space after it so a
    Windows line break counts two; positions are code points into that string."""
    text = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", errors="replace").read()
    first_break = raw.find(b"\n")
    if first_break > 0 and raw[first_break - 1 : first_break] == b"\r" and b"\r" not in raw[: first_break - 1]:
        text = text.replace("\n", "\n ")
    return text


def _widened(text: str) -> str:
    """Back from one character per UTF-16 unit to a normal string."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le") if text else text


def _selections(archive: zipfile.ZipFile, root: etree._Element, rule: str = "nvivo") -> list[dict]:
    """Every passage selection with the text it covers by a reader's rule (`nvivo` or `qualcoder`)."""
    out = []
    for source in root.iterfind(".//q:TextSource", NS):
        raw = _source_bytes(archive, source)
        assert not raw.startswith(b"\xef\xbb\xbf"), "no BOM: QualCoder would read it as character 0"
        assert b"\r" not in raw, "LF line ends: QualCoder and NVivo count them alike"
        text = nvivo_text(raw) if rule == "nvivo" else qualcoder_text(raw)
        for selection in source.iterfind("q:PlainTextSelection", NS):
            if selection.get("name") == "kommune case":
                continue
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            piece = text[start:end]
            out.append(
                {
                    "source": source.get("name"),
                    "text": _widened(piece) if rule == "nvivo" else piece,
                    "user": selection.get("creatingUser"),
                    "codes": [c.find("q:CodeRef", NS).get("targetGUID") for c in selection.iterfind("q:Coding", NS)],
                    "coding_users": {c.get("creatingUser") for c in selection.iterfind("q:Coding", NS)},
                }
            )
    return out


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def test_qdpx_validates_against_the_refi_schema_in_every_coding_mode(
    runner, db_path, project, project_schema, tmp_path
):
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


def test_every_selection_covers_its_passage_by_nvivos_rule_and_by_qualcoders_with_for(
    runner, db_path, project, tmp_path
):
    out = tmp_path / "all.qdpx"
    result = _cli(runner, db_path, "export", "-f", "qdpx", "--codings", "all", "--out", str(out))
    archive, root = _qde(out)
    selections = _selections(archive, root)
    texts = {s["text"] for s in selections}
    # the emoji passage (astral characters, 2 UTF-16 units each) and the CRLF passage come back exactly
    assert HAMAR_PLAN[1] in texts and "👵🏼" in HAMAR_PLAN[1]
    assert _lf(HAMAR_PLAN[2]) in texts and "\r\n" in HAMAR_PLAN[2]
    with Store.open(db_path) as store:
        passages = {_lf(r[0]) for r in store.db.execute("SELECT text FROM passages")}
    assert texts <= passages
    # the export says which sources only one rule places exactly, and how to get the other
    assert "above U+FFFF" in result.output and "--for qualcoder" in result.output
    # QualCoder's rule misplaces the emoji passages in this file, and places everything with --for qualcoder
    assert HAMAR_PLAN[1] not in {s["text"] for s in _selections(archive, root, "qualcoder")}
    for_qualcoder = tmp_path / "qualcoder.qdpx"
    result = _cli(
        runner, db_path, "export", "-f", "qdpx", "--codings", "all", "--for", "qualcoder", "--out", str(for_qualcoder)
    )
    assert result.exit_code == 0 and "--for nvivo" in result.output
    qualcoder = _selections(*_qde(for_qualcoder), "qualcoder")
    assert sorted(s["text"] for s in qualcoder) == sorted(s["text"] for s in selections)
    # the LF-only Bodø document is sliced exactly too
    machine = tmp_path / "machine.qdpx"
    _cli(runner, db_path, "export", "-f", "qdpx", "--codings", "machine", "--out", str(machine))
    for rule in ("nvivo", "qualcoder"):
        machine_texts = {s["text"] for s in _selections(*_qde(machine), rule)}
        assert (
            "Leve hele livet følges opp gjennom økt dekningsgrad i hjemmetjenesten.\nNye stillinger i sykehjem."
            in machine_texts
        )


def test_without_astral_characters_both_rules_place_every_selection_alike(runner, db_path, project, store, tmp_path):
    for emoji in ("👵🏼", "🍽️"):
        store.db.execute("UPDATE document_texts SET text = replace(text, ?, '')", [emoji])
        store.db.execute("UPDATE passages SET text = replace(text, ?, '')", [emoji])
    # passages keep their spans: recompute them from the texts
    for doc_id, text in store.db.execute("SELECT document_id, text FROM document_texts").fetchall():
        start = 0
        for pid, ptext in store.db.execute(
            "SELECT id, text FROM passages WHERE document_id = ? ORDER BY seq", [doc_id]
        ).fetchall():
            start = text.index(ptext, start)
            store.db.execute(
                "UPDATE passages SET char_start = ?, char_end = ? WHERE id = ?", [start, start + len(ptext), pid]
            )
            start += len(ptext)
    store.db.conn.commit()
    out = tmp_path / "all.qdpx"
    result = _cli(runner, db_path, "export", "-f", "qdpx", "--codings", "all", "--out", str(out))
    assert result.exit_code == 0 and "U+FFFF" not in result.output
    archive, root = _qde(out)
    nvivo, qualcoder = _selections(archive, root, "nvivo"), _selections(archive, root, "qualcoder")
    assert len(nvivo) == 8 and [s["text"] for s in nvivo] == [s["text"] for s in qualcoder]
    passages = {_lf(r[0]) for r in store.db.execute("SELECT text FROM passages")}
    assert {s["text"] for s in nvivo} <= passages


def test_qdpx_opens_in_pyqdpx_with_every_code_source_case_and_selection(runner, db_path, project, tmp_path):
    """pyqdpx (a REFI-QDA reader on PyPI, NVivo's position rule) reads the file as written."""
    from pyqdpx import QDPX

    out = tmp_path / "all.qdpx"
    assert _cli(runner, db_path, "export", "-f", "qdpx", "--codings", "all", "--out", str(out)).exit_code == 0
    _archive, root = _qde(out)
    qde = QDPX(str(out)).get_project()
    assert set(qde.codes) == {c.get("guid") for c in root.iterfind(".//q:Code", NS)}
    assert {c.name for c in qde.codes.values()} >= {"Leve hele livet", "Mat og måltider", "Hamar", "Bodø"}
    assert {s.guid for s in qde.sources.values()} == {s.get("guid") for s in root.iterfind(".//q:TextSource", NS)}
    assert len(qde.sources) == 5
    assert {c.get("name") for c in qde._bs4_obj.find_all("Case")} == {"Hamar", "Bodø"}
    written = {s.get("guid"): s for s in root.iterfind(".//q:PlainTextSelection", NS)}
    read = {guid_: selection for source in qde.sources.values() for guid_, selection in source.coded_selections.items()}
    assert set(read) == set(written)
    with Store.open(db_path) as store:
        passages = {_lf(r[0]) for r in store.db.execute("SELECT text FROM passages")}
        texts = {_lf(r[0]) for r in store.db.execute("SELECT text FROM document_texts")}
    for guid_, selection in read.items():
        text = selection.text.replace("\u200b", "")  # pyqdpx pads each astral character with a zero-width space
        assert text in (texts if written[guid_].get("name") == "kommune case" else passages), text


def test_cases_memos_sets_and_dates_the_way_readers_take_them(runner, db_path, project, tmp_path):
    out = tmp_path / "all.qdpx"
    assert _cli(runner, db_path, "export", "-f", "qdpx", "--codings", "all", "--out", str(out)).exit_code == 0
    archive, root = _qde(out)
    hamar = next(c for c in root.iterfind(".//q:Case", NS) if c.get("name") == "Hamar")
    # QualCoder and NVivo link a case to its text through a code with the case's GUID coded on the whole source
    assert hamar.find("q:CodeRef", NS).get("targetGUID") == hamar.get("guid") == guid("kommune", "3403")
    case_code = next(c for c in root.iterfind(".//q:Code", NS) if c.get("guid") == hamar.get("guid"))
    assert case_code.get("name") == "Hamar" and case_code.getparent().get("name") == "Kommuner (cases)"
    hamar_sources = {r.get("targetGUID") for r in hamar.iterfind("q:SourceRef", NS)}
    for source in root.iterfind(".//q:TextSource", NS):
        (link,) = [s for s in source.iterfind("q:PlainTextSelection", NS) if s.get("name") == "kommune case"]
        raw = _source_bytes(archive, source)
        assert int(link.get("startPosition")) == 0
        assert int(link.get("endPosition")) == len(nvivo_text(raw))  # the whole text
        is_hamar = link.find("q:Coding/q:CodeRef", NS).get("targetGUID") == hamar.get("guid")
        assert is_hamar == (source.get("guid") in hamar_sources)
    # a memo is a REFI Note with its text, linked from its selection
    notes = {n.get("guid"): n for n in root.iterfind("q:Notes/q:Note", NS)}
    assert [n.find("q:PlainTextContent", NS).text for n in notes.values()] == ["tydelig samfunn"]
    refs = [r.getparent() for r in root.iterfind(".//q:PlainTextSelection/q:NoteRef", NS)]
    assert len(refs) == 1 and refs[0].find("q:NoteRef", NS).get("targetGUID") in notes
    assert refs[0].get("creatingUser") == guid("user", "ane")
    # a Set per county and per document type
    sets = {
        s.get("name"): {m.get("targetGUID") for m in s.iterfind("q:MemberSource", NS)}
        for s in root.iterfind("q:Sets/q:Set", NS)
    }
    assert sets["Fylke: Innlandet"] == hamar_sources
    assert len(sets["Fylke: Nordland"]) == 2 and sets["Dokumenttype: lhl_plan"] == {
        guid("source", "https://hamar.example/lhl-plan.pdf")
    }
    # Dato is a REFI Date variable holding xsd:date values
    dato = next(v for v in root.iterfind(".//q:Variable", NS) if v.get("name") == "Dato")
    assert dato.get("typeOfVariable") == "Date"
    dates = {
        v.find("q:DateValue", NS).text
        for v in root.iterfind(".//q:TextSource/q:VariableValue", NS)
        if v.find("q:VariableRef", NS).get("targetGUID") == dato.get("guid")
    }
    assert "2020-06-17" in dates and len(dates) == 5


def test_source_names_with_slashes_stay_usable(runner, db_path, project, store, tmp_path):
    store.db.execute("UPDATE documents SET title = 'PS sak 34/22: «Leve hele livet»?' WHERE id = ?", [project["sak"]])
    store.db.conn.commit()
    out = tmp_path / "p.qdpx"
    assert _cli(runner, db_path, "export", "-f", "qdpx", "--out", str(out)).exit_code == 0
    names = [s.get("name") for s in _qde(out)[1].iterfind(".//q:TextSource", NS)]
    assert any("PS sak 34-22- «Leve hele livet»-" in n for n in names)
    assert not any(set(n) & set('/\\:*?"<>|') for n in names)


def test_source_positions_by_each_readers_rule():
    text = "æ🙂\nø\r\nå\rx"
    nvivo = source_positions(text, range(len(text) + 1), "nvivo")
    qualcoder = source_positions(text, range(len(text) + 1), "qualcoder")
    assert nvivo[1] == 1 and qualcoder[1] == 1  # æ is one unit and one code point
    assert nvivo[2] == 3 and qualcoder[2] == 2  # 🙂 is a surrogate pair, one code point
    assert nvivo[5] == 6 and nvivo[6] == 6  # CRLF is written as one LF; inside it the position moves past it
    assert qualcoder[len(text)] == 8 and nvivo[len(text)] == 9  # the lone CR is written as LF too


def test_source_names_are_safe_file_names():
    assert (
        safe_name("Hamar – 2022-05-12 – sak 34/22: «Plan» <utkast>?")
        == "Hamar – 2022-05-12 – sak 34-22- «Plan» -utkast-"
    )
    assert safe_name("a\\b|c*d\ne. ") == "a-b-c-d-e"
    assert len(safe_name("x" * 400)) == 150


def test_final_codings_use_adjudication_agreement_and_undo(runner, db_path, project, tmp_path):
    out = tmp_path / "final.qdpx"
    result = _cli(runner, db_path, "export", "-f", "qdpx", "--out", str(out))
    # what the file leaves out is said, not dropped silently
    assert "1 passage(s) with open disagreements are not in the final codes" in " ".join(result.output.split())
    assert "1 document(s) without extracted text" in " ".join(result.output.split())
    archive, root = _qde(out)
    by_text = {s["text"]: s for s in _selections(archive, root)}
    adjudicated = by_text[_lf(HAMAR_PLAN[2])]
    assert adjudicated["user"] == guid("user", "cecilie")
    assert set(adjudicated["codes"]) == {
        guid("code", c) for c in ("reform", "area.mat", "framing.samfunn", "framing.sektor")
    }
    agreed = by_text[HAMAR_PLAN[1]]
    assert set(agreed["codes"]) == {
        guid("code", c) for c in ("reform", "area.aldersvennlig", "area.aktivitet", "framing.samfunn")
    }
    # ane's undone «mat» is gone; her later decision and bjørn's accept of the suggestion agree
    undone = by_text[HAMAR_PLAN[3]]
    assert set(undone["codes"]) == {guid("code", c) for c in ("area.helsehjelp", "framing.sektor")}
    # the disagreement without adjudication is not exported as final
    assert "Kommunedirektørens innstilling: Kommunestyret ber om at det utarbeides en plan." not in by_text
    users = {u.get("name") for u in root.iterfind(".//q:User", NS)}
    assert users == {"ane", "bjørn", "cecilie", "lhl-mining"}


def test_machine_suggestions_are_their_own_user_with_provenance(runner, db_path, project, tmp_path):
    out = tmp_path / "machine.qdpx"
    _cli(runner, db_path, "export", "-f", "qdpx", "--codings", "machine", "--out", str(out))
    _archive, root = _qde(out)
    users = root.findall(".//q:User", NS)
    # the machine, and lhl-mining itself for the whole-source links of kommune cases
    assert [u.get("name") for u in users] == ["lhl-mining (machine suggestions)", "lhl-mining"]
    selections = [s for s in root.iterfind(".//q:PlainTextSelection", NS) if s.get("name") != "kommune case"]
    assert selections and all(s.get("creatingUser") == users[0].get("guid") for s in selections)
    assert all("codebook test-1" in s.find("q:Description", NS).text for s in selections)
    successor = guid("code", "reform.successor")
    assert any(c.get("targetGUID") == successor for c in root.iterfind(".//q:CodeRef", NS))


def test_codebook_tree_has_hierarchy_colours_descriptions_and_version(runner, db_path, project, tmp_path):
    out = tmp_path / "p.qdpx"
    _cli(runner, db_path, "export", "-f", "qdpx", "--out", str(out))
    _, root = _qde(out)
    codebook = load_code_tree()
    top = root.find("q:CodeBook/q:Codes", NS)
    area = next(c for c in top.findall("q:Code", NS) if c.get("guid") == guid("code", "area"))
    assert area.get("isCodable") == "false"
    children = {c.get("guid") for c in area.findall("q:Code", NS)}
    assert guid("code", "area.mat") in children and len(children) == 5
    for code in top.findall("q:Code", NS):
        if code.get("name") == "Kommuner (cases)":
            continue
        assert code.get("color").startswith("#")
        assert f"codebook {codebook.version}" in code.find("q:Description", NS).text
    for code in area.iterfind(".//q:Code", NS):
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
    values = {
        variables[v.find("q:VariableRef", NS).get("targetGUID")]: v[1].text
        for v in hamar.iterfind("q:VariableValue", NS)
    }
    assert values["Kommunenummer"] == "3403" and values["Fylke"] == "Innlandet"
    assert values["Vedtak LHL"] == "1: behandlet eller nevnt, ikke vedtatt plan (inkl. vedtak om å lage plan)"
    assert values["Planstrategi"] == "0: nevner ikke reformen"
    refs = {r.get("targetGUID") for r in hamar.iterfind("q:SourceRef", NS)}
    assert refs == {
        guid("source", f"https://hamar.example/{name}")
        for name in ("lhl-plan.pdf", "sak-12-19.pdf", "planstrategi.pdf")
    }


def test_reexport_keeps_every_guid(runner, db_path, project, tmp_path):
    out = tmp_path / "p.qdpx"
    _cli(runner, db_path, "export", "-f", "qdpx", "--codings", "all", "--out", str(out))
    first = sorted(_qde(out)[1].xpath("//@guid"))
    result = _cli(runner, db_path, "export", "-f", "qdpx", "--codings", "all", "--out", str(out), "--force")
    assert result.exit_code == 0
    second = sorted(_qde(out)[1].xpath("//@guid"))
    # unique, but for the kommune cases, which share their GUID with their case code (as NVivo writes them)
    n_cases = len(_qde(out)[1].findall(".//q:Case", NS))
    assert first == second and len(set(first)) == len(first) - n_cases


def test_final_selection_keeps_its_guid_when_a_second_coder_agrees(runner, db_path, store, tmp_path):
    from _export_data import code

    ids = build_project(store)
    out = tmp_path / "p.qdpx"

    def okonomi_selection() -> str:
        _cli(runner, db_path, "export", "-f", "qdpx", "--out", str(out), "--force")
        root = _qde(out)[1]
        source = next(
            s
            for s in root.iterfind(".//q:TextSource", NS)
            if s.get("guid") == guid("source", "https://bodo.example/okonomiplan-2022.pdf")
        )
        (selection,) = [s for s in source.findall("q:PlainTextSelection", NS) if s.get("name") != "kommune case"]
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
    assert (
        adjudicated["area_mat"] == "1" and adjudicated["area_helsehjelp"] == "0" and adjudicated["framing"] == "begge"
    )
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
    assert {(r["coder"], r["code_status"]) for r in plan_p2} == {
        ("ane", "coded"),
        ("bjørn", "coded"),
        ("cecilie", "adjudicated"),
    }
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
    assert (
        _cli(
            runner,
            db_path,
            "export",
            "-f",
            "csv",
            "--level",
            "document",
            "--codings",
            "machine",
            "--out",
            str(documents),
        ).exit_code
        == 0
    )
    rows = {int(r["document_id"]): r for r in _csv(documents)}
    assert rows[project["plan"]]["n_passages"] == "5" and rows[project["plan"]]["n_reform_machine"] == "3"
    assert rows[project["failed"]]["status"] == "failed" and rows[project["failed"]]["n_passages"] == "0"

    kommuner = tmp_path / "kommuner.jsonl"
    assert _cli(runner, db_path, "export", "-f", "jsonl", "--level", "kommune", "--out", str(kommuner)).exit_code == 0
    by_knr = {r["knr"]: r for r in map(json.loads, kommuner.read_text(encoding="utf-8").splitlines())}
    assert set(by_knr) == {"3403", "1804", "1818", "4201"}
    assert by_knr["1818"]["kommune"] == "Herøy (Nordland)"
    hamar = by_knr["3403"]
    assert hamar["n_documents"] == 3 and hamar["n_coded_human"] == 4 and hamar["n_area_mat_human"] == 1
    assert hamar["samfunn_share"] == 0.5  # samfunn 1 + begge 1 vs sektor 1 + begge 1


def test_summary_is_vedlegg2_with_evidence(runner, db_path, project, tmp_path):
    out = tmp_path / "summary.csv"
    assert _cli(runner, db_path, "export", "-f", "summary", "--out", str(out)).exit_code == 0
    rows = {r["Knr"]: r for r in _csv(out)}
    hamar, bodo, heroy, risor = rows["3403"], rows["1804"], rows["1818"], rows["4201"]
    # an LHL plan without a read adoption, and a proposal to make one: treated, not adopted
    assert (hamar["Vedtak LHL"], hamar["Planstrategi"], hamar["Samfunnsdel"]) == ("1", "0", ".")
    assert hamar["Vedtak LHL (evidens)"].startswith(
        f"#{project['sak']} https://hamar.example/sak-12-19.pdf (innstilling"
    )
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
    store.db["codings"].insert(
        {
            "passage_id": ids["plan_p"][0],
            "coder": "ane",
            "coded_at": "2024-05-01T10:00:00+00:00",
            "action": "code",
            "reform": 1,
            "areas": json.dumps(["boliger"]),
            "framing": "ingen",
        }
    )
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
    from lhl_mining.codebook import load_codebook as load_project_codebook
    from lhl_mining.errors import CodebookInvalid

    project = load_project_codebook()
    codebook = load_code_tree()
    assert codebook.version == project.version_id  # what suggestions record as codebook_version
    assert codebook.ids == set(project.codes)
    assert codebook.get("area").codable is False and codebook.get("area.mat").parent == "area"
    assert codebook.get("area.mat").name == project.codes["area.mat"].label
    assert (codebook.get("area").name, codebook.get("area.mat").color) == ("Innsatsområder", "#D62728")
    broken = tmp_path / "lhl.yaml"
    broken.write_text("codes: [\n", encoding="utf-8")
    with pytest.raises(CodebookInvalid):
        load_code_tree(broken)
    with pytest.raises(CodebookInvalid, match="Cannot read the codebook") as missing:
        load_code_tree(tmp_path / "none.yaml")
    assert missing.value.code == "E101"  # a named file that is not there is an error, never a substitute list


def test_qdpx_of_real_seed_texts_slices_exactly(store, db_path, runner, shared, tmp_path, project_schema):
    """Real seed texts (read in place), every 7th paragraph coded: each selection is its passage, in UTF-16."""
    from _export_data import add_text_document

    passages = []
    for path in sorted((shared / "seeds").glob("*.txt")):
        passages += add_text_document(store, path.resolve().as_uri(), path.read_text(encoding="utf-8"))
    assert len(passages) > 100
    coded = passages[::7]
    for passage_id, _ in coded:
        store.db["codings"].insert(
            {
                "passage_id": passage_id,
                "coder": "ane",
                "coded_at": "2024-05-01T10:00:00+00:00",
                "action": "code",
                "reform": 1,
                "areas": "[]",
                "framing": "ingen",
            }
        )
    store.db.conn.commit()
    out = tmp_path / "seeds.qdpx"
    assert _cli(runner, db_path, "export", "-f", "qdpx", "--out", str(out)).exit_code == 0
    archive, root = _qde(out)
    assert project_schema.validate(root), project_schema.error_log
    assert root.find("q:Cases", NS) is None  # documents without a kommune make no cases
    texts = sorted(s["text"] for s in _selections(archive, root))
    assert texts == sorted(_lf(t) for _, t in coded)
    assert [s["text"] for s in _selections(archive, root, "qualcoder")] == [
        s["text"] for s in _selections(archive, root)
    ]
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
    assert not [s for s in _qde(out)[1].iterfind(".//q:PlainTextSelection", NS) if s.get("name") != "kommune case"]


def test_demo_with_two_coders_opens_right_in_every_checked_reader(runner, tmp_path, project_schema):
    """The demo plus two coders' decisions: one default .qdpx valid against the XSD, read by pyqdpx, and placed
    exactly by NVivo's rule and by QualCoder's."""
    from pyqdpx import QDPX

    folder = tmp_path / "demo"
    assert runner.invoke(app, ["demo", "--dir", str(folder)]).exit_code == 0
    db = folder / "lhl.db"
    with Store.open(db) as store:
        passages = store.db.execute("SELECT id, text FROM passages ORDER BY id").fetchall()
        for n, (passage_id, _) in enumerate(passages):
            for coder, at in (("ane", "2024-05-01T10:00:00+00:00"), ("bjørn", "2024-05-02T10:00:00+00:00")):
                if coder == "bjørn" and n % 3:
                    continue
                store.db["codings"].insert(
                    {
                        "passage_id": passage_id,
                        "coder": coder,
                        "coded_at": at,
                        "action": "code",
                        "reform": 1,
                        "areas": json.dumps(["mat"] if n % 2 else []),
                        "framing": "sektor" if coder == "ane" or n % 2 else "samfunn",
                        "memo": "sjekk" if n == 4 else None,
                    }
                )
        store.db.conn.commit()
    expected = {_lf(t) for _, t in passages}
    out = tmp_path / "demo.qdpx"
    result = _cli(runner, db, "export", "-f", "qdpx", "--out", str(out))
    assert result.exit_code == 0, result.output
    archive, root = _qde(out)
    assert project_schema.validate(root), project_schema.error_log
    nvivo, qualcoder = _selections(archive, root, "nvivo"), _selections(archive, root, "qualcoder")
    disagreed = sum(1 for n in range(len(passages)) if n % 6 == 0)  # bjørn's «samfunn» against ane's «sektor»
    assert len(nvivo) == len(passages) - disagreed
    assert [s["text"] for s in qualcoder] == [s["text"] for s in nvivo]
    assert {s["text"] for s in nvivo} <= expected
    assert "U+FFFF" not in result.output
    assert f"{disagreed} passage(s) with open disagreements" in " ".join(result.output.split())
    qde = QDPX(str(out)).get_project()
    read = {g for source in qde.sources.values() for g in source.coded_selections}
    assert read == {s.get("guid") for s in root.iterfind(".//q:PlainTextSelection", NS)}
    assert len(qde.sources) == 15


def test_xlsx_has_date_cells_text_kommune_numbers_and_norwegian_labels(runner, db_path, project, store, tmp_path):
    store.db.execute("UPDATE kommuner SET knr = knr WHERE knr = '0301'")
    xlsx = tmp_path / "documents.xlsx"
    result = _cli(runner, db_path, "export", "-f", "xlsx", "--level", "document", "--labels", "nb", "--out", str(xlsx))
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(xlsx).active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Dokument-id", "Kommunenummer", "Kommune", "Fylke"]
    assert "Passasjer om reformen (menneske)" in header and "Dato" in header and "Hentet" in header
    rows = [dict(zip(header, row)) for row in sheet.iter_rows(min_row=2)]
    plan = next(r for r in rows if r["Dokument-id"].value == project["plan"])
    assert plan["Dato"].is_date and plan["Dato"].value.date().isoformat() == "2020-06-17"
    assert plan["Hentet"].is_date and plan["Hentet"].value.isoformat() == "2024-03-01T10:00:00"
    assert plan["Kommunenummer"].data_type == "s" and plan["Kommunenummer"].value == "3403"
    failed = next(r for r in rows if r["Dokument-id"].value == project["failed"])
    assert failed["Dato"].value is None


def test_counts_name_their_basis_and_exports_say_what_they_leave_out(runner, db_path, project, tmp_path):
    human = tmp_path / "human.csv"
    result = _cli(runner, db_path, "export", "-f", "csv", "--level", "kommune", "--out", str(human))
    said = " ".join(result.output.split())
    assert "1 passage(s) with open disagreements have no final code and are not in the kommune counts" in said
    assert "have no human code" in said
    header = _csv(human)[0].keys()
    assert "n_reform_human" in header and "n_reform" not in header and "n_passages" in header
    machine = tmp_path / "machine.jsonl"
    _cli(
        runner,
        db_path,
        "export",
        "-f",
        "jsonl",
        "--level",
        "kommune",
        "--codings",
        "machine",
        "--labels",
        "nb",
        "--out",
        str(machine),
    )
    first = json.loads(machine.read_text(encoding="utf-8").splitlines()[0])
    assert "Passasjer om reformen (maskin)" in first and first["Kommunenummer"] == "1804"
    passages = tmp_path / "passages.csv"
    said = " ".join(_cli(runner, db_path, "export", "-f", "csv", "--out", str(passages)).output.split())
    assert "have code_status «disagreed» and empty code columns" in said
    # the NVivo sheet and the qdpx cases count human-else-machine, and say so in the attribute name
    sheet = tmp_path / "kommuner.txt"
    _cli(runner, db_path, "export", "-f", "nvivo-sheet", "--out", str(sheet))
    assert "Passasjer om reformen (menneske, ellers maskin)" in sheet.read_text(encoding="utf-8").splitlines()[0]


def test_options_that_do_not_fit_are_refused(runner, db_path, project, tmp_path):
    for args in (
        ("-f", "csv", "--for", "nvivo"),
        ("-f", "qdpx", "--for", "atlas"),
        ("-f", "qdpx", "--labels", "nb"),
        ("-f", "csv", "--labels", "de"),
    ):
        result = _cli(runner, db_path, "export", *args, "--out", str(tmp_path / f"x.{args[1]}"))
        assert result.exit_code == 2 and "E604" in result.output, (args, result.output)


FORMULAS = [
    '=HYPERLINK("http://evil.example","klikk")',
    "+47 22 00 00 00",
    "-1+2",
    "@SUM(1;2)",
    "\tTab først",
    "\rCR først",
]


def test_csv_cells_that_would_run_as_formulas_are_text_in_a_spreadsheet(runner, db_path, project, store, tmp_path):
    """OWASP CSV injection: LibreOffice Calc (headless, formulas evaluated on import) reads every such cell as text."""
    import shutil
    import subprocess

    for passage_id, text in zip(project["plan_p"] + project["sak_p"], FORMULAS):
        store.db.execute("UPDATE passages SET text = ? WHERE id = ?", [text, passage_id])
    store.db.execute("UPDATE documents SET title = '=1+1' WHERE id = ?", [project["plan"]])
    store.db.conn.commit()
    out = tmp_path / "passages.csv"
    assert _cli(runner, db_path, "export", "-f", "csv", "--out", str(out)).exit_code == 0
    rows = _csv(out)
    texts = {r["text"] for r in rows}
    assert {"'" + t for t in FORMULAS} <= texts
    assert all(not r["title"].startswith("=") for r in rows)
    # jsonl keeps the exact text; xlsx writes strings (never formulas)
    jsonl = tmp_path / "passages.jsonl"
    _cli(runner, db_path, "export", "-f", "jsonl", "--out", str(jsonl))
    assert set(FORMULAS) <= {json.loads(line)["text"] for line in jsonl.read_text(encoding="utf-8").splitlines()}
    xlsx = tmp_path / "passages.xlsx"
    _cli(runner, db_path, "export", "-f", "xlsx", "--out", str(xlsx))
    cells = [c for row in openpyxl.load_workbook(xlsx).active.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells) and FORMULAS[0] in {c.value for c in cells}

    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (libreoffice-calc-nogui) is needed: scripts/test installs it"
    control = tmp_path / "control.csv"
    control.write_text("a\n=1+1\n", encoding="utf-8")
    converted = tmp_path / "converted"
    for csv_file in (out, control):
        subprocess.run(
            [
                soffice,
                "--headless",
                f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                "--infilter=CSV:44,34,76,1,,0,false,true,false,false,false,false,true",
                "--convert-to",
                "xlsx",
                "--outdir",
                str(converted),
                str(csv_file),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    assert openpyxl.load_workbook(converted / "control.xlsx").active["A2"].data_type == "f"  # Calc runs formulas
    sheet = openpyxl.load_workbook(converted / "passages.xlsx").active
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    # LibreOffice opens the xlsx export too, with the formula-like text as text
    subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path / "back"),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    back = list(csv.DictReader((tmp_path / "back" / "passages.csv").read_text(encoding="utf-8").splitlines()))
    assert FORMULAS[0] in {r["text"] for r in back} and back[0]["date"] == "2020-06-17"
