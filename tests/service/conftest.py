"""The service tests run the whole app the way tests/api does."""

from tests.api.conftest import api_dsn, base_settings, service, start_service

__all__ = ["api_dsn", "base_settings", "service", "start_service"]
