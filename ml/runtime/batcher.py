"""Coalesce concurrent asyncio callers into batched model runs.

One request at a time would run the LSTM at batch size 1, where most of
the cores' arithmetic goes unused; a short wait for company turns many
small runs into one larger one. Inference happens in a single worker
thread, so the event loop never blocks and runs never compete for cores.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol

from ml.runtime.classifier import Prediction, WordWeight
from ml.runtime.errors import BatcherClosedError

logger = logging.getLogger(__name__)

DEFAULT_MAX_WAIT_SECONDS = 0.003
DEFAULT_MAX_BATCH_TEXTS = 64


class SupportsPrediction(Protocol):
    """What the batcher needs of a classifier; ``Classifier`` provides it."""

    def predict(self, texts: Sequence[str]) -> list[Prediction]: ...

    def explain(self, text: str) -> list[WordWeight]: ...


@dataclass(slots=True)
class _Request:
    texts: Sequence[str]
    future: asyncio.Future[list[Prediction]] = field(repr=False)


Outcome = list[Prediction] | Exception


class MicroBatcher:
    """Run concurrent ``predict`` calls together, off the event loop.

    A run starts when ``max_batch_texts`` texts are waiting or
    ``max_wait_seconds`` after its first request arrived, whichever comes
    first; requests arriving while a run is busy form the next one. A
    request with more texts than the bound runs alone, never split.

    Use ``async with MicroBatcher(classifier) as batcher`` or call
    ``start()`` and ``close()``; ``close()`` finishes what was queued.
    """

    def __init__(
        self,
        classifier: SupportsPrediction,
        *,
        max_batch_texts: int = DEFAULT_MAX_BATCH_TEXTS,
        max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS,
    ) -> None:
        self._classifier = classifier
        self._max_batch_texts = max(1, max_batch_texts)
        self._max_wait = max(0.0, max_wait_seconds)
        self._queue: asyncio.Queue[_Request | None] = asyncio.Queue()
        self._executor: ThreadPoolExecutor | None = None
        self._worker: asyncio.Task[None] | None = None
        self._closing = False
        self.runs = 0

    async def __aenter__(self) -> MicroBatcher:
        await self.start()

        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def running(self) -> bool:
        return self._worker is not None and not self._closing

    async def start(self) -> None:
        if self._worker is not None:
            return

        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inference")
        self._worker = asyncio.create_task(self._collect_and_run(), name="micro-batcher")

    async def close(self) -> None:
        """Stop taking requests, answer the queued ones, release the thread."""
        if self._worker is None or self._closing:
            return

        self._closing = True
        self._queue.put_nowait(None)
        await self._worker

        assert self._executor is not None
        self._executor.shutdown(wait=False)

    async def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Classify ``texts`` as part of the next run; errors are this caller's own.

        Raises:
            EmptyTextError: one of ``texts`` is empty or only whitespace.
            BatcherClosedError: the batcher was not started or is closing.
        """
        if not self.running:
            raise BatcherClosedError("the micro-batcher is not running; start it first")
        if not texts:
            return []

        future: asyncio.Future[list[Prediction]] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Request(texts, future))

        return await future

    async def explain(self, text: str) -> list[WordWeight]:
        """Occlusion weights for ``text``, computed in the inference thread.

        An explanation scores one variant per word, so a long text holds
        the thread for a while; predictions queued meanwhile wait for it.

        Raises:
            EmptyTextError: the text is empty or only whitespace.
            BatcherClosedError: the batcher was not started or is closing.
        """
        if not self.running:
            raise BatcherClosedError("the micro-batcher is not running; start it first")

        loop = asyncio.get_running_loop()

        return await loop.run_in_executor(self._executor, self._classifier.explain, text)

    async def _collect_and_run(self) -> None:
        loop = asyncio.get_running_loop()
        held_over: _Request | None = None

        while True:
            first = held_over or await self._queue.get()
            if first is None:
                return

            batch, held_over, stop = await self._collect(first)
            live = [request for request in batch if not request.future.done()]
            if live:
                outcomes = await loop.run_in_executor(self._executor, self._run, live)
                self._deliver(live, outcomes)
            if stop:
                return

    async def _collect(self, first: _Request) -> tuple[list[_Request], _Request | None, bool]:
        """Gather requests after ``first`` until the batch is full or the wait is over.

        Returns the batch, a request held over for the next batch because
        it did not fit, and whether the stop signal came in meanwhile.
        """
        batch = [first]
        size = len(first.texts)
        deadline = asyncio.get_running_loop().time() + self._max_wait

        while size < self._max_batch_texts:
            try:
                async with asyncio.timeout_at(deadline):
                    request = await self._queue.get()
            except TimeoutError:
                break

            if request is None:
                return batch, None, True
            if size + len(request.texts) > self._max_batch_texts:
                return batch, request, False

            batch.append(request)
            size += len(request.texts)

        return batch, None, False

    def _run(self, batch: list[_Request]) -> list[Outcome]:
        """One model run for the whole batch; on failure, each request alone.

        The retry pins an error (an empty text, say) on the caller who
        sent it instead of failing everyone who shared the run.
        """
        self.runs += 1
        texts = [text for request in batch for text in request.texts]
        try:
            predictions = self._classifier.predict(texts)
        except Exception as error:
            if len(batch) == 1:
                return [error]
            logger.info("batched run failed, retrying alone requests=%d", len(batch))

            return [self._run_alone(request) for request in batch]

        outcomes: list[Outcome] = []
        start = 0
        for request in batch:
            outcomes.append(predictions[start : start + len(request.texts)])
            start += len(request.texts)

        return outcomes

    def _run_alone(self, request: _Request) -> Outcome:
        self.runs += 1
        try:
            return self._classifier.predict(request.texts)
        except Exception as error:
            return error

    @staticmethod
    def _deliver(batch: list[_Request], outcomes: list[Outcome]) -> None:
        for request, outcome in zip(batch, outcomes, strict=True):
            if request.future.done():
                continue
            if isinstance(outcome, Exception):
                request.future.set_exception(outcome)
            else:
                request.future.set_result(outcome)
