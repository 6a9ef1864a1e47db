"""`lhl classify`: the JSONL contract, bad input, big and odd passages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lhl.cli import app

from lhl_mining.errors import ClassifyInputInvalid
from lhl_mining.nlp import AREAS, FRAMINGS, PASSAGE_CODES, DocContext, RuleLabeller
from lhl_mining.nlp.classify import classify_jsonl

KEYS = ["id", "reform", "areas", "framing", "scores", "evidence"]


@pytest.fixture(scope="module")
def rules():
    return RuleLabeller(model="builtin")


def lines_of(*items) -> str:
    return "".join((item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)) + "\n" for item in items)


def test_stdin_to_stdout(runner):
    data = lines_of(
        {
            "id": "p1",
            "text": "Kommunestyret vedtok handlingsplanen for Leve hele livet med tiltak for hverdagsrehabilitering.",
        },
        {"id": 2, "text": "Søknadsfrist for barnehageplass er 1. mars."},
    )
    result = runner.invoke(app, ["classify", "--rules-only"], input=data)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in out] == ["p1", 2]
    assert all(list(row) == KEYS for row in out)
    assert out[0]["reform"] is True and out[0]["areas"] == ["helsehjelp"] and out[0]["framing"] == "sektor"
    assert out[1] == {
        "id": 2,
        "reform": False,
        "areas": [],
        "framing": "ingen",
        "scores": {code: 0.0 for code in PASSAGE_CODES},
        "evidence": [],
    }
    assert "classified 2 passage(s)" in result.stderr


def test_files_in_and_out(runner, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(
        lines_of({"id": "a", "text": "Måltidsvenn og matombringing for heimebuande eldre."}), encoding="utf-8"
    )
    target = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["classify", "-i", str(source), "-o", str(target), "--rules-only"])
    assert result.exit_code == 0, result.output
    [row] = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert row["areas"] == ["mat"]
    assert not list(tmp_path.glob(".out.jsonl.*"))  # no temporary file left


def test_invalid_lines_are_skipped_and_counted_with_line_numbers(runner):
    data = lines_of(
        {"id": "ok1", "text": "Eldre ønsker flere møteplasser."},
        "this is not json",
        "",
        {"text": "no id"},
        {"id": "x", "text": 42},
        '["a", "list"]',
        {"id": "ok2", "text": "Leve hele livet"},
    )
    result = runner.invoke(app, ["classify", "--rules-only"], input=data)
    assert result.exit_code == 0
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["ok1", "ok2"]
    for expected in (
        "line 2: not JSON",
        'line 4: no "id"',
        'line 5: "text" missing or not a string',
        "line 6: not a JSON object",
        "skipped 4 invalid line(s)",
    ):
        assert expected in result.stderr


def test_strict_fails_on_the_first_invalid_line_and_writes_no_file(runner, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(lines_of({"id": "a", "text": "Leve hele livet"}, "{broken"), encoding="utf-8")
    target = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["classify", "-i", str(source), "-o", str(target), "--strict"])
    assert result.exit_code == 1
    assert "E102" in result.output and "line 2" in result.output
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [source]


def test_invalid_utf8_line_is_reported(runner):
    data = lines_of({"id": "a", "text": "Leve hele livet"}).encode() + b'{"id": "b", "text": "\xff"}\n'
    result = runner.invoke(app, ["classify", "--rules-only"], input=data)
    assert result.exit_code == 0
    assert "line 2: not UTF-8" in result.stderr


def test_missing_input_file(runner, tmp_path):
    result = runner.invoke(app, ["classify", "-i", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 1
    assert "E103" in result.output


def test_empty_whitespace_and_english_texts(rules):
    labels = rules.label(["", "   \n\n\t", "The council approved the road maintenance budget for 2024.", "🙂" * 50])
    for label in labels:
        assert (label.reform, label.areas, label.framing) == (False, [], "ingen")


def test_ten_megabyte_passage(rules):
    paragraph = (
        "Kommunen satser på hverdagsrehabilitering og velferdsteknologi for eldre som bor hjemme. "
        "Veiene skal brøytes og vannledningen fornyes i løpet av året.\n\n"
    )
    text = paragraph * (10_000_000 // len(paragraph) + 1) + "Til slutt nevnes Leve hele livet."
    assert len(text) > 10_000_000
    [label] = rules.label([text])
    assert label.reform and "helsehjelp" in label.areas
    last = [e for e in label.evidence if e["rule_id"] == "reform.name"][-1]
    assert text[last["start"] : last["end"]] == "Leve hele livet"


def test_output_values_are_in_the_contract(rules, shared: Path):
    gold = [json.loads(line) for line in (shared / "data" / "gold_train.jsonl").open(encoding="utf-8")][:40]
    lines = [json.dumps({"id": g["id"], "text": g["text"]}, ensure_ascii=False) for g in gold]
    out: list[str] = []
    stats = classify_jsonl(lines, out.append, rules)
    assert stats.written == 40 and stats.skipped == 0
    for line in out:
        row = json.loads(line)
        assert set(row["areas"]) <= set(AREAS) and row["framing"] in FRAMINGS
        assert set(row["scores"]) == set(PASSAGE_CODES)
        assert all(0.0 <= v <= 1.0 for v in row["scores"].values())
        if row["framing"] == "ingen":
            assert row["areas"] == []


def test_strict_library_call_raises(rules):
    with pytest.raises(ClassifyInputInvalid, match="line 1"):
        classify_jsonl(["[]"], lambda _: None, rules, strict=True)


def test_uninstalled_model_is_a_clear_error(runner):
    result = runner.invoke(app, ["classify", "--model", "nb_core_news_lg"], input="")
    assert result.exit_code == 1
    assert "E100" in result.output and "python -m spacy download nb_core_news_lg" in result.output


def test_trained_pipeline_folder_without_config(runner, tmp_path):
    result = runner.invoke(app, ["classify", "--model", str(tmp_path)], input="")
    assert result.exit_code == 1
    assert "no config.cfg" in result.output


def test_text_without_spaces_and_huge_tokens(rules):
    import time

    blob = "eldreomsorg" * 30_000 + " " + "x" * 250_000 + "\n\nLeve hele livet og hverdagsrehabilitering."
    start = time.perf_counter()
    [label] = rules.label([blob])
    assert time.perf_counter() - start < 60
    assert label.reform and label.areas == ["helsehjelp"]


def test_model_trained_on_another_codebook_is_flagged(runner, tmp_path):
    """Editing the codebook changes its version; the shipped model then says it should be retrained."""
    from importlib import resources

    bundled = resources.files("lhl_mining.codebooks").joinpath("lhl.yaml").read_text(encoding="utf-8")
    edited = tmp_path / "lhl.yaml"
    edited.write_text(bundled + "\n# local edit by the project team\n", encoding="utf-8")
    data = lines_of({"id": "a", "text": "Måltidsvenn og matombringing for heimebuande eldre."})
    current = runner.invoke(app, ["classify", "--trained", "starter"], input=data)
    assert current.exit_code == 0, current.output
    assert "retrain" not in current.stderr
    stale = runner.invoke(app, ["classify", "--trained", "starter", "--codebook", str(edited)], input=data)
    assert stale.exit_code == 0, stale.output
    assert "learned from codebook" in stale.stderr and "retrain" in stale.stderr


def test_the_starter_decides_framing_on_the_default_path_without_scikit_learn(runner):
    """The starter's blend lets its model decide framing (docs/learning.md), so default `lhl classify` is
    rules+model; it applies the compiled arrays and imports neither scikit-learn nor scipy (start-up)."""
    import subprocess
    import sys

    from lhl_mining.learn.files import decides_anything, find_model, read_meta

    meta = read_meta(find_model("starter").with_suffix(".json"))
    assert decides_anything(meta) and meta["blend"]["framing_weight"] == 0.0
    assert set(meta["blend"]["weights"].values()) == {1.0}  # reform and areas stay with the rules
    data = lines_of({"id": "a", "text": "Måltidsvenn og matombringing for heimebuande eldre."})
    default = runner.invoke(app, ["classify"], input=data)
    assert default.exit_code == 0 and "[rules+model@" in default.stderr and "+starter" in default.stderr
    code = (
        "import sys; sys.argv = ['lhl', 'classify']; from lhl.cli import app\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy', 'joblib'}), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, text=True, timeout=120)
    assert "rules+model@" in done.stderr and done.stderr.strip().endswith("[]"), done.stderr


def test_a_model_that_changes_no_decision_stays_off_the_default_path(runner, tmp_path, monkeypatch):
    """A model whose blend leaves every decision to the rules only shades scores: default `lhl classify` is the
    rules alone; named with --trained it is used."""
    from lhl_mining.learn.files import find_model, load_model, save_model
    from lhl_mining.learn.model import BINARY_CODES, Blend

    quiet = load_model(find_model("starter"))
    quiet.name = "quiet"
    quiet.blend = Blend({code: 1.0 for code in BINARY_CODES}, {code: 0.5 for code in BINARY_CODES}, 1.0)
    quiet.meta = {**quiet.meta, "name": "quiet", "blend": quiet.blend.as_dict(), "created_at": "2999-01-01T00:00:00Z"}
    save_model(quiet, tmp_path)
    monkeypatch.setenv("LHL_MODELS", str(tmp_path))
    data = lines_of({"id": "a", "text": "Måltidsvenn og matombringing for heimebuande eldre."})
    default = runner.invoke(app, ["classify"], input=data)
    assert default.exit_code == 0 and "[rules@" in default.stderr, default.stderr
    named = runner.invoke(app, ["classify", "--trained", "quiet"], input=data)
    assert named.exit_code == 0 and "[rules+model@" in named.stderr and "+quiet" in named.stderr


@pytest.mark.parametrize(
    "context, expected",
    [
        ({}, ([], "ingen")),
        ({"heading": "Aldersvennlig samfunn"}, (["aldersvennlig"], "samfunn")),
        ({"title": "Plan for eldre 2024–2030", "heading": "3.2 Bustader og transport"}, (["aldersvennlig"], "samfunn")),
        ({"doc_type": "lhl_plan"}, (["aldersvennlig"], "samfunn")),
        ({"doc_type": "okonomiplan", "heading": "Samferdsel"}, ([], "ingen")),
    ],
)
def test_document_context_can_satisfy_the_elder_context(runner, context, expected):
    """A housing and bus sentence says nothing about older people by itself; its heading, its document's
    title or an LHL plan does (LABELING.md: aldersvennlig covers housing and transport for eldre)."""
    text = "Kommunen vil legge til rette for flere boliger nær sentrum, og bussen skal gå oftere."
    result = runner.invoke(app, ["classify", "--rules-only"], input=lines_of({"id": "p", "text": text, **context}))
    assert result.exit_code == 0, result.output
    [row] = [json.loads(line) for line in result.stdout.splitlines()]
    assert (row["areas"], row["framing"]) == expected


def test_context_fields_must_be_strings(runner):
    data = lines_of(
        {"id": "a", "text": "Måltidsvenn for eldre.", "heading": ["not", "a", "string"]},
        {"id": "b", "text": "Måltidsvenn for eldre.", "doc_type": None},
    )
    result = runner.invoke(app, ["classify", "--rules-only"], input=data)
    assert result.exit_code == 0
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["b"]
    assert 'line 1: "heading" must be a string' in result.stderr


def test_repeated_passages_get_the_same_labels_and_their_own_objects():
    from lhl_mining.nlp import RuleLabeller

    rules = RuleLabeller(model="builtin")
    text = "Hverdagsrehabilitering og måltidsvenn for eldre."
    first, second, other = rules.label([text, text, "Brøyting av kommunale veier."])
    assert first.as_dict() == second.as_dict() and first is not second and first.evidence is not second.evidence
    assert other.framing == "ingen"
    [again] = rules.label([text])  # remembered across batches
    assert again.as_dict() == first.as_dict()


def test_repeated_passages_get_the_same_bytes_as_labelling_each_alone(rules, shared: Path):
    """Passages seen before in a run reuse their serialized labels: the output must not change by a byte."""
    gold = [json.loads(line) for line in (shared / "data" / "gold_train_2.jsonl").open(encoding="utf-8")][:30]
    items = [{"id": g["id"], "text": g["text"]} for g in gold]
    # each passage again under another id, once with a document context, between invalid and blank lines
    items += [{"id": f"again-{i}", "text": g["text"]} for i, g in enumerate(gold)]
    items += [{"id": "ctx", "text": gold[0]["text"], "heading": "Aldersvennlig samfunn", "doc_type": "plan"}]
    lines = [json.dumps(item, ensure_ascii=False) for item in items]
    lines[40:40] = ["", "not json"]
    out: list[str] = []
    stats = classify_jsonl(lines, out.append, rules, batch_size=7)
    assert stats.written == len(items) and stats.skipped == 1
    alone = []
    for item in items:
        context = {k: item[k] for k in ("heading", "doc_type") if k in item}
        [label] = RuleLabeller(rules.codebook, nlp=rules.nlp).label(
            [item["text"]], contexts=[DocContext(**context) if context else None]
        )
        alone.append(json.dumps({"id": item["id"], **label.as_dict()}, ensure_ascii=False) + "\n")
    assert out == alone


@pytest.mark.parametrize(
    ("text", "area"),
    [
        # nynorsk definite and plural forms of «teneste» (a regex on «teneste\w*» missed them)
        (
            "Reforma har fem område: Eit aldersvenleg Noreg, Aktivitet og fellesskap, Mat og måltid, Helsehjelp, Samanheng i tenestane.",
            "sammenheng",
        ),
        ("Samanheng i tenesta er målet for eldre som får heimetenester.", "sammenheng"),
        # a compound that carries its own elder word needs no «eldre» beside it
        ("Prosjektet «Fremtidens senioraktiviteter» spør hva pensjonistene vil gjøre.", "aktivitet"),
        ("Frivilligsentralen driver Seniorkafè hver torsdag.", "aktivitet"),
        ("Kommunen skal bli et aldringsvennlig samfunn.", "aldersvennlig"),
        ("Vi vil gjerne vite hva som er viktig for deg i dagliglivet når du blir eldre.", "sammenheng"),
    ],
)
def test_inflected_nynorsk_and_compound_forms_find_their_area(rules, text, area):
    [label] = rules.label([text])
    assert area in label.areas, (text, label.areas, label.evidence)


def test_services_named_without_an_elder_word_still_have_their_area(rules):
    """A service page rarely says «eldre»: the service's own name carries the area."""
    meals, relief, home = rules.label(
        [
            "Middagslevering er smakfulle og varierte middagsporsjonar som vert levert på døra.",
            "Omsorgslønn kan innvilges til personer med særlig tyngende omsorgsarbeid.",
            "Hjelp i heimen er eit tilbod til deg som treng praktisk hjelp.",
        ]
    )
    assert meals.areas == ["mat"] and meals.framing == "sektor"
    assert relief.areas == ["sammenheng"] and relief.framing == "sektor"
    assert home.framing == "sektor"
