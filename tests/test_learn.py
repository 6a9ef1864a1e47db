"""Model labellers, model files and `lhl evaluate`: the trained model as users meet it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from lhl.cli import app

from lhl_mining.codebook import PASSAGE_CODES
from lhl_mining.errors import ModelIncompatible, ModelNotFound
from lhl_mining.learn import CombinedLabeller, ModelLabeller, latest_model_labeller, uncertainty
from lhl_mining.learn.files import bundled_models_dir, find_model, list_models, load_model
from lhl_mining.nlp.labeller import Labeller, PassageLabel

REFORM_TEXT = (
    "Kommunestyret vedtok handlingsplanen for Leve hele livet. Planen skal sikre hverdagsrehabilitering, "
    "gode måltider og møteplasser for eldre, og pårørende skal få avlastning."
)
NEGATIVE_TEXT = "Vannledningen i Storgata skal skiftes ut i løpet av sommeren, og veien blir stengt i tre uker."


@pytest.fixture(scope="module")
def rules():
    from lhl_mining.learn.labellers import default_rule_labeller

    return default_rule_labeller()


@pytest.fixture
def starter_copy(tmp_path: Path) -> Path:
    """The shipped starter model, copied to a temporary models folder so a test may alter it."""
    folder = tmp_path / "models"
    folder.mkdir()
    for suffix in (".joblib", ".json"):
        shutil.copy(bundled_models_dir() / f"starter{suffix}", folder / f"starter{suffix}")
    return folder


def test_combined_labeller_implements_the_labeller_interface_and_keeps_rule_evidence(rules):
    labeller = latest_model_labeller("starter", rules=rules)
    assert isinstance(labeller, Labeller) and isinstance(labeller, CombinedLabeller)
    assert labeller.provenance.startswith("rules+model@") and labeller.provenance.endswith("+starter")
    assert labeller.codebook_version == rules.codebook_version
    positive, negative = labeller.label([REFORM_TEXT, NEGATIVE_TEXT])
    assert isinstance(positive, PassageLabel)
    assert positive.reform and {"helsehjelp", "mat", "sammenheng"} <= set(positive.areas)
    assert set(positive.scores) == set(PASSAGE_CODES)
    assert all(0.0 <= v <= 1.0 for v in positive.scores.values())
    # The rules' hits are still there, with offsets into the passage.
    reform_hits = [e for e in positive.evidence if e["code"] == "reform"]
    assert reform_hits and REFORM_TEXT[reform_hits[0]["start"] : reform_hits[0]["end"]].lower() == "leve hele livet"
    assert not negative.reform and negative.areas == [] and negative.framing == "ingen"
    assert labeller.label([]) == []


def test_model_labeller_alone(rules):
    trained = load_model(find_model("starter"))
    labeller = ModelLabeller(trained, rules)
    assert labeller.provenance == "model@starter"
    (label,) = labeller.label([REFORM_TEXT])
    assert label.reform and label.scores["reform"] > 0.5
    with pytest.raises(ValueError, match="codebook-hit features"):
        ModelLabeller(trained, None)


def test_uncertainty_is_highest_near_one_half():
    sure = PassageLabel(True, [], "ingen", scores={code: 0.02 for code in PASSAGE_CODES})
    unsure = PassageLabel(True, [], "ingen", scores={**{code: 0.02 for code in PASSAGE_CODES}, "area.mat": 0.48})
    assert uncertainty(sure) == pytest.approx(0.04)
    assert uncertainty(unsure) == pytest.approx(0.96)


def test_newest_model_wins_unless_one_is_named(starter_copy, rules):
    newer = json.loads((starter_copy / "starter.json").read_text())
    newer.update(name="newer", created_at="2999-01-01T00:00:00+00:00")
    shutil.copy(starter_copy / "starter.joblib", starter_copy / "newer.joblib")
    (starter_copy / "newer.json").write_text(json.dumps(newer))
    names = {m["name"] for m in list_models(starter_copy)}
    assert {"starter", "newer"} <= names
    assert latest_model_labeller(models_dir=starter_copy, rules=rules).trained.name == "newer"
    assert latest_model_labeller("starter", models_dir=starter_copy, rules=rules).trained.name == "starter"
    with pytest.raises(ModelNotFound, match="No model named 'nope'"):
        latest_model_labeller("nope", models_dir=starter_copy, rules=rules)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sklearn_version": "0.24.2"}, "was trained with scikit-learn 0.24.2, but"),
        ({"format": 99}, "has model format 99; this lhl-mining reads format 1"),
    ],
)
def test_incompatible_model_files_are_refused_and_left_alone(starter_copy, change, message):
    meta_path = starter_copy / "starter.json"
    meta = json.loads(meta_path.read_text())
    meta.update(change)
    meta_path.write_text(json.dumps(meta))
    before = (starter_copy / "starter.joblib").read_bytes()
    with pytest.raises(ModelIncompatible, match=message):
        load_model(starter_copy / "starter.joblib")
    assert (starter_copy / "starter.joblib").read_bytes() == before


def test_damaged_model_file_is_refused(starter_copy):
    (starter_copy / "starter.joblib").write_bytes(b"not a model")
    with pytest.raises(ModelIncompatible, match="Cannot load model"):
        load_model(starter_copy / "starter.joblib")


def test_evaluate_command_on_a_gold_file(runner, tmp_path, shared):
    lines = (shared / "data" / "gold_dev.jsonl").read_text(encoding="utf-8").splitlines()[:12]
    gold = tmp_path / "dev12.jsonl"
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--gold", str(gold), "--model-version", "starter"])
    assert result.exit_code == 0, result.output
    assert "12 passages; model starter" in result.output
    assert "framing confusion" in result.output and "areas micro-F1" in result.output
    assert "learned from 12 of these 12 passages" in result.stderr and "in-sample" in result.stderr
    as_json = runner.invoke(app, ["evaluate", "--gold", str(gold), "--model-version", "starter", "--format", "json"])
    data = json.loads(as_json.stdout)  # the in-sample note goes to stderr
    assert set(data["results"]) == {"rules", "model", "combined"}
    assert data["results"]["combined"]["codes"]["reform"]["support"] == sum('"reform": true' in line for line in lines)


def test_evaluate_on_passages_the_model_never_saw_has_no_in_sample_note(runner, tmp_path):
    fresh = {"id": "x1", "text": "Kommunen bygger nye omsorgsboliger nær sentrum.", "reform": False}
    gold = tmp_path / "fresh.jsonl"
    gold.write_text(json.dumps({**fresh, "areas": ["aldersvennlig"], "framing": "samfunn"}) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--gold", str(gold), "--model-version", "starter"])
    assert result.exit_code == 0, result.output
    assert "in-sample" not in result.stderr


def test_evaluate_with_an_incompatible_model_says_so(runner, starter_copy, tmp_path, shared):
    meta = json.loads((starter_copy / "starter.json").read_text())
    meta["sklearn_version"] = "0.24.2"
    (starter_copy / "starter.json").write_text(json.dumps(meta))
    gold = shared / "data" / "gold_dev.jsonl"
    result = runner.invoke(
        app, ["evaluate", "--gold", str(gold), "--models-dir", str(starter_copy), "--model-version", "starter"]
    )
    assert result.exit_code == 1 and "E505" in result.output and "Retrain it with `lhl train`" in result.output


def test_newest_readable_model_is_chosen_over_a_newer_incompatible_one(starter_copy, rules):
    meta = json.loads((starter_copy / "starter.json").read_text())
    meta.update(name="future", created_at="2999-01-01T00:00:00+00:00", sklearn_version="0.24.2")
    shutil.copy(starter_copy / "starter.joblib", starter_copy / "future.joblib")
    (starter_copy / "future.json").write_text(json.dumps(meta))
    assert latest_model_labeller(models_dir=starter_copy, rules=rules).trained.name == "starter"
    with pytest.raises(ModelIncompatible, match="--rules-only"):
        latest_model_labeller("future", models_dir=starter_copy, rules=rules)


def test_where_the_rules_decide_the_model_shades_the_score(rules):
    from lhl_mining.learn.model import BINARY_CODES, Blend, blended_scores

    label_yes = PassageLabel(True, ["mat"], "sektor", scores={"reform": 0.9, "area.mat": 0.8})
    label_no = PassageLabel(False, [], "ingen", scores={})
    rules_only = Blend({code: 1.0 for code in BINARY_CODES}, {code: 0.5 for code in BINARY_CODES}, 1.0)
    model = {"area.mat": [0.1, 0.9], "reform": [0.95, 0.05]}
    scores, _ = blended_scores({k: np.array(v) for k, v in model.items()}, [label_yes, label_no], rules_only, 2)
    # The rules' decisions stand (score on their side of 0.5) ...
    assert scores["area.mat"][0] >= 0.5 > scores["area.mat"][1]
    # ... and where the model disagrees the score sits near 0.5: the review queue shows it early.
    assert scores["area.mat"][0] == pytest.approx(0.55) and scores["area.mat"][1] == pytest.approx(0.45)
    assert scores["reform"][0] == pytest.approx(0.975) and scores["reform"][1] == pytest.approx(0.025)


def test_evaluate_on_a_database_without_codings_says_what_to_do(runner, db_path, store):
    result = runner.invoke(app, ["--db", str(db_path), "evaluate", "--model-version", "starter"])
    assert result.exit_code == 1
    assert "E502" in result.output and "no coded passages" in result.output and "--gold" in result.output


def test_models_command_lists_models_and_readability(runner, starter_copy):
    meta = json.loads((starter_copy / "starter.json").read_text())
    meta.update(name="old", created_at="2020-01-01T00:00:00+00:00", sklearn_version="0.24.2")
    shutil.copy(starter_copy / "starter.joblib", starter_copy / "old.joblib")
    (starter_copy / "old.json").write_text(json.dumps(meta))
    result = runner.invoke(app, ["models", "--models-dir", str(starter_copy), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert rows["starter"]["readable"] is True and rows["starter"]["passages"] == 538
    assert rows["starter"]["decides"] == "framing"  # reform and areas stay with the rules
    assert rows["old"]["readable"] is False


def test_lemma_features_keep_domain_words_and_handle_both_written_norwegians():
    from lhl_mining.learn.features import lemma_text

    assert lemma_text("Helse- og omsorgstjenestene til eldre") == "helse og omsorgstjeneste til eldre"
    assert lemma_text("Tenestene for eldre, pårørande og tilsette") == "teneste for eldre pårørande og tilsett"
