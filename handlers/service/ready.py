"""GET /api/v1/ready: every backing service the process needs is usable."""

from collections.abc import Sequence
from typing import Annotated

from litestar import get
from litestar.exceptions import ServiceUnavailableException
from litestar.params import Dependency

from domain.health import Probe
from domain.readiness import check_readiness
from handlers.service.schemas import Ready


@get("/ready", tags=["service"], opt={"public": True}, summary="Readiness")
async def ready(
    probes: Annotated[Sequence[Probe], Dependency(skip_validation=True)],
) -> Ready:
    """Run every probe at once, each with a timeout.

    Raises:
        ServiceUnavailableException: 503 naming each dependency that failed.
    """
    readiness = await check_readiness(probes)
    if not readiness.ready:
        raise ServiceUnavailableException(
            detail=readiness.summary(), extra={"checks": readiness.checks}
        )

    return Ready(status="ready", checks=readiness.checks)
