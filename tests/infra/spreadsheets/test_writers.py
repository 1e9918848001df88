"""Result files, read back the way a user's spreadsheet program would."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from infra.spreadsheets import (
    RESULT_COLUMNS,
    CsvResultWriter,
    SpreadsheetError,
    XlsxResultWriter,
    neutralize,
)
from infra.spreadsheets.xlsx_writing import EXCEL_MAX_CELL_CHARS, SHEET_PART
from tests.infra.spreadsheets.factories import read_csv_bytes

HEADER = ["text", "stars"]
ROWS: list[tuple[list[str], str, tuple[float, float, float] | None]] = [
    (["Отличный телефон", "5"], "positive", (0.0123, 0.01456, 0.97314)),
    (["", "3"], "empty", None),
    (['=HYPERLINK("http://evil")', "-1"], "negative", (0.9, 0.05, 0.05)),
    (["short row"], "neutral", (0.2, 0.6, 0.2)),
]


def xlsx_rows(data: bytes, tmp_path: Path) -> list[tuple[object, ...]]:
    path = tmp_path / "out.xlsx"
    path.write_bytes(data)
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()


def written(writer_class: type[CsvResultWriter | XlsxResultWriter], header: list[str]) -> bytes:
    out = io.BytesIO()
    writer = writer_class(out.write, header)
    for cells, label, scores in ROWS:
        writer.write_row(cells, label, scores)
    writer.close()
    return out.getvalue()


@pytest.mark.parametrize(
    ("cell", "neutral"),
    [
        ("=1+2", "'=1+2"),
        ("+7 999", "'+7 999"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("fine = ok", "fine = ok"),
        ("", ""),
    ],
)
def test_cells_a_spreadsheet_would_run_as_formulas_get_an_apostrophe(
    cell: str, neutral: str
) -> None:
    assert neutralize(cell) == neutral


def test_csv_results_hold_the_original_columns_then_label_and_scores() -> None:
    records = read_csv_bytes(written(CsvResultWriter, HEADER))

    assert records == [
        ["text", "stars", *RESULT_COLUMNS],
        ["Отличный телефон", "5", "positive", "0.0123", "0.0146", "0.9731"],
        ["", "3", "empty", "", "", ""],
        ['\'=HYPERLINK("http://evil")', "'-1", "negative", "0.9000", "0.0500", "0.0500"],
        ["short row", "", "neutral", "0.2000", "0.6000", "0.2000"],
    ]


def test_csv_results_are_utf8_with_a_bom_comma_separated_with_crlf() -> None:
    data = written(CsvResultWriter, HEADER)

    assert data.startswith(b"\xef\xbb\xbftext,stars,label,negative,neutral,positive\r\n")
    assert "Отличный телефон,5,positive".encode() in data
    assert data.count(b"\r\n") == len(ROWS) + 1


def test_csv_results_quote_cells_that_hold_commas_quotes_or_newlines() -> None:
    out = io.BytesIO()
    writer = CsvResultWriter(out.write, ["text"])
    writer.write_row(['a, "b"\nc'], "neutral", (0.3, 0.4, 0.3))
    writer.close()

    assert b'"a, ""b""\nc",neutral' in out.getvalue()
    assert read_csv_bytes(out.getvalue())[1][0] == 'a, "b"\nc'


def test_xlsx_results_hold_the_original_columns_then_label_and_numeric_scores(
    tmp_path: Path,
) -> None:
    rows = xlsx_rows(written(XlsxResultWriter, HEADER), tmp_path)

    assert rows == [
        ("text", "stars", *RESULT_COLUMNS),
        ("Отличный телефон", "5", "positive", 0.0123, 0.0146, 0.9731),
        (None, "3", "empty"),  # no dimension is declared, so no padding
        ('\'=HYPERLINK("http://evil")', "'-1", "negative", 0.9, 0.05, 0.05),
        ("short row", None, "neutral", 0.2, 0.6, 0.2),
    ]


def test_headers_are_neutralised_in_both_formats(tmp_path: Path) -> None:
    header = ["=cmd|' /C calc'!A0", "stars"]

    csv_header = read_csv_bytes(written(CsvResultWriter, header))[0]
    xlsx_header = xlsx_rows(written(XlsxResultWriter, header), tmp_path)[0]

    assert csv_header[0] == xlsx_header[0] == "'=cmd|' /C calc'!A0"


def test_xlsx_results_open_in_openpyxl_in_full_mode_too(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    path.write_bytes(written(XlsxResultWriter, HEADER))

    sheet = openpyxl.load_workbook(path).active

    assert sheet.title == "Results"
    assert sheet["A2"].value == "Отличный телефон"
    assert sheet["F2"].value == 0.9731
    assert sheet.freeze_panes == "A2"


def test_xlsx_text_is_escaped_stripped_of_control_characters_and_capped(tmp_path: Path) -> None:
    out = io.BytesIO()
    writer = XlsxResultWriter(out.write, ["text"])
    writer.write_row(["<b>&amp;</b>\x00\x01\x0b ok"], "neutral", (0.3, 0.4, 0.3))
    writer.write_row(["  spaced\nlines  "], "neutral", (0.3, 0.4, 0.3))
    writer.write_row(["windows\r\nline\tend"], "neutral", (0.3, 0.4, 0.3))
    writer.write_row(["ж" * (EXCEL_MAX_CELL_CHARS + 10)], "neutral", (0.3, 0.4, 0.3))
    writer.close()

    texts = [row[0] for row in xlsx_rows(out.getvalue(), tmp_path)[1:]]

    assert texts == [
        "<b>&amp;</b> ok",
        "  spaced\nlines  ",
        "windows\r\nline\tend",
        "ж" * EXCEL_MAX_CELL_CHARS,
    ]


def test_xlsx_results_are_a_zip_written_without_seeking(tmp_path: Path) -> None:
    data = written(XlsxResultWriter, HEADER)

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        sheet = archive.getinfo(SHEET_PART)

    assert names[0] == "[Content_Types].xml"
    assert set(names) == {
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        SHEET_PART,
    }
    # Sizes follow the data (bit 3), as nothing can be patched on a stream.
    assert sheet.flag_bits & 0x08
    assert data[:4] == b"PK\x03\x04"


@pytest.mark.parametrize("writer_class", [CsvResultWriter, XlsxResultWriter])
def test_bytes_come_in_chunks_as_rows_are_written_not_all_at_close(
    writer_class: type[CsvResultWriter | XlsxResultWriter],
) -> None:
    chunks: list[bytes] = []
    writer = writer_class(chunks.append, HEADER)
    for number in range(20_000):
        writer.write_row([f"review number {number}", "5"], "positive", (0.1, 0.2, 0.7))
    before_close = len(chunks)
    writer.close()
    writer.close()

    assert before_close >= 2
    assert max(len(chunk) for chunk in chunks) < 1 << 18


def test_an_xlsx_sheet_past_excels_last_row_is_refused() -> None:
    writer = XlsxResultWriter(lambda data: None, ["text"])
    writer._rows = 1_048_575  # as if that many rows had been written

    writer.write_row(["last"], "neutral", (0.3, 0.4, 0.3))
    with pytest.raises(SpreadsheetError, match="at most 1,048,576 rows"):
        writer.write_row(["one too many"], "neutral", (0.3, 0.4, 0.3))
