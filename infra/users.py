"""Users kept in Postgres through Piccolo."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import msgspec
from piccolo.columns import Column
from piccolo.columns.combination import Or

from domain.users import EmailTaken, NewUser, Role, User, UserChanges
from infra.db.search import like_pattern
from infra.db.tables import UserRow

_COLUMNS = UserRow.all_columns()

# The key of the Postgres advisory lock behind `admin_seats`; any constant
# will do as long as nothing else in the database takes the same one.
ADMIN_SEATS_LOCK = 7_301_954_126


def normalise_email(email: str) -> str:
    """Emails are compared and stored lower-cased."""
    return email.strip().lower()


def _to_user(row: dict[str, Any]) -> User:
    return msgspec.convert(row, User)


class PiccoloUserRepository:
    """`UserRepository` over the `tonality_user` table."""

    async def get(self, user_id: int) -> User | None:
        row = await UserRow.select(*_COLUMNS).where(UserRow.id == user_id).first()
        return _to_user(row) if row else None

    async def get_by_email(self, email: str) -> User | None:
        query = UserRow.select(*_COLUMNS).where(UserRow.email == normalise_email(email))
        row = await query.first()
        return _to_user(row) if row else None

    async def add(self, new: NewUser) -> User:
        row = UserRow(
            email=normalise_email(new.email),
            password_hash=new.password_hash,
            first_name=new.first_name,
            last_name=new.last_name,
            role=new.role.value,
            is_active=new.is_active,
        )

        # The unique index decides between concurrent registrations.
        try:
            inserted = await UserRow.insert(row).returning(*_COLUMNS)
        except asyncpg.UniqueViolationError as error:
            raise EmailTaken(f"{row.email} is already registered") from error

        return _to_user(inserted[0])

    async def update(self, user_id: int, changes: UserChanges) -> User | None:
        values = _changed_values(changes)
        if not values:
            return await self.get(user_id)

        query = UserRow.update(values).where(UserRow.id == user_id).returning(*_COLUMNS)
        rows = await query
        return _to_user(rows[0]) if rows else None

    async def delete(self, user_id: int) -> bool:
        rows = await UserRow.delete().where(UserRow.id == user_id).returning(UserRow.id)
        return bool(rows)

    async def search(self, q: str | None, offset: int, limit: int) -> tuple[list[User], int]:
        where = _matching(q)
        page = UserRow.select(*_COLUMNS).order_by(UserRow.created_at, UserRow.id, ascending=False)
        count = UserRow.count()
        if where is not None:
            page = page.where(where)
            count = count.where(where)

        rows = await page.offset(offset).limit(limit)
        total = await count
        return [_to_user(row) for row in rows], total

    async def count_active_admins(self) -> int:
        query = UserRow.count().where(UserRow.role == Role.ADMIN.value, UserRow.is_active.eq(True))
        return await query

    @asynccontextmanager
    async def admin_seats(self) -> AsyncIterator[None]:
        """A session-level advisory lock on a connection of its own.

        The guarded queries run on other pooled connections and commit as
        they go, so the next holder sees them. If this process dies, its
        connection closes and Postgres drops the lock with it.
        """
        engine: Any = UserRow._meta.db
        pool = getattr(engine, "pool", None)
        connection = await (pool.acquire() if pool is not None else engine.get_new_connection())
        try:
            await connection.execute("SELECT pg_advisory_lock($1)", ADMIN_SEATS_LOCK)
            try:
                yield
            finally:
                await connection.execute("SELECT pg_advisory_unlock($1)", ADMIN_SEATS_LOCK)
        finally:
            await (pool.release(connection) if pool is not None else connection.close())


def _matching(q: str | None) -> Or | None:
    text = (q or "").strip()
    if not text:
        return None

    pattern = like_pattern(text)
    return (
        UserRow.email.ilike(pattern)
        | UserRow.first_name.ilike(pattern)
        | UserRow.last_name.ilike(pattern)
    )


def _changed_values(changes: UserChanges) -> dict[Column | str, Any]:
    """The UPDATE's SET clause for the fields that are not UNSET."""
    role = changes.role.value if isinstance(changes.role, Role) else changes.role
    fields: dict[Column | str, Any] = {
        UserRow.first_name: changes.first_name,
        UserRow.last_name: changes.last_name,
        UserRow.role: role,
        UserRow.is_active: changes.is_active,
        UserRow.password_hash: changes.password_hash,
        UserRow.avatar_key: changes.avatar_key,
        UserRow.avatar_content_type: changes.avatar_content_type,
    }
    values = {column: value for column, value in fields.items() if value is not msgspec.UNSET}
    if changes.bump_auth_version:
        values[UserRow.auth_version] = UserRow.auth_version + 1

    return values
