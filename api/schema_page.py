"""The interactive schema page: Swagger UI served from our own origin.

The page loads nothing from a CDN, so it works offline and its CSP names no
outside host. The files come from the `openapi-ui-bundles` wheel, whose
Swagger UI 5 reads the OpenAPI 3.1 documents Litestar writes (the 4.x
bundle of `swagger-ui-bundle` refuses anything but 3.0).
"""

from __future__ import annotations

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router
from openapi_ui_bundles.swagger_ui import static_path

from api.headers import SCHEMA_PATH

ASSETS_PATH = f"{SCHEMA_PATH}/assets"


def swagger_page() -> SwaggerRenderPlugin:
    """Swagger UI at the schema path, pointing only at `ASSETS_PATH`."""
    return SwaggerRenderPlugin(
        path="/",
        js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
    )


def swagger_assets() -> Router:
    """The bundle's files; they change only with the package, so cache them."""
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[static_path],
        name="swagger-assets",
        cache_control=CacheControlHeader(public=True, max_age=86400),
        include_in_schema=False,
    )
