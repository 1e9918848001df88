"""The whole app over real Postgres, memcached and the S3 server.

`service` starts one app per test (its lifespan included) with a clock the
test can move; `Browser` is one client with its own cookie jar.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar

from infra.db.engine import TABLES
from infra.db.scratch import scratch_database
from infra.settings import Settings
from tests.conftest import Memcached, S3Server
from tonality.app import create_app

ADMIN_EMAIL = "root@tonality.test"
ADMIN_PASSWORD = "Default-admin-pass-1"
PASSWORD = "correct horse battery"


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Browser:
    """One user agent: its own cookies, and the CSRF header it would send."""

    def __init__(self, app: Litestar) -> None:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        self.http = httpx.AsyncClient(transport=transport, base_url="http://testserver.local")

    def csrf(self) -> dict[str, str]:
        token = self.http.cookies.get("csrftoken")
        return {"X-CSRF-Token": token} if token else {}

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(f"/api/v1{path}", **kwargs)

    async def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """An unsafe request with the CSRF header a real page would add."""
        headers = {**self.csrf(), **kwargs.pop("headers", {})}
        return await self.http.request(method, f"/api/v1{path}", headers=headers, **kwargs)

    async def login(self, email: str, password: str = PASSWORD) -> httpx.Response:
        return await self.send("POST", "/auth/login", json={"email": email, "password": password})

    async def register(
        self, email: str | None = None, password: str = PASSWORD, **fields: Any
    ) -> httpx.Response:
        body = {"email": email or unique_email(), "password": password, "first_name": "Test"}
        return await self.send("POST", "/auth/register", json={**body, **fields})

    async def close(self) -> None:
        await self.http.aclose()


class Service:
    """A running app and what a test needs to poke at it."""

    def __init__(self, app: Litestar, settings: Settings, clock: FakeClock) -> None:
        self.app = app
        self.settings = settings
        self.clock = clock
        self._browsers: list[Browser] = []

    def browser(self, session: str | None = None) -> Browser:
        """A new browser; `session` plants that cookie value in it."""
        browser = Browser(self.app)
        if session is not None:
            browser.http.cookies.set("session", session)
        self._browsers.append(browser)
        return browser

    async def user(self, **fields: Any) -> tuple[Browser, dict[str, Any]]:
        """A freshly registered user, logged in with their own browser."""
        browser = self.browser()
        email = fields.pop("email", None) or unique_email()
        registered = await browser.register(email, **fields)
        assert registered.status_code == 201, registered.text

        logged_in = await browser.login(email, fields.get("password", PASSWORD))
        assert logged_in.status_code == 200, logged_in.text
        return browser, logged_in.json()

    async def admin(self) -> Browser:
        """A browser logged in as the default admin."""
        browser = self.browser()
        response = await browser.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        assert response.status_code == 200, response.text
        return browser

    async def close(self) -> None:
        for browser in self._browsers:
            await browser.close()


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


@pytest.fixture(scope="session")
async def api_dsn(pg_dsn: str) -> AsyncIterator[str]:
    """The apps' own database: the default admin is created only where no
    admin exists yet, so other suites' users in `pg_dsn` must not leak in."""
    async with scratch_database(pg_dsn, "tonality_api_apps") as dsn:
        yield dsn


@pytest.fixture
def base_settings(
    api_dsn: str, memcached: Memcached, s3_server: S3Server, tmp_path: Path
) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=api_dsn,
        memcached=memcached.address,
        s3_endpoint=s3_server.endpoint,
        s3_access_key=s3_server.access_key,
        s3_secret_key=s3_server.secret_key,
        s3_bucket="tonality-api-tests",
        s3_secure=False,
        secret_key="api-tests-secret-key-that-is-long-enough",
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
    )


StartService = Callable[..., AbstractAsyncContextManager[Service]]


@pytest.fixture
def start_service(base_settings: Settings) -> StartService:
    """Start an app with `base_settings` changed by keyword; groups too."""

    @asynccontextmanager
    async def start(groups: list[str] | None = None, **changes: Any) -> AsyncIterator[Service]:
        settings = msgspec.structs.replace(base_settings, **changes)
        clock = FakeClock()
        app = create_app(settings, groups, clock=clock)
        bound_before = [table._meta.db for table in TABLES]

        service = Service(app, settings, clock)
        started, stopping = asyncio.Event(), asyncio.Event()

        # The app's own lifespan, on this loop (the pool must live where the
        # requests run) but in a task of its own, so a fixture may enter and
        # leave it from different tasks.
        async def run() -> None:
            async with app.lifespan():
                started.set()
                await stopping.wait()

        lifespan = asyncio.create_task(run())
        waiting = asyncio.create_task(started.wait())
        await asyncio.wait({lifespan, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if lifespan.done():
            lifespan.result()

        try:
            yield service
        finally:
            await service.close()
            stopping.set()
            await lifespan
            # NOTE: Piccolo binds tables process-wide; give other tests'
            # engine back once this app's pool is closed.
            for table, engine in zip(TABLES, bound_before, strict=True):
                table._meta.db = engine

    return start


@pytest.fixture
async def service(start_service: StartService) -> AsyncIterator[Service]:
    async with start_service() as running:
        yield running


@pytest.fixture
async def empty_dsn(pg_dsn: str) -> AsyncIterator[str]:
    """A migrated database of this test alone, for counts over all users."""
    async with scratch_database(pg_dsn, "tonality_api") as dsn:
        yield dsn
