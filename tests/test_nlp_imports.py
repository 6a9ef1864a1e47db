"""Commands that need no NLP start without spaCy (or scikit-learn): checked in fresh interpreters."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

RUN = """
import sys
sys.argv = ["lhl", *sys.argv[1:]]
from lhl.cli import app
try:
    app()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
if {imports!r}:
    import importlib
    for module in {imports!r}:
        importlib.import_module(module)
print("EXIT", code, "SPACY", "spacy" in sys.modules, "SKLEARN", "sklearn" in sys.modules, file=sys.stderr)
"""


def run(args: list[str], cwd, imports: tuple[str, ...] = ()) -> str:
    done = subprocess.run(
        [sys.executable, "-c", RUN.format(imports=imports), *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    return done.stderr.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("noimport")
    assert run(["--db", str(folder / "lhl.db"), "init"], folder).startswith("EXIT 0")
    return folder / "lhl.db"


@pytest.mark.parametrize(
    "args, imports",
    [
        (["status"], ()),
        (["kommuner", "--county", "Innlandet"], ()),
        (["export", "--format", "csv", "--out", "{tmp}/out.csv"], ()),
        (["export", "--format", "qdpx", "--out", "{tmp}/out.qdpx"], ()),
        (["report", "--out", "{tmp}/report.html"], ()),
        (["codebook", "show", "--code", "area.mat"], ("lhl_mining.codebook", "lhl_mining.export.codebook")),
        (
            ["review", "assign", "--double", "0.2", "--coder", "a", "--coder", "b"],
            ("lhl_mining.review.app", "lhl_mining.review.server"),
        ),
    ],
)
def test_commands_without_nlp_do_not_import_spacy(db, args, imports):
    args = [a.replace("{tmp}", str(db.parent)) for a in args]
    result = run(["--db", str(db), *args], db.parent, imports)
    assert "SPACY False" in result and "SKLEARN False" in result, (args, result)


CLASSIFY_ONE = """
import sys
sys.argv = ["lhl", "classify", "--input", sys.argv[1], "--output", sys.argv[2], "--force"]
from lhl.cli import app
try:
    app()
except SystemExit as exc:
    assert not exc.code, exc.code
from simplemma.strategies.dictionaries.dictionary_factory import DEFAULT_DICTIONARY_FACTORY as factory
print("DECODED", factory._get_dictionary.cache_info().currsize,
      "MODULES", sorted(m for m in ("sqlite_utils", "jsonschema", "sklearn") if m in sys.modules), file=sys.stderr)
"""


def test_classify_start_up_loads_only_what_labelling_needs(tmp_path):
    """One line in, one out, after a first run has filled the cache: no store, no schema check, no decoded
    simplemma dictionary (the per-word disk cache answers), no scikit-learn (the starter model decides nothing)."""
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text(
        '{"id": 1, "text": "Eldrerådet drøftet Leve hele livet og kvardagsmeistringa."}\n', encoding="utf-8"
    )
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", CLASSIFY_ONE, str(source), str(out)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "DECODED 0 MODULES []", done.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["reform"] is True
