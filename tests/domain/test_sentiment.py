"""Sentiment's rules, with the real model and in-memory history and cache."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from domain.errors import InvalidInput, NotFound
from domain.periods import Period
from domain.predictions import Language, Prediction, WordWeight
from domain.sentiment import (
    MAX_TEXT_LENGTH,
    SavedPrediction,
    Sentiment,
    cache_key,
)
from domain.users import Role, User
from infra.classifier import OnnxSentimentClassifier
from infra.prediction_cache import NullPredictionCache
from tests.domain.fakes import Clock


class CountingClassifier:
    """The real classifier, counting the texts it was asked to predict."""

    def __init__(self, real: OnnxSentimentClassifier) -> None:
        self.real = real
        self.predicted: list[str] = []

    @property
    def version(self) -> str:
        return self.real.version

    def normalize(self, text: str) -> str:
        return self.real.normalize(text)

    def language_of(self, text: str) -> Language:
        return self.real.language_of(text)

    async def predict(self, texts: Sequence[str]) -> list[Prediction]:
        self.predicted += texts
        return await self.real.predict(texts)

    async def explain(self, text: str) -> list[WordWeight]:
        return await self.real.explain(text)


class InMemoryHistory:
    def __init__(self) -> None:
        self.rows: dict[int, tuple[int, SavedPrediction]] = {}

    def texts_of(self, user_id: int) -> list[str]:
        return [saved.text for owner, saved in self.rows.values() if owner == user_id]

    async def add(
        self, user_id: int, text: str, prediction: Prediction, created_at: datetime
    ) -> SavedPrediction:
        saved = SavedPrediction(
            id=len(self.rows) + 1, text=text, created_at=created_at, prediction=prediction
        )
        self.rows[saved.id] = (user_id, saved)
        return saved

    async def list(
        self, user_id: int, q: str | None, period: Period, offset: int, limit: int
    ) -> tuple[list[SavedPrediction], int]:
        own = [saved for owner, saved in self.rows.values() if owner == user_id]
        found = [saved for saved in own if not q or q.lower() in saved.text.lower()]
        found.sort(key=lambda saved: (saved.created_at, saved.id), reverse=True)
        return found[offset : offset + limit], len(found)

    async def delete(self, user_id: int, prediction_id: int) -> bool:
        row = self.rows.get(prediction_id)
        if row is None or row[0] != user_id:
            return False
        del self.rows[prediction_id]
        return True


class InMemoryCache:
    def __init__(self) -> None:
        self.items: dict[str, Prediction] = {}

    async def get_many(self, keys: Sequence[str]) -> list[Prediction | None]:
        return [self.items.get(key) for key in keys]

    async def set_many(self, items: Sequence[tuple[str, Prediction]]) -> None:
        self.items.update(items)


@pytest.fixture(scope="module")
async def onnx_classifier() -> AsyncIterator[OnnxSentimentClassifier]:
    async with OnnxSentimentClassifier() as classifier:
        yield classifier


@pytest.fixture
def classifier(onnx_classifier: OnnxSentimentClassifier) -> CountingClassifier:
    return CountingClassifier(onnx_classifier)


@pytest.fixture
def history() -> InMemoryHistory:
    return InMemoryHistory()


@pytest.fixture
def cache() -> InMemoryCache:
    return InMemoryCache()


@pytest.fixture
def sentiment(
    classifier: CountingClassifier, history: InMemoryHistory, cache: InMemoryCache
) -> Sentiment:
    return Sentiment(classifier=classifier, history=history, cache=cache, clock=Clock())


def a_user(user_id: int = 1) -> User:
    return User(
        id=user_id,
        email=f"user{user_id}@example.com",
        first_name="Test",
        last_name="",
        role=Role.USER,
        is_active=True,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        password_hash="not-a-hash",
    )


async def test_analyze_saves_the_trimmed_text_with_its_prediction(
    sentiment: Sentiment, history: InMemoryHistory
) -> None:
    saved = await sentiment.analyze(a_user(), "  Отличный фильм, очень понравился!\n")

    assert saved.text == "Отличный фильм, очень понравился!"
    assert saved.prediction.label == "positive"
    assert saved.prediction.language == "ru"
    assert saved.created_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert saved.explanation is None
    assert history.texts_of(1) == [saved.text]


@pytest.mark.parametrize("text", ["", "   ", "\n\t \u3000"])
async def test_empty_or_blank_text_is_refused(
    sentiment: Sentiment, history: InMemoryHistory, text: str
) -> None:
    with pytest.raises(InvalidInput, match="must not be empty"):
        await sentiment.analyze(a_user(), text)

    assert history.rows == {}


async def test_text_over_the_limit_after_trimming_is_refused(sentiment: Sentiment) -> None:
    with pytest.raises(InvalidInput, match=f"at most {MAX_TEXT_LENGTH} characters"):
        await sentiment.analyze(a_user(), "a" * (MAX_TEXT_LENGTH + 1))


async def test_text_at_the_limit_with_spaces_around_is_accepted(sentiment: Sentiment) -> None:
    saved = await sentiment.analyze(a_user(), "   " + "a" * MAX_TEXT_LENGTH + "   ")

    assert len(saved.text) == MAX_TEXT_LENGTH


async def test_text_with_a_nul_character_is_refused(sentiment: Sentiment) -> None:
    with pytest.raises(InvalidInput, match="NUL"):
        await sentiment.analyze(a_user(), "good\x00film")


async def test_a_repeat_is_answered_from_the_cache_and_still_saved(
    sentiment: Sentiment, classifier: CountingClassifier, history: InMemoryHistory
) -> None:
    first = await sentiment.analyze(a_user(), "This was a terrible waste of time.")
    second = await sentiment.analyze(a_user(), "This was a terrible waste of time.")

    assert classifier.predicted == ["This was a terrible waste of time."]
    assert second.prediction == first.prediction
    assert second.id != first.id
    assert len(history.texts_of(1)) == 2


async def test_texts_with_one_normalised_form_share_a_cache_entry(
    sentiment: Sentiment, classifier: CountingClassifier, cache: InMemoryCache
) -> None:
    await sentiment.analyze(a_user(), "Great movie!!!!!")
    await sentiment.analyze(a_user(), "great   MOVIE!!!")

    assert classifier.predicted == ["Great movie!!!!!"]
    assert list(cache.items) == [cache_key(classifier.version, "great movie!!!")]


async def test_a_cached_verdict_of_another_model_version_is_not_used(
    sentiment: Sentiment, classifier: CountingClassifier, cache: InMemoryCache
) -> None:
    text = "An ordinary afternoon."
    key = cache_key(classifier.version, classifier.normalize(text))
    fresh = (await classifier.real.predict([text]))[0]
    cache.items[key] = msgspec.structs.replace(fresh, model_version="older", label="positive")

    saved = await sentiment.analyze(a_user(), text)

    assert saved.prediction == fresh
    assert classifier.predicted == [text]


async def test_explain_weighs_the_words_of_the_text_as_written(sentiment: Sentiment) -> None:
    saved = await sentiment.analyze(a_user(), "What a WONDERFUL day", explain=True)

    assert saved.explanation is not None
    assert [weight.token for weight in saved.explanation] == ["What", "a", "WONDERFUL", "day"]


async def test_explain_after_a_cache_hit_still_explains_this_text(
    sentiment: Sentiment, classifier: CountingClassifier
) -> None:
    await sentiment.analyze(a_user(), "wonderful day")
    saved = await sentiment.analyze(a_user(), "Wonderful DAY", explain=True)

    assert len(classifier.predicted) == 1
    assert saved.explanation is not None
    assert [weight.token for weight in saved.explanation] == ["Wonderful", "DAY"]


async def test_batch_answers_in_order_and_saves_nothing(
    sentiment: Sentiment, history: InMemoryHistory
) -> None:
    texts = ["Отличный фильм, очень понравился!", "This was a terrible waste of time."]

    found = await sentiment.analyze_batch(texts)

    assert [item.prediction.label for item in found] == ["positive", "negative"]
    assert [item.prediction.language for item in found] == ["ru", "en"]
    assert all(item.explanation is None for item in found)
    assert history.rows == {}


async def test_batch_runs_the_model_only_for_texts_not_cached(
    sentiment: Sentiment, classifier: CountingClassifier
) -> None:
    await sentiment.analyze(a_user(), "lovely")

    found = await sentiment.analyze_batch(["lovely", "awful", "Awful", "lovely"])

    assert classifier.predicted == ["lovely", "awful"]
    assert found[0].prediction == found[3].prediction
    assert found[1].prediction == found[2].prediction


async def test_batch_with_explain_explains_each_text(sentiment: Sentiment) -> None:
    found = await sentiment.analyze_batch(["good film", "bad"], explain=True)

    tokens = [[weight.token for weight in item.explanation or []] for item in found]
    assert tokens == [["good", "film"], ["bad"]]


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ([], "at least one text"),
        (["fine"] * 101, "at most 100 texts; got 101"),
        (["fine", "  "], r"texts\[1\] must not be empty"),
        (["fine", "ok", "a" * 10_001], r"texts\[2\] must be at most 10000"),
    ],
)
async def test_invalid_batch_is_refused_naming_the_problem(
    sentiment: Sentiment, classifier: CountingClassifier, texts: list[str], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        await sentiment.analyze_batch(texts)

    assert classifier.predicted == []


async def test_batch_explanations_are_bounded_in_total_length(
    sentiment: Sentiment, classifier: CountingClassifier
) -> None:
    texts = ["a" * 4_000, "b" * 4_000, "c" * 2_001]
    with pytest.raises(InvalidInput, match="at most 10000 characters in all; these hold 10001"):
        await sentiment.analyze_batch(texts, explain=True)

    assert len(await sentiment.analyze_batch(texts)) == 3


async def test_history_lists_only_ones_own_texts_newest_first(
    classifier: CountingClassifier, history: InMemoryHistory
) -> None:
    clock = Clock()
    sentiment = Sentiment(
        classifier=classifier, history=history, cache=NullPredictionCache(), clock=clock
    )
    for text in ["first", "second", "third"]:
        await sentiment.analyze(a_user(1), text)
        clock.advance(minutes=1)
    await sentiment.analyze(a_user(2), "someone else's")

    page = await sentiment.history(a_user(1), None, Period(), page=1, page_size=2)

    assert [saved.text for saved in page.items] == ["third", "second"]
    assert (page.total, page.page, page.page_size) == (3, 1, 2)


async def test_history_clamps_page_and_page_size(sentiment: Sentiment) -> None:
    page = await sentiment.history(a_user(), None, Period(), page=0, page_size=1000)

    assert (page.page, page.page_size) == (1, 100)


async def test_history_query_is_trimmed_and_nul_refused(
    sentiment: Sentiment, history: InMemoryHistory
) -> None:
    await sentiment.analyze(a_user(), "Nice weather")

    page = await sentiment.history(a_user(), "  WEATHER ", Period(), 1, 10)
    assert [saved.text for saved in page.items] == ["Nice weather"]

    with pytest.raises(InvalidInput, match="NUL"):
        await sentiment.history(a_user(), "a\x00b", Period(), 1, 10)


async def test_forget_removes_ones_own_text(sentiment: Sentiment, history: InMemoryHistory) -> None:
    saved = await sentiment.analyze(a_user(), "to be forgotten")

    await sentiment.forget(a_user(), saved.id)

    assert history.rows == {}


async def test_forgetting_someone_elses_or_a_missing_text_is_not_found(
    sentiment: Sentiment, history: InMemoryHistory
) -> None:
    saved = await sentiment.analyze(a_user(1), "mine")

    with pytest.raises(NotFound):
        await sentiment.forget(a_user(2), saved.id)
    with pytest.raises(NotFound):
        await sentiment.forget(a_user(1), saved.id + 1)

    assert history.texts_of(1) == ["mine"]


def test_cache_key_names_the_model_version_and_hashes_the_text() -> None:
    key = cache_key("2026.12.03-lstm2", "great movie")

    version, _, digest = key.partition(":")
    assert version == "2026.12.03-lstm2"
    assert len(digest) == 64
    assert cache_key("2026.12.03-lstm2", "great movie!") != key
    assert cache_key("other", "great movie") != key


async def test_created_at_comes_from_the_clock(
    classifier: CountingClassifier, history: InMemoryHistory
) -> None:
    clock = Clock()
    clock.advance(days=3)
    sentiment = Sentiment(
        classifier=classifier, history=history, cache=NullPredictionCache(), clock=clock
    )

    saved = await sentiment.analyze(a_user(), "whatever")

    assert saved.created_at == datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=3)
