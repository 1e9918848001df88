"""nginx in front of the service: caching, compression, headers, limits."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from api.headers import WEB_CLIENT_POLICY
from handlers.web.client import DIST
from tests.conftest import free_port
from tests.web.conftest import Nginx, Site, render_nginx_config


@pytest.fixture
def http(site: Site) -> httpx.Client:
    return httpx.Client(base_url=site.base_url, timeout=30)


def bundle_script(http: httpx.Client) -> str:
    match = re.search(r'src="(/assets/[^"]+\.js)"', http.get("/").text)
    assert match, "index.html names no script"
    return match.group(1)


def test_index_is_revalidated_and_carries_the_page_policy(http: httpx.Client) -> None:
    response = http.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_client_paths_fall_back_to_the_index(http: httpx.Client) -> None:
    for path in ["/history", "/files?job=3", "/admin"]:
        response = http.get(path)

        assert response.status_code == 200, path
        assert '<div id="app">' in response.text
        assert response.headers["cache-control"] == "no-cache"


def test_bundles_are_compressed_and_kept_for_a_year(http: httpx.Client) -> None:
    response = http.get(bundle_script(http), headers={"Accept-Encoding": "gzip"})

    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_a_missing_bundle_is_a_404_not_the_index(http: httpx.Client) -> None:
    assert http.get("/assets/index-gone.js").status_code == 404


def test_api_answers_pass_with_the_service_headers_once(http: httpx.Client) -> None:
    response = http.get("/api/v1/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert len(response.headers.get_list("content-security-policy")) == 1
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]
    assert response.headers["cache-control"] == "no-store"
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_metrics_are_proxied(http: httpx.Client) -> None:
    response = http.get("/metrics")

    assert response.status_code == 200
    assert "# TYPE" in response.text


def test_a_body_far_over_the_upload_limit_is_refused_with_a_detail(site: Site) -> None:
    address = urlsplit(site.base_url)
    request = (
        "POST /api/v1/jobs HTTP/1.1\r\n"
        f"Host: {address.hostname}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {60 * 1024 * 1024}\r\n"
        "Connection: close\r\n\r\n"
    )
    with socket.create_connection((address.hostname, address.port or 80), timeout=10) as sock:
        sock.sendall(request.encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    assert "50 MB" in json.loads(body)["detail"]


def test_with_no_service_answering_nginx_replies_in_the_api_error_shape(
    tools: None, tmp_path: Path
) -> None:
    port, nobody = free_port(), free_port()
    config = render_nginx_config(f"127.0.0.1:{port}", DIST, [f"127.0.0.1:{nobody}"])
    nginx = Nginx(tmp_path, config, port)
    nginx.start()
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/api/v1/me", timeout=30)
    finally:
        nginx.stop()

    assert response.status_code == 502
    assert response.headers["content-type"].startswith("application/json")
    assert "not answering" in response.json()["detail"]


def test_nginx_and_the_service_give_pages_the_same_policy(http: httpx.Client) -> None:
    assert http.get("/").headers["content-security-policy"] == WEB_CLIENT_POLICY


def test_requests_are_shared_among_the_service_processes(site: Site, http: httpx.Client) -> None:
    for _ in range(4 * len(site.services)):
        assert http.get("/api/v1/version").status_code == 200

    served = [service.output().count("route=/api/v1/version") for service in site.services]
    assert all(count > 0 for count in served), served
