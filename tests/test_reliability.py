"""`lhl reliability`: Krippendorff's α, Cohen's κ, agreement, CIs, missing data and the machine as a coder."""

from __future__ import annotations

import json

import pytest
import sqlite_utils
from lhl.cli import app

from lhl_mining.errors import NoOverlap, UnknownCoder
from lhl_mining.learn.reliability import reliability

# Two coders, ten passages, reform codes: agree on 8 (three 1-1, five 0-0), disagree on passages 7 and 10.
ANA = [1, 1, 0, 0, 1, 0, 1, 0, 0, 0]
BO = [1, 1, 0, 0, 1, 0, 0, 0, 0, 1]
# By hand (coincidence matrix): n=20, n1=8, n0=12, 4 off-diagonal -> alpha = 1 - 19*4/(2*12*8).
ALPHA_BY_HAND = 1 - 19 * 4 / (2 * 12 * 8)
# Cohen: p_o = .8, p_e = .4*.4 + .6*.6 = .52.
KAPPA_BY_HAND = (0.8 - 0.52) / (1 - 0.52)


def add_passages(db_path, n: int) -> list[int]:
    db = sqlite_utils.Database(db_path)
    now = "2026-11-01T10:00:00+00:00"
    doc_id = (
        db["documents"]
        .insert({"platform": "test", "url": f"https://kommune.example/doc{n}", "created_at": now, "updated_at": now})
        .last_pk
    )
    ids = []
    for seq in range(n):
        text = f"Passasje {seq} om eldre og tjenester i kommunen."
        ids.append(
            db["passages"]
            .insert(
                {
                    "document_id": doc_id,
                    "seq": seq,
                    "char_start": 0,
                    "char_end": len(text),
                    "text": text,
                    "text_sha1": f"sha{seq}",
                    "created_at": now,
                }
            )
            .last_pk
        )
    return ids


def code(
    db_path, passage_id: int, coder: str, reform: int, areas=(), framing="ingen", action="code", when=1, undoes_id=None
) -> int:
    db = sqlite_utils.Database(db_path)
    row = {
        "passage_id": passage_id,
        "coder": coder,
        "coded_at": f"2026-11-02T10:{when:02d}:00+00:00",
        "action": action,
        "reform": None if action in ("not_relevant", "undo", "skip") else reform,
        "areas": None if action in ("not_relevant", "undo", "skip") else json.dumps(list(areas)),
        "framing": None if action in ("not_relevant", "undo", "skip") else framing,
        "undoes_id": undoes_id,
    }
    return db["codings"].insert(row).last_pk


@pytest.fixture
def two_coders(store, db_path):
    ids = add_passages(db_path, 10)
    for pid, a, b in zip(ids, ANA, BO):
        code(db_path, pid, "ana", a, ["mat"] if a else [], "sektor" if a else "ingen")
        code(db_path, pid, "bo", b, ["mat"] if b else [], "sektor" if b else "ingen")
    return ids


def _code(result, code_name, block="codes"):
    source = result if block == "codes" else result["machine"]
    return next(c for c in source["codes"] if c["code"] == code_name)


def test_alpha_kappa_and_agreement_match_hand_computation(store, two_coders):
    result = reliability(store, samples=200)
    reform = _code(result, "reform")
    assert reform["alpha"] == pytest.approx(ALPHA_BY_HAND)
    assert reform["percent_agreement"] == pytest.approx(0.8)
    assert reform["n_units"] == 10 and reform["n_coders"] == 2
    assert reform["prevalence"] == pytest.approx(8 / 20)
    assert reform["flag"] == "unreliable"  # .604 < .667
    assert reform["ci_low"] < reform["alpha"] < reform["ci_high"]
    kappa = next(p for p in result["pairs"] if p["code"] == "reform")
    assert kappa["kappa"] == pytest.approx(KAPPA_BY_HAND)
    assert kappa["n_units"] == 10
    # The mat area follows reform here, framing too (sektor vs ingen): same α as a nominal variable.
    assert _code(result, "area.mat")["alpha"] == pytest.approx(ALPHA_BY_HAND)
    assert _code(result, "framing")["alpha"] == pytest.approx(ALPHA_BY_HAND)
    # An area nobody used has no variation: α is undefined, and said so.
    assert _code(result, "area.aktivitet")["alpha"] is None
    assert _code(result, "area.aktivitet")["flag"] == "undefined"
    assert _code(result, "area.aktivitet")["percent_agreement"] == pytest.approx(1.0)


