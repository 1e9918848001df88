"""Objects in an S3 bucket (MinIO in production) through the `minio` client.

The client blocks, so every call runs in a worker thread of the store's own
executor: a long upload then never starves `asyncio.to_thread` users such
as password hashing.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, BinaryIO, TypeVar, cast

import urllib3
from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import S3Error

from domain.blobs import BlobInfo, BlobNotFound
from infra.blobs.keys import checked_key, checked_prefix

logger = logging.getLogger(__name__)

T = TypeVar("T")

PART_SIZE = 10 << 20
_MISSING_CODES = {"NoSuchKey", "NoSuchObject", "ResourceNotFound"}
_QUEUE_CHUNKS = 8


class S3BlobStore:
    """`BlobStore` over one bucket. Uploads stream in `PART_SIZE` parts, so
    at most one part of an object is held in memory."""

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool = True,
        region: str | None = None,
        max_workers: int = 8,
    ) -> None:
        http = urllib3.PoolManager(
            maxsize=max_workers,
            timeout=urllib3.Timeout(connect=3.0, read=60.0),
            retries=urllib3.Retry(
                total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]
            ),
        )
        self.bucket = bucket
        self._client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=http,
        )
        self._executor = ThreadPoolExecutor(max_workers, thread_name_prefix="s3")

    async def ensure_bucket(self) -> None:
        """Create the bucket unless it exists (call once at startup)."""
        await self._run(self._ensure_bucket)

    async def put(self, key: str, chunks: AsyncIterable[bytes], content_type: str) -> BlobInfo:
        checked_key(key)
        body = ChunkPipe()
        send = partial(
            self._client.put_object,
            self.bucket,
            key,
            cast(BinaryIO, body),
            length=-1,
            content_type=content_type,
            part_size=PART_SIZE,
            num_parallel_uploads=1,
        )
        upload = asyncio.ensure_future(self._run(send))
        feeding = asyncio.ensure_future(body.feed(chunks))
        try:
            await asyncio.gather(upload, feeding)
        except BaseException:
            # Whichever side failed, unblock the other and let minio abort
            # the multipart upload before the error goes on.
            body.abandon()
            feeding.cancel()
            await asyncio.wait([upload, feeding])
            raise

        return BlobInfo(key=key, size=body.size, content_type=content_type)

    async def get(self, key: str, chunk_size: int = 1 << 16) -> AsyncIterator[bytes]:
        checked_key(key)
        try:
            response = await self._run(self._client.get_object, self.bucket, key)
        except S3Error as error:
            raise _translated(error, key) from error

        try:
            pieces: Iterator[bytes] = response.stream(chunk_size)
            while chunk := await self._run(next, pieces, b""):
                yield chunk
        finally:
            await self._run(_release, response)

    async def stat(self, key: str) -> BlobInfo:
        checked_key(key)
        try:
            found = await self._run(self._client.stat_object, self.bucket, key)
        except S3Error as error:
            raise _translated(error, key) from error

        return BlobInfo(
            key=key,
            size=found.size or 0,
            content_type=found.content_type or "application/octet-stream",
        )

    async def delete(self, key: str) -> None:
        await self._run(self._client.remove_object, self.bucket, checked_key(key))

    async def delete_prefix(self, prefix: str) -> int:
        return await self._run(self._delete_prefix, checked_prefix(prefix))

    async def check(self) -> None:
        if not await self._run(self._client.bucket_exists, self.bucket):
            raise RuntimeError(f"bucket {self.bucket!r} does not exist")

    async def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _run(self, call: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(call, *args))

    def _ensure_bucket(self) -> None:
        if self._client.bucket_exists(self.bucket):
            return

        try:
            self._client.make_bucket(self.bucket)
            logger.info("bucket created bucket=%s", self.bucket)
        except S3Error as error:
            # Another process may have created it in the meantime.
            if error.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    def _delete_prefix(self, prefix: str) -> int:
        listed = self._client.list_objects(self.bucket, prefix=prefix, recursive=True)
        names = [found.object_name for found in listed if found.object_name]

        # remove_objects is lazy: its errors only appear while iterating.
        failures = list(self._client.remove_objects(self.bucket, map(DeleteObject, names)))
        if failures:
            raise RuntimeError(f"could not delete {len(failures)} objects under {prefix!r}")

        return len(names)


class ChunkPipe:
    """A file-like body that minio reads in a worker thread while the event
    loop fills it from an async iterator, through a bounded queue."""

    def __init__(self) -> None:
        self.size = 0
        self._queue: queue.Queue[bytes | BaseException | None] = queue.Queue(_QUEUE_CHUNKS)
        self._pending = b""
        self._done = False
        self._abandoned = threading.Event()

    async def feed(self, chunks: AsyncIterable[bytes]) -> None:
        try:
            async for chunk in chunks:
                if chunk:
                    self.size += len(chunk)
                    await self._offer(chunk)
        except Exception as error:
            await self._offer(error)
            raise

        await self._offer(None)

    def abandon(self) -> None:
        """Unblock both sides when the upload or the feed gave up."""
        self._abandoned.set()

    def read(self, size: int = -1) -> bytes:
        while not self._pending and not self._done:
            item = self._take()
            if item is None:
                self._done = True
            elif isinstance(item, BaseException):
                raise OSError("upload body failed") from item
            else:
                self._pending = item

        if size < 0:
            size = len(self._pending)
        part, self._pending = self._pending[:size], self._pending[size:]
        return part

    async def _offer(self, item: bytes | BaseException | None) -> None:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            await asyncio.to_thread(self._put_waiting, item)

    def _put_waiting(self, item: bytes | BaseException | None) -> None:
        while not self._abandoned.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def _take(self) -> bytes | BaseException | None:
        while not self._abandoned.is_set():
            try:
                return self._queue.get(timeout=0.1)
            except queue.Empty:
                continue

        raise OSError("upload abandoned")


def _release(response: urllib3.BaseHTTPResponse) -> None:
    response.close()
    response.release_conn()


def _translated(error: S3Error, key: str) -> Exception:
    if error.code in _MISSING_CODES:
        return BlobNotFound(key)
    return error
