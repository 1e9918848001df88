"""File jobs end to end: rows per second from upload to result, and peak memory.

For each size, a CSV of real review texts (the test splits of every
training source, both languages; see review_texts.py) goes through the real
system: `tonality serve` takes the upload, one `tonality worker` process
analyses it, and both result formats are downloaded. Serve and worker are
started afresh for each size, so each size's peak RSS (VmHWM) is its own.
The baseline, measured in the same run, is the bare classifier on the same
texts in this process, one thread, in batches of 256.

    .venv/bin/python bench/bench_jobs.py --rows 10000 100000 1000000

PostgreSQL: `TONALITY_BENCH_PG` (default the local server), where a scratch
database is created and dropped; memcached: a private process.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import cycle, islice
from pathlib import Path
from typing import Any

import httpx
from processes import (
    bench_database,
    free_port,
    load_average,
    log_in_new_user,
    memcached,
    running,
    service_environment,
    start_serve,
    start_worker,
)
from review_texts import add_source_arguments, review_file, test_reviews

from ml.runtime.artifacts import default_model_dir

TARGET_ROWS_PER_S = 2_000
TARGET_PEAK_MB = 400
DEFAULT_UPLOAD_MAX_BYTES = 50 << 20
BASELINE_BATCH = 256
POLL_SECONDS = 0.25
REPORT_EVERY_SECONDS = 15.0
FORMATS = ("csv", "xlsx")

csv.field_size_limit(sys.maxsize)


@dataclass
class Download:
    seconds: float
    megabytes: float
    rows: int | None = None


@dataclass
class JobRun:
    """Seconds since the upload started, for each step the client saw."""

    rows: int
    file_mb: float
    uploaded: float = 0.0
    running: float = 0.0
    first_rows: float = 0.0
    done: float = 0.0
    summary: dict[str, int] = field(default_factory=dict)
    downloads: dict[str, Download] = field(default_factory=dict)
    worker_ready_mb: float = 0.0
    worker_peak_mb: float = 0.0
    worker_cpu_s: float = 0.0
    serve_peak_mb: float = 0.0
    serve_cpu_s: float = 0.0
    load: str = ""
    partial: bool = False

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.done

    @property
    def classify_rows_per_s(self) -> float:
        return self.rows / max(self.done - self.first_rows, 1e-9)


@dataclass(frozen=True)
class Baseline:
    rows_per_s: float
    rows_per_cpu_s: float


def classifier_baseline(texts: Sequence[str], model_dir: Path) -> Baseline:
    """`Classifier.predict` on ``texts``, one thread, batches of 256.

    Rows per CPU-second is given beside rows per second: on a shared
    machine it compares work done, whatever share of a core each got.
    """
    from ml.runtime.classifier import Classifier

    classifier = Classifier(model_dir, intra_op_threads=1)
    classifier.predict(list(texts[:BASELINE_BATCH]))

    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(texts), BASELINE_BATCH):
        classifier.predict(list(texts[start : start + BASELINE_BATCH]))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu

    return Baseline(len(texts) / wall, len(texts) / cpu)


async def upload(client: httpx.AsyncClient, path: Path) -> dict[str, Any]:
    """POST the file as multipart, read from disk as it is sent."""
    with path.open("rb") as handle:
        response = await client.post(
            "/api/v1/jobs",
            files={"file": (path.name, handle, "text/csv")},
            data={"column": "text"},
        )
    if response.status_code != 202:
        raise SystemExit(f"upload refused: {response.status_code} {response.text[:500]}")

    job: dict[str, Any] = response.json()
    return job


async def wait_until_done(
    client: httpx.AsyncClient,
    job_id: int,
    run: JobRun,
    began: float,
    stop_after: float | None = None,
) -> None:
    """Poll the job, noting when it started running and when rows first came out;
    past `stop_after` seconds, keep the rows done so far as a partial run."""
    last_report = time.perf_counter()
    while True:
        response = await client.get(f"/api/v1/jobs/{job_id}")
        response.raise_for_status()
        job = response.json()
        now = time.perf_counter() - began

        if job["status"] != "queued" and not run.running:
            run.running = now
        if job["progress"]["done"] > 0 and not run.first_rows:
            run.first_rows = now
        if job["status"] == "failed":
            raise SystemExit(f"job {job_id} failed: {job.get('error')}")
        if job["status"] == "done":
            run.done = now
            run.summary = job["summary"]
            return
        if stop_after is not None and now > stop_after and job["progress"]["done"] > 0:
            run.done = now
            run.rows = job["progress"]["done"]
            run.partial = True
            return

        if time.perf_counter() - last_report >= REPORT_EVERY_SECONDS:
            progress = job["progress"]
            say(f"  {now:6.0f} s  {job['status']}  {progress['done']:,} of {progress['total']:,}")
            last_report = time.perf_counter()
        await asyncio.sleep(POLL_SECONDS)


async def download(
    client: httpx.AsyncClient, job_id: int, result_format: str, target: Path
) -> Download:
    """Stream one result to disk; a CSV result's rows are counted as a check."""
    started = time.perf_counter()
    url = f"/api/v1/jobs/{job_id}/result"
    async with client.stream("GET", url, params={"format": result_format}) as response:
        if response.status_code != 200:
            await response.aread()
            raise SystemExit(f"{result_format} result: {response.status_code} {response.text}")
        size = 0
        with target.open("wb") as handle:
            async for chunk in response.aiter_bytes(1 << 20):
                handle.write(chunk)
                size += len(chunk)
    seconds = time.perf_counter() - started

    return Download(seconds, size / 1e6, rows_and_remove(target))


