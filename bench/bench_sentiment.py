"""POST /api/v1/sentiment under concurrent connections: req/s, p50 and p99.

`tonality serve` runs as its own process with memcached on, one user is
logged in, and a load generator in a second process (plain asyncio sockets)
keeps ``--connections`` keep-alive connections busy for ``--seconds`` per phase:

- baseline: GET /api/v1/me, the session check every request pays;
- misses: POST /sentiment, each request a different real review text
  (test splits of every source, short and long mixed), so the model runs;
- hits: POST /sentiment with one text over and over, answered from the
  prediction cache (still saved to history).

    .venv/bin/python bench/bench_sentiment.py --connections 50 --seconds 20

The load generator shares the machine's cores with the service, so each
phase prints the CPU both processes used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from processes import (
    Process,
    bench_database,
    free_port,
    load_average,
    log_in_new_user,
    memcached,
    running,
    service_environment,
    start_serve,
)
from review_texts import add_source_arguments, test_reviews

MAX_TEXT_CHARS = 10_000
PHASES = ("baseline", "misses", "hits")
REQUEST_OF = {
    "baseline": "GET /api/v1/me",
    "misses": "POST /api/v1/sentiment, distinct texts",
    "hits": "POST /api/v1/sentiment, one text",
}


@dataclass(frozen=True)
class PhaseResult:
    phase: str
    requests: int
    seconds: float
    errors: int
    statuses: dict[str, int]
    p50_ms: float
    p99_ms: float
    texts_used: int
    generator_cpu_s: float
    serve_cpu_s: float = 0.0
    load: str = ""

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class KeepAliveConnection:
    """One HTTP/1.1 connection, one request at a time, reopened after a failure.

    A plain socket client: httpx.AsyncClient held the figures far down
    here (22 req/s on GET /me where wrk measured about 900, neither process
    busy); this one stays within a fifth of wrk (see the cross-check).
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def send(self, request: bytes) -> int:
        """Send a whole request; return the response's status once its body is read."""
        if self._writer is None:
            await self._open()
        assert self._reader is not None and self._writer is not None
        try:
            self._writer.write(request)
            return await self._read_response(self._reader)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            self.close()
            raise

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def _open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        raw = self._writer.get_extra_info("socket")
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    async def _read_response(self, reader: asyncio.StreamReader) -> int:
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionResetError("the server closed the connection")
        status = int(status_line.split()[1])

        length, chunked, closing = 0, False, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == b"content-length":
                length = int(value)
            chunked |= name == b"transfer-encoding" and value == b"chunked"
            closing |= name == b"connection" and value == b"close"

        if chunked:
            while size := int((await reader.readline()).split(b";")[0], 16):
                await reader.readexactly(size + 2)
            await reader.readline()
        else:
            await reader.readexactly(length)

        if closing:
            self.close()
        return status


