"""Why an LLM call failed for good; each class carries the reason code written to rejects.

Three layers are kept apart and counted apart::

    LLMError                         (reason)
    ├── TransportError               transport_error   retried, then given up
    │   ├── RateLimited              rate_limited      429s outlasted, or Retry-After beyond the cap
    │   ├── ServerError              server_error      408/409/5xx after every retry
    │   ├── Timeout                  timeout           connect/read/total deadline, every retry
    │   └── ConnectionFailed         connection_error  refused, reset, cut-off body
    ├── RequestRejected              request_rejected  400/401/403/404/422: never retried
    ├── BadResponse                  bad_response      a 200 whose body is not a chat completion
    ├── Truncated                    truncated         finish_reason == "length"
    ├── InvalidOutput                invalid_output    not valid JSON / schema after every re-ask
    └── BudgetExhausted              budget_exhausted  the token or call budget is spent

Apart from these, :class:`ServerUnusable` stops the whole run when the server is plainly wrong
(nothing reachable, or 401/403/404 on every first request).

Messages never contain the API key: details come from status codes and bodies, not headers.
"""

from __future__ import annotations

from typing import ClassVar


class LLMError(Exception):
    """Base class: an LLM call that failed for good."""

    reason: ClassVar[str] = "llm_error"


class TransportError(LLMError):
    """The request could not be completed over HTTP after every retry."""

    reason = "transport_error"


class RateLimited(TransportError):
    """The server kept saying 429, or asked to wait longer than the configured cap."""

    reason = "rate_limited"


class ServerError(TransportError):
    """408, 409 or 5xx after every retry."""

    reason = "server_error"


class Timeout(TransportError):
    """A connect, read or total deadline passed on every attempt."""

    reason = "timeout"


class ConnectionFailed(TransportError):
    """The connection was refused, reset or cut before the body ended."""

    reason = "connection_error"


class RequestRejected(LLMError):
    """The server refused the request itself (400/401/403/404/422); retrying cannot help."""

    reason = "request_rejected"

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


class BadResponse(LLMError):
    """A 2xx answer that is not a chat completion (no choices, no message)."""

    reason = "bad_response"


class Truncated(LLMError):
    """The model stopped at the token limit (``finish_reason == "length"``)."""

    reason = "truncated"


class InvalidOutput(LLMError):
    """The answer was not valid JSON for the schema, even after re-asking."""

    reason = "invalid_output"


class BudgetExhausted(LLMError):
    """The budget (tokens or calls) is spent; no new call was made."""

    reason = "budget_exhausted"


class ServerUnusable(RuntimeError):
    """No call has worked and the first ones all failed to connect or were refused as
    unauthorised / not found: a wrong URL, key or model. Stops the run (not a per-record
    failure, so not an LLMError): rejecting every record would only hide the mistake."""


#: Every reason code an LLM call can fail with, and what it means (feeds Step.reasons).
REASONS: dict[str, str] = {
    cls.reason: (cls.__doc__ or "").strip()
    for cls in (RateLimited, ServerError, Timeout, ConnectionFailed, TransportError,
                RequestRejected, BadResponse, Truncated, InvalidOutput, BudgetExhausted)
}
