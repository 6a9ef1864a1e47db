"""Shared fixtures: temporary databases and the paths of the shared reference material."""

from __future__ import annotations

from pathlib import Path

import pytest
import review_data
from typer.testing import CliRunner

from lhl_mining.review.server import BackgroundServer
from lhl_mining.review.state import ReviewConfig
from lhl_mining.store import Store

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def shared() -> Path:
    """`../shared/` beside the clone (CI has it there); read in place, never copied."""
    assert SHARED.is_dir(), f"the shared reference folder is missing at {SHARED}"
    return SHARED


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "lhl.db"


@pytest.fixture
def store(db_path: Path):
    with Store.open(db_path, create=True) as opened:
        yield opened


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def seeded(db_path: Path) -> list[int]:
    """The review tests' standard corpus (review_data.seed) in a fresh database file."""
    with Store.open(db_path, create=True) as store:
        return review_data.seed(store)


@pytest.fixture
def server(db_path: Path, seeded: list[int]):
    """A review server on the seeded database, in a background thread on a free local port."""
    with BackgroundServer(ReviewConfig(db_path)) as running:
        yield running
