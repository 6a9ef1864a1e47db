"""Inter-coder reliability the way content-analysis journals report it.

Per code: Krippendorff's α (nominal; reform and each area as a binary
variable, framing as one four-category variable) with a bootstrap 95 %
confidence interval that resamples passages (units), percent agreement, the
number of units and coders and the code's prevalence; Cohen's κ for every
coder pair; and the same numbers with the machine's current suggestions as one
more coder.  α ≥ .800 is flagged `reliable`, .667–.800 `tentative`, below
`unreliable` (Krippendorff 2004, ch. 11).

Passages decided by only some coders are missing data: they stay in the
reliability matrix (α uses every pairable value) and are counted in the
output, never silently dropped.  Passages with a single decision cannot be
compared and are reported as `single_coder`.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from typing import Any

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score

from ..codebook import AREAS, FRAMINGS
from ..errors import NoOverlap, UnknownCoder
from ..store import Store
from ..store import learning as sql

RELIABLE = 0.800
TENTATIVE = 0.667
MACHINE = "machine"
CODES: tuple[str, ...] = ("reform", *(f"area.{a}" for a in AREAS), "framing")


def flag(alpha: float | None) -> str:
    if alpha is None:
        return "undefined"
    if alpha >= RELIABLE:
        return "reliable"
    if alpha >= TENTATIVE:
        return "tentative"
    return "unreliable"


def value_of(decision: dict[str, Any], code: str) -> int:
    """The decision as a number for one variable (binary per code, framing as its index)."""
    if code == "reform":
        return int(bool(decision["reform"]))
    if code == "framing":
        return FRAMINGS.index(decision["framing"])
    return int(code.removeprefix("area.") in decision["areas"])


def _alpha(matrix: np.ndarray, domain: Sequence[int]) -> float | None:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        value = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal", value_domain=list(domain))
    return None if value is None or np.isnan(value) else float(value)


def _percent_agreement(matrix: np.ndarray) -> float | None:
    """Share of agreeing coder pairs, averaged over units with at least two values."""
    shares = []
    for column in matrix.T:
        values = column[~np.isnan(column)]
        if len(values) < 2:
            continue
        pairs = list(itertools.combinations(values, 2))
        shares.append(sum(a == b for a, b in pairs) / len(pairs))
    return float(np.mean(shares)) if shares else None


def _bootstrap(
    matrix: np.ndarray, domain: Sequence[int], samples: int, rng: np.random.Generator
) -> tuple[float | None, float | None]:
    n_units = matrix.shape[1]
    values = []
    for _ in range(samples):
        alpha = _alpha(matrix[:, rng.integers(0, n_units, n_units)], domain)
        if alpha is not None:
            values.append(alpha)
    if len(values) < max(10, samples // 10):
        return None, None
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def _variable(
    decisions: dict[str, dict[int, dict]],
    coders: Sequence[str],
    units: Sequence[int],
    code: str,
    samples: int,
    rng: np.random.Generator,
) -> dict[str, Any]:
    domain = list(range(len(FRAMINGS))) if code == "framing" else [0, 1]
    matrix = np.full((len(coders), len(units)), np.nan)
    for i, coder in enumerate(coders):
        for j, unit in enumerate(units):
            decision = decisions[coder].get(unit)
            if decision is not None:
                matrix[i, j] = value_of(decision, code)
    pairable = (~np.isnan(matrix)).sum(axis=0) >= 2
    matrix = matrix[:, pairable]
    values = matrix[~np.isnan(matrix)]
    alpha = _alpha(matrix, domain) if matrix.shape[1] else None
    low, high = _bootstrap(matrix, domain, samples, rng) if alpha is not None and samples else (None, None)
    if code == "framing":
        prevalence: Any = {f: float(np.mean(values == i)) if len(values) else 0.0 for i, f in enumerate(FRAMINGS)}
    else:
        prevalence = float(values.mean()) if len(values) else 0.0
    return {
        "code": code,
        "alpha": alpha,
        "ci_low": low,
        "ci_high": high,
        "flag": flag(alpha),
        "percent_agreement": _percent_agreement(matrix),
        "n_units": int(matrix.shape[1]),
        "n_coders": len(coders),
        "n_values": len(values),
        "prevalence": prevalence,
    }


def _pairs(decisions: dict[str, dict[int, dict]], coders: Sequence[str]) -> list[dict[str, Any]]:
    rows = []
    for a, b in itertools.combinations(coders, 2):
        shared = sorted(set(decisions[a]) & set(decisions[b]))
        for code in CODES:
            x = [value_of(decisions[a][u], code) for u in shared]
            y = [value_of(decisions[b][u], code) for u in shared]
            kappa = None
            if shared and len(set(x) | set(y)) > 1:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore", RuntimeWarning)
                    value = cohen_kappa_score(x, y)
                kappa = None if np.isnan(value) else float(value)
            rows.append(
                {
                    "coder_a": a,
                    "coder_b": b,
                    "code": code,
                    "kappa": kappa,
                    "percent_agreement": float(np.mean([p == q for p, q in zip(x, y)])) if shared else None,
                    "n_units": len(shared),
                }
            )
    return rows


def reliability(
    store: Store,
    coders: Sequence[str] | None = None,
    *,
    include_machine: bool = True,
    samples: int = 1000,
    seed: int = 0,
    blind_only: bool = False,
) -> dict[str, Any]:
    """Reliability of the coders' standing decisions (and of the machine against them); see the module docstring."""
    known = sql.coders(store)
    if coders:
        unknown = [c for c in coders if c not in known]
        if unknown:
            raise UnknownCoder(
                f"No decisions by {', '.join(unknown)}; coders with decisions: {', '.join(known) or 'none'}."
            )
        if len(set(coders)) < 2:
            raise NoOverlap("Reliability compares at least two coders; name two or more with --coders A,B.")
    chosen = list(dict.fromkeys(coders)) if coders else known
    if len(chosen) < 2:
        raise NoOverlap(
            f"Reliability needs decisions by at least two coders; the database has {len(chosen)} "
            f"({', '.join(chosen) or 'none'}). Put passages in front of two coders with `lhl review assign --double 0.15`."
        )
    decisions: dict[str, dict[int, dict]] = {c: {} for c in chosen}
    for row in sql.coder_decisions(store, chosen, blind_only):
        decisions[row["coder"]][row["passage_id"]] = row
    decided = sorted(set().union(*(set(d) for d in decisions.values())))
    times_decided = {u: sum(u in decisions[c] for c in chosen) for u in decided}
    pairable = [u for u in decided if times_decided[u] >= 2]
    if not pairable:
        counts = ", ".join(f"{c}: {len(decisions[c])}" for c in chosen)
        raise NoOverlap(
            f"The coders {', '.join(chosen)} have no passage in common ({counts} {'blind ' if blind_only else ''}"
            "passages decided), so agreement cannot be measured. Assign double coding with "
            "`lhl review assign --double 0.15` and code those passages."
        )
    rng = np.random.default_rng(seed)
    codes = [_variable(decisions, chosen, decided, code, samples, rng) for code in CODES]
    result: dict[str, Any] = {
        "coders": chosen,
        "blind_only": blind_only,
        "units": {
            "decided": len(decided),
            "pairable": len(pairable),
            "single_coder": len(decided) - len(pairable),
            "complete": sum(times_decided[u] == len(chosen) for u in decided),
        },
        "thresholds": {"reliable": RELIABLE, "tentative": TENTATIVE},
        "codes": codes,
        "macro_alpha": _mean([c["alpha"] for c in codes]),
        "pairs": _pairs(decisions, chosen),
        "machine": None,
    }
    if include_machine:
        machine = sql.machine_suggestions(store)
        machine_decisions = {u: machine[u] for u in decided if u in machine}
        if machine_decisions:
            with_machine = {**decisions, MACHINE: machine_decisions}
            everyone = [*chosen, MACHINE]
            machine_codes = [_variable(with_machine, everyone, decided, code, samples, rng) for code in CODES]
            result["machine"] = {
                "sources": sorted({d["source"] for d in machine_decisions.values()}),
                "units": len(machine_decisions),
                "codes": machine_codes,
                "macro_alpha": _mean([c["alpha"] for c in machine_codes]),
                "pairs": [p for p in _pairs(with_machine, everyone) if MACHINE in (p["coder_a"], p["coder_b"])],
            }
    return result


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def flat_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per code (and per code with the machine): the shape of the table and CSV outputs."""
    rows = []
    blocks = [("coders", result["codes"])]
    if result["machine"]:
        blocks.append(("coders+machine", result["machine"]["codes"]))
    for who, codes in blocks:
        for c in codes:
            prevalence = c["prevalence"]
            if isinstance(prevalence, dict):
                prevalence = " ".join(f"{k[:3]} {v:.2f}" for k, v in prevalence.items())
            else:
                prevalence = round(prevalence, 3)
            rows.append(
                {
                    "raters": who,
                    "code": c["code"],
                    "alpha": _round(c["alpha"]),
                    "ci95": f"{c['ci_low']:.3f}–{c['ci_high']:.3f}" if c["ci_low"] is not None else "",
                    "flag": c["flag"],
                    "agreement": _round(c["percent_agreement"]),
                    "units": c["n_units"],
                    "coders": c["n_coders"],
                    "prevalence": prevalence,
                }
            )
    return rows


def pair_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    pairs = list(result["pairs"]) + (list(result["machine"]["pairs"]) if result["machine"] else [])
    return [{**p, "kappa": _round(p["kappa"]), "percent_agreement": _round(p["percent_agreement"])} for p in pairs]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
