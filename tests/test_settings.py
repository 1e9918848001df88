"""Settings come from TONALITY_ variables and an optional .env file."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.settings import (
    DEFAULT_ADMIN_PASSWORD,
    Environment,
    SettingsError,
    load_settings,
)

STRONG_KEY = "k" * 48


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        "TONALITY_ENV": "production",
        "TONALITY_SECRET_KEY": STRONG_KEY,
        "TONALITY_COOKIE_SECURE": "true",
        "TONALITY_ADMIN_PASSWORD": "a long and private passphrase",
    }
    env.update(overrides)

    return env


def test_defaults_are_the_embedded_development_setup(tmp_path: Path) -> None:
    settings = load_settings({"TONALITY_DATA_DIR": str(tmp_path)}, env_file=None)

    assert settings.env is Environment.DEVELOPMENT
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.database_url is None
    assert settings.memcached is None
    assert settings.s3_endpoint is None
    assert settings.admin_password == DEFAULT_ADMIN_PASSWORD


def test_variables_are_converted_to_their_types(tmp_path: Path) -> None:
    env = {
        "TONALITY_DATA_DIR": str(tmp_path),
        "TONALITY_PORT": "9001",
        "TONALITY_S3_SECURE": "false",
        "TONALITY_COOKIE_SECURE": "1",
        "TONALITY_MEMCACHED": "127.0.0.1:11211",
        "TONALITY_LOG_LEVEL": "debug",
        "TONALITY_SESSION_IDLE_MINUTES": "5",
    }

    settings = load_settings(env, env_file=None)

    assert settings.port == 9001
    assert settings.s3_secure is False
    assert settings.cookie_secure is True
    assert settings.memcached == "127.0.0.1:11211"
    assert settings.log_level == "DEBUG"
    assert settings.session_idle_minutes == 5
    assert settings.data_dir == tmp_path


def test_empty_variable_means_the_default(tmp_path: Path) -> None:
    env = {"TONALITY_DATA_DIR": str(tmp_path), "TONALITY_DATABASE_URL": "", "TONALITY_PORT": " "}

    settings = load_settings(env, env_file=None)

    assert settings.database_url is None
    assert settings.port == 8000


def test_bad_port_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"TONALITY_DATA_DIR": str(tmp_path), "TONALITY_PORT": "abc"}, None)

    assert caught.value.problems == ["TONALITY_PORT='abc': expected a whole number"]


def test_every_bad_value_is_reported_at_once(tmp_path: Path) -> None:
    env = {
        "TONALITY_DATA_DIR": str(tmp_path),
        "TONALITY_ENV": "staging",
        "TONALITY_PORT": "70000",
        "TONALITY_COOKIE_SECURE": "maybe",
        "TONALITY_MEMCACHED": "localhost",
        "TONALITY_LOG_LEVEL": "loud",
    }

    with pytest.raises(SettingsError) as caught:
        load_settings(env, env_file=None)

    message = str(caught.value)
    for name in ("ENV", "PORT", "COOKIE_SECURE", "MEMCACHED", "LOG_LEVEL"):
        assert f"TONALITY_{name}=" in message
    assert "development, production" in message
    assert "host:port" in message


def test_production_refuses_each_unsafe_default_by_name(tmp_path: Path) -> None:
    env = {"TONALITY_DATA_DIR": str(tmp_path), "TONALITY_ENV": "production"}

    with pytest.raises(SettingsError) as caught:
        load_settings(env, env_file=None)

    named = [problem.split(":", 1)[0] for problem in caught.value.problems]
    assert named == ["TONALITY_ADMIN_PASSWORD", "TONALITY_SECRET_KEY", "TONALITY_COOKIE_SECURE"]


def test_production_refuses_a_short_secret_key(tmp_path: Path) -> None:
    env = production_env(TONALITY_DATA_DIR=str(tmp_path), TONALITY_SECRET_KEY="short")

    with pytest.raises(SettingsError) as caught:
        load_settings(env, env_file=None)

    assert [p.split(":", 1)[0] for p in caught.value.problems] == ["TONALITY_SECRET_KEY"]


def test_production_starts_with_safe_settings(tmp_path: Path) -> None:
    settings = load_settings(production_env(TONALITY_DATA_DIR=str(tmp_path)), env_file=None)

    assert settings.is_production
    assert settings.secret_key == STRONG_KEY
    assert not (tmp_path / "secret_key").exists()


def test_development_secret_key_survives_a_restart(tmp_path: Path) -> None:
    env = {"TONALITY_DATA_DIR": str(tmp_path / "data")}

    first = load_settings(env, env_file=None)
    second = load_settings(env, env_file=None)

    assert first.secret_key
    assert len(first.secret_key) >= 32
    assert second.secret_key == first.secret_key
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o077 == 0


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "TONALITY_PORT=9100\nTONALITY_ADMIN_EMAIL=boss@example.com\n"
        f"TONALITY_DATA_DIR={tmp_path}\n",
        encoding="utf-8",
    )

    settings = load_settings({"TONALITY_PORT": "9200"}, env_file=env_file)

    assert settings.port == 9200
    assert settings.admin_email == "boss@example.com"


def test_missing_env_file_is_not_an_error(tmp_path: Path) -> None:
    env = {"TONALITY_DATA_DIR": str(tmp_path)}

    settings = load_settings(env, env_file=tmp_path / "absent.env")

    assert settings.port == 8000


def test_unrelated_variables_are_ignored(tmp_path: Path) -> None:
    env = {"TONALITY_DATA_DIR": str(tmp_path), "TONALITY_TEST_MEMCACHED": "x", "PORT": "1"}

    settings = load_settings(env, env_file=None)

    assert settings.port == 8000
