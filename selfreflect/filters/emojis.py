"""Remove emoji (with the ``emoji`` package) and drop turns made mostly of emoji."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar, Literal

import emoji
import regex

from selfreflect.conversation import Conversation
from selfreflect.filters.turns import Finding, TurnFilter
from selfreflect.params import Share
from selfreflect.steps import MessageRewriter

# Leftovers of an emoji sequence that mean nothing alone: variation selectors 15/16, the
# combining keycap, skin-tone modifiers and tag characters (subdivision flags).
_LEFTOVERS = re.compile("[\ufe0e\ufe0f\u20e3\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]")
_CLOSING = set(".,!?;:)]}…'\"»。，！？；：、）")


# Every emoji starts with one of these (checked against the emoji package's whole list).
_EMOJI_START = regex.compile(
    r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u20e3]"
)


def emoji_spans(text: str, keep: str = "") -> list[tuple[int, int]]:
    """Start and end of every emoji (a whole ZWJ sequence, flag or keycap is one span)."""
    if text.isascii():
        return []
    return list(_spans(text, keep))


# drop_emoji_turns and remove_emoji ask for the spans of the same texts one after the other
# (the default recipe runs them in a row on each record): the second asks the cache.
@lru_cache(maxsize=256)
def _spans(text: str, keep: str) -> tuple[tuple[int, int], ...]:
    # The emoji tokenizer is slow per character: run it only on windows around possible emoji.
    windows: list[list[int]] = []
    for hit in _EMOJI_START.finditer(text):
        start, end = max(0, hit.start() - 2), hit.end() + 16
        if windows and start <= windows[-1][1]:
            windows[-1][1] = end
        else:
            windows.append([start, end])
    spans = []
    for start, end in windows:
        for found in emoji.emoji_list(text[start:end]):
            if found["emoji"] not in keep:
                spans.append((start + found["match_start"], start + found["match_end"]))
    return tuple(spans)


def remove_emoji(text: str, keep: str = "") -> str:
    """The text without emoji, with no doubled spaces or space before punctuation left behind."""
    spans = emoji_spans(text, keep)
    if not spans:
        return text if text.isascii() else _LEFTOVERS.sub("", text)
    mark = next(chr(c) for c in range(0xE000, 0xF900) if chr(c) not in text)
    pieces, last = [], 0
    for start, end in spans:
        pieces += [text[last:start], mark]
        last = end
    pieces.append(text[last:])
    marked = _LEFTOVERS.sub("", "".join(pieces))
    # A run of emoji (with spaces between) and the spaces around it is removed as one unit.
    around = re.compile(f"([ \t]*){mark}(?:[ \t]*{mark})*([ \t]*)")

    def replace(found: re.Match[str]) -> str:
        before = marked[found.start() - 1] if found.start() else "\n"
        after = marked[found.end()] if found.end() < len(marked) else "\n"
        if before == "\n" or after == "\n" or after in _CLOSING:
            return ""
        if found.group(1) or found.group(2) or (before.isalnum() and after.isalnum()):
            return " "
        return ""

    return around.sub(replace, marked)


def emoji_share(text: str, keep: str = "©®™") -> float:
    """The share of visible characters that are emoji, counting each emoji sequence as one."""
    spans = emoji_spans(text, keep)
    if not spans:
        return 0.0
    visible = sum(map(len, text.split()))  # split() cuts at exactly the str.isspace() characters
    inside = sum(end - start for start, end in spans)
    return len(spans) / (visible - inside + len(spans))


class RemoveEmoji(MessageRewriter):
    """Remove emoji (ZWJ families, skin tones, flags, keycaps) and leave the text readable.

    Args:
        keep: emoji to leave in the text, written one after another ("©®™", the default, keeps the
            copyright, registered and trade mark signs).
        roles: the roles whose messages lose their emoji.
    """

    reasons: ClassVar[dict[str, str]] = {}

    def __init__(self, keep: str = "©®™", roles: tuple[str, ...] = ("user", "assistant")):
        self.keep = keep
        self.roles = roles

    def rewrite_text(self, text: str) -> str:
        return remove_emoji(text, self.keep)


class DropEmojiTurns(TurnFilter):
    """Drop records with a turn made mostly of emoji (nothing readable is left once removed).

    ``action="cut"`` (default): a multi-turn record is cut before the exchange with that turn
    ("👍" as the 9th turn) when a complete exchange is left; otherwise the record is dropped.

    Args:
        max_share: the largest share (0 to 1) of a turn's visible characters that may be emoji, each
            emoji sequence counted as one character; a turn with more is bad.
        roles: the roles whose turns are checked.
        action: "cut" keeps a multi-turn record up to the exchange before the bad turn when a
            complete exchange is left there (otherwise drops it); "drop" rejects the whole record.
            null means "cut".
    """

    reasons = {
        "mostly_emoji_user": "a user turn is mostly emoji",
        "mostly_emoji_assistant": "an assistant turn is mostly emoji",
    }

    def __init__(
        self,
        max_share: Share = 0.5,
        roles: tuple[str, ...] = ("user", "assistant"),
        action: Literal["cut", "drop"] | None = None,
    ):
        self.max_share = max_share
        self.roles = roles
        self.action = action

    def find(self, conv: Conversation) -> Finding | None:
        for index, message in enumerate(conv.messages):
            if message.role not in self.roles or not message.content or message.content.isascii():
                continue
            share = emoji_share(message.content)
            if share > self.max_share:
                return Finding(
                    index,
                    f"mostly_emoji_{message.role}",
                    f"message {index} ({message.role}) is {share:.0%} emoji",
                )
        return None
