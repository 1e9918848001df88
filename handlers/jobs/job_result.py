"""GET /jobs/{job_id}/result: download the analysed file."""

from typing import Annotated, Literal
from urllib.parse import quote

from litestar import get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import Parameter
from litestar.response import Stream

from api.fields import AuthedRequest
from api.job_schemas import JobId
from api.openapi import errors
from domain.jobs import FileJobs

Format = Annotated[
    Literal["xlsx", "csv"], Parameter(description="xlsx (the default) or csv (UTF-8 with BOM)")
]


@get(
    "/jobs/{job_id:int}/result",
    tags=["jobs"],
    responses={
        200: ResponseSpec(
            bytes,
            description="the input rows plus label, negative, neutral and positive",
            media_type="application/octet-stream",
            generate_examples=False,
        ),
        **errors((404, "no job of yours has this id"), (409, "the job is not done yet")),
    },
)
async def job_result(
    job_id: JobId,
    request: AuthedRequest,
    jobs: NamedDependency[FileJobs],
    format: Format = "xlsx",
) -> Stream:
    """The result file as an attachment; 409 until the job is done."""
    download = await jobs.result(request.user, job_id, format)

    return Stream(
        download.chunks,
        media_type=download.content_type,
        headers={
            "Content-Disposition": _attachment(download.file_name),
            "Content-Length": str(download.size),
            "Cache-Control": "private, no-store",
        },
    )


def _attachment(file_name: str) -> str:
    """RFC 6266: an ASCII fallback plus the UTF-8 name."""
    fallback = "".join(c if (c.isascii() and c.isalnum()) or c in "._-" else "_" for c in file_name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name)}"
