"""What goes wrong with an uploaded spreadsheet, told in words a user can act on."""

from __future__ import annotations


class SpreadsheetError(Exception):
    """A spreadsheet that cannot be read or written; `detail` is one
    sentence for the user, e.g. "column 'review' not found; columns are:
    text, stars"."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class UnsupportedFile(SpreadsheetError):
    """A file that is not a CSV or XLSX spreadsheet, by its name or by its
    bytes (the HTTP layer answers 415)."""
