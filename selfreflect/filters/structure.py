"""Repair or drop records that are not a usable conversation (missing or misplaced roles).

Turn by turn (see :mod:`selfreflect.filters.turns`): leading assistant messages (an answer whose
question is not in the record) and a trailing unanswered user turn are trimmed away; a repeated
role or a tool call without its result cuts the conversation before that exchange. What is left
must still hold a user turn and an assistant answer. Tool results belong to the assistant turn
that called the tool: ``assistant (tool_calls) -> tool -> assistant`` is one turn.
"""

from __future__ import annotations

from typing import Literal

import regex

from selfreflect.conversation import Conversation, Message
from selfreflect.filters.turns import Finding, cut_before
from selfreflect.steps import Filter, Outcome

_GREETING = regex.compile(
    r"^\W*(?:hi|hello|hey|hiya|howdy|greetings|welcome|good\s+(?:morning|afternoon|evening|day)"
    r"|(?:I'?m|I\s+am|my\s+name\s+is|this\s+is)\s+\p{Lu})\b"
    r"|\?\s*\W{0,3}$",
    regex.IGNORECASE | regex.V1,
)
_ANSWER_OPENER = regex.compile(
    r"^\W*(?:sure|certainly|of\s+course|yes|no|apologies|I\s+apologi[sz]e|sorry|here(?:'s|\s+is"
    r"|\s+are)|great|thanks?|you'?re\s+(?:right|correct|welcome)|absolutely|okay|ok|understood"
    r"|as\s+an?\s+AI)\b",
    regex.IGNORECASE,
)


def is_greeting(message: Message) -> bool:
    """True for an assistant message that opens a chat (a persona's greeting), not an answer."""
    text = message.text.strip()
    return len(text) <= 400 and bool(_GREETING.search(text)) and not _ANSWER_OPENER.search(text)


