"""The real system as separate processes, for benchmarks that measure it whole.

A scratch database on the local PostgreSQL server (`TONALITY_BENCH_PG`,
default the local server), a private memcached on a free port, and
`tonality serve` / `tonality worker` started with the settings a deployment
would give them. Each process logs to its own file; `Process` reads its
memory and CPU figures from /proc.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx

from infra.db.scratch import scratch_database

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
TONALITY = Path(sys.executable).with_name("tonality")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
STARTUP_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


class Process:
    """A started child process, its log file and its figures from /proc."""

    def __init__(self, name: str, popen: subprocess.Popen[bytes], log_path: Path) -> None:
        self.name = name
        self.popen = popen
        self.log_path = log_path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def peak_rss_mb(self) -> float:
        """The process's lifetime peak resident memory (VmHWM)."""
        return self._status_kb("VmHWM") / 1024

    def rss_mb(self) -> float:
        return self._status_kb("VmRSS") / 1024

    def cpu_seconds(self) -> float:
        """User plus system CPU time used so far, all threads."""
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()

        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def check_alive(self) -> None:
        if self.popen.poll() is not None:
            raise SystemExit(
                f"{self.name} exited with {self.popen.returncode}; "
                f"its log ({self.log_path}) ends:\n{self.log_tail()}"
            )

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()

    def _status_kb(self, field: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])

        raise RuntimeError(f"no {field} in /proc/{self.pid}/status")


def start(name: str, command: list[str], env: dict[str, str], log_path: Path) -> Process:
    """Start ``command`` with its output in ``log_path``, in the data directory
    so that no `.env` of the working tree leaks into its settings."""
    with log_path.open("ab") as log:
        popen = subprocess.Popen(
            command,
            env=env,
            cwd=env["TONALITY_DATA_DIR"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    return Process(name, popen, log_path)


@contextmanager
def running(process: Process) -> Iterator[Process]:
    try:
        yield process
    finally:
        process.stop()


@asynccontextmanager
async def bench_database(prefix: str) -> AsyncIterator[str]:
    """A migrated scratch database, dropped on the way out."""
    server = os.environ.get("TONALITY_BENCH_PG", DEFAULT_PG)
    async with scratch_database(server, prefix) as dsn:
        yield dsn


@contextmanager
def memcached(log_dir: Path) -> Iterator[str]:
    """A private memcached on a free port; yields its ``host:port``."""
    port = free_port()
    command = [shutil.which("memcached") or "memcached", "-l", "127.0.0.1", "-p", str(port)]
    if os.geteuid() == 0:
        command += ["-u", "root"]
    env = {**os.environ, "TONALITY_DATA_DIR": str(log_dir)}

    with running(start("memcached", command, env, log_dir / "memcached.log")) as process:
        _wait_for_port(process, port)
        yield f"127.0.0.1:{port}"


def service_environment(
    database_url: str, cache: str | None, data_dir: Path, **settings: object
) -> dict[str, str]:
    """The variables of one deployment; ``settings`` are extra
    `TONALITY_<NAME>` values. Outside TONALITY_* variables are dropped."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TONALITY_")}
    env |= {
        "TONALITY_DATABASE_URL": database_url,
        "TONALITY_DATA_DIR": str(data_dir),
        "TONALITY_SECRET_KEY": secrets.token_urlsafe(48),
        "TONALITY_LOG_LEVEL": "INFO",
    }
    if cache:
        env["TONALITY_MEMCACHED"] = cache
    env |= {f"TONALITY_{name.upper()}": str(value) for name, value in settings.items()}

    return env


def start_serve(env: dict[str, str], port: int, name: str = "serve") -> Process:
    """`tonality serve` on ``port``, once /api/v1/health answers."""
    log_path = Path(env["TONALITY_DATA_DIR"]) / f"{name}.log"
    process = start(name, [str(TONALITY), "serve", "--port", str(port)], env, log_path)

    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        process.check_alive()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health").status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)

    process.stop()
    raise SystemExit(f"{name} did not answer in {STARTUP_SECONDS:.0f} s:\n{process.log_tail()}")


def start_worker(env: dict[str, str], name: str = "worker") -> Process:
    """`tonality worker`, once it logs that it is ready."""
    log_path = Path(env["TONALITY_DATA_DIR"]) / f"{name}.log"
    log_path.unlink(missing_ok=True)
    process = start(name, [str(TONALITY), "worker"], env, log_path)

    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        process.check_alive()
        if "worker ready" in log_path.read_text(errors="replace"):
            return process
        time.sleep(0.2)

    process.stop()
    raise SystemExit(f"{name} was not ready in {STARTUP_SECONDS:.0f} s:\n{process.log_tail()}")


async def log_in_new_user(client: httpx.AsyncClient) -> None:
    """Register a fresh user and log ``client`` in; later unsafe requests
    carry the CSRF token the login set."""
    email = f"bench-{secrets.token_hex(6)}@example.com"
    password = f"bench-{secrets.token_urlsafe(12)}"
    account = {"email": email, "password": password, "first_name": "Bench"}

    registered = await client.post("/api/v1/auth/register", json=account)
    if registered.status_code != 201:
        raise SystemExit(f"register failed: {registered.status_code} {registered.text}")

    login = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    if login.status_code != 200:
        raise SystemExit(f"login failed: {login.status_code} {login.text}")
    client.headers["X-CSRF-Token"] = client.cookies["csrftoken"]


def _wait_for_port(process: Process, port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        process.check_alive()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)

    raise SystemExit(f"{process.name} did not listen on port {port}")
