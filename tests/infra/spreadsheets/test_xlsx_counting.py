from pathlib import Path

import pytest

from infra.spreadsheets import SpreadsheetError, count_xlsx_rows, open_table
from tests.infra.spreadsheets.factories import xlsx_file, zip_of_zeros


def test_counting_gives_the_data_rows_a_reading_yields(tmp_path: Path) -> None:
    rows = [("text", "stars"), *[(f"review {n}", n % 5) for n in range(2500)]]
    path = xlsx_file(tmp_path, rows)

    with open_table(path, "xlsx") as table:
        read = sum(1 for _ in table.rows())

    assert count_xlsx_rows(path, limit=10_000) == read == 2500


def test_a_sheet_past_the_limit_counts_past_it(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path, [("text",), *[(f"review {n}",) for n in range(5000)]])

    assert count_xlsx_rows(path, limit=100) > 100


def test_a_header_only_sheet_counts_no_rows(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path, [("text", "stars")])

    assert count_xlsx_rows(path, limit=10) == 0


def test_counting_refuses_a_zip_bomb_like_reading(tmp_path: Path) -> None:
    bomb = zip_of_zeros(tmp_path / "bomb.xlsx", 300 << 20, xlsx_file(tmp_path, [("text",)]))

    with pytest.raises(SpreadsheetError):
        count_xlsx_rows(bomb, limit=10)
