"""POST /auth/register and the bad input that must change nothing."""

from __future__ import annotations

import asyncio

import pytest

from tests.api.conftest import PASSWORD, Service, unique_email

USER_FIELDS = {
    "id",
    "email",
    "first_name",
    "last_name",
    "role",
    "is_active",
    "created_at",
    "has_avatar",
}


async def test_register_returns_the_new_user_without_secrets(service: Service) -> None:
    email = unique_email()

    response = await service.browser().register(email.upper(), last_name="Lovelace")

    assert response.status_code == 201
    user = response.json()
    assert set(user) == USER_FIELDS
    assert user["email"] == email
    assert user["role"] == "user"
    assert user["is_active"] is True
    assert user["has_avatar"] is False
    assert user["last_name"] == "Lovelace"
    assert "+" in user["created_at"] or user["created_at"].endswith("Z")


async def test_register_refuses_a_taken_email_in_any_case(service: Service) -> None:
    email = unique_email()
    browser = service.browser()
    assert (await browser.register(email)).status_code == 201

    response = await browser.register(email.upper())

    assert response.status_code == 409
    assert "already registered" in response.json()["detail"]


async def test_two_concurrent_registrations_of_one_email_get_201_and_409(
    service: Service,
) -> None:
    email = unique_email()
    first, second = service.browser(), service.browser()

    responses = await asyncio.gather(first.register(email), second.register(email))

    assert sorted(response.status_code for response in responses) == [201, 409]


@pytest.mark.parametrize(
    ("password", "reason"),
    [("short1!", "at least 8"), ("password123", "too common"), ("QWERTYUIOP", "too common")],
)
async def test_register_refuses_a_weak_password(
    service: Service, password: str, reason: str
) -> None:
    email = unique_email()
    browser = service.browser()

    response = await browser.register(email, password=password)

    assert response.status_code == 422
    assert reason in response.json()["detail"]
    assert (await browser.login(email, password)).status_code == 401


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "two@@example.com", "sp ace@example.com"])
async def test_register_refuses_an_invalid_email(service: Service, email: str) -> None:
    response = await service.browser().register(email)

    assert response.status_code == 422
    assert "not a valid email" in response.json()["detail"]


async def test_register_names_an_unknown_field_and_creates_nothing(service: Service) -> None:
    email = unique_email()
    browser = service.browser()

    response = await browser.register(email, role="admin")

    assert response.status_code == 422
    body = response.json()
    assert "'role'" in body["detail"]
    assert body["extra"][0]["field"] == "role"
    assert (await browser.login(email)).status_code == 401


async def test_register_refuses_over_long_names(service: Service) -> None:
    response = await service.browser().register(first_name="x" * 101)

    assert response.status_code == 422
    assert response.json()["extra"][0]["field"] == "first_name"


async def test_register_refuses_an_over_long_email(service: Service) -> None:
    response = await service.browser().register("a" * 250 + "@example.com")

    assert response.status_code == 422


async def test_register_answers_400_to_malformed_json(service: Service) -> None:
    browser = service.browser()

    response = await browser.send(
        "POST",
        "/auth/register",
        content=b'{"email": "x@example.com", "password": ',
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]


async def test_register_refuses_a_missing_field(service: Service) -> None:
    browser = service.browser()

    response = await browser.send("POST", "/auth/register", json={"email": unique_email()})

    assert response.status_code == 422
    assert "required" in response.json()["detail"]


async def test_register_refuses_a_body_that_is_not_an_object(service: Service) -> None:
    response = await service.browser().send("POST", "/auth/register", json=[PASSWORD])

    assert response.status_code in (400, 422)


async def test_register_refuses_a_nul_in_the_email_with_422(service: Service) -> None:
    response = await service.browser().register("ada\x00@example.com")

    assert response.status_code == 422
    assert "not a valid email address" in response.json()["detail"]


async def test_register_refuses_a_text_plain_body_with_415(service: Service) -> None:
    email = unique_email("plain")
    body = f'{{"email": "{email}", "password": "{PASSWORD}", "first_name": "Ada"}}'

    response = await service.browser().http.post(
        "/api/v1/auth/register", content=body, headers={"Content-Type": "text/plain"}
    )

    assert response.status_code == 415
    assert (await service.browser().login(email)).status_code == 401
