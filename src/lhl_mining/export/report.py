"""`lhl report`: one self-contained HTML file with the project's numbers and charts.

Charts are inline SVG drawn here (no scripts, fonts or images fetched from
anywhere), so the file opens offline, prints, and can be mailed as it is.
Sections: documents per kommune and year, reform mentions over time, focus
areas by county and by document type, samfunn vs sektor per kommune, coverage
gaps, the Vedlegg-2 table with its evidence, and inter-coder reliability when
two or more coders have coded (coders only; `lhl reliability` adds the machine).

Codes are the final human code where a passage has one, else the machine's
suggestion; the report says how many passages each basis covers.
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
from ..errors import LhlError, NothingToExport
from ..store import Store, utcnow
from ..store import exports as sql
from .base import ExportResult
from .codebook import Codebook, load_codebook
from .model import AREAS, passage_records
from .output import atomic_output, check_output
from .figures import figures_section, vedlegg_section
from .summary import KommuneSummary, build_summary, kommune_label

MAX_ROWS = 60  # kommuner shown in per-kommune charts (the busiest); the rest are counted in a note
AREA_NAMES = {"aldersvennlig": "Aldersvennlig", "aktivitet": "Aktivitet", "mat": "Mat", "helsehjelp": "Helsehjelp",
              "sammenheng": "Sammenheng"}
DOC_TYPE_NAMES = {
    "saksframlegg": "Saksframlegg", "saksprotokoll": "Saksprotokoll/særutskrift", "moteinnkalling": "Møteinnkalling",
    "moteprotokoll": "Møteprotokoll", "planstrategi": "Planstrategi", "samfunnsdel": "Samfunnsdel",
    "arealdel": "Arealdel", "helse_omsorgsplan": "Helse- og omsorgsplan", "okonomiplan": "Handlings- og økonomiplan",
    "lhl_plan": "Plan for Leve hele livet", "other": "Annet",
}
STATUS_COLORS = {"extracted": "#4C9F70", "downloaded": "#9BC4A8", "needs_ocr": "#E0A030", "failed": "#C8453C",
                 "discovered": "#B0B0B0", "skipped": "#D0D0D0", "duplicate": "#E8E8E8"}


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


def _year(date: str | None) -> str:
    return date[:4] if date and date[:4].isdigit() else "ukjent"


def collect(store: Store, advance: Callable[[int], None] = lambda n: None) -> ReportData:
    """One pass over the passages, counting by year, county, document type and kommune."""
    data = ReportData()
    for row in sql.documents_per_kommune_year(store):
        key = (row["knr"] or "", row["year"] or "ukjent")
        data.documents_year[key] = data.documents_year.get(key, 0) + row["n"]
        data.kommune_names[row["knr"] or ""] = kommune_label(row["knr"], row["kommune"]) if row["knr"] else "(uten kommune)"
    for _, records in groupby(passage_records(sql.iter_passage_rows(store)), key=lambda r: r.row["document_id"]):
        mentions = False
        for record in records:
            row = record.row
            data.n_passages += 1
            decision = record.best()
            data.basis["human" if record.final else "machine" if record.machine else "none"] += 1
            advance(1)
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
    return data


# ---------------------------------------------------------------- SVG helpers
def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _mix(color: str, share: float) -> str:
    """`color` faded towards white: share 0 → near white, 1 → full colour."""
    share = max(0.0, min(1.0, share))
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    weight = 0.12 + 0.88 * share
    return "#" + "".join(f"{round(255 - (255 - c) * weight):02x}" for c in (r, g, b))


def _text_color(share: float) -> str:
    return "#ffffff" if share > 0.55 else "#222222"


def heatmap(rows: Sequence[tuple[str, str]], columns: Sequence[tuple[str, str]], values: dict[tuple[str, str], int],
            color: str | dict[str, str], *, label_width: int = 170, normalise_rows: bool = False,
            cell_w: int = 64) -> str:
    """Rows × columns of counts; `rows`/`columns` are (key, label); colour per column or one colour."""
    cell_h, top = 22, 40
    width = label_width + cell_w * len(columns) + 10
    height = top + cell_h * len(rows) + 10
    peak = max([values.get((r, c), 0) for r, _ in rows for c, _ in columns] + [1])
    parts = [f'<svg class="chart-svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">']
    for j, (_, label) in enumerate(columns):
        x = label_width + j * cell_w + cell_w / 2
        parts.append(f'<text class="axis" x="{x}" y="{top - 10}" text-anchor="middle">{_e(label)}</text>')
    for i, (rkey, rlabel) in enumerate(rows):
        y = top + i * cell_h
        row_peak = max([values.get((rkey, c), 0) for c, _ in columns] + [1]) if normalise_rows else peak
        parts.append(f'<text class="axis" x="{label_width - 8}" y="{y + cell_h * 0.68}" text-anchor="end">{_e(rlabel)}</text>')
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
                parts.append(f'<text class="value" x="{x + cell_w / 2}" y="{y + cell_h * 0.68}" text-anchor="middle" '
                             f'fill="{_text_color(share)}">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(categories: Sequence[str], series: Sequence[tuple[str, str, Sequence[int]]]) -> str:
    """Vertical grouped bars: `series` is (name, colour, values per category)."""
    width, height, left, bottom, top = 760, 280, 48, 36, 16
    plot_w, plot_h = width - left - 10, height - top - bottom
    step = max(1, -(-max([v for _, _, values in series for v in values] + [1]) // 4))
    peak = 4 * step
    group_w = plot_w / max(len(categories), 1)
    bar_w = min(36.0, group_w * 0.8 / max(len(series), 1))
    parts = [f'<svg class="chart-svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">']
    for k in range(5):
        value = peak * k / 4
        y = top + plot_h - plot_h * k / 4
        parts.append(f'<line class="grid" x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:.0f}</text>')
    for i, category in enumerate(categories):
        x0 = left + i * group_w + (group_w - bar_w * len(series)) / 2
        for s, (name, color, values) in enumerate(series):
            value = values[i]
            h = plot_h * value / peak
            x = x0 + s * bar_w
            parts.append(f'<rect class="mark" x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 2:.1f}" '
                         f'height="{max(h, 0.5):.1f}" fill="{color}"><title>{_e(category)} · {_e(name)}: {value}'
                         f'</title></rect>')
        parts.append(f'<text class="axis" x="{left + i * group_w + group_w / 2:.1f}" y="{height - bottom + 18}" '
                     f'text-anchor="middle">{_e(category)}</text>')
    parts.append("</svg>")
    legend = "".join(f'<span class="key"><i style="background:{c}"></i>{_e(n)}</span>' for n, c, _ in series)
    return f'<div class="legend">{legend}</div>' + "".join(parts)


def stacked_bars(rows: Sequence[tuple[str, str]], segments: Sequence[tuple[str, str, str]],
                 values: dict[str, Counter], *, label_width: int = 170) -> str:
    """Horizontal 100 % bars per row; `segments` is (key, label, colour); counts shown in tooltips."""
    bar_w, row_h, top = 520, 22, 8
    width, height = label_width + bar_w + 70, top + row_h * len(rows) + 8
    parts = [f'<svg class="chart-svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">']
    for i, (key, label) in enumerate(rows):
        y = top + i * row_h
        counts = values.get(key, Counter())
        total = sum(counts[s] for s, _, _ in segments)
        parts.append(f'<text class="axis" x="{label_width - 8}" y="{y + row_h * 0.68}" text-anchor="end">{_e(label)}</text>')
        x = float(label_width)
        for seg, seg_label, color in segments:
            if not counts[seg] or not total:
                continue
            w = bar_w * counts[seg] / total
            parts.append(f'<rect class="mark" x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{row_h - 4}" '
                         f'fill="{color}"><title>{_e(label)} · {_e(seg_label)}: {counts[seg]} '
                         f'({100 * counts[seg] / total:.0f} %)</title></rect>')
            x += w
        parts.append(f'<text class="value" x="{label_width + bar_w + 6}" y="{y + row_h * 0.68}">{total}</text>')
    parts.append("</svg>")
    legend = "".join(f'<span class="key"><i style="background:{c}"></i>{_e(n)}</span>' for _, n, c in segments)
    return f'<div class="legend">{legend}</div>' + "".join(parts)


# ---------------------------------------------------------------- sections
def _figure(chart_id: str, title: str, body: str, note: str = "") -> str:
    note_html = f'<p class="note">{note}</p>' if note else ""
    return (f'<section class="chart" id="{chart_id}" data-chart="{chart_id}"><h2>{_e(title)}</h2>{note_html}'
            f'<div class="scroll">{body}</div></section>')


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
    totals = Counter()
    for (k, _), n in data.documents_year.items():
        totals[k] += n
    shown, hidden = _busiest(kommuner, lambda k: totals[k])
    rows = [(k, data.kommune_names.get(k, k)) for k in shown]
    note = "År = møtedato, ellers dokumentdato, ellers nedlastingsdato."
    if hidden:
        note += f" De {len(shown)} kommunene med flest dokumenter; {hidden} til er ikke vist."
    body = heatmap(rows, [(y, y) for y in years], data.documents_year, "#2F6DB5")
    return _figure("documents", "Dokumenter per kommune og år", body, note)


def _reform_section(data: ReportData, codebook: Codebook) -> str:
    years = sorted(set(data.reform_passages_year) | set(data.reform_documents_year))
    if not years:
        return _figure("reform", "Omtale av reformen over tid", _empty("Ingen passasjer er kodet med reformen ennå."))
    color = (codebook.get("reform") or codebook.codes[0]).color
    body = bar_chart(years, [
        ("Dokumenter som nevner reformen", "#8DB3E2", [data.reform_documents_year[y] for y in years]),
        ("Passasjer om reformen", color, [data.reform_passages_year[y] for y in years]),
    ])
    return _figure("reform", "Omtale av reformen over tid", body, "År = møtedato, ellers dokumentdato.")


def _area_colors(codebook: Codebook) -> dict[str, str]:
    out = {}
    for area in AREAS:
        code = codebook.get(f"area.{area}")
        out[area] = code.color if code else "#555555"
    return out


def _areas_section(data: ReportData, codebook: Codebook, counter: Counter, reform: Counter, chart_id: str,
                   title: str, what: str) -> str:
    keys = sorted({k for k, _ in counter})
    if not keys:
        return _figure(chart_id, title, _empty("Ingen passasjer er kodet med innsatsområder ennå."))
    rows = [(k, f"{DOC_TYPE_NAMES.get(k, k)} ({reform[k]})") for k in keys]
    columns = [(a, AREA_NAMES[a]) for a in AREAS]
    body = heatmap(rows, columns, dict(counter), _area_colors(codebook), label_width=230, normalise_rows=True,
                   cell_w=96)
    note = (f"Passasjer per innsatsområde og {what}; fargen er andelen innen raden. "
            "Tallet i parentes er passasjer som nevner reformen.")
    return _figure(chart_id, title, body, note)


def _framing_section(data: ReportData, codebook: Codebook) -> str:
    def color(code: str, default: str) -> str:
        found = codebook.get(code)
        return found.color if found else default

    segments = [("samfunn", "Samfunn", color("framing.samfunn", "#17BECF")), ("begge", "Begge", "#9E9AC8"),
                ("sektor", "Sektor", color("framing.sektor", "#BCBD22"))]
    framed = {k: c for k, c in data.framing_kommune.items() if c["samfunn"] + c["sektor"] + c["begge"]}
    if not framed:
        return _figure("framing", "Samfunn- eller sektorreform per kommune", _empty("Ingen passasjer har framing ennå."))
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
        parts.append("<h3>Dokumentstatus der noe mangler</h3>"
                     + stacked_bars([(k, names[k]) for k in shown], segments, statuses))
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
        parts.append(f"<h3>Hull fra siste skraping ({len(scrape)})</h3><table class=\"gaps-table\"><thead><tr>"
                     "<th>Kommune</th><th>Plattform</th><th>Status</th><th>Periode</th><th>Hull</th></tr></thead>"
                     f"<tbody>{rows}</tbody></table>")
    if not parts:
        parts.append(_empty("Ingen dekningshull: alle kommuner har lesbare dokumenter."))
    return _figure("coverage", "Dekningshull", "".join(parts),
                   "Kommuner i prosjektet (med kilde eller dokument) der dokumenter mangler, feilet eller trenger OCR, "
                   "og portaler som ikke viste hele perioden ved siste skraping.")


def _reliability_section(store: Store) -> str:
    from ..learn import reliability as rel

    if len(sql.coders(store)) < 2:
        return _figure("reliability", "Reliabilitet mellom kodere",
                       _empty("Reliabilitet krever koding fra minst to kodere."))
    try:
        # Coders only: with the machine added, `reliability` loads every suggestion of the project.
        result = rel.reliability(store, None, include_machine=False, samples=200)
    except LhlError as exc:
        return _figure("reliability", "Reliabilitet mellom kodere", _empty(exc.message))
    rows = rel.flat_rows(result)
    columns = ("raters", "code", "alpha", "ci95", "flag", "agreement", "units", "prevalence")
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = "".join(
        f'<tr class="flag-{_e(r["flag"])}">' + "".join(f"<td>{_e('–' if r[c] is None else r[c])}</td>" for c in columns)
        + "</tr>"
        for r in rows
    )
    units = result["units"]
    note = (f"Krippendorffs α (nominal), kodere {_e(', '.join(result['coders']))}: {units['pairable']} passasjer kodet "
            f"av minst to, {units['single_coder']} av én. ≥ .800 pålitelig, .667–.800 foreløpig. "
            "Maskinen mot koderne: <code>lhl reliability</code>.")
    table = f'<table class="reliability"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    return _figure("reliability", "Reliabilitet mellom kodere", table, note)


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
.flag-reliable td:nth-child(5){color:#1b6e3a}.flag-tentative td:nth-child(5){color:#a66a00}
.flag-unreliable td:nth-child(5){color:#a23}ul.gaps{columns:3;margin:4px 0}
footer{color:#777;font-size:12px;padding:0 32px 24px}
"""


