from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
from piccolo.engine.postgres import PostgresEngine

from domain.users import EmailTaken, Role, UserChanges
from infra.users import ADMIN_SEATS_LOCK, PiccoloUserRepository
from tests.infra.factories import new_user, unique_email

pytestmark = pytest.mark.usefixtures("db_engine")


@pytest.fixture
def users(db_engine: PostgresEngine) -> PiccoloUserRepository:
    return PiccoloUserRepository()


async def test_added_user_is_found_by_id_and_by_email_in_any_case(
    users: PiccoloUserRepository,
) -> None:
    email = unique_email("Mixed.Case")
    added = await users.add(new_user(email=email))

    assert added.email == email.lower()
    assert await users.get(added.id) == added
    assert await users.get_by_email(email.upper()) == added
    assert added.role is Role.USER
    assert added.created_at.tzinfo is not None


async def test_missing_user_is_none(users: PiccoloUserRepository) -> None:
    assert await users.get(10**9) is None
    assert await users.get_by_email(unique_email()) is None


async def test_email_differing_only_in_case_is_taken(users: PiccoloUserRepository) -> None:
    email = unique_email()
    await users.add(new_user(email=email))

    with pytest.raises(EmailTaken):
        await users.add(new_user(email=email.upper()))


async def test_concurrent_registrations_of_one_email_give_exactly_one_user(
    users: PiccoloUserRepository,
) -> None:
    email = unique_email("race")
    attempts = [users.add(new_user(email=email)) for _ in range(8)]
    outcomes = await asyncio.gather(*attempts, return_exceptions=True)

    winners = [outcome for outcome in outcomes if not isinstance(outcome, BaseException)]
    losers = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(loser, EmailTaken) for loser in losers)
    _, total = await users.search(email, 0, 10)
    assert total == 1


async def test_update_changes_only_given_fields_and_bumps_auth_version(
    users: PiccoloUserRepository,
) -> None:
    user = await users.add(new_user())
    changes = UserChanges(role=Role.ADMIN, last_name="Byron", bump_auth_version=True)

    updated = await users.update(user.id, changes)

    assert updated is not None
    assert updated.role is Role.ADMIN
    assert updated.last_name == "Byron"
    assert updated.first_name == user.first_name
    assert updated.auth_version == user.auth_version + 1


async def test_avatar_can_be_set_and_cleared(users: PiccoloUserRepository) -> None:
    user = await users.add(new_user())

    with_avatar = await users.update(
        user.id, UserChanges(avatar_key="users/1/avatar/x", avatar_content_type="image/png")
    )
    cleared = await users.update(user.id, UserChanges(avatar_key=None, avatar_content_type=None))

    assert with_avatar is not None and with_avatar.has_avatar
    assert cleared is not None and not cleared.has_avatar


async def test_updating_or_deleting_a_missing_user_reports_it(
    users: PiccoloUserRepository,
) -> None:
    assert await users.update(10**9, UserChanges(first_name="x")) is None
    assert await users.delete(10**9) is False


async def test_deleted_user_is_gone(users: PiccoloUserRepository) -> None:
    user = await users.add(new_user())

    assert await users.delete(user.id) is True
    assert await users.get(user.id) is None


async def test_search_matches_substrings_case_insensitively_newest_first(
    users: PiccoloUserRepository,
) -> None:
    tag = uuid.uuid4().hex[:8]
    first = await users.add(new_user(first_name=f"Grace{tag}"))
    second = await users.add(new_user(last_name=f"HOPPER{tag}"))
    third = await users.add(new_user(email=f"{tag}@example.org"))

    found, total = await users.search(tag.upper(), 0, 10)

    assert total == 3
    assert [user.id for user in found] == [third.id, second.id, first.id]


async def test_search_pages_and_counts_all_matches(users: PiccoloUserRepository) -> None:
    tag = uuid.uuid4().hex[:8]
    added = [await users.add(new_user(first_name=f"Page{tag}")) for _ in range(5)]

    page_one, total = await users.search(tag, 0, 2)
    page_three, _ = await users.search(tag, 4, 2)

    assert total == 5
    assert [user.id for user in page_one] == [added[4].id, added[3].id]
    assert [user.id for user in page_three] == [added[0].id]


async def test_search_treats_like_wildcards_literally(users: PiccoloUserRepository) -> None:
    await users.add(new_user())

    found, total = await users.search("%_%", 0, 10)

    assert (found, total) == ([], 0)


async def test_search_without_query_lists_everyone(users: PiccoloUserRepository) -> None:
    await users.add(new_user())

    _, total_all = await users.search(None, 0, 1)
    _, total_blank = await users.search("  ", 0, 1)

    assert total_all == total_blank >= 1


async def test_count_active_admins_ignores_users_and_inactive_admins(
    users: PiccoloUserRepository,
) -> None:
    before = await users.count_active_admins()
    await users.add(new_user(role=Role.ADMIN))
    await users.add(new_user(role=Role.ADMIN, is_active=False))
    await users.add(new_user(role=Role.USER))

    assert await users.count_active_admins() == before + 1


async def test_admin_seats_are_held_by_one_holder_in_any_process(
    users: PiccoloUserRepository, pg_dsn: str
) -> None:
    other_process = await asyncpg.connect(pg_dsn)
    try_lock = "SELECT pg_try_advisory_lock($1)"
    order: list[str] = []

    async def hold(name: str) -> None:
        async with users.admin_seats():
            order.append(f"{name} in")
            await asyncio.sleep(0.05)
            order.append(f"{name} out")

    try:
        async with users.admin_seats():
            assert await other_process.fetchval(try_lock, ADMIN_SEATS_LOCK) is False
        await asyncio.gather(hold("a"), hold("b"))
        assert await other_process.fetchval(try_lock, ADMIN_SEATS_LOCK) is True
    finally:
        await other_process.close()

    assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])
