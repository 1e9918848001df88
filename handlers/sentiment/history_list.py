"""GET /history/texts: one's analysed texts, a page at a time."""

from litestar import get
from litestar.di import NamedDependency

from api.fields import AuthedRequest
from api.openapi import errors
from api.pages import DEFAULT_PAGE_SIZE, DateFrom, DateTo, PageNumber, PageSize, SearchText
from api.sentiment_schemas import TextPredictionPageOut
from domain.periods import period_of
from domain.sentiment import Sentiment


@get(
    "/history/texts",
    tags=["sentiment"],
    responses=errors((422, "a parameter is invalid, or date_to is before date_from")),
)
async def history_list(
    request: AuthedRequest,
    sentiment: NamedDependency[Sentiment],
    page: PageNumber = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    q: SearchText = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
) -> TextPredictionPageOut:
    """The user's own texts newest first; `q` matches a substring in any
    case, the dates keep whole UTC days, both included."""
    period = period_of(date_from, date_to)
    found = await sentiment.history(request.user, q, period, page, page_size)

    return TextPredictionPageOut.of(found)
