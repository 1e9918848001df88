from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from piccolo.engine.postgres import PostgresEngine

from domain.users import User
from infra.sessions import PostgresSessionStore
from infra.users import PiccoloUserRepository
from tests.infra.factories import new_session, new_user


@pytest.fixture
def store(db_engine: PostgresEngine) -> PostgresSessionStore:
    return PostgresSessionStore()


@pytest.fixture
async def user(db_engine: PostgresEngine) -> User:
    return await PiccoloUserRepository().add(new_user())


async def test_added_session_reads_back_unchanged(store: PostgresSessionStore, user: User) -> None:
    session = new_session(user.id)

    await store.add(session)

    assert await store.get(session.token_hash) == session


async def test_unknown_token_hash_is_none(store: PostgresSessionStore) -> None:
    assert await store.get("0" * 64) is None


async def test_touch_and_auth_version_change_only_their_field(
    store: PostgresSessionStore, user: User
) -> None:
    session = new_session(user.id)
    await store.add(session)
    later = session.last_seen_at + timedelta(minutes=5)

    await store.touch(session.token_hash, later)
    await store.set_auth_version(session.token_hash, 7)

    stored = await store.get(session.token_hash)
    assert stored is not None
    assert (stored.last_seen_at, stored.auth_version) == (later, 7)
    assert stored.expires_at == session.expires_at


async def test_delete_is_idempotent(store: PostgresSessionStore, user: User) -> None:
    session = new_session(user.id)
    await store.add(session)

    await store.delete(session.token_hash)
    await store.delete(session.token_hash)

    assert await store.get(session.token_hash) is None


async def test_delete_for_user_keeps_the_named_session_and_others_users(
    store: PostgresSessionStore, user: User
) -> None:
    other_user = await PiccoloUserRepository().add(new_user())
    current, stale_a, stale_b = (new_session(user.id) for _ in range(3))
    someone_else = new_session(other_user.id)
    for session in (current, stale_a, stale_b, someone_else):
        await store.add(session)

    deleted = await store.delete_for_user(user.id, keep=current.token_hash)

    assert sorted(deleted) == sorted([stale_a.token_hash, stale_b.token_hash])
    assert await store.get(current.token_hash) == current
    assert await store.get(someone_else.token_hash) == someone_else
    assert await store.delete_for_user(user.id) == [current.token_hash]


async def test_deleting_the_user_deletes_their_sessions(
    store: PostgresSessionStore, user: User
) -> None:
    session = new_session(user.id)
    await store.add(session)

    await PiccoloUserRepository().delete(user.id)

    assert await store.get(session.token_hash) is None


async def test_delete_expired_removes_only_expired_sessions(
    store: PostgresSessionStore, user: User
) -> None:
    expired = new_session(user.id, lifetime=timedelta(seconds=-1))
    alive = new_session(user.id)
    await store.add(expired)
    await store.add(alive)

    removed = await store.delete_expired(datetime.now(UTC))

    assert removed >= 1
    assert await store.get(expired.token_hash) is None
    assert await store.get(alive.token_hash) == alive
