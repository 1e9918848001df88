"""GET/PATCH/DELETE /me and POST /me/password."""

from __future__ import annotations

import pytest

from tests.api.conftest import PASSWORD, Service

NEW_PASSWORD = "an entirely new secret"


async def test_me_returns_the_logged_in_user(service: Service) -> None:
    browser, user = await service.user(first_name="Ada")

    response = await browser.get("/me")

    assert response.status_code == 200
    assert response.json() == user
    assert "password_hash" not in response.json()


async def test_patch_me_changes_the_names(service: Service) -> None:
    browser, _ = await service.user()

    response = await browser.send("PATCH", "/me", json={"first_name": " Grace ", "last_name": "H"})

    assert response.status_code == 200
    assert response.json()["first_name"] == "Grace"
    assert (await browser.get("/me")).json()["last_name"] == "H"


@pytest.mark.parametrize(
    "field", [{"role": "admin"}, {"email": "new@example.com"}, {"is_active": False}]
)
async def test_patch_me_refuses_other_fields_by_name_and_changes_nothing(
    service: Service, field: dict[str, object]
) -> None:
    browser, user = await service.user()

    response = await browser.send("PATCH", "/me", json={"first_name": "Eve", **field})

    assert response.status_code == 422
    name = next(iter(field))
    assert f"'{name}'" in response.json()["detail"]
    assert (await browser.get("/me")).json() == user


async def test_patch_me_refuses_an_empty_first_name(service: Service) -> None:
    browser, _ = await service.user()

    response = await browser.send("PATCH", "/me", json={"first_name": "   "})

    assert response.status_code == 422
    assert "first_name" in response.json()["detail"]


async def test_password_change_needs_the_current_password(service: Service) -> None:
    browser, user = await service.user()

    response = await browser.send(
        "POST",
        "/me/password",
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
    )

    assert response.status_code == 403
    assert (await service.browser().login(user["email"], PASSWORD)).status_code == 200


async def test_password_change_refuses_a_weak_new_password(service: Service) -> None:
    browser, _ = await service.user()

    response = await browser.send(
        "POST", "/me/password", json={"current_password": PASSWORD, "new_password": "12345678"}
    )

    assert response.status_code == 422


async def test_after_a_password_change_only_the_new_one_logs_in(service: Service) -> None:
    browser, user = await service.user()
    await browser.send(
        "POST", "/me/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    fresh = service.browser()

    assert (await fresh.login(user["email"], PASSWORD)).status_code == 401
    assert (await fresh.login(user["email"], NEW_PASSWORD)).status_code == 200


async def test_delete_me_needs_the_password(service: Service) -> None:
    browser, _ = await service.user()

    response = await browser.send("DELETE", "/me", json={"password": "wrong password"})

    assert response.status_code == 403
    assert (await browser.get("/me")).status_code == 200


async def test_delete_me_removes_the_account_and_its_sessions(service: Service) -> None:
    browser, user = await service.user()

    response = await browser.send("DELETE", "/me", json={"password": PASSWORD})

    assert response.status_code == 204
    assert "max-age=0" in response.headers["set-cookie"].lower()
    assert "session" not in browser.http.cookies
    assert (await service.browser().login(user["email"])).status_code == 401
    admin = await service.admin()
    assert (await admin.get(f"/admin/users/{user['id']}")).status_code == 404


async def test_delete_me_without_a_body_is_refused(service: Service) -> None:
    browser, _ = await service.user()

    response = await browser.send("DELETE", "/me")

    assert response.status_code in (400, 422)
    assert (await browser.get("/me")).status_code == 200
