"""The /admin/users endpoints: listing, finding, editing and the 409 rules."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg

from api.guards import requires_admin
from tests.api.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PASSWORD,
    Browser,
    Service,
    StartService,
)


async def create(admin: Browser, **fields: Any) -> dict[str, Any]:
    body = {
        "email": f"made-{uuid.uuid4().hex[:10]}@example.com",
        "password": PASSWORD,
        "first_name": "Made",
        **fields,
    }
    response = await admin.send("POST", "/admin/users", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_admin_endpoints_need_the_admin_role(service: Service) -> None:
    browser, user = await service.user()

    listing = await browser.get("/admin/users")
    edit = await browser.send("PATCH", f"/admin/users/{user['id']}", json={"role": "admin"})

    assert listing.status_code == 403
    assert listing.json()["detail"] == "admin role required"
    assert edit.status_code == 403
    assert (await browser.get("/me")).json()["role"] == "user"


async def test_admin_endpoints_need_a_session(service: Service) -> None:
    assert (await service.browser().get("/admin/users")).status_code == 401


async def test_admin_lists_users_newest_first_in_pages(service: Service) -> None:
    admin = await service.admin()
    tag = uuid.uuid4().hex[:8]
    made = [await create(admin, first_name=f"Pager{tag}{n}") for n in range(3)]

    first = await admin.get("/admin/users", params={"q": f"pager{tag}", "page_size": 2})
    second = await admin.get("/admin/users", params={"q": f"pager{tag}", "page_size": 2, "page": 2})

    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"items", "total", "page", "page_size"}
    assert body["total"] == 3
    assert body["page"] == 1
    assert body["page_size"] == 2
    assert [user["id"] for user in body["items"]] == [made[2]["id"], made[1]["id"]]
    assert [user["id"] for user in second.json()["items"]] == [made[0]["id"]]


async def test_admin_finds_users_by_email_substring(service: Service) -> None:
    admin = await service.admin()
    user = await create(admin)

    found = await admin.get("/admin/users", params={"q": user["email"][5:15].upper()})

    assert [item["id"] for item in found.json()["items"]] == [user["id"]]


async def test_admin_list_defaults_and_limits(service: Service) -> None:
    admin = await service.admin()

    default = await admin.get("/admin/users")
    too_big = await admin.get("/admin/users", params={"page_size": 101})
    page_zero = await admin.get("/admin/users", params={"page": 0})

    assert default.json()["page_size"] == 10
    assert default.json()["page"] == 1
    assert too_big.status_code == 422
    assert "page_size" in too_big.json()["detail"]
    assert page_zero.status_code == 422


async def test_admin_creates_gets_edits_and_deletes_a_user(service: Service) -> None:
    admin = await service.admin()
    user = await create(admin, role="admin", is_active=True, last_name="Made")
    assert user["role"] == "admin"

    got = await admin.get(f"/admin/users/{user['id']}")
    edited = await admin.send(
        "PATCH", f"/admin/users/{user['id']}", json={"first_name": "Edited", "role": "user"}
    )
    deleted = await admin.send("DELETE", f"/admin/users/{user['id']}")

    assert got.json() == user
    assert edited.json()["first_name"] == "Edited"
    assert edited.json()["role"] == "user"
    assert deleted.status_code == 204
    assert (await admin.get(f"/admin/users/{user['id']}")).status_code == 404


async def test_admin_create_refuses_taken_email_and_weak_password(service: Service) -> None:
    admin = await service.admin()
    user = await create(admin)

    taken = await admin.send(
        "POST",
        "/admin/users",
        json={"email": user["email"], "password": PASSWORD, "first_name": "Again"},
    )
    weak = await admin.send(
        "POST",
        "/admin/users",
        json={"email": "weak-one@example.com", "password": "admin123", "first_name": "W"},
    )

    assert taken.status_code == 409
    assert weak.status_code == 422


async def test_admin_patch_refuses_the_email_field(service: Service) -> None:
    admin = await service.admin()
    user = await create(admin)

    response = await admin.send(
        "PATCH", f"/admin/users/{user['id']}", json={"email": "other@example.com"}
    )

    assert response.status_code == 422
    assert "'email'" in response.json()["detail"]


async def test_unknown_and_absurd_ids_get_404_or_422(service: Service) -> None:
    admin = await service.admin()

    assert (await admin.get("/admin/users/999999999")).status_code == 404
    assert (await admin.get(f"/admin/users/{10**30}")).status_code == 422
    assert (await admin.get("/admin/users/abc")).status_code in (404, 422)


async def test_an_admin_cannot_delete_deactivate_or_demote_themself(service: Service) -> None:
    admin = await service.admin()
    me = (await admin.get("/me")).json()
    path = f"/admin/users/{me['id']}"

    deleted = await admin.send("DELETE", path)
    deactivated = await admin.send("PATCH", path, json={"is_active": False})
    demoted = await admin.send("PATCH", path, json={"role": "user"})

    assert [deleted.status_code, deactivated.status_code, demoted.status_code] == [409] * 3
    assert (await admin.get("/me")).json()["role"] == "admin"


async def test_the_last_active_admin_cannot_leave(
    start_service: StartService, empty_dsn: str
) -> None:
    async with start_service(database_url=empty_dsn) as service:
        admin = await service.admin()

        response = await admin.send("DELETE", "/me", json={"password": ADMIN_PASSWORD})

        assert response.status_code == 409
        assert "last active admin" in response.json()["detail"]
        assert (await admin.get("/me")).status_code == 200


async def test_the_default_admin_is_created_once(
    start_service: StartService, empty_dsn: str
) -> None:
    async with start_service(database_url=empty_dsn) as service:
        admin = await service.admin()
        listing = (await admin.get("/admin/users", params={"q": ADMIN_EMAIL})).json()
        assert listing["total"] == 1

    async with start_service(database_url=empty_dsn) as service:
        admin = await service.admin()
        assert (await admin.get("/admin/users")).json()["total"] == 1


async def test_a_second_admin_may_remove_the_first(service: Service) -> None:
    admin = await service.admin()
    other = await create(admin, role="admin", email=f"second-{uuid.uuid4().hex[:8]}@example.com")
    second = service.browser()
    await second.login(other["email"])

    response = await second.send("DELETE", f"/admin/users/{other['id']}")
    assert response.status_code == 409

    demoted = await admin.send("PATCH", f"/admin/users/{other['id']}", json={"role": "user"})
    assert demoted.status_code == 200
    assert (await second.get("/admin/users")).status_code == 401


async def test_a_page_number_past_the_limit_is_a_422_not_a_500(service: Service) -> None:
    admin = await service.admin()

    huge = await admin.get("/admin/users", params={"page": 10**20})
    last = await admin.get("/admin/users", params={"page": 1_000_000, "page_size": 100})

    assert huge.status_code == 422
    assert huge.json()["extra"][0]["field"] == "page"
    assert last.status_code == 200
    assert last.json()["items"] == []


async def test_a_user_id_past_the_id_column_is_a_422_not_a_500(service: Service) -> None:
    admin = await service.admin()

    for method in ("GET", "DELETE"):
        huge = await admin.send(method, "/admin/users/325801287486725")
        largest = await admin.send(method, f"/admin/users/{2**31 - 1}")

        assert huge.status_code == 422, huge.text
        assert largest.status_code == 404, largest.text


async def test_a_search_with_a_nul_is_a_422_not_a_500(service: Service) -> None:
    admin = await service.admin()

    response = await admin.get("/admin/users", params={"q": "ada\x00"})

    assert response.status_code == 422
    assert "NUL" in response.json()["detail"]


async def test_two_admins_removing_each_other_at_once_through_two_processes_keep_one(
    start_service: StartService, empty_dsn: str
) -> None:
    """Each app stands for one process: only the database can order them."""
    async with (
        start_service(database_url=empty_dsn) as one,
        start_service(database_url=empty_dsn) as two,
    ):
        first = await one.admin()
        me = (await first.get("/me")).json()
        other = await create(first, role="admin")
        second = two.browser()
        assert (await second.login(other["email"])).status_code == 200

        for attempt in range(5):
            answers = await asyncio.gather(
                first.send("PATCH", f"/admin/users/{other['id']}", json={"is_active": False}),
                second.send("PATCH", f"/admin/users/{me['id']}", json={"is_active": False}),
            )
            # The loser is refused by the rule (409) or, when the winner's
            # change landed before its session was checked, logged out (401).
            codes = sorted(answer.status_code for answer in answers)
            assert codes in ([200, 401], [200, 409]), [answer.text for answer in answers]

            admins = await _active_admins(empty_dsn)
            assert len(admins) == 1
            # Bring the other admin back and log the loser in again.
            survivor, loser = (first, second) if me["id"] in admins else (second, first)
            lost = other if survivor is first else me
            restored = await survivor.send(
                "PATCH", f"/admin/users/{lost['id']}", json={"is_active": True}
            )
            assert restored.status_code == 200, attempt
            assert (await loser.login(lost["email"], _password_of(lost))).status_code == 200


def _password_of(user: dict[str, Any]) -> str:
    return ADMIN_PASSWORD if user["email"] == ADMIN_EMAIL else PASSWORD


async def _active_admins(dsn: str) -> set[int]:
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            "SELECT id FROM tonality_user WHERE role = 'admin' AND is_active"
        )
    finally:
        await connection.close()

    return {row["id"] for row in rows}


def test_every_admin_route_is_guarded_by_the_admin_role(service: Service) -> None:
    admin_routes = [
        handler
        for route in service.app.routes
        if route.path.startswith("/api/v1/admin")
        for handler in getattr(route, "route_handlers", [])
        if "OPTIONS" not in handler.http_methods
    ]

    assert len(admin_routes) == 5
    for handler in admin_routes:
        assert handler.guards == [requires_admin], handler
