"""`lhl report`: one self-contained HTML file with the project's numbers and charts.

Charts are inline SVG drawn here (no scripts, fonts or images fetched from
anywhere), so the file opens offline, prints, and can be mailed as it is.
Sections: documents per kommune and year, reform mentions over time, focus
areas by county and by document type, samfunn vs sektor per kommune, coverage
gaps, the Vedlegg-2 table with its evidence, and inter-coder reliability when
two or more coders have coded (coders only; `lhl reliability` adds the machine).

Codes are the final human code where a passage has one, else the machine's
suggestion; the report says how many passages each basis covers.  Every chart
dates a document by one rule (`YEAR_RULE`), counts documents and passages on
scales of their own with round ticks, and fits a phone's width.
"""

from __future__ import annotations

import html
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

from .. import __version__
from ..codebook import AREAS, GREY
from ..errors import LhlError, NothingToExport
from ..store import Store, utcnow
from ..store import exports as sql
from .base import ExportResult
from .codebook import CodeTree, load_code_tree
from .figures import figures_section, vedlegg_section
from .model import passage_records
from .output import atomic_output, check_output
from .summary import KommuneSummary, SummaryBuilder, counts_for_summary, document_facts, kommune_label

MAX_ROWS = 60  # kommuner shown in per-kommune charts (the busiest); the rest are counted in a note
DOC_TYPE_NAMES = {
    "saksframlegg": "Saksframlegg",
    "saksprotokoll": "Saksprotokoll/særutskrift",
    "moteinnkalling": "Møteinnkalling",
    "moteprotokoll": "Møteprotokoll",
    "planstrategi": "Planstrategi",
    "samfunnsdel": "Samfunnsdel",
    "arealdel": "Arealdel",
    "helse_omsorgsplan": "Helse- og omsorgsplan",
    "okonomiplan": "Handlings- og økonomiplan",
    "lhl_plan": "Plan for Leve hele livet",
    "other": "Annet",
}
STATUS_COLORS = {
    "extracted": "#4C9F70",
    "downloaded": "#9BC4A8",
    "needs_ocr": "#E0A030",
    "failed": "#C8453C",
    "discovered": "#B0B0B0",
    "skipped": "#D0D0D0",
    "duplicate": "#E8E8E8",
}


def check_report_output(out: str | os.PathLike, *, force: bool) -> None:
    check_output(Path(out), force=force)


def total_work(store: Store) -> int:
    return 2 * sql.content_counts(store)["passages"]


# ---------------------------------------------------------------- aggregation
@dataclass
class ReportData:
    documents_year: dict[tuple[str, str], int] = field(default_factory=dict)
    kommune_names: dict[str, str] = field(default_factory=dict)
    reform_passages_year: Counter = field(default_factory=Counter)
    reform_documents_year: Counter = field(default_factory=Counter)
    area_county: Counter = field(default_factory=Counter)
    reform_county: Counter = field(default_factory=Counter)
    area_doctype: Counter = field(default_factory=Counter)
    reform_doctype: Counter = field(default_factory=Counter)
    framing_kommune: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    basis: Counter = field(default_factory=Counter)
    n_passages: int = 0


YEAR_RULE = "År = møtedato, ellers dokumentdato; dokumenter uten dato står under «ukjent»."


def _year(date: str | None) -> str:
    """The year of a document by `YEAR_RULE` (the caller passes meeting date, else document date)."""
    return date[:4] if date and len(date) >= 4 and date[:4].isdigit() else "ukjent"


def collect(
    store: Store, advance: Callable[[int], None] = lambda n: None, *, until: str | None = None
) -> tuple[ReportData, list[KommuneSummary]]:
    """One pass over documents and their passages, counting by year, county, document type and kommune and
    building the Vedlegg-2 table from the same records (a second pass cost a 100,000-passage report 7 s)."""
    data = ReportData()
    for row in sql.documents_per_kommune_year(store):
        key = (row["knr"] or "", _year(row["year"]))
        data.documents_year[key] = data.documents_year.get(key, 0) + row["n"]
        data.kommune_names[row["knr"] or ""] = (
            kommune_label(row["knr"], row["kommune"]) if row["knr"] else "(uten kommune)"
        )
    builder = SummaryBuilder(store, "final", required=False, until=until)
    groups = groupby(passage_records(sql.iter_passage_rows(store)), key=lambda r: r.row["document_id"])
    current = next(groups, None)
    for doc in sql.iter_documents(store):
        while current is not None and current[0] < doc["document_id"]:
            current = next(groups, None)
        records: list = []
        if current is not None and current[0] == doc["document_id"]:
            records = list(current[1])
            current = next(groups, None)
        _count(data, records)
        advance(2 * len(records))
        facts = document_facts(doc, records, "final")
        if counts_for_summary(doc, facts):
            builder.add(facts)
    return data, builder.finish() if builder.summaries else []


