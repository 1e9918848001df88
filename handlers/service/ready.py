"""GET /api/v1/ready: every backing service the process needs is usable."""

from collections.abc import Sequence

from litestar import get
from litestar.di import NamedDependency
from litestar.exceptions import ServiceUnavailableException
from litestar.params import SkipValidation

from api.openapi import errors
from domain.health import Probe
from domain.readiness import check_readiness, with_model_probe
from handlers.service.schemas import ModelCard, Ready


@get(
    "/ready",
    tags=["service"],
    opt={"public": True},
    summary="Readiness",
    responses=errors((503, "not ready: `detail` names each failed dependency")),
)
async def ready(
    probes: NamedDependency[SkipValidation[Sequence[Probe]]],
    model_card: NamedDependency[ModelCard | None],
) -> Ready:
    """Run every probe at once, each with a timeout, and check a model is installed.

    Raises:
        ServiceUnavailableException: 503 naming each dependency that failed.
    """
    readiness = await check_readiness(with_model_probe(probes, model_card))
    if not readiness.ready:
        raise ServiceUnavailableException(
            detail=readiness.summary(), extra={"checks": readiness.checks}
        )

    return Ready(status="ready", checks=readiness.checks)
