"""The `tonality` command line: parsing, settings errors, the train extra."""

from __future__ import annotations

import sys

import pytest

from tonality import cli


def test_only_takes_comma_separated_groups() -> None:
    args = cli.build_parser().parse_args(["serve", "--only", "accounts, service", "--port", "9"])

    assert args.only == ("accounts", "service")
    assert args.port == 9
    assert args.run is cli.serve


def test_only_needs_a_group() -> None:
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["serve", "--only", ","])


def test_create_admin_needs_email_and_password(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["create-admin", "--email", "a@example.com"])

    assert "--password" in capsys.readouterr().err


def test_bad_settings_stop_the_command_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TONALITY_PORT", "abc")

    assert cli.main(["migrate"]) == 2
    assert "TONALITY_PORT='abc'" in capsys.readouterr().err


def test_train_without_the_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "ml.export.train", None)

    assert cli.main(["train", "--epochs", "1"]) == 2
    assert "pip install -e '.[train]'" in capsys.readouterr().err
