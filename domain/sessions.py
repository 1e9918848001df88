"""Login sessions: a durable record plus an optional fast cache."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import msgspec


class Session(msgspec.Struct, kw_only=True):
    """What the server knows of a session. Only the token's hash is kept."""

    token_hash: str
    user_id: int
    auth_version: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


class SessionStore(Protocol):
    """The durable record (Postgres)."""

    async def add(self, session: Session) -> None: ...

    async def get(self, token_hash: str) -> Session | None: ...

    async def touch(self, token_hash: str, last_seen_at: datetime) -> None: ...

    async def set_auth_version(self, token_hash: str, auth_version: int) -> None: ...

    async def delete(self, token_hash: str) -> None: ...

    async def delete_for_user(self, user_id: int, keep: str | None = None) -> list[str]:
        """Delete the user's sessions but `keep`; return the deleted hashes."""
        ...

    async def delete_expired(self, now: datetime) -> int: ...


class SessionCache(Protocol):
    """A best-effort cache in front of the store. Every method swallows
    outages of the cache itself: a miss is always a safe answer."""

    async def get(self, token_hash: str) -> Session | None: ...

    async def set(self, session: Session, ttl_seconds: int) -> None: ...

    async def delete(self, token_hash: str) -> None: ...


class LoginThrottle(Protocol):
    """Counts failed logins per account name (existing or not)."""

    async def failures(self, email: str, now: datetime) -> tuple[int, datetime | None]:
        """Failures in the current window and when the lock (if any) ends."""
        ...

    async def record_failure(self, email: str, now: datetime) -> None: ...

    async def reset(self, email: str) -> None: ...
