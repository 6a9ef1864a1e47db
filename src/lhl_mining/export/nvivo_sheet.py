"""NVivo classification sheet for kommune cases.

NVivo's import wizard reads a sheet whose cell A1 holds the classification
name, row 1 the attribute names and column A the case names exactly as they
appear in NVivo (the same names the `.qdpx` export gives its cases).  Values
are text labels, not numeric codes; empty cells are missing values.  Written
as tab-delimited UTF-8 (`.txt`/`.tsv`, NVivo for Windows and Mac), `.csv`
(UTF-8, NVivo for Mac) or `.xlsx`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..store import Store
from .base import ExportFormat, ExportOptions, database, register
from .qdpx import cell_label, reform_count_name, safe_name
from .summary import CELL_COLUMNS, HEADINGS, build_summary
from .tabular import spreadsheet_text, write_rows

CLASSIFICATION = "Kommune"


def attributes(mode: str) -> list[str]:
    return ["Kommunenummer", "Fylke", *[HEADINGS[c] for c in CELL_COLUMNS], "Dokumenter", reform_count_name(mode)]


def _write_sheet(store: Store | None, path: Path, options: ExportOptions) -> dict[str, Any]:
    store = database(store)
    summaries = build_summary(store, options.codings, options)
    columns = [CLASSIFICATION, *attributes(options.codings)]
    rows = []
    for s in summaries:
        row = {
            CLASSIFICATION: safe_name(s.label),
            "Kommunenummer": s.knr,
            "Fylke": s.county,
            "Dokumenter": s.n_documents,
            reform_count_name(options.codings): s.n_reform_passages,
        }
        row.update({HEADINGS[c]: cell_label(c, s.cells[c]) or "" for c in CELL_COLUMNS})
        rows.append(row)
    if options.suffix in (".txt", ".tsv", ""):
        with path.open("w", encoding="utf-8", newline="") as fh:
            for values in [columns] + [[row[c] for c in columns] for row in rows]:
                fh.write("\t".join(str(spreadsheet_text(v)).replace("\t", " ") for v in values) + "\r\n")
    else:
        write_rows(rows, columns, path, options.suffix, sheet=CLASSIFICATION)
    return {"cases": len(rows)}


register(
    ExportFormat(
        name="nvivo-sheet",
        write=_write_sheet,
        help="NVivo case classification sheet for kommuner (A1 = classification, row 1 attributes); .txt, .csv, .xlsx.",
        codings=("final", "machine"),
        suffixes=(".txt", ".tsv", ".csv", ".xlsx"),
        needs="kommuner",
    )
)
