"""The probe runner behind /ready: concurrent, bounded, naming what failed."""

from __future__ import annotations

import asyncio
import time

from domain.readiness import OK, ModelCardProbe, check_readiness, with_model_probe


class StubProbe:
    def __init__(self, name: str, error: Exception | None = None, delay: float = 0.0) -> None:
        self.name = name
        self.error = error
        self.delay = delay

    async def check(self) -> None:
        await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error


async def test_all_probes_passing_is_ready() -> None:
    readiness = await check_readiness([StubProbe("database"), StubProbe("cache")])

    assert readiness.ready
    assert readiness.checks == {"database": OK, "cache": OK}
    assert readiness.summary() == "ready"


async def test_failed_probe_is_named_without_its_message() -> None:
    probes = [StubProbe("database"), StubProbe("cache", ConnectionRefusedError("10.1.2.3"))]

    readiness = await check_readiness(probes)

    assert not readiness.ready
    assert readiness.summary() == "not ready: cache unavailable"
    assert readiness.checks["cache"] == "failed: ConnectionRefusedError"
    assert "10.1.2.3" not in str(readiness.checks)


async def test_slow_probe_times_out_and_others_still_report() -> None:
    probes = [StubProbe("store", delay=5), StubProbe("model", RuntimeError("no model"))]

    started = time.monotonic()
    readiness = await check_readiness(probes, timeout_seconds=0.2)

    assert time.monotonic() - started < 1
    assert readiness.checks == {"store": "timed out after 0.2 s", "model": "failed: RuntimeError"}
    assert readiness.summary() == "not ready: store and model unavailable"


async def test_probes_run_concurrently() -> None:
    probes = [StubProbe(f"p{index}", delay=0.3) for index in range(5)]

    started = time.monotonic()
    readiness = await check_readiness(probes)

    assert readiness.ready
    assert time.monotonic() - started < 1.0


async def test_no_probes_is_ready() -> None:
    assert (await check_readiness([])).ready


async def test_model_probe_fails_without_a_card() -> None:
    probes = with_model_probe([StubProbe("database")], card=None)

    readiness = await check_readiness(probes)

    assert readiness.checks == {"database": OK, "model": "failed: ModelMissing"}


async def test_model_probe_is_not_doubled() -> None:
    probes = with_model_probe([StubProbe("model")], card=None)

    assert [probe.name for probe in probes] == ["model"]
    assert not any(isinstance(probe, ModelCardProbe) for probe in probes)
