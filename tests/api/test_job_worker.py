"""`tonality worker` as a real process: killed mid-job, and a 50 MB upload."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from infra.settings import Settings
from tests.api.conftest import Browser, StartService
from tests.api.test_jobs import JOB_GROUPS, csv_bytes, finished, result_rows, upload
from tests.serve_process import TONALITY, clean_environment

pytestmark = pytest.mark.slow


@contextmanager
def worker_process(
    settings: Settings, log: Path, **extra: str
) -> Iterator[subprocess.Popen[bytes]]:
    """`tonality worker` against the test app's database and object store."""
    assert settings.database_url and settings.s3_endpoint
    env = clean_environment(
        database_url=settings.database_url,
        memcached=settings.memcached or "",
        s3_endpoint=settings.s3_endpoint,
        s3_access_key=settings.s3_access_key or "",
        s3_secret_key=settings.s3_secret_key or "",
        s3_bucket=settings.s3_bucket,
        s3_secure="false",
        secret_key=settings.secret_key or "",
        data_dir=str(settings.data_dir),
        job_heartbeat_seconds="2",
        **extra,
    )
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(TONALITY), "worker"], env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        print(log.read_text(errors="replace")[-4000:])


async def test_a_job_survives_its_worker_being_killed(
    start_service: StartService, tmp_path: Path
) -> None:
    rows = 20_000
    log = tmp_path / "worker.log"

    async with start_service(JOB_GROUPS, worker_in_process=False) as service:
        browser, _ = await service.user()
        job_id = await upload_numbered_reviews(
            browser, rows, "the plot was fine and the acting decent."
        )

        with worker_process(service.settings, log) as first:
            progress = await progress_between(browser, job_id, 1, rows - 1)
            first.kill()
            first.wait(timeout=10)
        assert first.returncode == -signal.SIGKILL

        with worker_process(service.settings, log):
            job = await finished(browser, job_id, seconds=300)
        result = await result_rows(browser, job_id, "csv")

    assert progress > 0
    assert job["status"] == "done", job
    assert job["progress"] == {"done": rows, "total": rows}
    assert sum(job["summary"].values()) == rows
    assert [row[0] for row in result[1:]] == [str(n) for n in range(rows)]


async def test_a_50_mb_upload_round_trips_byte_exact(start_service: StartService) -> None:
    filler = "x" * 20_000
    count = (50 << 20) // (len(filler) + 40)
    content = csv_bytes(
        [("text", "filler"), *[(f"Solid review number {n}.", filler) for n in range(count)]]
    )
    assert len(content) <= 50 << 20

    async with start_service(JOB_GROUPS, worker_in_process=True) as service:
        browser, _ = await service.user()
        created = await upload(browser, "large.csv", content)
        assert created.status_code == 202, created.text
        job = await finished(browser, created.json()["id"], seconds=300)

        stored = await stored_upload(service.settings, job["id"])
        csv_result = await result_rows(browser, job["id"], "csv")

        too_big = await upload(browser, "larger.csv", content + b"y" * (1 << 20))

    assert stored == content
    assert job["progress"]["done"] == count
    assert len(csv_result) == count + 1
    assert csv_result[-1][1] == filler
    assert too_big.status_code == 413


async def upload_numbered_reviews(browser: Browser, rows: int, sentence: str) -> int:
    """Upload a CSV of ``rows`` reviews with their row number as ``id``; the
    new job's id."""
    texts = [f"Review {n}: {sentence}" for n in range(rows)]
    content = csv_bytes([("id", "text"), *[(str(n), text) for n, text in enumerate(texts)]])
    created = await upload(browser, "long.csv", content, column="text")
    return int(created.json()["id"])


async def progress_between(browser: Browser, job_id: int, low: int, high: int) -> int:
    """Wait until the running job has done between `low` and `high` rows."""
    for _ in range(2000):
        job = (await browser.get(f"/jobs/{job_id}")).json()
        done = int(job["progress"]["done"])
        if low <= done <= high and job["status"] == "running":
            return done
        assert job["status"] in ("queued", "running"), job
        await asyncio.sleep(0.05)

    raise AssertionError("the worker never made progress")


async def stored_upload(settings: Settings, job_id: int) -> bytes:
    """The upload's bytes as the object store holds them."""
    import asyncpg
    from minio import Minio

    assert settings.database_url and settings.s3_endpoint
    connection = await asyncpg.connect(settings.database_url)
    try:
        key = await connection.fetchval(
            "SELECT upload_key FROM tonality_file_job WHERE id = $1", job_id
        )
    finally:
        await connection.close()

    client = Minio(
        settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        secure=False,
    )

    def read() -> bytes:
        response = client.get_object(settings.s3_bucket, key)
        try:
            return bytes(response.read())
        finally:
            response.close()
            response.release_conn()

    return await asyncio.to_thread(read)


async def test_a_stopped_worker_hands_its_job_back_at_once(
    start_service: StartService, tmp_path: Path
) -> None:
    rows = 20_000
    log = tmp_path / "worker.log"

    # One attempt only: a stop must not use it up.
    async with start_service(JOB_GROUPS, worker_in_process=False) as service:
        browser, _ = await service.user()
        job_id = await upload_numbered_reviews(
            browser, rows, "a calm, ordinary evening at the cinema."
        )

        with worker_process(service.settings, log, job_max_attempts="1") as first:
            await progress_between(browser, job_id, 1, rows - 1)
            first.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(first.wait, 30)
        handed_back = (await browser.get(f"/jobs/{job_id}")).json()

        with worker_process(service.settings, log, job_max_attempts="1"):
            job = await finished(browser, job_id, seconds=300)
        result = await result_rows(browser, job_id, "csv")

    assert code == 0
    assert handed_back["status"] == "queued"
    assert job["status"] == "done", job
    assert [row[0] for row in result[1:]] == [str(n) for n in range(rows)]
