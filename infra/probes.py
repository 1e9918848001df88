"""Readiness probes: each answers, within `timeout` seconds, whether one
backing service is usable; `check` raises when it is not."""

from __future__ import annotations

import asyncio
from typing import Protocol

from piccolo.engine.postgres import PostgresEngine

from domain.blobs import BlobStore

DEFAULT_TIMEOUT = 2.0


class Checkable(Protocol):
    async def check(self) -> None: ...


class DatabaseProbe:
    """Postgres answers a trivial query through the service's pool."""

    name = "database"

    def __init__(self, engine: PostgresEngine, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._engine = engine
        self._timeout = timeout

    async def check(self) -> None:
        async with asyncio.timeout(self._timeout):
            await self._engine.run_ddl("SELECT 1")


class CacheProbe:
    """memcached answers `version`. A `NullSessionCache` (no memcached
    configured) always passes: sessions then live in Postgres alone."""

    name = "cache"

    def __init__(self, cache: Checkable, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._cache = cache
        self._timeout = timeout

    async def check(self) -> None:
        async with asyncio.timeout(self._timeout):
            await self._cache.check()


class BlobProbe:
    """The object store can be written to (local) or its bucket exists (S3)."""

    name = "object store"

    def __init__(self, store: BlobStore, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._store = store
        self._timeout = timeout

    async def check(self) -> None:
        async with asyncio.timeout(self._timeout):
            await self._store.check()


class ModelProbe:
    """The classifier's inference thread takes requests."""

    name = "model"

    def __init__(self, classifier: Checkable) -> None:
        self._classifier = classifier

    async def check(self) -> None:
        await self._classifier.check()
