"""Readiness probes for the backing services."""

from typing import Protocol


class Probe(Protocol):
    """One dependency; `check` raises when it cannot be used."""

    name: str

    async def check(self) -> None: ...
