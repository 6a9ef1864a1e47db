"""The evaluation report's own figures from the kommune table, and the table's section of `lhl report`.

Figur 3.1–3.7 of the evaluation (seed 002 §3.1) show, per county and for the
counties together, the share of kommuner at each code of Vedtak LHL and of each
plan column, with N = the kommuner the code could be decided for (the «.» rows
are left out of N, as in «N=110» of 112).  The CSV gives every count: `antall`,
`n` (that N), `kommuner` (all rows, «.» included) and `andel` = antall / n
(for «.», antall / kommuner).
"""

from __future__ import annotations

import csv
import html
from pathlib import Path
from typing import Any

from ..store import Store
from .base import ExportFormat, ExportOptions, database, register
from .summary import CELL_COLUMNS, HEADINGS, PLAN_LABELS, VEDTAK_LABELS, KommuneSummary, build_summary

ALL_COUNTIES = "Fylkene samlet"
FIGURE_COLUMNS = ["fylke", "kolonne", "kode", "betydning", "antall", "n", "kommuner", "andel"]


def _codes(column: str) -> list[str]:
    return list(VEDTAK_LABELS if column == "vedtak_lhl" else PLAN_LABELS)


def county_figures(summaries: list[KommuneSummary]) -> list[dict[str, Any]]:
    """One row per county (and all counties together) × column × code, with counts, N and share."""
    counties = sorted({s.county for s in summaries})
    groups = [(c, [s for s in summaries if s.county == c]) for c in counties]
    if len(counties) > 1:
        groups.append((ALL_COUNTIES, summaries))
    rows = []
    for county, members in groups:
        for column in CELL_COLUMNS:
            values = [s.cells[column] for s in members]
            informed = sum(v != "." for v in values)
            labels = VEDTAK_LABELS if column == "vedtak_lhl" else PLAN_LABELS
            for code in _codes(column):
                count = values.count(code)
                base = len(values) if code == "." else informed
                rows.append(
                    {
                        "fylke": county,
                        "kolonne": HEADINGS[column],
                        "kode": code,
                        "betydning": labels[code],
                        "antall": count,
                        "n": informed,
                        "kommuner": len(values),
                        "andel": round(count / base, 3) if base else None,
                    }
                )
    return rows


def _write_figures(store: Store | None, path: Path, options: ExportOptions) -> dict[str, Any]:
    store = database(store)
    rows = county_figures(build_summary(store, options.codings, options))
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIGURE_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return {"rows": len(rows)}


register(
    ExportFormat(
        name="figures",
        write=_write_figures,
        help="The report's Figur 3.1–3.7: share of kommuner at 2/1/0/. per county and column, with N; .csv.",
        codings=("final", "machine"),
        suffixes=(".csv",),
        needs="kommuner",
    )
)


# ------------------------------------------------------------------ report sections
_COLOURS = {"2": "#1b6e3a", "1": "#7fb77e", "0": "#c9ccd1"}
_e = html.escape


def figures_section(summaries: list[KommuneSummary]) -> str:
    """Stacked bars per county for every column: shares of 2/1/0 of N, and the «.» count beside."""
    if not summaries:
        return _section(
            "figures",
            "Andel kommuner per kode (Figur 3.1–3.7)",
            '<p class="empty">Ingen kommuner i prosjektet.</p>',
            "",
        )
    rows = county_figures(summaries)
    parts = []
    for column in CELL_COLUMNS:
        heading = HEADINGS[column]
        mine = [r for r in rows if r["kolonne"] == heading]
        body = []
        for county in dict.fromkeys(r["fylke"] for r in mine):
            cells = {r["kode"]: r for r in mine if r["fylke"] == county}
            n = cells["."]["n"]
            bars = "".join(
                f'<span title="{_e(code)}: {_e(cells[code]["betydning"])} – {cells[code]["antall"]} av {n}" '
                f'style="display:inline-block;height:14px;width:{(cells[code]["andel"] or 0) * 100:.1f}%;'
                f'background:{_COLOURS[code]}"></span>'
                for code in _codes(column)
                if code != "." and n
            )
            shares = " · ".join(
                f"{code}: {(cells[code]['andel'] or 0) * 100:.0f} %" for code in _codes(column) if code != "." and n
            )
            body.append(
                f'<tr class="figure-row"><td>{_e(county)}</td><td style="min-width:180px"><div style="width:100%;'
                f'background:#f3f3f3">{bars}</div></td><td>{_e(shares) or "–"}</td><td>N={n}</td>'
                f"<td>. {cells['.']['antall']}</td></tr>"
            )
        parts.append(
            f'<h3>{_e(heading)}</h3><div class="scroll"><table class="figures"><tbody>{"".join(body)}'
            "</tbody></table></div>"
        )
    legend = "; ".join(f"{c}: {_e(label)}" for c, label in VEDTAK_LABELS.items())
    note = (
        f"Vedtak LHL – {legend}. Planene: 1 nevner reformen, 0 nevner den ikke. N er kommunene koden kunne "
        "avgjøres for («.» regnes ikke med, som i rapportens N=110); tallene står også i "
        "<code>lhl export --format figures</code>."
    )
    return _section("figures", "Andel kommuner per kode (Figur 3.1–3.7)", "".join(parts), note)


