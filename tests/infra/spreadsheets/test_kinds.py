"""Which uploads are spreadsheets, by name and by bytes."""

from __future__ import annotations

import os

import pytest

from infra.spreadsheets import SpreadsheetError, UnsupportedFile, file_kind


def test_csv_and_xlsx_are_recognised_whatever_the_case_of_the_extension() -> None:
    assert file_kind("reviews.CSV", b"text\nfine\n") == "csv"
    assert file_kind("Reviews.Xlsx", b"PK\x03\x04rest") == "xlsx"


def test_cp1251_and_utf8_text_pass_as_csv() -> None:
    assert file_kind("a.csv", "текст\nхорошо\n".encode("cp1251")) == "csv"
    assert file_kind("a.csv", "\ufeffтекст\n".encode()) == "csv"


def test_a_multibyte_character_cut_at_the_end_of_the_head_still_passes() -> None:
    head = ("ы" * 10).encode()[:-1]

    assert file_kind("a.csv", head) == "csv"


def test_an_empty_head_passes_so_that_opening_can_say_it_is_empty() -> None:
    assert file_kind("a.csv", b"") == "csv"
    assert file_kind("a.xlsx", b"") == "xlsx"


def test_random_bytes_named_csv_are_unsupported() -> None:
    with pytest.raises(UnsupportedFile, match="binary data"):
        file_kind("data.csv", b"text," + os.urandom(4096))


@pytest.mark.parametrize(
    ("head", "said"),
    [
        (b"PK\x03\x04\x14\x00", "ZIP archive"),
        (b"%PDF-1.7\n", "PDF"),
        (b"\x89PNG\r\n\x1a\n", "PNG"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".xls"),
        (b"\xff\xfet\x00e\x00", "UTF-16"),
    ],
)
def test_known_binary_formats_named_csv_are_named_in_the_refusal(head: bytes, said: str) -> None:
    with pytest.raises(UnsupportedFile, match=said):
        file_kind("data.csv", head)


def test_text_in_no_supported_encoding_is_unsupported() -> None:
    # 0x98 is undefined in Windows-1251 and a stray continuation byte in UTF-8.
    with pytest.raises(UnsupportedFile, match="neither UTF-8 nor Windows-1251"):
        file_kind("data.csv", b"text\n\x98\n")


def test_a_csv_named_xlsx_is_unsupported() -> None:
    with pytest.raises(UnsupportedFile, match="not an XLSX workbook"):
        file_kind("data.xlsx", b"text,stars\n")


@pytest.mark.parametrize("name", ["notes.txt", "old.xls", "README"])
def test_other_extensions_are_unsupported(name: str) -> None:
    with pytest.raises(UnsupportedFile) as refused:
        file_kind(name, b"text\n")

    assert "upload a .csv or .xlsx file" in refused.value.detail


def test_unsupported_file_is_a_spreadsheet_error_with_a_detail() -> None:
    with pytest.raises(SpreadsheetError) as refused:
        file_kind("notes.txt", b"")

    assert refused.value.detail == "'.txt' files are not supported; upload a .csv or .xlsx file"
