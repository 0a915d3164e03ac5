"""An async client for any OpenAI-compatible ``/v1/chat/completions`` server.

Transport failures (408/409/429/5xx, timeouts, connection errors, answers cut off mid-body)
are retried with capped exponential backoff and jitter, honouring ``Retry-After``, within one
deadline for the whole call (``Timeouts.total``); other 4xx are never retried.
Concurrency is bounded by a semaphore, optionally also requests/min and tokens/min. Answers are
cached by content; usage is counted; a budget can stop new calls. The API key is read from the
environment when the HTTP client opens and is never stored where a repr, log, error or cache
could show it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import ssl
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from selfreflect.llm.cache import Cache, content_key, request_json
from selfreflect.llm.errors import (
    BadResponse,
    ConnectionFailed,
    Hung,
    RateLimited,
    RequestRejected,
    ResponseBroken,
    ServerError,
    ServerUnusable,
    Timeout,
    TransportError,
    scrub,
)
from selfreflect.llm.limits import TokenBucket, estimate_tokens
from selfreflect.llm.retry import RetryPolicy, is_retryable_status, retry_after_seconds
from selfreflect.llm.transport import AsyncioTransport, env_proxy
from selfreflect.llm.usage import Budget, Usage

log = logging.getLogger("selfreflect.llm")

DEFAULT_KEY_ENV = "SELFREFLECT_API_KEY"
FALLBACK_KEY_ENV = "OPENAI_API_KEY"
#: Connections per HTTP pool (see ``LLMClient._transports``).
POOL_SIZE = 8
#: Final failures (connection refused, or HTTP 401/403/404), none after a success, that make
#: the client give up on the server for the whole run (``ServerUnusable``).
UNUSABLE_AFTER = 3
USER_AGENT = "selfreflect"
#: How much of an error body is scrubbed of the key before the start of it is kept.
_SCRUB_WINDOW = 64 * 1024


def check_base_url(base_url: str) -> None:
    """Raise a one-line ValueError unless ``base_url`` is an http(s) URL with a host and no
    user name or password (the message never shows them)."""
    try:
        parts = urlsplit(base_url)
        port = parts.port
    except ValueError:
        raise ValueError(
            "the base URL is not a valid URL; give one like http://localhost:8000/v1"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        shown = base_url if "@" not in base_url else "<the URL with its credentials hidden>"
        raise ValueError(
            f"the base URL {shown!r:.80} needs http:// or https:// and a host, "
            "e.g. http://localhost:8000/v1"
        )
    if parts.username is not None or parts.password is not None:
        host = parts.hostname + (f":{port}" if port else "")
        raise ValueError(
            f"the base URL carries a user name or password ({parts.scheme}://***@{host}"
            f"{parts.path}); remove them and put the credential in ${DEFAULT_KEY_ENV} (sent "
            "as a Bearer token), so it is never written to a recipe, report or message"
        )


def read_api_key(env_name: str = DEFAULT_KEY_ENV) -> str | None:
    """The key from ``env_name`` (falling back to OPENAI_API_KEY for the default name)."""
    names = [env_name] + ([FALLBACK_KEY_ENV] if env_name == DEFAULT_KEY_ENV else [])
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


@dataclass
class Completion:
    """One chat completion: the text, why it stopped, token usage, and whether it was cached."""

    content: str
    finish_reason: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    cached: bool = False

    def to_cache(self) -> dict[str, Any]:
        """The JSON value stored in the cache."""
        return {"content": self.content, "finish_reason": self.finish_reason, "usage": self.usage}


@dataclass
class Timeouts:
    """Deadlines in seconds: to connect, between bytes read, and for the whole call (every
    attempt, backoff and Retry-After wait included; a call that reaches it is ``hung``)."""

    connect: float = 10.0
    read: float = 120.0
    total: float = 300.0


class LLMClient:
    """Async chat-completions client: retries, limits, cache, usage and budget in one place."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key_env: str = DEFAULT_KEY_ENV,
        concurrency: int = 16,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        cache: Cache | None = None,
        budget: Budget | None = None,
        usage: Usage | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        check_base_url(base_url)
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key_env = api_key_env
        self.concurrency = concurrency
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self.cache = cache
        self.budget = budget
        self.usage = usage or Usage()
        self._transport = transport
        self._rpm = TokenBucket(requests_per_minute) if requests_per_minute else None
        self._tpm = TokenBucket(tokens_per_minute) if tokens_per_minute else None
        self._semaphore: asyncio.Semaphore | None = None
        self._http: list[httpx.AsyncBaseTransport] | None = None
        self._headers: dict[str, str] = {}
        self._timeout: dict[str, float | None] = {}
        self._url = httpx.URL(self.base_url + "/chat/completions")
        self._busy: list[int] = []
        self._secret: str | None = None
        self._hopeless = 0  # final connect/401/403/404 failures while nothing has worked
        self._unusable: ServerUnusable | None = None
        #: None until probed: does the server accept ``response_format`` with a JSON schema?
        self.response_format_ok: bool | None = None
        #: None until probed: does it accept ``"strict": true`` in that ``response_format``?
        self.strict_ok: bool | None = None

    def __repr__(self) -> str:
        return (
            f"LLMClient(base_url={self.base_url!r}, model={self.model!r}, "
            f"api_key_env={self.api_key_env!r}, concurrency={self.concurrency})"
        )

    # -- plumbing ------------------------------------------------------------------------
    def _transports(self) -> list[httpx.AsyncBaseTransport]:
        """The HTTP transports, opened on first use.

        Requests go straight to httpx transports (no ``AsyncClient``: its URL merging, cookie
        jar, auth and redirect layers cost a quarter of the CPU per call and do nothing for a
        fixed JSON POST). Connections are split over small pools of ``POOL_SIZE``: httpcore
        scans every connection of a pool on each request, so one pool of 64 costs far more
        CPU per call than eight pools of 8. TCP_NODELAY because headers and body are written
        separately, and Nagle's algorithm with delayed ACKs would add tens of milliseconds.
        A proxy set in the environment (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY) is used
        through httpx's own transport; loopback servers are always reached directly.
        """
        if self._http is None:
            self._secret = read_api_key(self.api_key_env)
            self._headers = {
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            }
            if self._secret:
                self._headers["Authorization"] = f"Bearer {self._secret}"
            t = self.timeouts
            self._timeout = httpx.Timeout(t.read, connect=t.connect).as_dict()
            if self._transport is not None:
                self._http = [self._transport]
            else:
                n_pools = -(-max(self.concurrency, 1) // POOL_SIZE)
                size = -(-max(self.concurrency, 1) // n_pools)
                limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
                tls = _tls_context() if self.base_url.startswith("https:") else None
                nodelay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
                proxy = env_proxy(self.base_url)
                self._http = [
                    httpx.AsyncHTTPTransport(
                        limits=limits, verify=tls or False, proxy=proxy, socket_options=nodelay
                    )
                    if proxy
                    else AsyncioTransport(limits=limits, ssl_context=tls, socket_options=nodelay)
                    for _ in range(n_pools)
                ]
            self._busy = [0] * len(self._http)
        return self._http

    async def _post(self, content: bytes) -> httpx.Response:
        """POST a JSON body through the least busy transport; the response is read."""
        transports = self._transports()
        index = min(range(len(transports)), key=self._busy.__getitem__)
        request = httpx.Request(
            "POST",
            self._url,
            headers=self._headers,
            content=content,
            extensions={"timeout": self._timeout},
        )
        self._busy[index] += 1
        try:
            response = await transports[index].handle_async_request(request)
            try:
                await response.aread()
            except httpx.TimeoutException:
                raise
            except httpx.TransportError as exc:  # the answer started, then broke off
                raise _BrokenBody(exc) from exc
            finally:
                await response.aclose()
            return response
        finally:
            self._busy[index] -= 1

    def scrub(self, text: str) -> str:
        """``text`` with the API key, and any run of 8 or more of its characters, blanked out."""
        return scrub(text, self._secret)

    async def aclose(self) -> None:
        """Close the HTTP connections (and the cache)."""
        if self._http is not None:
            for transport in self._http:
                await transport.aclose()
            self._http = None

    # -- the call ------------------------------------------------------------------------
    def request(
        self,
        messages: list[dict[str, Any]],
        params: dict[str, Any],
        prompt_version: str,
        response_format: dict[str, Any] | None,
    ) -> tuple[dict[str, Any], bytes, str]:
        """The request body, its canonical JSON (hashed for the cache and sent as is), its key."""
        body: dict[str, Any] = {"model": self.model, "messages": messages, **params}
        if response_format is not None:
            body["response_format"] = response_format
        content = request_json(body)
        return body, content, content_key(content, prompt_version)

    def cached(self, key: str) -> Completion | None:
        """The cached answer of a request, counted as a cache hit; None when not cached."""
        hit = self.cache.get(key) if self.cache is not None else None
        if hit is None:
            return None
        self.usage.count("cache_hits")
        return Completion(
            hit["content"], hit.get("finish_reason"), hit.get("usage") or {}, cached=True
        )

    async def complete(
        self,
        messages: list[dict[str, Any]],
        params: dict[str, Any] | None = None,
        *,
        prompt_version: str = "",
        response_format: dict[str, Any] | None = None,
    ) -> Completion:
        """One completion, from the cache when this exact request was answered before."""
        params = dict(params or {})
        body, content, key = self.request(messages, params, prompt_version, response_format)
        hit = self.cached(key)
        if hit is not None:
            return hit
        if self._unusable is not None:
            raise self._unusable
        if self.budget is not None:
            self.budget.check(self.usage)
        self.usage.started += 1
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(max(self.concurrency, 1))
        async with self._semaphore:
            if self._unusable is not None:  # given up on while this call waited for a slot
                raise self._unusable
            if response_format is not None and self.response_format_ok is False:
                # refused while this call waited for a slot: don't send a doomed request
                raise RequestRejected("the server refuses response_format", 400)
            if self._rpm is not None:
                await self._rpm.acquire(1)
            if self._tpm is not None:
                await self._tpm.acquire(
                    estimate_tokens(messages) + int(params.get("max_tokens") or 0)
                )
            try:
                completion = await self._post_with_retries(content)
            except (ConnectionFailed, RequestRejected) as exc:
                self._give_up_if_hopeless(exc)
                raise
        self.usage.add_completion(completion.usage)
        if self.cache is not None:
            self.cache.put(key, completion.to_cache())
        return completion

    def _give_up_if_hopeless(self, failure: ConnectionFailed | RequestRejected) -> None:
        """Raise ServerUnusable once UNUSABLE_AFTER calls failed to connect or got 401/403/404
        and none has ever succeeded; from then on every call raises it at once."""
        if isinstance(failure, RequestRejected) and failure.status not in (401, 403, 404):
            return
        if self.usage.counters["calls"] > 0:
            return
        self._hopeless += 1
        if self._unusable is None and self._hopeless >= UNUSABLE_AFTER:
            self._unusable = ServerUnusable(
                f"the LLM server at {self.base_url} (model {self.model!r}) cannot be used: the "
                f"first {self._hopeless} calls failed and none worked; last: {failure}"
            )
        if self._unusable is not None:
            raise self._unusable from None

    async def _post_with_retries(self, content: bytes) -> Completion:
        policy = self.retry
        retry = 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeouts.total
        while True:
            self.usage.count("requests")
            failure: TransportError | BadResponse
            wait: float | None = None
            try:
                async with asyncio.timeout_at(deadline):
                    response = await self._post(content)
            except TimeoutError:  # the call's own deadline, not one read or connect
                self.usage.count("hung")
                raise Hung(
                    f"no complete answer within total_timeout={self.timeouts.total:g}s "
                    f"(attempt {retry + 1})"
                ) from None
            except httpx.TimeoutException as exc:
                failure = Timeout(f"timed out ({type(exc).__name__})")
            except _BrokenBody as exc:
                failure = ResponseBroken(self.scrub(f"the answer broke off: {exc.cause()}"))
            except httpx.TransportError as exc:
                failure = ConnectionFailed(self.scrub(f"{type(exc).__name__}: {exc}"))
            else:
                status = response.status_code
                if 200 <= status < 300:
                    try:
                        return _parse_completion(response)
                    except BadResponse as exc:
                        failure = exc
                elif is_retryable_status(status):
                    wait = retry_after_seconds(response.headers)
                    detail = f"HTTP {status}: {_snippet(response, self._secret)}"
                    if wait is not None and wait > policy.max_retry_after:
                        raise RateLimited(
                            f"{detail}; server asked to wait {wait:.0f}s "
                            f"(cap {policy.max_retry_after:.0f}s)"
                        )
                    failure = RateLimited(detail) if status == 429 else ServerError(detail)
                else:
                    raise RequestRejected(
                        f"HTTP {status}: {_snippet(response, self._secret)}", status
                    )
            if retry >= policy.max_retries:
                raise type(failure)(f"{failure} (after {retry + 1} attempts)")
            pause = wait if wait is not None else policy.backoff(retry)
            if loop.time() + pause >= deadline:
                if isinstance(failure, Timeout):  # silent until the end: the call hung
                    self.usage.count("hung")
                    raise Hung(
                        f"no answer within total_timeout={self.timeouts.total:g}s "
                        f"({retry + 1} attempts; last: {failure})"
                    )
                raise type(failure)(
                    f"{failure} (after {retry + 1} attempts; no time left for "
                    f"another within total_timeout={self.timeouts.total:g}s)"
                )
            log.debug("retry %d after %.2fs: %s", retry + 1, pause, failure)
            self.usage.count("retries")
            retry += 1
            await asyncio.sleep(pause)


def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context shared by every pool (building one costs ~40 ms).

    The CAs are those of ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when set, else the system's trust
    store, else (a system without one) certifi's bundle.
    """
    cafile = os.environ.get("SSL_CERT_FILE") or None
    capath = os.environ.get("SSL_CERT_DIR") or None
    if cafile or capath:
        return ssl.create_default_context(cafile=cafile, capath=capath)
    context = ssl.create_default_context()
    if not context.cert_store_stats().get("x509_ca") and not ssl.get_default_verify_paths().capath:
        import certifi

        context.load_verify_locations(cafile=certifi.where())
    return context


class _BrokenBody(Exception):
    """The response's status and headers arrived, then the connection broke mid-body."""

    def cause(self) -> str:
        exc = self.args[0]
        return f"{type(exc).__name__}: {exc}"


def _snippet(response: httpx.Response, secret: str | None, limit: int = 200) -> str:
    """The start of an error body for messages: scrubbed of the key first, then cut."""
    text = response.text
    try:
        data = response.json()
        message = data.get("error", {}).get("message") if isinstance(data, dict) else None
        if isinstance(message, str):
            text = message
    except (ValueError, AttributeError):
        pass
    return scrub(text[:_SCRUB_WINDOW], secret)[:limit]


def _parse_completion(response: httpx.Response) -> Completion:
    """A Completion from a 2xx body, or BadResponse."""
    try:
        data = response.json()
        choice = data["choices"][0]
        message = choice.get("message") or {}
        content = message.get("content")
        usage = data.get("usage") or {}
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise BadResponse(f"not a chat completion: {type(exc).__name__}: {exc}") from None
    if content is None:
        content = ""
    if not isinstance(content, str):
        raise BadResponse("message content is not text")
    if not isinstance(usage, dict):
        usage = {}
    usage = {k: v for k, v in usage.items() if isinstance(v, int)}
    return Completion(content, choice.get("finish_reason"), usage)
