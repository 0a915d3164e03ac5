"""The client against a real loopback server: retries, deadlines, cache, budget, concurrency."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from fakellm import FakeLLM, Reply, chat, error, http_date

from selfreflect.llm import (
    Budget,
    BudgetExhausted,
    Cache,
    ConnectionFailed,
    Hung,
    LLMClient,
    RateLimited,
    RequestRejected,
    RetryPolicy,
    ServerError,
    Timeouts,
)
from selfreflect.llm.errors import BadResponse

FAST = RetryPolicy(max_retries=3, base_delay=0.01, max_delay=0.05, max_retry_after=5)
MSGS = [{"role": "user", "content": "hello"}]


def make(server: FakeLLM, **kw) -> LLMClient:
    kw.setdefault("retry", FAST)
    return LLMClient(server.base_url, "fake-model", **kw)


def call(client: LLMClient, messages=MSGS, **kw):
    async def go():
        try:
            return await client.complete(messages, **kw)
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_good_answer_counts_usage_and_sends_model_and_key(fake_llm, monkeypatch):
    monkeypatch.setenv("SELFREFLECT_API_KEY", "sk-test-secret")
    fake_llm.script(chat("hi there", prompt_tokens=7, completion_tokens=3))
    client = make(fake_llm)
    out = call(client, params={"temperature": 0})
    assert out.content == "hi there" and out.finish_reason == "stop" and not out.cached
    req = fake_llm.requests[0]
    assert req.body["model"] == "fake-model" and req.body["temperature"] == 0
    assert req.headers["Authorization"] == "Bearer sk-test-secret"
    assert client.usage.counters["calls"] == 1
    assert client.usage.counters["total_tokens"] == 10
    assert "sk-test-secret" not in repr(client)


def test_key_falls_back_to_openai_and_custom_env_name(fake_llm, monkeypatch):
    monkeypatch.delenv("SELFREFLECT_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    monkeypatch.setenv("MY_KEY", "sk-mine")
    fake_llm.script(chat("a"), chat("b"))
    call(make(fake_llm))
    call(make(fake_llm, api_key_env="MY_KEY"))
    assert fake_llm.requests[0].headers["Authorization"] == "Bearer sk-openai"
    assert fake_llm.requests[1].headers["Authorization"] == "Bearer sk-mine"


def test_no_key_sends_no_authorization(fake_llm, monkeypatch):
    monkeypatch.delenv("SELFREFLECT_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    fake_llm.script(chat("a"))
    call(make(fake_llm))
    assert "Authorization" not in fake_llm.requests[0].headers


def test_429_retry_after_seconds_is_honoured(fake_llm):
    fake_llm.script(error(429, retry_after="0.3"), chat("ok"))
    client = make(fake_llm)
    t0 = time.perf_counter()
    assert call(client).content == "ok"
    assert time.perf_counter() - t0 >= 0.3
    assert fake_llm.calls == 2
    assert client.usage.counters["retries"] == 1 and client.usage.counters["calls"] == 1


def test_retry_after_ms_and_http_date(fake_llm):
    fake_llm.script(
        error(503, retry_after_ms=200), error(429, retry_after=http_date(1)), chat("ok")
    )
    t0 = time.perf_counter()
    assert call(make(fake_llm)).content == "ok"
    assert time.perf_counter() - t0 >= 0.2
    assert fake_llm.calls == 3


def test_retry_after_beyond_cap_fails_as_rate_limited_without_waiting(fake_llm):
    fake_llm.script(error(429, retry_after="3600"), chat("never"))
    t0 = time.perf_counter()
    with pytest.raises(RateLimited, match="3600"):
        call(make(fake_llm))
    assert time.perf_counter() - t0 < 2
    assert fake_llm.calls == 1


def test_persistent_429_is_rate_limited_after_all_retries(fake_llm):
    fake_llm.handler = lambda r: error(429)
    with pytest.raises(RateLimited, match="after 4 attempts"):
        call(make(fake_llm))
    assert fake_llm.calls == 4


@pytest.mark.parametrize("status", [500, 502, 503, 408, 409])
def test_server_errors_are_retried_then_fail(fake_llm, status):
    fake_llm.handler = lambda r: error(status)
    client = make(fake_llm)
    with pytest.raises(ServerError):
        call(client)
    assert fake_llm.calls == FAST.max_retries + 1
    assert client.usage.counters["retries"] == FAST.max_retries
    assert client.usage.counters["calls"] == 0


def test_server_error_then_success(fake_llm):
    fake_llm.script(error(500), error(502), chat("fine"))
    assert call(make(fake_llm)).content == "fine"
    assert fake_llm.calls == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_never_retried(fake_llm, status):
    fake_llm.handler = lambda r: error(status, message="nope")
    with pytest.raises(RequestRejected, match=f"HTTP {status}: nope"):
        call(make(fake_llm))
    assert fake_llm.calls == 1


def test_read_deadline(fake_llm):
    fake_llm.script(chat("late", delay=1.0), chat("on time"))
    client = make(fake_llm, timeouts=Timeouts(connect=1, read=0.3, total=5))
    assert call(client).content == "on time"
    assert fake_llm.calls == 2


def test_total_deadline_catches_a_trickling_body(fake_llm):
    # each chunk arrives within the read timeout, but the whole body takes ~1.2 s: the
    # call's deadline covers every attempt, so it is hung after the first, not retried
    fake_llm.handler = lambda r: chat("x" * 200, chunks=6, chunk_delay=0.2)
    client = make(
        fake_llm,
        timeouts=Timeouts(connect=1, read=0.5, total=0.5),
        retry=RetryPolicy(max_retries=1, base_delay=0.01),
    )
    with pytest.raises(Hung):
        call(client)
    assert fake_llm.calls == 1 and client.usage.counters["hung"] == 1


def test_cut_off_body_is_a_broken_response_and_retried(fake_llm):
    good = chat("whole")
    fake_llm.script(Reply(200, good.body, cut_at=20), good)
    assert call(make(fake_llm)).content == "whole"
    assert fake_llm.calls == 2


def test_connection_refused():
    server = FakeLLM().start()
    url = server.base_url
    server.stop()
    client = LLMClient(url, "m", retry=RetryPolicy(max_retries=1, base_delay=0.01))
    with pytest.raises(ConnectionFailed):
        call(client)


def test_cache_answers_repeat_requests_across_client_instances(fake_llm, tmp_path):
    fake_llm.handler = lambda r: chat("cached answer")
    first = make(fake_llm, cache=Cache(tmp_path))
    call(first, params={"temperature": 0}, prompt_version="v1")
    second = make(fake_llm, cache=Cache(tmp_path))
    out = call(second, params={"temperature": 0}, prompt_version="v1")
    assert out.cached and out.content == "cached answer"
    assert fake_llm.calls == 1 and second.usage.counters["cache_hits"] == 1
    # any change of model parameters or prompt version is a new call
    call(make(fake_llm, cache=Cache(tmp_path)), params={"temperature": 0}, prompt_version="v2")
    call(make(fake_llm, cache=Cache(tmp_path)), params={"temperature": 1}, prompt_version="v1")
    assert fake_llm.calls == 3


def test_failures_are_not_cached(fake_llm, tmp_path):
    fake_llm.script(error(400), chat("later"))
    with pytest.raises(RequestRejected):
        call(make(fake_llm, cache=Cache(tmp_path)))
    assert call(make(fake_llm, cache=Cache(tmp_path))).content == "later"


def test_budget_stops_new_calls_but_not_cache_hits(fake_llm, tmp_path):
    fake_llm.handler = lambda r: chat("x")
    client = make(fake_llm, cache=Cache(tmp_path), budget=Budget(max_calls=1))

    async def go():
        await client.complete(MSGS)
        await client.complete(MSGS)  # cache hit: free
        with pytest.raises(BudgetExhausted):
            await client.complete([{"role": "user", "content": "other"}])
        await client.aclose()

    asyncio.run(go())
    assert fake_llm.calls == 1


def test_token_budget(fake_llm):
    fake_llm.handler = lambda r: chat("x", prompt_tokens=60, completion_tokens=50)
    client = make(fake_llm, budget=Budget(max_tokens=100))

    async def go():
        await client.complete(MSGS)
        with pytest.raises(BudgetExhausted, match="token budget"):
            await client.complete(MSGS)
        await client.aclose()

    asyncio.run(go())
    assert fake_llm.calls == 1


def test_concurrency_is_bounded(fake_llm):
    active = {"now": 0, "max": 0}
    import threading

    lock = threading.Lock()

    def slow(request):
        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
        time.sleep(0.15)
        with lock:
            active["now"] -= 1
        return chat("ok")

    fake_llm.handler = slow
    client = make(fake_llm, concurrency=2)

    async def go():
        await asyncio.gather(
            *[client.complete([{"role": "user", "content": str(i)}]) for i in range(6)]
        )
        await client.aclose()

    t0 = time.perf_counter()
    asyncio.run(go())
    assert active["max"] == 2
    assert time.perf_counter() - t0 >= 0.45


def test_requests_per_minute_limit(fake_llm):
    fake_llm.handler = lambda r: chat("ok")
    client = make(fake_llm, requests_per_minute=600)  # 10/s, bursts of 600

    async def go():
        bucket = client._rpm
        bucket._tokens = 0  # start empty: 3 requests need ~0.3 s
        await asyncio.gather(
            *[client.complete([{"role": "user", "content": str(i)}]) for i in range(3)]
        )
        await client.aclose()

    t0 = time.perf_counter()
    asyncio.run(go())
    assert time.perf_counter() - t0 >= 0.25


def test_bad_2xx_body_with_mock_transport():
    transport = httpx.MockTransport(lambda req: httpx.Response(200, json={"nothing": 1}))
    client = LLMClient(
        "http://llm.invalid/v1",
        "m",
        transport=transport,
        retry=RetryPolicy(max_retries=1, base_delay=0.01),
    )
    with pytest.raises(BadResponse, match="after 2 attempts"):
        call(client)


def test_key_is_never_logged_or_put_in_errors(fake_llm, monkeypatch, caplog):
    import logging

    secret = "sk-log-check-123456"
    monkeypatch.setenv("SELFREFLECT_API_KEY", secret)
    echo = lambda r: error(503, message=f"upstream saw {r.headers['Authorization']}")  # noqa: E731
    fake_llm.handler = echo
    client = make(fake_llm, retry=RetryPolicy(max_retries=2, base_delay=0.01))
    with caplog.at_level(logging.DEBUG, logger="selfreflect.llm"):
        with pytest.raises(ServerError) as info:
            call(client)
    assert caplog.records, "retries should be logged at debug level"
    assert secret not in caplog.text
    assert secret not in str(info.value) and "***" in str(info.value)
    assert secret not in repr(client)


def calls_in_a_row(client: LLMClient, n: int) -> list[object]:
    """The result or exception of ``n`` calls made one after another on one client."""

    async def go():
        results: list[object] = []
        try:
            for i in range(n):
                try:
                    results.append(await client.complete([{"role": "user", "content": str(i)}]))
                except Exception as exc:  # noqa: BLE001 - the test looks at each outcome
                    results.append(exc)
        finally:
            await client.aclose()
        return results

    return asyncio.run(go())


@pytest.mark.parametrize("status", [401, 403, 404])
def test_a_server_that_refuses_every_first_call_stops_the_run(fake_llm, status):
    fake_llm.handler = lambda r: error(status, message="bad key or model")
    results = calls_in_a_row(make(fake_llm), 5)
    assert [type(r).__name__ for r in results] == ["RequestRejected", "RequestRejected"] + [
        "ServerUnusable"
    ] * 3
    assert fake_llm.calls == 3  # once given up on, no more requests are sent
    assert f"HTTP {status}: bad key or model" in str(results[2])


def test_an_unreachable_server_stops_the_run():
    server = FakeLLM().start()
    url = server.base_url
    server.stop()
    results = calls_in_a_row(LLMClient(url, "m", retry=RetryPolicy(max_retries=0)), 4)
    assert [type(r).__name__ for r in results] == [
        "ConnectionFailed",
        "ConnectionFailed",
        "ServerUnusable",
        "ServerUnusable",
    ]
    assert url in str(results[2])


def test_after_one_success_refusals_are_per_call_failures(fake_llm):
    fake_llm.script(chat("fine"), *[error(404, message="gone")] * 5)
    results = calls_in_a_row(make(fake_llm), 6)
    assert results[0].content == "fine"
    assert [type(r).__name__ for r in results[1:]] == ["RequestRejected"] * 5
    assert fake_llm.calls == 6
