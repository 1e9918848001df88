"""Users, roles and the repository that keeps them."""

from __future__ import annotations

import enum
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

import msgspec


class Role(enum.StrEnum):
    USER = "user"
    ADMIN = "admin"


class User(msgspec.Struct, kw_only=True):
    """A stored account. `auth_version` grows whenever a change must end
    the user's sessions (role, activity, password)."""

    id: int
    email: str
    first_name: str
    last_name: str
    role: Role
    is_active: bool
    created_at: datetime
    password_hash: str
    auth_version: int = 1
    avatar_key: str | None = None
    avatar_content_type: str | None = None

    @property
    def has_avatar(self) -> bool:
        return self.avatar_key is not None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


class NewUser(msgspec.Struct, kw_only=True):
    email: str
    password_hash: str
    first_name: str
    last_name: str = ""
    role: Role = Role.USER
    is_active: bool = True


class UserChanges(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Fields to change; `msgspec.UNSET` means leave as is."""

    first_name: str | msgspec.UnsetType = msgspec.UNSET
    last_name: str | msgspec.UnsetType = msgspec.UNSET
    role: Role | msgspec.UnsetType = msgspec.UNSET
    is_active: bool | msgspec.UnsetType = msgspec.UNSET
    password_hash: str | msgspec.UnsetType = msgspec.UNSET
    avatar_key: str | msgspec.UnsetType | None = msgspec.UNSET
    avatar_content_type: str | msgspec.UnsetType | None = msgspec.UNSET
    bump_auth_version: bool = False


class EmailTaken(Exception):
    """Raised by a repository when the email already belongs to a user."""


class UserRepository(Protocol):
    async def get(self, user_id: int) -> User | None: ...

    async def get_by_email(self, email: str) -> User | None:
        """Look up case-insensitively."""
        ...

    async def add(self, new: NewUser) -> User:
        """Store a user; raise `EmailTaken` if the email is in use."""
        ...

    async def update(self, user_id: int, changes: UserChanges) -> User | None: ...

    async def delete(self, user_id: int) -> bool: ...

    async def search(self, q: str | None, offset: int, limit: int) -> tuple[list[User], int]:
        """Users whose email or names contain `q`, newest first, and the total."""
        ...

    async def count_active_admins(self) -> int: ...

    def admin_seats(self) -> AbstractAsyncContextManager[None]:
        """Held while deciding on and making a change to who is an active
        admin, so that no two such changes, in any process, interleave."""
        ...


class PasswordHasher(Protocol):
    """Slow, salted hashing; implementations keep the work off the event loop."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...
