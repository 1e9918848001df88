from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import AsyncIterator

import aiomcache
import pytest

from infra.sessions import MemcachedSessionCache, NullSessionCache
from tests.conftest import Memcached
from tests.infra.factories import new_session

TTL = 60


@pytest.fixture
async def cache(memcached: Memcached) -> AsyncIterator[MemcachedSessionCache]:
    client = MemcachedSessionCache(memcached.host, memcached.port)
    yield client
    await client.close()


@pytest.fixture
async def outage_cache(memcached_process: Memcached) -> AsyncIterator[MemcachedSessionCache]:
    """A cache on a memcached of its own, with a back-off short enough to test."""
    client = MemcachedSessionCache(memcached_process.host, memcached_process.port, retry_after=0.05)
    yield client
    await client.close()


async def eventually_cached(cache: MemcachedSessionCache, within: float = 3.0) -> bool:
    """Set and read back a probe session until the cache answers."""
    probe = new_session(user_id=1)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        await cache.set(probe, TTL)
        if await cache.get(probe.token_hash) == probe:
            return True
        await asyncio.sleep(0.05)

    return False


async def test_set_session_reads_back_until_deleted(cache: MemcachedSessionCache) -> None:
    session = new_session(user_id=1)

    await cache.set(session, TTL)
    assert await cache.get(session.token_hash) == session

    await cache.delete(session.token_hash)
    assert await cache.get(session.token_hash) is None


async def test_sessions_are_stored_under_the_documented_key(
    cache: MemcachedSessionCache, memcached: Memcached
) -> None:
    session = new_session(user_id=1)
    await cache.set(session, TTL)

    raw = aiomcache.Client(memcached.host, memcached.port)
    try:
        stored = await raw.get(f"tonality:session:{session.token_hash}".encode())
    finally:
        await raw.close()

    assert stored is not None


async def test_a_non_positive_ttl_caches_nothing(cache: MemcachedSessionCache) -> None:
    session = new_session(user_id=1)
    await cache.set(session, TTL)

    await cache.set(session, 0)

    assert await cache.get(session.token_hash) is None


async def test_check_passes_while_memcached_answers(cache: MemcachedSessionCache) -> None:
    await cache.check()


async def test_killed_memcached_reads_as_quick_misses_without_errors(
    outage_cache: MemcachedSessionCache, memcached_process: Memcached
) -> None:
    session = new_session(user_id=1)
    await outage_cache.set(session, TTL)
    memcached_process.kill()

    started = time.monotonic()
    for _ in range(50):
        assert await outage_cache.get(session.token_hash) is None
        await outage_cache.set(session, TTL)
        await outage_cache.delete(session.token_hash)

    assert time.monotonic() - started < 1.0


async def test_outage_is_logged_once_and_recovery_once(
    outage_cache: MemcachedSessionCache,
    memcached_process: Memcached,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await eventually_cached(outage_cache)
    memcached_process.kill()

    with caplog.at_level(logging.INFO, logger="infra.memcached"):
        for _ in range(20):
            await outage_cache.get("0" * 64)
            await asyncio.sleep(0.01)
        memcached_process.start()
        assert await eventually_cached(outage_cache)

    messages = [record.getMessage() for record in caplog.records]
    assert sum("unavailable" in message for message in messages) == 1
    assert sum("is back" in message for message in messages) == 1


async def test_cache_recovers_by_itself_after_memcached_is_killed_and_restarted(
    outage_cache: MemcachedSessionCache, memcached_process: Memcached
) -> None:
    assert await eventually_cached(outage_cache)

    memcached_process.kill()
    assert await outage_cache.get("0" * 64) is None
    memcached_process.start()

    assert await eventually_cached(outage_cache)


async def test_cache_recovers_when_memcached_restarts_between_calls(
    outage_cache: MemcachedSessionCache, memcached_process: Memcached
) -> None:
    assert await eventually_cached(outage_cache)

    memcached_process.restart()

    assert await eventually_cached(outage_cache)


async def test_hung_memcached_costs_at_most_the_timeout(
    outage_cache: MemcachedSessionCache, memcached_process: Memcached
) -> None:
    assert await eventually_cached(outage_cache)
    assert memcached_process.process is not None
    memcached_process.process.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        assert await outage_cache.get("0" * 64) is None
        assert time.monotonic() - started < outage_cache.timeout + 0.3
    finally:
        memcached_process.process.send_signal(signal.SIGCONT)

    assert await eventually_cached(outage_cache)


async def test_check_raises_while_memcached_is_down(
    outage_cache: MemcachedSessionCache, memcached_process: Memcached
) -> None:
    memcached_process.kill()

    with pytest.raises(OSError):
        await outage_cache.check()


async def test_warm_restart_keeps_cached_sessions(
    outage_cache: MemcachedSessionCache, memcached_process: Memcached
) -> None:
    session = new_session(user_id=1)
    await outage_cache.set(session, TTL)

    memcached_process.stop_warm()
    memcached_process.start()

    # The first call may meet the connection the old process dropped.
    found = None
    for _ in range(20):
        found = await outage_cache.get(session.token_hash)
        if found is not None:
            break
        await asyncio.sleep(0.05)

    assert found == session


async def test_null_cache_always_misses() -> None:
    cache = NullSessionCache()
    session = new_session(user_id=1)

    await cache.set(session, TTL)

    assert await cache.get(session.token_hash) is None
    await cache.delete(session.token_hash)
    await cache.check()


async def eventually_gone(cache: MemcachedSessionCache, token_hash: str) -> bool:
    for _ in range(40):
        if await cache.get(token_hash) is None:
            return True
        await asyncio.sleep(0.05)

    return False


async def test_session_ended_while_memcached_was_unreachable_stays_ended(
    outage_cache: MemcachedSessionCache, memcached_process: Memcached
) -> None:
    session = new_session(user_id=1)
    await outage_cache.set(session, TTL)
    assert memcached_process.process is not None

    memcached_process.process.send_signal(signal.SIGSTOP)
    try:
        # The first call times out; the delete then falls in the back-off
        # and is never sent to this memcached process.
        assert await outage_cache.get("0" * 64) is None
        await outage_cache.delete(session.token_hash)
    finally:
        memcached_process.process.send_signal(signal.SIGCONT)

    assert await eventually_cached(outage_cache)
    assert await eventually_gone(outage_cache, session.token_hash)


async def test_session_ended_during_a_warm_restart_is_not_brought_back(
    outage_cache: MemcachedSessionCache, memcached_process: Memcached
) -> None:
    session = new_session(user_id=1)
    await outage_cache.set(session, TTL)

    memcached_process.stop_warm()
    await outage_cache.delete(session.token_hash)
    memcached_process.start()

    assert await eventually_cached(outage_cache)
    assert await eventually_gone(outage_cache, session.token_hash)