def _count(data: ReportData, records: list) -> None:
    """Add one document's passages to the report's counters."""
    mentions, year = False, "ukjent"
    for record in records:
        row = record.row
        data.n_passages += 1
        decision = record.best()
        data.basis["human" if record.final else "machine" if record.machine else "none"] += 1
        if decision is None:
            continue
        year, county = _year(row["date"]), row["county"] or "ukjent"
        doc_type = row["doc_type"] or "ukjent"
        if decision.reform:
            mentions = True
            data.reform_passages_year[year] += 1
            data.reform_county[county] += 1
            data.reform_doctype[doc_type] += 1
        for area in decision.areas:
            if area in AREAS:
                data.area_county[(county, area)] += 1
                data.area_doctype[(doc_type, area)] += 1
        if row["knr"]:
            data.framing_kommune[row["knr"]][decision.framing] += 1
            data.kommune_names.setdefault(row["knr"], kommune_label(row["knr"], row["kommune"]))
    if mentions:
        data.reform_documents_year[year] += 1


# ---------------------------------------------------------------- SVG helpers
def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _mix(color: str, share: float) -> str:
    """`color` faded towards white: share 0 → near white, 1 → full colour."""
    share = max(0.0, min(1.0, share))
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    weight = 0.12 + 0.88 * share
    return "#" + "".join(f"{round(255 - (255 - c) * weight):02x}" for c in (r, g, b))


def _text_color(share: float) -> str:
    return "#ffffff" if share > 0.55 else "#222222"


def _svg_open(width: int, height: int, label: str = "") -> str:
    """An SVG that shrinks to a narrow screen, but not below 75 % (labels stay ≥ 8 px); wider charts scroll
    inside their own box (a shadow at the edge shows there is more) instead of widening the page."""
    aria = f' aria-label="{_e(label)}"' if label else ""
    return (
        f'<svg class="chart-svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'style="min-width:{round(width * 0.75)}px" role="img"{aria}>'
    )


