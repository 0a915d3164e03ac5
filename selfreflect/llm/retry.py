"""When to retry a request and how long to wait: capped exponential backoff with jitter."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

#: Statuses worth another try (as openai-python): timeout, conflict, rate limit, server errors.
RETRY_STATUSES = frozenset({408, 409, 429})


def is_retryable_status(status: int) -> bool:
    """True for 408, 409, 429 and every 5xx; never for other 4xx."""
    return status in RETRY_STATUSES or 500 <= status <= 599


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asks us to wait: ``retry-after-ms``, else ``Retry-After`` (seconds
    or an HTTP-date); None when absent or unreadable."""
    lower = {k.lower(): v for k, v in headers.items()}
    ms = lower.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = lower.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


@dataclass
class RetryPolicy:
    """How many times to retry and how long to wait between attempts."""

    #: Retries after the first attempt (openai-python defaults to 2).
    max_retries: int = 4
    #: First backoff in seconds; doubles each retry.
    base_delay: float = 0.5
    #: Longest backoff in seconds.
    max_delay: float = 8.0
    #: A Retry-After longer than this fails the request as ``rate_limited`` instead of waiting.
    max_retry_after: float = 60.0

    def backoff(self, retry: int, rng: random.Random | None = None) -> float:
        """Seconds before retry ``retry`` (0-based): min(base*2^n, cap) less up to 25% jitter."""
        delay = min(self.base_delay * (2**retry), self.max_delay)
        jitter = (rng or random).random() * 0.25
        return delay * (1.0 - jitter)
