"""Blind double coding: choose the sample that two coders code without seeing each other's codes."""

from __future__ import annotations

from collections.abc import Sequence

from ..codebook import PASSAGE_CODES
from ..errors import ReviewUsageError
from ..store import Store
from ..store import review as sql
from .auth import CODER_NAME


def assign_double(
    store: Store,
    coders: Sequence[str],
    *,
    share: float = 0.15,
    seed: int = 1,
    knr: str | None = None,
    doc_type: str | None = None,
    code: str | None = None,
) -> dict[str, int]:
    """Put `share` of the matching passages in front of two of `coders` each; recorded as a run.

    Re-running with the same share adds nothing; a larger share adds the difference.
    """
    names = list(dict.fromkeys(c.strip() for c in coders if c.strip()))
    if len(names) < 2:
        raise ReviewUsageError("Double coding needs at least two coders: --coder anne --coder bjorn.")
    bad = [n for n in names if not CODER_NAME.match(n)]
    if bad:
        raise ReviewUsageError(
            f"Coder name {bad[0]!r} is not usable: letters, digits, space, . @ - ; at most 40 characters."
        )
    if not 0 < share <= 1:
        raise ReviewUsageError(f"--double must be a share between 0 and 1 (e.g. 0.15 for 15 %), not {share}.")
    if code is not None and code not in PASSAGE_CODES:
        raise ReviewUsageError(f"Unknown code {code!r}; use one of {', '.join(PASSAGE_CODES)}.")
    parameters = {"coders": names, "share": share, "seed": seed, "knr": knr, "doc_type": doc_type, "code": code}
    with store.run("review assign", parameters) as run:
        result = sql.assign_double(
            store, coders=names, share=share, seed=seed, run_id=run.id, knr=knr, doc_type=doc_type, code=code
        )
        run.count("passages_added", result["added"])
        run.count("assignments_added", 2 * result["added"])
    return result
