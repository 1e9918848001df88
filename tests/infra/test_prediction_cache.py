from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiomcache
import msgspec
import pytest

from domain.predictions import Prediction, Scores
from domain.sentiment import Sentiment, cache_key
from infra.classifier import OnnxSentimentClassifier
from infra.prediction_cache import MemcachedPredictionCache, NullPredictionCache
from tests.conftest import Memcached, free_port
from tests.domain.test_sentiment import InMemoryHistory, a_user


def a_prediction(label: str = "positive") -> Prediction:
    return Prediction(
        label=label,  # type: ignore[arg-type]
        scores=Scores(negative=0.1, neutral=0.2, positive=0.7),
        language="en",
        model_version="test-model",
    )


def a_key() -> str:
    return cache_key("test-model", uuid.uuid4().hex)


@pytest.fixture
async def cache(memcached: Memcached) -> AsyncIterator[MemcachedPredictionCache]:
    client = MemcachedPredictionCache(memcached.host, memcached.port)
    yield client
    await client.close()


@pytest.fixture
async def outage_cache(memcached_process: Memcached) -> AsyncIterator[MemcachedPredictionCache]:
    """A cache on a memcached of its own, with a back-off short enough to test."""
    client = MemcachedPredictionCache(
        memcached_process.host, memcached_process.port, retry_after=0.05
    )
    yield client
    await client.close()


async def eventually_cached(cache: MemcachedPredictionCache, within: float = 3.0) -> bool:
    key = a_key()
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        await cache.set_many([(key, a_prediction())])
        if await cache.get_many([key]) == [a_prediction()]:
            return True
        await asyncio.sleep(0.05)

    return False


async def test_set_predictions_read_back_and_others_miss(cache: MemcachedPredictionCache) -> None:
    first, second, unknown = a_key(), a_key(), a_key()

    await cache.set_many([(first, a_prediction()), (second, a_prediction("negative"))])

    found = await cache.get_many([first, unknown, second])
    assert found == [a_prediction(), None, a_prediction("negative")]
    assert (cache.hits, cache.misses) == (2, 1)


async def test_a_key_asked_twice_in_one_call_answers_twice(
    cache: MemcachedPredictionCache,
) -> None:
    key = a_key()
    await cache.set_many([(key, a_prediction())])

    assert await cache.get_many([key, key]) == [a_prediction(), a_prediction()]


async def test_no_keys_need_no_round_trip(cache: MemcachedPredictionCache) -> None:
    assert await cache.get_many([]) == []
    await cache.set_many([])


async def test_predictions_are_msgpack_under_the_documented_key(
    cache: MemcachedPredictionCache, memcached: Memcached
) -> None:
    key = a_key()
    await cache.set_many([(key, a_prediction())])

    raw = aiomcache.Client(memcached.host, memcached.port)
    try:
        stored = await raw.get(f"tonality:prediction:{key}".encode())
    finally:
        await raw.close()

    assert stored is not None
    assert msgspec.msgpack.decode(stored, type=Prediction) == a_prediction()


@pytest.mark.parametrize(
    "version", ["with spaces and\nnewline", "v" * 300, "версия-1", "tab\there"]
)
async def test_keys_memcached_would_refuse_are_hashed_and_still_work(
    cache: MemcachedPredictionCache, version: str
) -> None:
    key = cache_key(version, "some text")
    wire_key = cache.wire_key(key)

    assert len(wire_key) <= 250
    assert all(33 <= byte <= 126 for byte in wire_key)

    await cache.set_many([(key, a_prediction())])
    assert await cache.get_many([key]) == [a_prediction()]


async def test_an_unreadable_entry_is_a_miss(
    cache: MemcachedPredictionCache, memcached: Memcached
) -> None:
    key = a_key()
    raw = aiomcache.Client(memcached.host, memcached.port)
    try:
        await raw.set(cache.wire_key(key), b"not msgpack of a prediction")
    finally:
        await raw.close()

    assert await cache.get_many([key]) == [None]


async def test_unreachable_memcached_reads_as_quick_misses() -> None:
    cache = MemcachedPredictionCache("127.0.0.1", free_port(), retry_after=0.05)
    try:
        started = time.monotonic()
        for _ in range(50):
            await cache.set_many([(a_key(), a_prediction())])
            assert await cache.get_many([a_key(), a_key()]) == [None, None]

        assert time.monotonic() - started < 1.0
    finally:
        await cache.close()


async def test_cache_recovers_by_itself_after_memcached_is_killed_and_restarted(
    outage_cache: MemcachedPredictionCache, memcached_process: Memcached
) -> None:
    assert await eventually_cached(outage_cache)

    memcached_process.kill()
    assert await outage_cache.get_many([a_key()]) == [None]
    memcached_process.start()

    assert await eventually_cached(outage_cache)


async def test_hung_memcached_costs_at_most_the_timeout(
    outage_cache: MemcachedPredictionCache, memcached_process: Memcached
) -> None:
    assert await eventually_cached(outage_cache)
    assert memcached_process.process is not None
    memcached_process.process.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        assert await outage_cache.get_many([a_key()]) == [None]
        await outage_cache.set_many([(a_key(), a_prediction())] * 10)
        assert time.monotonic() - started < outage_cache.timeout * 2 + 0.3
    finally:
        memcached_process.process.send_signal(signal.SIGCONT)

    assert await eventually_cached(outage_cache)


async def test_null_cache_always_misses() -> None:
    cache = NullPredictionCache()
    key = a_key()

    await cache.set_many([(key, a_prediction())])

    assert await cache.get_many([key, a_key()]) == [None, None]
    await cache.close()


@pytest.fixture(scope="module")
async def onnx_classifier() -> AsyncIterator[OnnxSentimentClassifier]:
    async with OnnxSentimentClassifier() as classifier:
        yield classifier


async def test_sentiment_answers_from_the_cache_on_a_repeat(
    cache: MemcachedPredictionCache, onnx_classifier: OnnxSentimentClassifier
) -> None:
    history = InMemoryHistory()
    sentiment = Sentiment(
        classifier=onnx_classifier, history=history, cache=cache, clock=lambda: datetime.now(UTC)
    )
    text = f"A truly wonderful evening {uuid.uuid4().hex}"

    first = await sentiment.analyze(a_user(), text)
    second = await sentiment.analyze(a_user(), text)

    assert (cache.hits, cache.misses) == (1, 1)
    assert second.prediction == first.prediction
    assert len(history.rows) == 2


async def test_sentiment_falls_back_to_the_model_while_memcached_is_down(
    onnx_classifier: OnnxSentimentClassifier, memcached_process: Memcached
) -> None:
    memcached_process.kill()
    cache = MemcachedPredictionCache(memcached_process.host, memcached_process.port)
    sentiment = Sentiment(
        classifier=onnx_classifier,
        history=InMemoryHistory(),
        cache=cache,
        clock=lambda: datetime.now(UTC),
    )
    try:
        saved = await sentiment.analyze(a_user(), "This was a terrible waste of time.")
        found = await sentiment.analyze_batch(["Отличный фильм, очень понравился!"])
    finally:
        await cache.close()

    assert saved.prediction.label == "negative"
    assert found[0].prediction.label == "positive"
