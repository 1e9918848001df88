"""Logging in and out, and turning a session token back into a user.

The store (Postgres) is the truth; the cache only saves a query. Every
request also reloads the user, so a change that ends sessions (role,
activity, password, deletion) takes effect on the next request even when
a cache invalidation was lost.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import math
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import msgspec

from domain.emails import normalise_email
from domain.errors import Forbidden, NotAuthenticated, TooManyAttempts
from domain.sessions import LoginThrottle, Session, SessionCache, SessionStore
from domain.users import PasswordHasher, User, UserRepository

logger = logging.getLogger(__name__)

TOKEN_BYTES = 32
TOUCH_INTERVAL = timedelta(minutes=1)
# A cached copy lives at most this long, which bounds how long a session
# deleted while the cache was unreachable could linger there.
MAX_CACHE_SECONDS = 300
BAD_CREDENTIALS = "email or password is incorrect"

# What `secrets.token_urlsafe(TOKEN_BYTES)` produces; anything else is
# refused before it reaches a database.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def utc_now() -> datetime:
    return datetime.now(UTC)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LoginResult(NamedTuple):
    user: User
    token: str
    csrf_token: str


class Authenticated(NamedTuple):
    user: User
    session: Session


class AuthService:
    """Sessions: issue on login, resolve per request, end on logout or revocation."""

    def __init__(
        self,
        *,
        users: UserRepository,
        hasher: PasswordHasher,
        store: SessionStore,
        cache: SessionCache,
        throttle: LoginThrottle,
        secret_key: str,
        idle_seconds: int,
        absolute_seconds: int,
        max_failures: int,
        lock_seconds: int,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._users = users
        self._hasher = hasher
        self._store = store
        self._cache = cache
        self._throttle = throttle
        self._secret = secret_key.encode()
        self._idle = timedelta(seconds=idle_seconds)
        self._absolute = timedelta(seconds=absolute_seconds)
        self._max_failures = max_failures
        self._lock_seconds = lock_seconds
        self._clock = clock
        self._dummy_hash: str | None = None

    @property
    def absolute_seconds(self) -> int:
        return int(self._absolute.total_seconds())

    async def login(self, email: str, password: str, replacing: str | None = None) -> LoginResult:
        """Check the credentials and open a session.

        Unknown email, wrong password and inactive account fail alike, in
        about the same time, so a failure never tells whether an account
        exists. `replacing` is a token the client still holds; it is ended.
        """
        email = normalise_email(email)
        if "\x00" in email:
            # No account can have it, and no database text can hold it.
            await self._password_matches(None, password)
            raise NotAuthenticated(BAD_CREDENTIALS)

        now = self._clock()
        await self._refuse_if_locked(email, now)

        user = await self._users.get_by_email(email)
        if not await self._password_matches(user, password) or user is None or not user.is_active:
            await self._throttle.record_failure(email, now)
            logger.info("login failed")
            raise NotAuthenticated(BAD_CREDENTIALS)

        await self._throttle.reset(email)
        if replacing is not None:
            await self.logout(replacing)

        token = secrets.token_urlsafe(TOKEN_BYTES)
        session = await self._open_session(user, hash_token(token), now)
        logger.info("login succeeded user_id=%s", user.id)

        return LoginResult(user, token, self.csrf_token(session))

    async def confirm_password(self, user: User, password: str) -> None:
        """Guard a sensitive change with the current password, throttled like a login."""
        now = self._clock()
        await self._refuse_if_locked(user.email, now)

        if not await self._hasher.verify(user.password_hash, password):
            await self._throttle.record_failure(user.email, now)
            raise Forbidden("the password is incorrect")

        await self._throttle.reset(user.email)

    async def resolve(self, token: str | None) -> Authenticated | None:
        """The user and session behind `token`, or None if it no longer counts."""
        if token is None or not _TOKEN_SHAPE.fullmatch(token):
            return None

        token_hash = hash_token(token)
        now = self._clock()
        cached = await self._cache.get(token_hash)
        if cached is not None and (found := await self._accept(cached, now)):
            return await self._touch(found, now, refill=False)

        # A miss, or a cached copy that may be stale: the store decides.
        stored = await self._store.get(token_hash)
        if stored is None:
            if cached is not None:
                await self._cache.delete(token_hash)
            return None

        if self._expired(stored, now):
            await self._end(token_hash)
            return None

        found = await self._accept(stored, now)
        if found is None:
            return None

        return await self._touch(found, now, refill=True)

    async def logout(self, token: str | None) -> None:
        """End the session behind `token`, if any. Never fails.

        A store outage is logged and swallowed: the client drops its cookie
        either way, and the record expires on its own.
        """
        if token is None or not _TOKEN_SHAPE.fullmatch(token):
            return

        try:
            await self._end(hash_token(token))
        except Exception:
            logger.warning("logout could not delete the session", exc_info=True)

    async def revoke_sessions_of(self, user_id: int, keep: str | None = None) -> int:
        """End every session of the user except `keep` (a token hash)."""
        deleted = await self._store.delete_for_user(user_id, keep=keep)
        for token_hash in deleted:
            await self._cache.delete(token_hash)

        logger.info("sessions revoked user_id=%s count=%s", user_id, len(deleted))
        return len(deleted)

    async def carry_over(self, session: Session, auth_version: int) -> None:
        """Keep `session` valid after its user's auth version moved on."""
        await self._store.set_auth_version(session.token_hash, auth_version)

        updated = msgspec.structs.replace(session, auth_version=auth_version)
        await self._cache.set(updated, self._cache_seconds(updated, self._clock()))

    async def purge_expired(self) -> int:
        return await self._store.delete_expired(self._clock())

    def csrf_token(self, session: Session) -> str:
        """The value a client must echo in `X-CSRF-Token` for this session."""
        digest = hmac.new(self._secret, session.token_hash.encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()

    def csrf_matches(self, session: Session, presented: str | None) -> bool:
        if not presented:
            return False

        return hmac.compare_digest(presented.encode(), self.csrf_token(session).encode())

    async def _refuse_if_locked(self, email: str, now: datetime) -> None:
        failures, locked_until = await self._throttle.failures(email, now)
        if locked_until is not None and locked_until > now:
            retry_after = math.ceil((locked_until - now).total_seconds())
        elif failures >= self._max_failures:
            retry_after = self._lock_seconds
        else:
            return

        logger.info("login throttled retry_after=%s", retry_after)
        raise TooManyAttempts(
            f"too many failed attempts; try again in {retry_after} seconds",
            retry_after=max(retry_after, 1),
        )

    async def _password_matches(self, user: User | None, password: str) -> bool:
        if user is not None:
            return await self._hasher.verify(user.password_hash, password)

        # Same work for an unknown email, so timing reveals nothing.
        if self._dummy_hash is None:
            self._dummy_hash = await self._hasher.hash(secrets.token_urlsafe(16))
        await self._hasher.verify(self._dummy_hash, password)

        return False

    async def _open_session(self, user: User, token_hash: str, now: datetime) -> Session:
        session = Session(
            token_hash=token_hash,
            user_id=user.id,
            auth_version=user.auth_version,
            created_at=now,
            last_seen_at=now,
            expires_at=now + self._absolute,
        )
        await self._store.add(session)
        await self._cache.set(session, self._cache_seconds(session, now))

        return session

    async def _accept(self, session: Session, now: datetime) -> Authenticated | None:
        if self._expired(session, now):
            return None

        user = await self._users.get(session.user_id)
        if user is None or not user.is_active or user.auth_version != session.auth_version:
            return None

        return Authenticated(user, session)

    async def _touch(self, found: Authenticated, now: datetime, refill: bool) -> Authenticated:
        session = found.session
        if now - session.last_seen_at >= TOUCH_INTERVAL:
            session = msgspec.structs.replace(session, last_seen_at=now)
            await self._store.touch(session.token_hash, now)
            refill = True

        if refill:
            await self._cache.set(session, self._cache_seconds(session, now))

        return Authenticated(found.user, session)

    async def _end(self, token_hash: str) -> None:
        await self._cache.delete(token_hash)
        await self._store.delete(token_hash)

    def _expired(self, session: Session, now: datetime) -> bool:
        return now >= self._deadline(session)

    def _deadline(self, session: Session) -> datetime:
        return min(
            session.last_seen_at + self._idle,
            session.created_at + self._absolute,
            session.expires_at,
        )

    def _cache_seconds(self, session: Session, now: datetime) -> int:
        remaining = (self._deadline(session) - now).total_seconds()

        return max(1, min(MAX_CACHE_SECONDS, int(remaining)))
