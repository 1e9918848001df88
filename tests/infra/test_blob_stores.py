"""The contract every `BlobStore` keeps, run over the local and S3 adapters."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator

import pytest

from domain.blobs import BlobNotFound, BlobStore, new_blob_key, user_prefix
from infra.blobs import InvalidBlobKey

MiB = 1 << 20


async def chunked(data: bytes, size: int = 256 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read_all(store: BlobStore, key: str, chunk_size: int = 1 << 16) -> bytes:
    return b"".join([chunk async for chunk in store.get(key, chunk_size)])


async def test_large_blob_round_trips_byte_for_byte(blob_store: BlobStore) -> None:
    data = os.urandom(12 * MiB)  # more than one 10 MiB multipart part
    key = new_blob_key(1, "upload")

    info = await blob_store.put(key, chunked(data), "text/csv")

    assert (info.key, info.size, info.content_type) == (key, len(data), "text/csv")
    stored = await read_all(blob_store, key)
    assert hashlib.sha256(stored).digest() == hashlib.sha256(data).digest()


async def test_get_streams_in_chunks_no_larger_than_asked(blob_store: BlobStore) -> None:
    data = os.urandom(MiB + 123)
    key = new_blob_key(1, "upload")
    await blob_store.put(key, chunked(data), "application/octet-stream")

    sizes = [len(chunk) async for chunk in blob_store.get(key, chunk_size=64 * 1024)]

    assert len(sizes) > 1
    assert max(sizes) <= 64 * 1024
    assert sum(sizes) == len(data)


async def test_stat_reports_size_and_content_type(blob_store: BlobStore) -> None:
    key = new_blob_key(2, "avatar")
    await blob_store.put(key, chunked(b"\x89PNG fake"), "image/png")

    info = await blob_store.stat(key)

    assert (info.key, info.size, info.content_type) == (key, 9, "image/png")


async def test_put_again_replaces_the_object(blob_store: BlobStore) -> None:
    key = new_blob_key(2, "avatar")
    await blob_store.put(key, chunked(b"first"), "image/png")

    await blob_store.put(key, chunked(b"second!"), "image/webp")

    assert await read_all(blob_store, key) == b"second!"
    assert (await blob_store.stat(key)).content_type == "image/webp"


async def test_empty_blob_is_stored(blob_store: BlobStore) -> None:
    key = new_blob_key(2, "upload")

    info = await blob_store.put(key, chunked(b""), "text/plain")

    assert info.size == 0
    assert await read_all(blob_store, key) == b""


async def test_missing_key_raises_blob_not_found(blob_store: BlobStore) -> None:
    key = new_blob_key(3, "avatar")

    with pytest.raises(BlobNotFound):
        await read_all(blob_store, key)
    with pytest.raises(BlobNotFound):
        await blob_store.stat(key)


async def test_delete_removes_the_object_and_is_idempotent(blob_store: BlobStore) -> None:
    key = new_blob_key(4, "avatar")
    await blob_store.put(key, chunked(b"bye"), "image/png")

    await blob_store.delete(key)
    await blob_store.delete(key)

    with pytest.raises(BlobNotFound):
        await blob_store.stat(key)


async def test_delete_prefix_removes_only_objects_under_it(blob_store: BlobStore) -> None:
    mine = [new_blob_key(5, kind) for kind in ("avatar", "upload", "result")]
    neighbours = [new_blob_key(50, "avatar"), new_blob_key(6, "upload")]
    for key in mine + neighbours:
        await blob_store.put(key, chunked(b"x"), "text/plain")

    removed = await blob_store.delete_prefix(user_prefix(5))

    assert removed == 3
    for key in neighbours:
        assert (await blob_store.stat(key)).size == 1
    assert await blob_store.delete_prefix(user_prefix(5)) == 0


async def test_failed_upload_leaves_no_object(blob_store: BlobStore) -> None:
    key = new_blob_key(7, "upload")

    async def broken() -> AsyncIterator[bytes]:
        yield os.urandom(MiB)
        raise ConnectionResetError("client went away")

    with pytest.raises(Exception):  # noqa: B017 - the adapter may wrap the cause
        await blob_store.put(key, broken(), "text/csv")

    with pytest.raises(BlobNotFound):
        await blob_store.stat(key)


@pytest.mark.parametrize(
    "key", ["../outside", "users/1/../../etc/passwd", "/etc/passwd", "users//x", "", "a/./b"]
)
async def test_keys_that_could_escape_the_store_are_refused(
    blob_store: BlobStore, key: str
) -> None:
    with pytest.raises(InvalidBlobKey):
        await blob_store.put(key, chunked(b"x"), "text/plain")
    with pytest.raises(InvalidBlobKey):
        await blob_store.stat(key)


async def test_check_passes_on_a_usable_store(blob_store: BlobStore) -> None:
    await blob_store.check()
