"""JSON bodies must say they are JSON.

An HTML form on another site can POST `text/plain` or form-encoded bodies
without a CORS preflight, but never `application/json`. Requiring the JSON
type keeps such forms off the routes that skip the CSRF check (login,
register) and gives every other client a clear 415 instead of a guess.
"""

from __future__ import annotations

from litestar import Request

from domain.errors import UnsupportedMedia


def is_json(content_type: str) -> bool:
    """`application/json` or `application/<something>+json`, any parameters."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media_type.partition("/")

    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


async def require_json_body(request: Request) -> None:
    """A `before_request` hook: refuse a body that does not claim to be JSON.

    A request with no body at all passes, so the handler can say which
    body it needs.
    """
    has_body = request.headers.get("content-length", "0") != "0" or (
        "transfer-encoding" in request.headers
    )
    if has_body and not is_json(request.headers.get("content-type", "")):
        raise UnsupportedMedia("send the body as JSON, with Content-Type: application/json")
