"""JSON schemas of the answers the LLM steps ask for."""

from __future__ import annotations

from typing import Any

#: The critique/rewrite answer (prompt ``reflect-json-v1``).
REFLECTION: dict[str, Any] = {
    "type": "object",
    "properties": {
        "verdict": {"enum": ["keep", "revise"]},
        "critique": {"type": "string", "minLength": 1},
        "evidence_turns": {"type": "array", "items": {"type": "integer", "minimum": 0}},
        "revised_answer": {"type": "string"},
        "k": {"type": "string"},
    },
    "required": ["verdict", "critique", "evidence_turns", "revised_answer"],
    "if": {"properties": {"verdict": {"const": "revise"}}},
    "then": {"properties": {"revised_answer": {"type": "string", "minLength": 1}}},
}

#: The seed's answer format (prompt ``seed-kcl-v1``): K echoed, C the criticism, L the new answer.
SEED_KCL: dict[str, Any] = {
    "type": "object",
    "properties": {
        "K": {"type": "string"},
        "C": {"type": "string", "minLength": 1},
        "L": {"type": "string", "minLength": 1},
    },
    "required": ["K", "C", "L"],
}

#: A yes/no judgement with a reason (``llm_judge``).
JUDGEMENT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "answer": {"enum": ["yes", "no"]},
        "reason": {"type": "string", "minLength": 1},
    },
    "required": ["answer", "reason"],
}
