"""File jobs: a spreadsheet goes in, every row's sentiment comes out.

`FileJobs` is what a user does (upload, list, read, download, delete);
`JobRunner` is what a worker does with one queued job.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Literal, Protocol

import msgspec

from domain.blobs import BlobNotFound, BlobStore, new_blob_key
from domain.errors import DomainError, InvalidInput, NotFound, TooLarge, UnsupportedMedia
from domain.periods import Period
from domain.predictions import Prediction, SentimentClassifier
from domain.users import User

logger = logging.getLogger(__name__)

JobStatus = Literal["queued", "running", "done", "failed"]
ResultFormat = Literal["xlsx", "csv"]
FileKind = Literal["csv", "xlsx"]
RESULT_FORMATS: tuple[ResultFormat, ...] = ("xlsx", "csv")
RESULT_CONTENT_TYPES: dict[ResultFormat, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}

FILE_NAME_MAX_LENGTH = 255
COLUMN_NAME_MAX_LENGTH = 255


class Summary(msgspec.Struct, kw_only=True):
    """How many rows got each label; `empty` rows had no text."""

    negative: int = 0
    neutral: int = 0
    positive: int = 0
    empty: int = 0

    def count(self, label: str) -> None:
        setattr(self, label, getattr(self, label) + 1)


class Job(msgspec.Struct, kw_only=True):
    id: int
    user_id: int
    file_name: str
    kind: FileKind
    column: str | None
    status: JobStatus
    done: int
    total: int
    summary: Summary
    error: str | None
    attempts: int
    upload_key: str
    result_keys: dict[ResultFormat, str]
    created_at: datetime
    finished_at: datetime | None


class NewJob(msgspec.Struct, kw_only=True):
    user_id: int
    file_name: str
    kind: FileKind
    column: str | None
    upload_key: str
    upload_bytes: int
    created_at: datetime


class Download(msgspec.Struct, kw_only=True):
    file_name: str
    content_type: str
    size: int
    chunks: AsyncIterator[bytes]


class JobPage(msgspec.Struct, kw_only=True):
    items: list[Job]
    total: int
    page: int
    page_size: int


class JobRepository(Protocol):
    async def add(self, new: NewJob) -> Job: ...

    async def get(self, job_id: int) -> Job | None: ...

    async def find(self, user_id: int, job_id: int) -> Job | None:
        """The job if it is this user's."""
        ...

    async def list(
        self, user_id: int, q: str | None, period: Period, page: int, page_size: int
    ) -> JobPage:
        """The user's jobs newest first; `q` is a substring of the file name."""
        ...

    async def begin_attempt(
        self, job_id: int, result_keys: dict[ResultFormat, str], now: datetime
    ) -> Job | None:
        """Mark a queued or running job running again with fresh result keys,
        progress and summary reset, attempts counted; None if it is gone or
        finished. The job returned carries the *previous* result keys."""
        ...

    async def report_progress(self, job_id: int, done: int, total: int, summary: Summary) -> bool:
        """Save progress; False if the job was deleted meanwhile."""
        ...

    async def finish(self, job_id: int, done: int, summary: Summary, now: datetime) -> bool: ...

    async def fail(self, job_id: int, error: str, now: datetime) -> bool: ...

    async def requeue(self, job_id: int, *, refund_attempt: bool = False) -> bool:
        """Put a running job back in the queued state; `refund_attempt`
        uncounts the attempt that was cut short."""
        ...

    async def remove(self, user_id: int, job_id: int) -> Job | None:
        """Delete the job if it is this user's; the deleted job, or None."""
        ...


class JobQueue(Protocol):
    async def enqueue(self, job_id: int, delay_seconds: float = 0) -> None: ...


class FileTypes(Protocol):
    def kind_of(self, file_name: str, head: bytes) -> FileKind:
        """The kind by name and first bytes; raise `UnsupportedMedia` otherwise."""
        ...


