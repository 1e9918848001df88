"""The web group serves the built client: files, history fallback, caching."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from handlers.web.client import DIST
from infra.settings import Settings
from tonality.app import create_app


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """Just the web group; it needs no backing service, so no lifespan runs."""
    app = create_app(Settings(data_dir=tmp_path), ["web"])
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
        yield client


def bundle_paths() -> list[str]:
    index = (DIST / "index.html").read_text()
    return re.findall(r'(?:src|href)="(/assets/[^"]+)"', index)


def test_the_committed_build_names_only_files_it_has() -> None:
    paths = bundle_paths()

    assert any(path.endswith(".js") for path in paths)
    assert any(path.endswith(".css") for path in paths)
    for path in paths:
        assert (DIST / path.lstrip("/")).is_file(), f"{path} is missing; run npm run build in web/"


async def test_index_is_revalidated_on_every_visit(web: httpx.AsyncClient) -> None:
    response = await web.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert '<div id="app">' in response.text


@pytest.mark.parametrize("path", ["/login", "/history?tab=files", "/admin/users/7"])
async def test_client_routes_fall_back_to_the_index(web: httpx.AsyncClient, path: str) -> None:
    response = await web.get(path)

    assert response.status_code == 200
    assert '<div id="app">' in response.text
    assert response.headers["cache-control"] == "no-cache"


async def test_hashed_assets_are_cached_for_a_year(web: httpx.AsyncClient) -> None:
    script = next(path for path in bundle_paths() if path.endswith(".js"))

    response = await web.get(script)

    assert response.status_code == 200
    assert response.headers["content-type"].count("charset") == 1
    assert "javascript" in response.headers["content-type"]
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_pages_may_run_their_own_scripts_only(web: httpx.AsyncClient) -> None:
    policy = (await web.get("/")).headers["content-security-policy"]

    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "sandbox" not in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.parametrize("path", ["/assets/gone-1234.js", "/api/v1/nowhere", "/metrics"])
async def test_missing_files_and_api_paths_are_404_not_pages(
    web: httpx.AsyncClient, path: str
) -> None:
    response = await web.get(path)

    assert response.status_code == 404
    assert response.json()["detail"]


async def test_api_paths_keep_the_sandboxed_policy(web: httpx.AsyncClient) -> None:
    policy = (await web.get("/api/v1/nowhere")).headers["content-security-policy"]

    assert "sandbox" in policy
    assert "script-src" not in policy


async def test_nothing_outside_the_build_is_served(web: httpx.AsyncClient) -> None:
    paths = ["/../pyproject.toml", "/%2e%2e/pyproject.toml", "/assets/../../package.json"]
    for path in [*paths, "/a%00b", "/" + "x" * 5000]:
        response = await web.get(path)

        assert response.status_code in (200, 404), path
        assert "[project]" not in response.text
        assert '"devDependencies"' not in response.text
