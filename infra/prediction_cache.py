"""A best-effort cache of the model's verdicts in memcached.

A verdict depends only on the normalised text and the model, so a repeat
is answered without running the model. Like the session cache, it never
fails a request: every call is bounded by a short timeout, any error reads
as a miss, and after an error memcached is left alone for a moment.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Awaitable, Callable, Sequence

import msgspec

from domain.predictions import Prediction
from infra.memcached import MAX_RELATIVE_TTL, BestEffortMemcached, SafeClient

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 7 * 24 * 3600
# memcached refuses longer keys.
_MAX_KEY_BYTES = 250
# Printable ASCII without the space: what the text protocol takes in a key.
_SAFE_KEY = re.compile(rb"[!-~]+")


class MemcachedPredictionCache:
    """`PredictionCache` storing msgpack-encoded predictions under
    `<prefix><key>`; a key memcached would refuse is replaced by its hash.

    `hits` and `misses` count lookups since start, for tests and metrics.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
        prefix: str = "tonality:prediction:",
        timeout: float = 0.2,
        retry_after: float = 1.0,
        pool_size: int = 4,
    ) -> None:
        self.ttl_seconds = min(max(ttl_seconds, 1), MAX_RELATIVE_TTL)
        self.prefix = prefix
        self.hits = 0
        self.misses = 0
        self._memcached = BestEffortMemcached(
            host,
            port,
            name="prediction cache",
            fallback="the model alone",
            timeout=timeout,
            retry_after=retry_after,
            pool_size=pool_size,
        )
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(Prediction)

    @property
    def timeout(self) -> float:
        return self._memcached.timeout

    async def get_many(self, keys: Sequence[str]) -> list[Prediction | None]:
        if not keys:
            return []

        wire_keys = [self.wire_key(key) for key in keys]
        # aiomcache refuses a repeated key in one multi-get.
        unique = list(dict.fromkeys(wire_keys))
        values = await self._memcached.call(lambda client: client.multi_get(*unique), None)
        found = dict(zip(unique, values, strict=True)) if values is not None else {}

        predictions = [self._decoded(found.get(key)) for key in wire_keys]
        hits = sum(prediction is not None for prediction in predictions)
        self.hits += hits
        self.misses += len(predictions) - hits

        return predictions

    async def set_many(self, items: Sequence[tuple[str, Prediction]]) -> None:
        for key, prediction in items:
            stored = await self._memcached.call(self._setter(key, prediction), None)
            if stored is None:
                return

    async def close(self) -> None:
        await self._memcached.close()

    def wire_key(self, key: str) -> bytes:
        """The key as sent: prefixed, and hashed unless memcached takes it."""
        raw = f"{self.prefix}{key}".encode()
        if len(raw) <= _MAX_KEY_BYTES and _SAFE_KEY.fullmatch(raw):
            return raw

        return f"{self.prefix}sha256:{hashlib.sha256(raw).hexdigest()}".encode()

    def _setter(self, key: str, prediction: Prediction) -> Callable[[SafeClient], Awaitable[bool]]:
        wire_key = self.wire_key(key)
        value = self._encoder.encode(prediction)

        return lambda client: client.set(wire_key, value, exptime=self.ttl_seconds)

    def _decoded(self, raw: bytes | None) -> Prediction | None:
        if raw is None:
            return None

        try:
            return self._decoder.decode(raw)
        except msgspec.DecodeError:
            logger.warning("prediction cache entry unreadable; treating it as a miss")
            return None


class NullPredictionCache:
    """The cache when no memcached is configured: always a miss."""

    async def get_many(self, keys: Sequence[str]) -> list[Prediction | None]:
        return [None] * len(keys)

    async def set_many(self, items: Sequence[tuple[str, Prediction]]) -> None:
        return None

    async def close(self) -> None:
        return None
