"""Uploads and results of file jobs, between the object store and the
spreadsheet readers and writers.

Parsing and writing run in worker threads, a batch at a time; the event
loop only moves bytes. An upload is copied to a temporary file first
(XLSX is a zip and needs seeking); results stream to the store as they
are produced, both formats at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from domain.blobs import BlobStore
from domain.errors import UnsupportedMedia
from domain.jobs import RESULT_CONTENT_TYPES, FileKind, ResultFormat, SpreadsheetProblem
from domain.predictions import Prediction
from infra.spreadsheets import (
    CsvResultWriter,
    SpreadsheetError,
    Table,
    UnsupportedFile,
    XlsxLimits,
    XlsxResultWriter,
    count_xlsx_rows,
    file_kind,
    open_table,
)

logger = logging.getLogger(__name__)

UPLOAD_CHUNK_BYTES = 1 << 20
_QUEUED_CHUNKS = 4


class SpreadsheetFileTypes:
    """`FileTypes` by extension and content."""

    def kind_of(self, file_name: str, head: bytes) -> FileKind:
        try:
            return file_kind(file_name, head)
        except UnsupportedFile as error:
            raise UnsupportedMedia(error.detail) from None


class BlobTableReader:
    """`TableReader` over uploads in the object store."""

    def __init__(
        self, blobs: BlobStore, *, limits: XlsxLimits | None = None, scratch: Path | None = None
    ) -> None:
        self._blobs = blobs
        self._limits = limits or XlsxLimits()
        self._scratch = scratch

    @asynccontextmanager
    async def open(self, key: str, kind: FileKind) -> AsyncIterator[OpenedTable]:
        with tempfile.TemporaryDirectory(prefix="tonality-job-", dir=self._scratch) as folder:
            path = Path(folder) / f"upload.{kind}"
            await _download(self._blobs, key, path)

            table = await _in_thread(open_table, path, kind, limits=self._limits)
            opened = OpenedTable(table, path, kind, self._limits)
            try:
                yield opened
            finally:
                await opened.close()


class OpenedTable:
    """`Table` for the domain: async batches read a step ahead of their use."""

    def __init__(self, table: Table, path: Path, kind: FileKind, limits: XlsxLimits) -> None:
        self.header = table.header
        self._table = table
        self._path = path
        self._kind = kind
        self._limits = limits
        self._reading: asyncio.Future[list[list[str]]] | None = None

    def column_index(self, name: str | None) -> int:
        try:
            return self._table.column_index(name)
        except SpreadsheetError as error:
            raise SpreadsheetProblem(error.detail) from None

    async def count_rows(self, limit: int) -> int:
        """Rows by a second pass over a CSV; for an XLSX, its row elements,
        which may count blank rows the reading skips."""
        return await _in_thread(_count_rows, self._path, self._kind, self._limits, limit)

    async def batches(self, size: int) -> AsyncIterator[list[list[str]]]:
        rows = self._table.rows()
        self._reading = _next_batch(rows, size)
        while batch := await self._reading:
            self._reading = _next_batch(rows, size)
            yield batch

    async def close(self) -> None:
        if self._reading is not None:
            with contextlib.suppress(Exception):
                await self._reading
        await asyncio.to_thread(self._table.close)


class BlobResultWriter:
    """`ResultWriter` streaming CSV and XLSX into the object store at once."""

    def __init__(self, blobs: BlobStore) -> None:
        self._blobs = blobs

    @asynccontextmanager
    async def open(
        self, keys: dict[ResultFormat, str], header: list[str]
    ) -> AsyncIterator[ResultStreams]:
        uploads = {
            kind: _Upload(self._blobs, key, RESULT_CONTENT_TYPES[kind])
            for kind, key in keys.items()
        }
        writers = {
            "csv": CsvResultWriter(uploads["csv"].write, header),
            "xlsx": XlsxResultWriter(uploads["xlsx"].write, header),
        }
        streams = ResultStreams(writers, uploads)
        try:
            yield streams
            await streams.complete()
        except BaseException:
            await streams.abandon()
            raise


class ResultStreams:
    """`ResultSink`: rows go to every writer in a thread, bytes to the store."""

    def __init__(self, writers: dict[str, Any], uploads: dict[ResultFormat, _Upload]) -> None:
        self._writers = writers
        self._uploads = uploads

    async def write(
        self, rows: Sequence[list[str]], predictions: Sequence[Prediction | None]
    ) -> None:
        await asyncio.to_thread(self._write_rows, rows, predictions)
        for upload in self._uploads.values():
            await upload.send_ready()

    async def complete(self) -> None:
        await asyncio.to_thread(self._close_writers)
        for upload in self._uploads.values():
            await upload.finish()

    async def abandon(self) -> None:
        for upload in self._uploads.values():
            await upload.cancel()

    def _write_rows(
        self, rows: Sequence[list[str]], predictions: Sequence[Prediction | None]
    ) -> None:
        for row, prediction in zip(rows, predictions, strict=True):
            label, scores = _result_of(prediction)
            for writer in self._writers.values():
                writer.write_row(row, label, scores)

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()


class _Upload:
    """Bytes a writer produced, on their way to one object.

    The writer appends in a worker thread; the loop hands full chunks to the
    store's streaming `put`, so memory holds a few chunks at most.
    """

    def __init__(self, blobs: BlobStore, key: str, content_type: str) -> None:
        self._buffer = bytearray()
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue(_QUEUED_CHUNKS)
        self._put = asyncio.ensure_future(blobs.put(key, self._chunks(), content_type))

    def write(self, data: bytes) -> None:
        self._buffer += data

    async def send_ready(self) -> None:
        while len(self._buffer) >= UPLOAD_CHUNK_BYTES:
            chunk = bytes(self._buffer[:UPLOAD_CHUNK_BYTES])
            del self._buffer[:UPLOAD_CHUNK_BYTES]
            await self._offer(chunk)

    async def finish(self) -> None:
        await self.send_ready()
        if self._buffer:
            await self._offer(bytes(self._buffer))
            self._buffer.clear()
        await self._offer(None)
        await self._put

    async def cancel(self) -> None:
        self._put.cancel()
        with contextlib.suppress(BaseException):
            await self._put

    async def _offer(self, chunk: bytes | None) -> None:
        """Queue a chunk, or raise the store's error if the upload failed."""
        offer = asyncio.ensure_future(self._queue.put(chunk))
        await asyncio.wait({offer, self._put}, return_when=asyncio.FIRST_COMPLETED)
        if not offer.done():
            offer.cancel()
            self._put.result()
            raise RuntimeError("the result upload ended early")

    async def _chunks(self) -> AsyncIterator[bytes]:
        while (chunk := await self._queue.get()) is not None:
            yield chunk


def _result_of(prediction: Prediction | None) -> tuple[str, tuple[float, float, float] | None]:
    if prediction is None:
        return "empty", None

    scores = prediction.scores
    return prediction.label, (scores.negative, scores.neutral, scores.positive)


async def _download(blobs: BlobStore, key: str, path: Path) -> None:
    file: BinaryIO = await asyncio.to_thread(path.open, "wb")
    try:
        async for chunk in blobs.get(key, UPLOAD_CHUNK_BYTES):
            await asyncio.to_thread(file.write, chunk)
    finally:
        await asyncio.to_thread(file.close)


def _next_batch(rows: Iterator[list[str]], size: int) -> asyncio.Future[list[list[str]]]:
    return asyncio.ensure_future(_in_thread(lambda: list(islice(rows, size))))


def _count_rows(path: Path, kind: FileKind, limits: XlsxLimits, limit: int) -> int:
    if kind == "xlsx":
        return count_xlsx_rows(path, limit, limits)

    with open_table(path, kind, limits=limits) as table:
        return sum(1 for _ in islice(table.rows(), limit + 1))


async def _in_thread(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return await asyncio.to_thread(call, *args, **kwargs)
    except SpreadsheetError as error:
        raise SpreadsheetProblem(error.detail) from None
