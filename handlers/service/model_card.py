"""GET /api/v1/model: the card of the model being served."""

from litestar import get
from litestar.di import NamedDependency
from litestar.exceptions import ServiceUnavailableException

from handlers.service.schemas import ModelCard


@get("/model", tags=["service"], opt={"public": True}, summary="Model card")
async def model(model_card: NamedDependency[ModelCard | None]) -> ModelCard:
    """Languages, labels, training data and per-language metrics of the model.

    Raises:
        ServiceUnavailableException: 503 when no model is installed.
    """
    if model_card is None:
        raise ServiceUnavailableException(
            detail="no model is installed; put the exported model in models/ "
            "or point TONALITY_MODEL_DIR at it"
        )

    return model_card
