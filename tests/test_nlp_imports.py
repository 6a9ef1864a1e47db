"""Commands that need no NLP start without spaCy (or scikit-learn): checked in fresh interpreters."""

from __future__ import annotations

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
    done = subprocess.run([sys.executable, "-c", RUN.format(imports=imports), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)
    return done.stderr.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("noimport")
    assert run(["--db", str(folder / "lhl.db"), "init"], folder).startswith("EXIT 0")
    return folder / "lhl.db"


@pytest.mark.parametrize("args, imports", [
    (["status"], ()),
    (["kommuner", "--county", "Innlandet"], ()),
    (["export", "--format", "csv", "--out", "{tmp}/out.csv"], ()),
    (["export", "--format", "qdpx", "--out", "{tmp}/out.qdpx"], ()),
    (["report", "--out", "{tmp}/report.html"], ()),
    (["review", "assign", "--double", "0.2", "--coder", "a", "--coder", "b"], ("lhl_mining.review.app", "lhl_mining.review.server")),
])
def test_commands_without_nlp_do_not_import_spacy(db, args, imports):
    args = [a.replace("{tmp}", str(db.parent)) for a in args]
    result = run(["--db", str(db), *args], db.parent, imports)
    assert "SPACY False" in result and "SKLEARN False" in result, (args, result)
