"""POST /auth/login: exchange credentials for a session cookie."""

import msgspec
from litestar import Request, Response, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.cookies import SESSION_COOKIE, CookiePolicy
from api.fields import Email, Password
from api.openapi import errors
from api.schemas import UserOut
from domain.auth import AuthService


class Credentials(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    email: Email
    password: Password


@post(
    "/auth/login",
    status_code=200,
    opt={"public": True},
    tags=["accounts"],
    responses=errors(
        (401, "wrong email or password, or an inactive account (one message for all)"),
        429,
    ),
)
async def login(
    data: JSONBody[Credentials],
    request: Request,
    auth: NamedDependency[AuthService],
    cookie_policy: NamedDependency[CookiePolicy],
) -> Response[UserOut]:
    """Check the credentials and set the `session` and `csrftoken` cookies.

    Raises 401 for a wrong email or password or an inactive account (one
    message for all three) and 429 with Retry-After after repeated failures.
    """
    result = await auth.login(
        data.email, data.password, replacing=request.cookies.get(SESSION_COOKIE)
    )

    return Response(
        UserOut.of(result.user),
        cookies=cookie_policy.for_login(result.token, result.csrf_token),
    )