def render(store: Store, *, codebook: Codebook | None = None, advance: Callable[[int], None] = lambda n: None,
           until: str | None = None) -> str:
    """The whole report as one HTML string; `until` cuts the kommune table's evidence at that date."""
    codebook = codebook or load_codebook()
    counts = sql.content_counts(store)
    if counts["documents"] == 0:
        raise NothingToExport(
            f"{store.path} has no documents yet, so there is nothing to report. "
            "Run `lhl scrape` or `lhl ingest`, then `lhl tag`."
        )
    data = collect(store, advance)
    summaries = build_summary(store, "final", required=False, until=until)
    advance(counts["passages"])
    coders = sql.coders(store)
    facts = [
        ("kommuner", len(summaries)), ("dokumenter", counts["documents"]), ("med tekst", counts["texts"]),
        ("passasjer", counts["passages"]), ("kodet av mennesker (endelig)", data.basis["human"]),
        ("kun maskinforslag", data.basis["machine"]), ("kodere", len(coders)),
    ]
    fact_html = "".join(f'<div class="fact"><b>{n}</b>{_e(label)}</div>' for label, n in facts)
    sections = [
        _documents_section(data),
        _reform_section(data, codebook),
        _areas_section(data, codebook, data.area_county, data.reform_county, "areas-county",
                       "Innsatsområder etter fylke", "fylke"),
        _areas_section(data, codebook, data.area_doctype, data.reform_doctype, "areas-doctype",
                       "Innsatsområder etter dokumenttype", "dokumenttype"),
        _framing_section(data, codebook),
        _coverage_section(store, summaries),
        vedlegg_section(summaries),
        figures_section(summaries),
        _reliability_section(store),
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


def write_report(store: Store, out: str | os.PathLike, *, force: bool = False,
                 progress: Callable[[int], None] | None = None, until: str | None = None) -> ExportResult:
    """Render the report and write it to `out` (atomically; refuses to overwrite without `force`)."""
    check_output(Path(out), force=force)
    page = render(store, advance=progress or (lambda n: None), until=until)
    with atomic_output(out, force=force) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return ExportResult(path=Path(out), format="report",
                        counts={"bytes": len(page.encode("utf-8")), "charts": page.count('class="chart-svg"')})
