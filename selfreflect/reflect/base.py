"""LLMStep: the shared parameters and machinery of steps that call an LLM per record."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar

from pydantic import Field

from selfreflect.conversation import Conversation
from selfreflect.llm import REASONS, Budget, Cache, LLMClient, RetryPolicy, Timeouts
from selfreflect.llm.cache import CacheFull
from selfreflect.llm.client import DEFAULT_KEY_ENV, check_base_url
from selfreflect.params import Seconds
from selfreflect.reflect.runner import ordered_map
from selfreflect.report import StepStats
from selfreflect.steps import Outcome, Step

BASE_URL_ENV = "SELFREFLECT_BASE_URL"
MODEL_ENV = "SELFREFLECT_MODEL"


@dataclass(eq=False, repr=False, kw_only=True)
class LLMStep(Step):
    """A stream step that makes LLM calls concurrently and yields outcomes in input order.

    The parameters every LLM step has are declared here once, as keyword-only dataclass
    fields; a subclass is a ``@dataclass(eq=False, repr=False)`` that adds its own fields (they
    come first in its signature) and writes ``async def handle(conv) -> Outcome``.

    Args:
        base_url: the address of an OpenAI-compatible server, up to "/v1" (e.g.
            http://localhost:8000/v1); null reads SELFREFLECT_BASE_URL.
        model: the model name sent with every request; null reads SELFREFLECT_MODEL.
        cache: a directory for a cache of answers (llm-cache.sqlite3): a request asked before is
            answered from it, so a rerun costs no calls; null means no cache.
        concurrency: how many requests may be in flight at once.
        temperature: the sampling temperature sent with every request (0 to 2; 0 answers the most
            predictably); null sends none, so the server's default applies.
        max_tokens: the most tokens the model may write per answer; null sends no limit, so the
            server's own applies.
        max_reasks: how many times an answer that is not JSON of the expected shape is sent back
            to the model, with what was wrong, before the record is rejected.
        max_retries: how many times a failed request is tried again (connection errors, time-outs,
            HTTP 408, 409, 429 and 5xx), with growing pauses between tries.
        max_retry_after: the longest wait, in seconds, a server's Retry-After may ask for; a request
            asked to wait longer fails at once as rate-limited.
        connect_timeout: seconds to wait for a connection to the server.
        read_timeout: seconds to wait for the server's answer to one attempt.
        total_timeout: seconds one request may take in all, every retry and wait included.
        requests_per_minute: the most requests started per minute; null means no limit.
        tokens_per_minute: the most tokens spent per minute; null means no limit.
        budget_tokens: stop making calls once this many tokens are spent in the run (the records
            left fail with budget_exhausted); null means no cap.
        budget_calls: stop making calls once this many have been made in the run; null means no cap.
        response_format: ask the server for JSON of the expected shape with response_format (a
            server that refuses it is asked without); false never sends it, the prompt alone
            describes the shape.
        api_key_env: the environment variable that holds the API key (never written to a recipe,
            log or cache).
    """

    reasons: ClassVar[dict[str, str]] = {
        **REASONS,
        "batch_unanswered": "the batch run ended before this request was answered",
    }
    batchable: ClassVar[bool] = True  # one independent call chain per record
    #: Set by an engine that runs copies of the step in several processes, to give them one
    #: Budget for the whole run (the Ray engine's shared counter); None: the step's own.
    #: (Not parameters: ``init=False`` keeps them out of the signature, so out of recipes.)
    budget_factory: Callable[[], Budget] | None = field(default=None, init=False, compare=False)
    #: Set on an instance to make its client another way (the ``--batch`` run's BatchClient).
    client_factory: Callable[[], LLMClient] | None = field(default=None, init=False, compare=False)
    _client: LLMClient | None = field(default=None, init=False, compare=False)

    # defaults that need no network at construction
    base_url: str | None = None
    model: str | None = None
    cache: str | None = None
    concurrency: Annotated[int, Field(ge=1, le=1024)] = 16
    temperature: Annotated[float, Field(ge=0, le=2, allow_inf_nan=False)] | None = 0.0
    max_tokens: Annotated[int, Field(ge=1, le=1_000_000)] | None = 2048
    max_reasks: Annotated[int, Field(ge=0, le=10)] = 2
    max_retries: Annotated[int, Field(ge=0, le=20)] = 4
    max_retry_after: Annotated[float, Field(ge=0, le=3600, allow_inf_nan=False)] = 60.0
    connect_timeout: Seconds = 10.0
    read_timeout: Seconds = 120.0
    #: The whole call's deadline: every attempt, backoff and Retry-After wait included.
    total_timeout: Seconds = 300.0
    requests_per_minute: Annotated[float, Field(gt=0, le=1e7, allow_inf_nan=False)] | None = None
    tokens_per_minute: Annotated[float, Field(gt=0, le=1e10, allow_inf_nan=False)] | None = None
    budget_tokens: Annotated[int, Field(ge=1, le=10**13)] | None = None
    budget_calls: Annotated[int, Field(ge=1, le=10**10)] | None = None
    response_format: bool = True
    api_key_env: str = DEFAULT_KEY_ENV

    # -- the client ------------------------------------------------------------------------
    def resolved_endpoint(self) -> tuple[str, str]:
        """``(base_url, model)`` from the parameters or SELFREFLECT_BASE_URL / SELFREFLECT_MODEL."""
        base_url = self.base_url or os.environ.get(BASE_URL_ENV)
        model = self.model or os.environ.get(MODEL_ENV)
        if not base_url or not model:
            raise ValueError(
                f"{self.name} needs base_url and model (parameters, or the environment "
                f"variables {BASE_URL_ENV} and {MODEL_ENV})"
            )
        check_base_url(base_url)
        return base_url, model

    def make_client(self) -> LLMClient:
        """A new client for one run (nothing connects until the first call)."""
        if self.client_factory is not None:
            return self.client_factory()
        base_url, model = self.resolved_endpoint()
        return LLMClient(
            base_url,
            model,
            api_key_env=self.api_key_env,
            concurrency=self.concurrency,
            requests_per_minute=self.requests_per_minute,
            tokens_per_minute=self.tokens_per_minute,
            timeouts=Timeouts(self.connect_timeout, self.read_timeout, self.total_timeout),
            retry=RetryPolicy(max_retries=self.max_retries, max_retry_after=self.max_retry_after),
            cache=Cache(self.cache) if self.cache else None,
            budget=self._budget(),
        )

    def _budget(self) -> Budget | None:
        if self.budget_tokens is None and self.budget_calls is None:
            return None
        if self.budget_factory is not None:
            return self.budget_factory()
        return Budget(self.budget_tokens, self.budget_calls)

    def sampling(self) -> dict[str, Any]:
        """The sampling parameters sent with every call (and part of the cache key)."""
        params: dict[str, Any] = {}
        if self.temperature is not None:
            params["temperature"] = self.temperature
        if self.max_tokens is not None:
            params["max_tokens"] = self.max_tokens
        return params

    # -- running ---------------------------------------------------------------------------
    async def handle(self, conv: Conversation) -> Outcome:
        """The outcome for one record (a kept Conversation or a Reject); never raises LLMError."""
        raise NotImplementedError

    def check(self) -> None:
        """An endpoint is known, every parameter is in its range, and the step's own
        parameters can work."""
        super().check()
        self.resolved_endpoint()
        self.check_params()
        if self.cache:
            try:
                Cache(self.cache).check()
            except CacheFull:
                raise  # not a usage error: exit code 1
            except OSError as exc:  # CacheError: a file, corrupt, not writable: what to fix
                raise ValueError(str(exc)) from None

    def check_params(self) -> None:
        """Raise ValueError for parameters that cannot work (subclasses; part of ``check``)."""

    def run(self, records: Iterable[Conversation], stats: StepStats) -> Iterator[Outcome]:
        self.check()
        client = self._client = self.make_client()
        base = Counter(stats.counters)
        work: Callable[[Conversation], Awaitable[Outcome]] = self.handle
        window = max(2 * self.concurrency, 8)

        async def cleanup() -> None:
            await client.aclose()
            if client.cache is not None:
                client.cache.close()

        try:
            for conv, outcome in ordered_map(records, work, window, cleanup):
                for key, value in client.usage.counters.items():
                    stats.counters[key] = base[key] + value
                if isinstance(outcome, Conversation) and outcome is not conv:
                    stats.modified += 1
                yield outcome
        finally:
            for key, value in client.usage.counters.items():
                stats.counters[key] = base[key] + value
            self._client = None

    @property
    def client(self) -> LLMClient:
        """The client of the current run."""
        if self._client is None:
            raise RuntimeError("no run in progress")
        return self._client
