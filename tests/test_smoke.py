"""The README's first command works: `tonality serve` on embedded defaults.

The service runs as a real process with no database, cache or object store
configured: it must start its own PostgreSQL, create the default admin,
let them log in, and stop cleanly on SIGTERM.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from infra.settings import DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD
from tests.serve_process import postgres_running_in, serving


@pytest.mark.slow
def test_readme_serve_logs_in_the_default_admin_and_stops_cleanly(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"

    with serving(tmp_path, data_dir=str(data_dir)) as served:
        with httpx.Client(base_url=served.base_url, timeout=30) as client:
            credentials = {"email": DEFAULT_ADMIN_EMAIL, "password": DEFAULT_ADMIN_PASSWORD}
            login = client.post("/api/v1/auth/login", json=credentials)
            assert login.status_code == 200, login.text

            me = client.get("/api/v1/me")
            assert me.status_code == 200, me.text
            assert me.json()["email"] == DEFAULT_ADMIN_EMAIL
            assert me.json()["role"] == "admin"

            ready = client.get("/api/v1/ready")
            assert ready.status_code == 200, ready.text

        assert postgres_running_in(data_dir), "the embedded PostgreSQL should be running"
        assert served.stop() == 0

    deadline = time.monotonic() + 10
    while postgres_running_in(data_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not postgres_running_in(data_dir), "the embedded PostgreSQL outlived the service"
