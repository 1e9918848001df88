"""One entry point that opens either kind of spreadsheet."""

from __future__ import annotations

from pathlib import Path

from infra.spreadsheets.csv_reading import open_csv
from infra.spreadsheets.errors import SpreadsheetError
from infra.spreadsheets.kinds import SpreadsheetKind
from infra.spreadsheets.table import Table
from infra.spreadsheets.xlsx_reading import DEFAULT_LIMITS, XlsxLimits, open_xlsx


def open_table(path: Path, kind: SpreadsheetKind, *, limits: XlsxLimits = DEFAULT_LIMITS) -> Table:
    """Open the spreadsheet at `path`, of the `kind` that `file_kind` named,
    and read its header. `limits` bound what an XLSX may unpack to.

    Raises `SpreadsheetError` when the file is empty or cannot be read.
    """
    if path.stat().st_size == 0:
        raise SpreadsheetError("the file is empty")
    if kind == "xlsx":
        return open_xlsx(path, limits)
    return open_csv(path)
