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
