"""Self-service: registering, the profile, the password, the avatar, leaving."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import NamedTuple

import msgspec

from domain.auth import AuthService
from domain.blobs import BlobNotFound, BlobStore, new_blob_key, user_prefix
from domain.emails import valid_email
from domain.errors import Conflict, InvalidInput, NotFound, TooLarge, UnsupportedMedia
from domain.passwords_policy import check_new_password
from domain.sessions import Session
from domain.users import EmailTaken, NewUser, PasswordHasher, User, UserChanges, UserRepository

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 100

# Magic numbers at the start of each accepted image format.
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_SNIFF_BYTES = 12


def clean_name(field: str, value: str, *, required: bool) -> str:
    """Trim a person's name and reject empty or unprintable values."""
    name = value.strip()
    if required and not name:
        raise InvalidInput(f"{field} must not be empty")
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidInput(f"{field} must be at most {NAME_MAX_LENGTH} characters long")
    if not name.isprintable():
        raise InvalidInput(f"{field} must not contain control characters")

    return name


def image_type(head: bytes) -> str | None:
    """The content type of an image judged by its first bytes, or None."""
    if head.startswith(_PNG):
        return "image/png"
    if head.startswith(_JPEG):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"

    return None


class Avatar(NamedTuple):
    content_type: str
    chunks: AsyncIterator[bytes]


class Accounts:
    """What a user may do to their own account."""

    def __init__(
        self,
        *,
        users: UserRepository,
        hasher: PasswordHasher,
        auth: AuthService,
        blobs: BlobStore,
        avatar_max_bytes: int,
    ) -> None:
        self._users = users
        self._hasher = hasher
        self._auth = auth
        self._blobs = blobs
        self._avatar_max_bytes = avatar_max_bytes

    async def register(
        self, email: str, password: str, first_name: str, last_name: str = ""
    ) -> User:
        """Create an ordinary, active account."""
        email = valid_email(email)
        first_name = clean_name("first_name", first_name, required=True)
        last_name = clean_name("last_name", last_name, required=False)
        check_new_password(password)

        password_hash = await self._hasher.hash(password)
        new = NewUser(
            email=email,
            password_hash=password_hash,
            first_name=first_name,
            last_name=last_name,
        )

        try:
            user = await self._users.add(new)
        except EmailTaken:
            raise Conflict(f"email {new.email!r} is already registered") from None

        logger.info("user registered user_id=%s", user.id)
        return user

    async def update_profile(
        self,
        user: User,
        first_name: str | msgspec.UnsetType = msgspec.UNSET,
        last_name: str | msgspec.UnsetType = msgspec.UNSET,
    ) -> User:
        changes = UserChanges()
        if first_name is not msgspec.UNSET:
            changes.first_name = clean_name("first_name", first_name, required=True)
        if last_name is not msgspec.UNSET:
            changes.last_name = clean_name("last_name", last_name, required=False)

        return await self._apply(user.id, changes)

    async def change_password(
        self, user: User, session: Session, current_password: str, new_password: str
    ) -> None:
        """Set a new password; every other session of the user ends."""
        await self._auth.confirm_password(user, current_password)
        check_new_password(new_password)

        password_hash = await self._hasher.hash(new_password)
        changes = UserChanges(password_hash=password_hash, bump_auth_version=True)
        updated = await self._apply(user.id, changes)

        await self._auth.carry_over(session, updated.auth_version)
        await self._auth.revoke_sessions_of(user.id, keep=session.token_hash)
        logger.info("password changed user_id=%s", user.id)

    async def delete_account(self, user: User, password: str) -> None:
        """Remove the user with their sessions and stored objects."""
        await self._auth.confirm_password(user, password)
        async with self._users.admin_seats():
            current = await self._users.get(user.id)
            if current is None:
                raise NotFound("this account no longer exists")
            last_admin = current.is_admin and current.is_active
            if last_admin and await self._users.count_active_admins() <= 1:
                raise Conflict("you are the last active admin; make someone else admin first")

            await self._auth.revoke_sessions_of(user.id)
            await self._blobs.delete_prefix(user_prefix(user.id))
            await self._users.delete(user.id)
        logger.info("account deleted user_id=%s", user.id)

    async def replace_avatar(self, user: User, chunks: AsyncIterator[bytes]) -> User:
        """Store a new avatar, judged by its content, and drop the old one."""
        head, chunks = await _peek(chunks, _SNIFF_BYTES)
        content_type = image_type(head)
        if content_type is None:
            raise UnsupportedMedia("the avatar must be a PNG, JPEG or WebP image")

        key = new_blob_key(user.id, "avatar")
        await self._store_limited(key, chunks, content_type)

        changes = UserChanges(avatar_key=key, avatar_content_type=content_type)
        try:
            updated = await self._apply(user.id, changes)
        except NotFound:
            await self._blobs.delete(key)
            raise

        if user.avatar_key is not None:
            await self._blobs.delete(user.avatar_key)

        return updated

    async def open_avatar(self, user: User) -> Avatar:
        """The stored avatar, ready to stream; `NotFound` if there is none."""
        if user.avatar_key is None or user.avatar_content_type is None:
            raise NotFound("you have no avatar")

        chunks = self._blobs.get(user.avatar_key)
        try:
            first = await anext(chunks)
        except BlobNotFound:
            raise NotFound("you have no avatar") from None
        except StopAsyncIteration:
            first = b""

        return Avatar(user.avatar_content_type, _prepend(first, chunks))

    async def remove_avatar(self, user: User) -> None:
        if user.avatar_key is None:
            return

        await self._apply(user.id, UserChanges(avatar_key=None, avatar_content_type=None))
        await self._blobs.delete(user.avatar_key)

    async def _store_limited(
        self, key: str, chunks: AsyncIterator[bytes], content_type: str
    ) -> None:
        limit = self._avatar_max_bytes
        over_limit = False

        async def counted() -> AsyncIterator[bytes]:
            nonlocal over_limit
            size = 0
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    over_limit = True
                    raise TooLarge(f"the avatar must be at most {limit} bytes")
                yield chunk

        try:
            await self._blobs.put(key, counted(), content_type)
        except Exception:
            await self._blobs.delete(key)
            if over_limit:
                raise TooLarge(f"the avatar must be at most {limit} bytes") from None
            raise

    async def _apply(self, user_id: int, changes: UserChanges) -> User:
        updated = await self._users.update(user_id, changes)
        if updated is None:
            raise NotFound("this account no longer exists")

        return updated


async def _peek(chunks: AsyncIterator[bytes], size: int) -> tuple[bytes, AsyncIterator[bytes]]:
    """Read at least `size` bytes (if there are that many) without losing them."""
    head = b""
    async for chunk in chunks:
        head += chunk
        if len(head) >= size:
            break

    return head[:size], _prepend(head, chunks)


async def _prepend(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if first:
        yield first
    async for chunk in rest:
        yield chunk