class Requests:
    """The raw bytes of each phase's requests, with the session's headers."""

    def __init__(self, args: argparse.Namespace, texts: list[str]) -> None:
        netloc = urlsplit(args.url).netloc
        cookies = "; ".join(f"{k}={v}" for k, v in json.loads(args.cookies).items())
        self._head = f"Host: {netloc}\r\nCookie: {cookies}\r\n"
        self._csrf = args.csrf
        self._texts = texts
        self._phase = args.phase
        self.taken = 0

    def next(self) -> bytes:
        if self._phase == "baseline":
            return f"GET /api/v1/me HTTP/1.1\r\n{self._head}\r\n".encode()

        if self._phase == "misses":
            text = self._texts[1 + self.taken % (len(self._texts) - 1)]
        else:
            text = self._texts[0]
        self.taken += 1
        body = json.dumps({"text": text}).encode()
        head = (
            f"POST /api/v1/sentiment HTTP/1.1\r\n{self._head}X-CSRF-Token: {self._csrf}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body


async def generate_load(args: argparse.Namespace, texts: list[str]) -> dict[str, Any]:
    """The load generator's side: ``connections`` loops, one request at a time each."""
    address = urlsplit(args.url)
    connections = [
        KeepAliveConnection(address.hostname or "127.0.0.1", address.port or 80)
        for _ in range(args.connections)
    ]
    requests = Requests(args, texts)
    latencies: list[float] = []
    statuses: Counter[str] = Counter()

    async def loop(connection: KeepAliveConnection, deadline: float, record: bool) -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                status = str(await connection.send(requests.next()))
            except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                status = type(error).__name__
            if record:
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1

    warmup_end = time.perf_counter() + args.warmup
    await asyncio.gather(*(loop(c, warmup_end, False) for c in connections))
    texts_before = requests.taken

    cpu, started = time.process_time(), time.perf_counter()
    deadline = started + args.seconds
    await asyncio.gather(*(loop(c, deadline, True) for c in connections))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    for connection in connections:
        connection.close()

    return {
        "phase": args.phase,
        "requests": len(latencies),
        "seconds": seconds,
        "errors": sum(count for status, count in statuses.items() if status != "200"),
        "statuses": dict(statuses),
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "texts_used": requests.taken - texts_before,
        "generator_cpu_s": cpu,
    }


def run_phase(
    phase: str, serve: Process, url: str, client: httpx.AsyncClient, args: argparse.Namespace
) -> PhaseResult:
    """One phase in a fresh load-generator process, with the serve CPU it cost."""
    command = [
        sys.executable,
        __file__,
        "--generate",
        phase,
        "--url",
        url,
        "--cookies",
        json.dumps(dict(client.cookies)),
        "--csrf",
        client.headers["X-CSRF-Token"],
        "--texts-file",
        str(args.texts_file),
        "--connections",
        str(args.connections),
        "--seconds",
        str(args.seconds),
        "--warmup",
        str(args.warmup),
    ]
    serve_cpu = serve.cpu_seconds()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"load generator failed in phase {phase}:\n{done.stderr}")

    figures = json.loads(done.stdout.strip().splitlines()[-1])
    # The warm-up's CPU is in there too; spread it over the measured share.
    share = args.seconds / (args.seconds + args.warmup)
    serve_cpu_s = (serve.cpu_seconds() - serve_cpu) * share

    return PhaseResult(**figures, serve_cpu_s=serve_cpu_s, load=load_average())


