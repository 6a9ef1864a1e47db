"""The codebook as data: validation with line numbers, compilation to SpanRuler patterns, term semantics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from lhl.cli import app

from lhl_mining.codebook import FRAMING_CODES, default_codebook_path
from lhl_mining.errors import CodebookInvalid
from lhl_mining.nlp import PASSAGE_CODES, RuleLabeller, load_codebook
from lhl_mining.nlp.codebook import GlobIndex, regex_triggers, ruler_patterns

TERMS = "name: x\nversion: '1.0.0'\ncodes:\n  - code: reform\n    label: R\n    terms:\n"
MINIMAL_CODES = "\n".join(
    f"  - code: {code}\n    label: {code}\n" + ("    frame: sektor\n" if code.startswith("area.") else "")
    for code in PASSAGE_CODES
)


@pytest.fixture(scope="module")
def rules():
    return RuleLabeller(model="builtin")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "book.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_codebook_is_valid_and_versioned():
    book = load_codebook()
    assert set(book.codes) == set(PASSAGE_CODES)
    assert book.version_id.startswith(f"lhl@{book.version}+")
    assert book.codes["area.helsehjelp"].solutions["D1"] == "Hverdagsmestring"
    assert len(book.terms) > 150


def test_every_ruler_pattern_has_an_id_that_names_a_term():
    book = load_codebook()
    patterns = ruler_patterns(book)
    assert patterns
    for pattern in patterns:
        assert pattern["id"] in book.terms
        assert pattern["label"] == book.terms[pattern["id"]].code
    globs = [p for p in patterns if isinstance(p["pattern"], list)]
    assert {"NORM": {"REGEX": "^eldrereform.*$"}} in [g["pattern"][0] for g in globs]


def test_check_command_ok(runner):
    result = runner.invoke(app, ["codebook", "check"])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output and "9 codes" in result.output


def test_show_lists_terms_and_patterns(runner):
    result = runner.invoke(app, ["codebook", "show", "--code", "area.mat", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {row["code"] for row in rows} == {"area.mat"}
    assert any(row["solution"].startswith("C4") for row in rows)
    table = runner.invoke(app, ["codebook", "show", "--code", "reform"])
    assert table.exit_code == 0 and "lhl@" in table.output
    rows = runner.invoke(app, ["codebook", "show", "--code", "reform", "--format", "csv"]).output
    assert "reform.white_paper" in rows and "reform.x.other_life_strategies" in rows
    patterns = runner.invoke(app, ["codebook", "show", "--patterns"])
    first = json.loads(patterns.output.splitlines()[0])
    assert set(first) == {"label", "pattern", "id"}


@pytest.mark.parametrize(
    "body, message",
    [
        ("name: x\nversion: '1.0.0'\ncodes:\n  - code: reform\n    label: [unclosed\n", "flow sequence on line 5"),
        (
            "name: x\nversion: '1.0.0'\ncodes:\n  - code: reform\n    label: R\n    colour: red\n",
            "line 4: codes/0: Additional properties are not allowed ('colour' was unexpected)",
        ),
        ("name: x\nversion: '1'\ncodes: []\n", "version"),
        (
            TERMS + "      - {id: t1, lemma: 'eldre* omsorg'}\n",
            "line 7: term 't1': globs (* ?) are allowed in one-word terms",
        ),
        (TERMS + "      - {id: t1, regex: 'leve(hele'}\n", "line 7: term 't1': bad regex"),
        (
            TERMS + "      - {id: t1, lemma: reform}\n      - {id: t1, lemma: eldre}\n",
            "line 8: term id 't1' is already used on line 7",
        ),
        (TERMS + "      - {id: t1, lemma: reform, regex: x}\n", "line 7"),
        ("name: x\nversion: '1.0.0'\ncodes:\n  - code: reform\n    label: R\n", "lacks the code(s) reform.successor"),
        (
            "name: x\nversion: '1.0.0'\ndecision:\n  enumeration_area: area.digital\ncodes:\n" + MINIMAL_CODES,
            "line 4: decision.enumeration_area 'area.digital' is not an area code of this codebook",
        ),
        (
            "name: x\nversion: '1.0.0'\ncodes:\n"
            + "\n".join(f"  - code: {c}\n    label: {c}" for c in ("reform", "reform.successor", *FRAMING_CODES)),
            "has no innsatsområde",
        ),
    ],
)
def test_invalid_codebooks_name_the_line(tmp_path, body, message):
    with pytest.raises(CodebookInvalid) as error:
        load_codebook(write(tmp_path, body))
    assert message in str(error.value)
    assert error.value.code == "E101"


def test_check_command_reports_the_error_and_fails(runner, tmp_path):
    path = write(
        tmp_path,
        "name: x\nversion: '1.0.0'\ncodes:\n  - code: reform\n    label: R\n    terms:\n"
        "      - {id: t1, lemma: reform, weight: 2}\n",
    )
    result = runner.invoke(app, ["codebook", "check", str(path)])
    assert result.exit_code == 1
    assert "E101" in result.output and "line 7" in result.output and "weight" in result.output


def test_missing_and_binary_codebook_files(tmp_path):
    with pytest.raises(CodebookInvalid, match="Cannot read"):
        load_codebook(tmp_path / "nope.yaml")
    binary = tmp_path / "book.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(CodebookInvalid, match="not UTF-8"):
        load_codebook(binary)


def test_a_minimal_custom_codebook_drives_the_labeller(tmp_path):
    text = "name: mini\nversion: '0.1.0'\ncodes:\n" + MINIMAL_CODES.replace(
        "  - code: area.mat\n    label: area.mat\n    frame: sektor\n",
        "  - code: area.mat\n    label: Mat\n    frame: sektor\n    terms:\n      - {id: m.glob, lemma: 'måltid*'}\n",
    )
    book = load_codebook(write(tmp_path, text))
    [label] = RuleLabeller(book, model="builtin").label(["Måltidsvennene kommer på onsdager."])
    assert label.areas == ["mat"]
    assert label.framing == "sektor"  # no frame term: the area's default frame
    assert label.evidence[0]["rule_id"] == "m.glob"
    assert label.evidence[0]["term"] == "Måltidsvennene"


@pytest.mark.parametrize(
    "text",
    [
        "Kommunen følger opp Leve hele livet.",
        "Arbeidet med Leve heile livet held fram.",
        "Vi starter med LEVE HELE LIVET i år.",
        "Leve \n\nhele livet er en kvalitetsreform.",
        "Leve hele \n\nlivet handler om eldre.",
        "Leve hele livet-reformen er vedtatt.",
        "Leve hele livets innsatsområder er fem.",
        "Dette følger av Meld. St. 15 (2017–2018).",
        "Jf. Meld. St 15(2017-2018) om eldre.",
        "Regjeringen la fram en kvalitetsreform for eldre.",
        "Eldrereformen skal gjennomføres lokalt.",
        "Kommunens LHL-ansvarlig leder arbeidet med planen for eldre.",
        "Satsinga «leve hele livet» gjelder alle kommunar.",
        "Fellesskap og meistring – Bu trygt heime er den nye reforma.",
        "Bo trygt hjemme-reformen tar over etter 2023.",
    ],
)
def test_reform_name_variants(rules, text):
    [label] = rules.label([text])
    assert label.reform, label.evidence


@pytest.mark.parametrize(
    "text",
    [
        "Vi vil gjerne leve hele livet i bygda vår.",
        "Lære hele livet er kompetansereformen.",
        "Mestre hele livet er en strategi for psykisk helse.",
        "LHL lokallag inviterer til møte om hjerte- og lungesyke.",
        "Kvalitetsreformen i høyere utdanning kom i 2003.",
        "Meld. St. 15 (2020–2021) handler om noe annet.",
        "Vi ønsker at alle skal bo trygt og godt.",
        "Vi kjører brøytebil hele vinteren.",
        "",
        "The municipal council approved the road budget.",
    ],
)
def test_not_reform_mentions(rules, text):
    [label] = rules.label([text])
    assert not label.reform, label.evidence


@pytest.mark.parametrize(
    ("text", "areas", "framing"),
    [
        (
            "Planen har tre innsatsområder: Aktivitet og fellesskap, Helsehjelp og Sammenheng i tjenestene.",
            ["aktivitet", "helsehjelp", "sammenheng"],
            "sektor",
        ),
        ("Planen har to innsatsområder: Aktivitet og fellesskap og Helsehjelp.", ["aktivitet", "helsehjelp"], "begge"),
    ],
)
def test_without_frame_terms_the_areas_vote_for_the_frame(rules, text, areas, framing):
    """Service areas outnumbering the society ones read as «sektor»; an even split is «begge»."""
    [label] = rules.label([text])
    assert label.scores["framing.samfunn"] == label.scores["framing.sektor"] == 0.0
    assert (label.areas, label.framing) == (areas, framing)


def test_successor_is_tagged_with_reform(rules):
    [label] = rules.label(["Det gode arbeidet skal videreføres i «Bo trygt hjemme»."])
    assert label.reform and label.successor
    assert "reform.successor" in label.selected_codes()


def test_evidence_offsets_point_at_the_text(rules):
    text = "Planen bygger på Leve hele livet og gir tilbud om hverdagsrehabilitering."
    [label] = rules.label([text])
    for item in label.evidence:
        assert text[item["start"] : item["end"]] == item["term"]
        assert item["code"] in PASSAGE_CODES


def test_glob_index_finds_prefix_suffix_and_infix_terms():
    index = GlobIndex([("eldre*", "a"), ("*omsorg", "b"), ("*måltid*", "c"), ("b?lig", "d")])
    assert set(index.find("eldreomsorg")) == {"a", "b"}
    assert index.find("fellesmåltidet") == ("c",)
    assert index.find("bolig") == ("d",)
    assert index.find("skole") == ()


def test_regex_triggers_are_necessary_word_pieces():
    assert regex_triggers(r"\bkultur(?:tilbud|liv)") == [frozenset({"kultur", "liv"}), frozenset({"kultur", "tilbud"})]
    assert regex_triggers(r"\bmusikk\w*|\bdans\w*") == [frozenset({"dans"}), frozenset({"musikk"})]
    assert regex_triggers(r"\bhele\s+kommunen\b") == [frozenset({"hele", "kommunen"})]
    assert regex_triggers(r"Meld\.\s*St\.?\s*15") == [frozenset({"meld"})]
    assert regex_triggers(r"(?:ab|cd)\s+helse") == [frozenset({"helse"})]
    assert regex_triggers(r"\w+") is None
    assert regex_triggers(r"\bab\b|\bomsorg") is None  # the first branch needs no piece of three letters


def test_bundled_codebook_file_is_plain_yaml():
    data = yaml.safe_load(default_codebook_path().read_text(encoding="utf-8"))
    assert data["name"] == "lhl"


def test_lemma_lists_and_the_regex_warning(runner, tmp_path):
    """A `lemma:` list is one term hitting on any alternative (scored once); `codebook check` warns for
    a regex that lemma terms could express, and keeps a regex that needs one."""
    from lhl_mining.codebook import load_codebook
    from lhl_mining.nlp.codebook import lemma_alternatives

    assert lemma_alternatives(r"\bpårørende\w*|\bpårørande\w*") == ["pårørende*", "pårørande*"]
    assert lemma_alternatives(r"\bkoordinerende\s+enhet") == ["koordinerende enhet"]
    assert lemma_alternatives(r"\btilpas\w*\s+av\s+bolig") is None  # a word pattern inside a phrase
    assert lemma_alternatives(r"\bhelse-?\s*og\s+omsorg\w*") is None
    assert lemma_alternatives(r"\bkorttid\w*[^.]{0,60}\butredning") is None
    bundled = load_codebook().path.read_text(encoding="utf-8")
    edited = tmp_path / "lhl.yaml"
    edited.write_text(
        bundled.replace(
            "    terms:\n      - {id: c.heading,",
            "    terms:\n      - {id: c.test_regex, regex: '\\bmåltidsvenn\\w*|\\bmåltidsven\\w*', weight: 0.9}\n"
            "      - {id: c.test_list, lemma: [middag, 'lunsj*', felles måltid], weight: 0.4}\n"
            "      - {id: c.heading,",
            1,
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["codebook", "check", str(edited)])
    assert result.exit_code == 0, result.output
    assert "c.test_regex: the regex could be lemma term(s) «måltidsvenn*», «måltidsven*»" in result.stderr
    book = load_codebook(edited)
    rules = RuleLabeller(book, model="builtin")
    [label] = rules.label(["Middag og lunsjen for eldre på sjukeheimen: felles måltider gir matlyst."])
    hits = [e for e in label.evidence if e["rule_id"] == "c.test_list"]
    assert {e["term"].lower() for e in hits} == {"middag", "lunsjen", "felles måltider"}
    assert label.scores["area.mat"] >= 0.4  # the three alternatives count as one term (0.4), with the others
