"""POST /sentiment: analyse one text and save it to the history."""

from typing import Annotated

import msgspec
from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.fields import AuthedRequest
from api.openapi import errors
from api.sentiment_schemas import AnalysedTextOut
from domain.sentiment import MAX_TEXT_LENGTH, Sentiment

# The domain counts the length after trimming, so it is only described here.
Text = Annotated[
    str,
    msgspec.Meta(
        description=f"1 to {MAX_TEXT_LENGTH} characters once the spaces around it are trimmed",
        examples=["Отличный фильм, очень понравился!"],
    ),
]


class TextToAnalyse(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    text: Text
    explain: bool = False


@post(
    "/sentiment",
    status_code=200,
    tags=["sentiment"],
    responses=errors(
        (422, "the text is empty, only whitespace or too long, or a field is unknown"),
        (503, "the model, the database or another backing service is unavailable"),
    ),
)
async def analyze(
    data: JSONBody[TextToAnalyse], request: AuthedRequest, sentiment: NamedDependency[Sentiment]
) -> AnalysedTextOut:
    """Label the text and save it, trimmed, to the user's history; with
    `explain`, add each word's weight in the verdict."""
    saved = await sentiment.analyze(request.user, data.text, explain=data.explain)

    return AnalysedTextOut.of(saved)
