"""Drop records that are not a usable conversation (missing or misplaced roles)."""

from __future__ import annotations

from selfreflect.conversation import Conversation
from selfreflect.steps import Filter


class DropBadStructure(Filter):
    """Drop records without an assistant answer, with roles out of order or a misplaced system."""

    reasons = {
        "no_assistant": "the record has no assistant turn",
        "no_user": "the record has no user turn",
        "system_not_first": "a system message appears after the first message",
        "assistant_first": "the first turn after the system prompt is the assistant's",
        "repeated_role": "two turns of the same role follow each other",
        "last_not_assistant": "the last turn is not the assistant's",
    }

    def __init__(
        self,
        allow_assistant_first: bool = True,
        require_user: bool = True,
        require_last_assistant: bool = True,
    ):
        self.allow_assistant_first = allow_assistant_first
        self.require_user = require_user
        self.require_last_assistant = require_last_assistant

    def keep(self, conv: Conversation) -> bool | tuple[bool, str] | tuple[bool, str, str]:
        messages = conv.messages
        for index, message in enumerate(messages):
            if message.role == "system" and index > 0:
                return False, "system_not_first", f"system message at position {index}"
        # Tool results belong to the assistant turn that called the tool.
        turns = [m.role for m in messages if m.role in ("user", "assistant")]
        if "assistant" not in turns:
            return False, "no_assistant"
        if self.require_user and "user" not in turns:
            return False, "no_user"
        if turns[0] == "assistant" and not self.allow_assistant_first:
            return False, "assistant_first"
        for index in range(1, len(turns)):
            if turns[index] == turns[index - 1]:
                return (
                    False,
                    "repeated_role",
                    f"turns {index - 1} and {index} are both {turns[index]}",
                )
        if self.require_last_assistant and turns[-1] != "assistant":
            return False, "last_not_assistant", f"the last turn is the {turns[-1]}'s"
        return True
