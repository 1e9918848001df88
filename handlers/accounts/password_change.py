"""POST /me/password: replace one's password."""

import msgspec
from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.fields import AuthedRequest, NewPassword, Password
from api.openapi import errors
from domain.accounts import Accounts


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    current_password: Password
    new_password: NewPassword


@post(
    "/me/password",
    status_code=204,
    tags=["accounts"],
    responses=errors(
        (403, "the current password is incorrect, or the CSRF token is missing or invalid"),
        (422, "the new password is weak, or a field is missing, unknown or too long"),
        429,
    ),
)
async def password_change(
    data: JSONBody[PasswordChange], request: AuthedRequest, accounts: NamedDependency[Accounts]
) -> None:
    """Set a new password; the user's other sessions end, this one stays.

    Raises 403 if the current password is wrong, 422 if the new one is weak.
    """
    await accounts.change_password(
        request.user, request.auth, data.current_password, data.new_password
    )
