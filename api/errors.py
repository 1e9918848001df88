"""Every error leaves as `{status_code, detail, extra}` with a usable detail."""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.types import ExceptionHandlersMap

from domain.errors import DependencyUnavailable, DomainError, TooManyAttempts

logger = logging.getLogger(__name__)

_QUOTED = re.compile(r"`([^`]+)`")


class ErrorBody(msgspec.Struct):
    status_code: int
    detail: str
    extra: Any = None


def error_response(
    status_code: int,
    detail: str,
    extra: Any = None,
    headers: dict[str, str] | None = None,
) -> Response[ErrorBody]:
    return Response(
        ErrorBody(status_code, detail, extra),
        status_code=status_code,
        headers=headers,
    )


def domain_error(_: Request, exc: DomainError) -> Response[ErrorBody]:
    headers = None
    extra: dict[str, str] | None = None
    if isinstance(exc, TooManyAttempts):
        headers = {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, DependencyUnavailable):
        extra = {"dependency": exc.dependency}
        logger.warning("dependency unavailable dependency=%s", exc.dependency)

    return error_response(exc.status_code, exc.detail, extra, headers)


def validation_error(request: Request, exc: ValidationException) -> Response[ErrorBody]:
    """Name the offending field; a body that is not JSON at all is a 400."""
    problems = [_describe(request, item) for item in _items(exc.extra)]
    if not problems:
        return error_response(400, exc.detail)

    detail = "; ".join(problem["message"] for problem in problems)
    return error_response(422, detail, problems)


def http_error(request: Request, exc: HTTPException) -> Response[ErrorBody]:
    if isinstance(exc.__cause__, SerializationException):
        return error_response(400, f"the request body is not valid JSON: {exc.detail}")

    if exc.status_code == 413:
        limit = request.route_handler.resolve_request_max_body_size()
        return error_response(413, f"the request body is over the limit of {limit} bytes")

    if exc.status_code >= 500:
        logger.error("request failed status=%s", exc.status_code, exc_info=exc)

    return error_response(exc.status_code, exc.detail, exc.extra or None, exc.headers)


def unavailable(dependency: str) -> Any:
    """A handler for a driver's connection errors: 503 naming `dependency`."""

    def handle(_: Request, exc: Exception) -> Response[ErrorBody]:
        logger.warning("dependency failed dependency=%s error=%r", dependency, exc)
        return error_response(
            503,
            f"the {dependency} is unavailable; try again shortly",
            {"dependency": dependency},
        )

    return handle


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
}


def _items(extra: Any) -> list[dict[str, Any]]:
    if isinstance(extra, list):
        return [item for item in extra if isinstance(item, dict)]

    return []


def _describe(request: Request, item: dict[str, Any]) -> dict[str, Any]:
    """Turn one of Litestar's validation messages into `{field, message}`."""
    raw = str(item.get("message", "invalid value"))
    key = str(item.get("key", ""))
    quoted = _QUOTED.findall(raw)

    if raw.startswith("Object contains unknown field") and quoted:
        field = quoted[0]
        allowed = _allowed_fields(request)
        message = f"field '{field}' is not accepted here"
        if allowed:
            message += f"; allowed fields are: {', '.join(allowed)}"
    elif raw.startswith("Object missing required field") and quoted:
        field = quoted[0]
        message = f"field '{field}' is required"
    elif key == "data" and not raw.startswith("Expected"):
        # Litestar's report of a body that never arrived.
        field = "body"
        message = "this request needs a JSON object as its body"
    else:
        field = key or "body"
        message = f"{field}: {raw[:1].lower()}{raw[1:]}"

    return {"field": field, "message": message, "source": item.get("source")}


def _allowed_fields(request: Request) -> list[str]:
    parameter = request.route_handler.parsed_fn_signature.parameters.get("data")
    annotation = getattr(parameter, "annotation", None)
    try:
        fields = msgspec.structs.fields(annotation)  # type: ignore[arg-type]
    except TypeError:
        return []

    return [field.encode_name for field in fields]
