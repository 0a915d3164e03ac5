"""Drop records with an empty or whitespace-only turn."""

from __future__ import annotations

from typing import Literal

from selfreflect.conversation import Conversation
from selfreflect.filters.turns import Finding, TurnFilter


class DropEmptyTurns(TurnFilter):
    """Drop conversations with a turn that is empty or only whitespace.

    ``action="cut"`` (default): a multi-turn record is cut before the exchange with the empty
    turn when a complete exchange is left; otherwise the record is dropped.

    Args:
        roles: the roles whose turns must not be empty; add "system" or "tool" to check those too.
        action: "cut" keeps a multi-turn record up to the exchange before the bad turn when a
            complete exchange is left there (otherwise drops it); "drop" rejects the whole record.
            null means "cut".
    """

    reasons = {
        "empty_user": "a user turn is empty or only whitespace",
        "empty_assistant": "an assistant turn is empty or only whitespace",
        "empty_system": "the system prompt is empty or only whitespace",
        "empty_tool": "a tool result is empty (only when `tool` is in roles)",
        "no_messages": "the record has no messages at all",
    }

    def __init__(
        self,
        roles: tuple[str, ...] = ("user", "assistant"),
        action: Literal["cut", "drop"] | None = None,
    ):
        self.roles = roles
        self.action = action

    def find(self, conv: Conversation) -> Finding | None:
        if not conv.messages:
            return Finding(0, "no_messages")
        for index, message in enumerate(conv.messages):
            if message.role in self.roles and not message.text.strip():
                if message.calls_tools:
                    continue  # an assistant turn that only calls tools has no text by design
                return Finding(
                    index, f"empty_{message.role}", f"message {index} ({message.role}) is empty"
                )
        return None
