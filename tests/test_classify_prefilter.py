"""The tagging prefilter is exact: the built-in pipeline labels every passage as if all components ran on it.

With the prefilter, passages without a token that can take part in a codebook
hit skip the SpanRuler, the glob/regex matcher and the checks, and sentences
are split only where a condition needs them.  These tests label real passages
both ways and demand identical output (labels, scores, evidence with offsets).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lhl_mining.nlp import RuleLabeller


@pytest.fixture(scope="module")
def labellers() -> tuple[RuleLabeller, RuleLabeller]:
    fast, full = RuleLabeller(model="builtin"), RuleLabeller(model="builtin", prefilter=False)
    assert fast.prefiltered and not full.prefiltered
    return fast, full


def seed_texts(shared: Path) -> list[str]:
    """The seed documents: each paragraph, and all documents joined (long enough to be labelled in chunks)."""
    documents = [path.read_text(encoding="utf-8") for path in sorted((shared / "seeds").glob("*.txt"))]
    paragraphs = [p for document in documents for p in re.split(r"\n\s*\n", document) if p.strip()]
    return [*paragraphs, "\n\n".join(documents)]


def assert_same_labels(labellers: tuple[RuleLabeller, RuleLabeller], texts: list[str]) -> None:
    fast, full = labellers
    with_prefilter = [label.as_dict() for label in fast.label_stream(texts, batch_size=64)]
    without = [label.as_dict() for label in full.label_stream(texts, batch_size=64)]
    assert len(with_prefilter) == len(without) == len(texts)
    differing = [i for i, (a, b) in enumerate(zip(with_prefilter, without, strict=True)) if a != b]
    assert not differing, f"{len(differing)} passage(s) differ, first: {texts[differing[0]][:200]!r}"


@pytest.mark.parametrize("gold_file", ["gold_dev.jsonl", "gold_train.jsonl"])
def test_gold_passages_get_the_same_labels(labellers, shared, gold_file):
    texts = [json.loads(line)["text"] for line in (shared / "data" / gold_file).open(encoding="utf-8") if line.strip()]
    assert_same_labels(labellers, texts)
    assert any(label.evidence for label in labellers[0].label(texts))  # the gold sets do have hits


def test_seed_paragraphs_and_a_chunked_text_get_the_same_labels(labellers, shared):
    texts = seed_texts(shared)
    assert len(texts[-1]) > 200_000
    assert_same_labels(labellers, texts)
    labels = labellers[0].label(texts[:-1])
    assert any(label.evidence for label in labels) and any(not label.evidence for label in labels)


def test_odd_texts_get_the_same_labels(labellers):
    texts = [
        "",
        "   \n\n\t",
        "The council approved the road budget.",
        "🙂" * 50,
        "x" * 300,
        "LHL Glittre klinikk har nye tilbud.",
        "LHL-koordinatoren i kommunen følger opp eldre.",
        "Vi skal leve hele livet.  Reformen leve hele livet gjelder eldre.",
        "Meld. St. 15 (2017–2018) Leve hele livet.\n\nMeld. St. 15 om noe annet.",
        "ELDRERÅDET\n\nMøteplasser og bolig.\n\n\n\nHverdagsrehabilitering – velferdsteknologi!",
        "eldreomsorg" * 3_000 + " " + "y" * 25_000 + "\n\nLeve hele livet og hverdagsrehabilitering.",
    ]
    assert_same_labels(labellers, texts)
