"""Reading uploaded CSV files: encodings, delimiters, quoting, odd shapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.spreadsheets import SpreadsheetError, open_table
from infra.spreadsheets.csv_reading import SINGLE_COLUMN, detect_encoding, sniff_delimiter
from tests.infra.spreadsheets.factories import csv_file

REVIEWS = "text,stars\nОтличный телефон,5\nГрязный номер,1\n"


def read(path: Path) -> tuple[list[str], list[list[str]]]:
    with open_table(path, "csv") as table:
        return table.header, list(table.rows())


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1251", "cp1251")],
)
def test_cyrillic_reads_back_in_every_supported_encoding(
    tmp_path: Path, encoding: str, detected: str
) -> None:
    path = csv_file(tmp_path, REVIEWS, encoding)

    assert detect_encoding(path) == detected
    assert read(path) == (
        ["text", "stars"],
        [["Отличный телефон", "5"], ["Грязный номер", "1"]],
    )


def test_utf8_is_kept_when_a_character_straddles_a_read_chunk(tmp_path: Path) -> None:
    # The detector reads a MiB at a time; put a two-byte letter across that edge.
    lines = "text\n" + ("a" * 1023 + "\n") * 1023
    last = "a" * ((1 << 20) - 1 - len(lines)) + "ж"
    path = csv_file(tmp_path, lines + last + "\n")

    assert path.read_bytes()[(1 << 20) - 1 : (1 << 20) + 1] == "ж".encode()
    assert detect_encoding(path) == "utf-8"
    assert read(path)[1][-1] == [last]


def test_a_bad_utf8_byte_late_in_the_file_means_cp1251(tmp_path: Path) -> None:
    text = "text\n" + "fine\n" * 100_000 + "Плохо\n"
    path = tmp_path / "late.csv"
    path.write_bytes(text.encode("cp1251"))

    _, rows = read(path)

    assert rows[-1] == ["Плохо"]


def test_a_file_in_neither_encoding_is_refused_before_any_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"text\nok\n\x98\n")

    with pytest.raises(SpreadsheetError, match="neither UTF-8 nor Windows-1251"):
        open_table(path, "csv")


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_the_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    text = f"id{delimiter}text{delimiter}stars\n1{delimiter}good, really{delimiter}5\n"
    path = csv_file(tmp_path, text.replace("good, really", '"good, really"'))

    assert read(path) == (["id", "text", "stars"], [["1", "good, really", "5"]])


def test_semicolons_win_over_decimal_commas(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "text;rating\nнеплохо;4,5\nхорошо;3,5\n")

    assert read(path)[1] == [["неплохо", "4,5"], ["хорошо", "3,5"]]


def test_a_single_column_file_keeps_unquoted_commas_in_its_text(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "review\nlovely, would buy again\nbad; broke in a day\n")

    assert read(path) == (["review"], [["lovely, would buy again"], ["bad; broke in a day"]])


def test_sniffer_settles_a_header_holding_two_candidates(tmp_path: Path) -> None:
    lines = ["id;text, comment"] + [f"{i};good{', ok' * (i % 3)}" for i in range(20)]

    assert sniff_delimiter("\n".join(lines)) == ";"


def test_a_header_without_any_delimiter_means_one_column() -> None:
    assert sniff_delimiter("text\na,b\nc,d\n") == SINGLE_COLUMN


def test_quoted_cells_may_span_lines_and_hold_quotes(tmp_path: Path) -> None:
    text = 'text,stars\r\n"first line\r\nsecond ""quoted"" line",4\r\nplain,2\r\n'
    path = csv_file(tmp_path, text)

    assert read(path)[1] == [['first line\r\nsecond "quoted" line', "4"], ["plain", "2"]]


def test_blank_lines_are_skipped_and_rows_of_empty_cells_kept(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "\ntext,stars\n\nok,5\n,\n\n")

    assert read(path) == (["text", "stars"], [["ok", "5"], ["", ""]])


def test_short_and_long_rows_come_as_they_are(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "text,stars\nonly text\na,b,c\n")

    assert read(path)[1] == [["only text"], ["a", "b", "c"]]


def test_a_header_only_file_opens_and_has_no_rows(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "text,stars\n")

    assert read(path) == (["text", "stars"], [])


@pytest.mark.parametrize("content", ["", "\n\r\n\n"])
def test_an_empty_file_is_refused(tmp_path: Path, content: str) -> None:
    path = csv_file(tmp_path, content)

    with pytest.raises(SpreadsheetError) as refused:
        open_table(path, "csv")

    assert refused.value.detail == "the file is empty"


def test_an_unclosed_quote_stops_at_the_cell_limit_instead_of_swallowing_the_file(
    tmp_path: Path,
) -> None:
    path = csv_file(tmp_path, 'text\n"never closed\n' + "more text\n" * 20_000)

    with open_table(path, "csv") as table, pytest.raises(SpreadsheetError) as refused:
        list(table.rows())

    assert "is a quote left open?" in refused.value.detail


def test_columns_are_found_by_name_loosely_and_the_first_by_default(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "id, Review ,stars\n1,good,5\n")

    with open_table(path, "csv") as table:
        assert table.column_index(None) == 0
        assert table.column_index("stars") == 2
        assert table.column_index("review") == 1


def test_a_missing_column_is_named_with_the_columns_there_are(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "text,stars\nok,5\n")

    with open_table(path, "csv") as table, pytest.raises(SpreadsheetError) as refused:
        table.column_index("review")

    assert refused.value.detail == "column 'review' not found; columns are: text, stars"
