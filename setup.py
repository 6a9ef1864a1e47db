"""Where the packages come from (everything else is in pyproject.toml).

The design keeps `cli.py`, `scrapers/`, `codebooks/` and `models/` at the top
of the repository, but each module has one import name: the three folders are
`lhl_mining.scrapers`, `lhl_mining.codebooks` and `lhl_mining.models`, and
`cli.py` is the console entry point's own module `lhl.cli` (no other root file
ships).  Packages are found, not listed, so a new subpackage can't be left out
of the wheel; tests/test_packaging.py builds both distributions and checks.
"""

from setuptools import find_packages, setup

ROOT_PACKAGES = ("scrapers", "codebooks", "models")

packages = find_packages("src", include=["lhl_mining", "lhl_mining.*"])
for root in ROOT_PACKAGES:
    packages += [f"lhl_mining.{name}" for name in find_packages(".", include=[root, f"{root}.*"])]

setup(
    packages=packages,
    package_dir={"lhl_mining": "src/lhl_mining", "lhl": ".", **{f"lhl_mining.{root}": root for root in ROOT_PACKAGES}},
    py_modules=["lhl.cli"],
    # `pip install -e .` links exactly the files the wheel ships, as a plain path type checkers follow.
    options={"editable_wheel": {"mode": "strict"}},
)
