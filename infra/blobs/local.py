"""Objects as files under one directory, for single-machine deployments."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import BinaryIO

from domain.blobs import BlobInfo, BlobNotFound
from infra.blobs.keys import checked_key, checked_prefix

_DEFAULT_TYPE = "application/octet-stream"


class LocalBlobStore:
    """`BlobStore` over `root_dir`: object bytes under `data/`, content types
    under `meta/`. Every file operation runs in a worker thread; a put
    writes a temporary file and renames it, so readers never see half an
    object."""

    def __init__(self, root_dir: Path | str) -> None:
        self.root = Path(root_dir).resolve()
        self._data = self.root / "data"
        self._meta = self.root / "meta"
        self._staging = self.root / "staging"

    async def put(self, key: str, chunks: AsyncIterable[bytes], content_type: str) -> BlobInfo:
        target = self._data_path(key)
        staged = self._staging / uuid.uuid4().hex
        await asyncio.to_thread(self._prepare_dirs, target)

        size = 0
        file: BinaryIO = await asyncio.to_thread(staged.open, "wb")
        try:
            async for chunk in chunks:
                await asyncio.to_thread(file.write, chunk)
                size += len(chunk)
            await asyncio.to_thread(_close_synced, file)
            await asyncio.to_thread(self._publish, key, staged, content_type)
        finally:
            await asyncio.to_thread(file.close)
            await asyncio.to_thread(staged.unlink, missing_ok=True)

        return BlobInfo(key=key, size=size, content_type=content_type)

    async def get(self, key: str, chunk_size: int = 1 << 16) -> AsyncIterator[bytes]:
        path = self._data_path(key)
        try:
            file: BinaryIO = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise BlobNotFound(key) from None

        try:
            while chunk := await asyncio.to_thread(file.read, chunk_size):
                yield chunk
        finally:
            await asyncio.to_thread(file.close)

    async def stat(self, key: str) -> BlobInfo:
        return await asyncio.to_thread(self._stat, key)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._delete, key)

    async def delete_prefix(self, prefix: str) -> int:
        return await asyncio.to_thread(self._delete_prefix, checked_prefix(prefix))

    async def check(self) -> None:
        await asyncio.to_thread(self._check)

    def _data_path(self, key: str) -> Path:
        path = (self._data / checked_key(key)).resolve()
        # checked_key already refuses `..`; this guards against symlinks too.
        if not path.is_relative_to(self._data):
            raise BlobNotFound(key)
        return path

    def _meta_path(self, key: str) -> Path:
        return self._meta / checked_key(key)

    def _prepare_dirs(self, target: Path) -> None:
        self._staging.mkdir(parents=True, exist_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)

    def _publish(self, key: str, staged: Path, content_type: str) -> None:
        """Content type first, then the bytes, each by an atomic rename."""
        meta = self._meta_path(key)
        meta.parent.mkdir(parents=True, exist_ok=True)
        staged_meta = self._staging / f"{uuid.uuid4().hex}.meta"
        staged_meta.write_text(content_type, encoding="utf-8")

        os.replace(staged_meta, meta)
        os.replace(staged, self._data_path(key))

    def _stat(self, key: str) -> BlobInfo:
        try:
            size = self._data_path(key).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(key) from None

        try:
            content_type = self._meta_path(key).read_text(encoding="utf-8")
        except FileNotFoundError:
            content_type = _DEFAULT_TYPE

        return BlobInfo(key=key, size=size, content_type=content_type)

    def _delete(self, key: str) -> bool:
        data = self._data_path(key)
        existed = data.is_file()
        data.unlink(missing_ok=True)
        self._meta_path(key).unlink(missing_ok=True)
        return existed

    def _delete_prefix(self, prefix: str) -> int:
        parent, _, _ = prefix.rpartition("/")
        base = self._data / parent if parent else self._data
        if not base.is_dir():
            return 0

        keys = [
            path.relative_to(self._data).as_posix()
            for path in base.rglob("*")
            if path.is_file() and not path.is_symlink()
        ]
        return sum(self._delete(key) for key in keys if key.startswith(prefix))

    def _check(self) -> None:
        self._staging.mkdir(parents=True, exist_ok=True)
        probe = self._staging / f"check-{uuid.uuid4().hex}"
        probe.write_bytes(b"ok")
        probe.unlink()


def _close_synced(file: BinaryIO) -> None:
    file.flush()
    with contextlib.suppress(OSError):
        os.fsync(file.fileno())
    file.close()
