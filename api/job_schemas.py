"""How file jobs look to clients."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar.params import Parameter

from domain.jobs import Job, JobPage, JobStatus, Summary

# Job ids are a Postgres `bigserial`.
POSTGRES_BIGINT_MAX = 2**63 - 1

JobId = Annotated[int, Parameter(ge=1, le=POSTGRES_BIGINT_MAX, description="the job's id")]


class ProgressOut(msgspec.Struct, kw_only=True):
    done: int
    total: int


class SummaryOut(msgspec.Struct, kw_only=True):
    negative: int
    neutral: int
    positive: int
    empty: int

    @classmethod
    def of(cls, summary: Summary) -> SummaryOut:
        return cls(
            negative=summary.negative,
            neutral=summary.neutral,
            positive=summary.positive,
            empty=summary.empty,
        )


class JobOut(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A file job; `error` and `finished_at` appear once they apply."""

    id: int
    file_name: str
    column: str | None
    status: JobStatus
    progress: ProgressOut
    summary: SummaryOut
    created_at: datetime
    error: str | None = None
    finished_at: datetime | None = None

    @classmethod
    def of(cls, job: Job) -> JobOut:
        return cls(
            id=job.id,
            file_name=job.file_name,
            column=job.column,
            status=job.status,
            progress=ProgressOut(done=job.done, total=job.total),
            summary=SummaryOut.of(job.summary),
            created_at=job.created_at,
            error=job.error,
            finished_at=job.finished_at,
        )


class JobPageOut(msgspec.Struct, kw_only=True):
    items: list[JobOut]
    total: int
    page: int
    page_size: int

    @classmethod
    def of(cls, page: JobPage) -> JobPageOut:
        return cls(
            items=[JobOut.of(job) for job in page.items],
            total=page.total,
            page=page.page,
            page_size=page.page_size,
        )
