"""The `lhl` command line: parses arguments, shows progress, prints results.

No logic lives here; every command calls a function of the `lhl_mining`
package.  Errors the user can act on (`LhlError`) are printed as one line and
end the command with their exit code (2 for bad arguments).
"""

from __future__ import annotations

import csv
import enum
import json
import sqlite3
import sys
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from lhl_mining import __version__, registry
from lhl_mining.errors import LhlError
from lhl_mining.store import Store, database_error, default_db_path

console = Console()
err_console = Console(stderr=True)


# `lhl --help` lists commands in the order of the workflow, not of the source.
COMMAND_ORDER = [
    "demo",
    "init",
    "status",
    "kommuner",
    "sources",
    "scrape",
    "prefilter",
    "ingest",
    "codebook",
    "classify",
    "tag",
    "search",
    "words",
    "review",
    "train",
    "models",
    "evaluate",
    "reliability",
    "export",
    "report",
]


class _LhlGroup(TyperGroup):
    """Turns `LhlError` (and any SQLite failure, as its numbered error) into a one-line message and its exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(COMMAND_ORDER)}
        return sorted(names, key=lambda name: (rank.get(name, len(rank)), names.index(name)))

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (LhlError, sqlite3.Error) as exc:
            error = exc if isinstance(exc, LhlError) else database_error(exc)
            err_console.print(f"[bold red]Error[/] {error}", highlight=False, soft_wrap=True)
            ctx.exit(error.exit_code)


app = typer.Typer(
    cls=_LhlGroup,
    help="Mine municipal documents for the elder-care reform «Leve hele livet»: scrape, extract, tag, review, export.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


class OutputFormat(str, enum.Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"lhl-mining {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option("--db", envvar="LHL_DB", help="SQLite database file \\[default: lhl.db in the working folder]."),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    ctx.obj = {"db": db or default_db_path()}


DbOption = Annotated[
    Path | None,
    typer.Option("--db", show_default=False, help="SQLite database file (the same as `lhl --db PATH`; this one wins)."),
]


def _db_path(ctx: typer.Context, db: Path | None) -> Path:
    """The database named nearest the command: `lhl review assign --db`, `lhl review --db`, `lhl --db`, LHL_DB, lhl.db."""
    if db is not None:
        return db
    parent = ctx.parent
    while parent is not None and parent.parent is not None:
        if parent.params.get("db") is not None:
            return parent.params["db"]
        parent = parent.parent
    return ctx.find_root().obj["db"]


def _emit_rows(rows: list[dict[str, Any]], columns: list[str], fmt: OutputFormat, title: str | None = None) -> None:
    """Print rows as a table, CSV or JSON (CSV and JSON carry every column)."""
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt is OutputFormat.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(str(row.get(c, "")) for c in columns))
        console.print(table)


@app.command()
def init(ctx: typer.Context, db: DbOption = None) -> None:
    """Create the database, or upgrade it to the current schema."""
    with Store.open(_db_path(ctx, db), create=True) as store:
        console.print(f"Database {store.path} is ready (schema {store.schema_version()}).")


@app.command()
def status(ctx: typer.Context, db: DbOption = None) -> None:
    """Show what the database holds: kommuner, documents by status, passages, suggestions, codings."""
    with Store.open(_db_path(ctx, db), readonly=True) as store:
        counts = store.status_counts()
    table = Table(title=f"{counts['database']} (schema {counts['schema']})", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("kommuner", str(counts["kommuner"]))
    table.add_row("sources", str(counts["sources"]))
    table.add_row("documents", str(sum(counts["documents"].values())))
    for doc_status, n in counts["documents"].items():
        table.add_row(f"  {doc_status}", str(n))
    table.add_row("passages", str(counts["passages"]))
    table.add_row("suggestions (current)", str(counts["suggestions"]))
    table.add_row("codings", str(sum(counts["codings"].values())))
    for coder, n in counts["codings"].items():
        table.add_row(f"  by {coder}", str(n))
    table.add_row("runs", str(counts["runs"]))
    console.print(table)


@app.command()
def kommuner(
    county: Annotated[
        str | None,
        typer.Option(
            "--county",
            "-c",
            help="County name (2024 or 2020–2023, any case, æøå optional) or number, e.g. Innlandet, ostfold, 34, Viken.",
        ),
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.table,
) -> None:
    """List kommuner from the bundled registry, with their meeting-platform hints."""
    rows = [k.as_dict() for k in registry.kommuner_in(county)]
    title = f"{len(rows)} kommuner" + (f" in {county}" if county else "")
    _emit_rows(rows, ["knr", "name", "county", "meetings_platform", "meetings_url"], fmt, title=title)


# ---------------------------------------------------------------- ingest


@app.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help="Files or folders (read recursively) to add.", show_default=False)
    ],
    kommune: Annotated[
        str | None, typer.Option("--kommune", "-k", help="Kommune the documents belong to (number or name).")
    ] = None,
    doc_type: Annotated[
        str | None,
        typer.Option("--doc-type", help="Document type for all files instead of detecting it (e.g. saksframlegg)."),
    ] = None,
    ocr: Annotated[bool, typer.Option("--ocr", help="OCR scanned PDFs (needs ocrmypdf + tesseract-ocr-nor).")] = False,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Try files that failed before again.")] = False,
    corpus: Annotated[
        Path | None,
        typer.Option("--corpus", help="Folder keeping a copy of every file by content hash \\[default: ./corpus]."),
    ] = None,
    max_mb: Annotated[float, typer.Option("--max-mb", help="Refuse files larger than this many MB.")] = 200,
    max_pages: Annotated[int, typer.Option("--max-pages", help="Refuse PDFs with more pages.")] = 3000,
    pdf_engine: Annotated[
        str, typer.Option("--pdf-engine", help="PDF text engine: pypdfium2 (fast) or pdfplumber.")
    ] = "pypdfium2",
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds one file may take before it is failed.")] = 600,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Files extracted at once (one core each).")] = 2,
    db: DbOption = None,
) -> None:
    """Add local PDF, Word, HTML and text files: extract, clean, type and split them into passages."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from lhl_mining.ingest import (
        DEFAULT_CORPUS,
        IngestLimits,
        IngestOptions,
        IngestResult,
        discover_files,
        ocr_missing_tools_message,
        run_ingest,
    )

    options = IngestOptions(
        corpus_dir=corpus or DEFAULT_CORPUS, knr=kommune, doc_type=doc_type, ocr=ocr, retry_failed=retry_failed,
        limits=IngestLimits.of(max_mb=max_mb, max_pages=max_pages, pdf_engine=pdf_engine, timeout_s=timeout),
        jobs=jobs,
    )  # fmt: skip
    files = discover_files(paths)
    if ocr and (problem := ocr_missing_tools_message()):
        err_console.print(f"[yellow]Warning[/] {problem} Scanned PDFs stay `needs_ocr`.", highlight=False)
    with Store.open(_db_path(ctx, db), create=True) as store, Progress(
        TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        TextColumn("{task.description}"), console=err_console, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("", total=len(files))

        def advance(file: Path, result: IngestResult) -> None:
            progress.update(task, advance=1, description=file.name[-50:])

        summary = run_ingest(store, paths, files, options, on_file=advance)
    table = Table(title=f"Ingested {summary.files} file(s)", title_justify="left", show_header=False)
    table.add_column("outcome")
    table.add_column("files", justify="right")
    for key in sorted(summary.outcomes):
        table.add_row(key, str(summary.outcomes[key]))
    table.add_row("passages written", str(summary.passages))
    console.print(table)
    for file, message in summary.problems:
        err_console.print(f"[yellow]{file}[/]: {message}", highlight=False, soft_wrap=True)


# ---------------------------------------------------------------- learning: train, evaluate, reliability

ModelsDirOption = Annotated[
    Path | None,
    typer.Option(
        "--models-dir",
        envvar="LHL_MODELS",
        help="Folder for trained models \\[default: beside the database, lhl.db → lhl.models/].",
    ),
]


@app.command()
def train(
    ctx: typer.Context,
    gold: Annotated[
        Path | None, typer.Option("--gold", help="Train from this gold JSONL file instead of the database's codings.")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Model name (its version) \\[default: lhl-<UTC time>].")
    ] = None,
    models_dir: ModelsDirOption = None,
    cv_folds: Annotated[
        int, typer.Option("--cv-folds", help="Cross-validation folds for the metrics; 0 skips them.")
    ] = 5,
    rules: Annotated[
        bool, typer.Option("--rules/--no-rules", help="Use codebook-hit features and blend with the rules.")
    ] = True,
    rescore: Annotated[
        bool,
        typer.Option(
            "--rescore/--no-rescore",
            help="After training from the database, re-score undecided passages "
            "so the review queue's least-confident order follows the new model.",
        ),
    ] = True,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick", help="Retrain between sittings: no cross-validation, keep the newest model's rules blend."
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Train a classifier on coded passages (or a gold JSONL file) and save it beside the database (lhl.models/)."""
    from lhl_mining.learn import files, labellers
    from lhl_mining.learn.train import default_model_name, train_from_gold, train_from_store

    folder = models_dir or files.default_models_dir(_db_path(ctx, db))
    name = name or default_model_name()
    rule_labeller = labellers.default_rule_labeller() if rules else None
    outcome = None
    with console.status("Training") as spinner:
        if gold is not None:
            trained = train_from_gold(
                gold,
                name=name,
                models_dir=folder,
                rules=rule_labeller,
                cv_folds=cv_folds,
                quick=quick,
                progress=spinner.update,
            )
        else:
            with Store.open(_db_path(ctx, db)) as store:
                outcome = train_from_store(
                    store,
                    name=name,
                    models_dir=folder,
                    rules=rule_labeller,
                    cv_folds=cv_folds,
                    quick=quick,
                    rescore=rescore,
                    progress=spinner.update,
                )
            trained = outcome.trained
    if outcome is not None:
        coded_set = outcome.coded
        console.print(
            f"{len(coded_set.passages)} coded passages ({coded_set.adjudicated} adjudicated, {coded_set.agreed} decided); "
            f"{len(coded_set.disagreed)} with disagreeing coders left out until adjudicated."
        )
    meta = trained.meta
    console.print(
        f"Saved model [bold]{name}[/] to {folder} ({meta['file_bytes'] / 1e6:.1f} MB, "
        f"{meta['n_passages']} passages, {meta['train_seconds']:.1f} s)."
    )
    for code, why in meta["left_to_rules"].items():
        console.print(f"  {code}: left to the rules ({why})")
    cv = meta["cross_validation"]
    if "blend_from" in cv:
        console.print(f"  quick retrain: no cross-validation; rules blend kept from model {cv['blend_from']}.")
    for who in ("rules", "model", "combined"):
        if who in cv:
            s = cv[who]["summary"]
            console.print(
                f"  cross-validated {who:<8} reform F1 {s['reform_f1']:.3f}  areas micro-F1 "
                f"{s['areas_micro_f1']:.3f}  framing macro-F1 {s['framing_macro_f1']:.3f}"
            )
    if outcome is not None and outcome.rescored is not None:
        counts = outcome.rescored
        console.print(
            f"Re-scored {counts['passages']} undecided passages with {counts['labeller']} "
            f"({counts['unsure']} unsure: some code within 0.1 of 0.5)."
        )


@app.command()
def evaluate(
    ctx: typer.Context,
    gold: Annotated[
        Path | None, typer.Option("--gold", help="Gold JSONL file (the `lhl classify` format plus text) to score on.")
    ] = None,
    model: Annotated[str | None, typer.Option("--model-version", help="Model name \\[default: the newest].")] = None,
    models_dir: ModelsDirOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    db: DbOption = None,
) -> None:
    """Score the rules, the model and both combined: per-code precision/recall/F1 and confusion matrices."""
    from lhl_mining.errors import UsageError
    from lhl_mining.learn import coded, dataset, files, labellers
    from lhl_mining.learn.evaluate import evaluate_labellers, format_report

    if fmt not in ("table", "json"):
        raise UsageError(f"Unknown format {fmt!r}; use table or json.")
    trained = files.load_model(files.find_model(model, models_dir or files.default_models_dir(_db_path(ctx, db))))
    if gold is not None:
        passages = dataset.read_gold(gold)
        if seen := dataset.learned_from(trained.meta, passages):
            err_console.print(
                f"[yellow]Note[/] model {trained.name} learned from {seen} of these {len(passages)} passages: "
                "its scores on them are in-sample, not what it does on new text (docs/learning.md).",
                highlight=False,
                soft_wrap=True,
            )
    else:
        with Store.open(_db_path(ctx, db), readonly=True) as store:
            passages = coded.held_out_passages(store, trained)
        err_console.print(f"Scoring on {len(passages)} coded passages that model {trained.name} did not learn from.")
    results = evaluate_labellers(passages, labellers.compared_labellers(trained))
    if fmt == "json":
        typer.echo(
            json.dumps({"model": trained.name, "n": len(passages), "results": results}, ensure_ascii=False, indent=2)
        )
    else:
        typer.echo(f"{len(passages)} passages; model {trained.name}\n")
        typer.echo(format_report(results))


@app.command()
def reliability(
    ctx: typer.Context,
    coders: Annotated[str | None, typer.Option("--coders", help="Comma-separated coders \\[default: all].")] = None,
    machine: Annotated[
        bool, typer.Option("--machine/--no-machine", help="Add the machine's current suggestions as a coder.")
    ] = True,
    samples: Annotated[
        int, typer.Option("--bootstrap", help="Bootstrap samples for the 95 % intervals (0: none).")
    ] = 1000,
    blind_only: Annotated[
        bool, typer.Option("--blind-only", help="Only blind decisions (double-coding assignments).")
    ] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Inter-coder reliability: Krippendorff's α per code with 95 % CIs, Cohen's κ per pair, machine vs coders."""
    from lhl_mining.learn import reliability as rel

    chosen = [c.strip() for c in coders.split(",") if c.strip()] if coders else None
    with Store.open(_db_path(ctx, db), readonly=True) as store:
        result = rel.reliability(store, chosen, include_machine=machine, samples=samples, blind_only=blind_only)
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    rows = rel.flat_rows(result)
    if fmt is OutputFormat.csv:
        _emit_rows(rows, list(rows[0]), fmt)
        return
    units = result["units"]
    console.print(
        f"Krippendorff's α (nominal), coders {', '.join(result['coders'])}"
        f"{' (blind decisions only)' if blind_only else ''}: {units['pairable']} passages decided "
        f"by 2+ coders, {units['single_coder']} by one only (missing data). α ≥ .800 reliable, .667–.800 tentative.",
        highlight=False,
    )
    colours = {"reliable": "green", "tentative": "yellow", "unreliable": "red", "undefined": "dim"}
    for raters in dict.fromkeys(row["raters"] for row in rows):
        table = Table(title=f"α per code: {raters}", title_justify="left")
        for column in ("code", "α", "95% CI", "flag", "agree", "n", "prevalence"):
            table.add_column(column, no_wrap=column in ("code", "flag", "95% CI"))
        for row in rows:
            if row["raters"] != raters:
                continue
            table.add_row(
                row["code"],
                "–" if row["alpha"] is None else f"{row['alpha']:.3f}",
                row["ci95"] or "–",
                f"[{colours[row['flag']]}]{row['flag']}[/]",
                "–" if row["agreement"] is None else f"{row['agreement']:.3f}",
                str(row["units"]),
                str(row["prevalence"]),
            )
        console.print(table)
    macro = [("coders", result["macro_alpha"])]
    if result["machine"]:
        macro.append(("coders+machine", result["machine"]["macro_alpha"]))
    console.print(
        "Mean α over the codes: "
        + ", ".join(f"{who} {'–' if value is None else f'{value:.3f}'}" for who, value in macro),
        highlight=False,
    )
    pairs = Table(title="Cohen's κ per pair", title_justify="left")
    for column in ("coder a", "coder b", "code", "κ", "agree", "n"):
        pairs.add_column(column)
    for p in rel.pair_rows(result):
        pairs.add_row(
            p["coder_a"],
            p["coder_b"],
            p["code"],
            "–" if p["kappa"] is None else f"{p['kappa']:.3f}",
            "–" if p["percent_agreement"] is None else f"{p['percent_agreement']:.3f}",
            str(p["n_units"]),
        )
    console.print(pairs)


def _export_progress(total: int, label: str):
    """A rich progress bar on stderr (or nothing when there is nothing to walk)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=total == 0,
    )
    task = progress.add_task(label, total=total or None)
    return progress, lambda n: progress.advance(task, n)


@app.command("export")
def export_command(
    ctx: typer.Context,
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help="qdpx | qdc | csv | xlsx | jsonl | nvivo-sheet | summary | figures."),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="File to write (its ending picks csv/xlsx/jsonl/txt where a format has several)."
        ),
    ],
    level: Annotated[
        str | None, typer.Option("--level", help="csv/xlsx/jsonl: passage | document | kommune \\[default: passage].")
    ] = None,
    codings: Annotated[
        str,
        typer.Option(
            "--codings", help="final (adjudicated or agreed human codes) | all (every coder) | machine (suggestions)."
        ),
    ] = "final",
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
    target: Annotated[
        str | None,
        typer.Option(
            "--for", help="qdpx: nvivo | qualcoder, whose position rule texts with emoji follow \\[default: nvivo]."
        ),
    ] = None,
    labels: Annotated[
        str | None,
        typer.Option("--labels", help="csv/xlsx/jsonl headers: en (snake_case) | nb (Norwegian) \\[default: en]."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            help="summary, nvivo-sheet, qdpx: kommune table from evidence dated up to this day "
            "(e.g. 2021-12-15, where the evaluators stopped).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Export codes and documents for NVivo/QualCoder/ATLAS.ti/MAXQDA (REFI-QDA), spreadsheets or the Vedlegg-2 kommune table."""
    from lhl_mining import export as exports

    options = {"level": level, "codings": codings, "force": force, "target": target, "labels": labels, "until": until}
    chosen, _ = exports.prepare_export(fmt, out, **options)
    if not chosen.needs_database:
        result = exports.export(None, fmt, out, **options)
    else:
        with Store.open(_db_path(ctx, db), readonly=True) as store:
            progress, advance = _export_progress(exports.total_work(store, chosen), f"export {fmt}")
            with progress:
                result = exports.export(store, fmt, out, progress=advance, **options)
    counts = ", ".join(f"{n} {what}" for what, n in result.counts.items())
    console.print(f"Wrote {result.path} ({counts}).")
    for warning in result.warnings:
        err_console.print(f"[yellow]Note[/] {warning}", highlight=False)


@app.command()
def report(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path("report.html"),
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
    until: Annotated[
        str | None, typer.Option("--until", help="Kommune table and its figures from evidence dated up to this day.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Write one self-contained HTML report with charts: coverage, reform mentions, focus areas, framing, reliability."""
    from lhl_mining import export as exports
    from lhl_mining.export import report as reporting

    reporting.check_report_output(out, force=force)
    until = exports.check_until(until)
    with Store.open(_db_path(ctx, db), readonly=True) as store:
        progress, advance = _export_progress(reporting.total_work(store), "report")
        with progress:
            result = reporting.write_report(store, out, force=force, progress=advance, until=until)
    counts = ", ".join(f"{n} {what}" for what, n in result.counts.items())
    console.print(f"Wrote {result.path} ({counts}).")


@app.command()
def decisions(
    ctx: typer.Context,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Read every stored text again, not only new or changed ones.")
    ] = False,
    show: Annotated[bool, typer.Option("--list", help="Print the decisions (after reading).")] = False,
    kommune: Annotated[
        str | None, typer.Option("--kommune", "-k", help="With --list: only this kommune (number or name).")
    ] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="With --list: table | csv | json.")
    ] = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Read the decisions (vedtak, innstilling, uttalelse) of stored case papers; ingest does this for new files."""
    from lhl_mining.decisions import OUTCOME_LABELS, build

    knr = registry.resolve_kommune(kommune).knr if kommune else None
    with Store.open(_db_path(ctx, db)) as store:
        counts = build.run_build(store, rebuild=rebuild)
        rows = build.current_decisions(store, knr) if show else []
    if not show:
        table = Table(
            title=f"Read {counts['documents']} document(s): {counts['decisions']} decisions", title_justify="left"
        )
        table.add_column("kind: outcome")
        table.add_column("n", justify="right")
        for key in sorted(k for k in counts if ":" in k):
            kind, outcome = key.split(":")
            table.add_row(f"{kind}: {OUTCOME_LABELS[outcome]}", str(counts[key]))
        console.print(table)
        return
    columns = [
        "knr",
        "document_id",
        "kind",
        "body",
        "meeting_date",
        "saksnr",
        "outcome",
        "plan",
        "names_reform",
        "sak_title",
        "text",
    ]
    out = [{c: r.get(c) for c in columns} for r in rows]
    if fmt is OutputFormat.table:
        for r in out:
            r["text"] = " ".join((r["text"] or "").split())[:60]
        columns = ["knr", "kind", "body", "meeting_date", "saksnr", "outcome", "names_reform", "text"]
    _emit_rows(out, columns, fmt, title=f"{len(out)} decisions")


review_app = typer.Typer(
    cls=_LhlGroup,
    help="Code passages in the browser, keyboard first; several coders, blind double coding, adjudication.",
    add_completion=False,
)
app.add_typer(review_app, name="review")


@review_app.callback(invoke_without_command=True)
def review(
    ctx: typer.Context,
    coder: Annotated[
        str | None,
        typer.Option("--coder", envvar="LHL_CODER", help="Your coder name (asked in the browser if left out)."),
    ] = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on; anything but localhost requires the access token.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8765,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser window.")] = False,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="LHL_REVIEW_TOKEN",
            help="Server token; on a non-local bind each coder's own sign-in token is derived from it "
            "\\[default: a random one when --host is not local].",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Start the coding review in the browser (Enter accepts, 1–5 areas, s/t/b/n framing, u undoes)."""
    if ctx.invoked_subcommand is not None:
        return
    from lhl_mining.review import server

    config = server.prepare(_db_path(ctx, db), host=host, port=port, coder=coder, token=token)
    shown_host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    console.print(f"Review server for {config.db_path} on http://{shown_host}:{port}/code  (Ctrl-C stops it)")
    if config.token:
        console.print(f"Server token (new coders sign in with it once; keep it to yourself): [bold]{config.token}[/]")
    for name, own in server.coder_tokens(config).items():
        console.print(f"  token for {name}: [bold]{own}[/]", highlight=False)
    server.serve(config, host=host, port=port, open_browser=not no_browser)


@review_app.command("assign")
def review_assign(
    ctx: typer.Context,
    coders: Annotated[
        list[str], typer.Option("--coder", help="A coder for the double-coding sample (give two or more).")
    ],
    double: Annotated[
        float, typer.Option("--double", help="Share of passages coded by two coders (0.15 = 15 %).")
    ] = 0.15,
    seed: Annotated[int, typer.Option("--seed", help="Random seed for drawing the sample.")] = 1,
    kommune: Annotated[
        str | None, typer.Option("--kommune", help="Only passages of this kommune (name or number).")
    ] = None,
    doc_type: Annotated[str | None, typer.Option("--doc-type", help="Only passages of this document type.")] = None,
    code: Annotated[
        str | None, typer.Option("--code", help="Only passages the machine coded with this code, e.g. reform.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Put a share of passages in front of two coders each, blind to each other's codes (for reliability)."""
    from lhl_mining.review.assign import assign_double

    knr = registry.resolve_kommune(kommune).knr if kommune else None
    with Store.open(_db_path(ctx, db)) as store:
        result = assign_double(store, coders, share=double, seed=seed, knr=knr, doc_type=doc_type, code=code)
    console.print(
        f"Double coding: {result['added']} passages newly assigned to two coders each "
        f"({result['already'] + result['added']} of {result['population']} passages in the sample, target {result['target']})."
    )


# ---------------------------------------------------------------- nlp: classify, tag, codebook
codebook_app = typer.Typer(help="Check and show the codebook (codes, terms, exclusions).", no_args_is_help=True)
app.add_typer(codebook_app, name="codebook")

_MODEL_HELP = (
    "spaCy pipeline: auto (nb_core_news_lg/md/sm if installed, else built-in), builtin, a package name or a folder."
)
_CODEBOOK_HELP = "Codebook YAML \\[default: the bundled codebooks/lhl.yaml]."
_TRAINED_HELP = (
    "Trained model to combine with the rules \\[default: the newest beside the database "
    "(lhl.models/), else the starter, if its blend changes a decision of the rules]."
)


@app.command()
def classify(
    ctx: typer.Context,
    input_path: Annotated[
        str, typer.Option("--input", "-i", help='JSONL file with {"id", "text"} lines, or - for stdin.')
    ] = "-",
    output_path: Annotated[str, typer.Option("--output", "-o", help="JSONL output file, or - for stdout.")] = "-",
    model: Annotated[str, typer.Option("--model", "-m", help=_MODEL_HELP)] = "auto",
    codebook: Annotated[str | None, typer.Option("--codebook", help=_CODEBOOK_HELP)] = None,
    trained: Annotated[str | None, typer.Option("--trained", help=_TRAINED_HELP)] = None,
    rules_only: Annotated[bool, typer.Option("--rules-only", help="Codebook rules alone, no trained model.")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail on the first invalid line instead of skipping it.")
    ] = False,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Passages per nlp.pipe batch.")] = 256,
    force: Annotated[bool, typer.Option("--force", help="Replace --output if it exists.")] = False,
) -> None:
    """Label passages from JSONL ({"id","text"}) and write JSONL (reform, areas, framing, scores, evidence); no database."""
    import contextlib

    from rich.markup import escape

    from lhl_mining.learn.files import default_models_dir
    from lhl_mining.nlp.classify import classify_jsonl, input_file, make_labeller, output_file, start_up_frozen

    labeller = make_labeller(
        model,
        codebook=codebook,
        trained=trained,
        rules_only=rules_only,
        models_dir=default_models_dir(_db_path(ctx, None)),
    )
    _warn_if_model_is_stale(labeller)
    with input_file(input_path, sys.stdin.buffer) as source, contextlib.ExitStack() as stack:
        sink = sys.stdout if output_path == "-" else stack.enter_context(output_file(output_path, force=force))
        with start_up_frozen():
            stats = classify_jsonl(source, sink.write, labeller, strict=strict, batch_size=batch_size)
        sink.flush()
    for line_no, reason in stats.invalid[:20]:
        err_console.print(f"[yellow]skipped[/] line {line_no}: {escape(reason)}", highlight=False)
    if stats.skipped > 20:
        err_console.print(f"[yellow]skipped[/] {stats.skipped - 20} more invalid line(s)", highlight=False)
    err_console.print(
        escape(
            f"classified {stats.written} passage(s), skipped {stats.skipped} invalid line(s) "
            f"[{labeller.provenance}; codebook {labeller.codebook_version}; pipeline {labeller.pipeline}]"
        ),
        highlight=False,
    )


def _warn_if_model_is_stale(labeller: Any) -> None:
    """Print the library's note on a model trained on an older codebook (it still works)."""
    from lhl_mining.nlp.classify import stale_model_note

    if note := stale_model_note(labeller):
        err_console.print(f"[yellow]Note[/] {note}", highlight=False, soft_wrap=True)


@app.command()
def tag(
    ctx: typer.Context,
    model: Annotated[str, typer.Option("--model", "-m", help=_MODEL_HELP)] = "auto",
    codebook: Annotated[str | None, typer.Option("--codebook", help=_CODEBOOK_HELP)] = None,
    trained: Annotated[str | None, typer.Option("--trained", help=_TRAINED_HELP)] = None,
    rules_only: Annotated[bool, typer.Option("--rules-only", help="Codebook rules alone, no trained model.")] = False,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Processes for nlp.pipe (rules).")] = 1,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Passages per stored batch.")] = 1000,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Tag at most this many passages.")] = None,
    db: DbOption = None,
) -> None:
    """Store machine suggestions for passages not yet tagged by this labeller, codebook and pipeline version."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from lhl_mining.learn.files import default_models_dir
    from lhl_mining.nlp.classify import TagOptions, run_tag

    options = TagOptions(model, codebook, trained, rules_only, workers=workers, batch_size=batch_size, limit=limit)
    labeller = options.labeller(default_models_dir(_db_path(ctx, db)))
    _warn_if_model_is_stale(labeller)
    with Store.open(_db_path(ctx, db)) as store, Progress(
        TextColumn("tagging"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err_console, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("tag", total=None)
        stats = run_tag(
            store, labeller, options, progress=lambda done, total: bar.update(task, completed=done, total=total)
        )
    console.print(
        f"Tagged {stats.tagged} passage(s) ({stats.rows} suggestion rows) with {labeller.provenance}, "
        f"codebook {labeller.codebook_version}, pipeline {labeller.pipeline}.",
        highlight=False,
    )
    for code in sorted(stats.selected):
        console.print(f"  {code}: {stats.selected[code]}", highlight=False)
    if stats.segmented_documents:
        console.print(
            f"Segmented {stats.segmented_documents} stored document(s) without passages into "
            f"{stats.segmented_passages} passage(s) first.",
            highlight=False,
        )
    if stats.documents_without_passages:
        console.print(
            f"{stats.documents_without_passages} document(s) have only blank text and no passages.", highlight=False
        )


@codebook_app.command("check")
def codebook_check(
    path: Annotated[str | None, typer.Argument(help=_CODEBOOK_HELP)] = None,
) -> None:
    """Validate a codebook (schema, regexes, ids, codes) and compile it; errors name the line.

    Warns (without failing) for each regex term a lemma term could express.
    """
    from rich.markup import escape

    from lhl_mining.nlp.codebook import check_codebook

    check = check_codebook(path)
    for warning in check.warnings:
        err_console.print(f"[yellow]warning[/] {escape(warning)}", highlight=False, soft_wrap=True)
    book = check.codebook
    console.print(
        f"{book.path}: OK, {book.version_id}: {len(book.codes)} codes, "
        f"{check.n_terms} terms, {check.n_exclusions} exclusions.",
        highlight=False,
    )


@codebook_app.command("show")
def codebook_show(
    path: Annotated[str | None, typer.Argument(help=_CODEBOOK_HELP)] = None,
    code: Annotated[str | None, typer.Option("--code", "-c", help="Only this code (e.g. area.mat).")] = None,
    patterns: Annotated[
        bool, typer.Option("--patterns", help="Print the compiled SpanRuler patterns as JSONL.")
    ] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.table,
) -> None:
    """Print the codebook as a readable table: codes, terms, weights, conditions and løsninger."""
    from rich.markup import escape

    from lhl_mining.codebook import codebook_rows, load_codebook

    book = load_codebook(path)
    if patterns:
        from lhl_mining.nlp.codebook import ruler_patterns

        for pattern in ruler_patterns(book):
            if code is None or pattern["label"] == code:
                typer.echo(json.dumps(pattern, ensure_ascii=False))
        return
    rows = codebook_rows(book, code)
    if fmt is OutputFormat.table:
        table = Table(title=f"{book.version_id} ({book.path})", title_justify="left", show_lines=False)
        for column in ("code", "term", "kind", "pattern", "weight", "also", "solution", "conditions"):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(
                *(
                    escape(str(v))
                    for v in (
                        row["code"],
                        row["term"],
                        row["kind"],
                        row["pattern"][:70],
                        f"{row['weight']:g}",
                        row["also"],
                        row["solution"],
                        row["conditions"],
                    )
                )
            )
        console.print(table)
    else:
        _emit_rows(rows, list(rows[0]) if rows else ["code"], fmt)


# ---------------------------------------------------------------- scrape, sources, demo

sources_app = typer.Typer(
    help="Where each kommune publishes: list the known sources, discover new ones.", no_args_is_help=True
)
app.add_typer(sources_app, name="sources")

SourcesFileOption = Annotated[
    Path | None,
    typer.Option(
        "--sources",
        envvar="LHL_SOURCES",
        help="Per-kommune override file (YAML) \\[default: ./lhl-sources.yaml when it exists].",
    ),
]


IKnowOption = Annotated[
    bool,
    typer.Option("--i-know", help="Accept a --rate above 2 requests/s or 0 (no pause); only with the owner's consent."),
]


def _print_scrape_summary(result) -> None:
    title = (
        "Plan (dry run): nothing downloaded"
        if result.dry_run
        else f"Scrape run {result.run_id}: {result.requests} requests, {result.not_modified} unchanged (304)"
    )
    table = Table(title=title, title_justify="left")
    for column, justify in (
        ("kommune", "left"),
        ("platform", "left"),
        ("status", "left"),
        ("meet", "right"),
        ("found", "right"),
        ("new", "right"),
        ("had", "right"),
        ("fail", "right"),
        ("LHL", "right"),
        ("gaps", "right"),
    ):
        table.add_column(column, justify=justify, overflow="fold")
    for r in result.reports:
        table.add_row(
            r.name,
            ", ".join(r.platforms) or "–",
            r.status,
            str(r.meetings_seen),
            str(r.documents_found),
            str(r.downloaded),
            str(r.unchanged),
            str(r.failed),
            str(r.confirmed),
            str(len(r.gaps)),
        )
    console.print(table)
    for r in result.reports:
        for method in r.methods:
            console.print(f"  {r.name} ({r.knr}) covered by {method}", highlight=False, soft_wrap=True)
    gaps = [(r, gap) for r in result.reports for gap in r.gaps]
    if gaps:
        console.print(
            "meet = meetings listed, found = relevant documents, new = downloaded now, had = stored "
            "before (not fetched again), LHL = documents whose text names the reform.\n[bold]Coverage gaps[/]"
        )
        for r, gap in gaps:
            console.print(f"  {r.name} ({r.knr}): {gap}", highlight=False, soft_wrap=True)


@app.command()
def scrape(
    ctx: typer.Context,
    county: Annotated[str, typer.Option("--county", "-c", help="County (name, 2020–2023 name or number).")],
    kommune: Annotated[
        list[str] | None, typer.Option("--kommune", "-k", help="Only this kommune (repeatable; name or number).")
    ] = None,
    since: Annotated[int, typer.Option("--since", help="First year.")] = 2018,
    until: Annotated[int, typer.Option("--until", help="Last year.")] = 2024,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be downloaded; download nothing.")
    ] = False,
    corpus: Annotated[Path, typer.Option("--corpus", help="Folder for downloaded files.")] = Path("corpus"),
    sources_file: SourcesFileOption = None,
    rate: Annotated[float, typer.Option("--rate", help="Requests per second per host (politeness; keep ≤ 1).")] = 1.0,
    ignore_robots: Annotated[
        list[str] | None,
        typer.Option("--ignore-robots", help="Host whose robots.txt you override (repeatable; see docs/scraping.md)."),
    ] = None,
    contact: Annotated[
        str | None, typer.Option("--contact", envvar="LHL_CONTACT", help="E-mail or URL put in the User-Agent.")
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Kommuner scraped in parallel.")] = 4,
    refresh: Annotated[
        bool,
        typer.Option(
            "--refresh", help="Revalidate stored documents and the listings of settled periods instead of reusing them."
        ),
    ] = False,
    i_know: IKnowOption = False,
    max_retry_after: Annotated[
        float,
        typer.Option("--max-retry-after", min=1, help="Longest Retry-After (s) honoured; a host asking more is left."),
    ] = 600,
    db: DbOption = None,
) -> None:
    """Download and ingest a county's LHL-relevant case documents and plans, politely and resumably."""
    from lhl_mining.scrapers.http import Politeness
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from lhl_mining.scrape import ScrapeOptions
    from lhl_mining.scrape import scrape as run_scrape
    from lhl_mining.sources import load_overrides, overrides_path

    targets = registry.resolve_kommuner(county, kommune)
    overrides = load_overrides(overrides_path(sources_file))
    if not contact:
        err_console.print(
            "[yellow]Note[/] no contact in the User-Agent; set LHL_CONTACT or --contact so portal "
            "owners can reach you.",
            highlight=False,
        )
    options = ScrapeOptions(
        since=since,
        until=until,
        dry_run=dry_run,
        corpus_dir=corpus,
        workers=workers,
        refresh=refresh,
        politeness=Politeness.of(
            rate, contact=contact, ignore_robots=ignore_robots, i_know=i_know, max_retry_after=max_retry_after
        ),
    )
    with (
        Store.open(_db_path(ctx, db), create=True) as store,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as progress,
    ):
        overall = progress.add_task(f"[bold]{county}", total=len(targets))
        tasks: dict[str, Any] = {}

        def on_progress(event: str, **data: Any) -> None:
            knr = data.get("knr")
            if event == "kommune_start":
                tasks[knr] = progress.add_task(f"  {data['name']}", total=None)
            elif event == "meeting":
                progress.update(tasks[knr], description=f"  {knr} {data['meeting'].utvalg[:30]} {data['meeting'].date}")
            elif event == "kommune_total":
                progress.update(tasks[knr], total=data["total"], completed=0)
            elif event == "advance":
                progress.advance(tasks[knr])
            elif event == "kommune_done":
                progress.remove_task(tasks.pop(knr))
                progress.advance(overall)

        result = run_scrape(
            store,
            county,
            [k.knr for k in targets] if kommune else None,
            options=options,
            overrides=overrides,
            progress=on_progress,
        )
    _print_scrape_summary(result)
    if dry_run:
        for r in result.reports:
            for item in r.planned:
                console.print(
                    f"{r.knr} {item['meeting_date'] or '':10} {item['doc_type'] or '':14} {item['title'][:70]}"
                    f"  {item['url']}",
                    highlight=False,
                    soft_wrap=True,
                )
    failures = [(r.name, f) for r in result.reports for f in r.failures]
    for name, failure in failures[:20]:
        err_console.print(f"[yellow]{name}[/]: {failure}", highlight=False, soft_wrap=True)
    if len(failures) > 20:
        err_console.print(f"… and {len(failures) - 20} more failures (see the documents table, status failed).")
    console.print(f"Database: {store.path}   corpus: {corpus}", highlight=False)


class PrefilterFormat(str, enum.Enum):
    jsonl = "jsonl"
    table = "table"


@app.command()
def prefilter(
    input_path: Annotated[
        str, typer.Option("--input", "-i", help="Text file with one agenda title per line, or - for stdin.")
    ] = "-",
    fmt: Annotated[
        PrefilterFormat, typer.Option("--format", "-f", help="jsonl (one object per title) or table.")
    ] = PrefilterFormat.jsonl,
    codebook: Annotated[
        str | None,
        typer.Option("--codebook", help="Codebook whose `prefilter:` section decides \\[default: the installed one]."),
    ] = None,
) -> None:
    """Show which agenda titles `lhl scrape` would fetch, and the codebook entry that decided each."""
    from lhl_mining.prefilter import Prefilter, default_prefilter, read_titles

    rules = Prefilter.load(codebook) if codebook else default_prefilter()
    verdicts = [rules.title(title) for title in read_titles(input_path, sys.stdin)]
    if fmt is PrefilterFormat.jsonl:
        for verdict in verdicts:
            typer.echo(json.dumps(verdict.as_json(), ensure_ascii=False))
        return
    table = Table(
        title=f"{sum(v.relevant for v in verdicts)} of {len(verdicts)} titles would be fetched", title_justify="left"
    )
    for column in ("title", "fetch", "because"):
        table.add_column(column, overflow="fold")
    for verdict in verdicts:
        table.add_row(verdict.text, "yes" if verdict.relevant else "no", "; ".join(verdict.because))
    console.print(table)


@sources_app.command("list")
def sources_list(
    ctx: typer.Context,
    county: Annotated[str | None, typer.Option("--county", "-c", help="Only this county.")] = None,
    sources_file: SourcesFileOption = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """List the portal sources per kommune (registry, discovered, override) with origin and date."""
    from lhl_mining.sources import listed_sources, load_overrides, overrides_path

    with Store.open(_db_path(ctx, db), create=True) as store:
        rows = listed_sources(store, load_overrides(overrides_path(sources_file)), county)
    _emit_rows(
        rows,
        ["knr", "name", "platform", "base_url", "origin", "active", "checked_date"],
        fmt,
        title=f"{len(rows)} sources" + (f" in {county}" if county else ""),
    )


@sources_app.command("discover")
def sources_discover(
    ctx: typer.Context,
    county: Annotated[str, typer.Option("--county", "-c", help="County to probe.")],
    kommune: Annotated[
        list[str] | None, typer.Option("--kommune", "-k", help="Only this kommune (repeatable).")
    ] = None,
    all_kommuner: Annotated[
        bool, typer.Option("--all", help="Probe every kommune, not only those without a usable registry source.")
    ] = False,
    rate: Annotated[float, typer.Option("--rate", help="Requests per second per host.")] = 1.0,
    contact: Annotated[
        str | None, typer.Option("--contact", envvar="LHL_CONTACT", help="Contact for the User-Agent.")
    ] = None,
    ignore_robots: Annotated[
        list[str] | None, typer.Option("--ignore-robots", help="Host whose robots.txt you override.")
    ] = None,
    i_know: IKnowOption = False,
    db: DbOption = None,
) -> None:
    """Fingerprint kommune websites for portal links and store what is found, with evidence and date."""
    from lhl_mining.scrapers.http import PoliteClient, Politeness
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from lhl_mining.sources import discover, discovery_targets

    targets = discovery_targets(county, kommune, every=all_kommuner)
    with (
        Store.open(_db_path(ctx, db), create=True) as store,
        PoliteClient(Politeness.of(rate, contact=contact, ignore_robots=ignore_robots, i_know=i_know)) as client,
        Progress(
            TextColumn("discover"), BarColumn(), MofNCompleteColumn(), console=err_console, transient=True
        ) as progress,
    ):
        task = progress.add_task("", total=len(targets))
        results = discover(store, client, targets, progress=lambda _k: progress.advance(task))
    table = Table(title=f"Discovery in {county}: {len(results)} kommune(r) probed", title_justify="left")
    for column in ("kommune", "found", "evidence / problem"):
        table.add_column(column, overflow="fold")
    for r in results:
        found = "\n".join(f"{f.platform} {f.base_url}" for f in r.findings) or "nothing"
        detail = r.error or "\n".join(f.evidence for f in r.findings) or f"pages read: {', '.join(r.pages)}"
        table.add_row(f"{r.name} ({r.knr})", found, detail)
    console.print(table)


@app.command()
def demo(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Option("--dir", help="Folder for the demo database, corpus, sources file and report.")
    ] = Path("lhl-demo"),
    db: DbOption = None,
) -> None:
    """Run the whole pipeline offline on replayed portals of seven Innlandet kommuner: scrape, tag, report."""
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from lhl_mining.demo import DEMO_KOMMUNER, run_demo

    explicit_db = db or ctx.find_root().params.get("db")
    started = time.monotonic()
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err_console, transient=True
    ) as progress:
        overall = progress.add_task("[bold]demo: scraping Innlandet (replayed portals)", total=len(DEMO_KOMMUNER))

        def on_progress(event: str, **data: Any) -> None:
            if event == "kommune_done":
                progress.advance(overall)
                if progress.tasks[0].completed >= len(DEMO_KOMMUNER):
                    progress.update(overall, description="[bold]demo: tagging passages and writing the report")

        result = run_demo(directory, explicit_db, progress=on_progress)
    _print_scrape_summary(result.scrape)
    counts = result.status
    documents = sum(counts["documents"].values())
    console.print(
        f"Tagged {result.tagged} passages ({result.suggestions} suggestions) in {time.monotonic() - started:.1f} s.\n"
        f"Database: {result.db_path}  ({documents} documents, {counts['passages']} passages)\n"
        f"Corpus:   {result.corpus_dir}\nSources:  {result.sources_file}\nReport:   {result.report_path}\n"
        f"Next: `lhl --db {result.db_path} status`, `lhl --db {result.db_path} review`, "
        f"`lhl --db {result.db_path} export --format csv --out passages.csv`.",
        highlight=False,
        soft_wrap=True,
    )


@app.command("models")
def models_list(
    ctx: typer.Context,
    models_dir: ModelsDirOption = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.table,
) -> None:
    """List trained models (yours and the shipped starter), newest first: the codes each decides over the rules, and
    whether this installation can read it."""
    from lhl_mining.learn import files

    rows = files.model_rows(models_dir or files.default_models_dir(_db_path(ctx, None)))
    _emit_rows(
        rows,
        ["name", "created_at", "passages", "source", "codebook", "decides", "readable"],
        fmt,
        title=f"{len(rows)} model(s)",
    )


# ---------------------------------------------------------------- search and word frequencies


class SearchFormat(str, enum.Enum):
    table = "table"
    csv = "csv"
    jsonl = "jsonl"


CountyOption = Annotated[
    str | None, typer.Option("--county", "-c", help="Only kommuner of this county (name or number).")
]
KommuneOption = Annotated[
    str | None, typer.Option("--kommune", "-k", help="Only this kommune (name or number; several with commas).")
]
DocTypeOption = Annotated[
    str | None, typer.Option("--doc-type", help="Only this document type (e.g. saksframlegg, plan).")
]
SearchCodeOption = Annotated[
    str | None,
    typer.Option(
        "--code",
        help="Only passages with this code, selected by the tagger or in a coder's decision (reform, area.mat, framing.samfunn …).",
    ),
]


def _search_rows(rows: list[dict[str, Any]], columns: list[str], fmt: SearchFormat, title: str) -> None:
    """Rows as a table, CSV or JSON lines (CSV and JSON lines carry every column); hits as keyword-in-context lines."""
    from rich.markup import escape

    if fmt is SearchFormat.jsonl:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
    elif fmt is SearchFormat.csv:
        _emit_rows(rows, columns, OutputFormat.csv)
    elif "hit" in columns:
        console.print(f"[bold]{escape(title)}[/]", highlight=False)
        width = max(20, (console.width - 12) // 2)
        for row in rows:
            where = " · ".join(str(row[c]) for c in ("kommune", "date", "document") if row.get(c))
            ident = f"#{row['passage_id']}" if row.get("passage_id") else f"document {row['document_id']}"
            score = f"{row['score']:.3f} · " if "score" in row else ""
            left = row["left"] if len(row["left"]) <= width else "…" + row["left"][-width + 1 :]
            console.print(f"[dim]{escape(score + where)} · {ident}[/]", highlight=False, soft_wrap=True)
            console.print(
                f"  {escape(left):>{width}} [bold yellow]{escape(row['hit'])}[/] {escape(row['right'])}",
                highlight=False,
                soft_wrap=True,
            )
    else:
        _emit_rows(rows, columns, OutputFormat.table, title=title)


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[
        str | None,
        typer.Argument(
            help='Words, "a phrase", prefix eldre*, exact =eldres, AND / OR / NOT, NEAR(a b, 10), ( ). Every word also finds its other forms (lemmas).'
        ),
    ] = None,
    county: CountyOption = None,
    kommune: KommuneOption = None,
    doc_type: DocTypeOption = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Documents dated on or after (YYYY, YYYY-MM or YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Documents dated on or before (YYYY, YYYY-MM or YYYY-MM-DD).")
    ] = None,
    code: SearchCodeOption = None,
    coded_by: Annotated[
        str | None,
        typer.Option("--coded-by", help="Only passages this coder has decided (with --code: decided with that code)."),
    ] = None,
    titles: Annotated[bool, typer.Option("--titles", help="Search document titles instead of passages.")] = False,
    count_by: Annotated[
        str | None,
        typer.Option(
            "--count-by", help="Count the hits per kommune, county, doc-type or year instead of listing them."
        ),
    ] = None,
    like: Annotated[
        int | None,
        typer.Option(
            "--like", help="List the passages most like this passage id (TF-IDF over lemmas), from other documents."
        ),
    ] = None,
    reindex: Annotated[
        bool, typer.Option("--reindex", help="Rebuild the search index from every passage and title.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many hits.")] = 20,
    context: Annotated[int, typer.Option("--context", min=0, help="Words shown either side of the hit.")] = 8,
    order: Annotated[
        str, typer.Option("--order", help="document (the order they were stored), relevance (bm25) or newest.")
    ] = "document",
    fmt: Annotated[SearchFormat, typer.Option("--format", "-f", help="Output format.")] = SearchFormat.table,
    db: DbOption = None,
) -> None:
    """Search passages (or titles) with keyword-in-context lines; count hits by group; find passages like one."""
    from lhl_mining.errors import DatabaseReadOnly, UsageError
    from lhl_mining.search import find, index, similar

    if reindex:
        with Store.open(_db_path(ctx, db)) as store:
            n = index.reindex(
                store, progress=lambda done, total: err_console.print(f"indexed {done}/{total}", end="\r")
            )
        console.print(f"Search index rebuilt: {n} passages and titles.", highlight=False)
        if query is None and like is None:
            return
    filters = find.Filters(
        county=county, kommune=kommune, doc_type=doc_type, since=since, until=until, code=code, coded_by=coded_by
    )
    try:
        opened = Store.open(_db_path(ctx, db))
    except DatabaseReadOnly:  # searching needs no writes; unindexed changes are reported below
        opened = Store.open(_db_path(ctx, db), readonly=True)
    with opened as store:
        if like is not None:
            found = similar.like(store, like, limit=limit, filters=filters, context=context)
            rows = [{"score": s.score, **s.hit.row(), "shared": " ".join(s.shared)} for s in found]
            _search_rows(
                rows,
                ["score", "kommune", "document", "date", "left", "hit", "right", "passage_id"],
                fmt,
                f"{len(rows)} passage(s) like #{like}",
            )
            return
        if query is None:
            raise UsageError("Give a query, --like PASSAGE_ID or --reindex. See `lhl search --help`.")
        if count_by:
            result = find.count_by(store, query, count_by, filters, titles=titles)
            unit = "documents" if titles else "passages"
            _search_rows(
                result.counts,
                [count_by, "name", unit, "documents"] if not titles else [count_by, "name", unit],
                fmt,
                f"{result.total} {unit} match «{query}», by {count_by}",
            )
        else:
            result = find.search(store, query, filters, titles=titles, limit=limit, context=context, order=order)
            rows = [h.row() for h in result.hits]
            columns = [
                "kommune",
                "document",
                "date",
                "left",
                "hit",
                "right",
                "passage_id" if not titles else "document_id",
            ]
            shown = f"{len(rows)} of {result.total}" if result.total > len(rows) else str(result.total)
            _search_rows(rows, columns, fmt, f"{shown} {'document' if titles else 'passage'}(s) match «{query}»")
    if result.unindexed:
        err_console.print(
            f"[yellow]Note[/] {result.unindexed} passage(s) or title(s) are not indexed yet (read-only "
            "or busy database); run `lhl search --reindex` or any search with write access.",
            highlight=False,
        )


@app.command()
def words(
    ctx: typer.Context,
    by: Annotated[
        str | None,
        typer.Option(
            "--by", help="Count per kommune, county, doc-type or year, with keyness of each group against the rest."
        ),
    ] = None,
    group: Annotated[
        str | None,
        typer.Option(
            "--group",
            help="With --by: only this group (a kommune number, county name, document type or year) against the rest.",
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", "-n", min=1, help="Lemmas per group.")] = 20,
    code: SearchCodeOption = None,
    county: CountyOption = None,
    kommune: KommuneOption = None,
    doc_type: DocTypeOption = None,
    fmt: Annotated[SearchFormat, typer.Option("--format", "-f", help="Output format.")] = SearchFormat.table,
    db: DbOption = None,
) -> None:
    """Lemma frequencies without bokmål and nynorsk stop words; with --by, the keyness (chi²) of each group against the rest."""
    from lhl_mining.search import find
    from lhl_mining.search import words as wordfreq

    filters = find.Filters(county=county, kommune=kommune, doc_type=doc_type, code=code)
    with Store.open(_db_path(ctx, db)) as store:
        freq = wordfreq.count(store, by, filters)
    if by:
        rows = wordfreq.keyness(freq, group, top)
        columns = [by, "name", "rank", "lemma", "n_target", "n_reference", "chi2", "p"]
        title = f"Keyness by {by} ({freq.passages} passages; chi² with Yates' correction, group against the rest)"
    else:
        rows = wordfreq.top_words(freq, top)
        columns = ["rank", "lemma", "count", "per_1000"]
        title = f"Top {top} lemmas of {freq.passages} passages (stop words removed)"
    _search_rows(rows, columns, fmt, title)