class Table(Protocol):
    """An opened upload: a header, then rows of text cells."""

    header: list[str]

    def column_index(self, name: str | None) -> int:
        """Raise `SpreadsheetProblem` naming the columns if `name` is not one."""
        ...

    async def count_rows(self, limit: int) -> int:
        """Data rows below the header; counting stops past `limit`."""
        ...

    def batches(self, size: int) -> AsyncIterator[list[list[str]]]: ...


class TableReader(Protocol):
    def open(self, key: str, kind: FileKind) -> AbstractAsyncContextManager[Table]:
        """Raise `SpreadsheetProblem` for a file that cannot be read."""
        ...


class ResultSink(Protocol):
    async def write(
        self, rows: Sequence[list[str]], predictions: Sequence[Prediction | None]
    ) -> None: ...


class ResultWriter(Protocol):
    def open(
        self, keys: dict[ResultFormat, str], header: list[str]
    ) -> AbstractAsyncContextManager[ResultSink]:
        """Write every format to its key as rows arrive; complete on a clean exit."""
        ...


class SpreadsheetProblem(DomainError):
    """The file cannot be analysed as it is; `detail` says why."""

    status_code = 422


class JobCancelled(Exception):
    """The job was deleted while it ran."""


class WorkerStopping(Exception):
    """The worker was told to stop while the job ran."""


class ResultNotReady(DomainError):
    status_code = 409


class FileJobs:
    """What a user does with file jobs; every job is visible to its owner only."""

    def __init__(
        self,
        *,
        jobs: JobRepository,
        queue: JobQueue,
        blobs: BlobStore,
        file_types: FileTypes,
        max_upload_bytes: int,
        clock: Callable[[], datetime],
    ) -> None:
        self._jobs = jobs
        self._queue = queue
        self._blobs = blobs
        self._file_types = file_types
        self._max_upload_bytes = max_upload_bytes
        self._clock = clock

    async def submit(
        self, user: User, file_name: str, column: str | None, chunks: AsyncIterable[bytes]
    ) -> Job:
        """Store the upload as it streams in and queue its analysis.

        Raises 415 for a file that is not CSV or XLSX by name and content,
        413 past the size limit, 422 for an empty file or a bad column name.
        """
        file_name = _clean_file_name(file_name)
        column = _clean_column(column)
        stream = aiter(chunks)
        head = await anext(stream, b"")
        if not head:
            raise InvalidInput("the file is empty; upload a CSV or XLSX file with a header row")
        kind = self._file_types.kind_of(file_name, head)

        key = new_blob_key(user.id, "uploads")
        sized = _limited(head, stream, self._max_upload_bytes)
        try:
            stored = await self._blobs.put(key, sized, "application/octet-stream")
            job = await self._jobs.add(
                NewJob(
                    user_id=user.id,
                    file_name=file_name,
                    kind=kind,
                    column=column,
                    upload_key=key,
                    upload_bytes=stored.size,
                    created_at=self._clock(),
                )
            )
        except BaseException:
            with contextlib.suppress(Exception):
                await self._blobs.delete(key)
            raise

        try:
            await self._queue.enqueue(job.id)
        except BaseException:
            await self._forget(job)
            raise

        logger.info("job queued job_id=%s kind=%s bytes=%s", job.id, kind, stored.size)
        return job

    async def list(
        self, user: User, q: str | None, period: Period, page: int, page_size: int
    ) -> JobPage:
        return await self._jobs.list(user.id, q, period, page, page_size)

    async def get(self, user: User, job_id: int) -> Job:
        job = await self._jobs.find(user.id, job_id)
        if job is None:
            raise NotFound(f"job {job_id} not found")

        return job

    async def result(self, user: User, job_id: int, result_format: ResultFormat) -> Download:
        """The finished job's result as a stream; 409 until it is done."""
        job = await self.get(user, job_id)
        if job.status != "done":
            raise ResultNotReady(f"job {job_id} is {job.status}; its result exists once it is done")

        key = job.result_keys[result_format]
        try:
            stored = await self._blobs.stat(key)
        except BlobNotFound:
            raise NotFound(f"the result of job {job_id} is gone; run the file again") from None

        stem = job.file_name.rsplit(".", 1)[0] or "result"
        return Download(
            file_name=f"{stem}-sentiment.{result_format}",
            content_type=RESULT_CONTENT_TYPES[result_format],
            size=stored.size,
            chunks=self._blobs.get(key),
        )

    async def delete(self, user: User, job_id: int) -> None:
        """Delete the job and its objects; a running job stops within a second."""
        job = await self._jobs.remove(user.id, job_id)
        if job is None:
            raise NotFound(f"job {job_id} not found")

        await _delete_objects(self._blobs, job)
        logger.info("job deleted job_id=%s status=%s", job.id, job.status)

    async def _forget(self, job: Job) -> None:
        """Undo a submission that could not be queued, as far as possible."""
        with contextlib.suppress(Exception):
            await self._jobs.remove(job.user_id, job.id)
        with contextlib.suppress(Exception):
            await _delete_objects(self._blobs, job)


