"""What a blob key may look like, whichever store keeps it."""

from __future__ import annotations

import re

_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")
MAX_KEY_LENGTH = 512


class InvalidBlobKey(ValueError):
    """The key could escape its store or is not one we generate."""


def checked_key(key: str) -> str:
    """Return `key` if it is relative, plain and stays inside the store.

    Keys come from `domain.blobs.new_blob_key`; anything else (an absolute
    path, `..`, empty or odd segments) is refused rather than cleaned up.
    """
    segments = key.split("/")
    plain = all(_SEGMENT.fullmatch(segment) for segment in segments)
    if not plain or len(key) > MAX_KEY_LENGTH or any(s in (".", "..") for s in segments):
        raise InvalidBlobKey(f"blob key {key!r} is not a plain relative path")

    return key


def checked_prefix(prefix: str) -> str:
    """A prefix is a key, or a key's leading part ending in `/`."""
    if not prefix:
        raise InvalidBlobKey("an empty prefix would match every object")

    checked_key(prefix.removesuffix("/"))
    return prefix
