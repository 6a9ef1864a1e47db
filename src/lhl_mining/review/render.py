"""Turning passages and codes into HTML: highlighted codebook terms, short code labels, CSS classes."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

# The review keys and area titles come from the codebook (its area order and `display: framing_keys`).
from ..codebook import AREA_KEYS as AREA_KEYS
from ..codebook import AREA_TITLES as AREA_TITLES
from ..codebook import FRAMING_KEYS as FRAMING_KEYS

_SHORT = {
    "reform": "reform",
    "reform.successor": "Bo trygt hjemme",
    "framing.samfunn": "samfunn",
    "framing.sektor": "sektor",
}


def code_label(code: str) -> str:
    """The short label shown on a highlight: the area name, «samfunn», «reform» …"""
    return _SHORT.get(code) or (code[len("area.") :] if code.startswith("area.") else code)


def code_class(code: str) -> str:
    """CSS class for a code's colour; the same colours mark highlights and the code panel."""
    return "c-" + "".join(ch if ch.isalnum() else "-" for ch in code)


def highlight(text: str, evidence: Sequence[dict[str, Any]]) -> Markup:
    """The passage as HTML with each evidence span marked and labelled; overlapping spans nest visually.

    Spans with offsets outside the text (or empty) are left out rather than trusted.
    """
    spans = []
    for item in evidence:
        start, end = item.get("start"), item.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            spans.append(
                (start, end, str(item.get("code", "")), str(item.get("term", "")), str(item.get("rule_id", "")))
            )
    spans = sorted(set(spans))
    if not spans:
        return Markup(escape(text))
    bounds = sorted({0, len(text), *(s[0] for s in spans), *(s[1] for s in spans)})
    out: list[str] = []
    for a, b in itertools.pairwise(bounds):
        piece = escape(text[a:b])
        covering = [s for s in spans if s[0] <= a and s[1] >= b]
        if covering:
            inner = min(covering, key=lambda s: s[1] - s[0])
            title = "; ".join(f"{s[2]} · «{s[3]}» · {s[4]}" for s in covering)
            depth = " hl-nested" if len(covering) > 1 else ""
            out.append(f'<mark class="hl {code_class(inner[2])}{depth}" title="{escape(title)}">{piece}</mark>')
        else:
            out.append(str(piece))
        labels = []
        for s in spans:
            if s[1] == b and s[2] not in labels:
                labels.append(s[2])
        out.extend(f'<span class="hl-tag {code_class(code)}">{escape(code_label(code))}</span>' for code in labels)
    return Markup("".join(out))
