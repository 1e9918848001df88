"""POST /sentiment/batch: analyse up to a hundred texts at once."""

from typing import Annotated

import msgspec
from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.openapi import errors
from api.sentiment_schemas import PredictionListOut
from domain.sentiment import (
    MAX_BATCH_TEXTS,
    MAX_EXPLAINED_BATCH_CHARACTERS,
    MAX_TEXT_LENGTH,
    Sentiment,
)

# Every text at its limit with each character \u-escaped, plus the JSON
# around them: a full batch is never refused for its size alone.
BATCH_BODY_MAX_BYTES = MAX_BATCH_TEXTS * MAX_TEXT_LENGTH * 6 + (64 << 10)

Texts = Annotated[
    list[str],
    msgspec.Meta(
        description=(
            f"1 to {MAX_BATCH_TEXTS} texts, each 1 to {MAX_TEXT_LENGTH} characters"
            " once the spaces around it are trimmed"
        ),
        examples=[["Отличный фильм!", "This was a terrible waste of time."]],
    ),
]
Explain = Annotated[
    bool,
    msgspec.Meta(
        description=(
            "add each word's weight; the texts may then hold at most"
            f" {MAX_EXPLAINED_BATCH_CHARACTERS} characters in all"
        )
    ),
]


class TextsToAnalyse(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    texts: Texts
    explain: Explain = False


@post(
    "/sentiment/batch",
    status_code=200,
    tags=["sentiment"],
    request_max_body_size=BATCH_BODY_MAX_BYTES,
    responses=errors(
        (
            422,
            "no texts, more than 100, a text empty or too long (`detail` names its"
            " index), or too much text to explain",
        ),
        (503, "the model or another backing service is unavailable"),
    ),
)
async def analyze_batch(
    data: JSONBody[TextsToAnalyse], sentiment: NamedDependency[Sentiment]
) -> PredictionListOut:
    """Label each text, in order; nothing is saved to the history."""
    found = await sentiment.analyze_batch(data.texts, explain=data.explain)

    return PredictionListOut.of(found)
