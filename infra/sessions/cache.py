"""A best-effort session cache in memcached.

The cache only ever saves a database round trip, so it never fails a
request (see `infra.memcached`).
"""

from __future__ import annotations

import asyncio
import logging

import msgspec

from domain.sessions import Session
from infra.memcached import MAX_RELATIVE_TTL, BestEffortMemcached

logger = logging.getLogger(__name__)

_MAX_UNSENT_DELETES = 10_000
_FAILED = object()


class MemcachedSessionCache:
    """`SessionCache` storing msgpack-encoded sessions under
    `<prefix><token_hash>`.

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
        self.prefix = prefix
        self._memcached = BestEffortMemcached(
            host,
            port,
            name="session cache",
            fallback="the database alone",
            timeout=timeout,
            retry_after=retry_after,
            pool_size=pool_size,
            on_recovery=self._start_replay,
        )
        self._unsent_deletes: set[bytes] = set()
        self._replay: asyncio.Task[None] | None = None
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(Session)

    @property
    def timeout(self) -> float:
        return self._memcached.timeout

    async def get(self, token_hash: str) -> Session | None:
        key = self._key(token_hash)
        raw = await self._memcached.call(lambda client: client.get(key), None)
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
        ttl = min(ttl_seconds, MAX_RELATIVE_TTL)
        await self._memcached.call(lambda client: client.set(key, value, exptime=ttl), False)

    async def delete(self, token_hash: str) -> None:
        await self._delete_key(self._key(token_hash))

    async def check(self) -> None:
        """Raise if memcached does not answer now (for readiness probes)."""
        await self._memcached.check()

    async def close(self) -> None:
        if self._replay is not None:
            self._replay.cancel()
        await self._memcached.close()

    def _key(self, token_hash: str) -> bytes:
        return f"{self.prefix}{token_hash}".encode()

    async def _delete_key(self, key: bytes) -> None:
        result = await self._memcached.call(lambda client: client.delete(key), _FAILED)
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
