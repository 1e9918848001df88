"""The service group: health, readiness, versions, model card and metrics."""

from litestar import Router

from handlers.service.health import health
from handlers.service.metrics import metrics
from handlers.service.model_card import model
from handlers.service.ready import ready
from handlers.service.version import version

API_ROUTES = Router("/api/v1", route_handlers=[health, ready, version, model])

ROUTES = [API_ROUTES, metrics]
