"""A best-effort session cache in memcached.

The cache only ever saves a database round trip, so it never fails a
request: every call is bounded by a short timeout, every error reads as a
miss, and after an error the cache is left alone for a moment so an outage
costs nothing per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiomcache
import msgspec

from domain.sessions import Session

logger = logging.getLogger(__name__)

T = TypeVar("T")

# memcached reads an expiry over 30 days as a Unix timestamp.
_MAX_RELATIVE_TTL = 30 * 24 * 3600
_MAX_UNSENT_DELETES = 10_000
_FAILED = object()


class _Client(aiomcache.Client):
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


class MemcachedSessionCache:
    """`SessionCache` storing msgpack-encoded sessions under
    `<prefix><token_hash>`.

    The aiomcache pool keeps connections that a restarted memcached has
    already dropped, so after any error the whole client is replaced and
    the next call (after `retry_after` seconds) connects afresh.

    Deletes that could not be sent are sent again once memcached answers,
    so a memcached that was only unreachable (or warm-restarted) does not
    bring back a session that ended meanwhile.
    """

    def __init__(
        self,
        host: str,
        port: int,
        prefix: str = "tonality:session:",
        timeout: float = 0.2,
        retry_after: float = 1.0,
        pool_size: int = 4,
    ) -> None:
        self.host = host
        self.port = port
        self.prefix = prefix
        self.timeout = timeout
        self.retry_after = retry_after
        self.pool_size = pool_size

        self._client: _Client | None = None
        self._resting_until = 0.0
        self._in_outage = False
        self._unsent_deletes: set[bytes] = set()
        self._replay: asyncio.Task[None] | None = None
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(Session)

    async def get(self, token_hash: str) -> Session | None:
        raw = await self._call(lambda client: client.get(self._key(token_hash)), None)
        if raw is None:
            return None

        try:
            return self._decoder.decode(raw)
        except msgspec.DecodeError:
            logger.warning("session cache entry unreadable; treating it as a miss")
            return None

    async def set(self, session: Session, ttl_seconds: int) -> None:
        if ttl_seconds <= 0:
            await self.delete(session.token_hash)
            return

        key = self._key(session.token_hash)
        value = self._encoder.encode(session)
        ttl = min(ttl_seconds, _MAX_RELATIVE_TTL)
        await self._call(lambda client: client.set(key, value, exptime=ttl), False)

    async def delete(self, token_hash: str) -> None:
        await self._delete_key(self._key(token_hash))

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
        if self._replay is not None:
            self._replay.cancel()
        if self._client is not None:
            await self._retire(self._client)

    def _key(self, token_hash: str) -> bytes:
        return f"{self.prefix}{token_hash}".encode()

    def _connected(self) -> _Client:
        if self._client is None:
            self._client = _Client(self.host, self.port, pool_size=self.pool_size, pool_minsize=1)
        return self._client

    async def _call(self, operation: Callable[[_Client], Awaitable[T]], miss: T) -> T:
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
            logger.info("session cache is back host=%s port=%d", self.host, self.port)
            self._start_replay()

        return result

    async def _delete_key(self, key: bytes) -> None:
        result = await self._call(lambda client: client.delete(key), _FAILED)
        if result is _FAILED and len(self._unsent_deletes) < _MAX_UNSENT_DELETES:
            self._unsent_deletes.add(key)

    def _start_replay(self) -> None:
        if self._unsent_deletes and (self._replay is None or self._replay.done()):
            self._replay = asyncio.create_task(self._replay_deletes())

    async def _replay_deletes(self) -> None:
        keys, self._unsent_deletes = self._unsent_deletes, set()
        logger.info("session cache replaying deletes count=%d", len(keys))
        for key in keys:
            await self._delete_key(key)

    def _note_outage(self, error: Exception) -> None:
        self._resting_until = time.monotonic() + self.retry_after
        if self._in_outage:
            return

        self._in_outage = True
        logger.warning(
            "session cache unavailable, using the database alone host=%s port=%d error=%r",
            self.host,
            self.port,
            error,
        )

    async def _retire(self, client: _Client) -> None:
        """Drop the client and its connections; the next call builds a new one."""
        if self._client is client:
            self._client = None

        # Closing a broken client may fail too; there is nothing left to do.
        with contextlib.suppress(Exception):
            await client.close()


class NullSessionCache:
    """The cache when no memcached is configured: always a miss."""

    async def get(self, token_hash: str) -> Session | None:
        return None

    async def set(self, session: Session, ttl_seconds: int) -> None:
        return None

    async def delete(self, token_hash: str) -> None:
        return None

    async def check(self) -> None:
        return None

    async def close(self) -> None:
        return None
