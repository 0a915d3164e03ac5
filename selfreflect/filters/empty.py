"""Drop records with an empty or whitespace-only turn."""

from __future__ import annotations

from selfreflect.conversation import Conversation
from selfreflect.steps import Filter


class DropEmptyTurns(Filter):
    """Drop conversations with a turn that is empty or only whitespace."""

    reasons = {
        "empty_user": "a user turn is empty or only whitespace",
        "empty_assistant": "an assistant turn is empty or only whitespace",
        "empty_system": "the system prompt is empty or only whitespace",
        "empty_tool": "a tool result is empty (only when `tool` is in roles)",
        "no_messages": "the record has no messages at all",
    }

    def __init__(self, roles: tuple[str, ...] = ("user", "assistant")):
        self.roles = roles

    def keep(self, conv: Conversation) -> bool | tuple[bool, str] | tuple[bool, str, str]:
        if not conv.messages:
            return False, "no_messages"
        for index, message in enumerate(conv.messages):
            if message.role in self.roles and not message.content.strip():
                if (
                    message.role == "assistant"
                    and message.model_extra
                    and message.model_extra.get("tool_calls")
                ):
                    continue  # an assistant turn that only calls tools has no text by design
                return False, f"empty_{message.role}", f"message {index} ({message.role}) is empty"
        return True