def rows_and_remove(path: Path) -> int | None:
    """The data rows of a CSV result (None for XLSX); the file is removed."""
    rows = None
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = sum(1 for _ in csv.reader(handle)) - 1
    path.unlink()

    return rows


async def run_one_size(
    env: dict[str, str], path: Path, run: JobRun, scratch: Path, stop_after: float | None
) -> JobRun:
    """Fresh serve and worker processes; one job of ``run.rows`` through them."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"

    with running(start_serve(env, port)) as serve, running(start_worker(env)) as worker:
        timeout = httpx.Timeout(1800.0, connect=10.0)
        async with httpx.AsyncClient(base_url=base_url, timeout=timeout) as client:
            await log_in_new_user(client)
            run.worker_ready_mb = worker.rss_mb()
            worker_cpu, serve_cpu = worker.cpu_seconds(), serve.cpu_seconds()

            began = time.perf_counter()
            job = await upload(client, path)
            run.uploaded = time.perf_counter() - began
            say(f"  uploaded in {run.uploaded:.1f} s; job {job['id']} {job['status']}")
            await wait_until_done(client, job["id"], run, began, stop_after)
            run.worker_cpu_s = worker.cpu_seconds() - worker_cpu

            for result_format in () if run.partial else FORMATS:
                target = scratch / f"result.{result_format}"
                run.downloads[result_format] = await download(
                    client, job["id"], result_format, target
                )

            run.worker_peak_mb = worker.peak_rss_mb()
            run.serve_peak_mb = serve.peak_rss_mb()
            run.serve_cpu_s = serve.cpu_seconds() - serve_cpu
            await client.delete(f"/api/v1/jobs/{job['id']}")

    run.load = load_average()
    return run


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def upload_limit(files: dict[int, Path]) -> int:
    largest = max(path.stat().st_size for path in files.values())

    return max(DEFAULT_UPLOAD_MAX_BYTES, largest + (4 << 20))


async def bench(args: argparse.Namespace) -> None:
    print(f"load average at start: {load_average()}; model {args.model_dir}")
    reviews = test_reviews(args.data_dir, args.cache_dir, args.seed)
    files = {rows: review_file(rows, reviews, args.seed) for rows in args.rows}
    print(f"{len(reviews):,} distinct test texts (both languages), cycled to each size")

    texts = [review.text for review in islice(cycle(reviews), args.baseline_rows)]
    baseline = classifier_baseline(texts, args.model_dir)
    print(
        f"baseline: Classifier.predict, 1 thread, batches of {BASELINE_BATCH}, "
        f"first {len(texts):,} rows: {baseline.rows_per_s:,.0f} rows/s, "
        f"{baseline.rows_per_cpu_s:,.0f} rows per CPU-second (load {load_average()})"
    )

    limit = upload_limit(files)
    if limit > DEFAULT_UPLOAD_MAX_BYTES:
        print(
            f"TONALITY_UPLOAD_MAX_BYTES raised from {DEFAULT_UPLOAD_MAX_BYTES >> 20} MB "
            f"to {limit >> 20} MB to fit the largest file"
        )

    runs = []
    async with bench_database("tonality_bench_jobs") as dsn:
        data_dir = Path(tempfile.mkdtemp(prefix="tonality-bench-jobs-"))
        try:
            with memcached(data_dir) as cache:
                env = service_environment(
                    dsn,
                    cache,
                    data_dir,
                    worker_in_process="false",
                    worker_concurrency=1,
                    upload_max_bytes=limit,
                    model_dir=args.model_dir.resolve(),
                )
                for rows, path in files.items():
                    run = JobRun(rows=rows, file_mb=path.stat().st_size / 1e6)
                    say(f"{rows:,} rows, {run.file_mb:.1f} MB")
                    done = await run_one_size(env, path, run, data_dir, args.stop_after)
                    say(
                        f"  {'stopped' if done.partial else 'done'}: {done.rows:,} rows in "
                        f"{done.done:.0f} s, {done.rows_per_s:,.0f} rows/s; worker peak "
                        f"{done.worker_peak_mb:.0f} MB, serve peak {done.serve_peak_mb:.0f} MB"
                    )
                    runs.append(done)
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)

    print_figures(runs, baseline)


def print_figures(runs: list[JobRun], baseline: Baseline) -> None:
    print()
    print(
        f"{'rows':>9} {'MB':>6} {'upload s':>8} {'done s':>8} {'rows/s':>7} "
        f"{'x base':>6} {'csv s':>6} {'xlsx s':>6} {'worker MB':>9} {'serve MB':>8}"
    )
    for run in runs:
        csv_s, xlsx_s = (
            ("-", "-")
            if run.partial
            else (f"{run.downloads['csv'].seconds:.2f}", f"{run.downloads['xlsx'].seconds:.2f}")
        )
        print(
            f"{run.rows:>9,} {run.file_mb:>6.1f} {run.uploaded:>8.1f} {run.done:>8.1f} "
            f"{run.rows_per_s:>7,.0f} {run.rows_per_s / baseline.rows_per_s:>6.2f} "
            f"{csv_s:>6} {xlsx_s:>6} {run.worker_peak_mb:>9.0f} {run.serve_peak_mb:>8.0f}"
            + ("  (stopped early: rows done so far)" if run.partial else "")
        )

    print()
    print("where the time went, seconds from the upload's start:")
    for run in runs:
        print(
            f"  {run.rows:,} rows: uploaded {run.uploaded:.1f}, running {run.running:.1f}, "
            f"first rows out {run.first_rows:.1f}, done {run.done:.1f}; "
            f"classifying {run.classify_rows_per_s:,.0f} rows/s; "
            f"worker CPU {run.worker_cpu_s:.0f} s ({run.rows / run.worker_cpu_s:,.0f} rows "
            f"per CPU-second, x{run.rows / run.worker_cpu_s / baseline.rows_per_cpu_s:.2f} "
            f"the baseline's), serve CPU {run.serve_cpu_s:.0f} s"
        )
        if not run.partial:
            csv_result, xlsx_result = run.downloads["csv"], run.downloads["xlsx"]
            print(
                f"    results: csv {csv_result.megabytes:.1f} MB ({csv_result.rows:,} rows), "
                f"xlsx {xlsx_result.megabytes:.1f} MB; summary {run.summary}"
            )
        print(
            f"    worker RSS {run.worker_ready_mb:.0f} MB when ready, peak "
            f"{run.worker_peak_mb:.0f} MB; serve peak {run.serve_peak_mb:.0f} MB; "
            f"load {run.load}"
        )

    worst_rate = min(run.rows_per_s for run in runs)
    worst_peak = max(run.worker_peak_mb for run in runs)
    print()
    print(
        f"target >= {TARGET_ROWS_PER_S:,} rows/s end to end: slowest {worst_rate:,.0f} "
        f"({'met' if worst_rate >= TARGET_ROWS_PER_S else 'missed'})"
    )
    print(
        f"target worker peak RSS <= {TARGET_PEAK_MB} MB: largest {worst_peak:.0f} MB "
        f"({'met' if worst_peak <= TARGET_PEAK_MB else 'missed'})"
    )
    print(f"load average at end: {load_average()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument(
        "--baseline-rows", type=int, default=20_000, help="rows the bare classifier runs"
    )
    parser.add_argument(
        "--stop-after",
        type=float,
        default=None,
        metavar="SECONDS",
        help="cancel a job still running after this long and report its partial figures",
    )
    parser.add_argument(
        "--model-dir", type=Path, default=default_model_dir(), help="the model to serve"
    )
    add_source_arguments(parser)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
