"""Response shapes shared by several endpoints."""

from __future__ import annotations

from datetime import datetime

import msgspec

from domain.administration import UserPage
from domain.users import Role, User


class UserOut(msgspec.Struct, kw_only=True):
    """A user as clients see it: never a password or its hash."""

    id: int
    email: str
    first_name: str
    last_name: str
    role: Role
    is_active: bool
    created_at: datetime
    has_avatar: bool

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            role=user.role,
            is_active=user.is_active,
            created_at=user.created_at,
            has_avatar=user.has_avatar,
        )


class UserPageOut(msgspec.Struct, kw_only=True):
    items: list[UserOut]
    total: int
    page: int
    page_size: int

    @classmethod
    def of(cls, page: UserPage) -> UserPageOut:
        return cls(
            items=[UserOut.of(user) for user in page.items],
            total=page.total,
            page=page.page,
            page_size=page.page_size,
        )
