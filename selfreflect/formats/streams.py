"""Read an input once, as a stream: look at its first bytes, then read on from there.

Nothing here reopens or seeks a path, so a pipe, a fifo, a process substitution and standard
input (``-``) read like a regular file: :func:`read_head` takes the first bytes to sniff the
format, :func:`put_back` gives a stream that yields them again followed by the rest.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from typing import IO, Any, Protocol

#: The path that means standard input, and the source name its records get.
STDIN = "-"
STDIN_SOURCE = "<stdin>"
#: How many bytes are looked at to tell the format.
HEAD_BYTES = 4096
_CHUNK = 1024 * 1024


class ByteReader(Protocol):
    """What :func:`read_head` and :func:`put_back` read: a binary file, a GzipFile, a pipe."""

    def read(self, size: int = -1, /) -> bytes: ...


class _Chunks(io.RawIOBase):
    """A read-only binary stream over a function that returns the next chunk (b"" at the end)."""

    def __init__(self, next_chunk: Callable[[], bytes]):
        self._next = next_chunk
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = self._next()
            if not chunk:
                return 0
            self._pending = memoryview(chunk)
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def read_head(fh: ByteReader, size: int = HEAD_BYTES) -> bytes:
    """Up to ``size`` bytes from the start of a stream (fewer only at its end)."""
    read = getattr(fh, "read1", fh.read)
    parts, have = [], 0
    while have < size:
        chunk = read(size - have)
        if not chunk:
            break
        parts.append(chunk)
        have += len(chunk)
    return b"".join(parts)


def put_back(
    head: bytes, fh: ByteReader, transform: Callable[[bytes], bytes] | None = None
) -> IO[bytes]:
    """A buffered stream that yields ``head`` and then the rest of ``fh`` (read once)."""
    read = getattr(fh, "read1", fh.read)
    first = [head] if head else []

    def next_chunk() -> bytes:
        chunk = first.pop() if first else read(_CHUNK)
        return transform(chunk) if transform is not None and chunk else chunk

    return io.BufferedReader(_Chunks(next_chunk), _CHUNK)  # type: ignore[arg-type]


def cr_to_lf(chunk: bytes) -> bytes:
    """A chunk with every CR turned into LF (for files whose lines end in a lone CR)."""
    return chunk.replace(b"\r", b"\n")


def source_name(path: str | os.PathLike[str]) -> str:
    """The name records of ``path`` carry as their source (``<stdin>`` for ``-``)."""
    return STDIN_SOURCE if str(path) == STDIN else str(path)


def open_raw(path: str | os.PathLike[str]) -> IO[bytes]:
    """The file (or standard input for ``-``) opened once for binary reading."""
    if str(path) == STDIN:
        return sys.stdin.buffer
    return open(path, "rb")  # noqa: SIM115 - returned to the caller
