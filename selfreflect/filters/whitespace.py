"""Strip turns, collapse runs of spaces and blank lines; optionally remove line breaks."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar

import regex
from pydantic import Field

from selfreflect.steps import MessageRewriter

# Unicode spaces that render like an ASCII space (U+3000, the ideographic space, is kept).
_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f]")
# Invisible characters with no meaning in chat text (zero-width space, BOM). ZWJ/ZWNJ are kept:
# Indic and Persian scripts and emoji sequences need them.
_INVISIBLE = re.compile(r"[\u200b\ufeff\u2060]")
_INNER_SPACES = re.compile(r"(?<=\S)[ \t]{2,}")
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
# Anything the rules below would change; text without any only needs strip() (fast path).
_ANY_WORK = re.compile(r"[\r\t\u00a0\u1680\u2000-\u200b\u202f\u205f\u2060\ufeff]|  | \n")
# The non-ASCII characters of _ANY_WORK (its ASCII ones are tested with ``in``, much faster).
_UNICODE_WORK = re.compile(r"[\u00a0\u1680\u2000-\u200b\u202f\u205f\u2060\ufeff]")
_FENCE = re.compile(r"(```.*?(?:```|\Z))", re.DOTALL)
_LINE_BREAKS = re.compile(r"[ \t]*\n[ \t\n]*")
# A line break between two CJK characters becomes nothing, not a space.
_CJK = r"[\p{Han}\p{Hiragana}\p{Katakana}\u3000-\u303f\uff00-\uffef]"
_CJK_BREAK = regex.compile(rf"(?<={_CJK})[ \t]*\n[ \t\n]*(?={_CJK})")


class NormalizeWhitespace(MessageRewriter):
    """Strip each turn, collapse repeated spaces and blank lines; optionally join all lines.

    Args:
        max_blank_lines: the most blank lines kept in a row between paragraphs; longer runs are
            shortened to this many (0 removes blank lines). Code blocks keep their own spacing.
        remove_line_breaks: join all lines of a turn into one, with a space between lines (nothing
            between two Chinese or Japanese characters); code blocks keep their line breaks.
        roles: the roles whose messages are normalised.
    """

    reasons: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        max_blank_lines: Annotated[int, Field(ge=0, le=1000)] = 1,
        remove_line_breaks: bool = False,
        roles: tuple[str, ...] = ("system", "user", "assistant"),
    ):
        self.max_blank_lines = max_blank_lines
        self.remove_line_breaks = remove_line_breaks
        self.roles = roles

    def rewrite_text(self, text: str) -> str:
        if "```" not in text:
            return self._prose(text)
        # Fenced code blocks keep their spacing and line breaks: set aside, then put back.
        blocks: list[str] = []
        mark = next(chr(c) for c in range(0xE000, 0xF900) if chr(c) not in text)

        def hold(found: re.Match[str]) -> str:
            blocks.append(found.group())
            return f"{mark}{len(blocks) - 1}{mark}"

        text = self._prose(_FENCE.sub(hold, text))
        held = re.compile(f"{mark}(\\d+){mark}")
        return held.sub(lambda found: blocks[int(found.group(1))], text)

    def _prose(self, text: str) -> str:
        """Normalise text outside code fences."""
        stripped = text.strip()
        if self._only_strip(stripped):
            return stripped
        return normalize_prose(text, self.max_blank_lines, self.remove_line_breaks)

    def _only_strip(self, stripped: str) -> bool:
        """True when a stripped text has nothing else the rules change (then it is the result).

        Exact: the characters strip() removes never hold an invisible character, and whatever
        the rules do to them (CR to LF, Unicode spaces to " ") is stripped again at the end.
        """
        if "  " in stripped or " \n" in stripped or "\t" in stripped or "\r" in stripped:
            return False
        if not stripped.isascii() and _UNICODE_WORK.search(stripped):
            return False
        if "\n" in stripped:
            limit = max(0, self.max_blank_lines)
            return not self.remove_line_breaks and "\n" * (limit + 2) not in stripped
        return True


def normalize_prose(text: str, max_blank_lines: int, remove_line_breaks: bool) -> str:
    """The whitespace rules on text outside code fences (the reference the fast path matches)."""
    if "\n" in text:
        simple = not remove_line_breaks and "\n" * (max(0, max_blank_lines) + 2) not in text
    else:
        simple = True
    if simple and not _ANY_WORK.search(text):
        return text.strip()
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", _SPACES.sub(" ", text))
    # Leading indentation is kept (code blocks); spaces inside a line are collapsed.
    text = _INNER_SPACES.sub(" ", text)
    text = _TRAILING.sub("", text)
    if remove_line_breaks:
        text = _join_lines(text)
    else:
        limit = max(0, max_blank_lines)
        text = re.sub(rf"\n{{{limit + 2},}}", "\n" * (limit + 1), text)
    return text.strip()


def _join_lines(text: str) -> str:
    """Replace every line break (and blank line) by one space, or by nothing between CJK."""
    text = _CJK_BREAK.sub("", text)
    return _LINE_BREAKS.sub(" ", text)
