"""GET /admin/users/{user_id}: one user."""

from litestar import get
from litestar.di import NamedDependency

from api.fields import UserId
from api.guards import requires_admin
from api.openapi import errors
from api.schemas import UserOut
from domain.administration import Administration


@get(
    "/admin/users/{user_id:int}",
    guards=[requires_admin],
    tags=["admin"],
    responses=errors((404, "no user has this id")),
)
async def user_get(user_id: UserId, administration: NamedDependency[Administration]) -> UserOut:
    """The user with this id; 404 if there is none."""
    user = await administration.get_user(user_id)

    return UserOut.of(user)
