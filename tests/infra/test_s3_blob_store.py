"""What only the S3 adapter has to show: bounded memory and a free loop."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator

import pytest

from domain.blobs import new_blob_key
from infra.blobs import S3BlobStore
from infra.blobs.s3 import ChunkPipe

MiB = 1 << 20


async def test_pipe_stops_pulling_chunks_while_nobody_reads() -> None:
    pulled = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal pulled
        while True:
            pulled += 1
            yield b"x" * 1024

    pipe = ChunkPipe()
    feeding = asyncio.ensure_future(pipe.feed(endless()))
    await asyncio.sleep(0.3)

    assert not feeding.done()
    assert pulled <= 16  # the queue's bound plus the chunk waiting to go in
    pipe.abandon()
    feeding.cancel()
    await asyncio.wait([feeding])


async def test_pipe_hands_over_bytes_in_order_and_ends() -> None:
    async def three() -> AsyncIterator[bytes]:
        for part in (b"ab", b"", b"cde", b"f"):
            yield part

    pipe = ChunkPipe()
    feeding = asyncio.ensure_future(pipe.feed(three()))
    read = await asyncio.to_thread(lambda: b"".join(iter(lambda: pipe.read(2), b"")))
    await feeding

    assert read == b"abcdef"
    assert pipe.size == 6


async def test_event_loop_keeps_running_during_a_large_upload(
    s3_blob_store: S3BlobStore,
) -> None:
    data = os.urandom(12 * MiB)

    async def slices() -> AsyncIterator[bytes]:
        for start in range(0, len(data), MiB):
            yield data[start : start + MiB]

    longest_gap = 0.0

    async def ticker() -> None:
        nonlocal longest_gap
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.01)
            longest_gap = max(longest_gap, time.monotonic() - before)

    ticking = asyncio.ensure_future(ticker())
    try:
        await s3_blob_store.put(new_blob_key(1, "upload"), slices(), "text/csv")
    finally:
        ticking.cancel()

    # Generous: the S3 server shares this process and its GIL.
    assert longest_gap < 0.5


async def test_ensure_bucket_is_idempotent(s3_blob_store: S3BlobStore) -> None:
    await s3_blob_store.ensure_bucket()
    await s3_blob_store.check()


async def test_unreachable_endpoint_fails_the_check() -> None:
    from tests.conftest import free_port

    store = S3BlobStore(
        f"127.0.0.1:{free_port()}", "k", "s", bucket="b", secure=False, region="us-east-1"
    )
    try:
        with pytest.raises(Exception):  # noqa: B017 - urllib3 wraps the refusal
            await store.check()
    finally:
        await store.close()
