"""Object storage for avatars, uploads and results."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, AsyncIterator
from typing import Protocol

import msgspec


class BlobInfo(msgspec.Struct, frozen=True):
    key: str
    size: int
    content_type: str


class BlobNotFound(Exception):
    """No object under this key."""


class BlobStore(Protocol):
    """Streams objects in and out; never holds a large object whole."""

    async def put(self, key: str, chunks: AsyncIterable[bytes], content_type: str) -> BlobInfo: ...

    def get(self, key: str, chunk_size: int = 1 << 16) -> AsyncIterator[bytes]:
        """Stream the object; raise `BlobNotFound` on first iteration if missing."""
        ...

    async def stat(self, key: str) -> BlobInfo:
        """Raise `BlobNotFound` if missing."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; a missing key is not an error."""
        ...

    async def delete_prefix(self, prefix: str) -> int:
        """Remove every object under `prefix`; return how many."""
        ...

    async def check(self) -> None:
        """Raise if the store cannot be used right now."""
        ...


def new_blob_key(user_id: int, kind: str) -> str:
    """A key of our own making; file names never become keys."""
    return f"users/{user_id}/{kind}/{uuid.uuid4().hex}"


def user_prefix(user_id: int) -> str:
    return f"users/{user_id}/"
