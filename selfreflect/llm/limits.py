"""Rate limits: token buckets for requests per minute and tokens per minute."""

from __future__ import annotations

import asyncio
import time


class TokenBucket:
    """Allow ``per_minute`` units per minute, in bursts of at most ``per_minute``."""

    def __init__(self, per_minute: float):
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.per_minute = per_minute
        self._capacity = float(per_minute)
        self._tokens = float(per_minute)
        self._stamp = time.monotonic()
        self._lock: asyncio.Lock | None = None

    def _refill(self) -> None:
        now = time.monotonic()
        self._tokens = min(
            self._capacity, self._tokens + (now - self._stamp) * self.per_minute / 60.0
        )
        self._stamp = now

    async def acquire(self, amount: float = 1.0) -> float:
        """Wait until ``amount`` units are available and take them; return seconds waited.

        An amount larger than the whole bucket waits for a full bucket and empties it.
        """
        if self._lock is None:
            self._lock = asyncio.Lock()
        amount = min(float(amount), self._capacity)
        waited = 0.0
        async with self._lock:
            while True:
                self._refill()
                if self._tokens >= amount:
                    self._tokens -= amount
                    return waited
                pause = (amount - self._tokens) * 60.0 / self.per_minute
                await asyncio.sleep(pause)
                waited += pause


def estimate_tokens(messages: list[dict[str, object]]) -> int:
    """A rough prompt size in tokens (4 characters a token) for tokens/min limits and budgets."""
    chars = sum(len(str(m.get("content", ""))) for m in messages)
    return chars // 4 + 4 * len(messages)