def heatmap(
    rows: Sequence[tuple[str, str]],
    columns: Sequence[tuple[str, str]],
    values: dict[tuple[str, str], int],
    color: str | dict[str, str],
    *,
    label_width: int = 170,
    normalise_rows: bool = False,
    cell_w: int = 64,
) -> str:
    """Rows × columns of counts; `rows`/`columns` are (key, label); colour per column or one colour."""
    cell_h, top = 22, 40
    width = label_width + cell_w * len(columns) + 10
    height = top + cell_h * len(rows) + 10
    peak = max([values.get((r, c), 0) for r, _ in rows for c, _ in columns] + [1])
    parts = [_svg_open(width, height)]
    for j, (_, label) in enumerate(columns):
        x = label_width + j * cell_w + cell_w / 2
        parts.append(f'<text class="axis" x="{x}" y="{top - 10}" text-anchor="middle">{_e(label)}</text>')
    for i, (rkey, rlabel) in enumerate(rows):
        y = top + i * cell_h
        row_peak = max([values.get((rkey, c), 0) for c, _ in columns] + [1]) if normalise_rows else peak
        parts.append(
            f'<text class="axis" x="{label_width - 8}" y="{y + cell_h * 0.68}" text-anchor="end">{_e(rlabel)}</text>'
        )
        for j, (ckey, clabel) in enumerate(columns):
            value = values.get((rkey, ckey), 0)
            share = value / row_peak
            base = color[ckey] if isinstance(color, dict) else color
            fill = _mix(base, share) if value else "#f4f4f4"
            x = label_width + j * cell_w
            parts.append(
                f'<rect class="mark" x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" rx="3" '
                f'fill="{fill}"><title>{_e(rlabel)} · {_e(clabel)}: {value}</title></rect>'
            )
            if value:
                parts.append(
                    f'<text class="value" x="{x + cell_w / 2}" y="{y + cell_h * 0.68}" text-anchor="middle" '
                    f'fill="{_text_color(share)}">{value}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


def nice_step(peak: float, ticks: int = 4) -> int:
    """A round tick step (1, 2, 5 × 10ⁿ, or 2.5 × 10ⁿ from 100 up) so that `ticks` steps reach `peak`."""
    raw = max(peak, 1) / ticks
    magnitude = 10 ** max(0, len(str(int(raw))) - 1)
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step >= raw and float(step).is_integer():
            return int(step)
    return 10 * magnitude


def number(value: float) -> str:
    """A count the Norwegian way: thin space between thousands (12 500)."""
    return f"{value:,.0f}".replace(",", "\u202f")


def bar_chart(categories: Sequence[str], name: str, color: str, values: Sequence[int], *, unit: str) -> str:
    """Vertical bars on their own scale, ticks at round numbers; `unit` names what is counted."""
    width, height, left, bottom, top = 420, 200, 52, 34, 14
    plot_w, plot_h = width - left - 10, height - top - bottom
    step = nice_step(max([*values, 1]))
    peak = 4 * step
    group_w = plot_w / max(len(categories), 1)
    bar_w = min(40.0, group_w * 0.7)
    parts = [_svg_open(width, height, name)]
    for k in range(5):
        y = top + plot_h - plot_h * k / 4
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{number(step * k)}</text>'
        )
    for i, category in enumerate(categories):
        value = values[i]
        h = plot_h * value / peak
        x = left + i * group_w + (group_w - bar_w) / 2
        parts.append(
            f'<rect class="mark" x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
            f'height="{max(h, 0.5):.1f}" fill="{color}"><title>{_e(category)} · {_e(name)}: '
            f"{number(value)} {_e(unit)}</title></rect>"
        )
        parts.append(
            f'<text class="axis" x="{left + i * group_w + group_w / 2:.1f}" y="{height - bottom + 18}" '
            f'text-anchor="middle">{_e(category)}</text>'
        )
    parts.append("</svg>")
    return f'<div class="legend"><span class="key"><i style="background:{color}"></i>{_e(name)}</span></div>' + "".join(
        parts
    )


def stacked_bars(
    rows: Sequence[tuple[str, str]],
    segments: Sequence[tuple[str, str, str]],
    values: dict[str, Counter],
    *,
    label_width: int = 170,
) -> str:
    """Horizontal 100 % bars per row; `segments` is (key, label, colour); counts shown in tooltips."""
    bar_w, row_h, top = 520, 22, 8
    width, height = label_width + bar_w + 70, top + row_h * len(rows) + 8
    parts = [_svg_open(width, height)]
    for i, (key, label) in enumerate(rows):
        y = top + i * row_h
        counts = values.get(key, Counter())
        total = sum(counts[s] for s, _, _ in segments)
        parts.append(
            f'<text class="axis" x="{label_width - 8}" y="{y + row_h * 0.68}" text-anchor="end">{_e(label)}</text>'
        )
        x = float(label_width)
        for seg, seg_label, color in segments:
            if not counts[seg] or not total:
                continue
            w = bar_w * counts[seg] / total
            parts.append(
                f'<rect class="mark" x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{row_h - 4}" '
                f'fill="{color}"><title>{_e(label)} · {_e(seg_label)}: {counts[seg]} '
                f"({100 * counts[seg] / total:.0f} %)</title></rect>"
            )
            x += w
        parts.append(f'<text class="value" x="{label_width + bar_w + 6}" y="{y + row_h * 0.68}">{total}</text>')
    parts.append("</svg>")
    legend = "".join(f'<span class="key"><i style="background:{c}"></i>{_e(n)}</span>' for _, n, c in segments)
    return f'<div class="legend">{legend}</div>' + "".join(parts)


