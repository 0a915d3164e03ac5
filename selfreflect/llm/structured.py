"""JSON answers that are always validated: response_format (strict where the server takes it)
when accepted, tolerant reading, and a bounded number of re-asks for what really matters.

Reading is tolerant before anything is re-asked: prose or a code fence around the object,
trailing commas and single quotes (repaired with ``json-repair``, but never a reply cut before its
closing brace), enum values in any case, numbers sent as strings, unknown keys. An array item
that fails its item schema is dropped and a missing array or string is filled empty, each
counted. Re-asks (semantic failures) are counted apart from transport retries; a reply cut at the
token limit (``finish_reason == "length"``) is re-asked and, when re-asks run out, reported as
:class:`Truncated`, never as invalid JSON.
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
from selfreflect.llm.errors import InvalidOutput, LLMError, RequestRejected, Truncated

_FENCE = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\r?\n?(.*?)```", re.DOTALL)

REASK = (
    "Your reply could not be used: {error}\n"
    "Reply again with only one JSON object that matches the required format, nothing else."
)
CUT = (
    "your reply was cut off at the token limit; write a shorter critique and answer so that "
    "the whole JSON object fits"
)


def parse_json_object(text: str) -> dict[str, Any]:
    """The first JSON object in ``text``: plain, inside a code fence, after or before prose, or
    repairable (trailing commas, single quotes, comments).

    Raises ValueError when there is none, or when the object is cut before its closing brace.
    """
    return read_json_object(text)[0]


def read_json_object(text: str) -> tuple[dict[str, Any], bool]:
    """``(object, repaired)``: as :func:`parse_json_object`, saying whether repair was needed."""
    stripped = text.strip()
    candidates = [m.group(1).strip() for m in _FENCE.finditer(stripped)] + [stripped]
    decoder = json.JSONDecoder()
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except json.JSONDecodeError:
            value = None
        if isinstance(value, dict):
            return value, False
        for match in re.finditer(r"\{", candidate):
            try:
                value, _ = decoder.raw_decode(candidate, match.start())
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value, False
    if not stripped:
        raise ValueError("the reply was empty")
    for candidate in candidates:
        repaired = _repair(candidate)
        if repaired is not None:
            return repaired, True
    raise ValueError("the reply contains no complete JSON object")


def _repair(text: str) -> dict[str, Any] | None:
    """The object between the first ``{`` and the last ``}`` of ``text``, repaired; None when
    there is no closing brace (a cut reply is never completed by guessing)."""
    import json_repair

    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        return None
    value = json_repair.loads(text[start : end + 1])
    return value if isinstance(value, dict) and value else None


Count = Callable[[str], None]


def coerce(value: dict[str, Any], schema: dict[str, Any], count: Count | None = None) -> dict:
    """``value`` with what a reader can fix without asking again fixed, per ``schema``'s
    top-level properties: enum values in any case or padded, numbers as strings, unknown keys
    (when ``additionalProperties`` is false), the answer wrapped in an object of one key, a
    lone item or null for an array, array items
    failing the item schema (dropped, counted ``dropped_<name>``), a missing array or string
    (filled empty, ``missing_<name>``)."""
    props: dict[str, Any] = schema.get("properties") or {}
    if not props:
        return value
    note = count or (lambda name: None)
    if len(value) == 1 and not set(value) & set(props):
        (inner,) = value.values()
        if isinstance(inner, dict):  # {"reflection": {...}}: the answer, wrapped
            value = inner
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in props:
            out[key] = _fix(item, props[key])
        elif schema.get("additionalProperties", True) is not False:
            out[key] = item
    for key in schema.get("required", []):
        sub = props.get(key, {})
        if key not in out and sub.get("type") in ("array", "string") and "enum" not in sub:
            out[key] = [] if sub["type"] == "array" else ""
            note(f"missing_{key}")
    for key, sub in props.items():
        items = sub.get("items")
        if sub.get("type") == "array" and key in out and not isinstance(out[key], list):
            out[key] = [] if out[key] is None else [out[key]]  # a lone item, or null
        if sub.get("type") == "array" and isinstance(out.get(key), list) and items:
            kept = [_fix(x, items) for x in out[key]]
            good = [x for x in kept if _validator(items).is_valid(x)]
            for _ in range(len(kept) - len(good)):
                note(f"dropped_{key}")
            out[key] = good
    return out


def _fix(value: Any, schema: dict[str, Any]) -> Any:
    """One value nudged towards ``schema``: enum case, quotes, padding and a trailing stop;
    integers sent as text."""
    enum = schema.get("enum")
    if isinstance(value, str) and enum and value not in enum:
        wanted = value.strip().strip("'\"`.!*").strip().casefold()
        for option in enum:
            if isinstance(option, str) and option.casefold() == wanted:
                return option
    if schema.get("type") == "integer" or (enum and all(type(x) is int for x in enum)):
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        if isinstance(value, float) and value.is_integer():
            return int(value)
    return value


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


def response_format_for(name: str, schema: dict[str, Any], strict: bool = False) -> dict:
    """The OpenAI ``response_format`` that asks for JSON matching ``schema`` (``strict``: the
    server must enforce it, as OpenAI's strict structured outputs do)."""
    spec: dict[str, Any] = {"name": name, "schema": schema}
    if strict:
        spec["strict"] = True
    return {"type": "json_schema", "json_schema": spec}


@dataclass
class StructuredAnswer:
    """A validated JSON value and how it was obtained."""

    value: dict[str, Any]
    content: str
    reasks: int
    cached: bool


@dataclass
class Problem:
    """Why an answer is re-asked: the text the model is told, the failure raised when re-asks run
    out, and at most how many re-asks this kind of problem gets (None: ``max_reasks``)."""

    message: str
    error: type[LLMError] = InvalidOutput
    max_reasks: int | None = None


Check = Callable[[dict[str, Any]], "str | Problem | None"]


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
    """Ask for a JSON object matching ``schema``; read it tolerantly, re-ask up to
    ``max_reasks`` times with what was wrong.

    ``check(value)`` may return a further problem (text, or a :class:`Problem` with its own
    failure class and re-ask limit) that also triggers a re-ask. Raises Truncated,
    InvalidOutput, the Problem's error or the client's LLMError.
    """
    convo = list(messages)
    count = client.usage.count
    for attempt in range(max_reasks + 1):
        completion = await _complete(
            client, convo, params, prompt_version, (name, schema) if use_response_format else None
        )
        problem, value = _problem(completion, schema, check, count)
        if problem is None:
            return StructuredAnswer(value, completion.content, attempt, completion.cached)
        limit = max_reasks if problem.max_reasks is None else min(problem.max_reasks, max_reasks)
        if attempt >= limit:
            raise problem.error(f"{problem.message} (after {attempt} re-asks)")
        count("reasks")
        convo = convo + [
            {"role": "assistant", "content": completion.content},
            {"role": "user", "content": REASK.format(error=problem.message)},
        ]
    raise AssertionError("unreachable")


def _problem(
    completion: Completion, schema: dict[str, Any], check: Check | None, count: Count
) -> tuple[Problem | None, dict[str, Any]]:
    """``(what is wrong with completion as an answer, the value read)``; None: usable. The
    fixes made while reading are counted only for an answer that is used."""
    if completion.finish_reason == "length":
        return Problem(f"{CUT} ({len(completion.content)} characters of output)", Truncated), {}
    try:
        raw, repaired = read_json_object(completion.content)
    except ValueError as exc:
        return Problem(str(exc)), {}
    fixes: list[str] = []
    value = coerce(raw, schema, fixes.append)
    found = schema_error(value, schema) or (check(value) if check else None)
    if found is None:
        for name in fixes + (["repaired_json"] if repaired else []):
            count(name)
        return None, value
    return (found if isinstance(found, Problem) else Problem(found)), value


async def _complete(
    client: LLMClient,
    messages: list[dict[str, Any]],
    params: dict[str, Any] | None,
    prompt_version: str,
    fmt: tuple[str, dict[str, Any]] | None,
) -> Completion:
    """Send with the strongest ``response_format`` the server was not found to refuse.

    The ladder is: strict JSON schema, plain JSON schema, none. A 400 answer to a rung marks
    the server as refusing it, and the request goes down to the next rung (as does every later
    request). When the last rung is refused too, the 400 was not the format's fault: the marks
    made for this request are undone and the error raised. Calls already in flight may each
    see one such 400; nothing waits for the probe, so a run's first round is not serialised
    behind a single call.
    """
    if fmt is None:
        return await client.complete(messages, params, prompt_version=prompt_version)
    name, schema = fmt
    rungs: list[tuple[str, dict[str, Any] | None]] = []
    if client.strict_ok is not False and client.response_format_ok is not False:
        rungs.append(("strict_ok", response_format_for(name, schema, strict=True)))
    if client.response_format_ok is not False:
        rungs.append(("response_format_ok", response_format_for(name, schema)))
    rungs.append(("", None))
    marked: list[tuple[str, bool | None]] = []
    for flag, response_format in rungs:
        if flag and getattr(client, flag) is False:
            continue  # refused (by another call) since this one started
        try:
            completion = await client.complete(
                messages, params, prompt_version=prompt_version, response_format=response_format
            )
        except RequestRejected as exc:
            if exc.status != 400 or not flag:
                for undo, before in marked:
                    setattr(client, undo, before)
                raise
            marked.append((flag, getattr(client, flag)))
            setattr(client, flag, False)
            continue
        for refused, before in marked:
            if before is None:
                client.usage.count(
                    "strict_refused" if refused == "strict_ok" else "response_format_refused"
                )
        if flag:
            setattr(client, flag, True)
            client.response_format_ok = True
        return completion
    raise AssertionError("unreachable")