def test_perfect_agreement_is_flagged_reliable(store, db_path):
    ids = add_passages(db_path, 8)
    for i, pid in enumerate(ids):
        for coder in ("ana", "bo"):
            code(
                db_path,
                pid,
                coder,
                i % 2,
                ["aktivitet"] if i % 3 == 0 else [],
                ("samfunn", "sektor", "begge", "ingen")[i % 4],
            )
    result = reliability(store, samples=100)
    assert all(
        c["alpha"] == pytest.approx(1.0) and c["flag"] == "reliable"
        for c in result["codes"]
        if c["code"] in ("reform", "area.aktivitet", "framing")
    )


def test_units_coded_by_some_coders_are_missing_data_not_dropped(store, db_path, two_coders):
    # A third coder decides only three passages, two of them with reform = 1.
    for pid, value in zip(two_coders[:3], (1, 1, 0)):
        code(db_path, pid, "cy", value)
    # One more passage decided by ana alone.
    (extra,) = add_passages(db_path, 1)
    code(db_path, extra, "ana", 1)
    result = reliability(store, samples=0)
    assert result["coders"] == ["ana", "bo", "cy"]
    assert result["units"] == {"decided": 11, "pairable": 10, "single_coder": 1, "complete": 3}
    reform = _code(result, "reform")
    assert reform["n_values"] == 23 and reform["n_units"] == 10
    # cy agrees with both on the three passages: α rises above the two-coder value.
    assert reform["alpha"] > ALPHA_BY_HAND
    pairs = {(p["coder_a"], p["coder_b"]): p for p in result["pairs"] if p["code"] == "reform"}
    assert pairs[("ana", "cy")]["n_units"] == 3 and pairs[("ana", "cy")]["percent_agreement"] == 1.0


def test_latest_non_undone_decision_counts_and_not_relevant_means_no_codes(store, db_path, two_coders):
    first = two_coders[6]  # ana 1, bo 0
    # ana changes her mind to 0, then undoes that: her earlier 1 stands again.
    changed = code(db_path, first, "ana", 0, when=5)
    code(db_path, first, "ana", 0, action="undo", when=6, undoes_id=changed)
    # bo marks passage 10 not relevant (he had reform 1): now he agrees with ana's 0.
    code(db_path, two_coders[9], "bo", 0, action="not_relevant", when=7)
    result = reliability(store, samples=0)
    reform = _code(result, "reform")
    assert reform["percent_agreement"] == pytest.approx(0.9)
    assert _code(result, "framing")["percent_agreement"] == pytest.approx(0.9)


def test_a_skip_as_the_coders_newest_row_leaves_them_without_a_decision(store, db_path, two_coders):
    """As in the review counts and the exports: a standing skip is no decision, so passage 1 is ana's alone."""
    code(db_path, two_coders[0], "bo", 0, action="skip", when=8)
    result = reliability(store, samples=0)
    assert result["units"]["decided"] == 10 and result["units"]["pairable"] == 9
    reform = _code(result, "reform")
    assert reform["percent_agreement"] == pytest.approx(7 / 9)


