"""OpenAI chat format: ``{"id": ..., "messages": [{"role": ..., "content": ...}, ...]}``."""

from __future__ import annotations

from typing import Any

from selfreflect.conversation import ROLES, Conversation
from selfreflect.formats.convert import (
    RecordError,
    build,
    check_content,
    check_messages,
    check_role,
)

NAME = "openai"
_CANONICAL = frozenset(ROLES)


def matches(obj: dict[str, Any]) -> bool:
    """True if the object looks like an OpenAI messages record."""
    return isinstance(obj.get("messages"), list)


def to_conversation(obj: dict[str, Any], source: str, line: int) -> Conversation:
    """The Conversation for one record; RecordError with a reason code when it cannot be one."""
    items = check_messages(obj.get("messages"), "messages")
    messages = []
    for i, item in enumerate(items):
        where = f"messages[{i}]"
        if not isinstance(item, dict):
            raise RecordError("invalid_message", f"{where} is {type(item).__name__}, not an object")
        role, content = item.get("role"), item.get("content")
        if role in _CANONICAL and isinstance(content, str):
            messages.append(item)  # the common case: nothing to normalise
            continue
        role = check_role(role, where)
        calls = bool(item.get("tool_calls") or item.get("function_call"))
        if "content" not in item and not calls:
            raise RecordError("bad_content", f"{where}: has no content")
        content = check_content(content, where, calls)
        messages.append({**item, "role": role, "content": content})
    return build(obj, messages, source, line)
