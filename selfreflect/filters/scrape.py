"""Repair what scraping a chat web page leaves in the text (ShareGPT and its kind).

- Escaped markdown: the page's markdown was escaped on export (``node\\_modules``, ``\\*bold\\*``,
  ``\\[Your Name\\]``). The backslash is removed outside code: fenced blocks, inline code,
  ``$...$`` / ``\\(...\\)`` maths and ``\\[...\\]`` display maths (a bracket pair with a LaTeX
  command inside) are left alone, except for an escaped subscript in maths (``\\sum\\_{k=1}``,
  ``a\\_k`` become ``\\sum_{k=1}``, ``a_k``).
- Pasted UI strings: "Copy code" (with the language label line before it, where the code
  fence was lost), "Copy to Clipboard", "Share Prompt", "지금 번역하기", "Regenerate response".
- Regenerate counters: "2 / 2" glued to the start of a message.
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

import regex

from selfreflect.steps import MessageRewriter

#: The UI strings removed by default.
UI_STRINGS: tuple[str, ...] = (
    "Copy code",
    "Copy to Clipboard",
    "Share Prompt",
    "지금 번역하기",
    "Regenerate response",
)

# Spans never touched: fenced code, inline code, maths.
_PROTECTED = regex.compile(
    r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]+`|\$\$.+?\$\$|(?<![\\$])\$[^$\n]+\$"
    r"|\\\(.+?\\\)|\\\[(?=[^\]]*\\[A-Za-z]).+?\\\]",
    regex.S,
)
_ESCAPE = regex.compile(r"\\([_*\[\]#`~>|])")
# In maths the export escaped subscripts too ("\sum\_{k=1}", "a\_k"): a LaTeX "\_" after a
# letter, digit or closing bracket is a literal underscore nobody writes there.
_MATH_SUBSCRIPT = regex.compile(r"(?<=[\p{L}\p{N}})\]])\\_(?=[\p{L}\p{N}{\\])")
# "python\nCopy code\n": the language label and the button text left where a fence was.
_COPY_CODE = regex.compile(
    r"(?:^|(?<=\n))[ \t]*(?:[A-Za-z0-9_+#.-]{1,20}[ \t]*\n[ \t]*)?"
    r"Copy code[ \t]*(?:\n|$)"
)
_COUNTER = regex.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})(?=\s*\n|\s*\p{Lu}|\s*\p{Lo})\s*")


@lru_cache(maxsize=8)
def _ui_pattern(strings: tuple[str, ...]) -> regex.Pattern[str]:
    return regex.compile("|".join(regex.escape(s) for s in strings if s != "Copy code"))


def unescape_markdown(text: str) -> str:
    """Remove the scrape's markdown escapes outside code and maths."""
    if "\\" not in text:
        return text
    pieces, last = [], 0
    for span in _PROTECTED.finditer(text):
        pieces.append(_ESCAPE.sub(r"\1", text[last : span.start()]))
        kept = span.group()
        if kept[0] in "$\\" and "\\_" in kept:
            kept = _MATH_SUBSCRIPT.sub("_", kept)  # maths, not code
        pieces.append(kept)
        last = span.end()
    pieces.append(_ESCAPE.sub(r"\1", text[last:]))
    return "".join(pieces)


def remove_ui_strings(text: str, strings: tuple[str, ...] = UI_STRINGS) -> str:
    """Remove pasted UI strings; a "Copy code" line takes its language label line with it."""
    if not any(s in text for s in strings):
        return text
    if "Copy code" in strings and "Copy code" in text:
        text = _COPY_CODE.sub("", text)
    others = tuple(s for s in strings if s != "Copy code")
    if others and any(s in text for s in others):
        text = _ui_pattern(others).sub("", text)
    return text


def remove_regenerate_counter(text: str) -> str:
    """Remove a "2 / 2" regenerate counter at the start of a message."""
    found = _COUNTER.match(text)
    if found and 1 <= int(found.group(1)) <= int(found.group(2)) <= 20:
        return text[found.end() :]
    return text


class RepairScrapeArtefacts(MessageRewriter):
    """Remove escaped-markdown backslashes outside code, pasted UI strings and "2 / 2" counters.

    Args:
        unescape: remove the backslash an export put before a markdown mark (underscore, star,
            bracket, hash, backtick, tilde, ">" or "|"), outside code and maths.
        ui_strings: button texts pasted with the page, removed wherever they appear; a "Copy code"
            line also takes the language label line before it. [] removes none.
        regenerate_counters: remove a "2 / 2" counter glued to the start of a message.
        roles: the roles whose messages are repaired.
    """

    reasons: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        unescape: bool = True,
        ui_strings: tuple[str, ...] = UI_STRINGS,
        regenerate_counters: bool = True,
        roles: tuple[str, ...] = ("user", "assistant"),
    ):
        self.unescape = unescape
        self.ui_strings = ui_strings
        self.regenerate_counters = regenerate_counters
        self.roles = roles

    def rewrite_text(self, text: str) -> str:
        new = text
        if self.ui_strings:
            strings = (
                self.ui_strings if isinstance(self.ui_strings, tuple) else tuple(self.ui_strings)
            )
            new = remove_ui_strings(new, strings)
        if self.regenerate_counters and (new[:1].isdigit() or new[:1].isspace()):
            new = remove_regenerate_counter(new)
        if self.unescape:
            new = unescape_markdown(new)
        return new if new != text else text
