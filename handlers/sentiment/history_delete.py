"""DELETE /history/texts/{prediction_id}: remove a text from one's history."""

from typing import Annotated

from litestar import delete
from litestar.di import NamedDependency
from litestar.params import Parameter

from api.fields import AuthedRequest
from api.openapi import errors, no_content
from domain.sentiment import Sentiment

# History ids are a Postgres `bigserial`: nothing larger can exist.
PredictionId = Annotated[
    int, Parameter(ge=1, le=2**63 - 1, description="the id of the text in the history")
]


@delete(
    "/history/texts/{prediction_id:int}",
    status_code=204,
    tags=["sentiment"],
    responses={
        **no_content("the text is gone from the history"),
        **errors((404, "no text with this id in your history")),
    },
)
async def history_delete(
    prediction_id: PredictionId, request: AuthedRequest, sentiment: NamedDependency[Sentiment]
) -> None:
    """Delete one of the user's own texts; anyone else's answers 404."""
    await sentiment.forget(request.user, prediction_id)