# ---------------------------------------------------------------- sections
def _figure(chart_id: str, title: str, body: str, note: str = "") -> str:
    note_html = f'<p class="note">{note}</p>' if note else ""
    return (
        f'<section class="chart" id="{chart_id}" data-chart="{chart_id}"><h2>{_e(title)}</h2>{note_html}'
        f'<div class="scroll">{body}</div></section>'
    )


def _empty(text: str) -> str:
    return f'<p class="empty">{_e(text)}</p>'


def _busiest(keys: Sequence[str], weight: Callable[[str], int]) -> tuple[list[str], int]:
    ordered = sorted(keys, key=lambda k: (-weight(k), k))
    return sorted(ordered[:MAX_ROWS]), max(0, len(ordered) - MAX_ROWS)


def _documents_section(data: ReportData) -> str:
    kommuner = sorted({k for k, _ in data.documents_year})
    years = sorted({y for _, y in data.documents_year})
    if not kommuner:
        return _figure("documents", "Dokumenter per kommune og år", _empty("Ingen dokumenter ennå."))
    totals: Counter[str] = Counter()
    for (k, _), n in data.documents_year.items():
        totals[k] += n
    shown, hidden = _busiest(kommuner, lambda k: totals[k])
    rows = [(k, data.kommune_names.get(k, k)) for k in shown]
    note = YEAR_RULE
    if hidden:
        note += f" De {len(shown)} kommunene med flest dokumenter; {hidden} til er ikke vist."
    body = heatmap(rows, [(y, y) for y in years], data.documents_year, "#2F6DB5")
    return _figure("documents", "Dokumenter per kommune og år", body, note)


def _reform_section(data: ReportData, codebook: CodeTree) -> str:
    years = sorted(set(data.reform_passages_year) | set(data.reform_documents_year))
    if not years:
        return _figure("reform", "Omtale av reformen over tid", _empty("Ingen passasjer er kodet med reformen ennå."))
    color = (codebook.get("reform") or codebook.codes[0]).color
    body = (
        '<div class="pair">'
        + "<div>"
        + bar_chart(
            years,
            "Dokumenter som nevner reformen",
            "#5B8FC9",
            [data.reform_documents_year[y] for y in years],
            unit="dokumenter",
        )
        + "</div>"
        + "<div>"
        + bar_chart(
            years, "Passasjer om reformen", color, [data.reform_passages_year[y] for y in years], unit="passasjer"
        )
        + "</div>"
        + "</div>"
    )
    return _figure(
        "reform", "Omtale av reformen over tid", body, f"{YEAR_RULE} Dokumenter og passasjer har hver sin skala."
    )


def _area_colors(codebook: CodeTree) -> dict[str, str]:
    out = {}
    for area in AREAS:
        code = codebook.get(f"area.{area}")
        out[area] = code.color if code else "#555555"
    return out


def _area_name(codebook: CodeTree, area: str) -> str:
    """The area's short name in chart columns (the codebook's `display:` `short`, else its label)."""
    code = codebook.get(f"area.{area}")
    return (code.short or code.name) if code else area


def _areas_section(
    data: ReportData, codebook: CodeTree, counter: Counter, reform: Counter, chart_id: str, title: str, what: str
) -> str:
    keys = sorted({k for k, _ in counter})
    if not keys:
        return _figure(chart_id, title, _empty("Ingen passasjer er kodet med innsatsområder ennå."))
    rows = [(k, f"{DOC_TYPE_NAMES.get(k, k)} ({reform[k]})") for k in keys]
    columns = [(a, _area_name(codebook, a)) for a in AREAS]
    body = heatmap(
        rows, columns, dict(counter), _area_colors(codebook), label_width=230, normalise_rows=True, cell_w=96
    )
    note = (
        f"Passasjer per innsatsområde og {what}; fargen er andelen innen raden. "
        "Tallet i parentes er passasjer som nevner reformen."
    )
    return _figure(chart_id, title, body, note)


