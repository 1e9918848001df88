"""Whether the service can do its work: every probe run at once, each bounded."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from domain.health import Probe

logger = logging.getLogger(__name__)

OK = "ok"
MODEL = "model"


class Readiness(msgspec.Struct, frozen=True):
    """`checks` maps each probe name to "ok" or a short reason it failed."""

    checks: dict[str, str]

    @property
    def failed(self) -> list[str]:
        return [name for name, outcome in self.checks.items() if outcome != OK]

    @property
    def ready(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        """A sentence naming what is not usable, e.g. "not ready: cache unavailable"."""
        if self.ready:
            return "ready"

        return f"not ready: {' and '.join(self.failed)} unavailable"


class ModelMissing(Exception):
    """No model card was found when the service started."""


class ModelCardProbe:
    """The model counts as usable when its card was found at start."""

    name = MODEL

    def __init__(self, card: Mapping[str, Any] | None) -> None:
        self._card = card

    async def check(self) -> None:
        if self._card is None:
            raise ModelMissing("no model card")


def with_model_probe(probes: Sequence[Probe], card: Mapping[str, Any] | None) -> list[Probe]:
    """`probes` plus a model check, unless one of them already checks the model."""
    if any(probe.name == MODEL for probe in probes):
        return list(probes)

    return [*probes, ModelCardProbe(card)]


async def check_readiness(probes: Sequence[Probe], timeout_seconds: float = 2.0) -> Readiness:
    """Run every probe concurrently; a probe slower than the timeout counts as failed."""
    outcomes = await asyncio.gather(*(_run(probe, timeout_seconds) for probe in probes))

    checks = {probe.name: outcome for probe, outcome in zip(probes, outcomes, strict=True)}

    return Readiness(checks=checks)


async def _run(probe: Probe, timeout_seconds: float) -> str:
    try:
        await asyncio.wait_for(probe.check(), timeout_seconds)
    except TimeoutError:
        logger.warning("probe timed out probe=%s seconds=%s", probe.name, timeout_seconds)
        return f"timed out after {timeout_seconds:g} s"
    except Exception as error:
        # The full reason goes to the log; the public answer names only its kind.
        logger.warning("probe failed probe=%s error=%r", probe.name, error)
        return f"failed: {type(error).__name__}"

    return OK
