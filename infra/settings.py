"""Service settings, read from the environment (and an optional `.env`)."""

from __future__ import annotations

import enum
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import msgspec
from dotenv import dotenv_values

logger = logging.getLogger(__name__)

PREFIX = "TONALITY_"
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
MIN_SECRET_KEY_LENGTH = 32
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Environment(enum.StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


DEFAULT_ADMIN_EMAIL = "sent@admin.com"
DEFAULT_ADMIN_PASSWORD = "admin123"  # noqa: S105 - the documented development default

Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]
Positive = Annotated[int, msgspec.Meta(ge=1)]
HostPort = Annotated[str, msgspec.Meta(pattern=r"^[^:\s]+:\d{1,5}$")]


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    """Every knob of a deployment. Names map to `TONALITY_<NAME>` variables."""

    env: Environment = Environment.DEVELOPMENT
    host: str = "127.0.0.1"
    port: Port = 8000
    data_dir: Path = Path(".data")
    database_url: str | None = None  # unset: embedded Postgres in data_dir
    memcached: HostPort | None = None  # host:port; unset: sessions in Postgres alone
    s3_endpoint: str | None = None  # unset: objects in data_dir/objects
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_bucket: str = "tonality"
    s3_secure: bool = True
    secret_key: str | None = None
    cookie_secure: bool = False
    admin_email: str = DEFAULT_ADMIN_EMAIL
    admin_password: str = DEFAULT_ADMIN_PASSWORD
    session_idle_minutes: Positive = 60 * 24
    session_absolute_hours: Positive = 24 * 14
    login_max_failures: Positive = 5
    login_lock_minutes: Positive = 15
    max_body_bytes: Positive = 1 << 20
    avatar_max_bytes: Positive = 2 << 20
    upload_max_bytes: Positive = 50 << 20
    upload_max_rows: Positive = 1_000_000
    xlsx_max_uncompressed_bytes: Positive = 1 << 30
    job_max_attempts: Positive = 3
    job_heartbeat_seconds: Positive = 30
    worker_concurrency: Positive = 2
    worker_inference_threads: Positive = 2
    # unset: `serve` runs the job worker itself when Postgres is embedded
    worker_in_process: bool | None = None
    model_dir: Path | None = None  # unset: the repository's models/
    log_json: bool = False
    log_level: str = "INFO"

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def memcached_address(self) -> tuple[str, int] | None:
        """`memcached` as (host, port), or None when unset."""
        if self.memcached is None:
            return None

        host, _, port = self.memcached.rpartition(":")
        return host or "127.0.0.1", int(port)

    @property
    def runs_worker_in_process(self) -> bool:
        if self.worker_in_process is None:
            return self.database_url is None

        return self.worker_in_process


class SettingsError(Exception):
    """The configuration cannot be used; `problems` names each variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid configuration:\n  " + "\n  ".join(problems))
        self.problems = problems


def variable_name(field: str) -> str:
    return PREFIX + field.upper()


def load_settings(
    environ: Mapping[str, str] = os.environ,
    env_file: str | Path | None = ".env",
) -> Settings:
    """Read, validate and complete the settings.

    Values in `environ` win over those in `env_file` (skipped when missing).
    Raises `SettingsError` listing every bad or unsafe value by variable.
    """
    raw = _read_variables(environ, env_file)
    settings = _convert(raw)

    _refuse_unsafe_production(settings)
    if settings.secret_key is None:
        secret_key = _development_secret_key(settings.data_dir)
        settings = msgspec.structs.replace(settings, secret_key=secret_key)

    return settings


def _read_variables(environ: Mapping[str, str], env_file: str | Path | None) -> dict[str, str]:
    merged: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        from_file = dotenv_values(env_file)
        merged.update({key: value for key, value in from_file.items() if value is not None})
    merged.update(environ)

    # An empty variable means "use the default", as if it were unset.
    return {
        field: merged[variable_name(field)].strip()
        for field in Settings.__struct_fields__
        if merged.get(variable_name(field), "").strip()
    }


def _convert(raw: dict[str, str]) -> Settings:
    types = {field.name: field.type for field in msgspec.structs.fields(Settings)}
    values: dict[str, Any] = {}
    problems: list[str] = []

    for field, text in raw.items():
        try:
            values[field] = msgspec.convert(text, types[field], strict=False, dec_hook=_to_path)
        except msgspec.ValidationError as error:
            problems.append(f"{variable_name(field)}={text!r}: {_reason(error)}")

    level = values.get("log_level", "INFO").upper()
    if level not in LOG_LEVELS:
        problems.append(f"TONALITY_LOG_LEVEL={level!r}: expected one of {', '.join(LOG_LEVELS)}")
    values["log_level"] = level

    if problems:
        raise SettingsError(problems)

    return Settings(**values)


def _to_path(type_: type, value: object) -> object:
    if type_ is Path and isinstance(value, str):
        return Path(value).expanduser()
    raise NotImplementedError


def _reason(error: msgspec.ValidationError) -> str:
    # msgspec says "Expected `int`, got `str`"; a user wrote text, so say what was wanted.
    message = str(error).split(" - at ", 1)[0]
    if message.startswith("Expected `int` "):
        return "expected a whole number " + message.removeprefix("Expected `int` ")
    if message.startswith("Expected `int`"):
        return "expected a whole number"
    if message.startswith("Expected `bool`"):
        return "expected true or false"
    if message.startswith("Invalid enum value"):
        return "expected one of " + ", ".join(member.value for member in Environment)
    if "matching regex" in message:
        return "expected host:port"

    return message[0].lower() + message[1:]


def _refuse_unsafe_production(settings: Settings) -> None:
    if not settings.is_production:
        return

    problems = []
    if settings.admin_password == DEFAULT_ADMIN_PASSWORD:
        problems.append("TONALITY_ADMIN_PASSWORD: the default password is refused in production")
    if settings.secret_key is None:
        problems.append("TONALITY_SECRET_KEY: must be set in production")
    elif len(settings.secret_key) < MIN_SECRET_KEY_LENGTH:
        problems.append(f"TONALITY_SECRET_KEY: must be at least {MIN_SECRET_KEY_LENGTH} characters")
    if not settings.cookie_secure:
        problems.append("TONALITY_COOKIE_SECURE: must be true in production (HTTPS cookies)")

    if problems:
        raise SettingsError(problems)


def _development_secret_key(data_dir: Path) -> str:
    """The key kept in `data_dir`, made on first use, so sessions survive restarts."""
    path = data_dir / SECRET_KEY_FILE
    if path.is_file():
        stored = path.read_text(encoding="utf-8").strip()
        if stored:
            return stored

    data_dir.mkdir(parents=True, exist_ok=True)
    secret_key = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(secret_key)
    logger.info("secret key generated path=%s", path)

    return secret_key
