"""The file-job queue: PgQueuer tables in the service's own Postgres.

A job id goes in with `PgJobQueue.enqueue`; a `QueueWorker` takes it out
and hands it to the job handler. A worker that dies mid-job stops sending
heartbeats, and after `heartbeat_seconds` another worker picks the job up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

import asyncpg
from pgqueuer import AsyncpgDriver, AsyncpgPoolDriver, Job, Queries, QueueManager
from pgqueuer.executors import DatabaseRetryEntrypointExecutor, EntrypointExecutorParameters

logger = logging.getLogger(__name__)

ENTRYPOINT = "analyse_file"

# Any constant will do; it only has to be the same in every process.
_INSTALL_LOCK_KEY = 0x70C_0E0E


async def install_queue(dsn: str) -> None:
    """Create PgQueuer's tables once; serialised across processes."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", _INSTALL_LOCK_KEY)
        queries = Queries(AsyncpgDriver(connection))
        if not await queries.schema_is_installed():
            await queries.install()
            logger.info("job queue installed")
    finally:
        await connection.close()


class PgJobQueue:
    """`JobQueue` over the service's connection pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._queries = Queries(AsyncpgPoolDriver(pool))

    async def enqueue(self, job_id: int, delay_seconds: float = 0) -> None:
        delay = timedelta(seconds=delay_seconds) if delay_seconds > 0 else None
        await self._queries.enqueue(ENTRYPOINT, str(job_id).encode(), execute_after=delay)


class QueueWorker:
    """Takes queued job ids and runs `handle(job_id)`, `concurrency` at a time.

    An exception escaping `handle` (the database gone mid-job) puts the job
    back with a growing delay, a few times, before PgQueuer gives up on it.
    """

    def __init__(
        self,
        dsn: str,
        handle: Callable[[int], Awaitable[None]],
        *,
        concurrency: int = 2,
        heartbeat_seconds: float = 30.0,
        poll_seconds: float = 5.0,
        on_stop: Callable[[], None] | None = None,
    ) -> None:
        self._dsn = dsn
        self._handle = handle
        self._concurrency = max(1, concurrency)
        self._heartbeat = timedelta(seconds=heartbeat_seconds)
        self._poll = timedelta(seconds=poll_seconds)
        self._on_stop = on_stop
        self._manager: QueueManager | None = None
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Work until `stop()`; reconnects if the database goes away."""
        while not self._stopping.is_set():
            try:
                await self._run_once()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                logger.warning("job worker lost the database error=%r; reconnecting", error)
                await asyncio.sleep(2)

    def stop(self) -> None:
        """Take no more jobs; `on_stop` asks the running ones to end early."""
        self._stopping.set()
        if self._on_stop is not None:
            self._on_stop()
        if self._manager is not None:
            self._manager.shutdown.set()

    async def _run_once(self) -> None:
        connection = await asyncpg.connect(self._dsn)
        try:
            manager = QueueManager(Queries(AsyncpgDriver(connection)))
            manager.register_executor(
                ENTRYPOINT,
                DatabaseRetryEntrypointExecutor(
                    EntrypointExecutorParameters(concurrency_limit=0, func=self._entry),
                    max_attempts=3,
                ),
            )
            self._manager = manager
            if self._stopping.is_set():
                return

            logger.info("job worker started concurrency=%s", self._concurrency)
            await manager.run(
                dequeue_timeout=self._poll,
                batch_size=1,
                max_concurrent_tasks=max(2, self._concurrency),
                heartbeat_timeout=self._heartbeat,
            )
        finally:
            self._manager = None
            await connection.close()
            logger.info("job worker stopped")

    async def _entry(self, job: Job) -> None:
        if job.payload is None:
            return

        await self._handle(int(job.payload))