def wrk_cross_check(url: str, client: httpx.AsyncClient, args: argparse.Namespace) -> str:
    """The baseline again with wrk, if installed: how much the Python load
    generator itself holds the figures down."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return "wrk not installed (apt-get install -y wrk): no cross-check of the load generator"

    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    command = [wrk, "-t1", f"-c{args.connections}", f"-d{args.seconds:.0f}s", "--latency"]
    command += ["-H", f"Cookie: {cookie}", f"{url}/api/v1/me"]
    output = subprocess.run(command, capture_output=True, text=True, check=False).stdout

    figures = {}
    for line in output.splitlines():
        words = line.split()
        if words[:1] in (["50%"], ["99%"], ["Requests/sec:"], ["Non-2xx"]):
            figures[words[0]] = words[-1]

    return (
        f"wrk cross-check, GET /api/v1/me, {args.connections} connections: "
        f"{figures.get('Requests/sec:', '?')} req/s, p50 {figures.get('50%', '?')}, "
        f"p99 {figures.get('99%', '?')}, non-2xx {figures.get('Non-2xx', '0')}"
    )


def usable_texts(args: argparse.Namespace) -> list[str]:
    """Distinct real texts the endpoint accepts, shuffled; a mid-length one first."""
    reviews = test_reviews(args.data_dir, args.cache_dir, args.seed)
    texts = [r.text for r in reviews if 0 < len(r.text.strip()) <= MAX_TEXT_CHARS]
    repeated = next(text for text in texts if 150 <= len(text) <= 300)

    return [repeated, *(text for text in texts if text != repeated)]


async def bench(args: argparse.Namespace) -> None:
    print(f"load average at start: {load_average()}")
    texts = usable_texts(args)
    lengths = [len(text) for text in texts]
    print(
        f"{len(texts):,} distinct test texts, {statistics.median(lengths):.0f} chars median, "
        f"{max(lengths):,} longest; the repeated one has {len(texts[0])} chars"
    )

    results = []
    async with bench_database("tonality_bench_sentiment") as dsn:
        data_dir = Path(tempfile.mkdtemp(prefix="tonality-bench-sentiment-"))
        args.texts_file = data_dir / "texts.json"
        args.texts_file.write_text(json.dumps(texts))
        args.distinct_texts = len(texts) - 1
        try:
            with memcached(data_dir) as cache:
                env = service_environment(dsn, cache, data_dir, worker_in_process="false")
                port = free_port()
                url = f"http://127.0.0.1:{port}"
                with running(start_serve(env, port)) as serve:
                    async with httpx.AsyncClient(base_url=url) as client:
                        await log_in_new_user(client)
                        for phase in PHASES:
                            print(f"{phase}: {REQUEST_OF[phase]}", file=sys.stderr, flush=True)
                            results.append(run_phase(phase, serve, url, client, args))
                        history = (await client.get("/api/v1/history/texts")).json()
                        cross_check = wrk_cross_check(url, client, args)
                    serve_peak_mb = serve.peak_rss_mb()
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)

    print_figures(results, args)
    posted = sum(r.statuses.get("200", 0) for r in results if r.phase != "baseline")
    print(
        f"history holds {history['total']:,} texts; the measured POSTs answered 200 "
        f"{posted:,} times (the warm-ups add the rest); serve peak RSS {serve_peak_mb:.0f} MB"
    )
    print(f"{cross_check} (load {load_average()})")
    print(f"load average at end: {load_average()}")


def print_figures(results: list[PhaseResult], args: argparse.Namespace) -> None:
    print()
    print(
        f"{args.connections} connections, {args.seconds:.0f} s a phase after "
        f"{args.warmup:.0f} s of warm-up; the load generator is its own process"
    )
    print(
        f"{'phase':<9} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'texts':>6} {'serve CPU':>9} {'loadgen CPU':>11}  request"
    )
    for result in results:
        print(
            f"{result.phase:<9} {result.per_second:>7,.0f} {result.p50_ms:>7.1f} "
            f"{result.p99_ms:>7.1f} {result.errors:>6} {result.texts_used:>6,} "
            f"{result.serve_cpu_s / result.seconds:>8.0%} "
            f"{result.generator_cpu_s / result.seconds:>10.0%}   {REQUEST_OF[result.phase]}"
        )

    baseline = results[0]
    print()
    for result in results[1:]:
        print(
            f"{result.phase} vs baseline: req/s x{result.per_second / baseline.per_second:.2f}, "
            f"p50 x{result.p50_ms / baseline.p50_ms:.1f}, "
            f"p99 x{result.p99_ms / baseline.p99_ms:.1f}"
        )
    for result in results:
        if result.phase == "misses" and result.texts_used >= args.distinct_texts:
            print("misses: the distinct texts ran out and came round again (cache hits)")
        if result.errors:
            print(f"{result.phase} errors by status: {result.statuses}")
    print("load averages after each phase: " + "; ".join(r.load for r in results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    add_source_arguments(parser)
    # The load generator's own options, set by run_phase.
    parser.add_argument("--generate", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--cookies", help=argparse.SUPPRESS)
    parser.add_argument("--csrf", help=argparse.SUPPRESS)
    parser.add_argument("--texts-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    if args.generate:
        args.phase = args.generate
        texts = json.loads(Path(args.texts_file).read_text())
        print(json.dumps(asyncio.run(generate_load(args, texts))))
        return

    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
