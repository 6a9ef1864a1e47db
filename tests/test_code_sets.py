"""The code sets live in the codebook YAML only: a new code is added there, and every part of lhl follows."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import yaml
from lhl.cli import app
from lxml import etree

from lhl_mining.codebook import AREAS, codebook_rows, default_codebook_path, load_codebook, tagging_part
from lhl_mining.errors import CodebookInvalid
from lhl_mining.export import export
from lhl_mining.export.codebook import code_tree, load_code_tree

SRC = Path(__file__).resolve().parents[1] / "src" / "lhl_mining"
NEW_AREA = """
  - code: area.digital
    label: Digitalt utenforskap
    frame: samfunn
    description: Older people left outside digital services.
    terms:
      - {id: x.digital, lemma: 'digitalt utenforskap', weight: 0.9}

"""


def _area_id(value: object) -> str | None:
    """The area id a string constant names, as a bare id or inside a code or column name."""
    if not isinstance(value, str):
        return None
    for prefix in ("area.", "area_", "n_area_", ""):
        if value.startswith(prefix) and value[len(prefix) :] in AREAS:
            return value[len(prefix) :]
    return None


def test_no_python_module_lists_the_area_ids():
    """A list, tuple, set or dict of two or more area ids in src/ is a second home of the code set."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.List | ast.Tuple | ast.Set):
                items = node.elts
            elif isinstance(node, ast.Dict):
                items = [key for key in node.keys if key is not None]
            else:
                continue
            ids = {_area_id(item.value) for item in items if isinstance(item, ast.Constant)} - {None}
            if len(ids) >= 2:
                found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not found, f"area ids listed in Python (take them from lhl_mining.codebook): {found}"


def _with_new_area(tmp_path: Path) -> Path:
    text = default_codebook_path().read_text(encoding="utf-8")
    marker = "  # ------------------------------------------------------------------ framing\n"
    assert marker in text
    text = text.replace(marker, NEW_AREA + marker, 1)
    text = text.replace(
        "    framing.samfunn: {colour:",
        "    area.digital: {colour: '#123456', short: Digitalt}\n    framing.samfunn: {colour:",
        1,
    )
    path = tmp_path / "lhl.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_code_added_to_the_yaml_appears_in_the_export_tree_and_the_review_keys(tmp_path):
    book = load_codebook(_with_new_area(tmp_path))
    assert book.areas == (*AREAS, "digital")
    assert book.area_keys["6"] == "digital" and book.area_titles["digital"] == "Digitalt utenforskap"
    tree = code_tree(book)
    added = tree.get("area.digital")
    assert added is not None and added.parent == "area" and added.codable
    assert (added.name, added.color, added.short) == ("Digitalt utenforskap", "#123456", "Digitalt")
    assert [c.id for c in tree.children("area")][-1] == "area.digital"

    out = tmp_path / "codes.qdc"
    export(None, "qdc", out, codebook=load_code_tree(tmp_path / "lhl.yaml"))
    names = {c.get("name") for c in etree.parse(str(out)).iter("{urn:QDA-XML:codebook:1.0}Code")}
    assert "Digitalt utenforskap" in names


def test_display_fields_stay_out_of_the_tagging_digest(tmp_path):
    """Colours and names are for exports and screens: changing them leaves tags and trained models current."""
    text = default_codebook_path().read_text(encoding="utf-8")
    assert "display:" in text and "display:" not in tagging_part(text.encode()).decode()
    recoloured = tmp_path / "lhl.yaml"
    recoloured.write_text(text.replace("'#D62728', short: Mat}", "'#000000', short: Måltid}", 1), encoding="utf-8")
    book = load_codebook(recoloured)
    assert book.codes["area.mat"].colour == "#000000" and book.codes["area.mat"].short == "Måltid"
    assert book.version_id == load_codebook().version_id


def test_display_names_only_codes_the_codebook_defines(tmp_path):
    document = yaml.safe_load(default_codebook_path().read_text(encoding="utf-8"))
    document["display"]["codes"]["area.matt"] = {"colour": "#000000"}
    path = tmp_path / "typo.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CodebookInvalid, match=r"display names unknown code 'area\.matt'"):
        load_codebook(path)


def test_codebook_rows_are_what_codebook_show_prints(runner):
    """`lhl codebook show` prints the library's rows; the command builds none itself."""
    rows = codebook_rows(load_codebook(), "area.mat")
    assert {row["code"] for row in rows} == {"area.mat"} and any(row["solution"].startswith("C4") for row in rows)
    shown = runner.invoke(app, ["codebook", "show", "--code", "area.mat", "--format", "json"])
    assert json.loads(shown.output) == json.loads(json.dumps(rows, ensure_ascii=False))


def test_framing_and_its_codes_are_one_rule_both_ways():
    """Tagging, review, learning and exports turn framings into codes and back through one pair of functions."""
    from lhl_mining.codebook import FRAMINGS, framing_codes, framing_of_codes

    assert {framing: framing_codes(framing) for framing in FRAMINGS} == {
        "samfunn": ["framing.samfunn"],
        "sektor": ["framing.sektor"],
        "begge": ["framing.samfunn", "framing.sektor"],
        "ingen": [],
    }
    assert all(framing_of_codes({"reform", *framing_codes(f)}) == f for f in FRAMINGS)
