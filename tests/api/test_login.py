"""POST /auth/login and /auth/logout: cookies, one failure message, throttling."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.api.conftest import PASSWORD, Service, StartService, unique_email

BAD_CREDENTIALS = "email or password is incorrect"


def set_cookie_headers(response: httpx.Response) -> dict[str, str]:
    headers = response.headers.get_list("set-cookie")
    return {header.split("=", 1)[0]: header for header in headers}


async def test_login_sets_an_httponly_session_cookie_and_a_csrf_cookie(service: Service) -> None:
    browser, _ = await service.user()
    email = unique_email()
    await browser.register(email)

    response = await browser.login(email)

    assert response.status_code == 200
    assert response.json()["email"] == email
    cookies = set_cookie_headers(response)
    session = cookies["session"].lower()
    assert "httponly" in session
    assert "samesite=lax" in session
    assert "path=/" in session
    assert "httponly" not in cookies["csrftoken"].lower()
    token = browser.http.cookies["session"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)


async def test_login_fails_alike_for_wrong_password_unknown_email_and_inactive(
    service: Service,
) -> None:
    admin = await service.admin()
    inactive_email = unique_email()
    created = await admin.send(
        "POST",
        "/admin/users",
        json={"email": inactive_email, "password": PASSWORD, "first_name": "I", "is_active": False},
    )
    assert created.status_code == 201
    known_email = unique_email()
    browser = service.browser()
    await browser.register(known_email)

    answers = [
        await browser.login(known_email, "wrong password here"),
        await browser.login(unique_email(), PASSWORD),
        await browser.login(inactive_email, PASSWORD),
    ]

    assert {response.status_code for response in answers} == {401}
    assert {response.json()["detail"] for response in answers} == {BAD_CREDENTIALS}
    assert "session" not in browser.http.cookies


async def test_repeated_failures_lock_the_account_with_retry_after(
    start_service: StartService,
) -> None:
    async with start_service(login_max_failures=3, login_lock_minutes=5) as service:
        email = unique_email()
        browser = service.browser()
        await browser.register(email)

        failures = [await browser.login(email, "not the password") for _ in range(3)]
        locked = await browser.login(email, PASSWORD)

        assert [response.status_code for response in failures] == [401, 401, 401]
        assert locked.status_code == 429
        assert 1 <= int(locked.headers["retry-after"]) <= 300

        service.clock.advance(minutes=5, seconds=1)
        assert (await browser.login(email, PASSWORD)).status_code == 200


async def test_unknown_emails_are_throttled_like_known_ones(start_service: StartService) -> None:
    async with start_service(login_max_failures=2) as service:
        browser = service.browser()
        email = unique_email()

        answers = [(await browser.login(email, PASSWORD)).status_code for _ in range(3)]

        assert answers == [401, 401, 429]


async def test_successful_login_resets_the_failure_count(start_service: StartService) -> None:
    async with start_service(login_max_failures=3) as service:
        email = unique_email()
        browser = service.browser()
        await browser.register(email)

        for _ in range(2):
            await browser.login(email, "not the password")
        assert (await browser.login(email)).status_code == 200
        for _ in range(2):
            await browser.login(email, "not the password")

        assert (await browser.login(email)).status_code == 200


async def test_logout_ends_the_session_and_clears_both_cookies(service: Service) -> None:
    browser, _ = await service.user()
    token = browser.http.cookies["session"]

    response = await browser.http.post("/api/v1/auth/logout")

    assert response.status_code == 204
    cleared = set_cookie_headers(response)
    assert {"session", "csrftoken"} <= set(cleared)
    assert "max-age=0" in cleared["session"].lower()
    replay = await service.browser(session=token).get("/me")
    assert replay.status_code == 401


async def test_logout_answers_204_without_any_session(service: Service) -> None:
    browser = service.browser()

    assert (await browser.http.post("/api/v1/auth/logout")).status_code == 204
    for planted in ["A" * 43, "%2F%2B%3D not a token"]:
        response = await service.browser(session=planted).http.post("/api/v1/auth/logout")
        assert response.status_code == 204


async def test_logout_answers_204_for_an_expired_session(service: Service) -> None:
    browser, _ = await service.user()
    service.clock.advance(hours=service.settings.session_absolute_hours + 1)

    assert (await browser.http.post("/api/v1/auth/logout")).status_code == 204


async def test_login_as_the_default_admin(service: Service) -> None:
    browser = await service.admin()

    me = await browser.get("/me")

    assert me.json()["role"] == "admin"


async def test_login_with_a_nul_in_the_email_fails_like_any_unknown_email(
    service: Service,
) -> None:
    response = await service.browser().login("ada\x00@example.com")

    assert response.status_code == 401
    assert response.json()["detail"] == BAD_CREDENTIALS


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_login_refuses_a_body_a_cross_site_form_could_send(
    service: Service, content_type: str
) -> None:
    _, user = await service.user()
    body = f'{{"email": "{user["email"]}", "password": "{PASSWORD}"}}'

    response = await service.browser().http.post(
        "/api/v1/auth/login", content=body, headers={"Content-Type": content_type}
    )

    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]
    assert "session" not in response.cookies


async def test_login_takes_json_with_a_charset(service: Service) -> None:
    _, user = await service.user()
    body = f'{{"email": "{user["email"]}", "password": "{PASSWORD}"}}'

    response = await service.browser().http.post(
        "/api/v1/auth/login",
        content=body,
        headers={"Content-Type": "application/json; charset=utf-8"},
    )

    assert response.status_code == 200
