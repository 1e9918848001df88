"""GET /api/v1/health: the process is up and answering."""

from litestar import get

from handlers.service.schemas import Health


@get("/health", tags=["service"], opt={"public": True}, summary="Liveness")
async def health() -> Health:
    """Answer 200 as long as the process serves requests; checks nothing else."""
    return Health(status="ok")
