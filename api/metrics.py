"""Prometheus request metrics by route template (not raw path), and the access log."""

from __future__ import annotations

import logging
import time

from litestar._asgi.utils import wrap_in_exception_handler
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest

logger = logging.getLogger(__name__)

# Raw paths would make one series per user id; templates keep the set small.
LABELS = ("method", "route", "status")

REQUESTS = Counter(
    "tonality_http_requests_total",
    "HTTP requests answered, by route template and status.",
    LABELS,
)
LATENCY = Histogram(
    "tonality_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and status.",
    LABELS,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def exposition(registry: CollectorRegistry = REGISTRY) -> bytes:
    """Every metric of the process (requests, CPU, memory, GC) in text format."""
    return generate_latest(registry)


class MetricsMiddleware:
    """Counts and times each request, and logs one line for it.

    ASGI middleware; works as Litestar `middleware=[MetricsMiddleware]`.
    """

    def __init__(self, app: ASGIApp) -> None:
        # NOTE: middleware further in (the session check) raises 401/403;
        # Litestar would turn those into responses outside this middleware,
        # unseen. Converting them here lets this middleware see every answer.
        self.app = wrap_in_exception_handler(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            labels = {
                "method": scope.get("method", ""),
                "route": scope.get("path_template") or "unmatched",
                "status": str(status),
            }
            seconds = time.perf_counter() - started
            REQUESTS.labels(**labels).inc()
            LATENCY.labels(**labels).observe(seconds)
            logger.info("request handled", extra={**labels, "ms": round(seconds * 1000, 1)})
