"""Reading uploaded XLSX workbooks, and refusing the hostile ones."""

from __future__ import annotations

import struct
import tracemalloc
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import openpyxl.xml
import pytest

from infra.spreadsheets import SpreadsheetError, XlsxLimits, XlsxResultWriter, open_table
from tests.infra.spreadsheets.factories import MiB, with_sheet_xml, xlsx_file, zip_of_zeros

SHEET = "xl/worksheets/sheet1.xml"
DEFLATED = zipfile.ZIP_DEFLATED
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DEFAULTS = XlsxLimits()


def read(path: Path, limits: XlsxLimits = DEFAULTS) -> tuple[list[str], list[list[str]]]:
    with open_table(path, "xlsx", limits=limits) as table:
        return table.header, list(table.rows())


def refusal(path: Path, limits: XlsxLimits = DEFAULTS) -> str:
    with pytest.raises(SpreadsheetError) as refused:
        read(path, limits)
    return refused.value.detail


def test_the_first_sheet_reads_as_text(tmp_path: Path) -> None:
    path = xlsx_file(
        tmp_path,
        [
            ["text", "stars", "when", "ok"],
            ["Отличный телефон", 5, datetime(2026, 3, 1), True],
            ["so-so", 4.5, datetime(2026, 3, 1, 12, 30), None],
            ["Привет", 5.0, date(2025, 12, 31), False],
        ],
    )

    assert read(path) == (
        ["text", "stars", "when", "ok"],
        [
            ["Отличный телефон", "5", "2026-03-01", "TRUE"],
            ["so-so", "4.5", "2026-03-01T12:30:00"],
            ["Привет", "5", "2025-12-31", "FALSE"],
        ],
    )


def test_rows_without_any_value_are_skipped(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path, [[None], ["text", "stars"], [None, None], ["good", 5], [None, 3]])

    assert read(path) == (["text", "stars"], [["good", "5"], ["", "3"]])


def test_a_formula_gives_its_cached_value_or_nothing(tmp_path: Path) -> None:
    # openpyxl stores no cached result, as a workbook never opened in Excel.
    path = xlsx_file(tmp_path, [["text", "sum"], ["good", "=1+2"]])

    assert read(path)[1] == [["good", ""]]


def test_later_sheets_are_ignored(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["text"])
    workbook.active.append(["first"])
    workbook.create_sheet("other").append(["ignored"])
    path = tmp_path / "two.xlsx"
    workbook.save(path)

    assert read(path) == (["text"], [["first"]])


def test_a_workbook_with_an_empty_sheet_is_empty(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path, [])

    assert refusal(path) == "the file is empty"


def test_a_zero_byte_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "none.xlsx"
    path.touch()

    assert refusal(path) == "the file is empty"


def test_a_truncated_workbook_is_not_valid(tmp_path: Path) -> None:
    whole = xlsx_file(tmp_path, [["text"], ["good"]]).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole[: len(whole) // 2])

    assert refusal(path) == "the file is not a valid XLSX workbook"


def test_a_zip_without_a_workbook_is_not_valid(tmp_path: Path) -> None:
    path = tmp_path / "plain.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")

    assert refusal(path) == "the file is not a valid XLSX workbook"


def test_a_missing_column_lists_the_sheet_columns(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path, [["text", None, "stars"], ["good", None, 5]])

    with open_table(path, "xlsx") as table, pytest.raises(SpreadsheetError) as refused:
        table.column_index("review")

    assert refused.value.detail == "column 'review' not found; columns are: text, (blank), stars"


def test_openpyxl_parses_through_defusedxml() -> None:
    assert openpyxl.xml.DEFUSEDXML


def test_an_entity_expansion_bomb_is_refused_not_expanded(tmp_path: Path) -> None:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    sheet = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{"".join(entities)}]>'
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    )
    base = xlsx_file(tmp_path, [["text"]])
    path = with_sheet_xml(base, tmp_path / "laughs.xlsx", sheet.encode())

    assert "declares entities" in refusal(path)


