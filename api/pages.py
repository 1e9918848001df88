"""Query parameters every list endpoint takes."""

from datetime import date
from typing import Annotated

from litestar.params import Parameter

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
# Far past any real listing, yet (page - 1) * page_size stays well inside
# the bigint Postgres takes for OFFSET.
MAX_PAGE_NUMBER = 1_000_000

PageNumber = Annotated[
    int,
    Parameter(ge=1, le=MAX_PAGE_NUMBER, description=f"page number, from 1 to {MAX_PAGE_NUMBER}"),
]
PageSize = Annotated[
    int, Parameter(ge=1, le=MAX_PAGE_SIZE, description=f"items per page, at most {MAX_PAGE_SIZE}")
]
SearchText = Annotated[str | None, Parameter(max_length=200, description="substring to look for")]

DateFrom = Annotated[
    date | None,
    Parameter(description="only items created on this day (UTC, YYYY-MM-DD) or later"),
]
DateTo = Annotated[
    date | None,
    Parameter(description="only items created on this day (UTC, YYYY-MM-DD) or earlier"),
]
