"""The job worker process: `tonality worker`.

It opens the same backends as the HTTP service and runs queued file jobs
until SIGTERM or SIGINT, letting the running ones finish their current
batch; a job cut short is picked up again by the next worker.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import AsyncExitStack

from domain.auth import utc_now
from infra.settings import Settings
from tonality.app import job_runner, open_backends, open_classifier

logger = logging.getLogger(__name__)


async def run_worker(settings: Settings) -> None:
    """Run jobs until a stop signal arrives."""
    from functools import partial

    from handlers.jobs import run_file_job
    from infra.queue import QueueWorker

    async with AsyncExitStack() as stack:
        backends = await open_backends(stack, settings)
        classifier = await open_classifier(stack, settings)
        runner = job_runner(stack, settings, backends, classifier, utc_now)
        worker = QueueWorker(
            backends.dsn,
            partial(run_file_job, runner=runner),
            concurrency=settings.worker_concurrency,
            heartbeat_seconds=settings.job_heartbeat_seconds,
            on_stop=runner.stop,
        )

        loop = asyncio.get_running_loop()
        for stop_signal in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(stop_signal, worker.stop)

        logger.info("worker ready model=%s", classifier.version)
        await worker.run()
