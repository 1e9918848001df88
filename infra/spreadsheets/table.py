"""An opened spreadsheet: its header, then its data rows, read as they are needed."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from types import TracebackType

from infra.spreadsheets.errors import SpreadsheetError

_COLUMNS_LISTED = 20

Rows = Generator[list[str], None, None]


class Table:
    """The first sheet of a workbook or the records of a CSV file. The
    header is read on opening; `rows()` streams the rest once, every cell
    as text ("" when empty) and each row as long as the file made it."""

    def __init__(self, header: list[str], rows: Rows, release: Callable[[], None]) -> None:
        self.header = header
        self._rows = rows
        self._release = release
        self._closed = False

    def column_index(self, name: str | None) -> int:
        """Where column `name` is: an exact match first, else the one column
        that matches ignoring case and surrounding spaces. None means the
        first column."""
        if name is None:
            return 0
        if name in self.header:
            return self.header.index(name)

        wanted = name.strip().casefold()
        loose = [i for i, column in enumerate(self.header) if column.strip().casefold() == wanted]
        if len(loose) == 1:
            return loose[0]

        raise SpreadsheetError(f"column '{name}' not found; columns are: {self._listing()}")

    def rows(self) -> Iterator[list[str]]:
        """The data rows after the header; one pass only."""
        return self._rows

    def close(self) -> None:
        """Stop reading and release the file; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            self._rows.close()
        finally:
            self._release()

    def __enter__(self) -> Table:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _listing(self) -> str:
        shown = [column or "(blank)" for column in self.header[:_COLUMNS_LISTED]]
        hidden = len(self.header) - len(shown)
        if hidden:
            shown.append(f"and {hidden} more")
        return ", ".join(shown)
