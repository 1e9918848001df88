"""DELETE /admin/users/{user_id}: remove a user."""

from litestar import delete
from litestar.di import NamedDependency

from api.fields import AuthedRequest, UserId
from api.guards import requires_admin
from api.openapi import errors
from domain.administration import Administration


@delete(
    "/admin/users/{user_id:int}",
    status_code=204,
    guards=[requires_admin],
    tags=["admin"],
    responses=errors(
        (404, "no user has this id"),
        (409, "an admin cannot delete themself, nor the last active admin"),
    ),
)
async def user_delete(
    user_id: UserId, request: AuthedRequest, administration: NamedDependency[Administration]
) -> None:
    """Delete the user, their sessions and stored objects.

    Raises 409 for one's own account or the last active admin.
    """
    await administration.delete_user(request.user, user_id)
