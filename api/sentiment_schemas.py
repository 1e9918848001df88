"""Response shapes of the sentiment endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from domain.predictions import Label, Language, Scores, WordWeight
from domain.sentiment import ExplainedPrediction, PredictionPage, SavedPrediction

Explanation = Annotated[
    list[WordWeight],
    msgspec.Meta(
        description=(
            "only with explain=true: each word of the text as written, and how far"
            " it pushed the verdict towards the label (negative: away from it)"
        )
    ),
]


class PredictionOut(msgspec.Struct, kw_only=True):
    """A verdict; `explanation` only when it was asked for."""

    label: Label
    scores: Scores
    language: Language
    model_version: str
    explanation: Explanation | msgspec.UnsetType = msgspec.UNSET

    @classmethod
    def of(cls, found: ExplainedPrediction) -> PredictionOut:
        prediction = found.prediction
        return cls(
            label=prediction.label,
            scores=prediction.scores,
            language=prediction.language,
            model_version=prediction.model_version,
            explanation=_unset_if_none(found.explanation),
        )


class PredictionListOut(msgspec.Struct, kw_only=True):
    items: list[PredictionOut]

    @classmethod
    def of(cls, found: list[ExplainedPrediction]) -> PredictionListOut:
        return cls(items=[PredictionOut.of(one) for one in found])


class TextPredictionOut(msgspec.Struct, kw_only=True):
    """A text saved in its author's history with its verdict."""

    id: int
    text: str
    created_at: datetime
    label: Label
    scores: Scores
    language: Language
    model_version: str

    @classmethod
    def of(cls, saved: SavedPrediction) -> TextPredictionOut:
        prediction = saved.prediction
        return cls(
            id=saved.id,
            text=saved.text,
            created_at=saved.created_at,
            label=prediction.label,
            scores=prediction.scores,
            language=prediction.language,
            model_version=prediction.model_version,
        )


class AnalysedTextOut(TextPredictionOut, kw_only=True):
    """The answer to one analysed text: as saved, plus the word weights
    when they were asked for."""

    explanation: Explanation | msgspec.UnsetType = msgspec.UNSET

    @classmethod
    def of(cls, saved: SavedPrediction) -> AnalysedTextOut:
        fields = msgspec.structs.asdict(TextPredictionOut.of(saved))
        return cls(**fields, explanation=_unset_if_none(saved.explanation))


class TextPredictionPageOut(msgspec.Struct, kw_only=True):
    items: list[TextPredictionOut]
    total: int
    page: int
    page_size: int

    @classmethod
    def of(cls, page: PredictionPage) -> TextPredictionPageOut:
        return cls(
            items=[TextPredictionOut.of(saved) for saved in page.items],
            total=page.total,
            page=page.page,
            page_size=page.page_size,
        )


def _unset_if_none(
    explanation: list[WordWeight] | None,
) -> list[WordWeight] | msgspec.UnsetType:
    return msgspec.UNSET if explanation is None else explanation
