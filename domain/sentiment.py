"""Analysing texts, one or a batch, and the history of what a user analysed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

import msgspec

from domain.errors import InvalidInput, NotFound
from domain.periods import Period
from domain.predictions import Prediction, SentimentClassifier, WordWeight
from domain.users import User

MAX_TEXT_LENGTH = 10_000
MAX_BATCH_TEXTS = 100
# An explanation classifies the text once per word, about 3 s for a text at
# the length limit; a batch may ask for as much of that as one text may.
MAX_EXPLAINED_BATCH_CHARACTERS = MAX_TEXT_LENGTH
MAX_PAGE_SIZE = 100
MAX_QUERY_LENGTH = 200


class ExplainedPrediction(msgspec.Struct, frozen=True, kw_only=True):
    """A verdict, with the word weights when they were asked for."""

    prediction: Prediction
    explanation: list[WordWeight] | None = None


class SavedPrediction(msgspec.Struct, frozen=True, kw_only=True):
    """A text in its author's history and what the model said of it."""

    id: int
    text: str
    created_at: datetime
    prediction: Prediction
    explanation: list[WordWeight] | None = None


class PredictionPage(msgspec.Struct, kw_only=True):
    items: list[SavedPrediction]
    total: int
    page: int
    page_size: int


class TextHistory(Protocol):
    """The texts each user analysed; every call is about one user's own."""

    async def add(
        self, user_id: int, text: str, prediction: Prediction, created_at: datetime
    ) -> SavedPrediction: ...

    async def list(
        self, user_id: int, q: str | None, period: Period, offset: int, limit: int
    ) -> tuple[list[SavedPrediction], int]:
        """The user's texts containing `q` (any case) created within
        `period`, newest first, and how many there are in all."""
        ...

    async def delete(self, user_id: int, prediction_id: int) -> bool:
        """Remove the user's entry; False if there is no such entry of theirs."""
        ...


class PredictionCache(Protocol):
    """Verdicts kept for a while by key; best effort, so an outage reads as
    misses and lost writes, never as an error."""

    async def get_many(self, keys: Sequence[str]) -> list[Prediction | None]: ...

    async def set_many(self, items: Sequence[tuple[str, Prediction]]) -> None: ...


def cache_key(model_version: str, normalized_text: str) -> str:
    """Where the verdict on a normalised text under one model is cached."""
    digest = hashlib.sha256(normalized_text.encode()).hexdigest()

    return f"{model_version}:{digest}"


class Sentiment:
    """What the model says about texts, and each user's history of them."""

    def __init__(
        self,
        *,
        classifier: SentimentClassifier,
        history: TextHistory,
        cache: PredictionCache,
        clock: Callable[[], datetime],
    ) -> None:
        self._classifier = classifier
        self._history = history
        self._cache = cache
        self._clock = clock

    async def analyze(self, user: User, text: str, explain: bool = False) -> SavedPrediction:
        """Classify one text and save it to the user's history."""
        text = clean_text(text, "text")

        (found,) = await self._explained([text], explain)
        saved = await self._history.add(user.id, text, found.prediction, self._clock())

        return msgspec.structs.replace(saved, explanation=found.explanation)

    async def analyze_batch(
        self, texts: list[str], explain: bool = False
    ) -> list[ExplainedPrediction]:
        """Classify up to `MAX_BATCH_TEXTS` texts, in order; nothing is saved."""
        if not texts:
            raise InvalidInput("texts must hold at least one text")
        if len(texts) > MAX_BATCH_TEXTS:
            raise InvalidInput(f"texts may hold at most {MAX_BATCH_TEXTS} texts; got {len(texts)}")

        cleaned = [clean_text(text, f"texts[{index}]") for index, text in enumerate(texts)]
        explained_length = sum(len(text) for text in cleaned) if explain else 0
        if explained_length > MAX_EXPLAINED_BATCH_CHARACTERS:
            raise InvalidInput(
                f"with explain, the texts may hold at most {MAX_EXPLAINED_BATCH_CHARACTERS}"
                f" characters in all; these hold {explained_length}: send fewer or shorter"
                " texts, or leave explain off"
            )

        return await self._explained(cleaned, explain)

    async def history(
        self, user: User, q: str | None, period: Period, page: int, page_size: int
    ) -> PredictionPage:
        """One page of the user's own texts, newest first."""
        page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
        page = max(page, 1)
        query = (q or "").strip()
        if "\x00" in query:
            raise InvalidInput("q must not contain a NUL character")
        if len(query) > MAX_QUERY_LENGTH:
            raise InvalidInput(f"q must be at most {MAX_QUERY_LENGTH} characters long")

        offset = (page - 1) * page_size
        items, total = await self._history.list(user.id, query or None, period, offset, page_size)

        return PredictionPage(items=items, total=total, page=page, page_size=page_size)

    async def forget(self, user: User, prediction_id: int) -> None:
        """Delete one of the user's own texts; anyone else's is not found."""
        if not await self._history.delete(user.id, prediction_id):
            raise NotFound(f"text {prediction_id} is not in your history")

    async def _explained(self, texts: list[str], explain: bool) -> list[ExplainedPrediction]:
        predictions = await self._predictions(texts)
        if not explain:
            return [ExplainedPrediction(prediction=found) for found in predictions]

        # NOTE: explanations are never cached: they weigh the words as
        # written, and texts with one normalised form differ in those.
        explained = []
        for text, found in zip(texts, predictions, strict=True):
            weights = await self._classifier.explain(text)
            explained.append(ExplainedPrediction(prediction=found, explanation=weights))

        return explained

    async def _predictions(self, texts: list[str]) -> list[Prediction]:
        """Verdicts from the cache where it has them, from the model otherwise;
        texts with one normalised form are run once."""
        version = self._classifier.version
        keys = [cache_key(version, self._classifier.normalize(text)) for text in texts]
        cached = await self._cache.get_many(keys)
        found = {
            key: hit
            for key, hit in zip(keys, cached, strict=True)
            if hit is not None and hit.model_version == version
        }

        missing: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in found:
                missing.setdefault(key, text)

        if missing:
            fresh = await self._classifier.predict(list(missing.values()))
            found.update(zip(missing, fresh, strict=True))
            await self._cache.set_many([(key, found[key]) for key in missing])

        # The verdict depends on the normalised text alone, the language on
        # the text as written (a long English URL makes a Russian text "en").
        return [
            msgspec.structs.replace(found[key], language=self._classifier.language_of(text))
            for key, text in zip(keys, texts, strict=True)
        ]


def clean_text(text: str, field: str) -> str:
    """The text trimmed, or `InvalidInput` saying what is wrong with it."""
    trimmed = text.strip()
    if not trimmed:
        raise InvalidInput(f"{field} must not be empty or only whitespace")
    if len(trimmed) > MAX_TEXT_LENGTH:
        raise InvalidInput(
            f"{field} must be at most {MAX_TEXT_LENGTH} characters long after trimming;"
            f" it has {len(trimmed)}"
        )
    if "\x00" in trimmed:
        raise InvalidInput(f"{field} must not contain a NUL character")

    return trimmed