class JobRunner:
    """Runs one queued job: rows through the classifier into the results."""

    def __init__(
        self,
        *,
        jobs: JobRepository,
        queue: JobQueue,
        blobs: BlobStore,
        tables: TableReader,
        results: ResultWriter,
        classifier: SentimentClassifier,
        max_rows: int,
        max_attempts: int,
        clock: Callable[[], datetime],
        batch_rows: int = 128,
        progress_seconds: float = 0.5,
        retry_delay_seconds: float = 10.0,
    ) -> None:
        self._jobs = jobs
        self._queue = queue
        self._blobs = blobs
        self._tables = tables
        self._results = results
        self._classifier = classifier
        self._max_rows = max_rows
        self._max_attempts = max_attempts
        self._clock = clock
        self._batch_rows = batch_rows
        self._progress_seconds = progress_seconds
        self._retry_delay = retry_delay_seconds
        self._stopping = False

    async def run(self, job_id: int) -> None:
        """Run the job from its first row; a retry starts over, so a result
        never holds a row twice. Problems with the file fail the job with a
        sentence; a backing service that is down puts it back in the queue."""
        job = await self._jobs.get(job_id)
        if job is None or job.status in ("done", "failed"):
            logger.info("job skipped job_id=%s reason=gone-or-finished", job_id)
            return

        keys = {kind: new_blob_key(job.user_id, "results") for kind in RESULT_FORMATS}
        started = await self._jobs.begin_attempt(job_id, keys, self._clock())
        if started is None:
            return
        await self._delete_results(started.result_keys)

        attempt = started.attempts + 1
        if attempt > self._max_attempts:
            await self._fail(
                started,
                keys,
                f"the job was interrupted {self._max_attempts} times before it could finish; "
                "try a smaller file",
            )
            return

        logger.info("job started job_id=%s attempt=%s", job_id, attempt)
        began = time.monotonic()
        try:
            done, summary = await self._analyse(started, keys)
        except SpreadsheetProblem as problem:
            await self._fail(started, keys, problem.detail)
            return
        except JobCancelled:
            await self._delete_results(keys)
            logger.info("job cancelled job_id=%s", job_id)
            return
        except WorkerStopping:
            await self._hand_back(started, keys)
            return
        except Exception:
            logger.exception("job attempt failed job_id=%s attempt=%s", job_id, attempt)
            await self._retry_later(started, keys, attempt)
            return

        if not await self._jobs.finish(job_id, done, summary, self._clock()):
            await self._delete_results(keys)
            return

        seconds = time.monotonic() - began
        logger.info("job finished job_id=%s rows=%s seconds=%.1f", job_id, done, seconds)

    def stop(self) -> None:
        """Cut running jobs short at their next progress report and put
        them back in the queue, so a stopping worker exits in seconds."""
        self._stopping = True

    async def _hand_back(self, job: Job, keys: dict[ResultFormat, str]) -> None:
        await self._delete_results(keys)
        if await self._jobs.requeue(job.id, refund_attempt=True):
            await self._queue.enqueue(job.id)
        logger.info("job handed back to the queue job_id=%s", job.id)

    async def _retry_later(self, job: Job, keys: dict[ResultFormat, str], attempt: int) -> None:
        """After a failure that was not the file's fault: again later, or give up."""
        with contextlib.suppress(Exception):
            await self._delete_results(keys)

        if attempt >= self._max_attempts:
            await self._jobs.fail(
                job.id,
                f"analysing the file failed {attempt} times on our side; try again later",
                self._clock(),
            )
            return

        await self._jobs.requeue(job.id)
        await self._queue.enqueue(job.id, delay_seconds=self._retry_delay)
        logger.info("job requeued job_id=%s attempt=%s", job.id, attempt)

    async def _analyse(self, job: Job, keys: dict[ResultFormat, str]) -> tuple[int, Summary]:
        summary = Summary()
        done = 0

        async with self._tables.open(job.upload_key, job.kind) as table:
            column = table.column_index(job.column)
            total = await self._counted_rows(table)
            await self._report(job.id, done, total, summary)
            last_report = time.monotonic()

            async with self._results.open(keys, table.header) as sink:
                async for rows in table.batches(self._batch_rows):
                    predictions = await self._predict(rows, column)
                    await sink.write(rows, predictions)
                    _count(summary, predictions)
                    done += len(rows)

                    if time.monotonic() - last_report >= self._progress_seconds:
                        await self._report(job.id, done, total, summary)
                        last_report = time.monotonic()

        return done, summary

    async def _counted_rows(self, table: Table) -> int:
        total = await table.count_rows(self._max_rows)
        if total > self._max_rows:
            raise SpreadsheetProblem(
                f"the file has more than {self._max_rows:,} rows, the most one job takes; "
                "split it into smaller files"
            )
        if total == 0:
            raise SpreadsheetProblem("the file has a header row but no rows below it")

        return total

    async def _predict(self, rows: Sequence[list[str]], column: int) -> list[Prediction | None]:
        texts = [row[column].strip() if column < len(row) else "" for row in rows]
        filled = [index for index, text in enumerate(texts) if text]
        found = await self._classifier.predict([texts[index] for index in filled])

        predictions: list[Prediction | None] = [None] * len(rows)
        for index, prediction in zip(filled, found, strict=True):
            predictions[index] = prediction

        return predictions

    async def _report(self, job_id: int, done: int, total: int, summary: Summary) -> None:
        if not await self._jobs.report_progress(job_id, done, total, summary):
            raise JobCancelled
        if self._stopping:
            raise WorkerStopping

    async def _fail(self, job: Job, keys: dict[ResultFormat, str], error: str) -> None:
        await self._delete_results(keys)
        await self._jobs.fail(job.id, error, self._clock())
        logger.info("job failed job_id=%s reason=%r", job.id, error)

    async def _delete_results(self, keys: dict[ResultFormat, str]) -> None:
        for key in keys.values():
            await self._blobs.delete(key)


