"""DELETE /me: close one's own account."""

import msgspec
from litestar import Response, delete
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.cookies import CookiePolicy
from api.fields import AuthedRequest, Password
from api.openapi import errors, no_content
from domain.accounts import Accounts


class AccountDeletion(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    password: Password


@delete(
    "/me",
    status_code=204,
    tags=["accounts"],
    responses={
        **no_content("the account and everything of it are gone; cookies cleared"),
        **errors(
            (403, "the password is incorrect, or the CSRF token is missing or invalid"),
            (409, "the last active admin cannot leave"),
            429,
        ),
    },
)
async def me_delete(
    data: JSONBody[AccountDeletion],
    request: AuthedRequest,
    accounts: NamedDependency[Accounts],
    cookie_policy: NamedDependency[CookiePolicy],
) -> Response[None]:
    """Delete the account, its sessions and stored objects; clear the cookies.

    Raises 403 if the password is wrong, 409 for the last active admin.
    """
    await accounts.delete_account(request.user, data.password)

    return Response(None, status_code=204, cookies=cookie_policy.cleared())
