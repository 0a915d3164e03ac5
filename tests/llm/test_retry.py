"""Retry-After parsing and the backoff curve."""

from __future__ import annotations

import email.utils
import random

from selfreflect.llm.retry import RetryPolicy, is_retryable_status, retry_after_seconds


def test_retry_after_forms():
    now = 1_000_000.0
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert retry_after_seconds({"Retry-After": "12"}, now) == 12
    assert retry_after_seconds({"retry-after": "1.5"}, now) == 1.5
    assert retry_after_seconds({"Retry-After": date}, now) == 30
    assert retry_after_seconds({"retry-after-ms": "250", "Retry-After": "9"}, now) == 0.25
    assert retry_after_seconds({"Retry-After": "soon"}, now) is None
    assert retry_after_seconds({}, now) is None
    past = email.utils.formatdate(now - 30, usegmt=True)
    assert retry_after_seconds({"Retry-After": past}, now) == 0


def test_retryable_statuses():
    assert all(is_retryable_status(s) for s in (408, 409, 429, 500, 502, 503, 504))
    assert not any(is_retryable_status(s) for s in (400, 401, 403, 404, 422))


def test_backoff_is_exponential_capped_and_jittered():
    policy = RetryPolicy(base_delay=0.5, max_delay=8)
    rng = random.Random(1)
    delays = [policy.backoff(n, rng) for n in range(8)]
    for n, d in enumerate(delays):
        full = min(0.5 * 2**n, 8)
        assert 0.75 * full <= d <= full
    assert max(delays) <= 8
    assert len({round(d, 6) for d in delays[-3:]}) == 3  # jitter: capped delays still differ
