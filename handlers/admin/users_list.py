"""GET /admin/users: find users, a page at a time."""

from litestar import get
from litestar.di import NamedDependency

from api.guards import requires_admin
from api.pages import DEFAULT_PAGE_SIZE, PageNumber, PageSize, SearchText
from api.schemas import UserPageOut
from domain.administration import Administration


@get("/admin/users", guards=[requires_admin], tags=["admin"])
async def users_list(
    administration: NamedDependency[Administration],
    page: PageNumber = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    q: SearchText = None,
) -> UserPageOut:
    """Users newest first; `q` matches a substring of the email or names."""
    found = await administration.list_users(q, page, page_size)

    return UserPageOut.of(found)
