"""Constrained field types for request bodies and path parameters.

Lengths are checked while decoding, so an over-long value never reaches the
domain; the domain still checks meaning (a valid address, a strong password).
"""

from typing import Annotated

import msgspec
from litestar import Request
from litestar.datastructures import State
from litestar.params import Parameter

from domain.emails import MAX_LENGTH as EMAIL_MAX_LENGTH
from domain.passwords_policy import MAX_LENGTH as PASSWORD_MAX_LENGTH
from domain.passwords_policy import MIN_LENGTH as PASSWORD_MIN_LENGTH
from domain.sessions import Session
from domain.users import User

NAME_MAX_LENGTH = 100
# User ids are a Postgres `serial`: a larger number cannot even be looked up.
POSTGRES_INT_MAX = 2**31 - 1

# `schema_extra` keys only describe the schema: the domain enforces them,
# with messages that say more than a decoder's would.
Email = Annotated[
    str,
    msgspec.Meta(
        max_length=EMAIL_MAX_LENGTH,
        examples=["ada@example.com"],
        extra_json_schema={"extra": {"format": "email"}},
    ),
]
Password = Annotated[str, msgspec.Meta(max_length=PASSWORD_MAX_LENGTH)]
NewPassword = Annotated[
    str,
    msgspec.Meta(
        max_length=PASSWORD_MAX_LENGTH,
        extra_json_schema={
            "description": f"at least {PASSWORD_MIN_LENGTH} characters, not a common password",
            "extra": {"minLength": PASSWORD_MIN_LENGTH},
        },
    ),
]
FirstName = Annotated[
    str,
    msgspec.Meta(
        max_length=NAME_MAX_LENGTH,
        examples=["Ada"],
        extra_json_schema={"extra": {"pattern": r"\S"}},
    ),
]
LastName = Annotated[str, msgspec.Meta(max_length=NAME_MAX_LENGTH, examples=["Lovelace"])]

UserId = Annotated[int, Parameter(ge=1, le=POSTGRES_INT_MAX, description="the user's id")]

# What handlers behind the session middleware receive.
AuthedRequest = Request[User, Session, State]
