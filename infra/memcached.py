"""A memcached connection for caches that must never fail a request.

Every call is bounded by a short timeout and any error reads as a miss.
After an error the client is dropped (aiomcache's pool keeps connections a
restarted memcached has already closed) and memcached is left alone for
`retry_after` seconds, so an outage costs nothing per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiomcache

logger = logging.getLogger(__name__)

T = TypeVar("T")

# memcached reads an expiry over 30 days as a Unix timestamp.
MAX_RELATIVE_TTL = 30 * 24 * 3600


class SafeClient(aiomcache.Client):
    """NOTE: aiomcache reads a simple reply in a loop that, once the server
    has closed the connection, gets b'' forever without yielding, which
    would freeze the event loop (memcached killed mid-request). This
    version reads one line and treats a cut-off reply as a reset."""

    async def _execute_simple_command(
        self, conn: aiomcache.pool.Connection, raw_command: bytes
    ) -> bytes:
        conn.writer.write(raw_command)
        await conn.writer.drain()

        line = await conn.reader.readline()
        if not line.endswith(b"\r\n"):
            raise ConnectionResetError("memcached closed the connection mid-reply")

        return line[:-2]


class BestEffortMemcached:
    """Runs operations on a lazily built client; `name` and `fallback` only
    word the log lines ("session cache unavailable, using the database
    alone"). `on_recovery` runs when memcached answers after an outage."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        name: str,
        fallback: str,
        timeout: float = 0.2,
        retry_after: float = 1.0,
        pool_size: int = 4,
        on_recovery: Callable[[], None] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.name = name
        self.fallback = fallback
        self.timeout = timeout
        self.retry_after = retry_after
        self.pool_size = pool_size
        self.on_recovery = on_recovery

        self._client: SafeClient | None = None
        self._resting_until = 0.0
        self._in_outage = False

    async def call(self, operation: Callable[[SafeClient], Awaitable[T]], miss: T) -> T:
        """The operation's result, or `miss` on any error or while resting."""
        if time.monotonic() < self._resting_until:
            return miss

        client = self._connected()
        try:
            async with asyncio.timeout(self.timeout):
                result = await operation(client)
        except Exception as error:
            self._note_outage(error)
            await self._retire(client)
            return miss

        if self._in_outage:
            self._in_outage = False
            logger.info("%s is back host=%s port=%d", self.name, self.host, self.port)
            if self.on_recovery is not None:
                self.on_recovery()

        return result

    async def check(self) -> None:
        """Raise if memcached does not answer now (for readiness probes)."""
        client = self._connected()
        try:
            async with asyncio.timeout(self.timeout):
                await client.version()
        except Exception:
            await self._retire(client)
            raise

    async def close(self) -> None:
        if self._client is not None:
            await self._retire(self._client)

    def _connected(self) -> SafeClient:
        if self._client is None:
            self._client = SafeClient(
                self.host, self.port, pool_size=self.pool_size, pool_minsize=1
            )
        return self._client

    def _note_outage(self, error: Exception) -> None:
        self._resting_until = time.monotonic() + self.retry_after
        if self._in_outage:
            return

        self._in_outage = True
        logger.warning(
            "%s unavailable, using %s host=%s port=%d error=%r",
            self.name,
            self.fallback,
            self.host,
            self.port,
            error,
        )

    async def _retire(self, client: SafeClient) -> None:
        """Drop the client and its connections; the next call builds a new one."""
        if self._client is client:
            self._client = None

        # Closing a broken client may fail too; there is nothing left to do.
        with contextlib.suppress(Exception):
            await client.close()
