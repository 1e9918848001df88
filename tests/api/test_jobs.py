"""File jobs end to end: real Postgres queue, S3 server, model and worker."""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile
from collections.abc import AsyncIterator, Sequence
from typing import Any

import openpyxl
import pytest

from tests.api.conftest import PASSWORD, Browser, Service, StartService

JOB_GROUPS = ["accounts", "jobs", "service"]
REVIEWS = [
    ("Отличный фильм, очень понравился!", "5"),
    ("This was a terrible waste of time, awful acting.", "1"),
    ("Ужасное обслуживание, больше не приду.", "1"),
    ("I loved every minute of it, wonderful and moving.", "5"),
]


@pytest.fixture
async def jobs_service(start_service: StartService) -> AsyncIterator[Service]:
    async with start_service(JOB_GROUPS, worker_in_process=True) as running:
        yield running


def csv_bytes(
    rows: Sequence[tuple[str, ...]], *, encoding: str = "utf-8", delimiter: str = ","
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[tuple[Any, ...]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def upload(browser: Browser, name: str, content: bytes, column: str | None = None) -> Any:
    data = {"column": column} if column is not None else None
    return await browser.send("POST", "/jobs", files={"file": (name, content)}, data=data)


async def finished(browser: Browser, job_id: int, seconds: float = 120.0) -> dict[str, Any]:
    """Poll the job as a page would until it is done or failed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        response = await browser.get(f"/jobs/{job_id}")
        assert response.status_code == 200, response.text
        job = response.json()
        if job["status"] in ("done", "failed"):
            return job
        await asyncio.sleep(0.2)

    raise AssertionError(f"job {job_id} did not finish in {seconds} s: {job}")


async def result_rows(browser: Browser, job_id: int, fmt: str) -> list[list[Any]]:
    response = await browser.get(f"/jobs/{job_id}/result", params={"format": fmt})
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
        return [row for row in csv.reader(io.StringIO(text, newline=""))]

    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    width = max(len(row) for row in rows)
    return [row + [None] * (width - len(row)) for row in rows]


async def test_a_csv_is_analysed_and_both_result_formats_hold_every_row(
    jobs_service: Service,
) -> None:
    browser, _ = await jobs_service.user()
    content = csv_bytes([("review", "stars"), *REVIEWS, ("", "3")])

    created = await upload(browser, "reviews.csv", content)
    assert created.status_code == 202, created.text
    assert created.json()["status"] in ("queued", "running", "done")

    job = await finished(browser, created.json()["id"])
    assert job["status"] == "done", job
    assert job["progress"] == {"done": 5, "total": 5}
    assert job["summary"]["empty"] == 1
    assert sum(job["summary"].values()) == 5
    assert job["summary"]["positive"] >= 1 and job["summary"]["negative"] >= 1
    assert job["finished_at"] is not None

    for fmt in ("csv", "xlsx"):
        rows = await result_rows(browser, job["id"], fmt)
        assert [str(cell) for cell in rows[0]] == [
            "review",
            "stars",
            "label",
            "negative",
            "neutral",
            "positive",
        ]
        assert [row[0] for row in rows[1:5]] == [text for text, _ in REVIEWS]
        labels = [row[2] for row in rows[1:]]
        assert labels[0] == "positive" and labels[1] == "negative"
        assert labels[-1] == "empty" and rows[-1][3] in ("", None)
        for row in rows[1:5]:
            assert sum(float(score) for score in row[3:6]) == pytest.approx(1, abs=2e-3)


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ","), ("cp1251", ";"), ("utf-8", "\t")],
)
async def test_encodings_and_delimiters_are_detected(
    jobs_service: Service, encoding: str, delimiter: str
) -> None:
    browser, _ = await jobs_service.user()
    content = csv_bytes([("отзыв", "оценка"), *REVIEWS[:3]], encoding=encoding, delimiter=delimiter)

    created = await upload(browser, "отзывы.csv", content, column="отзыв")
    job = await finished(browser, created.json()["id"])

    assert job["status"] == "done", job
    rows = await result_rows(browser, job["id"], "csv")
    assert rows[0][:2] == ["отзыв", "оценка"]
    assert [row[0] for row in rows[1:]] == [text for text, _ in REVIEWS[:3]]


async def test_quoted_multi_line_cells_stay_one_row(jobs_service: Service) -> None:
    browser, _ = await jobs_service.user()
    text = "First line of a review.\nSecond line: it was great, truly great!"
    content = csv_bytes([("id", "text"), ("1", text), ("2", "Bad.")])

    created = await upload(browser, "multi.csv", content, column="text")
    job = await finished(browser, created.json()["id"])

    assert job["progress"] == {"done": 2, "total": 2}
    rows = await result_rows(browser, job["id"], "xlsx")
    assert rows[1][1] == text


async def test_an_xlsx_upload_is_analysed(jobs_service: Service) -> None:
    browser, _ = await jobs_service.user()
    content = xlsx_bytes([("stars", "review"), *[(int(s), t) for t, s in REVIEWS]])

    created = await upload(browser, "reviews.xlsx", content, column="review")
    job = await finished(browser, created.json()["id"])

    assert job["status"] == "done", job
    assert job["column"] == "review"
    rows = await result_rows(browser, job["id"], "xlsx")
    assert [row[1] for row in rows[1:]] == [text for text, _ in REVIEWS]
    assert rows[1][0] in (5, "5")


async def test_formula_cells_are_neutralised_in_both_formats(jobs_service: Service) -> None:
    browser, _ = await jobs_service.user()
    attacks = ['=HYPERLINK("http://evil")', "+1+2", "-3+4", "@SUM(A1)", "\tx", "\rcmd"]
    content = csv_bytes([("text", "note"), *[("Nice product, works well.", a) for a in attacks]])

    created = await upload(browser, "formulas.csv", content)
    job = await finished(browser, created.json()["id"])

    for fmt in ("csv", "xlsx"):
        rows = await result_rows(browser, job["id"], fmt)
        assert [row[1] for row in rows[1:]] == ["'" + attack for attack in attacks]


async def test_a_missing_column_fails_the_job_listing_the_columns(jobs_service: Service) -> None:
    browser, _ = await jobs_service.user()
    content = csv_bytes([("text", "stars"), ("Good.", "5")])

    created = await upload(browser, "reviews.csv", content, column="review")
    job = await finished(browser, created.json()["id"])

    assert job["status"] == "failed"
    assert job["error"] == "column 'review' not found; columns are: text, stars"
    response = await browser.get(f"/jobs/{job['id']}/result")
    assert response.status_code == 409


async def test_a_header_only_file_fails_with_a_sentence(jobs_service: Service) -> None:
    browser, _ = await jobs_service.user()

    created = await upload(browser, "empty.csv", b"text,stars\r\n")
    job = await finished(browser, created.json()["id"])

    assert job["status"] == "failed"
    assert "no rows" in job["error"]


async def test_an_empty_file_is_refused_at_once(jobs_service: Service) -> None:
    browser, _ = await jobs_service.user()

    response = await upload(browser, "empty.csv", b"")

    assert response.status_code == 422
    assert "empty" in response.json()["detail"]
    assert (await browser.get("/jobs")).json()["total"] == 0


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("garbage.csv", bytes(range(256)) * 64),
        ("picture.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
        ("notes.txt", b"text\nhello\n"),
        ("book.xlsx", b"text\nnot a zip\n"),
    ],
)
async def test_files_that_are_not_csv_or_xlsx_get_415(
    jobs_service: Service, name: str, content: bytes
) -> None:
    browser, _ = await jobs_service.user()

    response = await upload(browser, name, content)

    assert response.status_code == 415, response.text
    assert response.json()["detail"]
    assert (await browser.get("/jobs")).json()["total"] == 0


async def test_an_xlsx_bomb_fails_and_the_service_keeps_serving(jobs_service: Service) -> None:
    browser, _ = await jobs_service.user()
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = b"\x20" * (1 << 20)
            for _ in range(1200):
                sheet.write(block)

    created = await upload(browser, "bomb.xlsx", bomb.getvalue())
    assert created.status_code == 202, created.text
    job = await finished(browser, created.json()["id"])

    assert job["status"] == "failed"
    assert job["error"]
    assert (await browser.get("/me")).status_code == 200


async def test_the_row_limit_fails_the_job_naming_it(start_service: StartService) -> None:
    async with start_service(JOB_GROUPS, worker_in_process=True, upload_max_rows=3) as service:
        browser, _ = await service.user()
        content = csv_bytes([("text",), *[(f"Review number {n}",) for n in range(4)]])

        created = await upload(browser, "big.csv", content)
        job = await finished(browser, created.json()["id"])

    assert job["status"] == "failed"
    assert "3 rows" in job["error"]


async def test_an_upload_over_the_size_limit_gets_413(start_service: StartService) -> None:
    async with start_service(JOB_GROUPS, worker_in_process=True, upload_max_bytes=1000) as service:
        browser, _ = await service.user()
        content = csv_bytes([("text",), *[("A fairly long review text.",)] * 100])

        response = await upload(browser, "big.csv", content)
        listed = await browser.get("/jobs")

    assert response.status_code == 413
    assert listed.json()["total"] == 0


async def test_another_users_job_answers_404(jobs_service: Service) -> None:
    owner, _ = await jobs_service.user()
    stranger, _ = await jobs_service.user()
    created = await upload(owner, "mine.csv", csv_bytes([("text",), ("Lovely.",)]))
    job_id = created.json()["id"]
    await finished(owner, job_id)

    assert (await stranger.get(f"/jobs/{job_id}")).status_code == 404
    assert (await stranger.get(f"/jobs/{job_id}/result")).status_code == 404
    assert (await stranger.send("DELETE", f"/jobs/{job_id}")).status_code == 404
    assert (await stranger.get("/jobs")).json()["total"] == 0
    assert (await owner.get(f"/jobs/{job_id}")).json()["status"] == "done"


async def test_two_users_jobs_run_at_once(jobs_service: Service) -> None:
    first, _ = await jobs_service.user()
    second, _ = await jobs_service.user()
    rows = [("text",), *[(text,) for text, _ in REVIEWS * 50]]

    created = await asyncio.gather(
        upload(first, "first.csv", csv_bytes(rows)), upload(second, "second.csv", csv_bytes(rows))
    )
    jobs = await asyncio.gather(
        finished(first, created[0].json()["id"]), finished(second, created[1].json()["id"])
    )

    assert [job["status"] for job in jobs] == ["done", "done"]
    assert jobs[0]["summary"] == jobs[1]["summary"]
    assert [job["file_name"] for job in (await first.get("/jobs")).json()["items"]] == ["first.csv"]


async def test_jobs_are_listed_by_name_and_date(jobs_service: Service) -> None:
    browser, _ = await jobs_service.user()
    for name in ("alpha.csv", "beta.csv", "alphabet.csv"):
        await upload(browser, name, csv_bytes([("text",), ("Fine.",)]))

    everything = (await browser.get("/jobs")).json()
    found = (await browser.get("/jobs", params={"q": "ALPHA"})).json()
    today = everything["items"][0]["created_at"][:10]
    future = (await browser.get("/jobs", params={"date_from": "2999-01-01"})).json()
    on_day = (await browser.get("/jobs", params={"date_from": today, "date_to": today})).json()
    backwards = await browser.get("/jobs", params={"date_from": today, "date_to": "2000-01-01"})

    assert [job["file_name"] for job in everything["items"]] == [
        "alphabet.csv",
        "beta.csv",
        "alpha.csv",
    ]
    assert {job["file_name"] for job in found["items"]} == {"alpha.csv", "alphabet.csv"}
    assert future["total"] == 0
    assert on_day["total"] == 3
    assert backwards.status_code == 422


async def test_deleting_a_job_removes_its_objects(jobs_service: Service) -> None:
    browser, user = await jobs_service.user()
    created = await upload(browser, "gone.csv", csv_bytes([("text",), ("Great!",)]))
    job_id = created.json()["id"]
    await finished(browser, job_id)

    response = await browser.send("DELETE", f"/jobs/{job_id}")

    assert response.status_code == 204
    assert (await browser.get(f"/jobs/{job_id}")).status_code == 404
    assert await stored_keys(jobs_service, user["id"]) == []


async def test_deleting_a_running_job_cancels_it(jobs_service: Service) -> None:
    browser, user = await jobs_service.user()
    rows = [("text",), *[(f"{text} #{n}",) for n in range(40_000) for text, _ in REVIEWS[:1]]]
    created = await upload(browser, "long.csv", csv_bytes(rows))
    job_id = created.json()["id"]
    await until_running(browser, job_id)

    response = await browser.send("DELETE", f"/jobs/{job_id}")
    await asyncio.sleep(2.5)

    assert response.status_code == 204
    assert await stored_keys(jobs_service, user["id"]) == []


async def test_a_result_is_409_until_the_job_is_done(start_service: StartService) -> None:
    async with start_service(JOB_GROUPS, worker_in_process=False) as service:
        browser, _ = await service.user()
        created = await upload(browser, "waiting.csv", csv_bytes([("text",), ("Okay.",)]))

        response = await browser.get(f"/jobs/{created.json()['id']}/result")

    assert created.json()["status"] == "queued"
    assert response.status_code == 409
    assert "queued" in response.json()["detail"]


async def test_an_unsafe_upload_needs_the_csrf_header(jobs_service: Service) -> None:
    browser, _ = await jobs_service.user()

    response = await browser.http.post("/api/v1/jobs", files={"file": ("a.csv", b"text\nhi\n")})

    assert response.status_code == 403
    assert (await browser.get("/jobs")).json()["total"] == 0


async def until_running(browser: Browser, job_id: int) -> None:
    for _ in range(300):
        job = (await browser.get(f"/jobs/{job_id}")).json()
        if job["status"] == "running" and job["progress"]["done"] > 0:
            return
        assert job["status"] != "done", "the job finished before it could be seen running"
        await asyncio.sleep(0.05)

    raise AssertionError("the job never started")


async def stored_keys(service: Service, user_id: int) -> list[str]:
    from minio import Minio

    settings = service.settings
    assert settings.s3_endpoint is not None
    client = Minio(
        settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        secure=False,
    )
    listed = await asyncio.to_thread(
        lambda: list(client.list_objects(settings.s3_bucket, f"users/{user_id}/", recursive=True))
    )
    return [found.object_name or "" for found in listed]


async def test_closing_the_account_removes_its_jobs_and_their_objects(
    jobs_service: Service,
) -> None:
    browser, user = await jobs_service.user()
    created = await upload(browser, "mine.csv", csv_bytes([("text",), ("Superb!",)]))
    await finished(browser, created.json()["id"])
    assert await stored_keys(jobs_service, user["id"]) != []

    response = await browser.send("DELETE", "/me", json={"password": PASSWORD})

    assert response.status_code == 204
    assert await stored_keys(jobs_service, user["id"]) == []
    assert await job_rows_of(jobs_service, user["id"]) == 0


async def job_rows_of(service: Service, user_id: int) -> int:
    import asyncpg

    assert service.settings.database_url is not None
    connection = await asyncpg.connect(service.settings.database_url)
    try:
        count = await connection.fetchval(
            'SELECT count(*) FROM tonality_file_job WHERE "user" = $1', user_id
        )
    finally:
        await connection.close()

    return int(count)
