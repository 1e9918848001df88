"""A file-like front for a byte callback, for writers that emit small pieces."""

from __future__ import annotations

from collections.abc import Callable

CHUNK_BYTES = 1 << 16


class ChunkedSink:
    """Gathers writes into chunks of about `chunk_bytes` for `write` and
    counts every byte, so zipfile can `tell()` its offset on a stream it
    cannot seek (it then writes sizes after each entry)."""

    def __init__(self, write: Callable[[bytes], object], chunk_bytes: int = CHUNK_BYTES) -> None:
        self._write = write
        self._chunk_bytes = chunk_bytes
        self._buffer = bytearray()
        self._offset = 0

    def write(self, data: bytes) -> int:
        self._buffer += data
        self._offset += len(data)
        if len(self._buffer) >= self._chunk_bytes:
            self.drain()
        return len(data)

    def tell(self) -> int:
        return self._offset

    def flush(self) -> None:
        """Nothing: zipfile flushes after small writes; `drain` at the end."""

    def close(self) -> None:
        """Hand the last bytes to `write`."""
        self.drain()

    def drain(self) -> None:
        """Hand what is gathered to `write` now."""
        if self._buffer:
            self._write(bytes(self._buffer))
            self._buffer.clear()
