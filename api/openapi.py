"""What the served OpenAPI schema states beyond what Litestar infers.

Litestar documents a handler's success answer and a generic 400. The rest
of the contract (the error bodies, which routes need the session cookie and
the CSRF header, that unknown fields are refused) is declared here, so a
client generated from the schema, or a fuzzer, sees the API as it is.
"""

from __future__ import annotations

from typing import Any

from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Schema, SecurityScheme
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

from api.errors import ErrorBody

SESSION = "session"
CSRF = "csrf"

SECURITY_SCHEMES = {
    SESSION: SecurityScheme(
        type="apiKey",
        name="session",
        security_scheme_in="cookie",
        description="set by POST /api/v1/auth/login",
    ),
    CSRF: SecurityScheme(
        type="apiKey",
        name="X-CSRF-Token",
        security_scheme_in="header",
        description=(
            "the value of the `csrftoken` cookie set by login; required on every"
            " POST, PUT, PATCH and DELETE that carries the session cookie"
        ),
    ),
}

# What each error status means across the API; a handler may say more.
ERROR_MEANINGS = {
    400: "the body is not valid JSON",
    401: "no valid session: log in first",
    403: "not allowed",
    404: "not found, or not yours",
    409: "the change conflicts with the current state",
    413: "the body or file is over its size limit",
    415: "the file is not of an accepted type",
    422: "a field is missing, unknown or invalid; `extra` names each one",
    429: "too many failed attempts; wait the seconds in the Retry-After header",
    503: "a backing service (database, cache, object store) is unavailable",
}


def errors(*codes: int | tuple[int, str]) -> dict[int, ResponseSpec]:
    """Error answers for `responses=`: a code alone takes its usual meaning,
    `(code, description)` says what it means on this route."""
    specs: dict[int, ResponseSpec] = {}
    for item in codes:
        code, description = item if isinstance(item, tuple) else (item, ERROR_MEANINGS[item])
        specs[code] = error_spec(description)

    return specs


def error_spec(description: str) -> ResponseSpec:
    return ResponseSpec(ErrorBody, description=description, generate_examples=False)


def no_content(description: str) -> dict[int, ResponseSpec]:
    """A 204 documented without a body (Litestar would claim a JSON null)."""
    return {204: ResponseSpec(None, description=description)}


def image(description: str) -> dict[int, ResponseSpec]:
    return {
        200: ResponseSpec(
            bytes, description=description, media_type="image/*", generate_examples=False
        )
    }


def common_errors(
    *,
    public: bool,
    unsafe: bool,
    admin_only: bool,
    takes_input: bool,
    takes_body: bool,
    json_body: bool,
) -> dict[int, ResponseSpec]:
    """The errors a route can answer for what it is, not for what it does."""
    codes: list[int | tuple[int, str]] = [503]
    if takes_input:
        codes += [400, 422]
    if takes_body:
        codes.append(413)
    if json_body:
        codes.append((415, "the body is not sent as application/json"))
    if public:
        return errors(*codes)

    codes.append(401)
    refusals = ["admin role required"] if admin_only else []
    if unsafe:
        refusals.append("missing or invalid CSRF token in X-CSRF-Token")
    if refusals:
        codes.append((403, "; or ".join(refusals)))

    return errors(*codes)


def security_of(*, public: bool, unsafe: bool) -> list[dict[str, list[str]]] | None:
    """A route's security requirement: none, the cookie, or cookie + CSRF header."""
    if public:
        return None
    if unsafe:
        return [{SESSION: [], CSRF: []}]

    return [{SESSION: []}]


class StrictStructSchemaPlugin(OpenAPISchemaPlugin):
    """Litestar's struct schemas, plus `additionalProperties: false` for the
    request bodies that refuse unknown fields (`forbid_unknown_fields`)."""

    def __init__(self) -> None:
        from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin

        self._plain = StructSchemaPlugin()

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return self._plain.is_plugin_supported_field(field_definition)

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        schema = self._plain.to_openapi_schema(field_definition, schema_creator)
        config = getattr(field_definition.type_, "__struct_config__", None)
        if config is not None and config.forbid_unknown_fields:
            schema.additional_properties = False

        return schema
