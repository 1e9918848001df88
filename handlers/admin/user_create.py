"""POST /admin/users: create an account with any role."""

import msgspec
from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.fields import Email, FirstName, LastName, NewPassword
from api.guards import requires_admin
from api.openapi import errors
from api.schemas import UserOut
from domain.administration import Administration
from domain.users import Role


class NewAccount(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    email: Email
    password: NewPassword
    first_name: FirstName
    last_name: LastName = ""
    role: Role = Role.USER
    is_active: bool = True


@post(
    "/admin/users",
    status_code=201,
    guards=[requires_admin],
    tags=["admin"],
    responses=errors((409, "the email is already registered")),
)
async def user_create(
    data: JSONBody[NewAccount], administration: NamedDependency[Administration]
) -> UserOut:
    """Create a user; 409 if the email is taken, 422 for a weak password."""
    user = await administration.create_user(**msgspec.structs.asdict(data))

    return UserOut.of(user)