def test_an_external_entity_is_refused_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not leak")
    sheet = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY leak SYSTEM "file://{secret}">]>'
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>&leak;</t></is></c></row></sheetData></worksheet>'
    )
    base = xlsx_file(tmp_path, [["text"]])
    path = with_sheet_xml(base, tmp_path / "leak.xlsx", sheet.encode())

    assert "declares entities" in refusal(path)


def test_a_sheet_that_unpacks_far_beyond_its_size_is_refused_unread(tmp_path: Path) -> None:
    base = xlsx_file(tmp_path, [["text"]])
    path = zip_of_zeros(tmp_path / "bomb.xlsx", 300 * MiB, base)

    assert path.stat().st_size < 2 * MiB
    assert refusal(path) == (
        f"the workbook part '{SHEET}' is compressed 1,029 to 1; at most 200 to 1 is allowed"
    )


def test_a_workbook_unpacking_past_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path, [["text"], ["x" * 2000]])

    detail = refusal(path, XlsxLimits(max_uncompressed_bytes=1000))

    assert detail.startswith("the workbook unpacks to 0 MiB; at most 0 MiB are allowed")


def test_a_workbook_of_too_many_parts_is_refused(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path, [["text"], ["good"]])
    with zipfile.ZipFile(path, "a") as archive:
        for number in range(10_001):
            archive.writestr(f"xl/media/extra{number}.bin", b"")

    assert refusal(path) == "the workbook has 10,010 parts; at most 10,000 are allowed"


def test_a_part_lying_about_its_size_fails_instead_of_growing(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path, [["text"], *([f"row {i}"] for i in range(5000))])
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        entry = archive.getinfo(SHEET)
    # Claim 1,000 bytes in both the local header and the central directory.
    struct.pack_into("<I", data, entry.header_offset + 22, 1000)
    central = data.find(SHEET.encode(), data.find(b"PK\x01\x02")) - 46
    struct.pack_into("<I", data, central + 24, 1000)
    path.write_bytes(bytes(data))

    assert refusal(path) == "the file is not a valid XLSX workbook"


def test_a_row_number_far_past_excels_last_row_stops_the_reading(tmp_path: Path) -> None:
    sheet = (
        f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>text</t></is></c></row>'
        '<row r="2000000000"><c r="A2000000000" t="inlineStr"><is><t>x</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    base = xlsx_file(tmp_path, [["text"]])
    path = with_sheet_xml(base, tmp_path / "far.xlsx", sheet.encode())

    assert refusal(path) == "the sheet has more than 1,048,576 rows"


def test_memory_stays_flat_over_rows_that_carry_heights_and_no_dimension(
    tmp_path: Path,
) -> None:
    # As LibreOffice writes every row; and with no <dimension>, as ours.
    rows = 20_000
    base = xlsx_file(tmp_path, [["text"]])
    path = tmp_path / "tall.xlsx"
    with zipfile.ZipFile(base) as original, zipfile.ZipFile(path, "w", DEFLATED) as copy:
        for entry in original.infolist():
            if entry.filename != SHEET:
                copy.writestr(entry, original.read(entry))
        with copy.open(SHEET, "w") as sheet:
            sheet.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
            for n in range(1, rows + 1):
                sheet.write(
                    f'<row r="{n}" ht="12.8" customHeight="false" hidden="false">'
                    f'<c r="A{n}" t="inlineStr"><is><t>row {n}</t></is></c></row>'.encode()
                )
            sheet.write(b"</sheetData></worksheet>")

    tracemalloc.start()
    try:
        with open_table(path, "xlsx") as table:
            counted = sum(1 for _ in table.rows())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert counted == rows - 1
    # openpyxl's own read-only mode peaks near 11 MiB here.
    assert peak < 2 * MiB, f"peak {peak / MiB:.1f} MiB"


def test_our_own_result_workbook_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "results.xlsx"
    with path.open("wb") as file:
        writer = XlsxResultWriter(file.write, ["text"])
        writer.write_row(["Привет"], "positive", (0.01, 0.02, 0.97))
        writer.write_row([""], "empty", None)
        writer.close()

    assert read(path) == (
        ["text", "label", "negative", "neutral", "positive"],
        [["Привет", "positive", "0.01", "0.02", "0.97"], ["", "empty"]],
    )
