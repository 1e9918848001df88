"""CSV files of unknown encoding and delimiter, read a record at a time."""

from __future__ import annotations

import codecs
import csv
import logging
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from infra.spreadsheets.errors import SpreadsheetError
from infra.spreadsheets.table import Rows, Table

if TYPE_CHECKING:
    from _csv import Reader

logger = logging.getLogger(__name__)

_CHUNK_BYTES = 1 << 20
_SAMPLE_CHARS = 16 * 1024
# The csv module's default field limit. It is process-wide and other code
# (the trainer) raises it, so cells are also measured here.
MAX_CELL_CHARS = 131_072
_CANDIDATES = (",", ";", "\t")

# A header without any candidate delimiter means one column: its cells may
# still hold unquoted commas, so records are split on a character that text
# does not contain (the ASCII unit separator).
SINGLE_COLUMN = "\x1f"


def open_csv(path: Path) -> Table:
    """Open a CSV file: UTF-8 (with or without a BOM) or Windows-1251, with
    `,`, `;` or tab between cells; quoted cells may span lines."""
    encoding = detect_encoding(path)
    file = path.open(encoding=encoding, newline="")
    try:
        delimiter = sniff_delimiter(file.read(_SAMPLE_CHARS))
        file.seek(0)
        rows = _records(csv.reader(file, delimiter=delimiter))
        header = next(rows, None)
    except BaseException:
        file.close()
        raise

    if header is None:
        file.close()
        raise SpreadsheetError("the file is empty")

    logger.debug("csv opened encoding=%s delimiter=%r columns=%d", encoding, delimiter, len(header))
    return Table(header, rows, file.close)


def detect_encoding(path: Path) -> str:
    """utf-8-sig after a BOM, else utf-8 if every byte decodes, else cp1251.

    Reads the whole file once, a chunk at a time, so a bad byte near the
    end is found before any row is handed out.
    """
    with path.open("rb") as file:
        if file.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8:
            if _decodes(file, "utf-8"):
                return "utf-8-sig"
            raise SpreadsheetError("the file starts as UTF-8 but holds bytes that are not UTF-8")

        for encoding in ("utf-8", "cp1251"):
            file.seek(0)
            if _decodes(file, encoding):
                return encoding

    raise SpreadsheetError("the file is neither UTF-8 nor Windows-1251 text; save it as CSV UTF-8")


def sniff_delimiter(sample: str) -> str:
    """The delimiter of the CSV text that `sample` begins.

    The header line decides: a delimiter that occurs in it, outside
    quotes, is the one. Only when several do does `csv.Sniffer` choose
    among them by how evenly they occur on the lines below; if it cannot,
    the most frequent in the header wins, in the order `,` `;` tab.
    """
    counts = _delimiters_in_header(sample)
    present = [delimiter for delimiter in _CANDIDATES if counts[delimiter]]
    if not present:
        return SINGLE_COLUMN
    if len(present) == 1:
        return present[0]

    try:
        dialect = csv.Sniffer().sniff(_whole_lines(sample), delimiters="".join(present))
    except csv.Error:
        return max(present, key=lambda delimiter: counts[delimiter])
    return str(dialect.delimiter)


def _decodes(file: BinaryIO, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        while chunk := file.read(_CHUNK_BYTES):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _delimiters_in_header(sample: str) -> dict[str, int]:
    counts = dict.fromkeys(_CANDIDATES, 0)
    quoted = False
    for char in sample.lstrip("\r\n"):
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in "\r\n":
            break
        elif char in counts:
            counts[char] += 1
    return counts


def _whole_lines(sample: str) -> str:
    end = sample.rfind("\n")
    return sample[: end + 1] if end > 0 else sample


def _records(reader: Reader) -> Rows:
    # A blank line is no record at all; `,,` is a record of empty cells.
    try:
        for record in reader:
            if any(len(cell) > MAX_CELL_CHARS for cell in record):
                raise _cell_too_long(reader.line_num)
            if record:
                yield record
    except csv.Error as error:
        raise _unreadable(reader.line_num, error) from None


def _unreadable(line: int, error: csv.Error) -> SpreadsheetError:
    if "field larger than field limit" in str(error):
        return _cell_too_long(line)
    return SpreadsheetError(f"line {line} is not valid CSV: {error}")


def _cell_too_long(line: int) -> SpreadsheetError:
    return SpreadsheetError(
        f"line {line}: a cell is longer than {MAX_CELL_CHARS:,} characters; is a quote left open?"
    )
