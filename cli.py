"""The `lhl` command line: parses arguments, shows progress, prints results.

No logic lives here; every command calls a function of the `lhl_mining`
package.  Errors the user can act on (`LhlError`) are printed as one line and
end the command with their exit code (2 for bad arguments).
"""

from __future__ import annotations

import csv
import enum
import json
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
from lhl_mining.store import Store, default_db_path

console = Console()
err_console = Console(stderr=True)


class _LhlGroup(TyperGroup):
    """Turns `LhlError` into a one-line message and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LhlError as exc:
            err_console.print(f"[bold red]Error[/] {exc}", highlight=False, soft_wrap=True)
            ctx.exit(exc.exit_code)


app = typer.Typer(
    cls=_LhlGroup,
    help="Mine municipal documents for the elder-care reform «Leve hele livet»: "
    "scrape, extract, tag, review, export.",
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


def _db_path(ctx: typer.Context) -> Path:
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
def init(ctx: typer.Context) -> None:
    """Create the database, or upgrade it to the current schema."""
    with Store.open(_db_path(ctx), create=True) as store:
        console.print(f"Database {store.path} is ready (schema {store.schema_version()}).")


@app.command()
def status(ctx: typer.Context) -> None:
    """Show what the database holds: kommuner, documents by status, passages, suggestions, codings."""
    with Store.open(_db_path(ctx), readonly=True) as store:
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


# ---------------------------------------------------------------- learning: train, evaluate, reliability

ModelsDirOption = Annotated[
    Path | None,
    typer.Option("--models-dir", envvar="LHL_MODELS", help="Folder for trained models \\[default: ./models]."),
]


@app.command()
def train(
    ctx: typer.Context,
    gold: Annotated[
        Path | None, typer.Option("--gold", help="Train from this gold JSONL file instead of the database's codings.")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Model name (its version) \\[default: lhl-<UTC time>].")] = None,
    models_dir: ModelsDirOption = None,
    cv_folds: Annotated[int, typer.Option("--cv-folds", help="Cross-validation folds for the metrics; 0 skips them.")] = 5,
    rules: Annotated[bool, typer.Option("--rules/--no-rules", help="Use codebook-hit features and blend with the rules.")] = True,
    rescore: Annotated[
        bool,
        typer.Option("--rescore/--no-rescore", help="After training from the database, re-score undecided passages "
                     "so the review queue's least-confident order follows the new model."),
    ] = True,
) -> None:
    """Train a classifier on coded passages (or a gold JSONL file) and save it under models/."""
    import datetime as dt

    from lhl_mining.learn import active, coded, dataset, files, labellers
    from lhl_mining.learn.train import train_model

    folder = models_dir or files.default_models_dir()
    name = name or f"lhl-{dt.datetime.now(dt.timezone.utc):%Y%m%d-%H%M%S}"
    rule_labeller = labellers.default_rule_labeller() if rules else None
    store = None
    if gold is not None:
        passages = dataset.read_gold(gold)
        source = f"gold:{gold.name}"
    else:
        store = Store.open(_db_path(ctx))
        coded_set = coded.coded_passages(store)
        passages, source = coded_set.passages, f"db:{store.path.name}"
        console.print(
            f"{len(passages)} coded passages ({coded_set.adjudicated} adjudicated, {coded_set.agreed} decided); "
            f"{len(coded_set.disagreed)} with disagreeing coders left out until adjudicated."
        )
    try:
        with console.status("Training") as spinner:
            trained = train_model(
                passages, name=name, models_dir=folder, rules=rule_labeller, source=source, cv_folds=cv_folds,
                progress=lambda message: spinner.update(message),
            )
        meta = trained.meta
        console.print(f"Saved model [bold]{name}[/] to {folder} ({meta['file_bytes'] / 1e6:.1f} MB, "
                      f"{meta['n_passages']} passages, {meta['train_seconds']:.1f} s).")
        for code, why in meta["fallback_to_rules"].items():
            console.print(f"  {code}: left to the rules ({why})")
        cv = meta["cross_validation"]
        for who in ("rules", "model", "combined"):
            if who in cv:
                s = cv[who]["summary"]
                console.print(f"  cross-validated {who:<8} reform F1 {s['reform_f1']:.3f}  areas micro-F1 "
                              f"{s['areas_micro_f1']:.3f}  framing macro-F1 {s['framing_macro_f1']:.3f}")
        if store is not None and rescore and rule_labeller is not None:
            labeller = labellers.CombinedLabeller(trained, rule_labeller)
            with store.run("train", {"name": name, "source": source}, {"model": name}) as run:
                counts = active.rescore_undecided(store, labeller, run_id=run.id)
                run.count("rescored", int(counts["passages"]))
            console.print(f"Re-scored {counts['passages']} undecided passages with {labeller.provenance} "
                          f"({counts['unsure']} unsure: some code within 0.1 of 0.5).")
    finally:
        if store is not None:
            store.close()


@app.command()
def evaluate(
    ctx: typer.Context,
    gold: Annotated[
        Path | None, typer.Option("--gold", help="Gold JSONL file (the `lhl classify` format plus text) to score on.")
    ] = None,
    model: Annotated[str | None, typer.Option("--model-version", help="Model name \\[default: the newest].")] = None,
    models_dir: ModelsDirOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Score the rules, the model and both combined: per-code precision/recall/F1 and confusion matrices."""
    from lhl_mining.errors import UsageError
    from lhl_mining.learn import coded, dataset, files, labellers
    from lhl_mining.learn.evaluate import evaluate_labellers, format_report

    if fmt not in ("table", "json"):
        raise UsageError(f"Unknown format {fmt!r}; use table or json.")
    if gold is not None:
        passages = dataset.read_gold(gold)
    else:
        with Store.open(_db_path(ctx), readonly=True) as store:
            passages = coded.coded_passages(store).passages
    trained = files.load_model(files.find_model(model, models_dir))
    rule_labeller = labellers.default_rule_labeller()
    if gold is None:
        console.print(f"Scoring on {len(passages)} coded passages from the database; passages model "
                      f"{trained.name} was trained on score too high (train on older codings to hold some out).")
    results = evaluate_labellers(passages, {
        "rules": rule_labeller,
        "model": labellers.ModelLabeller(trained, rule_labeller),
        "combined": labellers.CombinedLabeller(trained, rule_labeller),
    })
    if fmt == "json":
        typer.echo(json.dumps({"model": trained.name, "n": len(passages), "results": results}, ensure_ascii=False, indent=2))
    else:
        typer.echo(f"{len(passages)} passages; model {trained.name}\n")
        typer.echo(format_report(results))


