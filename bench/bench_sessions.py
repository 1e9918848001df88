"""Session check latency with a cache hit and a miss, and login throughput.

Runs the real app in process against real PostgreSQL and memcached:

    .venv/bin/python bench/bench_sessions.py [--requests 2000] [--logins 40]

PostgreSQL: `TONALITY_BENCH_PG` (default the local server); a scratch
database is created, migrated and dropped. memcached: a private process on a
free port, or `TONALITY_BENCH_MEMCACHED=host:port`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiomcache
from litestar.testing import AsyncTestClient

from api.cookies import SESSION_COOKIE
from domain.auth import hash_token
from infra.db.scratch import scratch_database
from infra.settings import DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD, Settings
from tonality.app import create_app

CACHE_PREFIX = "tonality:session:"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def bench_database() -> AsyncIterator[str]:
    server = os.environ.get("TONALITY_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    async with scratch_database(server, "tonality_bench") as dsn:
        yield dsn


@asynccontextmanager
async def memcached_address() -> AsyncIterator[str]:
    external = os.environ.get("TONALITY_BENCH_MEMCACHED")
    if external:
        yield external
        return

    port = free_port()
    command = [shutil.which("memcached") or "memcached", "-l", "127.0.0.1", "-p", str(port)]
    if os.geteuid() == 0:
        command += ["-u", "root"]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        await asyncio.sleep(0.3)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        await process.wait()


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def timed(count: int, call: Callable[[], Awaitable[None]]) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)

    return samples


def session_token(client: AsyncTestClient) -> str:
    token = client.cookies.get(SESSION_COOKIE)
    if not token:
        raise SystemExit(f"no {SESSION_COOKIE} cookie after login")

    return token


async def login(client: AsyncTestClient) -> None:
    credentials = {"email": DEFAULT_ADMIN_EMAIL, "password": DEFAULT_ADMIN_PASSWORD}
    response = await client.post("/api/v1/auth/login", json=credentials)
    if response.status_code != 200:
        raise SystemExit(f"login failed: {response.status_code} {response.text}")


async def bench(requests: int, logins: int, concurrency: int) -> None:
    async with bench_database() as dsn, memcached_address() as cache:
        data_dir = Path(tempfile.mkdtemp(prefix="tonality-bench-"))
        settings = Settings(
            database_url=dsn, memcached=cache, data_dir=data_dir, secret_key="b" * 48
        )
        host, _, port = cache.rpartition(":")
        memcached = aiomcache.Client(host, int(port))

        async with AsyncTestClient(create_app(settings)) as client:
            await login(client)
            cache_key = (CACHE_PREFIX + hash_token(session_token(client))).encode()

            async def check_session() -> None:
                response = await client.get("/api/v1/me")
                assert response.status_code == 200, response.text

            evicted = 0

            async def check_session_after_eviction() -> None:
                nonlocal evicted
                evicted += bool(await memcached.delete(cache_key))
                await check_session()

            await timed(50, check_session)
            hits = await timed(requests, check_session)
            misses = await timed(requests, check_session_after_eviction)

            # Each login hashes with argon2id off the event loop; run a few at once.
            async def login_batch() -> None:
                await asyncio.gather(*(login(client) for _ in range(concurrency)))

            await login(client)
            started = time.perf_counter()
            for _ in range(max(1, logins // concurrency)):
                await login_batch()
            login_seconds = time.perf_counter() - started
            login_count = max(1, logins // concurrency) * concurrency

        await memcached.close()
        shutil.rmtree(data_dir, ignore_errors=True)

    print(f"session check, GET /api/v1/me, {requests} requests each, in process")
    for label, samples in (("cache hit", hits), ("cache miss", misses)):
        print(
            f"  {label:<10} p50 {percentile(samples, 0.5) * 1000:6.2f} ms"
            f"  p99 {percentile(samples, 0.99) * 1000:6.2f} ms"
            f"  mean {statistics.fmean(samples) * 1000:6.2f} ms"
        )
    print(f"  misses: {evicted} of {requests} requests found an entry to evict")
    print(
        f"  miss/hit   p50 x{percentile(misses, 0.5) / percentile(hits, 0.5):.2f}"
        f"  p99 x{percentile(misses, 0.99) / percentile(hits, 0.99):.2f}"
    )
    rate = login_count / login_seconds
    print(
        f"login, argon2id, {login_count} logins, {concurrency} at a time: {rate:.1f} req/s "
        f"({login_seconds / login_count * 1000:.0f} ms wall each); "
        f"a cached session check is x{1 / (rate * statistics.fmean(hits)):.0f} cheaper"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--logins", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    asyncio.run(bench(args.requests, args.logins, args.concurrency))


if __name__ == "__main__":
    main()
