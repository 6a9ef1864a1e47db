"""`lhl train`: from a gold file and from the coders' decisions in a real database; bad input refused cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils
from lhl.cli import app

from lhl_mining.learn.dataset import read_gold, training_set_hash
from lhl_mining.store import Store

NOW = "2026-11-01T10:00:00+00:00"


def gold_subset(shared: Path, tmp_path: Path, n: int, name: str = "gold.jsonl") -> Path:
    """The first `n` gold_train lines, in a temporary file (tests read shared/ in place; nothing lands in the repo)."""
    lines = (shared / "data" / "gold_train.jsonl").read_text(encoding="utf-8").splitlines()[:n]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def add_document(db: sqlite_utils.Database, texts: list[str]) -> list[int]:
    doc_id = (
        db["documents"]
        .insert(
            {
                "platform": "test",
                "url": f"https://kommune.example/{len(texts)}-{texts[0][:10]}",
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
        .last_pk
    )
    return [
        db["passages"]
        .insert(
            {
                "document_id": doc_id,
                "seq": seq,
                "char_start": 0,
                "char_end": len(text),
                "text": text,
                "text_sha1": str(seq),
                "created_at": NOW,
            }
        )
        .last_pk
        for seq, text in enumerate(texts)
    ]


def decide(db, passage_id, coder, row, action="code", undoes_id=None) -> int:
    codes = action in ("code", "accept", "adjudicate")
    return (
        db["codings"]
        .insert(
            {
                "passage_id": passage_id,
                "coder": coder,
                "coded_at": NOW,
                "action": action,
                "reform": int(row["reform"]) if codes else None,
                "areas": json.dumps(row["areas"]) if codes else None,
                "framing": row["framing"] if codes else None,
                "undoes_id": undoes_id,
            }
        )
        .last_pk
    )


def test_train_from_gold_file_writes_model_and_metadata(runner, shared, tmp_path):
    gold = gold_subset(shared, tmp_path, 80)
    models = tmp_path / "models"
    result = runner.invoke(
        app, ["train", "--gold", str(gold), "--name", "first", "--models-dir", str(models), "--cv-folds", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "Saved model first" in result.output and "cross-validated combined" in result.output
    meta = json.loads((models / "first.json").read_text())
    assert meta["name"] == "first" and meta["n_passages"] == 80
    assert meta["training_set_hash"] == training_set_hash(read_gold(gold))
    assert meta["sklearn_version"] and meta["codebook_version"].startswith("lhl@")
    assert meta["source"] == "gold:gold.jsonl"
    assert set(meta["cross_validation"]["model"]["codes"]) == {
        "reform",
        "area.aldersvennlig",
        "area.aktivitet",
        "area.mat",
        "area.helsehjelp",
        "area.sammenheng",
    }
    assert 0.0 <= meta["cross_validation"]["combined"]["summary"]["reform_f1"] <= 1.0
    assert (models / "first.joblib").stat().st_size < 5_000_000
    # The same name again is refused and the model is left as it was.
    before = (models / "first.joblib").read_bytes()
    again = runner.invoke(app, ["train", "--gold", str(gold), "--name", "first", "--models-dir", str(models)])
    assert again.exit_code == 1 and "E506" in again.output
    assert (models / "first.joblib").read_bytes() == before


def test_train_from_database_uses_standing_and_adjudicated_decisions_and_rescores(runner, shared, tmp_path, db_path):
    Store.open(db_path, create=True).close()
    db = sqlite_utils.Database(db_path)
    rows = [
        json.loads(line)
        for line in (shared / "data" / "gold_train.jsonl").read_text(encoding="utf-8").splitlines()[:70]
    ]
    ids = add_document(db, [r["text"] for r in rows])
    for pid, row in zip(ids, rows):
        pure_negative = not row["reform"] and not row["areas"] and row["framing"] == "ingen"
        decide(db, pid, "ana", row, action="not_relevant" if pure_negative else "code")
    # ana codes passage 0 wrongly and undoes it: her first decision stands.
    wrong = decide(db, ids[0], "ana", {"reform": True, "areas": ["mat"], "framing": "begge"})
    decide(db, ids[0], "ana", rows[0], action="undo", undoes_id=wrong)
    # bo disagrees with ana on passage 1 (left out), and on passage 2 where an adjudicator settles it.
    other = {"reform": not rows[1]["reform"], "areas": [], "framing": "ingen"}
    decide(db, ids[1], "bo", other)
    decide(db, ids[2], "bo", {"reform": not rows[2]["reform"], "areas": [], "framing": "ingen"})
    decide(db, ids[2], "eva", rows[2], action="adjudicate")
    undecided = add_document(
        db,
        [
            "Kommunen satser på hverdagsrehabilitering og velferdsteknologi for eldre.",
            "Vannverket skal oppgraderes i 2025.",
        ],
    )
    models = tmp_path / "models"
    result = runner.invoke(
        app, ["--db", str(db_path), "train", "--name", "fromdb", "--models-dir", str(models), "--cv-folds", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "69 coded passages (1 adjudicated, 68 decided); 1 with disagreeing coders" in result.output
    meta = json.loads((models / "fromdb.json").read_text())
    assert meta["n_passages"] == 69 and meta["source"] == f"db:{db_path.name}"
    # Active learning: the undecided passages now carry the new model's suggestions as current ones.
    current = list(
        db.query(
            "SELECT passage_id, code, score, source, run_id FROM suggestions WHERE current = 1 ORDER BY passage_id, code"
        )
    )
    assert {r["passage_id"] for r in current} == set(undecided)
    assert len(current) == 2 * 9 and all(r["source"].endswith("+fromdb") for r in current)
    run = db["runs"].get(current[0]["run_id"])
    assert run["command"] == "train" and json.loads(run["counts"]) == {"coded": 69, "disagreed": 1, "rescored": 2}
    assert run["outcome"] == "ok" and json.loads(run["parameters"])["name"] == "fromdb"
    assert "Re-scored 2 undecided passages" in result.output
    # `lhl evaluate` on the database scores only passages the model did not learn from.
    evaluate = ["--db", str(db_path), "evaluate", "--models-dir", str(models), "--model-version", "fromdb"]
    nothing_new = runner.invoke(app, evaluate)
    assert nothing_new.exit_code == 1 and "E502" in nothing_new.output and "learned from all 69" in nothing_new.output
    decide(db, undecided[0], "ana", {"reform": False, "areas": ["helsehjelp"], "framing": "sektor"})
    decide(db, undecided[1], "ana", {"reform": False, "areas": [], "framing": "ingen"}, action="not_relevant")
    scored = runner.invoke(app, [*evaluate, "--format", "json"])
    assert scored.exit_code == 0, scored.output
    report = json.loads(scored.stdout)
    assert report["n"] == 2 and report["results"]["combined"]["codes"]["area.helsehjelp"]["support"] == 1


def test_too_few_coded_passages(runner, shared, tmp_path):
    gold = gold_subset(shared, tmp_path, 12)
    models = tmp_path / "models"
    result = runner.invoke(app, ["train", "--gold", str(gold), "--models-dir", str(models)])
    assert result.exit_code == 1
    assert "E502" in result.output and "Only 12 coded passage(s); training needs at least 20" in result.output
    assert "5 passages with and 5 without" in result.output
    assert not models.exists()


def test_single_class_everywhere(runner, tmp_path):
    gold = tmp_path / "negatives.jsonl"
    gold.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"n{i}",
                    "text": f"Vannledningen i gate {i} skal skiftes.",
                    "reform": False,
                    "areas": [],
                    "framing": "ingen",
                }
            )
            + "\n"
            for i in range(25)
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["train", "--gold", str(gold), "--models-dir", str(tmp_path / "m")])
    assert result.exit_code == 1
    assert "E503" in result.output and "reform: 0 with / 25 without (needs 5 of each)" in result.output


def test_codes_without_enough_examples_fall_back_to_the_rules(shared, tmp_path):
    from lhl_mining.learn.train import plan_training

    plan = plan_training(read_gold(gold_subset(shared, tmp_path, 20)))
    # The first 20 gold passages hold one reform mention and two about meals: too few to learn from.
    assert plan.left_to_rules["reform"] == "1 with / 19 without (needs 5 of each)"
    assert plan.left_to_rules["area.mat"] == "2 with / 18 without (needs 5 of each)"
    assert "reform" not in plan.learned and "area.aldersvennlig" in plan.learned
    # Framing is learned for the frequent classes; the rare ones are named.
    assert "framing" in plan.learned and plan.left_to_rules["framing"].startswith("classes left to the rules: begge 2")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "gold.jsonl:2: not valid JSON"),
        ('{"id": "x", "text": "Tekst"}', "gold.jsonl:2: missing key(s) reform, areas, framing"),
        (
            '{"id": "x", "text": "Tekst", "reform": false, "areas": ["sport"], "framing": "ingen"}',
            "gold.jsonl:2: unknown area(s) sport",
        ),
        (
            '{"id": "x", "text": "Tekst", "reform": false, "areas": [], "framing": "kanskje"}',
            "gold.jsonl:2: unknown framing 'kanskje'",
        ),
    ],
)
def test_bad_gold_lines_name_their_line(runner, tmp_path, line, message):
    gold = tmp_path / "gold.jsonl"
    good = json.dumps({"id": "a", "text": "Leve hele livet", "reform": True, "areas": [], "framing": "ingen"})
    gold.write_text(good + "\n" + line + "\n", encoding="utf-8")
    result = runner.invoke(app, ["train", "--gold", str(gold), "--models-dir", str(tmp_path / "m")])
    assert result.exit_code == 1
    assert "E501" in result.output and message in result.output


def test_quick_retrain_keeps_the_newest_models_blend(runner, shared, tmp_path):
    gold = gold_subset(shared, tmp_path, 60)
    models = tmp_path / "models"
    full = runner.invoke(
        app, ["train", "--gold", str(gold), "--name", "full", "--models-dir", str(models), "--cv-folds", "3"]
    )
    assert full.exit_code == 0, full.output
    more = gold_subset(shared, tmp_path, 80, name="more.jsonl")
    quick = runner.invoke(
        app, ["train", "--gold", str(more), "--name", "quick", "--models-dir", str(models), "--quick"]
    )
    assert quick.exit_code == 0, quick.output
    assert "quick retrain: no cross-validation; rules blend kept from model full" in quick.output
    full_meta = json.loads((models / "full.json").read_text())
    quick_meta = json.loads((models / "quick.json").read_text())
    assert quick_meta["blend"] == full_meta["blend"] and quick_meta["n_passages"] == 80
    assert quick_meta["cross_validation"] == {"folds": 0, "blend_from": "full"}


def test_too_few_codings_in_the_database_records_a_failed_run(runner, tmp_path, db_path):
    Store.open(db_path, create=True).close()
    db = sqlite_utils.Database(db_path)
    ids = add_document(db, ["Leve hele livet-reformen handler om eldre.", "Vannverket skal oppgraderes."])
    decide(db, ids[0], "ana", {"reform": True, "areas": [], "framing": "ingen"})
    result = runner.invoke(app, ["--db", str(db_path), "train", "--models-dir", str(tmp_path / "models")])
    assert result.exit_code == 1 and "Only 1 coded passage(s)" in result.output
    run = list(db.query("SELECT outcome, error FROM runs WHERE command = 'train'"))
    assert run and run[0]["outcome"] == "failed" and "E502" in run[0]["error"]
    assert not (tmp_path / "models").exists()


def test_text_only_model_without_rule_features(runner, shared, tmp_path):
    from lhl_mining.learn import CombinedLabeller, ModelLabeller, load_model
    from lhl_mining.learn.labellers import default_rule_labeller

    gold = gold_subset(shared, tmp_path, 60)
    models = tmp_path / "models"
    result = runner.invoke(
        app,
        [
            "train",
            "--gold",
            str(gold),
            "--name",
            "textonly",
            "--models-dir",
            str(models),
            "--no-rules",
            "--cv-folds",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    trained = load_model(models / "textonly.joblib")
    assert trained.meta["rules"] is None and trained.meta["codebook_version"] is None
    assert not trained.model.featurizer.use_rules
    text = "Leve hele livet: hverdagsrehabilitering og gode måltider for eldre."
    (alone,) = ModelLabeller(trained).label([text])
    assert set(alone.scores) >= {"reform", "area.mat", "framing.samfunn"} and alone.evidence == []
    # Combined with the rules it keeps their evidence even though it learned no weights for them.
    (combined,) = CombinedLabeller(trained, default_rule_labeller()).label([text])
    assert any(e["code"] == "reform" for e in combined.evidence)


def test_quick_retrain_without_a_model_of_ones_own_does_not_borrow_the_starters_blend(runner, shared, tmp_path):
    """The starter's blend rests on its own unseen-text evidence; a coder's first model must be cross-validated."""
    gold = gold_subset(shared, tmp_path, 60)
    models = tmp_path / "models"
    quick = runner.invoke(app, ["train", "--gold", str(gold), "--models-dir", str(models), "--quick"])
    assert quick.exit_code == 1
    assert "E504" in quick.output and "without --quick" in quick.output
    assert not models.exists() or not list(models.glob("*.json"))
