"""Route guards on top of the session middleware."""

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from domain.errors import Forbidden
from domain.users import User


def requires_admin(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    user: User = connection.user
    if not user.is_admin:
        raise Forbidden("admin role required")
