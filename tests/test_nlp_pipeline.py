"""The built-in Norwegian pipeline: tokenizer fixes, sentence splitting, lemmas, provenance."""

from __future__ import annotations

import pytest

from lhl_mining.errors import PipelineNotFound
from lhl_mining.nlp import load_pipeline, pipeline_id
from lhl_mining.nlp.pipeline import BUILTIN_NAME, SentenceSplitter


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline("auto")


def test_auto_without_nb_core_news_is_the_builtin_pipeline(nlp):
    assert nlp.pipe_names == ["lhl_sentences", "lhl_lemmatizer"]
    name, version = pipeline_id(nlp).split("@")
    assert name == BUILTIN_NAME
    assert "simplemma" in version


def test_white_paper_reference_is_not_a_sentence_break(nlp):
    doc = nlp("Meld. St. 15 (2017–2018) Leve hele livet ble lagt fram i 2018. Se kap. 3 og St.meld. nr. 47.")
    tokens = [t.text for t in doc]
    assert tokens[:3] == ["Meld.", "St.", "15"]
    assert "kap." in tokens and "St.meld." in tokens
    assert [s.text for s in doc.sents] == [
        "Meld. St. 15 (2017–2018) Leve hele livet ble lagt fram i 2018.",
        "Se kap. 3 og St.meld. nr. 47.",
    ]


def test_blank_lines_are_hard_sentence_breaks(nlp):
    doc = nlp("Mat og måltider\n\nEldre skal få gode måltider. Tilbudet gjelder alle\n \nHelsehjelp")
    starts = [s[0].text for s in doc.sents if not s[0].is_space]
    assert starts == ["Mat", "Eldre", "Tilbudet", "Helsehjelp"]


def test_suspended_compound_keeps_its_hyphen(nlp):
    doc = nlp("helse- og omsorgstjenester")
    assert [t.text for t in doc] == ["helse-", "og", "omsorgstjenester"]
    assert doc[2].lemma_ == "omsorgstjeneste"


@pytest.mark.parametrize(
    "form, lemma",
    [
        ("aldersvennlige", "aldersvennlig"),
        ("måltidene", "måltid"),
        ("kommunene", "kommune"),
        ("tjenestene", "tjeneste"),
        ("eldre", "eldre"),  # a noun here, not the comparative of «gammel»
        ("eldrerådet", "eldreråd"),
        ("tenestene", "teneste"),  # nynorsk falls back to simplemma's nn data
        ("kommunane", "kommune"),
        ("går", "gå"),
    ],
)
def test_lemmas(nlp, form, lemma):
    doc = nlp(f"Vi ser at {form} fungerer")
    assert doc[3].lemma_ == lemma
    assert doc[3].norm_ == lemma


def test_capitalised_word_mid_sentence_keeps_its_form_but_matches_by_lemma(nlp):
    doc = nlp("Vi besøkte Eldrerådet og Tjenestene i Bodø")
    assert doc[2].lemma_ == "eldreråd"  # domain override wins
    assert doc[4].lemma_ == "Tjenestene"  # proper-noun rule: capitalised mid-sentence
    assert doc[4].norm_ == "tjeneste"  # the matching key is still the lemma
    assert doc[6].lemma_ == "Bodø"


def test_empty_and_whitespace_texts(nlp):
    assert len(nlp("")) == 0
    doc = nlp("\n\n  \n")
    assert all(t.is_space for t in doc)


def test_missing_named_pipeline_says_how_to_install_it():
    with pytest.raises(PipelineNotFound) as error:
        load_pipeline("nb_core_news_lg")
    assert "python -m spacy download nb_core_news_lg" in str(error.value)
    assert error.value.code == "E100"


def test_folder_that_is_not_a_pipeline(tmp_path):
    with pytest.raises(PipelineNotFound, match=r"no config\.cfg"):
        load_pipeline(str(tmp_path))


def test_splitter_without_punctuation_marks_only_hard_breaks(nlp):
    doc = nlp.make_doc("Første setning. Andre setning\n\nTredje")
    SentenceSplitter(punctuation=False)(doc)
    assert [t.is_sent_start for t in doc if not t.is_space] == [True, None, None, None, None, True]