def _count(summary: Summary, predictions: Sequence[Prediction | None]) -> None:
    for prediction in predictions:
        summary.count("empty" if prediction is None else prediction.label)


async def _delete_objects(blobs: BlobStore, job: Job) -> None:
    await blobs.delete(job.upload_key)
    for key in job.result_keys.values():
        await blobs.delete(key)


async def _limited(head: bytes, rest: AsyncIterator[bytes], max_bytes: int) -> AsyncIterator[bytes]:
    size = len(head)
    if size > max_bytes:
        raise TooLarge(_too_large(max_bytes))
    yield head

    async for chunk in rest:
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(_too_large(max_bytes))
        yield chunk


def _too_large(max_bytes: int) -> str:
    return f"the file is larger than {max_bytes // (1 << 20)} MB, the most one upload takes"


def _clean_file_name(file_name: str) -> str:
    name = file_name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(char for char in name if char.isprintable())
    if not name:
        raise UnsupportedMedia("the file has no name; upload a .csv or .xlsx file")

    return name[-FILE_NAME_MAX_LENGTH:]


def _clean_column(column: str | None) -> str | None:
    if column is None or not column.strip():
        return None
    if len(column) > COLUMN_NAME_MAX_LENGTH:
        raise InvalidInput(f"column must be at most {COLUMN_NAME_MAX_LENGTH} characters long")
    if "\x00" in column:
        raise InvalidInput("column must not contain NUL characters")

    return column.strip()
