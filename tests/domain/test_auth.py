"""AuthService rules that need a lost cache write or a counted store call."""

from __future__ import annotations

import pytest

from domain.accounts import Accounts
from domain.auth import AuthService, hash_token
from domain.errors import NotAuthenticated, TooManyAttempts
from domain.users import NewUser, User
from tests.domain.fakes import Cache, Clock, Hasher, Store, Throttle, Users

PASSWORD = "correct horse battery"


class World:
    def __init__(self) -> None:
        self.users, self.store, self.cache = Users(), Store(), Cache()
        self.clock = Clock()
        self.auth = AuthService(
            users=self.users,
            hasher=Hasher(),
            store=self.store,
            cache=self.cache,
            throttle=Throttle(),
            secret_key="secret",
            idle_seconds=3600,
            absolute_seconds=86400,
            max_failures=3,
            lock_seconds=60,
            clock=self.clock,
        )
        self.accounts = Accounts(
            users=self.users,
            hasher=Hasher(),
            auth=self.auth,
            blobs=None,  # type: ignore[arg-type]
            avatar_max_bytes=10,
        )

    async def user(self) -> User:
        new = NewUser(email="ada@example.com", password_hash=f"hashed:{PASSWORD}", first_name="A")
        return await self.users.add(new)


@pytest.fixture
def world() -> World:
    return World()


async def test_a_stale_cached_copy_does_not_end_the_current_session(world: World) -> None:
    user = await world.user()
    login = await world.auth.login(user.email, PASSWORD)
    found = await world.auth.resolve(login.token)
    assert found is not None

    # The cache misses the carry-over write, as while memcached was down.
    world.cache.frozen = True
    await world.accounts.change_password(user, found.session, PASSWORD, "a new long secret")
    world.cache.frozen = False

    assert await world.auth.resolve(login.token) is not None


async def test_a_lost_cache_delete_cannot_revive_a_revoked_session(world: World) -> None:
    user = await world.user()
    other = await world.auth.login(user.email, PASSWORD)
    current = await world.auth.login(user.email, PASSWORD)
    session = (await world.auth.resolve(current.token)).session  # type: ignore[union-attr]

    world.cache.frozen = True
    await world.accounts.change_password(user, session, PASSWORD, "a new long secret")
    world.cache.frozen = False

    assert hash_token(other.token) in world.cache.items
    assert await world.auth.resolve(other.token) is None


async def test_last_seen_is_written_at_most_once_a_minute(world: World) -> None:
    user = await world.user()
    login = await world.auth.login(user.email, PASSWORD)

    for _ in range(10):
        world.clock.advance(seconds=5)
        assert await world.auth.resolve(login.token) is not None

    assert world.store.touches == 0
    world.clock.advance(seconds=15)
    await world.auth.resolve(login.token)
    assert world.store.touches == 1


async def test_tokens_of_the_wrong_shape_never_reach_the_store(world: World) -> None:
    for token in ["", "short", "a/b+c=" * 8, "é" * 43]:
        assert await world.auth.resolve(token) is None


async def test_logout_survives_a_store_outage(world: World) -> None:
    user = await world.user()
    login = await world.auth.login(user.email, PASSWORD)
    world.store.broken = True

    await world.auth.logout(login.token)


async def test_failures_past_the_limit_are_throttled(world: World) -> None:
    user = await world.user()
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            await world.auth.login(user.email, "wrong")

    with pytest.raises(TooManyAttempts) as raised:
        await world.auth.login(user.email, PASSWORD)

    assert raised.value.retry_after == 60


async def test_csrf_token_is_bound_to_the_session_and_the_secret(world: World) -> None:
    user = await world.user()
    first = await world.auth.login(user.email, PASSWORD)
    second = await world.auth.login(user.email, PASSWORD)

    assert first.csrf_token != second.csrf_token
    found = await world.auth.resolve(first.token)
    assert found is not None
    assert world.auth.csrf_matches(found.session, first.csrf_token)
    assert not world.auth.csrf_matches(found.session, second.csrf_token)
    assert not world.auth.csrf_matches(found.session, None)
