"""Small rules: passwords, emails, names, image types."""

from __future__ import annotations

import pytest

from domain.accounts import clean_name, image_type
from domain.emails import valid_email
from domain.errors import InvalidInput
from domain.passwords_policy import COMMON_PASSWORDS, check_new_password


@pytest.mark.parametrize(
    "password", ["1234567", "Password1", "qwertyuiop", "aaaaaaaaaa", "abababab"]
)
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(InvalidInput):
        check_new_password(password)


def test_a_long_uncommon_password_passes() -> None:
    check_new_password("violet kettle on the moon")


def test_the_common_list_has_a_few_hundred_entries() -> None:
    assert len(COMMON_PASSWORDS) > 300


def test_emails_are_trimmed_and_lowercased() -> None:
    assert valid_email("  Ada@Example.COM ") == "ada@example.com"


@pytest.mark.parametrize("email", ["", "ada", "ada@", "@example.com", "a@b", "a b@example.com"])
def test_malformed_emails_are_refused(email: str) -> None:
    with pytest.raises(InvalidInput, match="not a valid email"):
        valid_email(email)


def test_names_are_trimmed_and_must_be_printable() -> None:
    assert clean_name("first_name", "  Ada ", required=True) == "Ada"
    with pytest.raises(InvalidInput, match="first_name"):
        clean_name("first_name", "  ", required=True)
    with pytest.raises(InvalidInput, match="control"):
        clean_name("last_name", "a\x00b", required=False)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0d", "image/png"),
        (b"\xff\xd8\xff\xdb\x00\x43\x00\x01", "image/jpeg"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00", None),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
        (b"", None),
    ],
)
def test_image_type_reads_the_magic_bytes(head: bytes, expected: str | None) -> None:
    assert image_type(head) == expected
