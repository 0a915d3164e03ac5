"""JSON schemas of the answers the LLM steps ask for.

Every schema is in the subset that OpenAI strict structured outputs, vLLM guided decoding and
llama.cpp's JSON-schema grammar all accept: ``type``, ``properties``, ``required`` (every
property), ``additionalProperties: false``, ``enum`` and ``items``; no ``if``/``then``, no length
or range keywords. Whatever the answer is checked against is in the schema itself, so a server
that decodes under the schema cannot produce an answer that is then refused: the evidence turns
are an enum of the later turns of the request at hand (:func:`reflection_schema`).
"""

from __future__ import annotations

from functools import cache
from typing import Any


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    """A closed object schema with every property required."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


@cache
def reflection_schema(first: int, end: int) -> dict[str, Any]:
    """The critique/rewrite answer (prompt ``reflect-json-v1``) for a request whose later turns
    are ``first`` to ``end - 1``: evidence turns can only be those. One shared object per range
    (treat it as read-only), so validators are built once per range."""
    return _object(
        {
            "verdict": {"type": "string", "enum": ["keep", "revise"]},
            "critique": {"type": "string"},
            "evidence_turns": {
                "type": "array",
                "items": {"type": "integer", "enum": list(range(first, end))},
            },
            "revised_answer": {"type": "string"},
        }
    )


#: The seed's answer format (prompt ``seed-kcl-v1``): K echoed, C the criticism, L the new answer.
SEED_KCL: dict[str, Any] = _object(
    {
        "K": {"type": "string"},
        "C": {"type": "string"},
        "L": {"type": "string"},
    }
)

#: A yes/no judgement with a reason (``llm_judge``).
JUDGEMENT: dict[str, Any] = _object(
    {
        "answer": {"type": "string", "enum": ["yes", "no"]},
        "reason": {"type": "string"},
    }
)
