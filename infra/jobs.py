"""File jobs kept in Postgres through Piccolo."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from piccolo.columns.combination import And, Where

from domain.jobs import Job, JobPage, NewJob, ResultFormat, Summary
from domain.periods import Period
from infra.db.search import like_pattern
from infra.db.tables import FileJobRow

_COLUMNS = FileJobRow.all_columns()
_ACTIVE = ("queued", "running")

# Returns the row as it was before the update: the runner deletes the
# objects of an interrupted attempt by the keys it had.
_BEGIN_ATTEMPT = """
UPDATE tonality_file_job AS job
SET status = 'running', attempts = job.attempts + 1, done = 0,
    negative = 0, neutral = 0, positive = 0, empty = 0,
    result_csv_key = {}, result_xlsx_key = {}, started_at = {}
FROM (
    SELECT * FROM tonality_file_job WHERE id = {} AND status IN ('queued', 'running')
    FOR UPDATE
) AS before
WHERE job.id = before.id
RETURNING before.*
"""


def _to_job(row: dict[str, Any]) -> Job:
    result_keys: dict[ResultFormat, str] = {}
    if row["result_csv_key"]:
        result_keys["csv"] = row["result_csv_key"]
    if row["result_xlsx_key"]:
        result_keys["xlsx"] = row["result_xlsx_key"]

    return Job(
        id=row["id"],
        user_id=row["user"],
        file_name=row["file_name"],
        kind=row["kind"],
        column=row["column"],
        status=row["status"],
        done=row["done"],
        total=row["total"],
        summary=Summary(
            negative=row["negative"],
            neutral=row["neutral"],
            positive=row["positive"],
            empty=row["empty"],
        ),
        error=row["error"],
        attempts=row["attempts"],
        upload_key=row["upload_key"],
        result_keys=result_keys,
        created_at=row["created_at"],
        finished_at=row["finished_at"],
    )


def _summary_values(summary: Summary) -> dict[Any, Any]:
    return {
        FileJobRow.negative: summary.negative,
        FileJobRow.neutral: summary.neutral,
        FileJobRow.positive: summary.positive,
        FileJobRow.empty: summary.empty,
    }


class PiccoloJobRepository:
    """`JobRepository` over the `tonality_file_job` table."""

    async def add(self, new: NewJob) -> Job:
        row = FileJobRow(
            user=new.user_id,
            file_name=new.file_name,
            kind=new.kind,
            column=new.column,
            upload_key=new.upload_key,
            upload_bytes=new.upload_bytes,
            created_at=new.created_at,
        )
        inserted = await FileJobRow.insert(row).returning(*_COLUMNS)

        return _to_job(inserted[0])

    async def get(self, job_id: int) -> Job | None:
        row = await FileJobRow.select(*_COLUMNS).where(FileJobRow.id == job_id).first()
        return _to_job(row) if row else None

    async def find(self, user_id: int, job_id: int) -> Job | None:
        query = FileJobRow.select(*_COLUMNS).where(
            FileJobRow.id == job_id, FileJobRow.user == user_id
        )
        row = await query.first()
        return _to_job(row) if row else None

    async def list(
        self, user_id: int, q: str | None, period: Period, page: int, page_size: int
    ) -> JobPage:
        where = _matching(user_id, q, period)
        rows = await (
            FileJobRow.select(*_COLUMNS)
            .where(where)
            .order_by(FileJobRow.created_at, FileJobRow.id, ascending=False)
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
        total = await FileJobRow.count().where(where)

        items = [_to_job(row) for row in rows]
        return JobPage(items=items, total=total, page=page, page_size=page_size)

    async def begin_attempt(
        self, job_id: int, result_keys: dict[ResultFormat, str], now: datetime
    ) -> Job | None:
        rows = await FileJobRow.raw(
            _BEGIN_ATTEMPT, result_keys["csv"], result_keys["xlsx"], now, job_id
        )
        return _to_job(rows[0]) if rows else None

    async def report_progress(self, job_id: int, done: int, total: int, summary: Summary) -> bool:
        values = {FileJobRow.done: done, FileJobRow.total: total, **_summary_values(summary)}
        return await self._update_active(job_id, values)

    async def finish(self, job_id: int, done: int, summary: Summary, now: datetime) -> bool:
        values = {
            FileJobRow.status: "done",
            FileJobRow.done: done,
            FileJobRow.total: done,
            FileJobRow.finished_at: now,
            **_summary_values(summary),
        }
        return await self._update_active(job_id, values)

    async def fail(self, job_id: int, error: str, now: datetime) -> bool:
        values = {
            FileJobRow.status: "failed",
            FileJobRow.error: error,
            FileJobRow.finished_at: now,
            FileJobRow.result_csv_key: None,
            FileJobRow.result_xlsx_key: None,
        }
        return await self._update_active(job_id, values)

    async def requeue(self, job_id: int, *, refund_attempt: bool = False) -> bool:
        values: dict[Any, Any] = {FileJobRow.status: "queued"}
        if refund_attempt:
            values[FileJobRow.attempts] = FileJobRow.attempts - 1
        return await self._update_active(job_id, values)

    async def remove(self, user_id: int, job_id: int) -> Job | None:
        rows = await (
            FileJobRow.delete()
            .where(FileJobRow.id == job_id, FileJobRow.user == user_id)
            .returning(*_COLUMNS)
        )
        return _to_job(rows[0]) if rows else None

    async def _update_active(self, job_id: int, values: dict[Any, Any]) -> bool:
        rows = await (
            FileJobRow.update(values)
            .where(FileJobRow.id == job_id, FileJobRow.status.is_in(list(_ACTIVE)))
            .returning(FileJobRow.id)
        )
        return bool(rows)


def _matching(user_id: int, q: str | None, period: Period) -> And | Where:
    where: And | Where = FileJobRow.user == user_id
    text = (q or "").strip()
    if text:
        where = where & FileJobRow.file_name.ilike(like_pattern(text))
    if period.start is not None:
        where = where & (FileJobRow.created_at >= period.start)
    if period.end is not None:
        where = where & (FileJobRow.created_at < period.end)

    return where
