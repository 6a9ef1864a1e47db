"""The wheel and the sdist carry every module and data file of the package, and nothing else.

Both are built from a copy of the clone (the files git tracks or would track)
into which a user's leftovers are planted: a trained model in models/, a stray
.py at the root, a download in corpus/, a .venv.  Two new subpackages are
planted too, to show that packages are found, not listed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest
from conftest import REPO

# Source folder -> its place in the installed package (the root folders keep the design's top level).
PACKAGE_FOLDERS = {
    "src/lhl_mining": "lhl_mining",
    "scrapers": "lhl_mining/scrapers",
    "codebooks": "lhl_mining/codebooks",
    "models": "lhl_mining/models",
}
ENTRY_POINT = {"cli.py": "lhl/cli.py"}
SDIST_EXTRAS = {"setup.py", "pyproject.toml", "README.md", "LICENSE", "MANIFEST.in", "PKG-INFO", "setup.cfg"}

PLANTED_LEFTOVERS = [
    "models/my-coders-model.joblib",
    "models/my-coders-model.json",  # `lhl train` output of an older version
    "lhl.models/lhl-20261201.joblib",
    "lhl.models/lhl-20261201.json",  # and of this one (beside lhl.db)
    "stray_notes.py",  # any .py at the root
    "corpus/ab/abcdef.pdf",  # downloads
    ".venv/lib/site.py",
    "scrapers/notes.txt",
]
PLANTED_PACKAGES = [
    "src/lhl_mining/newpart/__init__.py",
    "src/lhl_mining/newpart/inner/__init__.py",
    "scrapers/newportal/__init__.py",
]


def _clone_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, check=True, capture_output=True
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (REPO / name).is_file()]


def _installed_path(source: str) -> str | None:
    """Where a source file of the clone lands in the wheel, or None if it must not ship."""
    if source in ENTRY_POINT:
        return ENTRY_POINT[source]
    for folder, package in PACKAGE_FOLDERS.items():
        if source.startswith(folder + "/") and "__pycache__" not in source:
            return package + source[len(folder) :]
    return None


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    tree = tmp_path_factory.mktemp("clone")
    files = _clone_files()
    for name in files:
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, tree / name)
    for name in PLANTED_LEFTOVERS + PLANTED_PACKAGES:
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text('"""planted by test_packaging"""\n', encoding="utf-8")
    dist = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(tree)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    shipped = sorted(name for name in files + PLANTED_PACKAGES if _installed_path(name))
    return {"wheel": next(dist.glob("*.whl")), "sdist": next(dist.glob("*.tar.gz")), "shipped": shipped}


def test_the_wheel_has_every_module_and_data_file_and_nothing_else(built):
    with zipfile.ZipFile(built["wheel"]) as wheel:
        names = {n for n in wheel.namelist() if ".dist-info/" not in n}
        dist_info = {n.split("/", 1)[1] for n in wheel.namelist() if ".dist-info/" in n}
    expected = {_installed_path(name) for name in built["shipped"]}
    missing = sorted(expected - names)
    assert not missing, (
        f"Not in the wheel: {missing}. A data file needs a pattern under [tool.setuptools.package-data] in "
        "pyproject.toml; a module folder needs an __init__.py (packages are found by setup.py)."
    )
    extra = sorted(names - expected)
    assert not extra, f"The wheel ships files that are not part of the package: {extra}"
    assert "licenses/LICENSE" in dist_info
    assert not any("my-coders-model" in n or "stray_notes" in n for n in names)


def test_the_sdist_has_what_builds_the_wheel_and_nothing_else(built):
    with tarfile.open(built["sdist"]) as sdist:
        members = [m for m in sdist.getmembers() if m.isfile()]
    names = {m.name.split("/", 1)[1] for m in members}
    expected = set(built["shipped"]) | SDIST_EXTRAS
    missing = sorted(expected - {n for n in names if not n.startswith("lhl_mining.egg-info/")})
    assert not missing, f"Not in the sdist: {missing}"
    extra = sorted(n for n in names - expected if not n.startswith("lhl_mining.egg-info/"))
    assert not extra, f"The sdist carries files that are not part of the package: {extra}"


def test_every_module_imports_from_the_wheel_under_one_name(built, tmp_path):
    """The unpacked wheel alone (ahead of the editable install) gives a working `lhl` and each module once."""
    unpacked = tmp_path / "site"
    with zipfile.ZipFile(built["wheel"]) as wheel:
        wheel.extractall(unpacked)
    probe = (
        "import importlib, pkgutil, sys\n"
        "import lhl_mining\n"
        f"assert lhl_mining.__file__.startswith({str(unpacked)!r}), lhl_mining.__file__\n"
        "names = [m.name for m in pkgutil.walk_packages(lhl_mining.__path__, 'lhl_mining.')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "for other in ('scrapers.base', 'lhl.scrapers.base', 'codebooks', 'models'):\n"
        "    try:\n"
        "        importlib.import_module(other)\n"
        "    except ImportError:\n"
        "        continue\n"
        "    raise SystemExit(f'{other} is importable: a second name for a module')\n"
        "from lhl.cli import app\n"
        "app(['--version'])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(unpacked)}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert result.stdout.startswith("lhl-mining ")
