"""Bodies of the service endpoints."""

from typing import Any, Literal

import msgspec


class Health(msgspec.Struct, frozen=True):
    status: Literal["ok"]


class Ready(msgspec.Struct, frozen=True):
    status: Literal["ready"]
    checks: dict[str, str]


class Version(msgspec.Struct, frozen=True):
    version: str
    model_version: str | None


ModelCard = dict[str, Any]
