"""A content-addressed cache of chat completions in sqlite (WAL), values stored as JSON.

The key is a hash of everything that decides the answer: model, sampling parameters, prompt
version, messages and response format. Never the API key. Every answer is committed as soon as
it arrives, so a run killed with ``kill -9`` restarts paying only for calls not yet answered.

Failures are one-line :class:`CacheError` messages, never sqlite tracebacks: ``check()`` finds
a cache path that names a file or a file that is not a cache before any data is read; a full
disk while answers are stored stops the run (answers stored so far stay, and the message does
not name the file).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

CACHE_FILE = "llm-cache.sqlite3"


class CacheError(OSError):
    """The cache cannot be used or written; the message is one line and says what to do."""


class CacheFull(CacheError):
    """The disk under the cache is full (not a usage error: the message names no file)."""


def _cache_error(exc: sqlite3.Error | OSError, directory: str) -> CacheError:
    """A one-line CacheError for a failed sqlite or file operation on the cache."""
    code = getattr(exc, "sqlite_errorname", "")
    if code == "SQLITE_FULL" or getattr(exc, "errno", None) == 28:
        return CacheFull(
            "the LLM answer cache cannot be written: the disk is full; free "
            "some space and run again (answers already cached are kept)"
        )
    if code in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
        return CacheError(
            f"the LLM answer cache {Path(directory) / CACHE_FILE} is not a "
            f"readable cache ({exc}); delete that file or pass another --cache "
            "directory"
        )
    return CacheError(
        f"the LLM answer cache in {directory} cannot be used: {' '.join(str(exc).split())}"
    )


def request_json(body: dict[str, Any]) -> bytes:
    """The canonical JSON of a request body (sorted keys, compact, UTF-8): sent and hashed."""
    return json.dumps(
        body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def content_key(content: bytes, prompt_version: str = "") -> str:
    """The hex SHA-256 of a prompt version and a canonical request body."""
    return hashlib.sha256(prompt_version.encode("utf-8") + b"\n" + content).hexdigest()


def cache_key(body: dict[str, Any], prompt_version: str = "") -> str:
    """The cache key of a chat-completions request body (model, messages, parameters and
    response format) under a prompt version."""
    return content_key(request_json(body), prompt_version)


class Cache:
    """Key -> JSON value, persisted in ``<directory>/llm-cache.sqlite3``."""

    def __init__(self, directory: str | os.PathLike[str]):
        self.directory = str(directory)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        """The sqlite file."""
        return Path(self.directory) / CACHE_FILE

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            folder = self.path.parent
            if folder.exists() and not folder.is_dir():
                raise CacheError(
                    f"the LLM cache must be a directory, but {folder} is a file; "
                    "pass a directory to --cache"
                )
            conn = None
            try:
                folder.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(
                    self.path, isolation_level=None, check_same_thread=False, timeout=30
                )
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS completions ("
                    " key TEXT PRIMARY KEY, value TEXT NOT NULL, created REAL NOT NULL)"
                )
            except (sqlite3.Error, OSError) as exc:
                if conn is not None:
                    conn.close()
                raise _cache_error(exc, self.directory) from None
            self._conn = conn
        return self._conn

    def check(self) -> None:
        """Open the cache (creating it if needed) and close it again; CacheError if it cannot
        be used. Run before any data is read."""
        with self._lock:
            conn = self._connect()
            try:
                conn.execute("SELECT COUNT(*) FROM completions LIMIT 1").fetchone()
            except sqlite3.Error as exc:
                raise _cache_error(exc, self.directory) from None
        self.close()

    def get(self, key: str) -> Any | None:
        """The stored value, or None."""
        with self._lock:
            try:
                row = (
                    self._connect()
                    .execute("SELECT value FROM completions WHERE key = ?", (key,))
                    .fetchone()
                )
            except sqlite3.Error as exc:
                raise _cache_error(exc, self.directory) from None
        return json.loads(row[0]) if row else None

    def put(self, key: str, value: Any) -> None:
        """Store (or replace) a value; committed before returning."""
        text = json.dumps(value, ensure_ascii=False)
        with self._lock:
            try:
                self._connect().execute(
                    "INSERT OR REPLACE INTO completions (key, value, created) VALUES (?, ?, ?)",
                    (key, text, time.time()),
                )
            except sqlite3.Error as exc:
                raise _cache_error(exc, self.directory) from None

    def __len__(self) -> int:
        with self._lock:
            try:
                return self._connect().execute("SELECT COUNT(*) FROM completions").fetchone()[0]
            except sqlite3.Error as exc:
                raise _cache_error(exc, self.directory) from None

    def close(self) -> None:
        """Close the connection (it reopens on next use)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __repr__(self) -> str:
        return f"Cache({self.directory!r})"