def _framing_section(data: ReportData, codebook: CodeTree) -> str:
    def color(code: str) -> str:
        found = codebook.get(code)
        return found.color if found else GREY

    segments = [
        ("samfunn", "Samfunn", color("framing.samfunn")),
        ("begge", "Begge", "#9E9AC8"),
        ("sektor", "Sektor", color("framing.sektor")),
    ]
    framed = {k: c for k, c in data.framing_kommune.items() if c["samfunn"] + c["sektor"] + c["begge"]}
    if not framed:
        return _figure(
            "framing", "Samfunn- eller sektorreform per kommune", _empty("Ingen passasjer har framing ennå.")
        )
    shown, hidden = _busiest(list(framed), lambda k: sum(framed[k].values()))

    def share(k: str) -> float:
        c = framed[k]
        return (c["samfunn"] + c["begge"] / 2) / (c["samfunn"] + c["sektor"] + c["begge"])

    rows = [(k, data.kommune_names.get(k, k)) for k in sorted(shown, key=lambda k: (-share(k), k))]
    note = "Passasjer med samfunns- eller sektorframing; sortert etter samfunnsandel. «Ingen» er utelatt."
    if hidden:
        note += f" {hidden} kommuner til er ikke vist."
    return _figure("framing", "Samfunn- eller sektorreform per kommune", stacked_bars(rows, segments, framed), note)


