"""GET / and any other page path: the single-page web client from `web/dist`.

A file that exists is served as it is; any other path is a page the client
routes itself, so it gets `index.html` (history fallback). Hashed files under
`assets/` never change, so browsers keep them for a year; `index.html` names
the current ones and is checked on every visit.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from litestar import Response, get
from litestar.params import FromPath
from litestar.response import File

from api.errors import ErrorBody, error_response

DIST = (Path(__file__).parents[2] / "web" / "dist").resolve()

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
SHORT = "public, max-age=3600"

# Where a miss is a missing file or API route, never a page of the client.
NOT_PAGE_PREFIXES = ("api/", "assets/")
NOT_PAGES = frozenset({"api", "metrics"})


Answer = File | Response[ErrorBody]


@get("/", include_in_schema=False, opt={"public": True}, sync_to_thread=False)
def client_index() -> Answer:
    """The client's start page."""
    return _page_or_file("")


@get("/{path:path}", include_in_schema=False, opt={"public": True}, sync_to_thread=False)
def client_path(path: FromPath[str]) -> Answer:
    """The file at `path` under `web/dist`, else the client's index page."""
    return _page_or_file(path.lstrip("/"))


def _page_or_file(relative: str) -> Answer:
    found = _file_in_dist(relative)
    if found is not None:
        cache = IMMUTABLE if relative.startswith("assets/") else SHORT
        return _file(found, cache)

    if relative in NOT_PAGES or relative.startswith(NOT_PAGE_PREFIXES):
        return error_response(404, f"nothing is served at /{relative}")

    index = DIST / "index.html"
    if not index.is_file():
        return error_response(
            503, "the web client is not built; run `npm ci && npm run build` in web/"
        )

    return _file(index, REVALIDATE)


def _file_in_dist(relative: str) -> Path | None:
    """The regular file `relative` names inside DIST; nothing outside it."""
    if not relative or relative == "index.html":
        return None

    try:
        candidate = (DIST / relative).resolve()
        if not candidate.is_relative_to(DIST) or not candidate.is_file():
            return None
    except (OSError, ValueError):  # a NUL byte, a name too long for the file system
        return None

    return candidate


def _file(path: Path, cache_control: str) -> File:
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    # Litestar adds the charset to text/* types itself.
    if not media_type.startswith("text/") and media_type.endswith(("javascript", "svg+xml")):
        media_type += "; charset=utf-8"

    return File(
        path,
        media_type=media_type,
        content_disposition_type="inline",
        headers={"Cache-Control": cache_control},
    )
