"""Shared fixtures: real Postgres, memcached and an S3 server per test run.

Each fixture starts what it needs and stops only what it started.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import pytest
from piccolo.engine.postgres import PostgresEngine

from domain.blobs import BlobStore
from infra.blobs import LocalBlobStore, S3BlobStore
from infra.db import close_engine, open_engine
from infra.db.engine import bind_tables
from infra.db.scratch import scratch_database

MEMCACHED_BIN = shutil.which("memcached") or "/usr/bin/memcached"


def free_port() -> int:
    """A TCP port nobody listens on right now (small race, fine for tests)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)

    raise RuntimeError(f"nothing listens on {host}:{port} after {timeout} s")


# Postgres


@pytest.fixture(scope="session")
async def pg_dsn() -> AsyncIterator[str]:
    """A fresh, migrated database on the test server, dropped at the end.

    `TONALITY_TEST_PG` overrides the server (any database on it will do as
    the maintenance connection).
    """
    server_dsn = os.environ.get("TONALITY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    async with scratch_database(server_dsn, "tonality_test") as dsn:
        yield dsn


@pytest.fixture(scope="session")
async def pg_engine(pg_dsn: str) -> AsyncIterator[PostgresEngine]:
    """One pool on the test database for the whole run."""
    engine = await open_engine(pg_dsn, max_size=5)
    yield engine
    await close_engine(engine)


@pytest.fixture
def db_engine(pg_engine: PostgresEngine) -> PostgresEngine:
    """The run's pool, with every table bound to it for this test (an app
    started by another test may have bound them to its own engine)."""
    bind_tables(pg_engine)
    return pg_engine


# memcached


@dataclass
class Memcached:
    """A memcached the tests may reach; `owned` ones can also be killed."""

    host: str
    port: int
    owned: bool = True
    memory_file: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self) -> None:
        """Start a fresh process on the same port."""
        self._require_owned()
        command = [MEMCACHED_BIN, "-l", self.host, "-p", str(self.port), "-U", "0"]
        if os.geteuid() == 0:
            command += ["-u", "root"]  # memcached refuses root without naming a user
        if self.memory_file is not None:
            # A memory file needs at least 39 MB of item memory.
            command += ["-m", "64", "-e", str(self.memory_file)]
        else:
            command += ["-m", "16"]

        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_port(self.host, self.port)

    def kill(self) -> None:
        """SIGKILL: no goodbye to the clients, connections die mid-air."""
        self._signal_and_wait(signal.SIGKILL)

    def stop(self) -> None:
        self._signal_and_wait(signal.SIGTERM)

    def stop_warm(self) -> None:
        """SIGUSR1 with `-e`: memcached saves its memory for a warm restart."""
        self._signal_and_wait(signal.SIGUSR1)

        # memcached 1.6 discards the saved memory when restarted within the
        # second it stopped in ("restart incompatible ... stop_time").
        time.sleep(1.05 - time.time() % 1)

    def restart(self) -> None:
        """Kill (if running) and start a fresh process on the same port."""
        if self.process is not None and self.process.poll() is None:
            self.kill()
        self.start()

    def _signal_and_wait(self, signum: int) -> None:
        self._require_owned()
        if self.process is None or self.process.poll() is not None:
            return

        self.process.send_signal(signum)
        self.process.wait(timeout=10)

    def _require_owned(self) -> None:
        if not self.owned:
            pytest.skip("memcached from TONALITY_TEST_MEMCACHED is shared; not killing it")


def _own_memcached(memory_file: Path | None = None) -> Memcached:
    server = Memcached(host="127.0.0.1", port=free_port(), memory_file=memory_file)
    server.start()
    return server


@pytest.fixture(scope="session")
def memcached() -> Iterator[Memcached]:
    """A memcached shared by the whole run; do not kill it (use
    `memcached_process` for outages). `TONALITY_TEST_MEMCACHED=host:port`
    points at one already running."""
    external = os.environ.get("TONALITY_TEST_MEMCACHED")
    if external:
        host, _, port = external.rpartition(":")
        yield Memcached(host=host or "127.0.0.1", port=int(port), owned=False)
        return

    server = _own_memcached()
    yield server
    server.stop()


@pytest.fixture
def memcached_process(tmp_path: Path) -> Iterator[Memcached]:
    """A memcached of this test alone, free to kill and restart; started
    with `-e` so `stop_warm()` followed by `start()` keeps its items."""
    server = _own_memcached(memory_file=Path("/dev/shm") / f"tonality-test-{uuid.uuid4().hex}")
    yield server
    server.kill()
    if server.memory_file is not None:
        server.memory_file.unlink(missing_ok=True)
        server.memory_file.with_suffix(".meta").unlink(missing_ok=True)


# S3


class S3Server(msgspec.Struct, frozen=True):
    """Where moto's S3 answers. NOTE: moto checks neither signatures nor
    expiry, so a wrong secret or a stale presigned URL passes here."""

    endpoint: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"
    secure: bool = False


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    wait_for_port("127.0.0.1", port)

    yield S3Server(endpoint=f"127.0.0.1:{port}", access_key="testing", secret_key="testing")
    server.stop()


# Blob stores


@pytest.fixture
def local_blob_store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "objects")


@pytest.fixture
async def s3_blob_store(s3_server: S3Server) -> AsyncIterator[S3BlobStore]:
    """A store on a bucket of its own, so tests never see each other's objects."""
    store = S3BlobStore(
        s3_server.endpoint,
        access_key=s3_server.access_key,
        secret_key=s3_server.secret_key,
        bucket=f"test-{uuid.uuid4().hex[:16]}",
        secure=s3_server.secure,
        region=s3_server.region,
    )
    await store.ensure_bucket()
    yield store
    await store.close()


@pytest.fixture(params=["local", "s3"])
def blob_store(request: pytest.FixtureRequest) -> BlobStore:
    """Each adapter in turn, for the contract tests every store must pass."""
    store: BlobStore = request.getfixturevalue(f"{request.param}_blob_store")
    return store
