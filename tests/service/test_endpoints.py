"""Health, readiness, versions, the model card, metrics and request ids."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from pathlib import Path

from infra.logging import JsonFormatter, RequestIdFilter
from tests.api.conftest import Service, StartService
from tests.conftest import Memcached

SANE_GENERATED_ID = re.compile(r"[0-9a-f]{32}")


async def test_health_answers_ok(service: Service) -> None:
    response = await service.browser().get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_lists_every_dependency(service: Service) -> None:
    response = await service.browser().get("/ready")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"] == {
        "database": "ok",
        "cache": "ok",
        "object store": "ok",
        "model": "ok",
    }


async def test_ready_names_the_model_when_none_is_installed(
    start_service: StartService, tmp_path: Path
) -> None:
    async with start_service(model_dir=tmp_path) as service:
        response = await service.browser().get("/ready")

    assert response.status_code == 503
    assert response.json()["detail"] == "not ready: model unavailable"


async def test_ready_names_the_cache_when_memcached_is_killed(
    start_service: StartService, memcached_process: Memcached
) -> None:
    async with start_service(memcached=memcached_process.address) as service:
        browser = service.browser()
        assert (await browser.get("/ready")).status_code == 200

        memcached_process.kill()
        down = await browser.get("/ready")

        assert down.status_code == 503
        assert down.json()["detail"] == "not ready: cache unavailable"
        checks = down.json()["extra"]["checks"]
        assert checks["database"] == "ok"
        assert checks["cache"] != "ok"
        assert (await browser.get("/health")).status_code == 200

        memcached_process.start()
        assert await ready_within(service, seconds=5)


async def ready_within(service: Service, seconds: float) -> bool:
    browser = service.browser()
    for _ in range(int(seconds * 10)):
        if (await browser.get("/ready")).status_code == 200:
            return True
        await asyncio.sleep(0.1)

    return False


async def test_version_without_a_model(start_service: StartService, tmp_path: Path) -> None:
    async with start_service(model_dir=tmp_path / "no-model") as service:
        response = await service.browser().get("/version")

    assert response.status_code == 200
    assert response.json()["version"] == "0.1.0"
    assert response.json()["model_version"] is None


async def test_version_and_card_of_an_installed_model(
    start_service: StartService, tmp_path: Path
) -> None:
    card = {"version": "lstm-2026.12", "languages": ["ru", "en"], "metrics": {"ru": {}}}
    (tmp_path / "model.json").write_text(json.dumps(card), encoding="utf-8")

    async with start_service(model_dir=tmp_path) as service:
        browser = service.browser()
        version = await browser.get("/version")
        model = await browser.get("/model")

    assert version.json()["model_version"] == "lstm-2026.12"
    assert model.status_code == 200
    assert model.json() == card


async def test_model_card_missing_is_a_503_sentence(
    start_service: StartService, tmp_path: Path
) -> None:
    async with start_service(model_dir=tmp_path) as service:
        response = await service.browser().get("/model")

    assert response.status_code == 503
    assert "no model is installed" in response.json()["detail"]


async def test_metrics_count_requests_by_route_template(service: Service) -> None:
    browser, user = await service.user()
    admin = await service.admin()
    await admin.get(f"/admin/users/{user['id']}")
    await browser.get("/health")
    assert (await service.browser().get("/me")).status_code == 401

    response = await browser.http.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert re.search(
        r'tonality_http_requests_total\{method="GET",route="/api/v1/health",status="200"\} \d',
        text,
    )
    assert 'route="/api/v1/admin/users/{user_id}"' in text
    assert 'method="GET",route="/api/v1/me",status="401"' in text
    assert f'/api/v1/admin/users/{user["id"]}"' not in text
    assert "tonality_http_request_duration_seconds_bucket" in text
    assert "process_resident_memory_bytes" in text


async def test_request_id_is_echoed_when_sane(service: Service) -> None:
    browser = service.browser()

    response = await browser.get("/health", headers={"X-Request-ID": "edge-42.a:b"})

    assert response.headers["x-request-id"] == "edge-42.a:b"


async def test_request_id_is_generated_when_missing_or_unsafe(service: Service) -> None:
    browser = service.browser()

    missing = await browser.get("/me")
    unsafe = await browser.get("/health", headers={"X-Request-ID": "x" * 200})
    spaced = await browser.get("/health", headers={"X-Request-ID": "two words"})

    for response in (missing, unsafe, spaced):
        assert SANE_GENERATED_ID.fullmatch(response.headers["x-request-id"])
    assert missing.headers["x-request-id"] != unsafe.headers["x-request-id"]


async def test_log_lines_carry_the_request_id_and_never_the_password(service: Service) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        browser = service.browser()
        password = "a-very-private-passphrase-9"
        await browser.register("logs@example.com", password=password)
        await browser.send(
            "POST",
            "/auth/login",
            json={"email": "logs@example.com", "password": password},
            headers={"X-Request-ID": "trace-login-1"},
        )
    finally:
        root.removeHandler(handler)
        root.setLevel(level)

    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    login_lines = [r for r in records if r.get("request_id") == "trace-login-1"]
    assert any(r.get("route") == "/api/v1/auth/login" for r in login_lines)
    assert password not in stream.getvalue()
