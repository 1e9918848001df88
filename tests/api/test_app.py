"""The composed app: groups, security headers, the schema, body limits."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import Service, StartService
from tonality.app import create_app


async def test_every_response_carries_the_security_headers(service: Service) -> None:
    browser = service.browser()

    for response in [
        await browser.get("/me"),
        await browser.get("/health"),
        await browser.http.get("/nowhere"),
    ]:
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "default-src 'none'" in response.headers["content-security-policy"]


async def test_hsts_only_with_secure_cookies(start_service: StartService) -> None:
    async with start_service(cookie_secure=True) as service:
        response = await service.browser().get("/me")
        assert "max-age" in response.headers["strict-transport-security"]


async def test_the_schema_and_its_page_are_served(service: Service) -> None:
    browser = service.browser()

    schema = await browser.http.get("/api/schema/openapi.json")
    page = await browser.http.get("/api/schema")

    assert schema.status_code == 200
    assert "/api/v1/auth/login" in schema.json()["paths"]
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "script-src" in page.headers["content-security-policy"]


async def test_one_group_alone_serves_only_its_routes(start_service: StartService) -> None:
    async with start_service(groups=["accounts"]) as service:
        browser, _ = await service.user()

        assert (await browser.get("/me")).status_code == 200
        assert (await browser.get("/admin/users")).status_code == 404
        assert (await browser.get("/health")).status_code == 404


async def test_admin_and_service_without_accounts(start_service: StartService) -> None:
    async with start_service(groups=["admin", "service"]) as service:
        browser = service.browser()

        assert (await browser.get("/health")).status_code == 200
        assert (await browser.get("/admin/users")).status_code == 401
        assert (await browser.send("POST", "/auth/login", json={})).status_code == 404


def test_an_unknown_group_is_refused_by_name(service: Service) -> None:
    with pytest.raises(ValueError, match="nonsense"):
        create_app(service.settings, ["accounts", "nonsense"])


async def test_json_bodies_over_the_limit_get_413(start_service: StartService) -> None:
    async with start_service(max_body_bytes=1024) as service:
        browser = service.browser()

        response = await browser.register(first_name="x" * 2000)

        assert response.status_code == 413
        assert "1024" in response.json()["detail"]


async def test_the_schema_states_security_errors_and_strict_bodies(service: Service) -> None:
    schema = (await service.browser().http.get("/api/schema/openapi.json")).json()
    paths = schema["paths"]
    error = {"$ref": "#/components/schemas/ErrorBody"}

    login = paths["/api/v1/auth/login"]["post"]
    assert "security" not in login
    assert login["responses"]["429"]["content"]["application/json"]["schema"] == error

    assert paths["/api/v1/me"]["get"]["security"] == [{"session": []}]
    patch = paths["/api/v1/me"]["patch"]
    assert patch["security"] == [{"session": [], "csrf": []}]
    assert {"401", "403", "422"} <= set(patch["responses"])
    assert set(paths["/api/v1/admin/users/{user_id}"]["delete"]["responses"]) >= {"403", "409"}

    assert "content" not in paths["/api/v1/auth/logout"]["post"]["responses"]["204"]
    assert "image/*" in paths["/api/v1/me/avatar"]["get"]["responses"]["200"]["content"]

    components = schema["components"]
    assert components["securitySchemes"]["csrf"]["name"] == "X-CSRF-Token"
    for body in ("Registration", "Credentials", "ProfileChanges", "AccountEdit", "NewAccount"):
        assert components["schemas"][body]["additionalProperties"] is False


async def test_the_schema_describes_what_the_domain_will_refuse(service: Service) -> None:
    schema = (await service.browser().http.get("/api/schema/openapi.json")).json()
    bodies = schema["components"]["schemas"]

    assert bodies["Registration"]["properties"]["password"]["minLength"] == 8
    assert bodies["PasswordChange"]["properties"]["new_password"]["minLength"] == 8
    assert "minLength" not in bodies["Credentials"]["properties"]["password"]
    assert bodies["Registration"]["properties"]["email"]["format"] == "email"

    # Described only: the short password still gets the domain's own message.
    response = await service.browser().register(password="short")
    assert response.json()["detail"] == "password must be at least 8 characters long"


async def test_the_schema_page_loads_every_asset_from_our_own_origin(service: Service) -> None:
    browser = service.browser()

    page = await browser.http.get("/api/schema")
    urls = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text)

    assert len(urls) >= 3
    for url in urls:
        assert url.startswith("/api/schema/assets/"), url
        asset = await browser.http.get(url)
        assert asset.status_code == 200, url
        assert asset.content
    assert "https:" not in page.headers["content-security-policy"]

    bundle = await browser.http.get("/api/schema/assets/swagger-ui-bundle.js")
    # Swagger UI 5 or later: 4.x cannot render the OpenAPI 3.1 we serve.
    assert b"isOAS31" in bundle.content
    assert "javascript" in bundle.headers["content-type"]


async def test_api_answers_are_not_stored_by_browsers_or_proxies(service: Service) -> None:
    browser, _ = await service.user()

    me = await browser.get("/me")
    asset = await browser.http.get("/api/schema/assets/swagger-ui.css")

    assert me.headers["cache-control"] == "no-store"
    assert me.headers["cross-origin-resource-policy"] == "same-origin"
    assert "max-age" in asset.headers["cache-control"]
