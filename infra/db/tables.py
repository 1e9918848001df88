"""The Piccolo tables behind users, sessions and the login throttle."""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class UserRow(Table, tablename="tonality_user"):
    """An account. `email` is stored lower-cased, so the unique index
    makes it unique regardless of case."""

    id = Serial(primary_key=True)
    email = Varchar(length=320, unique=True)
    first_name = Varchar(length=100)
    last_name = Varchar(length=100, default="")
    role = Varchar(length=16, default="user")
    is_active = Boolean(default=True)
    created_at = Timestamptz()
    password_hash = Text()
    auth_version = Integer(default=1)
    avatar_key = Varchar(length=200, null=True, default=None)
    avatar_content_type = Varchar(length=100, null=True, default=None)


class SessionRow(Table, tablename="tonality_session"):
    """The durable record of a login; the token itself is never stored."""

    token_hash = Varchar(length=64, primary_key=True)
    user = ForeignKey(references=UserRow, on_delete=OnDelete.cascade, null=False, index=True)
    auth_version = Integer()
    created_at = Timestamptz()
    last_seen_at = Timestamptz()
    expires_at = Timestamptz(index=True)


class LoginFailureRow(Table, tablename="tonality_login_failure"):
    """Failed logins per account name, whether or not the account exists."""

    email = Varchar(length=320, primary_key=True)
    failures = Integer(default=0)
    window_started_at = Timestamptz()
    locked_until = Timestamptz(null=True, default=None)
