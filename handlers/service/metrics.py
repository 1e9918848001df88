"""GET /metrics: Prometheus text exposition (outside /api/v1, where scrapers look)."""

from litestar import Response, get

from api.metrics import exposition

# The classic text format every Prometheus reads; Litestar appends the charset.
PROMETHEUS_TEXT = "text/plain; version=0.0.4"


@get(
    "/metrics",
    tags=["service"],
    opt={"public": True},
    summary="Prometheus metrics",
    include_in_schema=False,
)
async def metrics() -> Response[bytes]:
    """Request counts and latencies by route template and status, plus process metrics."""
    return Response(content=exposition(), media_type=PROMETHEUS_TEXT)
