"""The simple implementations of fix_mojibake's and drop_garbled's text functions, kept as the
reference the fast paths in ``selfreflect.filters.garbled`` are tested against (same results)."""

from __future__ import annotations

import re

import ftfy
import regex
from ftfy.badness import is_bad

from selfreflect.filters.garbled import prose_of

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\x80-\x9f]")
_RUN_GATE = re.compile(r"(?:[^\w\s]|_){12}")
_WORDISH = re.compile(r"[\w\s]+")
_CHAT_MARKS = regex.compile(r"^[!?.¡¿！？。…~*\-]+$")
_SYMBOL_RUN = regex.compile(r"[\p{P}\p{S}]{12,}")
_LETTER = regex.compile(r"[\p{L}\p{M}\p{N}]")
_MAYBE_MOJIBAKE = re.compile("[\x80-\u04ff\x1b\ud800-\udfff]")
_NOT_LETTER = regex.compile(r"[^\p{L}\p{M}\p{N}\s]")
_EMOJI_LIKE = regex.compile(r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\u200d\ufe0f\u20e3]")


def fix_mojibake(text: str, config: ftfy.TextFixerConfig) -> str:
    """FixMojibake.rewrite_text as it was: ftfy on every text with a suspect character."""
    if not _MAYBE_MOJIBAKE.search(text):
        return text
    return ftfy.fix_text(text, config)


def garbage_reason(text: str, min_letter_share: float, symbol_run: bool) -> tuple[str, str] | None:
    """drop_garbled's verdict on one text, as it was."""
    if "\ufffd" in text:
        return "replacement_char", f"{text.count(chr(0xFFFD))} U+FFFD replacement character(s)"
    control = _CONTROL.search(text)
    if control:
        return "control_chars", f"control character U+{ord(control.group()):04X}"
    if symbol_garbage(text, min_letter_share, symbol_run):
        found = symbol_garbage(prose_of(text), min_letter_share, symbol_run)
        if found:
            return found
    if _MAYBE_MOJIBAKE.search(text) and is_bad(text):
        return "mojibake", "mojibake that ftfy could not repair"
    return None


def symbol_garbage(text: str, min_letter_share: float, symbol_run: bool) -> tuple[str, str] | None:
    """A long run of mixed symbols, or too few letters; None when neither (as it was)."""
    if symbol_run and _RUN_GATE.search(text):
        for run in _SYMBOL_RUN.finditer(text):
            if _CHAT_MARKS.match(run.group()):
                continue
            chars = set(_EMOJI_LIKE.sub("", run.group()))
            if len(chars) >= 5:
                return "symbol_garbage", f"run of symbols {run.group()[:30]!r}"
    rough = len(text) - text.count(" ") - text.count("\n")
    if rough < 20:
        return None
    limit = rough * (1 - min_letter_share)
    if len(_WORDISH.sub("", text)) + text.count("_") <= limit:
        return None
    if len(_NOT_LETTER.findall(text)) > limit:
        visible = _EMOJI_LIKE.sub("", regex.sub(r"\s+|[!?.¡¿！？。…]{3,}", "", text))
        share = len(_LETTER.findall(visible)) / len(visible) if len(visible) >= 20 else 1.0
        if share < min_letter_share:
            return "symbol_garbage", f"only {share:.0%} letters or digits"
    return None
