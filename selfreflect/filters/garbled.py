"""Repair mojibake with ftfy, and drop text that cannot be repaired."""

from __future__ import annotations

import re
from functools import cached_property
from typing import ClassVar, Literal

import ftfy
import regex

from selfreflect.conversation import Conversation
from selfreflect.filters.mojibake_badness import is_bad
from selfreflect.filters.mojibake_repair import fix_text
from selfreflect.filters.turns import Finding, TurnFilter
from selfreflect.params import Share
from selfreflect.steps import MessageRewriter

#: The Unicode normal forms ftfy can apply.
Normalization = Literal["NFC", "NFD", "NFKC", "NFKD"]

# C0 controls except tab, line breaks, vertical tab and form feed (page breaks in pasted source
# files), DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\x80-\x9f]")
# Gates in the standard library's ``re`` (faster on plain character classes): a run of 12
# "symbols" (characters neither word nor space, or "_"; searched with "_" replaced by "!"),
# and the letters-digits-spaces of a text.
_RUN_GATE = re.compile(r"[^\w\s]{12}")
_WORDISH = re.compile(r"[\w\s]+")
# Code, maths and markup: fenced blocks, inline code, and whole lines that look like code, LaTeX,
# JSON or config. Their symbols are not garbage.
_CODE_SPANS = regex.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]+`|\$\$.+?\$\$", regex.S)
_CODE_LINE = regex.compile(
    r"^(?=[^\n]*[A-Za-z])(?:[ \t]{2,}\S.*|\s*[{}\[\]()<].*|.*[;{}(\[,]\s*"
    r"|.*\s(?:=|==|===|!=|=>|->|:=|\+=|&&"
    r"|\|\|)\s.*|\s*[\"']?[\w.@$-]+[\"']?\s*[:=]\s*\S.*|.*\\[A-Za-z]+.*|.*\$(?=[^$\n]*[A-Za-z0-9])[^$\n]+\$.*"
    r"|.*(?:\(\?[:=!<]|\[\^|\\[dwsbDWSB]).*)$",
    regex.M,
)
_CODE_HINT = re.compile(r"[`{};=\\<>$|]")
# Runs of the same few chat marks ("!!!!!!", "?!?!?!", "......") are emphasis, not garbage.
_CHAT_MARKS = regex.compile(r"^[!?.¡¿！？。…~*\-]+$")
# A run of punctuation and symbols (no letters, digits, marks or spaces) of at least 12 characters.
_SYMBOL_RUN = regex.compile(r"[\p{P}\p{S}]{12,}")
_LETTER = regex.compile(r"[\p{L}\p{M}\p{N}]")
# Emoji are symbols too; they are not garbage (the emoji steps deal with them).
# Mojibake of UTF-8 read as a single-byte code page always contains one of these (Latin-1 to
# Cyrillic, C1 controls); escapes and surrogates too. Text without any is left alone, fast.
_MAYBE_MOJIBAKE = re.compile("[\x80-\u04ff\x1b\ud800-\udfff]")
_NOT_LETTER = regex.compile(r"[^\p{L}\p{M}\p{N}\s]")
_EMOJI_LIKE = regex.compile(r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\u200d\ufe0f\u20e3]")


def _ascii_classes() -> bytes:
    """A ``bytes.translate`` table of ASCII characters: 1 a symbol, 2 a control character that
    is a symbol, 3 one that is a space (as ``_CONTROL`` and ``_WORDISH`` see them), 0 the rest."""
    table = bytearray(256)
    for code in range(128):
        char = chr(code)
        symbol = char == "_" or not _WORDISH.match(char)
        if _CONTROL.match(char):
            table[code] = 2 if symbol else 3
        elif symbol:
            table[code] = 1
    return bytes(table)


# ASCII text is classified in one pass of ``bytes.translate`` instead of the regexes above.
_ASCII_CLASSES = _ascii_classes()
_ASCII_RUN = b"\x01" * 12


class FixMojibake(MessageRewriter):
    """Repair mojibake ("doesnâ€™t" -> "doesn't") and broken encodings with ftfy.

    Only encoding repairs are applied: full-width punctuation (Chinese "，"), curly quotes
    and line breaks are left to the steps made for them, and control characters are left
    for :class:`DropGarbled` to find.

    Args:
        unescape_html: also turn HTML entities (`&amp;`, `&lt;`, `&#39;`) into the characters
            they stand for. Off by default: chat text about HTML quotes entities on purpose.
        normalization: the Unicode normal form ftfy gives the texts it repairs: "NFC" (default),
            "NFKC", "NFD" or "NFKD"; null leaves the form as it is.
        roles: the roles whose messages are repaired.
    """

    reasons: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        unescape_html: bool = False,
        normalization: Normalization | None = "NFC",
        roles: tuple[str, ...] = ("system", "user", "assistant"),
    ):
        self.unescape_html = unescape_html
        self.normalization = normalization
        self.roles = roles

    @cached_property
    def _config(self) -> ftfy.TextFixerConfig:
        return ftfy.TextFixerConfig(
            unescape_html=self.unescape_html,
            remove_terminal_escapes=True,
            fix_encoding=True,
            restore_byte_a0=True,
            replace_lossy_sequences=True,
            decode_inconsistent_utf8=True,
            fix_c1_controls=True,
            fix_latin_ligatures=False,
            fix_character_width=False,
            uncurl_quotes=False,
            fix_line_breaks=False,
            fix_surrogates=True,
            remove_control_chars=False,
            normalization=self.normalization,
            explain=False,
        )

    def rewrite_text(self, text: str) -> str:
        if not _MAYBE_MOJIBAKE.search(text):
            return text
        return fix_text(text, self._config)


