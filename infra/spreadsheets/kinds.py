"""Which reader an upload needs, judged by its name and its first bytes."""

from __future__ import annotations

import codecs
from pathlib import PurePath
from typing import Literal

from infra.spreadsheets.errors import UnsupportedFile

SpreadsheetKind = Literal["csv", "xlsx"]

SNIFF_BYTES = 8192
"""How much of the file's beginning `file_kind` wants to see."""

ZIP_MAGIC = b"PK\x03\x04"

_BINARY_MAGIC = {
    ZIP_MAGIC: "a ZIP archive (an XLSX workbook renamed to .csv?)",
    b"\xd0\xcf\x11\xe0": "an old Excel .xls workbook; save it as .xlsx or CSV",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip archive",
    codecs.BOM_UTF16_LE: "UTF-16 text; save it as CSV UTF-8",
    codecs.BOM_UTF16_BE: "UTF-16 text; save it as CSV UTF-8",
}


def file_kind(file_name: str, head: bytes) -> SpreadsheetKind:
    """The kind of spreadsheet named `file_name` whose first bytes are
    `head` (`SNIFF_BYTES` of them, or the whole file if shorter).

    Raises `UnsupportedFile` for any extension but .csv and .xlsx, and for
    content that does not match the extension. An empty `head` passes:
    opening the file then says it is empty.
    """
    extension = PurePath(file_name).suffix.lower()
    if extension == ".xlsx":
        if head and not head.startswith(ZIP_MAGIC):
            raise UnsupportedFile("the file is named .xlsx but is not an XLSX workbook")
        return "xlsx"

    if extension == ".csv":
        _check_text(head)
        return "csv"

    shown = f"'{extension}' files are" if extension else "files without an extension are"
    raise UnsupportedFile(f"{shown} not supported; upload a .csv or .xlsx file")


def _check_text(head: bytes) -> None:
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise UnsupportedFile(f"the file is named .csv but is {what}")

    if b"\x00" in head:
        raise UnsupportedFile("the file is named .csv but holds binary data, not text")

    if not any(_decodes(head, encoding) for encoding in ("utf-8", "cp1251")):
        raise UnsupportedFile("the file is named .csv but is neither UTF-8 nor Windows-1251 text")


def _decodes(head: bytes, encoding: str) -> bool:
    # Not final: the head may end in the middle of a multi-byte character.
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True
