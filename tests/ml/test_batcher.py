import asyncio
import threading
from collections.abc import Sequence

import pytest

from ml.runtime.batcher import MicroBatcher
from ml.runtime.classifier import Classifier, Prediction, WordWeight
from ml.runtime.errors import BatcherClosedError, EmptyTextError


class RecordingClassifier:
    """Echoes each text back as its label and records every run."""

    def __init__(self) -> None:
        self.runs: list[list[str]] = []
        self.threads: set[int] = set()

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        self.runs.append(list(texts))
        self.threads.add(threading.get_ident())
        if any(not text.strip() for text in texts):
            raise EmptyTextError("empty text")

        return [
            Prediction(text, {"negative": 0.0, "neutral": 1.0, "positive": 0.0}, "en", "fake")
            for text in texts
        ]

    def explain(self, text: str) -> list[WordWeight]:
        self.threads.add(threading.get_ident())

        return [WordWeight(word, 0.0) for word in text.split()]


def labels(predictions: list[Prediction]) -> list[str]:
    return [prediction.label for prediction in predictions]


async def test_concurrent_callers_share_one_run():
    classifier = RecordingClassifier()
    async with MicroBatcher(classifier, max_wait_seconds=0.05) as batcher:
        results = await asyncio.gather(*(batcher.predict([f"t{i}"]) for i in range(20)))

    assert [labels(result) for result in results] == [[f"t{i}"] for i in range(20)]
    assert len(classifier.runs) == 1
    assert batcher.runs == 1


async def test_each_caller_gets_its_own_texts_back_in_order():
    classifier = RecordingClassifier()
    requests = [["a1", "a2", "a3"], ["b1"], ["c1", "c2"]]
    async with MicroBatcher(classifier, max_wait_seconds=0.05) as batcher:
        results = await asyncio.gather(*(batcher.predict(texts) for texts in requests))

    assert [labels(result) for result in results] == requests
    assert len(classifier.runs) == 1


async def test_batch_size_is_bounded_and_large_requests_run_whole():
    classifier = RecordingClassifier()
    requests = [["x"] * 3 for _ in range(5)] + [["big"] * 10]
    async with MicroBatcher(classifier, max_batch_texts=6, max_wait_seconds=0.05) as batcher:
        await asyncio.gather(*(batcher.predict(texts) for texts in requests))

    sizes = sorted(len(run) for run in classifier.runs)
    assert sizes == [3, 6, 6, 10]


async def test_an_empty_text_fails_only_its_caller():
    classifier = RecordingClassifier()
    async with MicroBatcher(classifier, max_wait_seconds=0.05) as batcher:
        results = await asyncio.gather(
            batcher.predict(["good"]),
            batcher.predict(["  "]),
            batcher.predict(["fine", "ok"]),
            return_exceptions=True,
        )

    good, empty, pair = results
    assert isinstance(empty, EmptyTextError)
    assert not isinstance(good, BaseException) and labels(good) == ["good"]
    assert not isinstance(pair, BaseException) and labels(pair) == ["fine", "ok"]


async def test_inference_and_explain_run_off_the_event_loop():
    classifier = RecordingClassifier()
    async with MicroBatcher(classifier) as batcher:
        await batcher.predict(["a"])
        weights = await batcher.explain("two words")

    assert [weight.word for weight in weights] == ["two", "words"]
    assert threading.get_ident() not in classifier.threads


async def test_close_answers_queued_requests_then_refuses_new_ones():
    classifier = RecordingClassifier()
    batcher = MicroBatcher(classifier, max_wait_seconds=0.05)
    await batcher.start()
    pending = [asyncio.create_task(batcher.predict([f"q{i}"])) for i in range(3)]
    await asyncio.sleep(0)
    await batcher.close()

    assert [labels(task.result()) for task in pending] == [["q0"], ["q1"], ["q2"]]
    with pytest.raises(BatcherClosedError):
        await batcher.predict(["late"])


async def test_a_cancelled_caller_does_not_disturb_the_others():
    classifier = RecordingClassifier()
    async with MicroBatcher(classifier, max_wait_seconds=0.05) as batcher:
        doomed = asyncio.create_task(batcher.predict(["doomed"]))
        kept = asyncio.create_task(batcher.predict(["kept"]))
        await asyncio.sleep(0)
        doomed.cancel()

        assert labels(await kept) == ["kept"]
    assert classifier.runs == [["kept"]]


async def test_real_classifier_behind_the_batcher_matches_direct_calls(committed_model_dir):
    classifier = Classifier(committed_model_dir)
    texts = ["I loved this movie", "Это ужасный фильм", "ok 👍"]
    async with MicroBatcher(classifier) as batcher:
        results = await asyncio.gather(*(batcher.predict([text]) for text in texts))

    direct = classifier.predict(texts)
    for (batched,), alone in zip(results, direct, strict=True):
        assert batched.label == alone.label
        assert batched.scores == pytest.approx(alone.scores, abs=1e-5)
