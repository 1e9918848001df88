"""Service settings, read from the environment (and an optional `.env`)."""

from __future__ import annotations

import enum
from pathlib import Path

import msgspec


class Environment(enum.StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


DEFAULT_ADMIN_EMAIL = "sent@admin.com"
DEFAULT_ADMIN_PASSWORD = "admin123"  # noqa: S105 - the documented development default


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    """Every knob of a deployment. Names map to `TONALITY_<NAME>` variables."""

    env: Environment = Environment.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path(".data")
    database_url: str | None = None  # unset: embedded Postgres in data_dir
    memcached: str | None = None  # host:port; unset: sessions in Postgres alone
    s3_endpoint: str | None = None  # unset: objects in data_dir/objects
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_bucket: str = "tonality"
    s3_secure: bool = True
    secret_key: str | None = None
    cookie_secure: bool = False
    admin_email: str = DEFAULT_ADMIN_EMAIL
    admin_password: str = DEFAULT_ADMIN_PASSWORD
    session_idle_minutes: int = 60 * 24
    session_absolute_hours: int = 24 * 14
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    max_body_bytes: int = 1 << 20
    avatar_max_bytes: int = 2 << 20
    upload_max_bytes: int = 50 << 20
    model_dir: Path | None = None  # unset: the repository's models/
    log_json: bool = False
    log_level: str = "INFO"
