"""In-memory stand-ins for the domain's protocols, for rule-level tests."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import msgspec

from domain.sessions import Session
from domain.users import EmailTaken, NewUser, User, UserChanges


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Users:
    def __init__(self) -> None:
        self.rows: dict[int, User] = {}
        self.seats = asyncio.Lock()

    async def get(self, user_id: int) -> User | None:
        return self.rows.get(user_id)

    async def get_by_email(self, email: str) -> User | None:
        return next((u for u in self.rows.values() if u.email == email.lower()), None)

    async def add(self, new: NewUser) -> User:
        if await self.get_by_email(new.email):
            raise EmailTaken(new.email)
        user = User(
            id=len(self.rows) + 1,
            created_at=datetime.now(UTC),
            **msgspec.structs.asdict(new),
        )
        self.rows[user.id] = user
        return user

    async def update(self, user_id: int, changes: UserChanges) -> User | None:
        user = self.rows.get(user_id)
        if user is None:
            return None
        values = {
            name: value
            for name, value in msgspec.structs.asdict(changes).items()
            if value is not msgspec.UNSET and name != "bump_auth_version"
        }
        if changes.bump_auth_version:
            values["auth_version"] = user.auth_version + 1
        self.rows[user_id] = msgspec.structs.replace(user, **values)
        return self.rows[user_id]

    async def delete(self, user_id: int) -> bool:
        return self.rows.pop(user_id, None) is not None

    async def search(self, q: str | None, offset: int, limit: int) -> tuple[list[User], int]:
        found = [u for u in self.rows.values() if not q or q in u.email]
        return found[offset : offset + limit], len(found)

    async def count_active_admins(self) -> int:
        return sum(1 for u in self.rows.values() if u.is_admin and u.is_active)

    def admin_seats(self) -> asyncio.Lock:
        return self.seats


class Hasher:
    async def hash(self, password: str) -> str:
        return f"hashed:{password}"

    async def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == f"hashed:{password}"


class Store:
    def __init__(self) -> None:
        self.rows: dict[str, Session] = {}
        self.touches = 0
        self.broken = False

    async def add(self, session: Session) -> None:
        self.rows[session.token_hash] = session

    async def get(self, token_hash: str) -> Session | None:
        return self.rows.get(token_hash)

    async def touch(self, token_hash: str, last_seen_at: datetime) -> None:
        self.touches += 1
        if token_hash in self.rows:
            self.rows[token_hash].last_seen_at = last_seen_at

    async def set_auth_version(self, token_hash: str, auth_version: int) -> None:
        if token_hash in self.rows:
            self.rows[token_hash].auth_version = auth_version

    async def delete(self, token_hash: str) -> None:
        if self.broken:
            raise ConnectionRefusedError("database down")
        self.rows.pop(token_hash, None)

    async def delete_for_user(self, user_id: int, keep: str | None = None) -> list[str]:
        doomed = [h for h, s in self.rows.items() if s.user_id == user_id and h != keep]
        for token_hash in doomed:
            del self.rows[token_hash]
        return doomed

    async def delete_expired(self, now: datetime) -> int:
        return 0


class Cache:
    """Keeps copies, like memcached; `frozen` drops writes as an outage would."""

    def __init__(self) -> None:
        self.items: dict[str, Session] = {}
        self.frozen = False

    async def get(self, token_hash: str) -> Session | None:
        found = self.items.get(token_hash)
        return None if found is None else msgspec.structs.replace(found)

    async def set(self, session: Session, ttl_seconds: int) -> None:
        if not self.frozen:
            self.items[session.token_hash] = msgspec.structs.replace(session)

    async def delete(self, token_hash: str) -> None:
        if not self.frozen:
            self.items.pop(token_hash, None)


class Throttle:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    async def failures(self, email: str, now: datetime) -> tuple[int, datetime | None]:
        return self.counts.get(email, 0), None

    async def record_failure(self, email: str, now: datetime) -> None:
        self.counts[email] = self.counts.get(email, 0) + 1

    async def reset(self, email: str) -> None:
        self.counts.pop(email, None)
