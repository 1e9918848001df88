"""GET /jobs/{job_id}: one job, with its progress."""

from litestar import get
from litestar.di import NamedDependency

from api.fields import AuthedRequest
from api.job_schemas import JobId, JobOut
from api.openapi import errors
from domain.jobs import FileJobs


@get("/jobs/{job_id:int}", tags=["jobs"], responses=errors((404, "no job of yours has this id")))
async def job_get(job_id: JobId, request: AuthedRequest, jobs: NamedDependency[FileJobs]) -> JobOut:
    """The job's status, progress and label counts; 404 if it is not yours."""
    job = await jobs.get(request.user, job_id)

    return JobOut.of(job)
