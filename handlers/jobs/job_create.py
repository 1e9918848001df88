"""POST /jobs: upload a spreadsheet for analysis."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

from litestar import post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import MultipartBody

from api.fields import AuthedRequest
from api.job_schemas import JobOut
from api.openapi import errors
from domain.jobs import FileJobs

CHUNK_BYTES = 1 << 20


@dataclass
class JobUpload:
    file: UploadFile
    column: str | None = None


@post(
    "/jobs",
    status_code=202,
    opt={"body_limit": "upload"},
    tags=["jobs"],
    responses=errors(
        (413, "the file is over the upload size limit"),
        (415, "the file is not a .csv or .xlsx file by its name and content"),
        (422, "the file is empty, or the column name is not usable"),
    ),
)
async def job_create(
    data: MultipartBody[JobUpload],
    request: AuthedRequest,
    jobs: NamedDependency[FileJobs],
) -> JobOut:
    """Store a CSV or XLSX file and queue the analysis of one column.

    `column` names the text column (default: the first one). The job runs
    in the background: poll GET /jobs/{id} until it is done or failed.
    """
    upload = data.file
    job = await jobs.submit(request.user, upload.filename or "", data.column, _chunks(upload))

    return JobOut.of(job)


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK_BYTES):
        yield chunk
