"""POST /auth/register: open an ordinary account."""

import msgspec
from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.fields import Email, FirstName, LastName, NewPassword
from api.openapi import errors
from api.schemas import UserOut
from domain.accounts import Accounts


class Registration(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    email: Email
    password: NewPassword
    first_name: FirstName
    last_name: LastName = ""


@post(
    "/auth/register",
    status_code=201,
    opt={"public": True},
    tags=["accounts"],
    responses=errors(
        (409, "the email is already registered"),
        (422, "invalid email, weak password, or a field missing, unknown or too long"),
    ),
)
async def register(data: JSONBody[Registration], accounts: NamedDependency[Accounts]) -> UserOut:
    """Create an active account with the user role.

    Raises 409 if the email is taken, 422 for an invalid email or a weak
    password (under 8 characters or a common one).
    """
    user = await accounts.register(data.email, data.password, data.first_name, data.last_name)

    return UserOut.of(user)
