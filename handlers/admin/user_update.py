"""PATCH /admin/users/{user_id}: edit a user on their behalf."""

import msgspec
from litestar import patch
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.fields import AuthedRequest, FirstName, LastName, NewPassword, UserId
from api.guards import requires_admin
from api.openapi import errors
from api.schemas import UserOut
from domain.administration import Administration
from domain.users import Role


class AccountEdit(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    first_name: FirstName | msgspec.UnsetType = msgspec.UNSET
    last_name: LastName | msgspec.UnsetType = msgspec.UNSET
    role: Role | msgspec.UnsetType = msgspec.UNSET
    is_active: bool | msgspec.UnsetType = msgspec.UNSET
    password: NewPassword | msgspec.UnsetType = msgspec.UNSET


@patch(
    "/admin/users/{user_id:int}",
    guards=[requires_admin],
    tags=["admin"],
    responses=errors(
        (404, "no user has this id"),
        (409, "an admin cannot demote or deactivate themself, nor the last active admin"),
    ),
)
async def user_update(
    user_id: UserId,
    data: JSONBody[AccountEdit],
    request: AuthedRequest,
    administration: NamedDependency[Administration],
) -> UserOut:
    """Apply the given fields; role, activity or password changes end the
    user's sessions at once.

    Raises 409 when an admin would demote or deactivate themself, or leave
    no active admin.
    """
    user = await administration.update_user(request.user, user_id, **msgspec.structs.asdict(data))

    return UserOut.of(user)
