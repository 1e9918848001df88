"""Gives every HTTP request an id: logged with each record, echoed in a header."""

from __future__ import annotations

import re
import uuid

from litestar._asgi.utils import wrap_in_exception_handler
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from infra.logging import request_id

HEADER = "x-request-id"
# Ids from a proxy are kept only if they cannot forge log lines or headers.
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == HEADER.encode():
            text = value.decode("latin-1")
            return text if SANE_ID.fullmatch(text) else None

    return None


class RequestIdMiddleware:
    """ASGI middleware; works as Litestar `middleware=[RequestIdMiddleware]`."""

    def __init__(self, app: ASGIApp) -> None:
        # NOTE: middleware further in (the session check) raises 401/403;
        # Litestar would turn those into responses outside this middleware,
        # unseen. Converting them here puts the header on every answer.
        self.app = wrap_in_exception_handler(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        current = incoming_request_id(scope) or uuid.uuid4().hex
        header = (HEADER.encode(), current.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        token = request_id.set(current)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)
