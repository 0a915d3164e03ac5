"""The LLM layer: an async OpenAI-compatible client with retries, limits, cache, usage, budget
and validated JSON answers."""

# The client
from selfreflect.llm.cache import Cache, cache_key
from selfreflect.llm.client import Completion, LLMClient, Timeouts, read_api_key

# Failures (each has a ``reason`` code)
from selfreflect.llm.errors import (
    REASONS,
    BadResponse,
    BudgetExhausted,
    ConnectionFailed,
    Hung,
    InvalidOutput,
    LLMError,
    RateLimited,
    RequestRejected,
    ResponseBroken,
    ServerError,
    ServerUnusable,
    Timeout,
    TransportError,
    Truncated,
)
from selfreflect.llm.limits import TokenBucket
from selfreflect.llm.retry import RetryPolicy, retry_after_seconds

# Structured output
from selfreflect.llm.structured import StructuredAnswer, ask_json, parse_json_object
from selfreflect.llm.usage import Budget, Usage

__all__ = [
    "REASONS",
    "BadResponse",
    "Budget",
    "BudgetExhausted",
    "Cache",
    "Completion",
    "ConnectionFailed",
    "Hung",
    "InvalidOutput",
    "LLMClient",
    "LLMError",
    "RateLimited",
    "RequestRejected",
    "ResponseBroken",
    "RetryPolicy",
    "ServerError",
    "ServerUnusable",
    "StructuredAnswer",
    "Timeout",
    "Timeouts",
    "TokenBucket",
    "TransportError",
    "Truncated",
    "Usage",
    "ask_json",
    "cache_key",
    "parse_json_object",
    "read_api_key",
    "retry_after_seconds",
]
