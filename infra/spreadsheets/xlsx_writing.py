"""Results as an XLSX workbook, zipped while it is written.

Only the parts Excel needs are written, by hand: one sheet of inline
strings, so no shared-string table has to be held until the end.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable

from openpyxl.utils import get_column_letter

from infra.spreadsheets.cells import RESULT_COLUMNS, Scores, fit, neutralize
from infra.spreadsheets.errors import SpreadsheetError
from infra.spreadsheets.sink import CHUNK_BYTES, ChunkedSink
from infra.spreadsheets.xlsx_reading import EXCEL_MAX_ROWS

EXCEL_MAX_CELL_CHARS = 32_767
SHEET_PART = "xl/worksheets/sheet1.xml"

# Deflate's fastest level: on 100k result rows the file came out a fifth
# larger than at the default level 6, and was written a quarter faster.
_COMPRESS_LEVEL = 1

# No ZIP64: the caller stops at 1,000,000 rows, far below 4 GiB of sheet,
# and Excel is known to refuse ZIP64 headers on entries that do not need them.
_MAX_SHEET_BYTES = zipfile.ZIP64_LIMIT

# XML 1.0 allows tab, newline, carriage return and no other control character.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Text the fast path cannot copy as it is: markup, CR, characters XML
# forbids, and spaces at either end (kept only with xml:space="preserve").
_NEEDS_CARE = re.compile("[&<>\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]|^\\s|\\s$")

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_OFFICE_TYPES = "application/vnd.openxmlformats-officedocument"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_STATIC_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package'
        '.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE_TYPES}'
        '.spreadsheetml.sheet.main+xml"/>'
        f'<Override PartName="/{SHEET_PART}" ContentType="{_OFFICE_TYPES}'
        '.spreadsheetml.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_OFFICE_TYPES}'
        '.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_RELS}">'
        f'<Relationship Id="rId1" Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}">'
        '<sheets><sheet name="Results" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_RELS}">'
        f'<Relationship Id="rId1" Type="{_DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_DOC_RELS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    ),
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_MAIN}">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        "</cellXfs>"
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}

_SHEET_HEAD = (
    f'{_DECLARATION}<worksheet xmlns="{_MAIN}">'
    '<sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    "</sheetView></sheetViews><sheetData>"
)
_SHEET_TAIL = "</sheetData></worksheet>"


class XlsxResultWriter:
    """Writes the original columns plus label and the three scores (numbers
    with four decimals; blank for an empty text) as one sheet,
    handing bytes to `write` in chunks as rows come. Text stays text, so a
    "007" keeps its zeros."""

    def __init__(self, write: Callable[[bytes], object], header: list[str]) -> None:
        self._sink = ChunkedSink(write)
        self._zip = zipfile.ZipFile(
            self._sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=_COMPRESS_LEVEL
        )
        for name, xml in _STATIC_PARTS.items():
            self._zip.writestr(name, _DECLARATION + xml)

        self._sheet = self._zip.open(SHEET_PART, "w")
        self._sheet_bytes = 0
        self._pending: list[str] = [_SHEET_HEAD]
        self._pending_chars = len(_SHEET_HEAD)
        self._width = len(header)
        self._letters = [get_column_letter(i) for i in range(1, self._width + 5)]
        self._rows = 0
        self._closed = False

        self._add_row([*(neutralize(cell) for cell in header), *RESULT_COLUMNS], None)

    def write_row(self, cells: list[str], label: str, scores: Scores | None) -> None:
        """Add one row; `scores` are negative, neutral, positive."""
        texts = [neutralize(cell) for cell in fit(cells, self._width)]
        texts.append(label)
        self._add_row(texts, scores)

    def close(self) -> None:
        """Finish the sheet and the archive and hand over the last bytes;
        safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._pending.append(_SHEET_TAIL)
        self._write_pending()
        self._sheet.close()
        self._zip.close()
        self._sink.close()

    def _add_row(self, texts: list[str], scores: Scores | None) -> None:
        self._rows += 1
        if self._rows > EXCEL_MAX_ROWS:
            raise SpreadsheetError(f"an XLSX sheet holds at most {EXCEL_MAX_ROWS:,} rows")

        n = self._rows
        cells = [
            f'<c r="{letter}{n}" t="inlineStr"><is>{_text(text)}</is></c>'
            for letter, text in zip(self._letters, texts, strict=False)
            if text
        ]
        if scores is not None:
            cells += [
                f'<c r="{letter}{n}"><v>{score:.4f}</v></c>'
                for letter, score in zip(self._letters[-3:], scores, strict=True)
            ]
        xml = f'<row r="{n}">{"".join(cells)}</row>'

        self._pending.append(xml)
        self._pending_chars += len(xml)
        if self._pending_chars >= CHUNK_BYTES:
            self._write_pending()

    def _write_pending(self) -> None:
        data = "".join(self._pending).encode("utf-8")
        self._sheet_bytes += len(data)
        if self._sheet_bytes >= _MAX_SHEET_BYTES:
            raise SpreadsheetError("the results are too large for an XLSX file; choose CSV")
        self._sheet.write(data)
        self._pending.clear()
        self._pending_chars = 0


def _text(value: str) -> str:
    if len(value) <= EXCEL_MAX_CELL_CHARS and _NEEDS_CARE.search(value) is None:
        return f"<t>{value}</t>"

    text = _NOT_XML.sub("", value)[:EXCEL_MAX_CELL_CHARS]
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # XML parsers turn a raw CR into LF; a character reference survives.
    text = text.replace("\r", "&#13;")
    if text != text.strip():
        return f'<t xml:space="preserve">{text}</t>'
    return f"<t>{text}</t>"
