from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from piccolo.engine.postgres import PostgresEngine

from infra.throttle import PostgresLoginThrottle
from tests.infra.factories import unique_email

WINDOW = timedelta(minutes=10)
LOCK = timedelta(minutes=15)


@pytest.fixture
def throttle(db_engine: PostgresEngine) -> PostgresLoginThrottle:
    return PostgresLoginThrottle(max_failures=3, window=WINDOW, lock_for=LOCK)


async def test_unknown_name_has_no_failures(throttle: PostgresLoginThrottle) -> None:
    assert await throttle.failures(unique_email(), datetime.now(UTC)) == (0, None)


async def test_failures_are_counted_per_name_regardless_of_case(
    throttle: PostgresLoginThrottle,
) -> None:
    email, now = unique_email(), datetime.now(UTC)

    await throttle.record_failure(email, now)
    await throttle.record_failure(email.upper(), now)

    assert await throttle.failures(email, now) == (2, None)
    assert await throttle.failures(unique_email(), now) == (0, None)


async def test_reaching_the_limit_locks_until_the_lock_ends(
    throttle: PostgresLoginThrottle,
) -> None:
    email, now = unique_email(), datetime.now(UTC)
    for _ in range(3):
        await throttle.record_failure(email, now)

    assert await throttle.failures(email, now + timedelta(minutes=1)) == (3, now + LOCK)
    assert await throttle.failures(email, now + LOCK) == (0, None)


async def test_failures_while_locked_do_not_extend_the_lock(
    throttle: PostgresLoginThrottle,
) -> None:
    email, now = unique_email(), datetime.now(UTC)
    for _ in range(3):
        await throttle.record_failure(email, now)

    await throttle.record_failure(email, now + timedelta(minutes=5))

    _, locked_until = await throttle.failures(email, now + timedelta(minutes=6))
    assert locked_until == now + LOCK


async def test_failures_older_than_the_window_are_forgotten(
    throttle: PostgresLoginThrottle,
) -> None:
    email, now = unique_email(), datetime.now(UTC)
    await throttle.record_failure(email, now)
    await throttle.record_failure(email, now)

    later = now + WINDOW
    await throttle.record_failure(email, later)

    assert await throttle.failures(email, later) == (1, None)


async def test_reset_clears_the_count(throttle: PostgresLoginThrottle) -> None:
    email, now = unique_email(), datetime.now(UTC)
    await throttle.record_failure(email, now)

    await throttle.reset(email)

    assert await throttle.failures(email, now) == (0, None)


async def test_concurrent_failures_are_all_counted(throttle: PostgresLoginThrottle) -> None:
    email, now = unique_email(), datetime.now(UTC)

    await asyncio.gather(*(throttle.record_failure(email, now) for _ in range(3)))

    assert await throttle.failures(email, now) == (3, now + LOCK)
