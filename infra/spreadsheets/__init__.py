"""Streaming spreadsheet reading and writing for file jobs.

Synchronous, over local files and byte callbacks: the caller runs it in a
worker thread, downloads an upload to a temporary file before `open_table`,
and uploads what a result writer hands to its `write` callback as it comes.
"""

from infra.spreadsheets.cells import EMPTY_LABEL, RESULT_COLUMNS, neutralize
from infra.spreadsheets.csv_writing import CsvResultWriter
from infra.spreadsheets.errors import SpreadsheetError, UnsupportedFile
from infra.spreadsheets.kinds import SNIFF_BYTES, SpreadsheetKind, file_kind
from infra.spreadsheets.opening import open_table
from infra.spreadsheets.table import Table
from infra.spreadsheets.xlsx_reading import XlsxLimits, count_xlsx_rows
from infra.spreadsheets.xlsx_writing import XlsxResultWriter

__all__ = [
    "EMPTY_LABEL",
    "RESULT_COLUMNS",
    "SNIFF_BYTES",
    "CsvResultWriter",
    "SpreadsheetError",
    "SpreadsheetKind",
    "Table",
    "UnsupportedFile",
    "XlsxLimits",
    "XlsxResultWriter",
    "count_xlsx_rows",
    "file_kind",
    "neutralize",
    "open_table",
]
