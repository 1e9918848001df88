"""Small builders for infra tests."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

from domain.sessions import Session
from domain.users import NewUser, Role


def unique_email(name: str = "user") -> str:
    return f"{name}-{uuid.uuid4().hex[:10]}@example.com"


def new_user(email: str | None = None, **fields: object) -> NewUser:
    values: dict[str, object] = {
        "email": email or unique_email(),
        "password_hash": "$argon2id$not-a-real-hash",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "role": Role.USER,
        "is_active": True,
    }
    values.update(fields)
    return NewUser(**values)  # type: ignore[arg-type]


def new_session(user_id: int, lifetime: timedelta = timedelta(hours=1)) -> Session:
    now = datetime.now(UTC)
    return Session(
        token_hash=secrets.token_hex(32),
        user_id=user_id,
        auth_version=1,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
    )
