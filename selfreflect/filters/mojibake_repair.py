"""``ftfy.fix_text`` for fix_mojibake's configuration, with the fast badness test.

ftfy fixes a text line by line, and tests each line for mojibake three times or more with
``ftfy.badness.is_bad`` (a regex over the whole line, about 4 MB/s), most of its time. This is
the same loop, written from ftfy 6.3.1's ``fix_text``, ``fix_and_explain``, ``fix_encoding``
and ``_fix_encoding_one_step_and_explain`` (Apache-2.0, (c) Robyn Speer) for the fixes
fix_mojibake turns on, with ftfy's own fixers and character tables, and
:func:`selfreflect.filters.mojibake_badness.is_bad` in place of ``is_bad``. With another ftfy
version, ``ftfy.fix_text`` itself runs. tests/fuzz/test_fast_garbled.py checks both agree.
"""

from __future__ import annotations

import unicodedata

import ftfy
from ftfy import chardata, fixes

from selfreflect.filters.mojibake_badness import is_bad

#: The ftfy version this loop was written from.
FTFY_VERSION = "6.3.1"


def fix_text(text: str, config: ftfy.TextFixerConfig) -> str:
    """The same text as ``ftfy.fix_text(text, config)``, for fix_mojibake's configs."""
    if ftfy.__version__ != FTFY_VERSION or config.unescape_html == "auto":
        return ftfy.fix_text(text, config)
    out = []
    pos = 0
    while pos < len(text):
        end = text.find("\n", pos) + 1 or len(text)
        end = min(end, pos + config.max_decode_length)
        out.append(_fix_segment(text[pos:end], config))
        pos = end
    return "".join(out)


def _fix_segment(text: str, config: ftfy.TextFixerConfig) -> str:
    """``fix_and_explain`` without explanations."""
    while True:
        before = text
        if config.unescape_html:
            text = fixes.unescape_html(text)
        text = _fix_encoding(text)
        text = fixes.fix_c1_controls(text)
        text = fixes.fix_surrogates(text)
        if "\x1b" in text:  # every terminal escape starts with it
            text = fixes.remove_terminal_escapes(text)
        if config.normalization is not None:
            text = unicodedata.normalize(config.normalization, text)
        if text == before:
            return text


def _fix_encoding(text: str) -> str:
    """``fix_encoding`` with its default config: one step at a time until nothing changes."""
    while True:
        before = text
        text = _fix_encoding_step(text)
        if text == before:
            return text


def _fix_encoding_step(text: str) -> str:
    """``_fix_encoding_one_step_and_explain`` with the default config, without explanations."""
    if not text or text.isascii() or not is_bad(text):  # isascii: possible_encoding "ascii"
        return text
    possible = []
    for encoding in chardata.CHARMAP_ENCODINGS:
        if chardata.possible_encoding(text, encoding):
            possible.append(encoding)
            encoded = text.encode(encoding)
            try:
                decoding = "utf-8"
                if encoding != "macroman" and chardata.ALTERED_UTF8_RE.search(encoded):
                    encoded = fixes.restore_byte_a0(encoded)
                if encoding.startswith("sloppy"):
                    encoded = fixes.replace_lossy_sequences(encoded)
                if 0xED in encoded or 0xC0 in encoded:
                    decoding = "utf-8-variants"
                return encoded.decode(decoding)
            except UnicodeDecodeError:
                pass
    if chardata.UTF8_DETECTOR_RE.search(text):
        fixed = fixes.decode_inconsistent_utf8(text)
        if fixed != text:
            return fixed
    if "latin-1" in possible:
        if "windows-1252" in possible:
            return text
        try:
            fixed = text.encode("latin-1").decode("windows-1252")
            if fixed != text:
                return fixed
        except UnicodeDecodeError:
            pass
    if chardata.C1_CONTROL_RE.search(text):
        return fixes.fix_c1_controls(text)
    return text
