"""Sessions: lifetimes, forged cookies, CSRF, revocation and cache outages."""

from __future__ import annotations

from tests.api.conftest import PASSWORD, Service, StartService
from tests.conftest import Memcached


async def test_missing_cookie_gets_401(service: Service) -> None:
    response = await service.browser().get("/me")

    assert response.status_code == 401
    assert "log in" in response.json()["detail"]


async def test_forged_and_percent_encoded_cookies_get_401(service: Service) -> None:
    browser, _ = await service.user()
    token = browser.http.cookies["session"]
    forged = ("B" if token[0] != "B" else "C") + token[1:]
    encoded = "".join(f"%{ord(char):02X}" for char in token[:10]) + "%2F%2B%3D"

    for value in [forged, encoded, token + "%3D", "x" * 4000, "../../etc/passwd"]:
        response = await service.browser(session=value).get("/me")
        assert response.status_code == 401, value


async def test_idle_sessions_end(start_service: StartService) -> None:
    async with start_service(session_idle_minutes=30) as service:
        browser, _ = await service.user()

        service.clock.advance(minutes=29)
        assert (await browser.get("/me")).status_code == 200
        service.clock.advance(minutes=29)
        assert (await browser.get("/me")).status_code == 200
        service.clock.advance(minutes=31)

        assert (await browser.get("/me")).status_code == 401


async def test_sessions_end_at_the_absolute_lifetime_even_when_used(
    start_service: StartService,
) -> None:
    async with start_service(session_idle_minutes=60, session_absolute_hours=2) as service:
        browser, _ = await service.user()

        for _ in range(3):
            service.clock.advance(minutes=39)
            assert (await browser.get("/me")).status_code == 200
        service.clock.advance(minutes=4)

        assert (await browser.get("/me")).status_code == 401


async def test_unsafe_requests_need_the_csrf_token(service: Service) -> None:
    browser, _ = await service.user()
    body = {"first_name": "Changed"}

    missing = await browser.http.patch("/api/v1/me", json=body)
    wrong = await browser.http.patch("/api/v1/me", json=body, headers={"X-CSRF-Token": "x" * 43})
    right = await browser.send("PATCH", "/me", json=body)

    assert missing.status_code == 403
    assert "CSRF" in missing.json()["detail"]
    assert wrong.status_code == 403
    assert right.status_code == 200


async def test_csrf_rejection_changes_nothing(service: Service) -> None:
    browser, user = await service.user()

    await browser.http.patch("/api/v1/me", json={"first_name": "Changed"})

    assert (await browser.get("/me")).json()["first_name"] == user["first_name"]


async def test_users_stay_logged_in_when_memcached_is_killed_and_restarted(
    start_service: StartService, memcached_process: Memcached
) -> None:
    async with start_service(memcached=memcached_process.address) as service:
        browser, _ = await service.user()
        assert (await browser.get("/me")).status_code == 200

        memcached_process.kill()
        assert (await browser.get("/me")).status_code == 200
        assert (await browser.send("PATCH", "/me", json={"last_name": "Down"})).status_code == 200

        memcached_process.start()
        for _ in range(3):
            assert (await browser.get("/me")).status_code == 200


async def test_logout_answers_204_while_memcached_is_down(
    start_service: StartService, memcached_process: Memcached
) -> None:
    async with start_service(memcached=memcached_process.address) as service:
        browser, _ = await service.user()
        token = browser.http.cookies["session"]
        memcached_process.kill()

        response = await browser.http.post("/api/v1/auth/logout")

        assert response.status_code == 204
        memcached_process.start()
        assert (await service.browser(session=token).get("/me")).status_code == 401


async def test_deactivation_counts_even_if_a_warm_cache_still_holds_the_session(
    start_service: StartService, memcached_process: Memcached
) -> None:
    async with start_service(memcached=memcached_process.address) as service:
        browser, user = await service.user()
        assert (await browser.get("/me")).status_code == 200
        memcached_process.stop_warm()

        admin = await service.admin()
        edit = await admin.send("PATCH", f"/admin/users/{user['id']}", json={"is_active": False})
        assert edit.status_code == 200
        memcached_process.start()

        assert (await browser.get("/me")).status_code == 401


async def test_role_change_ends_the_users_sessions_on_the_next_request(
    service: Service,
) -> None:
    browser, user = await service.user()
    admin = await service.admin()

    await admin.send("PATCH", f"/admin/users/{user['id']}", json={"role": "admin"})

    assert (await browser.get("/me")).status_code == 401
    assert (await browser.login(user["email"])).json()["role"] == "admin"


async def test_password_change_keeps_this_session_and_ends_the_others(service: Service) -> None:
    browser, user = await service.user()
    other = service.browser()
    await other.login(user["email"])
    assert (await other.get("/me")).status_code == 200

    response = await browser.send(
        "POST",
        "/me/password",
        json={"current_password": PASSWORD, "new_password": "a much newer secret"},
    )

    assert response.status_code == 204
    assert (await browser.get("/me")).status_code == 200
    assert (await other.get("/me")).status_code == 401


async def test_admin_password_reset_ends_the_users_sessions(service: Service) -> None:
    browser, user = await service.user()
    admin = await service.admin()

    edit = await admin.send(
        "PATCH", f"/admin/users/{user['id']}", json={"password": "reset by the admin"}
    )

    assert edit.status_code == 200
    assert (await browser.get("/me")).status_code == 401
    assert (await browser.login(user["email"], "reset by the admin")).status_code == 200


async def test_deleted_users_sessions_stop_at_once(service: Service) -> None:
    browser, user = await service.user()
    other = service.browser()
    await other.login(user["email"])
    admin = await service.admin()

    assert (await admin.send("DELETE", f"/admin/users/{user['id']}")).status_code == 204

    assert (await browser.get("/me")).status_code == 401
    assert (await other.get("/me")).status_code == 401
