"""Trained models live beside the database they came from, never in the package's models/ folder."""

from __future__ import annotations

import json

import pytest
from lhl.cli import app
from test_train import gold_subset

from lhl_mining.learn.files import bundled_models_dir, default_models_dir


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("LHL_MODELS", raising=False)
    monkeypatch.delenv("LHL_DB", raising=False)
    monkeypatch.chdir(tmp_path)


def test_the_default_folder_follows_the_database(tmp_path, monkeypatch):
    assert default_models_dir(tmp_path / "studie.db") == tmp_path / "studie.models"
    assert default_models_dir().resolve() == tmp_path.resolve() / "lhl.models"  # beside the default lhl.db
    monkeypatch.setenv("LHL_MODELS", str(tmp_path / "shared-models"))
    assert default_models_dir(tmp_path / "studie.db") == tmp_path / "shared-models"


def test_train_saves_beside_the_database_and_other_databases_do_not_see_it(runner, shared, tmp_path):
    shipped_before = sorted(p.name for p in bundled_models_dir().iterdir())
    gold = gold_subset(shared, tmp_path, 60)
    study = tmp_path / "data" / "studie.db"
    study.parent.mkdir()
    result = runner.invoke(app, ["--db", str(study), "train", "--gold", str(gold), "--name", "mine", "--cv-folds", "0"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "studie.models" / "mine.joblib").is_file()
    assert not (tmp_path / "models").exists()
    assert sorted(p.name for p in bundled_models_dir().iterdir()) == shipped_before

    listed = runner.invoke(app, ["--db", str(study), "models", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    assert {m["name"] for m in json.loads(listed.output)} == {"mine", "starter"}
    other = runner.invoke(app, ["--db", str(tmp_path / "other.db"), "models", "--format", "json"])
    assert {m["name"] for m in json.loads(other.output)} == {"starter"}

    passages = tmp_path / "in.jsonl"
    passages.write_text(
        json.dumps({"id": 1, "text": "Kommunen satsar på Leve hele livet og heimeteneste."}) + "\n", encoding="utf-8"
    )
    classify = ["classify", "--input", str(passages), "--model", "builtin", "--trained", "mine"]
    found = runner.invoke(app, ["--db", str(study), *classify])
    assert found.exit_code == 0, found.output
    assert "mine" in found.output
    missing = runner.invoke(app, ["--db", str(tmp_path / "other.db"), *classify])
    assert missing.exit_code == 1 and "No model named 'mine'" in missing.output