def test_machine_is_compared_as_one_more_coder(store, db_path, two_coders):
    db = sqlite_utils.Database(db_path)
    for pid, value in zip(two_coders, ANA):
        for code_name, selected in (("reform", value), ("area.mat", value), ("framing.sektor", value)):
            db["suggestions"].insert(
                {
                    "passage_id": pid,
                    "code": code_name,
                    "score": 0.9 if selected else 0.1,
                    "selected": selected,
                    "source": "rules+model@test",
                    "codebook_version": "1",
                    "current": 1,
                    "created_at": "2026-11-01T09:00:00+00:00",
                }
            )
    result = reliability(store, samples=0)
    machine = result["machine"]
    assert machine["sources"] == ["rules+model@test"] and machine["units"] == 10
    assert _code(result, "reform", "machine")["n_coders"] == 3
    pairs = {(p["coder_a"], p["coder_b"], p["code"]): p for p in machine["pairs"]}
    assert pairs[("ana", "machine", "reform")]["kappa"] == pytest.approx(1.0)
    assert pairs[("bo", "machine", "reform")]["kappa"] == pytest.approx(KAPPA_BY_HAND)


def test_coders_without_overlap_get_a_clear_error(store, db_path):
    ids = add_passages(db_path, 4)
    code(db_path, ids[0], "ana", 1)
    code(db_path, ids[1], "ana", 0)
    code(db_path, ids[2], "bo", 1)
    with pytest.raises(NoOverlap, match=r"no passage in common .*ana: 2, bo: 1"):
        reliability(store)
    with pytest.raises(UnknownCoder, match="No decisions by cy; coders with decisions: ana, bo"):
        reliability(store, ["ana", "cy"])


def test_one_coder_is_not_enough(store, db_path):
    ids = add_passages(db_path, 2)
    code(db_path, ids[0], "ana", 1)
    with pytest.raises(NoOverlap, match="at least two coders"):
        reliability(store)


def test_cli_formats(runner, db_path, two_coders):
    table = runner.invoke(app, ["--db", str(db_path), "reliability", "--bootstrap", "50"])
    assert table.exit_code == 0, table.output
    assert "Krippendorff" in table.output and "unreliable" in table.output and "Cohen" in table.output
    as_json = runner.invoke(app, ["--db", str(db_path), "reliability", "--format", "json", "--bootstrap", "0"])
    data = json.loads(as_json.output)
    assert _code(data, "reform")["alpha"] == pytest.approx(ALPHA_BY_HAND)
    as_csv = runner.invoke(app, ["--db", str(db_path), "reliability", "--format", "csv", "--coders", "ana,bo"])
    lines = as_csv.output.strip().splitlines()
    assert lines[0].startswith("raters,code,alpha,ci95,flag,agreement,units")
    assert any(line.startswith("coders,reform,0.604,") for line in lines)


def test_cli_no_overlap_exit_code(runner, db_path, store):
    ids = add_passages(db_path, 2)
    code(db_path, ids[0], "ana", 1)
    code(db_path, ids[1], "bo", 1)
    result = runner.invoke(app, ["--db", str(db_path), "reliability"])
    assert result.exit_code == 1
    assert "E507" in result.output and "lhl review assign --double" in result.output


def test_blind_only_keeps_the_independent_decisions(store, db_path, two_coders):
    db = sqlite_utils.Database(db_path)
    # Only the first four passages were double-coded blind (where ana and bo agree on everything).
    db.execute("UPDATE codings SET blind = 1 WHERE passage_id IN (?, ?, ?, ?)", two_coders[:4])
    db.conn.commit()
    result = reliability(store, samples=0, blind_only=True)
    assert result["blind_only"] and result["units"]["pairable"] == 4
    assert _code(result, "reform")["percent_agreement"] == 1.0
    assert _code(result, "reform")["alpha"] == pytest.approx(1.0)


def test_table_shows_the_mean_alpha(runner, db_path, two_coders):
    result = runner.invoke(app, ["--db", str(db_path), "reliability", "--bootstrap", "0"])
    assert result.exit_code == 0
    assert "Mean α over the codes: coders 0.604" in result.output
