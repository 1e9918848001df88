"""XLSX workbooks, checked for zip bombs first, then read a row at a time."""

from __future__ import annotations

import logging
import struct
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, NamedTuple

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.xml import DEFUSEDXML

from infra.spreadsheets.errors import SpreadsheetError
from infra.spreadsheets.table import Rows, Table

logger = logging.getLogger(__name__)

if not DEFUSEDXML:
    # openpyxl parses with the plain standard-library XML parser unless
    # defusedxml is importable and OPENPYXL_DEFUSEDXML is not "False".
    raise ImportError("infra.spreadsheets needs defusedxml active in openpyxl")

EXCEL_MAX_ROWS = 1_048_576

_INVALID = "the file is not a valid XLSX workbook"
_ENTITIES = "the workbook's XML declares entities or a DTD, which are not allowed"
_END_OF_DIRECTORY = b"PK\x05\x06"
_END_RECORD_MAX = 22 + 0xFFFF  # the record and the longest comment


class XlsxLimits(NamedTuple):
    """How big a workbook may unpack to. A part is judged by its ratio only
    from `ratio_checked_from` uncompressed bytes: tiny XML parts compress
    very well and harmlessly."""

    max_entries: int = 10_000
    max_uncompressed_bytes: int = 1 << 30
    max_ratio: float = 200
    ratio_checked_from: int = 1 << 20


DEFAULT_LIMITS = XlsxLimits()


def open_xlsx(path: Path, limits: XlsxLimits = DEFAULT_LIMITS) -> Table:
    """Open the first worksheet of the workbook at `path`, values only
    (formulas give their cached results)."""
    check_archive(path, limits)
    workbook = _load(path)
    try:
        if not workbook.worksheets:
            raise SpreadsheetError("the workbook has no worksheets")
        sheet = workbook.worksheets[0]
        # Declared dimensions are not trusted: a sheet claiming A1:XFD1 would
        # pad every row to 16,384 cells.
        sheet.reset_dimensions()
        rows = _sheet_rows(sheet)
        header = next(rows, None)
    except BaseException:
        workbook.close()
        raise

    if header is None:
        workbook.close()
        raise SpreadsheetError("the file is empty")

    logger.debug("xlsx opened sheet=%r columns=%d", sheet.title, len(header))
    return Table(header, rows, workbook.close)


def check_archive(path: Path, limits: XlsxLimits) -> None:
    """Refuse a workbook whose zip directory promises too much: too many
    parts, too many bytes unpacked, or a part compressed too well.

    The declared sizes bind: zipfile never returns more bytes than an
    entry declares (it stops there and the CRC check fails), so a part
    that lies about its size fails to read instead of growing.
    """
    _check_entry_count(path, limits)
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise SpreadsheetError(_INVALID) from error

    if len(entries) > limits.max_entries:
        raise _too_many_entries(len(entries), limits)

    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > limits.max_uncompressed_bytes:
        raise SpreadsheetError(
            f"the workbook unpacks to {_mib(unpacked)} MiB; "
            f"at most {_mib(limits.max_uncompressed_bytes)} MiB are allowed"
        )

    for entry in entries:
        if entry.file_size < limits.ratio_checked_from:
            continue
        ratio = entry.file_size / max(entry.compress_size, 1)
        if ratio > limits.max_ratio:
            raise SpreadsheetError(
                f"the workbook part '{entry.filename}' is compressed {ratio:,.0f} to 1; "
                f"at most {limits.max_ratio:,.0f} to 1 is allowed"
            )


def cell_text(value: object) -> str:
    """A cell value as the text a user saw: 5.0 as "5", dates in ISO form,
    a date at midnight without its time."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time():
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _check_entry_count(path: Path, limits: XlsxLimits) -> None:
    # zipfile builds an object per entry before it can be asked how many
    # there are; the end-of-directory record says it for a few bytes.
    with path.open("rb") as file:
        size = file.seek(0, 2)
        file.seek(max(0, size - _END_RECORD_MAX))
        tail = file.read()

    at = tail.rfind(_END_OF_DIRECTORY)
    if at < 0 or len(tail) < at + 22:
        raise SpreadsheetError(_INVALID)

    (count,) = struct.unpack_from("<H", tail, at + 10)
    # 0xFFFF means "see the ZIP64 record": more than fit in 16 bits.
    if count > limits.max_entries:
        raise _too_many_entries(count, limits)


def _load(path: Path) -> openpyxl.Workbook:
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as error:
        # NOTE: openpyxl meets a malformed part with whatever its parser
        # raises (KeyError, ValueError, TypeError, ParseError, ...), and
        # wraps some of them in a ValueError of its own.
        raise _unreadable(error) from error


def _sheet_rows(sheet: Any) -> Rows:
    # Rows with no value at all are skipped, as a CSV reader skips blank
    # lines: Excel leaves many behind where cells were merely formatted.
    try:
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > EXCEL_MAX_ROWS:
                raise SpreadsheetError(f"the sheet has more than Excel's {EXCEL_MAX_ROWS:,} rows")
            cells = [cell_text(value) for value in values]
            if any(cells):
                yield cells
    except SpreadsheetError:
        raise
    except Exception as error:
        raise _unreadable(error) from error


def _unreadable(error: BaseException) -> SpreadsheetError:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, DefusedXmlException):
            return SpreadsheetError(_ENTITIES)
        cause = cause.__cause__ or cause.__context__
    return SpreadsheetError(_INVALID)


def _too_many_entries(count: int, limits: XlsxLimits) -> SpreadsheetError:
    return SpreadsheetError(
        f"the workbook has {count:,} parts; at most {limits.max_entries:,} are allowed"
    )


def _mib(size: int) -> str:
    return f"{size / (1 << 20):,.0f}"
