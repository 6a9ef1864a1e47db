"""The scrape pre-filter: vocabulary in the codebook, lemma/compound matching, `lhl prefilter`, measured recall."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from lhl.cli import app
from lhl_mining.scrapers import elements, opengov360
from lhl_mining.scrapers.base import Meeting
from typer.testing import CliRunner

from lhl_mining.codebook import default_codebook_path
from lhl_mining.errors import CodebookInvalid
from lhl_mining.prefilter import Prefilter, default_prefilter
from lhl_mining.scrape import board_matches, title_matches

LABELS = Path(__file__).parent / "data" / "prefilter_titles.yaml"
RECALL_FLOOR = 0.95
PRECISION_FLOOR = 0.6


def capture_titles(captures: Path) -> list[str]:
    """Every agenda title (and eInnsyn hit title) in the real captures, read in place."""
    titles = []
    for path in sorted((captures / "elements").glob("meeting_bundle_*.json")):
        bundle = json.loads(path.read_text(encoding="utf-8"))
        meeting = elements.parse_meetings([bundle["mote"]], "https://x/api/")[0]
        titles += [item.title for item in elements.parse_agenda(bundle["behandlinger"], meeting)]
    html = (captures / "opengov360/meeting_644324_fylkestinget_2018-03-05_tfk.html").read_text(encoding="utf-8")
    items, _ = opengov360.parse_meeting(html, Meeting("644324", "Fylkestinget", "2018-03-05", "u"))
    titles += [item.title for item in items]
    snapshot = json.loads(
        (captures / "einnsyn/legacy_api_result_snapshot_datatilsynet_2026-08-11_derived.json").read_text()
    )
    titles += [post["title"] for post in snapshot["posts"]]
    return titles


def score(entries: list[dict]) -> tuple[float, float, list[str]]:
    rules = default_prefilter()
    tp = fp = fn = 0
    wrong = []
    for entry in entries:
        got = rules.title(entry["title"]).relevant
        tp += got and entry["relevant"]
        fp += got and not entry["relevant"]
        fn += entry["relevant"] and not got
        if got != entry["relevant"]:
            wrong.append(entry["title"])
    return tp / (tp + fn), tp / (tp + fp), wrong


@pytest.fixture(scope="module")
def labels() -> dict:
    return yaml.safe_load(LABELS.read_text(encoding="utf-8"))


def test_every_real_capture_title_is_labelled(shared, labels):
    titles = capture_titles(shared / "real" / "portal_captures")
    assert len(titles) > 70
    assert set(titles) == {entry["title"] for entry in labels["real"]}


def test_recall_and_precision_on_the_labelled_titles(labels):
    for part in ("real", "written", "heldout"):
        recall, precision, wrong = score(labels[part])
        assert recall >= RECALL_FLOOR and precision >= PRECISION_FLOOR, (part, recall, precision, wrong)
    recall, precision, _ = score(labels["real"] + labels["written"] + labels["heldout"])
    assert recall >= RECALL_FLOOR and precision >= PRECISION_FLOOR


@pytest.mark.parametrize(
    "title",
    [
        "Heimetenesta – bemanning",
        "Kvardagsmeistring",
        "Bu- og behandlingssenter",
        "Seniorpolitisk plattform",
        "Trygghetsalarm – ny avtale",
        "Universell utforming",
        "Sjukeheimane i kommunen",
        "E-helse i kommunen",
        "Handlings- og økonomiplan 2021-2024",
        "Kommuneplanens arealdel",
        "Leve heile livet",
    ],
)
def test_lemmas_compounds_and_hyphens_match(title):
    assert title_matches(title)


@pytest.mark.parametrize(
    "title", ["Foreldrebetaling", "Helsestasjon for ungdom", "Omsorgssenter for enslige mindreårige", "Eventuelt"]
)
def test_lookalikes_and_vetoed_titles_do_not_match(title):
    assert not title_matches(title)


def test_boards():
    assert board_matches("Eldrerådet") and board_matches("Hovedutvalg helse og omsorg")
    assert board_matches("Kommunestyre") and board_matches("Heradsstyret")
    assert not board_matches("Klagenemnda") and not board_matches("Ungdomsrådet")


def test_a_codebook_edit_reaches_the_filter(tmp_path):
    text = default_codebook_path().read_text(encoding="utf-8")
    assert not default_prefilter().title("Snøbrøyting av fortau").relevant
    edited = tmp_path / "lhl.yaml"
    edited.write_text(
        text.replace("- id: eldre\n      words: [eldre*,", "- id: eldre\n      words: [snøbrøyting*, eldre*,"),
        encoding="utf-8",
    )
    verdict = Prefilter.load(edited).title("Snøbrøyting av fortau")
    assert verdict.relevant and verdict.because == ["titles.eldre: snøbrøyting* «Snøbrøyting»"]


def test_the_prefilter_section_is_schema_checked(tmp_path):
    text = default_codebook_path().read_text(encoding="utf-8")
    broken = tmp_path / "lhl.yaml"
    broken.write_text(
        text.replace("    - id: planstrategi\n      words:", "    - id: planstrategi\n      wrds:", 1), encoding="utf-8"
    )
    with pytest.raises(CodebookInvalid, match=r"line \d+: prefilter/plans/0"):
        Prefilter.load(broken)


def test_portal_document_names_map_to_one_label_for_every_adapter(tmp_path):
    from lhl_mining.scrapers import digdem
    from lhl_mining.scrapers.base import document_label

    assert document_label("Saksfremlegg/innstilling", on_item=True, otherwise="vedlegg") == "saksframlegg"
    assert document_label("Særutskrift", on_item=False, otherwise="vedlegg") == "saksprotokoll"
    assert document_label("Protokoll", on_item=False, otherwise="vedlegg") == "møteprotokoll"
    assert document_label("Protokoll", on_item=True, otherwise="vedlegg") == "saksprotokoll"
    assert document_label("Situasjonskart", on_item=True, otherwise="vedlegg") == "vedlegg"
    assert digdem.document_type("Situasjonskart", in_meeting=False) == "situasjonskart"  # its own fallback
    text = default_codebook_path().read_text(encoding="utf-8")
    edited = tmp_path / "lhl.yaml"
    edited.write_text(text.replace("words: [vedlegg]", "words: [vedlegg, kart]"), encoding="utf-8")
    labels = Prefilter.load(edited).document_labels
    assert labels.label("Situasjonskart", on_item=True, otherwise="dokument") == "vedlegg"


def test_search_queries_come_from_the_codebook():
    rules = default_prefilter()
    assert rules.reform_queries[:2] == ("Leve hele livet", "Leve heile livet")
    assert {"eldre", "sjukeheim", "planstrategi", "økonomiplan"} <= set(rules.queries)


def test_cli_prefilter_jsonl_and_table(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["prefilter"], input="Foreldrebetaling\n\nHeimetenesta – bemanning\n")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [(x["title"], x["relevant"]) for x in lines] == [
        ("Foreldrebetaling", False),
        ("Heimetenesta – bemanning", True),
    ]
    assert "heimetenest* «Heimetenesta»" in " ".join(lines[1]["because"])
    titles = tmp_path / "titles.txt"
    titles.write_text("Kvardagsmeistring\n", encoding="utf-8")
    table = runner.invoke(app, ["prefilter", "--input", str(titles), "--format", "table"])
    assert table.exit_code == 0 and "1 of 1 titles would be fetched" in table.output
    missing = runner.invoke(app, ["prefilter", "--input", str(tmp_path / "none.txt")])
    assert missing.exit_code == 2 and "E002" in missing.output


def test_editing_the_prefilter_does_not_change_the_tagging_codebook_version(tmp_path):
    from lhl_mining.codebook import load_codebook

    text = default_codebook_path().read_text(encoding="utf-8")
    scrape_edit = tmp_path / "scrape.yaml"
    scrape_edit.write_text(
        text.replace("words: [planstrategi*,", "words: [planstrategi*, strategi*,", 1), encoding="utf-8"
    )
    tag_edit = tmp_path / "tag.yaml"
    tag_edit.write_text(text.replace('version: "1.0.0"', 'version: "1.0.0"\n# a comment', 1), encoding="utf-8")
    original = load_codebook().version_id
    assert load_codebook(scrape_edit).version_id == original  # models and tags stay current
    assert load_codebook(tag_edit).version_id != original
