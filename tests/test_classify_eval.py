"""Eval gate: `lhl classify --rules-only` on gold_dev.jsonl must not fall below the pinned floors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lhl.cli import app

from lhl_mining.nlp.evaluate import read_jsonl, score

BASELINE = Path(__file__).resolve().parents[1] / "bench" / "eval_baseline.json"


@pytest.mark.parametrize("gold_file, floors_key", [("gold_dev.jsonl", "floors"), ("gold_train.jsonl", "floors_train")])
def test_rules_meet_the_pinned_floors(runner, shared, gold_file, floors_key):
    gold = read_jsonl(shared / "data" / gold_file)
    data = "".join(json.dumps({"id": g["id"], "text": g["text"]}, ensure_ascii=False) + "\n" for g in gold)
    result = runner.invoke(app, ["classify", "--rules-only"], input=data)
    assert result.exit_code == 0, result.output
    predicted = [json.loads(line) for line in result.stdout.splitlines()]
    scores = score(gold, predicted)
    floors = json.loads(BASELINE.read_text(encoding="utf-8"))[floors_key]
    assert set(floors) == {"reform_f1", "areas_micro_f1", "framing_macro_f1"}
    for name, floor in floors.items():
        assert scores[name] >= floor, f"{name} fell to {scores[name]:.3f} (floor {floor}); errors: {scores['errors']}"


def test_floors_are_at_least_the_product_targets():
    floors = json.loads(BASELINE.read_text(encoding="utf-8"))["floors"]
    assert floors["reform_f1"] >= 0.95
    assert floors["areas_micro_f1"] >= 0.80
    assert floors["framing_macro_f1"] >= 0.70


def test_scoring_counts_and_confusion():
    gold = [{"id": "a", "reform": True, "areas": ["mat"], "framing": "sektor"},
            {"id": "b", "reform": False, "areas": [], "framing": "ingen"}]
    predicted = [{"id": "a", "reform": True, "areas": ["mat", "helsehjelp"], "framing": "begge"},
                 {"id": "b", "reform": True, "areas": [], "framing": "ingen"}]
    result = score(gold, predicted)
    assert result["per_code"]["reform"] == {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "support": 1,
                                            "tp": 1, "fp": 1, "fn": 0}
    assert result["areas_micro_f1"] == 0.6667
    assert result["framing_confusion"]["sektor"]["begge"] == 1
    assert [e["id"] for e in result["errors"]] == ["a", "b"]