@app.command()
def reliability(
    ctx: typer.Context,
    coders: Annotated[str | None, typer.Option("--coders", help="Comma-separated coders \\[default: all].")] = None,
    machine: Annotated[bool, typer.Option("--machine/--no-machine", help="Add the machine's current suggestions as a coder.")] = True,
    samples: Annotated[int, typer.Option("--bootstrap", help="Bootstrap samples for the 95 % intervals (0: none).")] = 1000,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.table,
) -> None:
    """Inter-coder reliability: Krippendorff's α per code with 95 % CIs, Cohen's κ per pair, machine vs coders."""
    from lhl_mining.learn import reliability as rel

    chosen = [c.strip() for c in coders.split(",") if c.strip()] if coders else None
    with Store.open(_db_path(ctx), readonly=True) as store:
        result = rel.reliability(store, chosen, include_machine=machine, samples=samples)
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    rows = rel.flat_rows(result)
    if fmt is OutputFormat.csv:
        _emit_rows(rows, list(rows[0]), fmt)
        return
    units = result["units"]
    console.print(
        f"Krippendorff's α (nominal), coders {', '.join(result['coders'])}: {units['pairable']} passages decided "
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
                row["code"], "–" if row["alpha"] is None else f"{row['alpha']:.3f}", row["ci95"] or "–",
                f"[{colours[row['flag']]}]{row['flag']}[/]",
                "–" if row["agreement"] is None else f"{row['agreement']:.3f}", str(row["units"]), str(row["prevalence"]),
            )
        console.print(table)
    pairs = Table(title="Cohen's κ per pair", title_justify="left")
    for column in ("coder a", "coder b", "code", "κ", "agree", "n"):
        pairs.add_column(column)
    for p in rel.pair_rows(result):
        pairs.add_row(p["coder_a"], p["coder_b"], p["code"], "–" if p["kappa"] is None else f"{p['kappa']:.3f}",
                      "–" if p["percent_agreement"] is None else f"{p['percent_agreement']:.3f}", str(p["n_units"]))
    console.print(pairs)
