"""A backing service that goes away mid-run: 503 naming it, never a 500."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.api.avatars import png
from tests.api.conftest import StartService
from tests.conftest import S3Server, free_port, wait_for_port


class TcpProxy:
    """Forwards a local port to a server until `cut` drops every connection."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        self._writers |= {writer, upstream_writer}

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()

        await asyncio.gather(pump(reader, upstream_writer), pump(upstream_reader, writer))


@pytest.fixture
async def proxied_dsn(api_dsn: str) -> AsyncIterator[tuple[str, TcpProxy]]:
    parts = urlsplit(api_dsn)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    await proxy.start()
    netloc = (
        f"{parts.username}@127.0.0.1:{proxy.port}" if parts.username else f"127.0.0.1:{proxy.port}"
    )
    yield urlunsplit(parts._replace(netloc=netloc)), proxy


async def test_database_gone_gives_503_naming_it(
    start_service: StartService, proxied_dsn: tuple[str, TcpProxy]
) -> None:
    dsn, proxy = proxied_dsn
    async with start_service(database_url=dsn) as service:
        browser, _ = await service.user()
        assert (await browser.get("/me")).status_code == 200

        await proxy.cut()
        answers = [await browser.get("/me"), await service.browser().register()]

        assert [response.status_code for response in answers] == [503, 503]
        assert all("database" in response.json()["detail"] for response in answers)


async def test_object_store_gone_gives_503_naming_it(
    start_service: StartService, s3_server: S3Server
) -> None:
    from moto.server import ThreadedMotoServer

    port = free_port()
    private_s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    private_s3.start()
    wait_for_port("127.0.0.1", port)
    try:
        async with start_service(s3_endpoint=f"127.0.0.1:{port}") as service:
            browser, _ = await service.user()
            files = {"file": ("a.png", png(), "image/png")}
            assert (await browser.send("PUT", "/me/avatar", files=files)).status_code == 204

            private_s3.stop()
            response = await browser.get("/me/avatar")

            assert response.status_code == 503
            assert "object store" in response.json()["detail"]
    finally:
        with contextlib.suppress(Exception):
            private_s3.stop()
