"""A million rows go through in flat memory, both ways."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

MiB = 1 << 20
KiB = 1 << 10
ROWS = 1_000_000
REPO = Path(__file__).resolve().parents[3]


def probe(*job: str) -> tuple[int, int]:
    """What the job did, and by how many bytes its process's peak grew."""
    command = [sys.executable, "-m", "tests.infra.spreadsheets.memory_probe", *job]
    done = subprocess.run(command, cwd=REPO, check=True, capture_output=True, text=True)
    result, growth_kib = done.stdout.split()
    return int(result), int(growth_kib) * KiB


def reviews(count: int) -> Iterator[str]:
    for number in range(count):
        yield f'{number},"Отзыв номер {number}, вполне нормальный",{number % 5 + 1}\n'


@pytest.mark.slow
def test_a_million_xlsx_rows_are_written_in_flat_memory() -> None:
    written, growth = probe("write-xlsx")

    assert written > 10 * MiB
    assert growth < 16 * MiB, f"peak grew {growth / MiB:.1f} MiB"


@pytest.mark.slow
def test_a_million_csv_rows_are_read_in_flat_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write("id,text,stars\n")
        file.writelines(reviews(ROWS))

    rows, growth = probe("read-csv", str(path))

    assert path.stat().st_size > 50 * MiB
    assert rows == ROWS
    assert growth < 16 * MiB, f"peak grew {growth / MiB:.1f} MiB"
