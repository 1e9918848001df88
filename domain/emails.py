"""Email addresses as login names: one spelling per address."""

from __future__ import annotations

import re

from domain.errors import InvalidInput

MAX_LENGTH = 254

# Deliberately loose: one "@", no spaces, a dot in the domain. Whether the
# mailbox exists is not ours to judge.
_SHAPE = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")


def normalise_email(raw: str) -> str:
    """The comparison form of an address: trimmed and case-folded."""
    return raw.strip().lower()


def valid_email(raw: str) -> str:
    """Normalise `raw`, or raise `InvalidInput` if it is not an address."""
    email = normalise_email(raw)
    if len(email) > MAX_LENGTH or not _SHAPE.fullmatch(email):
        raise InvalidInput(f"email {raw!r} is not a valid email address")

    return email
