"""Log lines: key=value or JSON, with the request id, never a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from infra.logging import (
    REDACTED,
    JsonFormatter,
    KeyValueFormatter,
    RequestIdFilter,
    request_id,
)


@pytest.fixture
def capture() -> Iterator[tuple[logging.Logger, io.StringIO, logging.Handler]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("tests.logging")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False

    yield logger, stream, handler
    logger.removeHandler(handler)


def test_key_value_line_carries_context_and_request_id(capture) -> None:
    logger, stream, handler = capture
    handler.setFormatter(KeyValueFormatter())

    token = request_id.set("req-42")
    try:
        logger.info("job finished", extra={"job_id": 7, "file": "my reviews.csv"})
    finally:
        request_id.reset(token)

    line = stream.getvalue().strip()
    assert " INFO tests.logging: job finished " in line
    assert 'job_id=7 file="my reviews.csv" request_id=req-42' in line


def test_json_line_is_one_object(capture) -> None:
    logger, stream, handler = capture
    handler.setFormatter(JsonFormatter())

    token = request_id.set("req-43")
    try:
        logger.warning("probe failed", extra={"probe": "cache"})
    finally:
        request_id.reset(token)

    document = json.loads(stream.getvalue())
    assert document["event"] == "probe failed"
    assert document["level"] == "WARNING"
    assert document["request_id"] == "req-43"
    assert document["probe"] == "cache"


def test_sensitive_fields_are_redacted(capture) -> None:
    logger, stream, handler = capture
    handler.setFormatter(JsonFormatter())

    logger.info(
        "login attempt",
        extra={"password": "hunter2", "session_token": "abc", "text": "my diary", "user_id": 3},
    )

    document = json.loads(stream.getvalue())
    assert document["password"] == REDACTED
    assert document["session_token"] == REDACTED
    assert document["text"] == REDACTED
    assert document["user_id"] == 3
    assert "hunter2" not in stream.getvalue()


def test_without_a_request_the_id_is_absent(capture) -> None:
    logger, stream, handler = capture
    handler.setFormatter(KeyValueFormatter())

    logger.info("started")

    assert "request_id" not in stream.getvalue()
