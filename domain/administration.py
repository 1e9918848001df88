"""What an admin may do to other accounts, and the default admin."""

from __future__ import annotations

import logging

import msgspec

from domain.accounts import clean_name
from domain.auth import AuthService
from domain.blobs import BlobStore, user_prefix
from domain.emails import valid_email
from domain.errors import Conflict, InvalidInput, NotFound
from domain.passwords_policy import check_new_password
from domain.users import (
    EmailTaken,
    NewUser,
    PasswordHasher,
    Role,
    User,
    UserChanges,
    UserRepository,
)

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 100


class UserPage(msgspec.Struct, kw_only=True):
    items: list[User]
    total: int
    page: int
    page_size: int


class Administration:
    """Listing, creating, editing and deleting users on an admin's behalf."""

    def __init__(
        self,
        *,
        users: UserRepository,
        hasher: PasswordHasher,
        auth: AuthService,
        blobs: BlobStore,
    ) -> None:
        self._users = users
        self._hasher = hasher
        self._auth = auth
        self._blobs = blobs

    async def list_users(self, q: str | None, page: int, page_size: int) -> UserPage:
        """One page of users, newest first; `q` filters by email or names."""
        page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
        page = max(page, 1)
        query = q.strip() if q else None
        if query and "\x00" in query:
            raise InvalidInput("q must not contain a NUL character")

        offset = (page - 1) * page_size
        items, total = await self._users.search(query or None, offset, page_size)

        return UserPage(items=items, total=total, page=page, page_size=page_size)

    async def get_user(self, user_id: int) -> User:
        user = await self._users.get(user_id)
        if user is None:
            raise NotFound(f"user {user_id} does not exist")

        return user

    async def create_user(
        self,
        *,
        email: str,
        password: str,
        first_name: str,
        last_name: str = "",
        role: Role = Role.USER,
        is_active: bool = True,
    ) -> User:
        email = valid_email(email)
        first_name = clean_name("first_name", first_name, required=True)
        last_name = clean_name("last_name", last_name, required=False)
        check_new_password(password)

        new = NewUser(
            email=email,
            password_hash=await self._hasher.hash(password),
            first_name=first_name,
            last_name=last_name,
            role=role,
            is_active=is_active,
        )
        user = await self._add(new)
        logger.info("user created by admin user_id=%s role=%s", user.id, user.role)

        return user

    async def update_user(
        self,
        actor: User,
        user_id: int,
        *,
        first_name: str | msgspec.UnsetType = msgspec.UNSET,
        last_name: str | msgspec.UnsetType = msgspec.UNSET,
        role: Role | msgspec.UnsetType = msgspec.UNSET,
        is_active: bool | msgspec.UnsetType = msgspec.UNSET,
        password: str | msgspec.UnsetType = msgspec.UNSET,
    ) -> User:
        """Apply an admin's edit; role, activity and password changes end
        the user's sessions at once."""
        changes = UserChanges()
        if first_name is not msgspec.UNSET:
            changes.first_name = clean_name("first_name", first_name, required=True)
        if last_name is not msgspec.UNSET:
            changes.last_name = clean_name("last_name", last_name, required=False)
        if password is not msgspec.UNSET:
            check_new_password(password)
            changes.password_hash = await self._hasher.hash(password)

        async with self._users.admin_seats():
            target = await self.get_user(user_id)
            if role is not msgspec.UNSET and role is not target.role:
                changes.role = role
            if is_active is not msgspec.UNSET and is_active is not target.is_active:
                changes.is_active = is_active
            await self._refuse_losing_admin(actor, target, changes)

            changes.bump_auth_version = any(
                value is not msgspec.UNSET
                for value in (changes.role, changes.is_active, changes.password_hash)
            )
            updated = await self._users.update(user_id, changes)

        if updated is None:
            raise NotFound(f"user {user_id} does not exist")
        if changes.bump_auth_version:
            await self._auth.revoke_sessions_of(user_id)

        return updated

    async def delete_user(self, actor: User, user_id: int) -> None:
        """Remove a user with their sessions and stored objects."""
        if actor.id == user_id:
            raise Conflict("you cannot delete your own account here; another admin must")

        async with self._users.admin_seats():
            target = await self.get_user(user_id)
            if target.is_admin and target.is_active:
                await self._refuse_last_admin(target)

            await self._auth.revoke_sessions_of(user_id)
            await self._blobs.delete_prefix(user_prefix(user_id))
            await self._users.delete(user_id)

        logger.info("user deleted by admin user_id=%s actor_id=%s", user_id, actor.id)

    async def ensure_default_admin(self, email: str, password: str) -> User | None:
        """Create the configured admin on a first start; None if not needed.

        The configured password skips the strength rule: the development
        default is documented, and production refuses it at start-up.
        """
        email = valid_email(email)
        if await self._users.count_active_admins() > 0:
            return None
        if await self._users.get_by_email(email) is not None:
            return None

        new = NewUser(
            email=email,
            password_hash=await self._hasher.hash(password),
            first_name="Admin",
            role=Role.ADMIN,
        )
        try:
            user = await self._users.add(new)
        except EmailTaken:
            return None

        logger.info("default admin created user_id=%s", user.id)
        return user

    async def _add(self, new: NewUser) -> User:
        try:
            return await self._users.add(new)
        except EmailTaken:
            raise Conflict(f"email {new.email!r} is already registered") from None

    async def _refuse_losing_admin(self, actor: User, target: User, changes: UserChanges) -> None:
        demoted = changes.role is not msgspec.UNSET and changes.role is not Role.ADMIN
        deactivated = changes.is_active is False
        if not (demoted or deactivated) or not target.is_admin:
            return

        if actor.id == target.id:
            what = "remove your own admin role" if demoted else "deactivate your own account"
            raise Conflict(f"you cannot {what}; another admin must")

        if target.is_active:
            await self._refuse_last_admin(target)

    async def _refuse_last_admin(self, target: User) -> None:
        if await self._users.count_active_admins() <= 1:
            raise Conflict(f"{target.email} is the last active admin; promote another user first")