def vedlegg_section(summaries: list[KommuneSummary]) -> str:
    """The kommune table: every cell with its code, confidence and evidence; a decision opens its text."""
    if not summaries:
        return _section(
            "vedlegg2",
            "Kommunetabell (Vedlegg 2)",
            '<p class="empty">Ingen dokumenter er knyttet til en kommune (lhl ingest --kommune).</p>',
            "",
        )
    head = "".join(f"<th>{_e(HEADINGS[c])}</th>" for c in ("knr", "kommune", "fylke", *CELL_COLUMNS))
    body = []
    for s in summaries:
        cells = [f"<td>{_e(s.knr)}</td><td>{_e(s.label)}</td><td>{_e(s.county)}</td>"]
        for column in CELL_COLUMNS:
            value = s.cells[column]
            evidence = s.evidence[column]
            items = []
            for e in evidence[:6]:
                link = f'<a href="{_e(e.url)}" title="{_e(e.title or e.doc_type)}">#{e.document_id}</a>'
                if e.kind:
                    papers = " ".join(f'<a href="{_e(u)}" title="{_e(t)}">#{i}</a>' for i, u, t in e.papers)
                    items.append(
                        f"<details><summary>{link} {_e(e.describe())}</summary><blockquote>"
                        f"{_e(e.decision_text or '')}</blockquote>"
                        + (f"<small>Saksdokumenter: {papers}</small>" if papers else "")
                        + "</details>"
                    )
                else:
                    items.append(link)
            more = f" +{len(evidence) - 6}" if len(evidence) > 6 else ""
            confidence = s.confidence[column]
            cells.append(
                f'<td class="code code-{"dot" if value == "." else value}" title="{_e(s.reasons[column])}">'
                f"<b>{_e(value)}</b>"
                + (f' <small class="confidence">{_e(confidence)}</small>' if confidence else "")
                + f'<span class="evidence">{" ".join(items)}{more}</span></td>'
            )
        body.append(f"<tr>{''.join(cells)}</tr>")
    table = f'<table class="vedlegg"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    legend = ", ".join(f"{c} {label}" for c, label in VEDTAK_LABELS.items())
    note = (
        f"Vedtak LHL: {legend}. Planene: 1 nevner reformen, 0 nevner den ikke, . ingen slik plan funnet. "
        "Ved koden står sikkerheten (høy: et lest vedtak; middels: dokumenter; lav: bare plandokumenter eller "
        "fravær; koder: satt av en koder). Et vedtak åpnes med klikk og viser vedtaksteksten og sakens dokumenter."
    )
    return _section("vedlegg2", "Kommunetabell (Vedlegg 2)", f'<div class="scroll">{table}</div>', note)


def _section(key: str, title: str, content: str, note: str) -> str:
    return (
        f'<section class="chart" id="{key}" data-chart="{key}"><h2>{_e(title)}</h2>'
        + (f'<p class="note">{note}</p>' if note else "")
        + content
        + "</section>"
    )
