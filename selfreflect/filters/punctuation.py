"""Typographic punctuation to plain ASCII forms, and a phrase map ("and/or" -> "and")."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property
from typing import ClassVar

from selfreflect.steps import MessageRewriter

#: Typographic characters and their plain replacements.
DEFAULT_CHAR_MAP: dict[str, str] = {
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark / apostrophe
    "\u201a": "'",  # single low-9 quotation mark
    "\u201b": "'",  # single high-reversed-9 quotation mark
    "\u2032": "'",  # prime
    "\u00b4": "'",  # acute accent used as an apostrophe
    "\u201c": '"',  # left double quotation mark
    "\u201d": '"',  # right double quotation mark
    "\u201e": '"',  # double low-9 quotation mark
    "\u201f": '"',  # double high-reversed-9 quotation mark
    "\u2033": '"',  # double prime
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # en dash
    "\u2212": "-",  # minus sign
    "\u2026": "...",  # horizontal ellipsis
}

DEFAULT_PHRASE_MAP: dict[str, str] = {"and/or": "and", "and\\or": "and"}


def _match_case(found: str, replacement: str) -> str:
    """Give the replacement the case pattern of the text it replaces."""
    if found.isupper() and len(found) > 1:
        return replacement.upper()
    if found[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


class NormalizePunctuation(MessageRewriter):
    """Turn curly quotes, apostrophes, dashes and ellipses into plain ones; apply a phrase map.

    Args:
        char_map: characters (or strings) and their replacements; null uses the built-in map of
            curly quotes, apostrophes, primes, dashes, the minus sign and "…" to plain ASCII.
            A map given here replaces the built-in one.
        phrase_map: whole phrases and their replacements, matched ignoring case (a capital is
            kept); null means the built-in map ("and/or" and "and\\or" to "and"); {} turns it
            off.
        unescape_literals: also repair a mapped character that double encoding left as a literal
            escape (the six characters \\u2019), then map it.
        roles: the roles whose messages are rewritten.
    """

    reasons: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        char_map: dict[str, str] | None = None,
        phrase_map: dict[str, str] | None = None,
        unescape_literals: bool = True,
        roles: tuple[str, ...] = ("system", "user", "assistant"),
    ):
        self.char_map = char_map
        self.phrase_map = phrase_map
        self.unescape_literals = unescape_literals
        self.roles = roles

    @cached_property
    def _chars(self) -> dict[str, str]:
        return DEFAULT_CHAR_MAP if self.char_map is None else dict(self.char_map)

    @cached_property
    def _table(self) -> dict[int, str]:
        return {ord(k): v for k, v in self._chars.items() if len(k) == 1}

    @cached_property
    def _any_char(self) -> re.Pattern[str] | None:
        keys = [k for k in self._chars if len(k) == 1]
        return re.compile("[" + "".join(re.escape(k) for k in keys) + "]") if keys else None

    @cached_property
    def _literal(self) -> re.Pattern[str] | None:
        """Literal escapes such as the six characters ``\\u2019`` left by double encoding."""
        codes = sorted({f"{ord(k):04x}" for k in self._chars if len(k) == 1})
        if not self.unescape_literals or not codes:
            return None
        return re.compile(r"\\u(" + "|".join(codes) + r")", re.IGNORECASE)

    @cached_property
    def _phrases(self) -> tuple[re.Pattern[str], dict[str, str]] | None:
        phrases = DEFAULT_PHRASE_MAP if self.phrase_map is None else self.phrase_map
        if not phrases:
            return None
        keys = sorted(phrases, key=len, reverse=True)
        alternatives = "|".join(re.escape(k) for k in keys)
        pattern = re.compile(rf"(?<![\w/\\])(?:{alternatives})(?![\w/\\])", re.IGNORECASE)
        return pattern, {k.lower(): v for k, v in phrases.items()}

    @cached_property
    def _long_keys(self) -> list[tuple[str, str]]:
        return [(k, v) for k, v in self._chars.items() if len(k) > 1]

    @cached_property
    def _phrase_marks(self) -> tuple[str, ...] | None:
        """Characters one of which every phrase contains ("/" for "and/or"), to skip the phrase
        pattern on text without any; None when some phrase has none of them."""
        phrases = DEFAULT_PHRASE_MAP if self.phrase_map is None else self.phrase_map
        marks = ("/", "\\")
        return marks if all(any(c in k for c in marks) for k in phrases) else None

    @cached_property
    def _triggers(self) -> tuple[tuple[str, ...], re.Pattern[str] | None] | None:
        """(ASCII characters, a pattern of the others): text with none of them never changes.

        Every change needs the start of a literal escape ("\\"), a phrase mark, the first
        character of a long key or a mapped character. None when that cannot be said (a phrase
        without a mark, an empty key): then every text goes through the rules.
        """
        if self._phrases is not None and self._phrase_marks is None:
            return None
        keys = list(self._chars)
        if any(not k for k in keys):
            return None
        starts = {k[0] for k in keys}
        ascii_chars = {c for c in starts if c.isascii()}
        if self._literal is not None:
            ascii_chars.add("\\")
        if self._phrases is not None and self._phrase_marks is not None:
            ascii_chars.update(self._phrase_marks)
        others = sorted(c for c in starts if not c.isascii())
        pattern = re.compile("[" + "".join(re.escape(c) for c in others) + "]") if others else None
        return tuple(sorted(ascii_chars)), pattern

    @cached_property
    def _replaces(self) -> list[tuple[str, str]] | None:
        """The one-character keys as (key, value) to replace one by one, the same as
        ``translate`` (and several times faster on non-ASCII text) when no value holds a key;
        None otherwise."""
        pairs = [(k, v) for k, v in self._chars.items() if len(k) == 1]
        if any(k in v for _, v in pairs for k, _ in pairs):
            return None
        return pairs

    def rewrite_text(self, text: str) -> str:
        triggers = self._triggers
        if triggers is not None:
            ascii_chars, others = triggers
            for c in ascii_chars:
                if c in text:
                    return self._rules(text)
            if others is None or text.isascii() or not others.search(text):
                return text
        return self._rules(text)

    def _rules(self, text: str) -> str:
        """The rules on one text, the mapped characters replaced one by one."""
        return self._apply(text, self._replace_chars)

    def reference_text(self, text: str) -> str:
        """The rules as first written (the reference :meth:`rewrite_text` is tested against)."""
        return self._apply(text, lambda t: t.translate(self._table))

    def _replace_chars(self, text: str) -> str:
        replaces = self._replaces
        if replaces is None:
            return text.translate(self._table)
        for key, value in replaces:
            if key in text:
                text = text.replace(key, value)
        return text

    def _apply(self, text: str, map_chars: Callable[[str], str]) -> str:
        if self._literal is not None and ("\\u" in text or "\\U" in text):
            text = self._literal.sub(lambda m: chr(int(m.group(1), 16)), text)
        if self._any_char is not None and not text.isascii() and self._any_char.search(text):
            text = map_chars(text)
        for key, value in self._long_keys:
            if key in text:
                text = text.replace(key, value)
        marks = self._phrase_marks
        if marks is not None and not any(c in text for c in marks):
            return text
        if self._phrases is not None:
            pattern, mapping = self._phrases
            text = pattern.sub(lambda m: _match_case(m.group(0), mapping[m.group(0).lower()]), text)
        return text
