"""JSON answers that are always validated: response_format when the server takes it, tolerant
parsing otherwise, and a bounded number of re-asks with the validation error.

Re-asks (semantic failures) are counted apart from transport retries; ``finish_reason ==
"length"`` is reported as :class:`Truncated`, never as invalid JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match

from selfreflect.llm.client import Completion, LLMClient
from selfreflect.llm.errors import InvalidOutput, RequestRejected, Truncated

_FENCE = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\r?\n?(.*?)```", re.DOTALL)

REASK = (
    "Your reply could not be used: {error}\n"
    "Reply again with only one JSON object that matches the required format, nothing else."
)


def parse_json_object(text: str) -> dict[str, Any]:
    """The first JSON object in ``text``: plain, inside a code fence, or after leading prose.

    Raises ValueError when there is none.
    """
    stripped = text.strip()
    candidates = [m.group(1).strip() for m in _FENCE.finditer(stripped)] + [stripped]
    decoder = json.JSONDecoder()
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except json.JSONDecodeError:
            value = None
        if isinstance(value, dict):
            return value
        for match in re.finditer(r"\{", candidate):
            try:
                value, _ = decoder.raw_decode(candidate, match.start())
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    if not stripped:
        raise ValueError("the reply was empty")
    raise ValueError("the reply contains no complete JSON object")


_VALIDATORS: dict[str, jsonschema.protocols.Validator] = {}
_BY_IDENTITY: dict[int, tuple[dict[str, Any], jsonschema.protocols.Validator]] = {}


def _validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    """A validator per distinct schema, built once (the schema itself is checked then)."""
    seen = _BY_IDENTITY.get(id(schema))
    if seen is not None and seen[0] is schema:  # the hot path: the same schema object again
        return seen[1]
    key = json.dumps(schema, sort_keys=True)
    validator = _VALIDATORS.get(key)
    if validator is None:
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        cls.check_schema(schema)
        validator = _VALIDATORS[key] = cls(schema)
    _BY_IDENTITY[id(schema)] = (schema, validator)  # holds the schema, so its id stays unique
    return validator


def schema_error(value: Any, schema: dict[str, Any]) -> str | None:
    """The most relevant jsonschema validation error as one line, or None when valid."""
    validator = _validator(schema)
    error = best_match(validator.iter_errors(value))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    return f"at {where}: {error.message}"[:500]


def response_format_for(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAI ``response_format`` that asks for JSON matching ``schema``."""
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema}}


@dataclass
class StructuredAnswer:
    """A validated JSON value and how it was obtained."""

    value: dict[str, Any]
    content: str
    reasks: int
    cached: bool


Check = Callable[[dict[str, Any]], str | None]


async def ask_json(
    client: LLMClient,
    messages: list[dict[str, Any]],
    schema: dict[str, Any],
    *,
    name: str = "answer",
    prompt_version: str = "",
    params: dict[str, Any] | None = None,
    max_reasks: int = 2,
    use_response_format: bool = True,
    check: Check | None = None,
) -> StructuredAnswer:
    """Ask for a JSON object matching ``schema``; validate, re-ask up to ``max_reasks`` times.

    ``check(value)`` may return a further problem (as text) that also triggers a re-ask.
    Raises Truncated, InvalidOutput or the client's LLMError.
    """
    fmt = response_format_for(name, schema) if use_response_format else None
    convo = list(messages)
    for attempt in range(max_reasks + 1):
        completion = await _complete(client, convo, params, prompt_version, fmt)
        if completion.finish_reason == "length":
            raise Truncated(f"the model stopped at the token limit ({len(completion.content)} "
                            "characters of output)")
        try:
            value = parse_json_object(completion.content)
            problem = schema_error(value, schema) or (check(value) if check else None)
        except ValueError as exc:
            problem = str(exc)
        if problem is None:
            return StructuredAnswer(value, completion.content, attempt, completion.cached)
        if attempt == max_reasks:
            raise InvalidOutput(f"{problem} (after {attempt} re-asks)")
        client.usage.count("reasks")
        convo = convo + [
            {"role": "assistant", "content": completion.content},
            {"role": "user", "content": REASK.format(error=problem)},
        ]
    raise AssertionError("unreachable")


async def _complete(
    client: LLMClient,
    messages: list[dict[str, Any]],
    params: dict[str, Any] | None,
    prompt_version: str,
    fmt: dict[str, Any] | None,
) -> Completion:
    """Send with ``response_format`` unless the server was found to refuse it.

    The first 400 answer to a request carrying ``response_format`` marks the server as refusing
    it, and that request (and every later one) is sent without. Calls already in flight at that
    moment may each see one such 400; nothing waits for the probe, so a run's first round is not
    serialised behind a single call.
    """
    if fmt is None or client.response_format_ok is False:
        return await client.complete(messages, params, prompt_version=prompt_version)
    try:
        completion = await client.complete(messages, params, prompt_version=prompt_version,
                                           response_format=fmt)
    except RequestRejected as exc:
        if exc.status != 400:
            raise
        before = client.response_format_ok
        client.response_format_ok = False
        try:
            completion = await client.complete(messages, params, prompt_version=prompt_version)
        except RequestRejected:
            if before is not False:  # a 400 with or without it: not response_format's fault
                client.response_format_ok = before
            raise
        if before is None:
            client.usage.count("response_format_refused")
        return completion
    client.response_format_ok = True
    return completion
