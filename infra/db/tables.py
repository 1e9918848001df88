"""The Piccolo tables behind users, sessions and the login throttle."""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    BigSerial,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Real,
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


class TextPredictionRow(Table, tablename="tonality_text_prediction"):
    """One analysed text in its author's history."""

    id = BigSerial(primary_key=True)
    user = ForeignKey(references=UserRow, on_delete=OnDelete.cascade, null=False, index=True)
    text = Text()
    label = Varchar(length=16)
    negative = Real()
    neutral = Real()
    positive = Real()
    language = Varchar(length=8)
    model_version = Varchar(length=64)
    created_at = Timestamptz(index=True)


class FileJobRow(Table, tablename="tonality_file_job"):
    """An uploaded spreadsheet and the analysis of its rows."""

    id = BigSerial(primary_key=True)
    user = ForeignKey(references=UserRow, on_delete=OnDelete.cascade, null=False, index=True)
    file_name = Varchar(length=255)
    kind = Varchar(length=8)
    column = Varchar(length=255, null=True, default=None)
    status = Varchar(length=16, default="queued")
    done = BigInt(default=0)
    total = BigInt(default=0)
    negative = BigInt(default=0)
    neutral = BigInt(default=0)
    positive = BigInt(default=0)
    empty = BigInt(default=0)
    error = Text(null=True, default=None)
    attempts = Integer(default=0)
    upload_key = Varchar(length=200)
    upload_bytes = BigInt(default=0)
    result_csv_key = Varchar(length=200, null=True, default=None)
    result_xlsx_key = Varchar(length=200, null=True, default=None)
    created_at = Timestamptz(index=True)
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
