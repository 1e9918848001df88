"""GET /api/v1/version: the service's release and the model it serves."""

from importlib import metadata

from litestar import get
from litestar.di import NamedDependency

from handlers.service.schemas import ModelCard, Version


def service_version() -> str:
    try:
        return metadata.version("tonality")
    except metadata.PackageNotFoundError:
        return "unknown"


@get("/version", tags=["service"], opt={"public": True}, summary="Versions")
async def version(model_card: NamedDependency[ModelCard | None]) -> Version:
    """The installed package version and the model card's version (null without a model)."""
    model_version = None if model_card is None else str(model_card.get("version"))

    return Version(version=service_version(), model_version=model_version)
