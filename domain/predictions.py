"""What the model says about a text, and the classifier the domain needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

import msgspec

Label = Literal["negative", "neutral", "positive"]
Language = Literal["ru", "en"]
LABELS: tuple[Label, ...] = ("negative", "neutral", "positive")


class Scores(msgspec.Struct, frozen=True, kw_only=True):
    """One probability per label; they sum to 1."""

    negative: float
    neutral: float
    positive: float


class WordWeight(msgspec.Struct, frozen=True, kw_only=True):
    """How much one word pushed the verdict towards the predicted label."""

    token: str
    weight: float


class Prediction(msgspec.Struct, frozen=True, kw_only=True):
    label: Label
    scores: Scores
    language: Language
    model_version: str


class SentimentClassifier(Protocol):
    """The model behind every verdict; an adapter wraps the runtime."""

    @property
    def version(self) -> str: ...

    def normalize(self, text: str) -> str:
        """The text as the model sees it; equal results get equal verdicts."""
        ...

    def language_of(self, text: str) -> Language:
        """The language of `text` as written."""
        ...

    async def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Classify non-empty texts, in order."""
        ...

    async def explain(self, text: str) -> list[WordWeight]:
        """The weight of each word of `text` in its verdict."""
        ...
