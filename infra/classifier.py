"""The ONNX runtime's classifier behind the domain's `SentimentClassifier`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import cast

from domain.errors import DependencyUnavailable, InvalidInput
from domain.predictions import Label, Language, Prediction, Scores, WordWeight
from ml.runtime.batcher import MicroBatcher
from ml.runtime.classifier import Classifier
from ml.runtime.classifier import Prediction as RuntimePrediction
from ml.runtime.errors import BatcherClosedError, EmptyTextError
from ml.runtime.text import detect_language, normalize

logger = logging.getLogger(__name__)


class OnnxSentimentClassifier:
    """Micro-batched onnxruntime inference; start it before use.

    `close()` answers what is queued, then releases the inference thread.
    """

    def __init__(self, model_dir: Path | None = None, *, intra_op_threads: int = 1) -> None:
        self._classifier = Classifier(model_dir, intra_op_threads=intra_op_threads)
        self._batcher = MicroBatcher(self._classifier)
        logger.info("model loaded version=%s", self._classifier.version)

    @property
    def version(self) -> str:
        return self._classifier.version

    @property
    def runtime(self) -> Classifier:
        """The runtime classifier itself, safe to call from several threads."""
        return self._classifier

    async def start(self) -> OnnxSentimentClassifier:
        await self._batcher.start()

        return self

    async def close(self) -> None:
        await self._batcher.close()

    async def __aenter__(self) -> OnnxSentimentClassifier:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def normalize(self, text: str) -> str:
        return normalize(text)

    def language_of(self, text: str) -> Language:
        return cast(Language, detect_language(text))

    async def predict(self, texts: Sequence[str]) -> list[Prediction]:
        try:
            found = await self._batcher.predict(texts)
        except EmptyTextError as error:
            raise InvalidInput(str(error)) from None
        except BatcherClosedError:
            raise DependencyUnavailable("model") from None

        return [_prediction(one) for one in found]

    async def explain(self, text: str) -> list[WordWeight]:
        try:
            weights = await self._batcher.explain(text)
        except EmptyTextError as error:
            raise InvalidInput(str(error)) from None
        except BatcherClosedError:
            raise DependencyUnavailable("model") from None

        return [WordWeight(token=word, weight=round(weight, 4)) for word, weight in weights]

    async def check(self) -> None:
        """Raise unless the model answers; the readiness probe calls it."""
        if not self._batcher.running:
            raise DependencyUnavailable("model")


def _prediction(found: RuntimePrediction) -> Prediction:
    scores = found.scores
    return Prediction(
        label=cast(Label, found.label),
        scores=Scores(
            negative=scores["negative"], neutral=scores["neutral"], positive=scores["positive"]
        ),
        language=cast(Language, found.language),
        model_version=found.model_version,
    )


class ParallelSentimentClassifier:
    """For file jobs: each batch is split across `threads` inference threads,
    so one job keeps every core busy. onnxruntime releases the GIL while it
    runs, and one session serves several threads at once."""

    def __init__(self, shared: OnnxSentimentClassifier, threads: int = 2) -> None:
        self._shared = shared
        self._threads = max(1, threads)
        self._executor = ThreadPoolExecutor(self._threads, thread_name_prefix="job-inference")

    @property
    def version(self) -> str:
        return self._shared.version

    def normalize(self, text: str) -> str:
        return self._shared.normalize(text)

    def language_of(self, text: str) -> Language:
        return self._shared.language_of(text)

    async def explain(self, text: str) -> list[WordWeight]:
        return await self._shared.explain(text)

    async def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []

        loop = asyncio.get_running_loop()
        size = -(-len(texts) // self._threads)
        parts = [texts[start : start + size] for start in range(0, len(texts), size)]
        try:
            found = await asyncio.gather(
                *(
                    loop.run_in_executor(self._executor, self._shared.runtime.predict, part)
                    for part in parts
                )
            )
        except EmptyTextError as error:
            raise InvalidInput(str(error)) from None

        return [_prediction(one) for part in found for one in part]

    async def close(self) -> None:
        self._executor.shutdown(wait=True)


class MissingModel:
    """Stands in when no model could be loaded: the service still starts,
    `/ready` names the model, and every prediction is a 503."""

    version = "none"

    def __init__(self, reason: str) -> None:
        self.reason = reason

    @property
    def runtime(self) -> Classifier:
        raise DependencyUnavailable("model", self._detail())

    def normalize(self, text: str) -> str:
        return normalize(text)

    def language_of(self, text: str) -> Language:
        return cast(Language, detect_language(text))

    async def predict(self, texts: Sequence[str]) -> list[Prediction]:
        raise DependencyUnavailable("model", self._detail())

    async def explain(self, text: str) -> list[WordWeight]:
        raise DependencyUnavailable("model", self._detail())

    async def check(self) -> None:
        raise DependencyUnavailable("model", self.reason)

    def _detail(self) -> str:
        return "no sentiment model is installed on this server; try again later"
