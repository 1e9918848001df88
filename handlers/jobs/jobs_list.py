"""GET /jobs: the user's file jobs, a page at a time."""

from litestar import get
from litestar.di import NamedDependency

from api.fields import AuthedRequest
from api.job_schemas import JobPageOut
from api.pages import DEFAULT_PAGE_SIZE, DateFrom, DateTo, PageNumber, PageSize, SearchText
from domain.jobs import FileJobs
from domain.periods import period_of


@get("/jobs", tags=["jobs"])
async def jobs_list(
    request: AuthedRequest,
    jobs: NamedDependency[FileJobs],
    page: PageNumber = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    q: SearchText = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
) -> JobPageOut:
    """Own jobs newest first; `q` matches a substring of the file name."""
    period = period_of(date_from, date_to)
    found = await jobs.list(request.user, q, period, page, page_size)

    return JobPageOut.of(found)
