"""GET /me: the logged-in user."""

from litestar import get

from api.fields import AuthedRequest
from api.schemas import UserOut


@get("/me", tags=["accounts"])
async def me_get(request: AuthedRequest) -> UserOut:
    """The account behind the session; 401 without one."""
    return UserOut.of(request.user)
