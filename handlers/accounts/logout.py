"""POST /auth/logout: end the session and clear the cookies."""

from litestar import Request, Response, post
from litestar.di import NamedDependency

from api.cookies import SESSION_COOKIE, CookiePolicy
from api.openapi import no_content
from domain.auth import AuthService


@post(
    "/auth/logout",
    status_code=204,
    opt={"public": True},
    tags=["accounts"],
    responses=no_content("logged out; both cookies cleared"),
)
async def logout(
    request: Request,
    auth: NamedDependency[AuthService],
    cookie_policy: NamedDependency[CookiePolicy],
) -> Response[None]:
    """Always 204, whether or not the session exists or the cache is up.

    Exempt from the CSRF check: the worst a forged logout can do is log
    the user out, and SameSite=Lax already keeps the session cookie off
    cross-site POSTs.
    """
    await auth.logout(request.cookies.get(SESSION_COOKIE))

    return Response(None, status_code=204, cookies=cookie_policy.cleared())