def _coverage_section(store: Store, summaries: list[KommuneSummary]) -> str:
    statuses: dict[str, Counter] = defaultdict(Counter)
    names: dict[str, str] = {}
    for row in sql.document_status_by_kommune(store):
        key = row["knr"] or ""
        statuses[key][row["status"]] += row["n"]
        names[key] = kommune_label(row["knr"], row["kommune"]) if row["knr"] else "(uten kommune)"
    no_documents = [s for s in summaries if s.n_documents == 0]
    problem = [k for k, c in statuses.items() if sum(n for s, n in c.items() if s != "extracted")]
    parts = []
    if no_documents:
        items = "".join(f"<li>{_e(s.label)} ({_e(s.knr)}, {_e(s.county)})</li>" for s in no_documents)
        parts.append(f'<h3>Kommuner uten lesbare dokumenter ({len(no_documents)})</h3><ul class="gaps">{items}</ul>')
    if problem:
        shown, hidden = _busiest(problem, lambda k: sum(statuses[k].values()))
        segments = [(s, s, STATUS_COLORS.get(s, "#999999")) for s in STATUS_COLORS]
        parts.append(
            "<h3>Dokumentstatus der noe mangler</h3>" + stacked_bars([(k, names[k]) for k in shown], segments, statuses)
        )
        if hidden:
            parts.append(f'<p class="note">{hidden} kommuner til er ikke vist.</p>')
    scrape = sql.scrape_gaps(store)
    if scrape:
        rows = "".join(
            f"<tr><td>{_e(kommune_label(g['knr'], g['kommune']))}</td><td>{_e(g['platform'] or '')}</td>"
            f"<td>{_e(g['status'])}</td><td>{_e(g['since'] or '')}–{_e(g['until'] or '')}</td>"
            f"<td>{_e('; '.join(str(x) for x in g['gaps']))}</td></tr>"
            for g in scrape
        )
        parts.append(
            f'<h3>Hull fra siste skraping ({len(scrape)})</h3><table class="gaps-table"><thead><tr>'
            "<th>Kommune</th><th>Plattform</th><th>Status</th><th>Periode</th><th>Hull</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
    if not parts:
        parts.append(_empty("Ingen dekningshull: alle kommuner har lesbare dokumenter."))
    return _figure(
        "coverage",
        "Dekningshull",
        "".join(parts),
        "Kommuner i prosjektet (med kilde eller dokument) der dokumenter mangler, feilet eller trenger OCR, "
        "og portaler som ikke viste hele perioden ved siste skraping.",
    )


FLAG_NAMES = {
    "reliable": "pålitelig",
    "tentative": "foreløpig",
    "unreliable": "upålitelig",
    "too-few": "for få enheter",
    "undefined": "udefinert",
}


MIN_UNITS = 50  # below this a bootstrap interval of α is too rough to call a code reliable


def interval_flag(alpha: float | None, low: float | None, high: float | None, units: int) -> str:
    """A judgement that accounts for the 95 % interval: reliable only when its lower bound clears .800,
    tentative when it clears .667, unreliable when even its upper bound stays under .667; fewer than
    `MIN_UNITS` units, or an interval that straddles the thresholds, says too little either way."""
    from ..learn.reliability import RELIABLE, TENTATIVE

    if alpha is None or low is None or high is None:
        return "undefined"
    if units < MIN_UNITS:
        return "too-few"
    if low >= RELIABLE:
        return "reliable"
    if low >= TENTATIVE:
        return "tentative"
    if high < TENTATIVE:
        return "unreliable"
    return "too-few"


def _decimal(value: float | None) -> str:
    """Norwegian decimal comma, three decimals (α and shares)."""
    return "–" if value is None else f"{value:.3f}".replace(".", ",")


def _reliability_section(store: Store, codebook: CodeTree) -> str:
    from ..learn import reliability as rel

    title = "Reliabilitet mellom kodere"
    if len(sql.coders(store)) < 2:
        return _figure("reliability", title, _empty("Reliabilitet krever koding fra minst to kodere."))
    try:
        # Coders only: with the machine added, `reliability` loads every suggestion of the project.
        result = rel.reliability(store, None, include_machine=False, samples=200)
    except LhlError as exc:
        return _figure("reliability", title, _empty(exc.message))
    head = "".join(f"<th>{h}</th>" for h in ("Kode", "α", "95 % KI", "Vurdering", "Samsvar", "Enheter"))
    body = []
    for c in result["codes"]:
        code = codebook.get(c["code"])
        name = code.name if code else c["code"]
        flag = interval_flag(c["alpha"], c["ci_low"], c["ci_high"], c["n_units"])
        interval = f"{_decimal(c['ci_low'])}–{_decimal(c['ci_high'])}" if c["ci_low"] is not None else "–"
        agreement = "–" if c["percent_agreement"] is None else f"{100 * c['percent_agreement']:.0f} %"
        body.append(
            f'<tr class="flag-{flag}"><td title="{_e(c["code"])}">{_e(name)}</td>'
            f"<td>{_decimal(c['alpha'])}</td><td>{interval}</td><td>{FLAG_NAMES[flag]}</td>"
            f"<td>{agreement}</td><td>{number(c['n_units'])}</td></tr>"
        )
    units = result["units"]
    note = (
        f"Krippendorffs α (nominal), kodere {_e(', '.join(result['coders']))}: {number(units['pairable'])} "
        f"passasjer kodet av minst to, {number(units['single_coder'])} av én. Vurderingen bruker intervallet: "
        f"pålitelig når nedre grense er minst 0,800, foreløpig når den er minst 0,667, upålitelig når øvre grense "
        f"er under 0,667, ellers (og alltid under {MIN_UNITS} enheter) for få enheter til å si noe. Maskinen mot koderne: <code>lhl reliability</code>."
    )
    table = f'<table class="reliability"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    return _figure("reliability", title, table, note)


STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:0;background:#fafafa}
header{background:#1f3b5c;color:#fff;padding:20px 32px}header h1{margin:0 0 4px;font-size:24px}
header p{margin:0;opacity:.85}main{padding:8px 32px 40px;max-width:1200px}
.facts{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}.fact{background:#fff;border:1px solid #ddd;
border-radius:6px;padding:8px 14px}.fact b{display:block;font-size:20px}
section.chart{background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px 18px;margin:16px 0}
h2{font-size:18px;margin:4px 0 6px}h3{font-size:15px;margin:12px 0 4px}.note{color:#555;margin:0 0 8px}
.scroll{overflow-x:auto}.axis{font-size:11px;fill:#444}.value{font-size:11px}.grid{stroke:#e4e4e4}
.legend{margin:4px 0}.key{margin-right:14px;font-size:12px}.key i{display:inline-block;width:11px;height:11px;
margin-right:4px;border-radius:2px;vertical-align:-1px}.empty{color:#777;font-style:italic}
table{border-collapse:collapse;font-size:13px}th,td{border-bottom:1px solid #e6e6e6;padding:4px 8px;text-align:left}
th{background:#f0f3f7}.code b{display:inline-block;min-width:14px}.code-2 b,.code-1 b{color:#1b6e3a}
.code-0 b{color:#a23}.code-dot b{color:#999}.evidence{margin-left:6px;font-size:11px}.evidence a{margin-right:3px}
.flag-reliable td:nth-child(4){color:#1b6e3a;font-weight:600}.flag-tentative td:nth-child(4){color:#a66a00}
.flag-unreliable td:nth-child(4){color:#a23}.flag-too-few td:nth-child(4){color:#666;font-style:italic}
ul.gaps{columns:3;margin:4px 0}footer{color:#777;font-size:12px;padding:0 32px 24px}
svg.chart-svg{max-width:100%;height:auto}.pair{display:flex;flex-wrap:wrap;gap:8px 24px}
.pair>div{flex:1 1 300px}
.scroll{background:linear-gradient(90deg,#fff 30%,#fff0) left/32px 100% no-repeat local,
linear-gradient(270deg,#fff 30%,#fff0) right/32px 100% no-repeat local,
radial-gradient(farthest-side at 0 50%,#0003,#0000) left/10px 100% no-repeat scroll,
radial-gradient(farthest-side at 100% 50%,#0003,#0000) right/10px 100% no-repeat scroll}
@media (max-width:600px){header{padding:14px 16px}header h1{font-size:20px}main{padding:4px 12px 24px}
section.chart{padding:10px 10px}ul.gaps{columns:1}.fact{padding:6px 10px}}
"""


def render(
    store: Store,
    *,
    codebook: CodeTree | None = None,
    advance: Callable[[int], None] = lambda n: None,
    until: str | None = None,
) -> str:
    """The whole report as one HTML string; `until` cuts the kommune table's evidence at that date."""
    codebook = codebook or load_code_tree()
    counts = sql.content_counts(store)
    if counts["documents"] == 0:
        raise NothingToExport(
            f"{store.path} has no documents yet, so there is nothing to report. "
            "Run `lhl scrape` or `lhl ingest`, then `lhl tag`."
        )
    data, summaries = collect(store, advance, until=until)
    coders = sql.coders(store)
    facts = [
        ("kommuner", len(summaries)),
        ("dokumenter", counts["documents"]),
        ("med tekst", counts["texts"]),
        ("passasjer", counts["passages"]),
        ("kodet av mennesker (endelig)", data.basis["human"]),
        ("kun maskinforslag", data.basis["machine"]),
        ("kodere", len(coders)),
    ]
    fact_html = "".join(f'<div class="fact"><b>{n}</b>{_e(label)}</div>' for label, n in facts)
    sections = [
        _documents_section(data),
        _reform_section(data, codebook),
        _areas_section(
            data, codebook, data.area_county, data.reform_county, "areas-county", "Innsatsområder etter fylke", "fylke"
        ),
        _areas_section(
            data,
            codebook,
            data.area_doctype,
            data.reform_doctype,
            "areas-doctype",
            "Innsatsområder etter dokumenttype",
            "dokumenttype",
        ),
        _framing_section(data, codebook),
        _coverage_section(store, summaries),
        vedlegg_section(summaries),
        figures_section(summaries),
        _reliability_section(store, codebook),
    ]
    now = utcnow()
    return (
        '<!DOCTYPE html><html lang="nb"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Leve hele livet – rapport</title><style>{STYLE}</style></head><body>"
        f"<header><h1>Leve hele livet i kommunale dokumenter</h1><p>{_e(store.path.name)} · {_e(now)} · "
        f"kodebok {_e(codebook.version)}</p></header><main>"
        f'<div class="facts">{fact_html}</div>'
        '<p class="note">Kodene er den endelige menneskelige koden der en passasje har en (avgjort eller enige '
        "kodere), ellers maskinens forslag.</p>"
        + "".join(sections)
        + f"</main><footer>Laget med lhl-mining {_e(__version__)}.</footer></body></html>"
    )


def write_report(
    store: Store,
    out: str | os.PathLike,
    *,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
    until: str | None = None,
) -> ExportResult:
    """Render the report and write it to `out` (atomically; refuses to overwrite without `force`)."""
    check_output(Path(out), force=force)
    page = render(store, advance=progress or (lambda n: None), until=until)
    with atomic_output(out, force=force) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return ExportResult(
        path=Path(out),
        format="report",
        counts={"bytes": len(page.encode("utf-8")), "charts": page.count('class="chart-svg"')},
    )
