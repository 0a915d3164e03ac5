"""Turn-level actions: what a rule does with a record when one message has a defect.

A :class:`TurnFilter` writes ``find(conv)``, which returns the first bad message as a
:class:`Finding` (index, reason, detail), and gets an ``action`` parameter:

- ``"drop"``: reject the whole record (what every rule did before).
- ``"cut"``: keep the conversation *before* the exchange holding the bad message, when that is
  at least one complete user -> assistant exchange; when the bad message is in the first
  exchange, keep the conversation *after* it instead (a head cut), when that holds a complete
  exchange; otherwise the record is dropped with the rule's reason. The cut messages go to the
  rejects file (see :meth:`Conversation.cut`).

The default is set per rule (``default_action``), documented in docs/steps.md: cut where the
rest of the conversation is good, drop where the record is worthless.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from selfreflect.conversation import Conversation, Message
from selfreflect.steps import Filter, Outcome

Action = Literal["drop", "cut"]
ACTIONS: tuple[str, ...] = ("drop", "cut")


@dataclass(frozen=True)
class Finding:
    """The first bad message a rule found: its index, a reason code and a readable detail."""

    index: int
    reason: str
    detail: str = ""


def exchange_start(messages: list[Message], index: int) -> int:
    """Where the exchange holding message ``index`` starts: the user turn that opened it."""
    start = index
    while start > 0 and messages[start].role != "user":
        start -= 1
    return start


def has_exchange(messages: list[Message]) -> bool:
    """True when the messages hold a user turn answered by an assistant turn, ending answered."""
    seen_user = False
    answered = False
    for m in messages:
        if m.role == "user":
            seen_user, answered = True, False
        elif m.role == "assistant" and seen_user and not m.calls_tools:
            answered = True
    return answered and any(m.role == "user" for m in messages)


def cut_before(
    conv: Conversation, index: int, step: str, reason: str, detail: str = ""
) -> Conversation | None:
    """The record cut before the exchange holding ``index``, or None when nothing usable is left.

    What is kept ends with the last answer before that exchange (an unanswered user turn just
    before it goes too).
    """
    messages = conv.messages
    end = exchange_start(messages, index)
    while end > 0 and messages[end - 1].role not in ("assistant", "tool"):
        end -= 1
    if not has_exchange(messages[:end]):
        return None
    return conv.cut(list(range(end, len(messages))), step, reason, detail)


def cut_head(
    conv: Conversation, index: int, step: str, reason: str, detail: str = ""
) -> Conversation | None:
    """The record without its start up to the end of the exchange holding ``index``, or None.

    For a bad message in the first exchange (nothing complete before it): what is kept starts at
    the next user turn and must hold a complete exchange. The rest may still have the defect
    again; the caller checks it.
    """
    messages = conv.messages
    start = 1 if messages and messages[0].role == "system" else 0
    if index < start:
        return None  # the system prompt: no exchange holds it
    if any(m.role == "user" for m in messages[start : exchange_start(messages, index)]):
        return None  # not the first exchange
    rest = next((i for i in range(index + 1, len(messages)) if messages[i].role == "user"), None)
    if rest is None or not has_exchange(messages[rest:]):
        return None
    return conv.cut(list(range(start, rest)), step, reason, f"{detail} (the head is cut)")


class TurnFilter(Filter):
    """A rule that finds one bad message and drops the record or cuts it before that exchange."""

    #: What the rule does by default (``action=None``): "drop" or "cut".
    default_action: ClassVar[str] = "cut"

    action: str | None = None  # set by subclasses' __init__

    def find(self, conv: Conversation) -> Finding | None:
        """The first bad message, or None when the record is fine."""
        raise NotImplementedError

    def resolved_action(self) -> str:
        """The action in force: the parameter, or the rule's default."""
        action = self.action if self.action is not None else self.default_action
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
        return action

    def check(self) -> None:
        self.resolved_action()

    def keep(self, conv: Conversation) -> bool | tuple[bool, str] | tuple[bool, str, str]:
        found = self.find(conv)
        return True if found is None else (False, found.reason, found.detail)

    def process(self, conv: Conversation) -> Outcome:
        while (found := self.find(conv)) is not None:
            if self.resolved_action() != "cut":
                break
            trimmed = cut_before(conv, found.index, self.name, found.reason, found.detail)
            if trimmed is not None:
                return trimmed
            trimmed = cut_head(conv, found.index, self.name, found.reason, found.detail)
            if trimmed is None:
                break
            conv = trimmed  # the rest is checked the same way (a loop: no recursion limit)
        else:
            return conv
        return self.reject(conv, found.reason, found.detail)
