"""PUT/GET/DELETE /me/avatar: judged by content, limited in size, stored in S3."""

from __future__ import annotations

import pytest
from minio import Minio

from tests.api.avatars import JPEG, WEBP, png
from tests.api.conftest import Service


def stored_keys(service: Service, user_id: int) -> list[str]:
    settings = service.settings
    client = Minio(
        settings.s3_endpoint or "",
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        secure=False,
    )
    objects = client.list_objects(settings.s3_bucket, prefix=f"users/{user_id}/", recursive=True)
    return [item.object_name for item in objects if item.object_name]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(png(), "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")],
)
async def test_avatar_round_trip_keeps_the_real_content_type(
    service: Service, content: bytes, content_type: str
) -> None:
    browser, _ = await service.user()

    # The declared type and name lie; only the bytes count.
    upload = await browser.send(
        "PUT", "/me/avatar", files={"file": ("photo.txt", content, "text/plain")}
    )
    fetched = await browser.get("/me/avatar")

    assert upload.status_code == 204
    assert fetched.status_code == 200
    assert fetched.headers["content-type"].startswith(content_type)
    assert fetched.content == content
    assert (await browser.get("/me")).json()["has_avatar"] is True


async def test_a_file_that_is_not_an_image_gets_415(service: Service) -> None:
    browser, user = await service.user()

    response = await browser.send(
        "PUT", "/me/avatar", files={"file": ("cat.png", b"<?php echo 1; ?>" * 10, "image/png")}
    )

    assert response.status_code == 415
    assert (await browser.get("/me")).json()["has_avatar"] is False
    assert stored_keys(service, user["id"]) == []


async def test_an_avatar_over_2_mb_gets_413(service: Service) -> None:
    browser, user = await service.user()
    huge = png() + b"\x00" * (2 * 1024 * 1024)

    response = await browser.send("PUT", "/me/avatar", files={"file": ("a.png", huge, "image/png")})

    assert response.status_code == 413
    assert (await browser.get("/me")).json()["has_avatar"] is False
    assert stored_keys(service, user["id"]) == []


async def test_a_far_too_large_body_is_refused_before_parsing(service: Service) -> None:
    browser, _ = await service.user()
    huge = png() + b"\x00" * (5 * 1024 * 1024)

    response = await browser.send("PUT", "/me/avatar", files={"file": ("a.png", huge, "image/png")})

    assert response.status_code == 413


async def test_an_upload_without_the_file_field_is_refused(service: Service) -> None:
    browser, _ = await service.user()

    response = await browser.send(
        "PUT", "/me/avatar", files={"picture": ("a.png", png(), "image/png")}
    )

    assert response.status_code in (400, 422)


async def test_replacing_the_avatar_deletes_the_old_object(service: Service) -> None:
    browser, user = await service.user()
    await browser.send("PUT", "/me/avatar", files={"file": ("a", png(), "image/png")})
    await browser.send("PUT", "/me/avatar", files={"file": ("b", JPEG, "image/jpeg")})

    assert len(stored_keys(service, user["id"])) == 1
    assert (await browser.get("/me/avatar")).content == JPEG


async def test_no_avatar_is_404_and_delete_removes_it(service: Service) -> None:
    browser, user = await service.user()
    assert (await browser.get("/me/avatar")).status_code == 404
    await browser.send("PUT", "/me/avatar", files={"file": ("a", png(), "image/png")})

    deleted = await browser.send("DELETE", "/me/avatar")

    assert deleted.status_code == 204
    assert (await browser.get("/me/avatar")).status_code == 404
    assert stored_keys(service, user["id"]) == []


async def test_deleting_the_account_removes_its_objects(service: Service) -> None:
    browser, user = await service.user()
    await browser.send("PUT", "/me/avatar", files={"file": ("a", png(), "image/png")})
    assert stored_keys(service, user["id"])

    await browser.send("DELETE", "/me", json={"password": "correct horse battery"})

    assert stored_keys(service, user["id"]) == []


async def test_an_avatar_sent_as_json_is_refused(service: Service) -> None:
    browser, _ = await service.user()

    response = await browser.send("PUT", "/me/avatar", json={"file": "iVBORw0KGgo="})

    assert 400 <= response.status_code < 500


async def test_an_image_with_html_after_its_magic_bytes_is_served_as_an_inert_image(
    service: Service,
) -> None:
    browser, _ = await service.user()
    polyglot = png() + b"<html><script>alert(document.cookie)</script></html>"
    files = {"file": ("page.html", polyglot, "text/html")}
    assert (await browser.send("PUT", "/me/avatar", files=files)).status_code == 204

    served = await browser.get("/me/avatar")

    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    policy = served.headers["content-security-policy"]
    assert "sandbox" in policy
    assert "default-src 'none'" in policy
