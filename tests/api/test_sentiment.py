"""POST /sentiment, /sentiment/batch and the text history, with the real model."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import aiomcache
import msgspec
import pytest

from domain.predictions import Prediction, Scores
from domain.sentiment import cache_key
from infra.db.tables import TextPredictionRow
from ml.runtime.text import normalize
from tests.api.conftest import PASSWORD, Browser, Service, StartService
from tests.conftest import Memcached

RUSSIAN_PRAISE = "Отличный фильм, очень понравился!"
ENGLISH_COMPLAINT = "This was a terrible waste of time."
PREDICTION_FIELDS = {"label", "scores", "language", "model_version"}


async def analyse(browser: Browser, text: str, **fields: Any) -> dict[str, Any]:
    response = await browser.send("POST", "/sentiment", json={"text": text, **fields})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def history_texts(browser: Browser, **params: Any) -> list[str]:
    response = await browser.get("/history/texts", params=params)
    assert response.status_code == 200, response.text
    return [item["text"] for item in response.json()["items"]]


def unique_text(words: str = "a quiet evening") -> str:
    return f"{words} {uuid.uuid4().hex}"


async def test_russian_praise_and_english_complaint_get_sensible_labels(
    service: Service,
) -> None:
    browser, _ = await service.user()

    praise = await analyse(browser, RUSSIAN_PRAISE)
    complaint = await analyse(browser, ENGLISH_COMPLAINT)

    assert (praise["label"], praise["language"]) == ("positive", "ru")
    assert (complaint["label"], complaint["language"]) == ("negative", "en")
    for answer in (praise, complaint):
        assert sum(answer["scores"].values()) == pytest.approx(1.0, abs=1e-6)
        assert max(answer["scores"], key=answer["scores"].get) == answer["label"]


async def test_the_answer_is_the_saved_text_and_its_prediction_only(service: Service) -> None:
    browser, _ = await service.user()
    version = (await browser.get("/version")).json()["model_version"]

    answer = await analyse(browser, f"  {RUSSIAN_PRAISE}\n")

    assert set(answer) == {"id", "text", "created_at"} | PREDICTION_FIELDS
    assert answer["text"] == RUSSIAN_PRAISE
    assert answer["model_version"] == version
    assert answer["created_at"].endswith(("+00:00", "Z"))
    assert set(answer["scores"]) == {"negative", "neutral", "positive"}


async def test_explain_weighs_the_words_of_the_text(service: Service) -> None:
    browser, _ = await service.user()

    answer = await analyse(browser, ENGLISH_COMPLAINT, explain=True)

    tokens = [item["token"] for item in answer["explanation"]]
    assert tokens == ENGLISH_COMPLAINT.split()
    assert all(isinstance(item["weight"], float) for item in answer["explanation"])
    assert "explanation" not in await analyse(browser, ENGLISH_COMPLAINT, explain=False)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"text": ""}, "text"),
        ({"text": " \n\t "}, "text"),
        ({"text": "a" * 10_001}, "10000"),
        ({"text": "fine", "language": "en"}, "'language'"),
        ({}, "'text'"),
        ({"text": 42}, "text"),
    ],
)
async def test_invalid_bodies_are_refused_naming_the_problem(
    service: Service, body: dict[str, Any], named: str
) -> None:
    browser, _ = await service.user()

    response = await browser.send("POST", "/sentiment", json=body)

    assert response.status_code == 422, response.text
    assert named in response.json()["detail"]
    assert await history_texts(browser) == []


async def test_a_text_at_the_limit_after_trimming_is_accepted(service: Service) -> None:
    browser, _ = await service.user()
    text = "хорошо " * 1428 + "ура!"

    answer = await analyse(browser, f"   {text}   ")

    assert len(text) == 10_000
    assert answer["text"] == text


async def test_batch_labels_each_text_in_order_and_saves_none(service: Service) -> None:
    browser, _ = await service.user()

    response = await browser.send(
        "POST", "/sentiment/batch", json={"texts": [RUSSIAN_PRAISE, ENGLISH_COMPLAINT]}
    )

    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [item["label"] for item in items] == ["positive", "negative"]
    assert all(set(item) == PREDICTION_FIELDS for item in items)
    assert await history_texts(browser) == []


async def test_batch_with_explain_explains_each_text(service: Service) -> None:
    browser, _ = await service.user()

    response = await browser.send(
        "POST", "/sentiment/batch", json={"texts": ["good film", "Плохо"], "explain": True}
    )

    items = response.json()["items"]
    assert [[w["token"] for w in item["explanation"]] for item in items] == [
        ["good", "film"],
        ["Плохо"],
    ]


@pytest.mark.parametrize(
    ("texts", "named"),
    [
        ([], "at least one"),
        (["fine"] * 101, "at most 100"),
        (["fine", "", "ok"], "texts[1]"),
        (["fine", "ok", "a" * 10_001], "texts[2]"),
    ],
)
async def test_invalid_batches_are_refused_naming_the_problem(
    service: Service, texts: list[str], named: str
) -> None:
    browser, _ = await service.user()

    response = await browser.send("POST", "/sentiment/batch", json={"texts": texts})

    assert response.status_code == 422, response.text
    assert named in response.json()["detail"]


async def test_a_full_batch_of_long_cyrillic_texts_is_not_too_large(service: Service) -> None:
    browser, _ = await service.user()
    texts = [f"{i} " + ("жизнь " * 2_000)[:9_990] for i in range(100)]

    response = await browser.send("POST", "/sentiment/batch", json={"texts": texts})

    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == 100


async def test_history_finds_a_substring_in_any_case_cyrillic_too(service: Service) -> None:
    browser, _ = await service.user()
    for text in [RUSSIAN_PRAISE, ENGLISH_COMPLAINT, "50% off_sale"]:
        await analyse(browser, text)

    assert await history_texts(browser, q="ФИЛЬМ") == [RUSSIAN_PRAISE]
    assert await history_texts(browser, q="terrible WASTE") == [ENGLISH_COMPLAINT]
    assert await history_texts(browser, q="0% off_") == ["50% off_sale"]
    assert await history_texts(browser, q="%") == ["50% off_sale"]
    assert await history_texts(browser, q="nowhere") == []


async def test_history_keeps_whole_days_from_date_from_through_date_to(
    service: Service,
) -> None:
    browser, user = await service.user()
    days = []
    for name in ["first", "second", "third"]:
        days.append(service.clock.now.date().isoformat())
        await analyse(browser, f"the {name} day")
        service.clock.advance(days=1)
        # A day idle ends the session.
        assert (await browser.login(user["email"])).status_code == 200

    assert await history_texts(browser, date_from=days[1]) == ["the third day", "the second day"]
    assert await history_texts(browser, date_to=days[0]) == ["the first day"]
    assert await history_texts(browser, date_from=days[1], date_to=days[1]) == ["the second day"]

    backwards = await browser.get(
        "/history/texts", params={"date_from": days[2], "date_to": days[0]}
    )
    assert backwards.status_code == 422
    assert "date_to" in backwards.json()["detail"]


async def test_history_pages_newest_first_with_the_total(service: Service) -> None:
    browser, _ = await service.user()
    for number in range(5):
        await analyse(browser, f"text number {number}")
        service.clock.advance(seconds=1)

    response = await browser.get("/history/texts", params={"page": 2, "page_size": 2})

    page = response.json()
    assert [item["text"] for item in page["items"]] == ["text number 2", "text number 1"]
    assert (page["total"], page["page"], page["page_size"]) == (5, 2, 2)
    assert set(page["items"][0]) == {"id", "text", "created_at"} | PREDICTION_FIELDS


@pytest.mark.parametrize(
    "params",
    [{"page": 0}, {"page_size": 101}, {"q": "x" * 201}, {"date_from": "yesterday"}],
)
async def test_history_refuses_invalid_parameters(service: Service, params: dict[str, Any]) -> None:
    browser, _ = await service.user()

    response = await browser.get("/history/texts", params=params)

    assert response.status_code in (400, 422), response.text
    assert next(iter(params)) in response.json()["detail"]


async def test_deleting_ones_own_text_removes_it(service: Service) -> None:
    browser, _ = await service.user()
    kept = await analyse(browser, "keep me")
    doomed = await analyse(browser, "forget me")

    response = await browser.send("DELETE", f"/history/texts/{doomed['id']}")

    assert response.status_code == 204
    assert await history_texts(browser) == [kept["text"]]
    again = await browser.send("DELETE", f"/history/texts/{doomed['id']}")
    assert again.status_code == 404


async def test_another_users_text_is_neither_listed_nor_deletable(service: Service) -> None:
    owner, _ = await service.user()
    stranger, _ = await service.user()
    theirs = await analyse(owner, "my private thoughts")

    response = await stranger.send("DELETE", f"/history/texts/{theirs['id']}")

    assert response.status_code == 404
    assert response.json()["detail"]
    assert await history_texts(stranger) == []
    assert await history_texts(stranger, q="private") == []
    assert await history_texts(owner) == ["my private thoughts"]


@pytest.mark.parametrize("prediction_id", ["0", "9223372036854775808", "abc"])
async def test_deleting_an_impossible_id_is_refused_not_a_server_error(
    service: Service, prediction_id: str
) -> None:
    browser, _ = await service.user()

    response = await browser.send("DELETE", f"/history/texts/{prediction_id}")

    assert response.status_code in (400, 404, 422)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/sentiment", {"text": "fine"}),
        ("POST", "/sentiment/batch", {"texts": ["fine"]}),
        ("DELETE", "/history/texts/1", None),
    ],
)
async def test_unsafe_requests_without_the_csrf_header_are_forbidden(
    service: Service, method: str, path: str, body: dict[str, Any] | None
) -> None:
    browser, _ = await service.user()

    response = await browser.http.request(method, f"/api/v1{path}", json=body)

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert await history_texts(browser) == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/sentiment", {"text": "fine"}),
        ("POST", "/sentiment/batch", {"texts": ["fine"]}),
        ("GET", "/history/texts", None),
        ("DELETE", "/history/texts/1", None),
    ],
)
async def test_every_sentiment_route_needs_a_login(
    service: Service, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = await service.browser().send(method, path, json=body)

    assert response.status_code == 401


async def test_a_repeat_is_answered_from_memcached_and_still_saved(
    service: Service, memcached: Memcached
) -> None:
    browser, _ = await service.user()
    text = unique_text("A perfectly ordinary Tuesday")
    first = await analyse(browser, text)

    # Doctor the cached verdict: only a cache hit can answer with it.
    key = f"tonality:prediction:{cache_key(first['model_version'], normalize(text))}".encode()
    doctored = Prediction(
        label="neutral",
        scores=Scores(negative=0.25, neutral=0.5, positive=0.25),
        language="en",
        model_version=first["model_version"],
    )
    raw = aiomcache.Client(memcached.host, memcached.port)
    try:
        assert await raw.get(key) is not None
        await raw.set(key, msgspec.msgpack.encode(doctored))
    finally:
        await raw.close()

    second = await analyse(browser, f"  {text.upper()} ")

    assert second["scores"] == {"negative": 0.25, "neutral": 0.5, "positive": 0.25}
    assert second["id"] != first["id"]
    response = await browser.get("/history/texts")
    assert [item["scores"]["neutral"] for item in response.json()["items"]] == [
        0.5,
        pytest.approx(first["scores"]["neutral"], abs=1e-6),
    ]


async def test_analysis_works_without_memcached(start_service: StartService) -> None:
    async with start_service(memcached=None) as service:
        browser, _ = await service.user()

        first = await analyse(browser, ENGLISH_COMPLAINT)
        second = await analyse(browser, ENGLISH_COMPLAINT)

        assert first["label"] == second["label"] == "negative"
        assert len(await history_texts(browser)) == 2


async def test_analysis_answers_from_the_model_while_memcached_is_down(
    start_service: StartService, memcached_process: Memcached
) -> None:
    async with start_service(memcached=memcached_process.address) as service:
        browser, _ = await service.user()
        await analyse(browser, RUSSIAN_PRAISE)
        memcached_process.kill()

        again = await analyse(browser, RUSSIAN_PRAISE)
        batch = await browser.send("POST", "/sentiment/batch", json={"texts": [ENGLISH_COMPLAINT]})

        assert again["label"] == "positive"
        assert batch.status_code == 200
        assert batch.json()["items"][0]["label"] == "negative"
        assert await history_texts(browser) == [RUSSIAN_PRAISE, RUSSIAN_PRAISE]


async def test_deleting_the_account_removes_its_history(service: Service) -> None:
    browser, user = await service.user()
    await analyse(browser, "soon to be gone")
    await analyse(browser, "this too")

    response = await browser.send("DELETE", "/me", json={"password": PASSWORD})

    assert response.status_code == 204
    remaining = TextPredictionRow.count().where(TextPredictionRow.user == user["id"])
    assert await remaining == 0


async def test_the_schema_documents_the_sentiment_routes(service: Service) -> None:
    schema = (await service.browser().http.get("/api/schema/openapi.json")).json()
    paths = schema["paths"]

    analyse_answers = paths["/api/v1/sentiment"]["post"]["responses"]
    assert {"200", "401", "403", "422", "503"} <= set(analyse_answers)
    assert {"200", "401", "403", "413", "422"} <= set(
        paths["/api/v1/sentiment/batch"]["post"]["responses"]
    )
    assert {"200", "401", "422"} <= set(paths["/api/v1/history/texts"]["get"]["responses"])
    delete_answers = paths["/api/v1/history/texts/{prediction_id}"]["delete"]["responses"]
    assert {"204", "401", "403", "404"} <= set(delete_answers)


async def test_a_cached_verdict_keeps_the_language_of_the_text_as_written(
    service: Service,
) -> None:
    browser, _ = await service.user()
    long_url = "https://example.com/some/very/long/english/path/with/many/words/here"

    english_looking = await browser.send(
        "POST", "/sentiment", json={"text": f"Отлично, рекомендую {long_url}"}
    )
    russian = await browser.send("POST", "/sentiment", json={"text": "Отлично, рекомендую x.ru/a"})

    assert english_looking.json()["language"] == "en"
    assert russian.json()["language"] == "ru"
    assert russian.json()["scores"] == english_looking.json()["scores"]


async def test_without_a_model_texts_get_503_and_the_rest_keeps_working(
    start_service: StartService, tmp_path: Path
) -> None:
    async with start_service(model_dir=tmp_path) as service:
        browser, _ = await service.user()
        response = await browser.send("POST", "/sentiment", json={"text": "Хороший день"})
        ready = await browser.get("/ready")
        history = await browser.get("/history/texts")

    assert response.status_code == 503
    assert "model" in response.json()["detail"]
    assert ready.json()["extra"]["checks"]["model"] != "ok"
    assert history.json()["total"] == 0
