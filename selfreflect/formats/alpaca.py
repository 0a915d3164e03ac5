"""Alpaca format: ``{"instruction": ..., "input": ..., "output": ..., "system": ...}``.

The user turn is the instruction, then a blank line and the input when the input is not
empty; the assistant turn is the output; an optional ``system`` string comes first and an
optional ``history`` list of ``[user, assistant]`` pairs (LLaMA-Factory) comes before the
instruction. Other fields are kept.
"""

from __future__ import annotations

from typing import Any

from selfreflect.conversation import Conversation
from selfreflect.formats.convert import RecordError, build

NAME = "alpaca"
_OWN = ("instruction", "input", "output", "system", "history")


def matches(obj: dict[str, Any]) -> bool:
    """True if the object looks like an Alpaca record."""
    return "instruction" in obj and "output" in obj


def _text(obj: dict[str, Any], key: str, required: bool) -> str:
    value = obj.get(key)
    if isinstance(value, str):
        return value
    if value is None and not required:
        return ""
    kind = "missing" if key not in obj else "null" if value is None else type(value).__name__
    raise RecordError(
        "missing_fields" if required else "bad_content", f"{key!r} is {kind}, expected text"
    )


def to_conversation(obj: dict[str, Any], source: str, line: int) -> Conversation:
    """The Conversation for one record; RecordError with a reason code when it cannot be one."""
    instruction = _text(obj, "instruction", required=True)
    output = _text(obj, "output", required=True)
    extra_input = _text(obj, "input", required=False)
    system = _text(obj, "system", required=False)
    messages: list[dict[str, Any]] = []
    if system.strip():
        messages.append({"role": "system", "content": system})
    history = obj.get("history") or []
    if not isinstance(history, list):
        raise RecordError("bad_content", "'history' is not a list of [user, assistant] pairs")
    for i, pair in enumerate(history):
        if not (
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(t, str) for t in pair)
        ):
            raise RecordError(
                "bad_content", f"history[{i}] is not a [user, assistant] pair of texts"
            )
        messages += [
            {"role": "user", "content": pair[0]},
            {"role": "assistant", "content": pair[1]},
        ]
    user = f"{instruction}\n\n{extra_input}" if extra_input.strip() else instruction
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": output}]
    rest = {k: v for k, v in obj.items() if k not in _OWN}
    return build(rest, messages, source, line)
