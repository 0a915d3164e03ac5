"""Loopback servers that enforce a structured-output dialect's restrictions, as the real ones do.

Each dialect answers a ``response_format`` it cannot take with an HTTP 400 (the way OpenAI,
vLLM and llama.cpp's server refuse a schema), and otherwise decodes "under the schema": the
answer is filled from the schema sent with its minimal values (first enum value, empty string,
an array of one minimal item), which is what a constrained decoder produces from a schema that
leaves everything open. So a request whose schema does not carry every constraint gets an
answer that the client then refuses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fakellm import Recorded, Reply, chat, error

#: Keywords OpenAI strict mode refused (its documented "not supported" list, older models).
OPENAI_STRICT_UNSUPPORTED = {
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "patternProperties",
    "minProperties",
    "maxProperties",
    "if",
    "then",
    "else",
    "not",
    "dependentRequired",
    "dependentSchemas",
}
#: Keywords vLLM's guided decoding (xgrammar) and llama.cpp's json-schema-to-grammar refuse.
CONDITIONALS = {"if", "then", "else", "not", "dependentSchemas"}


def walk(schema: Any) -> list[dict[str, Any]]:
    """Every (sub)schema object in ``schema``."""
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        found.append(schema)
        for key, value in schema.items():
            if key in ("properties", "$defs", "definitions") and isinstance(value, dict):
                for sub in value.values():
                    found.extend(walk(sub))
            elif isinstance(value, dict):
                found.extend(walk(value))
            elif isinstance(value, list) and key in ("anyOf", "allOf", "oneOf", "prefixItems"):
                for sub in value:
                    found.extend(walk(sub))
    return found


def strict_problem(schema: dict[str, Any]) -> str | None:
    """Why OpenAI strict mode refuses ``schema`` (its error text), or None."""
    for sub in walk(schema):
        bad = sorted(set(sub) & OPENAI_STRICT_UNSUPPORTED)
        if bad:
            return f"Invalid schema: '{bad[0]}' is not permitted."
        if sub.get("type") == "object":
            if sub.get("additionalProperties") is not False:
                return (
                    "Invalid schema: 'additionalProperties' is required to be supplied "
                    "and to be false."
                )
            if sorted(sub.get("required", [])) != sorted(sub.get("properties", {})):
                return "Invalid schema: 'required' is required to include every property."
    return None


def conditional_problem(schema: dict[str, Any]) -> str | None:
    """Why a grammar-based decoder (vLLM, llama.cpp) refuses ``schema``, or None."""
    for sub in walk(schema):
        bad = sorted(set(sub) & CONDITIONALS)
        if bad:
            return f"Unsupported JSON schema keyword: {bad[0]}"
    return None


def minimal(schema: dict[str, Any]) -> Any:
    """The value a constrained decoder writes first: the minimum the schema allows."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {k: minimal(v) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return [minimal(schema.get("items", {}))] if schema.get("items") else []
    if kind == "integer":
        return schema.get("minimum", 0)
    if kind == "string":
        return "x" * schema.get("minLength", 0)
    return None


Answer = Callable[[Recorded, dict[str, Any] | None], Reply]


def decode_minimal(request: Recorded, schema: dict[str, Any] | None) -> Reply:
    """Answer under ``schema`` with its minimal values (an open answer when there is none)."""
    if schema is None:  # a model that follows the prompt's description
        return chat(
            '{"verdict": "keep", "critique": "fine", "evidence_turns": [], "revised_answer": ""}'
        )
    return chat(json.dumps(minimal(schema)))


def dialect(name: str, answer: Answer = decode_minimal) -> Callable[[Recorded], Reply]:
    """A handler that takes ``response_format`` as the dialect ``name`` does, then answers.

    - ``openai``: json_schema with ``strict: true`` checked against the strict subset (400);
    - ``vllm``, ``llamacpp``: json_schema, ``strict`` ignored, conditionals refused (400);
    - ``no-strict``: refuses the unknown field ``strict`` (400, a pydantic-validated server);
    - ``none``: refuses ``response_format`` altogether (400).
    """

    def handle(request: Recorded) -> Reply:
        fmt = request.body.get("response_format")
        if fmt is None:
            return answer(request, None)
        spec = fmt.get("json_schema") or {}
        schema = spec.get("schema")
        if name == "none":
            return error(400, message="response_format is not supported by this server")
        if name == "no-strict" and "strict" in spec:
            return error(400, message="json_schema.strict: Extra inputs are not permitted")
        if name == "openai" and spec.get("strict"):
            problem = strict_problem(schema)
        else:
            problem = conditional_problem(schema)
        if problem:
            return error(400, message=f"Invalid 'response_format': {problem}")
        return answer(request, schema)

    return handle
