"""DELETE /jobs/{job_id}: forget a job and its files."""

from litestar import delete
from litestar.di import NamedDependency

from api.fields import AuthedRequest
from api.job_schemas import JobId
from api.openapi import errors, no_content
from domain.jobs import FileJobs


@delete(
    "/jobs/{job_id:int}",
    status_code=204,
    tags=["jobs"],
    responses={
        **no_content("the job, its upload and its results are gone"),
        **errors((404, "no job of yours has this id")),
    },
)
async def job_delete(
    job_id: JobId, request: AuthedRequest, jobs: NamedDependency[FileJobs]
) -> None:
    """Delete the job and its stored files; a running job stops within a second."""
    await jobs.delete(request.user, job_id)
