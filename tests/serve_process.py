"""Run `tonality serve` as a real process, the way the README does."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

TONALITY = Path(sys.executable).with_name("tonality")
# A first start runs initdb for the embedded server; allow for a busy machine.
START_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_environment(**settings: str) -> dict[str, str]:
    """This process's environment without any TONALITY_ variable, plus `settings`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TONALITY_")}
    env.update({f"TONALITY_{name.upper()}": value for name, value in settings.items()})

    return env


@dataclass
class Served:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> int:
        """SIGTERM, as a process manager would; return the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=STOP_TIMEOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def serving(workdir: Path, arguments: Sequence[str] = (), **settings: str) -> Iterator[Served]:
    """Start `tonality serve` in `workdir`; kill it on the way out if still running."""
    port = free_port()
    log_path = workdir / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(TONALITY), "serve", "--port", str(port), *arguments],
            cwd=workdir,
            env=clean_environment(**settings),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    served = Served(f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_until_healthy(served)
        yield served
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)
        # Shown by pytest only when the test fails.
        print(served.output()[-5000:])


def _wait_until_healthy(served: Served) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise AssertionError(
                f"tonality serve exited with code {served.process.returncode}:\n"
                + served.output()[-3000:]
            )
        try:
            if httpx.get(f"{served.base_url}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)

    raise AssertionError(f"/api/v1/health did not answer within {START_TIMEOUT} s")


def postgres_running_in(data_dir: Path) -> list[int]:
    """Pids of processes named postgres whose command line mentions `data_dir`."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "postgres" in command and str(data_dir) in command:
            pids.append(int(entry.name))

    return pids
