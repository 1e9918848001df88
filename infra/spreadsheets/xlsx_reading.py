"""XLSX workbooks, checked for zip bombs first, then read a row at a time."""

from __future__ import annotations

import logging
import re
import struct
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, NamedTuple

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.worksheet._reader import DATA_TAG, ROW_TAG, WorkSheetParser
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
    reader = _read_workbook(path)
    try:
        rows = _sheet_rows(reader, _first_worksheet(reader))
        header = next(rows, None)
    except BaseException:
        reader.archive.close()
        raise

    if header is None:
        reader.archive.close()
        raise SpreadsheetError("the file is empty")

    logger.debug("xlsx opened columns=%d", len(header))
    return Table(header, rows, reader.archive.close)


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


# NOTE: openpyxl's load_workbook(read_only=True) is not used. Opening, it
# parses every sheet that declares no <dimension> to its end (ours declare
# none), keeping an empty element per row: 13 bytes kept per 1 byte of
# `<row/>`, so a 5 MiB upload could take 13 GiB. Its rows also keep an
# entry for every row with a height or style (LibreOffice gives every row
# one). So the workbook parts are read by openpyxl's ExcelReader step by
# step, and the sheet is walked here, each row read by openpyxl's
# WorkSheetParser: not all public API, hence openpyxl pinned below 3.2.


# A row element's start tag, with or without a namespace prefix.
_ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_SCAN_BYTES = 1 << 20


def count_xlsx_rows(path: Path, limit: int, limits: XlsxLimits = DEFAULT_LIMITS) -> int:
    """An upper bound on the data rows of the first worksheet, from its raw
    XML: row elements minus the header, blank ones included. Far cheaper
    than parsing the cells; stops counting past `limit`."""
    check_archive(path, limits)
    reader = _read_workbook(path)
    try:
        sheet_path = _first_worksheet(reader)
        with reader.archive.open(sheet_path) as source:
            rows = _count_row_tags(source, limit + 1)
    except SpreadsheetError:
        raise
    except Exception as error:
        raise _unreadable(error) from error
    finally:
        reader.archive.close()

    return max(rows - 1, 0)


def _count_row_tags(source: Any, stop_after: int) -> int:
    count = 0
    tail = b""
    while chunk := source.read(_SCAN_BYTES):
        window = tail + chunk
        # A tag cut by the previous chunk's end ends in this one.
        count += sum(1 for match in _ROW_START.finditer(window) if match.end() > len(tail))
        if count > stop_after:
            break
        tail = window[-32:]

    return count


def _read_workbook(path: Path) -> ExcelReader:
    try:
        reader = ExcelReader(path, read_only=True, data_only=True, keep_links=False)
    except Exception as error:
        raise _unreadable(error) from error

    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
    except Exception as error:
        # NOTE: openpyxl meets a malformed part with whatever its parser
        # raises (KeyError, ValueError, TypeError, ParseError, ...).
        reader.archive.close()
        raise _unreadable(error) from error
    return reader


def _first_worksheet(reader: ExcelReader) -> str:
    for _sheet, relation in reader.parser.find_sheets():
        if relation.target in reader.valid_files and "chartsheet" not in relation.Type:
            return str(relation.target)
    raise SpreadsheetError("the workbook has no worksheets")


def _sheet_rows(reader: ExcelReader, sheet_path: str) -> Rows:
    # Rows with no value are skipped, as a CSV reader skips blank lines:
    # Excel leaves many where cells were only formatted.
    workbook = reader.wb
    try:
        with reader.archive.open(sheet_path) as source:
            parser = WorkSheetParser(
                source,
                reader.shared_strings,
                data_only=True,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            rows_parent = None
            for event, element in iterparse(source, events=("start", "end")):
                if event == "start":
                    if element.tag == DATA_TAG:
                        rows_parent = element
                    continue
                if element.tag != ROW_TAG or rows_parent is None:
                    continue

                number, cells = parser.parse_row(element)
                rows_parent.clear()
                parser.row_dimensions.clear()
                if number > EXCEL_MAX_ROWS:
                    raise SpreadsheetError(f"the sheet has more than {EXCEL_MAX_ROWS:,} rows")
                texts = _row_texts(cells)
                if any(texts):
                    yield texts
    except SpreadsheetError:
        raise
    except Exception as error:
        raise _unreadable(error) from error


def _row_texts(cells: list[dict[str, Any]]) -> list[str]:
    """The parsed cells of a row as text, each at its own column."""
    if not cells:
        return []
    texts = [""] * max(cell["column"] for cell in cells)
    for cell in cells:
        texts[cell["column"] - 1] = cell_text(cell["value"])
    return texts


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
