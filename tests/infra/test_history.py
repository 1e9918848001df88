from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from piccolo.engine.postgres import PostgresEngine

from domain.periods import Period, period_of
from domain.predictions import Prediction, Scores
from domain.users import User
from infra.db.tables import TextPredictionRow
from infra.history import PiccoloTextHistory
from infra.users import PiccoloUserRepository
from tests.infra.factories import new_user

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ALL_TIME = Period()


def a_prediction(label: str = "positive", language: str = "en") -> Prediction:
    scores = {"negative": 0.125, "neutral": 0.25, "positive": 0.625}
    if label == "negative":
        scores = {"negative": 0.625, "neutral": 0.25, "positive": 0.125}
    return Prediction(
        label=label,  # type: ignore[arg-type]
        scores=Scores(**scores),
        language=language,  # type: ignore[arg-type]
        model_version="test-model",
    )


@pytest.fixture
def history(db_engine: PostgresEngine) -> PiccoloTextHistory:
    return PiccoloTextHistory()


@pytest.fixture
async def user(db_engine: PostgresEngine) -> User:
    return await PiccoloUserRepository().add(new_user())


@pytest.fixture
async def other_user(db_engine: PostgresEngine) -> User:
    return await PiccoloUserRepository().add(new_user())


async def texts_found(
    history: PiccoloTextHistory, user: User, q: str | None = None, period: Period = ALL_TIME
) -> list[str]:
    items, _ = await history.list(user.id, q, period, 0, 100)
    return [item.text for item in items]


async def test_added_text_reads_back_with_its_prediction(
    history: PiccoloTextHistory, user: User
) -> None:
    added = await history.add(user.id, "Lovely film", a_prediction(), T0)

    items, total = await history.list(user.id, None, Period(), 0, 10)

    assert total == 1
    assert items == [added]
    assert added.id > 0
    assert items[0].created_at == T0
    assert items[0].prediction == a_prediction()


async def test_list_holds_only_the_users_own_texts(
    history: PiccoloTextHistory, user: User, other_user: User
) -> None:
    await history.add(user.id, "mine", a_prediction(), T0)
    await history.add(other_user.id, "theirs", a_prediction(), T0)

    assert await texts_found(history, user) == ["mine"]
    assert await texts_found(history, other_user) == ["theirs"]


async def test_list_is_newest_first_and_pages_with_a_total(
    history: PiccoloTextHistory, user: User
) -> None:
    for minute in range(5):
        await history.add(user.id, f"text {minute}", a_prediction(), T0 + timedelta(minutes=minute))
    await history.add(user.id, "same time as text 4", a_prediction(), T0 + timedelta(minutes=4))

    first, total = await history.list(user.id, None, Period(), 0, 4)
    rest, _ = await history.list(user.id, None, Period(), 4, 4)

    assert total == 6
    assert [item.text for item in first] == ["same time as text 4", "text 4", "text 3", "text 2"]
    assert [item.text for item in rest] == ["text 1", "text 0"]


async def test_q_matches_a_substring_in_any_case_cyrillic_too(
    history: PiccoloTextHistory, user: User
) -> None:
    for text in ["Отличный ФИЛЬМ", "A Great Film", "nothing here"]:
        await history.add(user.id, text, a_prediction(), T0)

    assert await texts_found(history, user, "фильм") == ["Отличный ФИЛЬМ"]
    assert await texts_found(history, user, "GREAT") == ["A Great Film"]
    assert sorted(await texts_found(history, user, "fIL")) == ["A Great Film"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [("100%", ["100% sure"]), ("a_b", ["a_b"]), ("c\\d", ["c\\d"])],
)
async def test_q_wildcards_match_only_themselves(
    history: PiccoloTextHistory, user: User, q: str, expected: list[str]
) -> None:
    for text in ["100% sure", "1000 sure", "a_b", "axb", "c\\d", "cd"]:
        await history.add(user.id, text, a_prediction(), T0)

    assert await texts_found(history, user, q) == expected


async def test_period_keeps_whole_days_from_through_to(
    history: PiccoloTextHistory, user: User
) -> None:
    days = [datetime(2026, 3, day, hour, tzinfo=UTC) for day, hour in [(1, 23), (2, 0), (3, 23)]]
    for moment in days:
        await history.add(user.id, moment.isoformat(), a_prediction(), moment)
    await history.add(user.id, "4th", a_prediction(), datetime(2026, 3, 4, tzinfo=UTC))

    from_2nd = period_of(days[1].date(), None)
    through_3rd = period_of(None, days[2].date())
    only_2nd_and_3rd = period_of(days[1].date(), days[2].date())

    assert len(await texts_found(history, user, period=from_2nd)) == 3
    assert "4th" not in await texts_found(history, user, period=through_3rd)
    assert await texts_found(history, user, period=only_2nd_and_3rd) == [
        days[2].isoformat(),
        days[1].isoformat(),
    ]


async def test_q_and_period_combine_and_the_total_counts_both(
    history: PiccoloTextHistory, user: User
) -> None:
    await history.add(user.id, "good old", a_prediction(), T0 - timedelta(days=2))
    await history.add(user.id, "good new", a_prediction(), T0)
    await history.add(user.id, "bad new", a_prediction("negative"), T0)

    items, total = await history.list(user.id, "good", Period(start=T0 - timedelta(hours=1)), 0, 10)

    assert [item.text for item in items] == ["good new"]
    assert total == 1


async def test_delete_removes_only_the_users_own_text(
    history: PiccoloTextHistory, user: User, other_user: User
) -> None:
    mine = await history.add(user.id, "mine", a_prediction(), T0)

    assert await history.delete(other_user.id, mine.id) is False
    assert await texts_found(history, user) == ["mine"]

    assert await history.delete(user.id, mine.id) is True
    assert await history.delete(user.id, mine.id) is False
    assert await texts_found(history, user) == []


@pytest.mark.parametrize("prediction_id", [0, -1, 2**63, 10**30])
async def test_delete_of_an_id_postgres_cannot_hold_is_simply_not_found(
    history: PiccoloTextHistory, user: User, prediction_id: int
) -> None:
    assert await history.delete(user.id, prediction_id) is False


async def test_scores_read_back_without_float4_noise(
    history: PiccoloTextHistory, user: User
) -> None:
    prediction = Prediction(
        label="neutral",
        scores=Scores(negative=0.1, neutral=0.7, positive=0.2),
        language="ru",
        model_version="test-model",
    )
    await history.add(user.id, "так себе", prediction, T0)

    items, _ = await history.list(user.id, None, Period(), 0, 1)

    assert items[0].prediction == prediction


async def test_a_deleted_users_history_goes_with_them(
    history: PiccoloTextHistory, user: User
) -> None:
    await history.add(user.id, "soon gone", a_prediction(), T0)

    await PiccoloUserRepository().delete(user.id)

    assert await TextPredictionRow.count().where(TextPredictionRow.user == user.id) == 0
