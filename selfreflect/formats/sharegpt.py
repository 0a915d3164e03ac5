"""ShareGPT format: ``{"conversations": [{"from": "human", "value": ...}, ...]}``.

Roles go through the documented aliases (human -> user, gpt -> assistant, ...). A top-level
``system`` string (LLaMA-Factory's variant) becomes the first message. Other fields are kept.
"""

from __future__ import annotations

from typing import Any

from selfreflect.conversation import Conversation
from selfreflect.formats.convert import (
    RecordError,
    build,
    check_content,
    check_messages,
    check_role,
)

NAME = "sharegpt"


def matches(obj: dict[str, Any]) -> bool:
    """True if the object looks like a ShareGPT record."""
    return isinstance(obj.get("conversations"), list)


def to_conversation(obj: dict[str, Any], source: str, line: int) -> Conversation:
    """The Conversation for one record; RecordError with a reason code when it cannot be one."""
    items = check_messages(obj.get("conversations"), "conversations")
    messages: list[dict[str, Any]] = []
    rest = {k: v for k, v in obj.items() if k != "conversations"}
    system = rest.get("system")
    if isinstance(system, str):
        del rest["system"]
        if system.strip():
            messages.append({"role": "system", "content": system})
    for i, item in enumerate(items):
        where = f"conversations[{i}]"
        if not isinstance(item, dict):
            raise RecordError("invalid_message", f"{where} is {type(item).__name__}, not an object")
        role_key = "from" if "from" in item else "role"
        text_key = "value" if "value" in item else "content"
        role = check_role(item.get(role_key), where)
        if text_key not in item:
            raise RecordError("bad_content", f"{where}: has no 'value'")
        content = check_content(item.get(text_key), where)
        others = {k: v for k, v in item.items() if k not in (role_key, text_key)}
        messages.append({**others, "role": role, "content": content})
    return build(rest, messages, source, line)
