"""Drop records with a turn that is too short or too long, per role, in characters or words."""

from __future__ import annotations

from itertools import islice
from typing import Literal

import regex

from selfreflect.conversation import Conversation
from selfreflect.params import Length
from selfreflect.steps import Filter

# Scripts written without spaces: each character counts as a word.
_WORDS = regex.compile(
    r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]"
    r"|[^\s\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]+"
)


# Per unit: (max_length, single_turn_min_length) used when those parameters are None.
_DEFAULTS: dict[str, tuple[dict[str, int], dict[str, int]]] = {
    "words": ({"user": 8000, "assistant": 8000}, {"assistant": 2}),
    "chars": ({"user": 32000, "assistant": 32000}, {"assistant": 2}),
}


def count_words(text: str) -> int:
    """Whitespace-separated words; in Chinese, Japanese, Thai and similar, one per character."""
    return len(_WORDS.findall(text))


def measure(text: str, unit: str, at_most: int | None = None) -> int:
    """The length of a text in ``unit`` ("chars" or "words"); surrounding space is not counted.

    With ``at_most``, counting words stops there: the answer is exact below it, and is
    ``at_most`` for anything at least that long.
    """
    text = text.strip()
    if unit == "chars":
        return len(text)
    if at_most is None:
        return count_words(text)
    return sum(1 for _ in islice(_WORDS.finditer(text), at_most))


class DropByLength(Filter):
    """Drop records with a turn shorter or longer than the limits of its role.

    ``min_length`` applies to every turn; ``single_turn_min_length`` only to records with a
    single user/assistant exchange, where a one-word answer ("Sure!") teaches nothing.
    Short replies inside multi-turn dialogs ("Sure!", "好") are natural and kept by default.
    """

    reasons = {
        "too_short_user": "a user turn is shorter than the minimum for its role",
        "too_short_assistant": "an assistant turn is shorter than the minimum for its role",
        "too_short_system": "the system prompt is shorter than the minimum",
        "too_long_user": "a user turn is longer than the maximum for its role",
        "too_long_assistant": "an assistant turn is longer than the maximum for its role",
        "too_long_system": "the system prompt is longer than the maximum",
        "too_short_tool": "a tool result is shorter than the minimum (only when configured)",
        "too_long_tool": "a tool result is longer than the maximum (only when configured)",
    }

    def __init__(
        self,
        unit: Literal["chars", "words"] = "words",
        min_length: dict[str, Length] | None = None,
        max_length: dict[str, Length] | None = None,
        single_turn_min_length: dict[str, Length] | None = None,
    ):
        self.unit = unit
        self.min_length = min_length
        self.max_length = max_length
        self.single_turn_min_length = single_turn_min_length

    def _limits(self) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
        if self.unit not in ("chars", "words"):
            raise ValueError(f"unit must be 'chars' or 'words', got {self.unit!r}")
        default_max, default_single = _DEFAULTS[self.unit]
        return (
            self.min_length or {},
            default_max if self.max_length is None else self.max_length,
            default_single if self.single_turn_min_length is None else self.single_turn_min_length,
        )

    def keep(self, conv: Conversation) -> bool | tuple[bool, str] | tuple[bool, str, str]:
        min_all, max_all, min_single = self._limits()
        single = len(conv.turns("user")) <= 1 and len(conv.turns("assistant")) <= 1
        for index, message in enumerate(conv.messages):
            role = message.role
            lower = max(min_all.get(role, 0), min_single.get(role, 0) if single else 0)
            upper = max_all.get(role)
            if not lower and upper is None:
                continue
            text = message.content
            # a word has at least one character: a text no longer than the maximum in
            # characters is within it in words too, and only needs counting up to the minimum
            if upper is not None and len(text) > upper:
                size = measure(text, self.unit)
            else:
                size = measure(text, self.unit, at_most=lower) if lower else 0
            if size < lower:
                return (
                    False,
                    f"too_short_{role}",
                    f"message {index} ({role}) has {size} {self.unit}, minimum {lower}",
                )
            if upper is not None and size > upper:
                return (
                    False,
                    f"too_long_{role}",
                    f"message {index} ({role}) has {size} {self.unit}, maximum {upper}",
                )
        return True
