"""A content-addressed cache of chat completions in sqlite (WAL), values stored as JSON.

The key is a hash of everything that decides the answer: model, sampling parameters, prompt
version, messages and response format. Never the API key. Every answer is committed as soon as
it arrives, so a run killed with ``kill -9`` restarts paying only for calls not yet answered.
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


def request_json(body: dict[str, Any]) -> bytes:
    """The canonical JSON of a request body (sorted keys, compact, UTF-8): sent and hashed."""
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


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
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS completions ("
                " key TEXT PRIMARY KEY, value TEXT NOT NULL, created REAL NOT NULL)"
            )
            self._conn = conn
        return self._conn

    def get(self, key: str) -> Any | None:
        """The stored value, or None."""
        with self._lock:
            row = self._connect().execute(
                "SELECT value FROM completions WHERE key = ?", (key,)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, value: Any) -> None:
        """Store (or replace) a value; committed before returning."""
        text = json.dumps(value, ensure_ascii=False)
        with self._lock:
            self._connect().execute(
                "INSERT OR REPLACE INTO completions (key, value, created) VALUES (?, ?, ?)",
                (key, text, time.time()),
            )

    def __len__(self) -> int:
        with self._lock:
            return self._connect().execute("SELECT COUNT(*) FROM completions").fetchone()[0]

    def close(self) -> None:
        """Close the connection (it reopens on next use)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __repr__(self) -> str:
        return f"Cache({self.directory!r})"
