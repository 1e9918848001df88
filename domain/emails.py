"""Email addresses as login names: one spelling per address."""

from __future__ import annotations

import re

from domain.errors import InvalidInput

MAX_LENGTH = 254

# Deliberately loose: one "@", no spaces or control characters, a dot in
# the domain. Whether the mailbox exists is not ours to judge.
_CHAR = r"[^@\s\x00-\x1f\x7f]"
_LABEL = r"[^@\s.\x00-\x1f\x7f]+"
_SHAPE = re.compile(rf"{_CHAR}{{1,64}}@{_LABEL}(\.{_LABEL})+")


def normalise_email(raw: str) -> str:
    """The comparison form of an address: trimmed and case-folded."""
    return raw.strip().lower()


def valid_email(raw: str) -> str:
    """Normalise `raw`, or raise `InvalidInput` if it is not an address."""
    email = normalise_email(raw)
    if len(email) > MAX_LENGTH or not _SHAPE.fullmatch(email):
        raise InvalidInput(f"email {raw!r} is not a valid email address")

    return email
