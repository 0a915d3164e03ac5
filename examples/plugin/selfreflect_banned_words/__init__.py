"""An example selfreflect plugin: drop answers that use banned words."""

from __future__ import annotations

import re

from selfreflect import Conversation, Filter


class DropBannedWords(Filter):
    """Drop conversations whose assistant answers mention a banned word or phrase."""

    reasons = {"banned_word": "an assistant answer mentions a banned word or phrase"}

    def __init__(
        self,
        words: tuple[str, ...] = ("as an ai", "language model", "openai"),
        roles: tuple[str, ...] = ("assistant",),
    ):
        self.words = words
        self.roles = roles

    def keep(self, conv: Conversation) -> bool | tuple[bool, str, str]:
        alternatives = "|".join(re.escape(word) for word in self.words)
        pattern = re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)  # re caches compiles
        for message in conv.messages:
            found = message.role in self.roles and pattern.search(message.content)
            if found:
                return False, "banned_word", f"{message.role} says {found.group(0)!r}"
        return True
