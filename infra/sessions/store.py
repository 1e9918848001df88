"""The durable session record in Postgres."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.sessions import Session
from infra.db.tables import SessionRow

_COLUMNS = (
    SessionRow.token_hash,
    SessionRow.user.as_alias("user_id"),
    SessionRow.auth_version,
    SessionRow.created_at,
    SessionRow.last_seen_at,
    SessionRow.expires_at,
)


def _to_session(row: dict[str, Any]) -> Session:
    return Session(**row)


class PostgresSessionStore:
    """`SessionStore` over the `tonality_session` table."""

    async def add(self, session: Session) -> None:
        row = SessionRow(
            token_hash=session.token_hash,
            user=session.user_id,
            auth_version=session.auth_version,
            created_at=session.created_at,
            last_seen_at=session.last_seen_at,
            expires_at=session.expires_at,
        )
        await SessionRow.insert(row)

    async def get(self, token_hash: str) -> Session | None:
        query = SessionRow.select(*_COLUMNS).where(SessionRow.token_hash == token_hash)
        row = await query.first()
        return _to_session(row) if row else None

    async def touch(self, token_hash: str, last_seen_at: datetime) -> None:
        await SessionRow.update({SessionRow.last_seen_at: last_seen_at}).where(
            SessionRow.token_hash == token_hash
        )

    async def set_auth_version(self, token_hash: str, auth_version: int) -> None:
        await SessionRow.update({SessionRow.auth_version: auth_version}).where(
            SessionRow.token_hash == token_hash
        )

    async def delete(self, token_hash: str) -> None:
        await SessionRow.delete().where(SessionRow.token_hash == token_hash)

    async def delete_for_user(self, user_id: int, keep: str | None = None) -> list[str]:
        query = SessionRow.delete().where(SessionRow.user == user_id)
        if keep is not None:
            query = query.where(SessionRow.token_hash != keep)

        rows = await query.returning(SessionRow.token_hash)
        return [row["token_hash"] for row in rows]

    async def delete_expired(self, now: datetime) -> int:
        query = SessionRow.delete().where(SessionRow.expires_at <= now)
        rows = await query.returning(SessionRow.token_hash)
        return len(rows)