def prose_of(text: str) -> str:
    """The text without code, maths and markup (fenced blocks, inline code, code-like lines)."""
    if not _CODE_HINT.search(text):
        return text
    return _CODE_LINE.sub("", _CODE_SPANS.sub(" ", text))


def garbage_reason(text: str, min_letter_share: float, symbol_run: bool) -> tuple[str, str] | None:
    """Why a text is unreadable (reason, detail), or None when it looks like real text.

    Symbols in code, maths, JSON or config lines, and runs of chat marks ("!!!!", "?????"),
    never count as garbage.
    """
    if "\ufffd" in text:
        return "replacement_char", f"{text.count(chr(0xFFFD))} U+FFFD replacement character(s)"
    classes = text.encode().translate(_ASCII_CLASSES) if text.isascii() else None
    if classes is None or b"\x02" in classes or b"\x03" in classes:
        control = _CONTROL.search(text)
        if control:
            return "control_chars", f"control character U+{ord(control.group()):04X}"
    # The symbol checks run on the whole text first (cheap gates); only a text that fails them
    # is checked again without its code, maths and markup.
    if _symbol_garbage(text, min_letter_share, symbol_run, classes):
        found = _symbol_garbage(prose_of(text), min_letter_share, symbol_run)
        if found:
            return found
    # ASCII text has no mojibake (its escape character was found above as a control)
    if classes is None and _MAYBE_MOJIBAKE.search(text) and is_bad(text):
        return "mojibake", "mojibake that ftfy could not repair"
    return None


def _symbol_garbage(
    text: str, min_letter_share: float, symbol_run: bool, classes: bytes | None = None
) -> tuple[str, str] | None:
    """A long run of mixed symbols, or too few letters; None when neither.

    ``classes``: the text's ``_ASCII_CLASSES`` translation, when it is ASCII and has it.
    """
    if classes is None and text.isascii():
        classes = text.encode().translate(_ASCII_CLASSES)
    if classes is not None:
        symbols = classes.count(1) + classes.count(2)
        if symbol_run and symbols >= 12:
            run = _ASCII_RUN in (classes.replace(b"\x02", b"\x01") if 2 in classes else classes)
        else:
            run = False
    else:
        symbols = len(_WORDISH.sub("", text)) + text.count("_")
        run = symbol_run and symbols >= 12 and bool(_RUN_GATE.search(text.replace("_", "!")))
    if run:
        for found in _SYMBOL_RUN.finditer(text):
            if _CHAT_MARKS.match(found.group()):
                continue
            chars = set(_EMOJI_LIKE.sub("", found.group()))
            if len(chars) >= 5:
                return "symbol_garbage", f"run of symbols {found.group()[:30]!r}"
    rough = len(text) - text.count(" ") - text.count("\n")
    if rough < 20:
        return None
    limit = rough * (1 - min_letter_share)
    # an upper bound first (marks count as symbols here)
    if symbols <= limit:
        return None
    if len(_NOT_LETTER.findall(text)) > limit:
        visible = _EMOJI_LIKE.sub("", regex.sub(r"\s+|[!?.¡¿！？。…]{3,}", "", text))
        share = len(_LETTER.findall(visible)) / len(visible) if len(visible) >= 20 else 1.0
        if share < min_letter_share:
            return "symbol_garbage", f"only {share:.0%} letters or digits"
    return None


class DropGarbled(TurnFilter):
    """Drop records with text that cannot be repaired: U+FFFD, control characters, crawl garbage.

    ``action="cut"`` (default): a multi-turn record is cut before the exchange with the bad turn
    when a complete exchange is left; otherwise the record is dropped.

    Args:
        min_letter_share: the smallest share (0 to 1) of letters and digits a turn of 20 or more
            visible characters must have; spaces, emoji, code, maths and markup are not counted.
        symbol_runs: also reject a turn with a run of 12 or more punctuation marks and symbols of at
            least 5 different kinds (outside code); runs of "!!!" or "..." are emphasis and kept.
        roles: the roles whose turns are checked.
        action: "cut" keeps a multi-turn record up to the exchange before the bad turn when a
            complete exchange is left there (otherwise drops it); "drop" rejects the whole record.
            null means "cut".
    """

    reasons = {
        "replacement_char": "a turn contains U+FFFD, the mark of bytes lost in decoding",
        "control_chars": "a turn contains C0/C1 control characters (other than tab and newline)",
        "symbol_garbage": "a turn is mostly punctuation/symbols or has a long run of mixed symbols",
        "mojibake": "a turn still looks like mojibake after repair",
    }

    def __init__(
        self,
        min_letter_share: Share = 0.3,
        symbol_runs: bool = True,
        roles: tuple[str, ...] = ("system", "user", "assistant"),
        action: Literal["cut", "drop"] | None = None,
    ):
        self.min_letter_share = min_letter_share
        self.symbol_runs = symbol_runs
        self.roles = roles
        self.action = action

    def find(self, conv: Conversation) -> Finding | None:
        for index, message in enumerate(conv.messages):
            if message.role not in self.roles or not message.content:
                continue
            found = garbage_reason(message.content, self.min_letter_share, self.symbol_runs)
            if found:
                reason, detail = found
                return Finding(index, reason, f"message {index} ({message.role}): {detail}")
        return None
