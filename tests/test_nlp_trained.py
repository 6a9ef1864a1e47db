"""The trained-pipeline tier (nb_core_news_* path), exercised with a small pipeline trained here.

nb_core_news_* cannot be installed offline, so the set-up trains a pipeline with
the same components (tok2vec, morphologizer, parser, lemmatizer, ner) on a few
sentences and saves it to a folder; `load_pipeline(folder)` then takes the
same code path as `--model nb_core_news_lg`.
"""

from __future__ import annotations

import random

import pytest
import spacy
from spacy.training import Example

from lhl_mining.nlp import RuleLabeller, load_pipeline, pipeline_id

# (text, UPOS, heads, deps, lemmas, BILUO entities)
SENTENCES = [
    (
        "Kommunen vedtok Leve hele livet i Oslo .",
        ["NOUN", "VERB", "PROPN", "PROPN", "PROPN", "ADP", "PROPN", "PUNCT"],
        [1, 1, 1, 2, 2, 6, 1, 1],
        ["nsubj", "ROOT", "obj", "flat", "flat", "case", "obl", "punct"],
        ["kommune", "vedta", "Leve", "hele", "livet", "i", "Oslo", "."],
        ["O", "O", "O", "O", "O", "O", "U-GPE_LOC", "O"],
    ),
    (
        "Eldre i Bergen får hjelp .",
        ["NOUN", "ADP", "PROPN", "VERB", "NOUN", "PUNCT"],
        [3, 2, 0, 3, 3, 3],
        ["nsubj", "case", "nmod", "ROOT", "obj", "punct"],
        ["eldre", "i", "Bergen", "få", "hjelp", "."],
        ["O", "O", "U-GPE_LOC", "O", "O", "O"],
    ),
    (
        "Helsedirektoratet støtter kommunene .",
        ["PROPN", "VERB", "NOUN", "PUNCT"],
        [1, 1, 1, 1],
        ["nsubj", "ROOT", "obj", "punct"],
        ["Helsedirektoratet", "støtte", "kommune", "."],
        ["U-ORG", "O", "O", "O"],
    ),
    (
        "Tjenestene gir måltider til eldre .",
        ["NOUN", "VERB", "NOUN", "ADP", "NOUN", "PUNCT"],
        [1, 1, 1, 4, 2, 1],
        ["nsubj", "ROOT", "obj", "case", "nmod", "punct"],
        ["tjeneste", "gi", "måltid", "til", "eldre", "."],
        ["O", "O", "O", "O", "O", "O"],
    ),
]


@pytest.fixture(scope="module")
def trained_dir(tmp_path_factory):
    """Train tok2vec + morphologizer + parser + lemmatizer + ner for a few seconds and save it."""
    random.seed(0)
    nlp = spacy.blank("nb")
    nlp.add_pipe("tok2vec")
    nlp.add_pipe("morphologizer")
    nlp.add_pipe("parser", config={"min_action_freq": 1})
    nlp.add_pipe("trainable_lemmatizer", name="lemmatizer", config={"backoff": "orth", "min_tree_freq": 1})
    nlp.add_pipe("ner")
    examples = [
        Example.from_dict(
            nlp.make_doc(text),
            {"pos": pos, "morphs": ["_"] * len(pos), "heads": heads, "deps": deps, "lemmas": lemmas, "entities": ents},
        )
        for text, pos, heads, deps, lemmas, ents in SENTENCES
    ]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(30):
        random.shuffle(examples)
        nlp.update(examples, sgd=optimizer, drop=0.1)
    nlp.meta["name"] = "core_news_test"
    nlp.meta["version"] = "3.8.0"
    folder = tmp_path_factory.mktemp("pipeline") / "nb_core_news_test"
    nlp.to_disk(folder)
    return folder


@pytest.fixture(scope="module")
def trained(trained_dir):
    return load_pipeline(str(trained_dir))


def test_trained_pipeline_gets_the_same_fixes(trained):
    names = trained.pipe_names
    for component in ("tok2vec", "morphologizer", "parser", "lemmatizer", "ner"):
        assert component in names
    assert names.index("lhl_sentences") < names.index("parser")  # hard breaks before the parser
    assert names[-1] == "lhl_lemmatizer"  # lemma overrides after the model's lemmatizer
    assert pipeline_id(trained) == "nb_core_news_test@3.8.0"
    assert [t.text for t in trained("Meld. St. 15 gjelder")][:3] == ["Meld.", "St.", "15"]


def test_reads_pos_lemmas_and_entities_from_the_model(trained):
    doc = trained("Kommunen vedtok Leve hele livet i Oslo.")
    assert [t.pos_ for t in doc][:2] == ["NOUN", "VERB"]
    assert doc[0].lemma_ == "kommune"  # the model's lemma
    assert doc[0].norm_ == "kommune"  # matching key from the model's lemma
    assert ("Oslo", "GPE_LOC") in [(e.text, e.label_) for e in doc.ents]
    eldre = trained("Eldre i Bergen får hjelp.")
    assert eldre[0].lemma_ == "eldre"  # domain override applied on top of the model


def test_parser_respects_blank_line_breaks(trained):
    doc = trained("Eldre i Bergen får hjelp\n\nTjenestene gir måltider til eldre.")
    first_words = [s[0].text for s in doc.sents if not s[0].is_space]
    assert "Tjenestene" in first_words


def test_rule_labeller_on_the_trained_pipeline(trained_dir):
    labeller = RuleLabeller(model=str(trained_dir))
    assert labeller.pipeline == "nb_core_news_test@3.8.0"
    [label] = labeller.label(["Kommunen vedtok Leve hele livet-planen med hverdagsrehabilitering og måltidsvenn."])
    assert label.reform
    assert label.areas == ["mat", "helsehjelp"]
    assert label.framing == "sektor"
    assert {e["rule_id"] for e in label.evidence} >= {"reform.name", "d.hverdagsrehab", "c.maltid"}
