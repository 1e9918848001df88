"""Results as CSV that Excel opens with Cyrillic intact: UTF-8 with a BOM."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable

from infra.spreadsheets.cells import RESULT_COLUMNS, Scores, fit, neutralize
from infra.spreadsheets.sink import CHUNK_BYTES, ChunkedSink


class CsvResultWriter:
    """Writes the original columns plus label and the three scores (four
    decimals; blank for an empty text), handing bytes to `write` in chunks
    as rows come. Comma-separated, minimal quoting, CRLF line ends."""

    def __init__(self, write: Callable[[bytes], object], header: list[str]) -> None:
        self._sink = ChunkedSink(write)
        self._text = io.StringIO()
        self._csv = csv.writer(self._text, lineterminator="\r\n")
        self._width = len(header)
        self._closed = False

        self._sink.write(codecs.BOM_UTF8)
        self._csv.writerow([neutralize(cell) for cell in header] + list(RESULT_COLUMNS))

    def write_row(self, cells: list[str], label: str, scores: Scores | None) -> None:
        """Add one row; `scores` are negative, neutral, positive."""
        row = [neutralize(cell) for cell in fit(cells, self._width)]
        row.append(label)
        row.extend(_score_texts(scores))
        self._csv.writerow(row)

        if self._text.tell() >= CHUNK_BYTES:
            self._pass_on_text()

    def close(self) -> None:
        """Hand over the last bytes; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._pass_on_text()
        self._sink.close()

    def _pass_on_text(self) -> None:
        self._sink.write(self._text.getvalue().encode("utf-8", "replace"))
        self._text.seek(0)
        self._text.truncate()


def _score_texts(scores: Scores | None) -> list[str]:
    if scores is None:
        return [""] * len(RESULT_COLUMNS[1:])
    return [f"{score:.4f}" for score in scores]
