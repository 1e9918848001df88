"""Security headers on every response, errors and the schema page included."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

SCHEMA_PATH = "/api/schema"

# The API answers JSON and images only: nothing may run, load or frame it.
# `sandbox` also gives a stored file that a browser opened as a page (an
# image with HTML after its magic bytes) an origin of its own, no scripts.
API_POLICY = (
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"
)

# The interactive schema page runs Swagger UI from our own origin: its
# bundle, plus the inline start-up script and the inline styles it sets.
SCHEMA_PAGE_POLICY = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

# The web client's pages and files (handlers.web): its own scripts, styles
# and images only, and the API on the same origin. infra/nginx/tonality.conf
# sends the same policy when nginx serves the client.
WEB_CLIENT_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

HSTS = "max-age=31536000; includeSubDomains"


def security_headers(hsts: bool) -> BeforeMessageSendHookHandler:
    """A before-send hook; `hsts` only when the site is served over HTTPS."""

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return

        headers = MutableScopeHeaders.from_message(message)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        headers["Content-Security-Policy"] = _policy_for(scope.get("path", ""))
        # Answers carry accounts and sessions: no browser or proxy may keep
        # them unless the handler chose a policy (the avatar, the assets).
        if "cache-control" not in headers:
            headers["Cache-Control"] = "no-store"
        if hsts:
            headers["Strict-Transport-Security"] = HSTS

    return add_headers


def _policy_for(path: str) -> str:
    """The schema page's, the API's below /api and at /metrics, else the client's."""
    if path.startswith(SCHEMA_PATH):
        return SCHEMA_PAGE_POLICY
    if path == "/api" or path.startswith(("/api/", "/metrics")):
        return API_POLICY

    return WEB_CLIENT_POLICY
