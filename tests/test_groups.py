"""`tonality serve --only accounts,service` serves those groups and no other."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.serve_process import TONALITY, clean_environment, serving

PASSWORD = "correct horse battery"


@pytest.mark.slow
async def test_only_accounts_and_service_leaves_admin_out(pg_dsn: str, tmp_path: Path) -> None:
    only = ["--only", "accounts,service"]

    settings = {"database_url": pg_dsn, "data_dir": str(tmp_path), "log_json": "true"}

    with serving(tmp_path, only, **settings) as served:
        async with httpx.AsyncClient(base_url=served.base_url, timeout=30) as client:
            email = f"groups-{tmp_path.name}@example.com"
            account = {"email": email, "password": PASSWORD, "first_name": "Grace"}
            registered = await client.post("/api/v1/auth/register", json=account)
            assert registered.status_code == 201, registered.text

            login = await client.post(
                "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
            )
            assert login.status_code == 200, login.text
            assert (await client.get("/api/v1/me")).json()["email"] == email

            assert (await client.get("/api/v1/health")).status_code == 200
            assert (await client.get("/api/v1/version")).status_code == 200
            assert (await client.get("/metrics")).status_code == 200

            assert (await client.get("/api/v1/admin/users")).status_code == 404
            assert (await client.get("/api/v1/admin/users/1")).status_code == 404

        assert served.stop() == 0

    log_lines = [json.loads(line) for line in served.output().splitlines() if line[:1] == "{"]
    me_lines = [line for line in log_lines if line.get("route") == "/api/v1/me"]
    assert me_lines and me_lines[0]["request_id"]
    assert PASSWORD not in served.output()


def test_unknown_group_stops_serve_with_its_name(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(TONALITY), "serve", "--only", "accounts,nonsense"],
        cwd=tmp_path,
        env=clean_environment(data_dir=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "nonsense" in result.stderr
