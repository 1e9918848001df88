"""Turns the session cookie into `request.user` and checks CSRF.

Routes are private unless their handler says `opt={"public": True}`.
"""

from __future__ import annotations

from collections.abc import Callable

from litestar import Request
from litestar.types import ASGIApp, Receive, Scope, Send

from api.cookies import SESSION_COOKIE
from domain.auth import AuthService
from domain.errors import Forbidden, NotAuthenticated

CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SessionMiddleware:
    """Resolve the session for private routes; refuse the request without one."""

    def __init__(self, app: ASGIApp, auth: Callable[[], AuthService]) -> None:
        self.app = app
        self._auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["route_handler"].opt.get("public"):
            await self.app(scope, receive, send)
            return

        connection: Request = Request(scope)
        token = connection.cookies.get(SESSION_COOKIE)
        if not token:
            raise NotAuthenticated("log in first: this needs a session")

        auth = self._auth()
        found = await auth.resolve(token)
        if found is None:
            raise NotAuthenticated("your session has ended or is not valid; log in again")

        presented = connection.headers.get(CSRF_HEADER)
        if connection.method in UNSAFE_METHODS and not auth.csrf_matches(found.session, presented):
            raise Forbidden(
                "missing or invalid CSRF token; send the csrftoken cookie's value"
                " in the X-CSRF-Token header"
            )

        scope["user"] = found.user
        scope["auth"] = found.session
        await self.app(scope, receive, send)
