"""The fields of the review app's requests, read strictly (a malformed one is a numbered refusal, nothing
saved), and the fields of a saved row its JSON answers carry."""

from __future__ import annotations

from typing import Any

from ..errors import MalformedDecision
from ..store import review as sql


def int_or_none(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def required_int(form: Any, name: str) -> int:
    value = form.get(name)
    if value is None or value == "":
        raise MalformedDecision(f"The form lacks the field {name!r}; nothing was saved.")
    number = int_or_none(value)
    if number is None or number < 0:
        raise MalformedDecision(f"Field {name!r} must be a whole number, not {str(value)[:40]!r}; nothing was saved.")
    return number


def codes_from_form(form: Any) -> sql.Codes:
    """Codes from the fields reform (0/1), areas (comma-separated area names) and framing; strict."""
    reform = form.get("reform")
    if reform not in ("0", "1"):
        raise MalformedDecision(f"Field 'reform' must be 0 or 1, not {str(reform)[:40]!r}; nothing was saved.")
    areas = [a for a in str(form.get("areas") or "").split(",") if a]
    unknown = [a for a in areas if a not in sql.AREAS]
    if unknown:
        raise MalformedDecision(
            f"Unknown focus area {unknown[0][:40]!r}; use {', '.join(sql.AREAS)}. Nothing was saved."
        )
    framing = form.get("framing")
    if framing not in sql.FRAMINGS:
        raise MalformedDecision(
            f"Field 'framing' must be one of {', '.join(sql.FRAMINGS)}, not {str(framing)[:40]!r}; nothing was saved."
        )
    return sql.Codes.of(reform == "1", areas, str(framing))


def row_json(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        k: row[k] for k in ("id", "passage_id", "coder", "action", "reform", "areas", "framing", "undoes_id", "blind")
    }
