"""Small builders of spreadsheet files for the tests."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import openpyxl

MiB = 1 << 20


def csv_file(directory: Path, text: str, encoding: str = "utf-8", name: str = "in.csv") -> Path:
    path = directory / name
    path.write_bytes(text.encode(encoding))
    return path


def xlsx_file(directory: Path, rows: Iterable[Sequence[object]], name: str = "in.xlsx") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    path = directory / name
    workbook.save(path)
    return path


def with_sheet_xml(source: Path, target: Path, sheet_xml: bytes) -> Path:
    """A copy of workbook `source` whose first sheet's XML is `sheet_xml`."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for entry in original.infolist():
            data = original.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml
            copy.writestr(entry, data)
    return target


def zip_of_zeros(target: Path, size: int, base: Path) -> Path:
    """Workbook `base` whose sheet is replaced by `size` zero bytes,
    written a MiB at a time so neither memory nor disk holds them."""
    with zipfile.ZipFile(base) as original, zipfile.ZipFile(target, "w") as copy:
        for entry in original.infolist():
            if entry.filename == "xl/worksheets/sheet1.xml":
                continue
            copy.writestr(entry, original.read(entry))
        zeros = bytes(MiB)
        part = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        part.compress_type = zipfile.ZIP_DEFLATED
        with copy.open(part, "w") as sheet:
            for _ in range(size // MiB):
                sheet.write(zeros)
    return target


def read_csv_bytes(data: bytes) -> list[list[str]]:
    """The records of result CSV `data`, which must start with a BOM."""
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
