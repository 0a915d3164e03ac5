"""Why an LLM call failed for good; each class carries the reason code written to rejects.

Three layers are kept apart and counted apart::

    LLMError                         (reason)
    ├── TransportError               transport_error   retried, then given up
    │   ├── RateLimited              rate_limited      429s outlasted, or Retry-After beyond the cap
    │   ├── ServerError              server_error      408/409/5xx after every retry
    │   ├── Timeout                  timeout           connect/read deadline, every retry
    │   │   └── Hung                 hung              the call's total deadline passed
    │   ├── ConnectionFailed         connection_error  refused, unreachable, no answer at all
    │   └── ResponseBroken           broken_response   closed or reset in the middle of an answer
    ├── RequestRejected              request_rejected  400/401/403/404/422: never retried
    ├── BadResponse                  bad_response      a 200 whose body is not a chat completion
    ├── Truncated                    truncated         finish_reason == "length"
    ├── InvalidOutput                invalid_output    not valid JSON / schema after every re-ask
    └── BudgetExhausted              budget_exhausted  the token or call budget is spent

Apart from these, :class:`ServerUnusable` stops the whole run when the server is plainly wrong
(nothing reachable, or 401/403/404 on every first request).

Messages never contain the API key: details come from status codes and bodies, not headers,
and every text taken from the server goes through :func:`scrub` before it is cut short.
"""

from __future__ import annotations

from typing import ClassVar

#: A run of this many characters of the key anywhere in a text is blanked out.
SECRET_RUN = 8
#: What a scrubbed run of the key becomes.
MASK = "***"


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
    """A connect or read deadline passed on every attempt."""

    reason = "timeout"


class Hung(Timeout):
    """The call's total deadline (total_timeout: every attempt and wait) passed: the server
    accepted the request but did not finish answering in time."""

    reason = "hung"


class ConnectionFailed(TransportError):
    """No answer at all: the connection was refused, unreachable or closed before a response."""

    reason = "connection_error"


class ResponseBroken(TransportError):
    """The server started answering, then closed or reset the connection mid-answer."""

    reason = "broken_response"


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
    for cls in (
        RateLimited,
        ServerError,
        Timeout,
        Hung,
        ConnectionFailed,
        ResponseBroken,
        TransportError,
        RequestRejected,
        BadResponse,
        Truncated,
        InvalidOutput,
        BudgetExhausted,
    )
}


def scrub(text: str, secret: str | None) -> str:
    """``text`` with the secret, and every run of SECRET_RUN or more of its characters, masked.

    Scrub before cutting a text short: a cut can leave a prefix of the key that no longer
    matches the whole key.
    """
    if not secret or not text:
        return text
    text = text.replace(secret, MASK)
    if len(secret) < SECRET_RUN:
        return text
    pieces = {secret[i : i + SECRET_RUN] for i in range(len(secret) - SECRET_RUN + 1)}
    if not any(piece in text for piece in pieces):
        return text
    hidden = bytearray(len(text))
    for piece in pieces:
        start = text.find(piece)
        while start != -1:
            hidden[start : start + SECRET_RUN] = b"\x01" * SECRET_RUN
            start = text.find(piece, start + 1)
    out, i = [], 0
    while i < len(text):
        if hidden[i]:
            while i < len(text) and hidden[i]:
                i += 1
            out.append(MASK)
        else:
            j = hidden.find(1, i)
            j = len(text) if j == -1 else j
            out.append(text[i:j])
            i = j
    return "".join(out)
