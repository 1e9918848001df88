"""Rows a second through the spreadsheet readers and result writers.

    .venv/bin/python bench/bench_spreadsheets.py [--rows 100000]

Writes the results to a byte counter and reads back files it made itself:
a CSV written with the csv module and an XLSX from `XlsxResultWriter`.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from infra.spreadsheets import (
    SNIFF_BYTES,
    CsvResultWriter,
    XlsxResultWriter,
    file_kind,
    open_table,
)

HEADER = ["id", "text", "stars"]


def review(number: int) -> list[str]:
    return [str(number), f"Отзыв номер {number}: телефон неплохой, but the battery", "4"]


def timed(work: Callable[[], int]) -> tuple[float, int]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def write_results(writer_class: type[CsvResultWriter | XlsxResultWriter], rows: int) -> int:
    size = 0

    def count(data: bytes) -> None:
        nonlocal size
        size += len(data)

    writer = writer_class(count, HEADER)
    for number in range(rows):
        writer.write_row(review(number), "neutral", (0.2103, 0.5512, 0.2385))
    writer.close()
    return size


def read_rows(path: Path) -> int:
    with path.open("rb") as file:
        kind = file_kind(path.name, file.read(SNIFF_BYTES))
    with open_table(path, kind) as table:
        return sum(1 for _ in table.rows())


def make_inputs(directory: Path, rows: int) -> tuple[Path, Path]:
    csv_path = directory / "in.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as file:
        records = csv.writer(file)
        records.writerow(HEADER)
        records.writerows(review(number) for number in range(rows))

    xlsx_path = directory / "in.xlsx"
    with xlsx_path.open("wb") as file:
        writer = XlsxResultWriter(file.write, HEADER)
        for number in range(rows):
            writer.write_row(review(number), "neutral", (0.2, 0.5, 0.3))
        writer.close()
    return csv_path, xlsx_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows

    for name, writer_class in (("csv", CsvResultWriter), ("xlsx", XlsxResultWriter)):
        seconds, size = timed(partial(write_results, writer_class, rows))
        print(f"write {name:4} {rows / seconds:>9,.0f} rows/s  {size / (1 << 20):6.1f} MiB")

    with tempfile.TemporaryDirectory() as scratch:
        for path in make_inputs(Path(scratch), rows):
            seconds, read = timed(partial(read_rows, path))
            assert read == rows
            mib = path.stat().st_size / (1 << 20)
            print(f"read  {path.suffix[1:]:4} {rows / seconds:>9,.0f} rows/s  {mib:6.1f} MiB")


if __name__ == "__main__":
    main()
