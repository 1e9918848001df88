"""The service tests run the whole app the way tests/api does."""

from tests.api.conftest import base_settings, service, start_service

__all__ = ["base_settings", "service", "start_service"]