def _plain_dialog(roles: list[str]) -> bool:
    """True for (system,) user, assistant, user, assistant, ... ending on an assistant turn."""
    start = 1 if roles and roles[0] == "system" else 0
    body = roles[start:]
    return (
        len(body) >= 2
        and len(body) % 2 == 0
        and body[0::2] == ["user"] * (len(body) // 2)
        and body[1::2] == ["assistant"] * (len(body) // 2)
    )


def turn_starts(messages: list[Message]) -> list[int]:
    """Indices where a user or assistant turn starts; a tool-calling assistant message, its tool
    results and the answer after them make one assistant turn."""
    starts: list[int] = []
    previous: Message | None = None
    for i, m in enumerate(messages):
        if m.role not in ("user", "assistant"):
            continue
        joins_call = (
            m.role == "assistant"
            and previous is not None
            and previous.role == "assistant"
            and previous.calls_tools
        )
        if not joins_call:
            starts.append(i)
        previous = m
    return starts


def missing_tool_result(messages: list[Message]) -> Finding | None:
    """The first tool call whose result is not in the record before the next turn."""
    for i, m in enumerate(messages):
        if m.role != "assistant" or not m.calls_tools:
            continue
        extra = m.model_extra or {}
        results = []
        j = i + 1
        while j < len(messages) and messages[j].role == "tool":
            results.append(messages[j])
            j += 1
        calls = extra.get("tool_calls") or []
        wanted = [c.get("id") for c in calls if isinstance(c, dict) and c.get("id")]
        answered = {(r.model_extra or {}).get("tool_call_id") for r in results} - {None}
        missing = [w for w in wanted if w not in answered] if answered else []
        if not results or missing:
            what = f"tool call {missing[0]!r}" if missing else "function call"
            return Finding(
                i, "tool_call_missing_result", f"message {i}: {what} has no tool result after it"
            )
    return None


class DropBadStructure(Filter):
    """Trim an answer without its question or an unanswered last turn; drop what has no dialog.

    A single leading assistant message that reads as a greeting ("Hey, I'm Billie.", a short
    opening question) is a persona's opening and is kept.

    Args:
        allow_assistant_first: accept records whose first turn (after the system prompt) is the
            assistant's; false rejects them as assistant_first.
        require_user: a record must have a user turn; false also keeps assistant-only records, and
            then leading assistant messages are never trimmed.
        require_last_assistant: the last turn must be the assistant's answer; false keeps records
            ending on a user turn.
        leading_assistant: what to do with assistant messages before the first user turn (an answer
            whose question is missing): "trim" (default) cuts them off, "keep" leaves them.
        trailing_user: what to do with an unanswered last user turn: "trim" (default) cuts it off,
            "drop" rejects the record as last_not_assistant.
        action: for two turns of the same role in a row or a tool call without its result: "cut"
            (default) keeps the conversation before that exchange when a complete exchange is left
            there (otherwise drops it); "drop" rejects the whole record.
    """

    reasons = {
        "no_assistant": "the record has no assistant turn",
        "no_user": "the record has no user turn",
        "system_not_first": "a system message appears after the first message",
        "assistant_first": "the first turn after the system prompt is the assistant's "
        "(only with allow_assistant_first=False)",
        "leading_assistant": "assistant messages before the first user turn (an answer whose "
        "question is not in the record); trimmed by default",
        "repeated_role": "two turns of the same role follow each other",
        "last_not_assistant": "the last turn is not the assistant's",
        "trailing_user": "the last user turn is unanswered; trimmed by default",
        "tool_call_missing_result": "an assistant tool call has no tool result after it",
    }

    def __init__(
        self,
        allow_assistant_first: bool = True,
        require_user: bool = True,
        require_last_assistant: bool = True,
        leading_assistant: Literal["trim", "keep"] = "trim",
        trailing_user: Literal["trim", "drop"] = "trim",
        action: Literal["cut", "drop"] = "cut",
    ):
        self.allow_assistant_first = allow_assistant_first
        self.require_user = require_user
        self.require_last_assistant = require_last_assistant
        self.leading_assistant = leading_assistant
        self.trailing_user = trailing_user
        self.action = action

    def check(self) -> None:
        for name, allowed in (
            ("leading_assistant", ("trim", "keep")),
            ("trailing_user", ("trim", "drop")),
            ("action", ("cut", "drop")),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(
                    f"{name} must be one of {', '.join(allowed)}, got {getattr(self, name)!r}"
                )

    def keep(self, conv: Conversation) -> bool | tuple[bool, str] | tuple[bool, str, str]:
        outcome = self.process(conv)
        if isinstance(outcome, Conversation):
            return True
        return False, outcome.reason, outcome.detail

    def process(self, conv: Conversation) -> Outcome:
        messages = conv.messages
        roles: list[str] = [m.role for m in messages]
        if _plain_dialog(roles) and not any(m.calls_tools for m in messages):
            return conv  # the common case: (system,) user, assistant, ..., assistant
        for index, message in enumerate(messages):
            if message.role == "system" and index > 0:
                return self.reject(conv, "system_not_first", f"system message at position {index}")
        if "assistant" not in roles:
            return self.reject(conv, "no_assistant")
        if self.require_user and "user" not in roles:
            return self.reject(conv, "no_user")
        first_user = roles.index("user") if "user" in roles else len(roles)
        first_turn = next(i for i, r in enumerate(roles) if r in ("user", "assistant"))
        if roles[first_turn] == "assistant":
            if not self.allow_assistant_first:
                return self.reject(conv, "assistant_first")
            lead = [i for i in range(first_turn, first_user) if roles[i] != "system"]
            greeting = len(lead) == 1 and is_greeting(messages[lead[0]])
            if self.leading_assistant == "trim" and self.require_user and not greeting:
                conv = conv.cut(
                    lead,
                    self.name,
                    "leading_assistant",
                    f"{len(lead)} message(s) before the first user turn",
                )
        return self._rest(conv)

    def _rest(self, conv: Conversation) -> Outcome:
        """Repeated roles, missing tool results and the trailing turn of a record."""
        messages = conv.messages
        if self.require_user and not any(m.role == "user" for m in messages):
            return self.reject(conv, "no_user")
        if not any(m.role == "assistant" for m in messages):
            return self.reject(conv, "no_assistant")
        starts = turn_starts(messages)
        for a, b in zip(starts, starts[1:], strict=False):
            if messages[a].role == messages[b].role:
                return self._act(
                    conv,
                    Finding(
                        b,
                        "repeated_role",
                        f"messages {a} and {b} are both {messages[b].role} turns",
                    ),
                )
        missing = missing_tool_result(messages)
        if missing is not None:
            return self._act(conv, missing)
        if self.require_last_assistant and starts and messages[starts[-1]].role != "assistant":
            last = starts[-1]
            if self.trailing_user == "trim" and last > 0:
                trimmed = conv.cut(
                    list(range(last, len(messages))),
                    self.name,
                    "trailing_user",
                    f"message {last} (user) is not answered",
                )
                if any(m.role == "user" for m in trimmed.messages) and any(
                    m.role == "assistant" for m in trimmed.messages
                ):
                    return trimmed
            return self.reject(
                conv, "last_not_assistant", f"the last turn is the {messages[last].role}'s"
            )
        return conv

    def _act(self, conv: Conversation, found: Finding) -> Outcome:
        if self.action == "cut":
            trimmed = cut_before(conv, found.index, self.name, found.reason, found.detail)
            if trimmed is not None:
                return trimmed
        return self.reject(conv, found.reason, found.detail)
